//! The application layer's one error type; the web layer maps it to HTTP in one place.

use wushe_domain::{FieldError, FieldErrors};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("invalid input: {0:?}")]
    Invalid(FieldErrors),
    #[error("not found")]
    NotFound,
    #[error("sign-in required")]
    Unauthenticated,
    #[error("forbidden")]
    Forbidden,
    #[error("conflict on {0}")]
    Conflict(FieldError),
    #[error("too many attempts")]
    RateLimited,
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("internal: {0}")]
    Internal(String),
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError::Invalid(e.into())
    }
}

impl From<FieldErrors> for AppError {
    fn from(e: FieldErrors) -> Self {
        AppError::Invalid(e)
    }
}

impl AppError {
    /// Turns a unique-constraint violation into a field conflict; other errors pass through.
    pub fn unique_as(field: &'static str, key: &'static str) -> impl Fn(sqlx::Error) -> AppError {
        move |e| match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => AppError::Conflict(FieldError::new(field, key)),
            _ => AppError::Db(e),
        }
    }
}
