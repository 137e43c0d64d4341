//! Api keys of outside clients, one community each: only their SHA-256 is stored.

use crate::areas::{self, Area};
use crate::audit::AuditedTx;
use crate::{Actor, AppError, Db};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::Row;
use wushe_domain::FieldError;
use wushe_domain::areas::AreaKind;

fn digest(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// `wushe open311 key add NAME --community CODE`: a new key, shown once.
pub async fn add_key(db: &Db, actor: &Actor, at: i64, community_code: &str, name: &str) -> Result<String, AppError> {
    let c =
        areas::by_code(db, community_code).await.map_err(|_| FieldError::new("community", "errors.area.unknown"))?;
    if c.kind != AreaKind::Community {
        return Err(FieldError::new("community", "errors.area.unknown").into());
    }
    let name = wushe_domain::error::text("name", name, 60)?;
    let mut b = [0u8; 24];
    rand::rng().fill_bytes(&mut b);
    let key = hex::encode(b);
    let mut tx = AuditedTx::begin(db, at).await?;
    sqlx::query("INSERT INTO open311_keys (community_id, name, key_hash, created_at) VALUES ($1, $2, $3, $4)")
        .bind(c.id)
        .bind(&name)
        .bind(digest(&key))
        .bind(at)
        .execute(&mut *tx.tx)
        .await
        .map_err(AppError::unique_as("name", "errors.open311.key_exists"))?;
    tx.record(actor, Some(c.id), "open311.key.add", &format!("open311_key:{name}"), "").await?;
    tx.commit().await?;
    Ok(key)
}

#[derive(Debug, Clone)]
pub struct Key {
    pub name: String,
    pub community_code: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

pub async fn keys(db: &Db) -> Result<Vec<Key>, AppError> {
    let rows = sqlx::query("SELECT k.name, a.code, k.created_at, k.revoked_at FROM open311_keys k JOIN areas a ON a.id = k.community_id ORDER BY a.code, k.name")
        .fetch_all(&db.pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Key {
                name: r.try_get(0)?,
                community_code: r.try_get(1)?,
                created_at: r.try_get(2)?,
                revoked_at: r.try_get(3)?,
            })
        })
        .collect()
}

pub async fn revoke_key(db: &Db, actor: &Actor, at: i64, community_code: &str, name: &str) -> Result<(), AppError> {
    let c =
        areas::by_code(db, community_code).await.map_err(|_| FieldError::new("community", "errors.area.unknown"))?;
    let mut tx = AuditedTx::begin(db, at).await?;
    let r = sqlx::query("UPDATE open311_keys SET revoked_at = $1 WHERE community_id = $2 AND name = $3 AND revoked_at IS NULL RETURNING id")
        .bind(at)
        .bind(c.id)
        .bind(name)
        .fetch_optional(&mut *tx.tx)
        .await?;
    if r.is_none() {
        return Err(FieldError::new("name", "errors.open311.key_unknown").into());
    }
    tx.record(actor, Some(c.id), "open311.key.revoke", &format!("open311_key:{name}"), "").await?;
    tx.commit().await
}

/// The name of a live key for `community`, if `key` is one.
pub async fn check_key(db: &Db, community: &Area, key: &str) -> Result<Option<String>, AppError> {
    let r: Option<(String,)> = sqlx::query_as(
        "SELECT name FROM open311_keys WHERE key_hash = $1 AND community_id = $2 AND revoked_at IS NULL",
    )
    .bind(digest(key))
    .bind(community.id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(r.map(|x| x.0))
}
