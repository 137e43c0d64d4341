//! An account as stored: the `users` row.

use crate::AppError;
use sqlx::Row;

#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub phone: Option<String>,
    pub person_id: Option<i64>,
}

pub(crate) const COLS: &str = "id, username, display_name, phone, person_id";

pub(crate) fn from_row(r: &sqlx::any::AnyRow) -> Result<User, AppError> {
    Ok(User {
        id: r.try_get(0)?,
        username: r.try_get(1)?,
        display_name: r.try_get(2)?,
        phone: r.try_get(3)?,
        person_id: r.try_get(4)?,
    })
}
