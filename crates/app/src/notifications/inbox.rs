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
    Ok(inbox_page(db, user_id, false, limit, 0).await?.0)
}

/// One page of the user's inbox, newest first (only the unread ones if `unread_only`), and
/// how many there are in all.
pub async fn inbox_page(
    db: &Db,
    user_id: i64,
    unread_only: bool,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Notification>, i64), AppError> {
    let only = if unread_only { " AND read_at IS NULL" } else { "" };
    let total: i64 =
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM notifications WHERE user_id = $1{only}")))
            .bind(user_id)
            .fetch_one(&db.pool)
            .await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT id, kind, need_id, title, body, created_at, read_at FROM notifications WHERE user_id = $1{only} \
         ORDER BY id DESC LIMIT $2 OFFSET $3"
    )))
    .bind(user_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(&db.pool)
    .await?;
    let list = rows
        .iter()
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
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok((list, total))
}

/// Marks every unread notification of the user read; how many were.
pub async fn mark_all_read(db: &Db, user_id: i64, at: i64) -> Result<u64, AppError> {
    let r = sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
        .bind(at)
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(r.rows_affected())
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
