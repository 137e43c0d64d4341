//! The outbox as staff see it: rows with masked destinations, retries, failing channels.

use crate::{AppError, Db};
use sqlx::Row;

/// One outbound message as the outbox page shows it; the destination is masked.
#[derive(Debug, Clone)]
pub struct OutboxRow {
    pub id: i64,
    pub channel: String,
    pub destination: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub next_attempt_at: i64,
    pub sent_at: Option<i64>,
    pub title: String,
    pub need_id: Option<i64>,
}

/// A phone as 139****0004, an e-mail address as l***@example.org.
fn masked(destination: &str) -> String {
    if let Some((local, domain)) = destination.split_once('@') {
        let first: String = local.chars().take(1).collect();
        return format!("{first}***@{domain}");
    }
    match wushe_domain::people::PhoneNumber::parse(destination) {
        Ok(p) => p.masked(),
        Err(_) => "***".into(),
    }
}

/// The statuses an outbox row can have, for filters.
pub const OUTBOX_STATUSES: [&str; 5] = ["pending", "sending", "sent", "failed", "skipped"];

/// A community's outbound messages, newest first, optionally of one status; and how many
/// there are. For its community admins.
pub async fn outbox(
    db: &Db,
    actor: &crate::Actor,
    community: &crate::areas::Area,
    status: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<OutboxRow>, i64), AppError> {
    actor.require(wushe_domain::access::Action::OutboxManage, Some(&community.path))?;
    let status = status.filter(|s| !s.is_empty());
    if status.is_some_and(|s| !OUTBOX_STATUSES.contains(&s)) {
        return Err(wushe_domain::FieldError::new("status", "errors.status.invalid").into());
    }
    let filter = if status.is_some() { "AND o.status = $2" } else { "AND $2 = ''" };
    let total: (i64,) = sqlx::query_as(crate::sql!("SELECT COUNT(*) FROM outbox o WHERE o.community_id = $1 {filter}"))
        .bind(community.id)
        .bind(status.unwrap_or(""))
        .fetch_one(&db.pool)
        .await?;
    let rows = sqlx::query(crate::sql!(
        "SELECT o.id, o.channel, o.destination, o.status, o.attempts, o.last_error, o.created_at, o.next_attempt_at, o.sent_at, n.title, n.need_id \
         FROM outbox o JOIN notifications n ON n.id = o.notification_id WHERE o.community_id = $1 {filter} \
         ORDER BY o.id DESC LIMIT $3 OFFSET $4"
    ))
    .bind(community.id)
    .bind(status.unwrap_or(""))
    .bind(limit.clamp(1, 200))
    .bind(offset.max(0))
    .fetch_all(&db.pool)
    .await?;
    let list = rows
        .iter()
        .map(|r| {
            Ok(OutboxRow {
                id: r.try_get(0)?,
                channel: r.try_get(1)?,
                destination: masked(&r.try_get::<String, _>(2)?),
                status: r.try_get(3)?,
                attempts: r.try_get(4)?,
                last_error: r.try_get(5)?,
                created_at: r.try_get(6)?,
                next_attempt_at: r.try_get(7)?,
                sent_at: r.try_get(8)?,
                title: r.try_get(9)?,
                need_id: r.try_get(10)?,
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok((list, total.0))
}

/// Sends a message again at the next dispatch round: one that failed for good starts its
/// attempts afresh; one waiting for its back-off goes now. Audited.
pub async fn retry(
    db: &Db,
    actor: &crate::Actor,
    at: i64,
    community: &crate::areas::Area,
    id: i64,
) -> Result<(), AppError> {
    actor.require(wushe_domain::access::Action::OutboxManage, Some(&community.path))?;
    let mut tx = crate::audit::AuditedTx::begin(db, at).await?;
    let r = sqlx::query(
        "UPDATE outbox SET attempts = CASE WHEN status = 'failed' THEN 0 ELSE attempts END, status = 'pending', \
         next_attempt_at = $1, claimed_at = NULL WHERE id = $2 AND community_id = $3 AND status IN ('pending', 'failed', 'skipped') RETURNING id",
    )
    .bind(at)
    .bind(id)
    .bind(community.id)
    .fetch_optional(&mut *tx.tx)
    .await?;
    if r.is_none() {
        return Err(AppError::NotFound);
    }
    tx.record(actor, Some(community.id), "outbox.retry", &format!("outbox:{id}"), "").await?;
    tx.commit().await
}

/// Channels of a community that are failing now: messages waiting after a failed attempt,
/// or given up on, with the latest error.
pub async fn failing(db: &Db, community_id: i64) -> Result<Vec<(String, i64, String)>, AppError> {
    let rows: Vec<(String, i64, Option<String>)> = sqlx::query_as(
        "SELECT channel, COUNT(*), MAX(last_error) FROM outbox WHERE community_id = $1 AND attempts > 0 \
         AND status IN ('pending', 'failed') GROUP BY channel ORDER BY channel",
    )
    .bind(community_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(|(c, n, e)| (c, n, e.unwrap_or_default())).collect())
}

/// Outbox rows by status (for the operator and tests).
pub async fn outbox_counts(db: &Db) -> Result<Vec<(String, i64)>, AppError> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, COUNT(*) FROM outbox GROUP BY status ORDER BY status")
            .fetch_all(&db.pool)
            .await?;
    Ok(rows)
}
