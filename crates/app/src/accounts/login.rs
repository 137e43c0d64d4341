//! Signing in by username or mobile number, and the failed attempts the limiter counts.

use super::model::{COLS, User, from_row};
use super::passwords::{DUMMY_HASH, verify_password};
use crate::{Actor, AppError, Db};
use sqlx::Row;
use wushe_domain::FieldError;
use wushe_domain::people::PhoneNumber;

/// The account a login name resolves to (a username, or a mobile number in any spelling
/// `PhoneNumber` accepts), so that every spelling of one account is one key for the login limit.
pub async fn account_of(db: &Db, login: &str) -> Result<Option<i64>, AppError> {
    let login = login.trim();
    let row: Option<(i64,)> = match PhoneNumber::parse(login) {
        Ok(p) => {
            sqlx::query_as("SELECT id FROM users WHERE phone = $1").bind(p.reveal()).fetch_optional(&db.pool).await?
        }
        Err(_) => {
            sqlx::query_as("SELECT id FROM users WHERE username = $1")
                .bind(login.to_ascii_lowercase())
                .fetch_optional(&db.pool)
                .await?
        }
    };
    Ok(row.map(|(id,)| id))
}

/// Records a failed sign-in in the audit log: the account (when the name is one) and the
/// address it came from.
pub async fn record_failed_login(db: &Db, at: i64, account: Option<i64>, client: &str) -> Result<(), AppError> {
    let subject = account.map(|id| format!("user:{id}")).unwrap_or_else(|| "user:unknown".into());
    crate::audit::record_alone(db, at, &Actor::anonymous(), None, "account.login_failed", &subject, client).await
}

/// Checks a login (username or mobile number) and password.
pub async fn authenticate(db: &Db, login: &str, password: &str) -> Result<User, AppError> {
    let login = login.trim();
    let by_phone = PhoneNumber::parse(login).ok();
    let row = match &by_phone {
        Some(p) => {
            sqlx::query("SELECT id, password_hash, disabled FROM users WHERE phone = $1")
                .bind(p.reveal())
                .fetch_optional(&db.pool)
                .await?
        }
        None => {
            sqlx::query("SELECT id, password_hash, disabled FROM users WHERE username = $1")
                .bind(login.to_ascii_lowercase())
                .fetch_optional(&db.pool)
                .await?
        }
    };
    let bad = || AppError::Invalid(FieldError::new("password", "errors.login.failed").into());
    let Some(row) = row else {
        verify_password(password.to_string(), DUMMY_HASH.clone()).await;
        return Err(bad());
    };
    let id: i64 = row.try_get(0)?;
    let hash: String = row.try_get(1)?;
    let disabled: i64 = row.try_get(2)?;
    if !verify_password(password.to_string(), hash).await || disabled != 0 {
        tracing::warn!(user_id = id, "failed sign-in");
        return Err(bad());
    }
    let r = sqlx::query(crate::sql!("SELECT {COLS} FROM users WHERE id = $1")).bind(id).fetch_one(&db.pool).await?;
    from_row(&r)
}
