//! An account as stored: the `users` row.

use crate::AppError;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub phone: Option<String>,
    pub person_id: Option<i64>,
}

pub(crate) const COLS: &str = "id, username, display_name, phone, person_id";

pub(crate) fn from_row(r: &sqlx::any::AnyRow) -> Result<User, AppError> {
    Ok(<User as sqlx::FromRow<'_, sqlx::any::AnyRow>>::from_row(r)?)
}
