//! Broadcasts: one text to many phone numbers, most of them of residents without an account
//! (an emergency alert to everyone with a phone in the affected areas). Queued in the
//! transaction of what causes them, one row per number (a unique index), claimed in chunks
//! and handed to the SMS gateway in batches of [`BATCH`] numbers per request, each number
//! with its own idempotency key, so every number is sent the text exactly once even when a
//! sender crashes between the gateway's answer and marking the rows sent.

use super::delivery::{Channels, MAX_ATTEMPTS, Round, backoff_millis};
use crate::{AppError, Db};
use sqlx::{Any, Transaction};
use std::time::Duration;

/// Numbers per gateway request (SMS gateways take batches: Aliyun's SendBatchSms up to 100).
pub const BATCH: usize = 100;
/// Rows claimed at a time.
const CLAIM: i64 = 2_000;
/// A claimed row is considered abandoned (the sender crashed) after this long.
const CLAIM_TIMEOUT: i64 = 5 * 60_000;

/// Queues `body` for every number in `phones` (deduplicated), once per `source`: a second call
/// for the same source adds only numbers not yet queued. Returns how many were queued now.
pub async fn broadcast(
    tx: &mut Transaction<'_, Any>,
    at: i64,
    community_id: Option<i64>,
    kind: &str,
    source: &str,
    body: &str,
    phones: &[String],
) -> Result<usize, AppError> {
    let existing: Option<(i64,)> =
        sqlx::query_as("SELECT id FROM broadcasts WHERE source = $1").bind(source).fetch_optional(&mut **tx).await?;
    let new = existing.is_none();
    let id = match existing {
        Some((id,)) => id,
        None => {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO broadcasts (community_id, kind, source, body, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(community_id)
            .bind(kind)
            .bind(source)
            .bind(body)
            .bind(at)
            .fetch_one(&mut **tx)
            .await?;
            id
        }
    };
    let mut numbers: Vec<&str> = phones.iter().map(|p| p.trim()).filter(|p| !p.is_empty()).collect();
    numbers.sort_unstable();
    numbers.dedup();
    let already: Vec<(String,)> = if new {
        Vec::new()
    } else {
        sqlx::query_as("SELECT destination FROM broadcast_outbox WHERE broadcast_id = $1")
            .bind(id)
            .fetch_all(&mut **tx)
            .await?
    };
    let already: std::collections::HashSet<String> = already.into_iter().map(|r| r.0).collect();
    let fresh: Vec<&str> = numbers.into_iter().filter(|n| !already.contains(*n)).collect();
    // One bound value per row, the number; the ids and the time are whole numbers written in.
    let backend = crate::db::Backend::of(tx);
    let cid = community_id.map_or("NULL".to_string(), |c| c.to_string());
    for chunk in crate::db::statement_chunks_of(&fresh, 1, crate::db::BULK_PARAMS_PER_STATEMENT) {
        let sql = crate::sql!(
            "INSERT INTO broadcast_outbox (community_id, broadcast_id, status, next_attempt_at, created_at, destination) \
             SELECT {cid}, {id}, 'pending', {at}, {at}, v.column1 FROM (VALUES {}) AS v",
            backend.values_list(chunk.len(), 1)
        );
        let mut q = sqlx::query(sql);
        for n in chunk {
            q = q.bind(*n);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(fresh.len())
}

/// How far a broadcast has gone: (queued, sent, failed for good).
pub async fn progress(db: &Db, source: &str) -> Result<(i64, i64, i64), AppError> {
    Ok(sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN o.status = 'sent' THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN o.status = 'failed' THEN 1 ELSE 0 END), 0) \
         FROM broadcast_outbox o JOIN broadcasts b ON b.id = o.broadcast_id WHERE b.source = $1",
    )
    .bind(source)
    .fetch_one(&db.pool)
    .await?)
}

/// A batch on its way: the rows, their numbers, and the text.
struct Batch {
    ids: Vec<i64>,
    to: Vec<String>,
    body: String,
    broadcast: i64,
}

