//! Personal calendar feeds: random tokens stored as SHA-256 digests.

use super::model::Booking;
use super::queries::user_bookings;
use crate::audit::AuditedTx;
use crate::{Actor, AppError, Db};
use rand::RngCore;
use sha2::{Digest, Sha256};

fn digest(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A new personal calendar feed address token for the actor (earlier ones stop working):
/// calendar apps cannot sign in, so the address itself is the secret.
pub async fn new_feed_token(db: &Db, actor: &Actor, at: i64) -> Result<String, AppError> {
    let uid = actor.user_id.ok_or(AppError::Unauthenticated)?;
    let mut raw = [0u8; 24];
    rand::rng().fill_bytes(&mut raw);
    let token = hex(&raw);
    let mut tx = AuditedTx::begin(db, at).await?;
    sqlx::query("DELETE FROM calendar_feeds WHERE user_id = $1").bind(uid).execute(&mut *tx.tx).await?;
    sqlx::query("INSERT INTO calendar_feeds (user_id, digest, created_at) VALUES ($1, $2, $3)")
        .bind(uid)
        .bind(digest(&token))
        .bind(at)
        .execute(&mut *tx.tx)
        .await?;
    tx.record(actor, None, "booking.feed", &format!("user:{uid}"), "").await?;
    tx.commit().await?;
    Ok(token)
}

/// The bookings behind a personal feed token (from 30 days ago), or not found.
pub async fn feed(db: &Db, token: &str, now: i64) -> Result<Vec<Booking>, AppError> {
    if token.len() != 48 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let uid: Option<i64> = sqlx::query_scalar("SELECT user_id FROM calendar_feeds WHERE digest = $1")
        .bind(digest(token))
        .fetch_optional(&db.pool)
        .await?;
    let uid = uid.ok_or(AppError::NotFound)?;
    user_bookings(db, uid, now - 30 * 24 * 3_600_000).await
}
