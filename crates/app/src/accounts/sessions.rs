//! Sessions and API tokens: random 256-bit values of which only the SHA-256 is stored.

use super::model::{User, from_row};
use super::users::by_username;
use crate::audit::AuditedTx;
use crate::{Actor, AppError, Db};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::Row;
use wushe_domain::FieldError;
use wushe_domain::access::{Grant, Grants, Role};

fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
}

pub const SESSION_TTL_MILLIS: i64 = 12 * 3600 * 1000;

pub async fn create_session(db: &Db, user_id: i64, at: i64) -> Result<NewSession, AppError> {
    let token = random_token();
    let csrf = random_token();
    let mut tx = AuditedTx::begin(db, at).await?;
    // Expired sessions are useless; clear them as new ones are made.
    sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(at).execute(&mut *tx.tx).await?;
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(digest(&token))
    .bind(user_id)
    .bind(&csrf)
    .bind(at)
    .bind(at + SESSION_TTL_MILLIS)
    .execute(&mut *tx.tx)
    .await?;
    let actor = Actor { user_id: Some(user_id), grants: Default::default(), operator: false };
    tx.record(&actor, None, "session.login", &format!("user:{user_id}"), "").await?;
    tx.commit().await?;
    Ok(NewSession { token, csrf_token: csrf })
}

/// The user and CSRF token behind a live session cookie.
/// The user of a live session, its CSRF token and the user's grants, in one query: every
/// page request asks.
pub async fn session(db: &Db, token: &str, now: i64) -> Result<Option<(User, String, Grants)>, AppError> {
    let rows = sqlx::query(
        "SELECT u.id, u.username, u.display_name, u.phone, u.person_id, g.role, a.path, s.csrf_token \
         FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN grants g ON g.user_id = u.id LEFT JOIN areas a ON a.id = g.area_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = 0 ORDER BY g.id",
    )
    .bind(digest(token))
    .bind(now)
    .fetch_all(&db.pool)
    .await?;
    let csrf: Option<String> = rows.first().map(|r| r.try_get(7)).transpose()?;
    Ok(user_with_grants(&rows)?.zip(csrf).map(|((u, g), c)| (u, c, g)))
}

/// A user and their grants from rows of `users` columns, then `g.role, a.path` (NULL for a
/// user without grants), one row per grant.
fn user_with_grants(rows: &[sqlx::any::AnyRow]) -> Result<Option<(User, Grants)>, AppError> {
    let Some(first) = rows.first() else { return Ok(None) };
    let mut grants = Vec::with_capacity(rows.len());
    for r in rows {
        let role: Option<String> = r.try_get(5)?;
        let path: Option<String> = r.try_get(6)?;
        if let (Some(role), Some(area_path)) = (role, path) {
            grants.push(Grant { role: Role::parse(&role)?, area_path });
        }
    }
    Ok(Some((from_row(first)?, Grants { signed_in: true, grants })))
}

pub async fn end_session(db: &Db, token: &str, at: i64) -> Result<(), AppError> {
    let mut tx = AuditedTx::begin(db, at).await?;
    let ended: Option<(i64,)> = sqlx::query_as("DELETE FROM sessions WHERE token_hash = $1 RETURNING user_id")
        .bind(digest(token))
        .fetch_optional(&mut *tx.tx)
        .await?;
    if let Some((user_id,)) = ended {
        let actor = Actor { user_id: Some(user_id), grants: Default::default(), operator: false };
        tx.record(&actor, None, "session.logout", &format!("user:{user_id}"), "").await?;
    }
    tx.commit().await
}

/// Creates a bearer token for scripts (`wushe token create`); returns it once.
pub async fn create_api_token(db: &Db, actor: &Actor, at: i64, username: &str, name: &str) -> Result<String, AppError> {
    let user = by_username(db, username).await.map_err(|_| FieldError::new("username", "errors.user.unknown"))?;
    let name = wushe_domain::error::text("name", name, 60)?;
    let token = random_token();
    let mut tx = AuditedTx::begin(db, at).await?;
    sqlx::query("INSERT INTO api_tokens (token_hash, user_id, name, created_at) VALUES ($1, $2, $3, $4)")
        .bind(digest(&token))
        .bind(user.id)
        .bind(&name)
        .bind(at)
        .execute(&mut *tx.tx)
        .await?;
    tx.record(actor, None, "token.create", &format!("user:{}", user.username), &name).await?;
    tx.commit().await?;
    Ok(token)
}

/// Who a bearer token belongs to, with their grants, in one query: every API request asks.
pub async fn token_user(db: &Db, token: &str) -> Result<Option<(User, Grants)>, AppError> {
    let rows = sqlx::query(
        "SELECT u.id, u.username, u.display_name, u.phone, u.person_id, g.role, a.path \
         FROM api_tokens t JOIN users u ON u.id = t.user_id LEFT JOIN grants g ON g.user_id = u.id LEFT JOIN areas a ON a.id = g.area_id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled = 0 ORDER BY g.id",
    )
    .bind(digest(token))
    .fetch_all(&db.pool)
    .await?;
    user_with_grants(&rows)
}
