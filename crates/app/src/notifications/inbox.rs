//! Each account's in-app inbox: reading and marking read.

use crate::{AppError, Db};
use sqlx::Row;

#[derive(Debug, Clone)]
pub struct Notification {
    pub id: i64,
    pub kind: String,
    pub need_id: Option<i64>,
    pub title: String,
    pub body: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

pub async fn inbox(db: &Db, user_id: i64, limit: i64) -> Result<Vec<Notification>, AppError> {
    let rows = sqlx::query("SELECT id, kind, need_id, title, body, created_at, read_at FROM notifications WHERE user_id = $1 ORDER BY id DESC LIMIT $2")
        .bind(user_id)
        .bind(limit)
        .fetch_all(&db.pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Notification {
                id: r.try_get(0)?,
                kind: r.try_get(1)?,
                need_id: r.try_get(2)?,
                title: r.try_get(3)?,
                body: r.try_get(4)?,
                created_at: r.try_get(5)?,
                read_at: r.try_get(6)?,
            })
        })
        .collect()
}

pub async fn unread(db: &Db, user_id: i64) -> Result<i64, AppError> {
    let r: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
        .bind(user_id)
        .fetch_one(&db.pool)
        .await?;
    Ok(r.0)
}

/// Marks one of the user's notifications read; someone else's reads as missing.
pub async fn mark_read(db: &Db, user_id: i64, id: i64, at: i64) -> Result<(), AppError> {
    let r = sqlx::query(
        "UPDATE notifications SET read_at = COALESCE(read_at, $1) WHERE id = $2 AND user_id = $3 RETURNING id",
    )
    .bind(at)
    .bind(id)
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await?;
    if r.is_none() {
        return Err(AppError::NotFound);
    }
    Ok(())
}