/// Hands every due broadcast row to the gateway, chunk after chunk until none is due, with
/// up to `channels.concurrency` requests in flight. Without a gateway the rows are skipped.
pub(crate) async fn dispatch(db: &Db, channels: &Channels, now: i64) -> Result<Round, AppError> {
    let mut round = Round::default();
    let Some(url) = channels.webhook.clone() else {
        sqlx::query("UPDATE broadcast_outbox SET status = 'skipped', last_error = 'channel not configured' WHERE status = 'pending'")
            .execute(&db.pool)
            .await?;
        return Ok(round);
    };
    let width = if channels.concurrency == 0 { 8 } else { channels.concurrency.min(64) };
    let timeout = if channels.timeout.is_zero() { Duration::from_secs(10) } else { channels.timeout };
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .pool_max_idle_per_host(width)
        .build()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    loop {
        let claimed: Vec<(i64, i64, String, String)> = sqlx::query_as(
            "UPDATE broadcast_outbox SET status = 'sending', claimed_at = $1 WHERE id IN (\
               SELECT id FROM broadcast_outbox WHERE (status = 'pending' AND next_attempt_at <= $1) \
               OR (status = 'sending' AND claimed_at < $2) ORDER BY id LIMIT $3) \
             AND (status = 'pending' OR (status = 'sending' AND claimed_at < $2)) \
             RETURNING id, broadcast_id, destination, (SELECT body FROM broadcasts b WHERE b.id = broadcast_id)",
        )
        .bind(now)
        .bind(now - CLAIM_TIMEOUT)
        .bind(CLAIM)
        .fetch_all(&db.pool)
        .await?;
        if claimed.is_empty() {
            return Ok(round);
        }
        let mut rows = claimed;
        rows.sort_by_key(|r| (r.1, r.0));
        let mut batches: Vec<Batch> = Vec::new();
        for (id, broadcast, to, body) in rows {
            match batches.last_mut() {
                Some(b) if b.broadcast == broadcast && b.ids.len() < BATCH => {
                    b.ids.push(id);
                    b.to.push(to);
                }
                _ => batches.push(Batch { ids: vec![id], to: vec![to], body, broadcast }),
            }
        }
        let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(width));
        let mut sending = tokio::task::JoinSet::new();
        for b in batches {
            let permit = gate.clone().acquire_owned().await.map_err(|e| AppError::Internal(e.to_string()))?;
            let (client, url) = (client.clone(), url.clone());
            sending.spawn(async move {
                let _permit = permit;
                let keys: Vec<String> =
                    b.ids.iter().map(|id| format!("wushe-broadcast-{}-{id}", b.broadcast)).collect();
                let r = client
                    .post(&url)
                    .header("Idempotency-Key", format!("wushe-broadcast-{}-{}", b.broadcast, b.ids[0]))
                    .json(&serde_json::json!({ "to": b.to, "keys": keys, "body": b.body, "broadcast": b.broadcast }))
                    .send()
                    .await;
                let result = match r {
                    Ok(r) if r.status().is_success() => Ok(()),
                    Ok(r) => Err(format!("HTTP {}", r.status())),
                    Err(e) => Err(e.to_string()),
                };
                (b.ids, result)
            });
        }
        while let Some(done) = sending.join_next().await {
            let (ids, result) = done.map_err(|e| AppError::Internal(e.to_string()))?;
            mark(db, &ids, result, now, &mut round).await?;
        }
    }
}

async fn mark(db: &Db, ids: &[i64], result: Result<(), String>, now: i64, round: &mut Round) -> Result<(), AppError> {
    let list = db.backend.in_list(ids.len());
    match result {
        Ok(()) => {
            let sql = crate::sql!(
                "UPDATE broadcast_outbox SET status = 'sent', sent_at = {now}, attempts = attempts + 1, last_error = NULL WHERE id IN ({list})"
            );
            let mut q = sqlx::query(sql);
            for id in ids {
                q = q.bind(*id);
            }
            q.execute(&db.pool).await?;
            round.sent += ids.len();
        }
        Err(e) => {
            // A batch shares its attempts: all its rows were tried together.
            // The gateway's own words stay in the log: the row keeps a fixed text, as the
            // statement holds no value but the ids.
            tracing::warn!(error = %e, rows = ids.len(), "broadcast batch not delivered");
            let first = backoff_millis(0);
            let sql = crate::sql!(
                "UPDATE broadcast_outbox SET attempts = attempts + 1, claimed_at = NULL, last_error = 'gateway refused or unreachable', \
                 status = CASE WHEN attempts + 1 >= {MAX_ATTEMPTS} THEN 'failed' ELSE 'pending' END, \
                 next_attempt_at = {now} + {first} * (attempts + 1) WHERE id IN ({list})"
            );
            let mut q = sqlx::query(sql);
            for id in ids {
                q = q.bind(*id);
            }
            q.execute(&db.pool).await?;
            round.failed += ids.len();
        }
    }
    Ok(())
}

/// The demo's past: messages queued by incidents long over went out at the time, and were read.
pub(crate) async fn delivered_before(tx: &mut Transaction<'_, Any>, before: i64) -> Result<(), AppError> {
    sqlx::query("UPDATE notifications SET read_at = created_at WHERE read_at IS NULL AND created_at < $1")
        .bind(before)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE outbox SET status = 'sent', sent_at = created_at, attempts = 1 WHERE status = 'pending' AND created_at < $1")
        .bind(before)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "UPDATE broadcast_outbox SET status = 'sent', sent_at = created_at, attempts = 1 WHERE status = 'pending' AND created_at < $1",
    )
    .bind(before)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
