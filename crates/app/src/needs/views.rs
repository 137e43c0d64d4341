//! Saved views of the ledger (a filter with a name), per person.

use crate::areas::Area;
use crate::audit::AuditedTx;
use crate::{Actor, AppError, Db};
use sqlx::Row;
use wushe_domain::access::Action;

#[derive(Debug, Clone)]
pub struct SavedView {
    pub id: i64,
    pub name: String,
    /// The ledger's query string (status, category, overdue).
    pub query: String,
}

/// Saves the ledger filters under a name for this user and community.
pub async fn save_view(
    db: &Db,
    actor: &Actor,
    at: i64,
    community: &Area,
    name: &str,
    query: &str,
) -> Result<SavedView, AppError> {
    let user = actor.user_id.ok_or(AppError::Unauthenticated)?;
    actor.require(Action::NeedRead, None)?;
    let name = wushe_domain::error::text("name", name, 40)?;
    // Only the ledger's own filters are kept, so a saved view cannot smuggle anything else.
    let query: String = query
        .split('&')
        .filter(|kv| ["status=", "category=", "overdue="].iter().any(|k| kv.starts_with(k)))
        .filter(|kv| kv.len() < 60 && kv.bytes().all(|b| b.is_ascii_alphanumeric() || b"=_%".contains(&b)))
        .collect::<Vec<_>>()
        .join("&");
    let mut tx = AuditedTx::begin(db, at).await?;
    let r = sqlx::query("INSERT INTO saved_views (community_id, user_id, name, query, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
        .bind(community.id)
        .bind(user)
        .bind(&name)
        .bind(&query)
        .bind(at)
        .fetch_one(&mut *tx.tx)
        .await
        .map_err(AppError::unique_as("name", "errors.view.exists"))?;
    let id: i64 = r.try_get(0)?;
    tx.record(actor, Some(community.id), "needs.view.save", &format!("view:{id}"), &name).await?;
    tx.commit().await?;
    Ok(SavedView { id, name, query })
}

pub async fn views(db: &Db, actor: &Actor, community: &Area) -> Result<Vec<SavedView>, AppError> {
    let Some(user) = actor.user_id else { return Ok(vec![]) };
    let rows =
        sqlx::query("SELECT id, name, query FROM saved_views WHERE user_id = $1 AND community_id = $2 ORDER BY name")
            .bind(user)
            .bind(community.id)
            .fetch_all(&db.pool)
            .await?;
    rows.iter().map(|r| Ok(SavedView { id: r.try_get(0)?, name: r.try_get(1)?, query: r.try_get(2)? })).collect()
}

/// Deletes one of the user's own views; another's reads as missing.
pub async fn delete_view(db: &Db, actor: &Actor, at: i64, id: i64) -> Result<(), AppError> {
    let user = actor.user_id.ok_or(AppError::Unauthenticated)?;
    let mut tx = AuditedTx::begin(db, at).await?;
    let r = sqlx::query("DELETE FROM saved_views WHERE id = $1 AND user_id = $2 RETURNING community_id")
        .bind(id)
        .bind(user)
        .fetch_optional(&mut *tx.tx)
        .await?;
    let Some(row) = r else { return Err(AppError::NotFound) };
    let community: i64 = row.try_get(0)?;
    tx.record(actor, Some(community), "needs.view.delete", &format!("view:{id}"), "").await?;
    tx.commit().await
}
