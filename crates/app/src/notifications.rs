//! A2 — notifications: an in-app inbox for every user and a durable outbox for e-mail (SMTP)
//! and an SMS gateway / webhook (HTTP POST). Owns tables `notifications` and `outbox`.
//!
//! Invariants: a notification and its outbox rows are written in the same transaction as the
//! event that causes them, so nothing acknowledged is lost; each (notification, channel) has
//! one outbox row, claimed atomically before sending, so a recipient gets a message once
//! (delivery carries the notification id for receivers that de-duplicate after a crash);
//! failures are retried with exponential back-off until `MAX_ATTEMPTS`.

use crate::{AppError, Db};
use sqlx::{Any, Row, Transaction};
use std::time::Duration;

/// What to tell whom.
#[derive(Debug, Clone)]
pub struct Message {
    pub community_id: Option<i64>,
    pub kind: &'static str,
    pub need_id: Option<i64>,
    pub title: String,
    pub body: String,
}

/// Queues `msg` for every user in `users` (deduplicated) inside the caller's transaction:
/// one inbox row each, plus one outbox row per outbound channel the user can be reached on.
pub async fn queue(tx: &mut Transaction<'_, Any>, at: i64, users: &[i64], msg: &Message) -> Result<usize, AppError> {
    let mut seen = std::collections::BTreeSet::new();
    for u in users {
        if !seen.insert(*u) {
            continue;
        }
        let r = sqlx::query(
            "INSERT INTO notifications (community_id, user_id, kind, need_id, title, body, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(msg.community_id)
        .bind(*u)
        .bind(msg.kind)
        .bind(msg.need_id)
        .bind(&msg.title)
        .bind(&msg.body)
        .bind(at)
        .fetch_one(&mut **tx)
        .await?;
        let id: i64 = r.try_get(0)?;
        let contact: (Option<String>, Option<String>) =
            sqlx::query_as("SELECT email, phone FROM users WHERE id = $1").bind(*u).fetch_one(&mut **tx).await?;
        for (channel, dest) in [("email", contact.0), ("sms", contact.1)] {
            let Some(dest) = dest.filter(|d| !d.is_empty()) else { continue };
            sqlx::query(
                "INSERT INTO outbox (community_id, notification_id, channel, destination, status, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, 'pending', $5, $5)",
            )
            .bind(msg.community_id)
            .bind(id)
            .bind(channel)
            .bind(&dest)
            .bind(at)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(seen.len())
}

/// Queues many messages with a few multi-row statements (group commit of submissions):
/// the same rows as calling [`queue`] for each.
pub async fn queue_many(tx: &mut Transaction<'_, Any>, at: i64, batch: &[(Vec<i64>, Message)]) -> Result<(), AppError> {
    let mut rows: Vec<(i64, &Message)> = Vec::new();
    for (users, msg) in batch {
        let mut seen = std::collections::BTreeSet::new();
        rows.extend(users.iter().filter(|u| seen.insert(**u)).map(|u| (*u, msg)));
    }
    if rows.is_empty() {
        return Ok(());
    }
    let backend = crate::db::Backend::of(tx);
    let mut users: Vec<i64> = rows.iter().map(|r| r.0).collect();
    users.sort_unstable();
    users.dedup();
    let mut contacts: std::collections::HashMap<i64, (Option<String>, Option<String>)> = Default::default();
    for chunk in crate::db::statement_chunks(&users, 1) {
        let mut q = sqlx::query_as::<_, (i64, Option<String>, Option<String>)>(crate::sql!(
            "SELECT id, email, phone FROM users WHERE id IN ({})",
            backend.in_list(chunk.len())
        ));
        for u in chunk {
            q = q.bind(*u);
        }
        for (id, email, phone) in q.fetch_all(&mut **tx).await? {
            contacts.insert(id, (email, phone));
        }
    }
    let mut outbox: Vec<(Option<i64>, i64, &str, String)> = Vec::new();
    const NOTIFICATION_PARAMS: usize = 7;
    for chunk in crate::db::statement_chunks(&rows, NOTIFICATION_PARAMS) {
        let sql = crate::sql!(
            "INSERT INTO notifications (community_id, user_id, kind, need_id, title, body, created_at) VALUES {} RETURNING id, user_id, need_id",
            backend.values_list(chunk.len(), NOTIFICATION_PARAMS)
        );
        let mut q = sqlx::query_as::<_, (i64, i64, Option<i64>)>(sql);
        for (u, m) in chunk {
            q = q
                .bind(m.community_id)
                .bind(*u)
                .bind(m.kind)
                .bind(m.need_id)
                .bind(m.title.as_str())
                .bind(m.body.as_str())
                .bind(at);
        }
        let mut ids = q.fetch_all(&mut **tx).await?;
        // Ids follow the VALUES order; RETURNING's own order is not promised.
        ids.sort_unstable_by_key(|r| r.0);
        if ids.len() != chunk.len() || ids.iter().zip(chunk).any(|(r, (u, m))| r.1 != *u || r.2 != m.need_id) {
            return Err(AppError::Internal("notifications came back out of order".into()));
        }
        for ((id, user, _), (_, m)) in ids.into_iter().zip(chunk) {
            let (email, phone) = contacts.get(&user).cloned().unwrap_or_default();
            for (channel, dest) in [("email", email), ("sms", phone)] {
                if let Some(dest) = dest.filter(|d| !d.is_empty()) {
                    outbox.push((m.community_id, id, channel, dest));
                }
            }
        }
    }
    const OUTBOX_PARAMS: usize = 7;
    for chunk in crate::db::statement_chunks(&outbox, OUTBOX_PARAMS) {
        let sql = crate::sql!(
            "INSERT INTO outbox (community_id, notification_id, channel, destination, status, next_attempt_at, created_at) VALUES {}",
            backend.values_list(chunk.len(), OUTBOX_PARAMS)
        );
        let mut q = sqlx::query(sql);
        for (c, id, channel, dest) in chunk {
            q = q.bind(*c).bind(*id).bind(*channel).bind(dest.as_str()).bind("pending").bind(at).bind(at);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Users with an account who belong to an organization (assignments, whistles).
pub async fn members_of(tx: &mut Transaction<'_, Any>, org_id: i64) -> Result<Vec<i64>, AppError> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT DISTINCT u.id FROM users u JOIN memberships m ON m.person_id = u.person_id WHERE m.organization_id = $1 AND u.disabled = 0",
    )
    .bind(org_id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Community admins over `path` and grid workers whose grid contains it (escalations).
pub async fn responsible_for(tx: &mut Transaction<'_, Any>, path: &str) -> Result<Vec<i64>, AppError> {
    // Paths hold only digits and '/', so they are safe inside a LIKE pattern.
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT DISTINCT g.user_id FROM grants g JOIN areas a ON a.id = g.area_id \
         WHERE g.role IN ('community_admin', 'grid_worker') AND $1 LIKE a.path || '%'",
    )
    .bind(path)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

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

/// A notification on its way out, for the text it is sent as.
pub struct Outgoing<'a> {
    /// `email` or `sms`.
    pub channel: &'a str,
    pub kind: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    /// The need it is about: its number and a link back to it go into the text.
    pub need_id: Option<i64>,
    /// Where links point (`WUSHE_PUBLIC_URL`), without a trailing slash.
    pub base_url: &'a str,
    /// How many notifications this message tells of: more than one is a digest (kind
    /// `digest`, the titles one per line in `body`).
    pub count: usize,
}

/// From this many messages due for one person on one channel in one round, they go as one
/// digest — except those about urgent needs, which always go alone, at once.
pub const DIGEST_FROM: usize = 3;

/// Turns a notification into the subject and text sent out; the web layer supplies one from
/// its message catalogue.
pub type Render = fn(&Outgoing<'_>) -> (String, String);

/// Where outbound messages go, and how hard to try. A channel that is not configured sends
/// nothing: its messages are marked `skipped` rather than left to pile up in front of the
/// other channel's.
#[derive(Debug, Clone, Default)]
pub struct Channels {
    /// `host:port` of an SMTP relay (plain SMTP, as offered by a local relay).
    pub smtp: Option<String>,
    pub smtp_from: String,
    /// An HTTP endpoint taking `{"to","title","body","id"}` for SMS gateways and webhooks.
    pub webhook: Option<String>,
    pub render: Option<Render>,
    /// How long one delivery may take before it counts as failed (0: 10 s).
    pub timeout: Duration,
    /// Deliveries in flight at once per channel (0: 8), so one slow gateway does not hold
    /// up its own queue, and never the other channel's.
    pub concurrency: usize,
    /// The address people open the platform at, for links in messages.
    pub base_url: String,
}

impl Channels {
    pub fn from_env(render: Render) -> Channels {
        let secs = std::env::var("WUSHE_OUTBOX_TIMEOUT_SECS").ok().and_then(|s| s.parse::<u64>().ok()).unwrap_or(10);
        Channels {
            smtp: std::env::var("WUSHE_SMTP_ADDR").ok().filter(|s| !s.is_empty()),
            smtp_from: std::env::var("WUSHE_SMTP_FROM").unwrap_or_else(|_| "wushe@localhost".into()),
            webhook: std::env::var("WUSHE_SMS_WEBHOOK_URL").ok().filter(|s| !s.is_empty()),
            render: Some(render),
            timeout: Duration::from_secs(secs.max(1)),
            concurrency: std::env::var("WUSHE_OUTBOX_CONCURRENCY").ok().and_then(|s| s.parse().ok()).unwrap_or(8),
            base_url: std::env::var("WUSHE_PUBLIC_URL")
                .ok()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "http://127.0.0.1:8080".into())
                .trim_end_matches('/')
                .to_string(),
        }
    }

    fn timeout(&self) -> Duration {
        if self.timeout.is_zero() { Duration::from_secs(10) } else { self.timeout }
    }

    fn configured(&self, channel: &str) -> bool {
        match channel {
            "email" => self.smtp.is_some(),
            "sms" => self.webhook.is_some(),
            _ => false,
        }
    }
}

pub const MAX_ATTEMPTS: i64 = 12;

/// Back-off before attempt `n + 1`: 30 s, 1 min, 2 min… capped at one hour.
pub fn backoff_millis(attempts: i64) -> i64 {
    (30_000i64 << attempts.clamp(0, 7)).min(3_600_000)
}

/// A claimed row is considered abandoned (the sender crashed) after this long.
const CLAIM_TIMEOUT: i64 = 5 * 60_000;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Round {
    pub sent: usize,
    pub failed: usize,
    pub gave_up: usize,
}

/// One message to send, claimed: the outbox rows it covers (several for a digest).
struct Due {
    ids: Vec<i64>,
    destination: String,
    title: String,
    body: String,
    notification: i64,
}

/// A due outbox row as read.
struct DueRow {
    id: i64,
    destination: String,
    title: String,
    body: String,
    notification: i64,
    kind: String,
    need_id: Option<i64>,
    urgent: bool,
}

/// Delivers due outbox rows once, each channel on its own and with bounded concurrency. Run
/// it periodically; safe to run from several servers (a row is claimed before it is sent,
/// and every delivery carries the notification's id as its idempotency key / Message-ID, so a
/// gateway can drop a repeat after a crash or a late reply).
pub async fn dispatch(db: &Db, channels: &Channels, now: i64) -> Result<Round, AppError> {
    for channel in ["email", "sms"] {
        if !channels.configured(channel) {
            sqlx::query(
                "UPDATE outbox SET status = 'skipped', last_error = 'channel not configured' WHERE channel = $1 AND status = 'pending'",
            )
            .bind(channel)
            .execute(&db.pool)
            .await?;
        }
    }
    let (email, sms) =
        tokio::join!(dispatch_channel(db, channels, "email", now), dispatch_channel(db, channels, "sms", now));
    let (a, b) = (email?, sms?);
    Ok(Round { sent: a.sent + b.sent, failed: a.failed + b.failed, gave_up: a.gave_up + b.gave_up })
}

async fn dispatch_channel(db: &Db, channels: &Channels, channel: &'static str, now: i64) -> Result<Round, AppError> {
    let mut round = Round::default();
    if !channels.configured(channel) {
        return Ok(round);
    }
    let rows = sqlx::query(
        "SELECT o.id, o.destination, n.title, n.body, n.id, n.kind, n.need_id, \
         (SELECT urgency FROM needs WHERE id = n.need_id) FROM outbox o JOIN notifications n ON n.id = o.notification_id \
         WHERE o.channel = $3 AND ((o.status = 'pending' AND o.next_attempt_at <= $1) OR (o.status = 'sending' AND o.claimed_at < $2)) \
         ORDER BY o.id LIMIT 200",
    )
    .bind(now)
    .bind(now - CLAIM_TIMEOUT)
    .bind(channel)
    .fetch_all(&db.pool)
    .await?;
    let width = if channels.concurrency == 0 { 8 } else { channels.concurrency.min(64) };
    let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(width));
    let mut sending = tokio::task::JoinSet::new();
    // Claim each row (only one dispatcher wins it), grouped by who it goes to, in order.
    let mut groups: Vec<(String, Vec<DueRow>)> = Vec::new();
    for r in rows {
        let id: i64 = r.try_get(0)?;
        let claimed = sqlx::query(
            "UPDATE outbox SET status = 'sending', claimed_at = $1 WHERE id = $2 AND (status = 'pending' OR (status = 'sending' AND claimed_at < $3)) RETURNING id",
        )
        .bind(now)
        .bind(id)
        .bind(now - CLAIM_TIMEOUT)
        .fetch_optional(&db.pool)
        .await?;
        if claimed.is_none() {
            continue;
        }
        let row = DueRow {
            id,
            destination: r.try_get(1)?,
            title: r.try_get(2)?,
            body: r.try_get(3)?,
            notification: r.try_get(4)?,
            kind: r.try_get(5)?,
            need_id: r.try_get(6)?,
            urgent: r.try_get::<Option<String>, _>(7)?.as_deref() == Some("urgent"),
        };
        match groups.iter_mut().find(|(d, _)| *d == row.destination) {
            Some((_, list)) => list.push(row),
            None => groups.push((row.destination.clone(), vec![row])),
        }
    }
    let text = |o: Outgoing<'_>, title: &str, body: &str| match channels.render {
        Some(render) => render(&o),
        None => (title.to_string(), body.to_string()),
    };
    let mut dues = Vec::new();
    for (destination, list) in groups {
        let (urgent, rest): (Vec<DueRow>, Vec<DueRow>) = list.into_iter().partition(|r| r.urgent);
        let alone = |r: &DueRow| {
            let o = Outgoing {
                channel,
                kind: &r.kind,
                title: &r.title,
                body: &r.body,
                need_id: r.need_id,
                base_url: &channels.base_url,
                count: 1,
            };
            let (title, body) = text(o, &r.title, &r.body);
            Due { ids: vec![r.id], destination: r.destination.clone(), title, body, notification: r.notification }
        };
        dues.extend(urgent.iter().map(alone));
        if rest.len() >= DIGEST_FROM {
            let lines: Vec<String> = rest
                .iter()
                .map(|r| r.need_id.map(|n| format!("#{n} {}", r.title)).unwrap_or(r.title.clone()))
                .collect();
            let joined = lines.join("\n");
            let o = Outgoing {
                channel,
                kind: "digest",
                title: &rest[0].title,
                body: &joined,
                need_id: None,
                base_url: &channels.base_url,
                count: rest.len(),
            };
            let (title, body) = text(o, &format!("{} messages", rest.len()), &joined);
            // The first notification's id keys the digest, so a retried digest is dropped
            // by a gateway that saw it.
            let notification = rest[0].notification;
            dues.push(Due { ids: rest.iter().map(|r| r.id).collect(), destination, title, body, notification });
        } else {
            dues.extend(rest.iter().map(alone));
        }
    }
    for due in dues {
        let permit = gate.clone().acquire_owned().await.map_err(|e| AppError::Internal(e.to_string()))?;
        let (channels, timeout) = (channels.clone(), channels.timeout());
        sending.spawn(async move {
            let _permit = permit;
            let result = match channel {
                "email" => {
                    let addr = channels.smtp.clone().unwrap_or_default();
                    let from = channels.smtp_from.clone();
                    let (to, subject, text, nid) =
                        (due.destination.clone(), due.title.clone(), due.body.clone(), due.notification);
                    tokio::task::spawn_blocking(move || {
                        crate::mail::send_smtp(&addr, &from, &to, &subject, &text, nid, now, timeout)
                    })
                    .await
                    .map_err(|e| e.to_string())
                    .and_then(|r| r)
                }
                _ => {
                    let url = channels.webhook.clone().unwrap_or_default();
                    send_webhook(&url, &due.destination, &due.title, &due.body, due.notification, timeout).await
                }
            };
            (due.ids, result)
        });
    }
    while let Some(done) = sending.join_next().await {
        let (ids, result) = done.map_err(|e| AppError::Internal(e.to_string()))?;
        for id in ids {
            match &result {
                Ok(()) => {
                    sqlx::query("UPDATE outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1, last_error = NULL WHERE id = $2")
                    .bind(now)
                    .bind(id)
                    .execute(&db.pool)
                    .await?;
                    round.sent += 1;
                }
                Err(e) => {
                    let attempts: (i64,) = sqlx::query_as("SELECT attempts FROM outbox WHERE id = $1")
                        .bind(id)
                        .fetch_one(&db.pool)
                        .await?;
                    let n = attempts.0 + 1;
                    let status = if n >= MAX_ATTEMPTS { "failed" } else { "pending" };
                    if status == "failed" {
                        round.gave_up += 1;
                    } else {
                        round.failed += 1;
                    }
                    sqlx::query("UPDATE outbox SET status = $1, attempts = $2, next_attempt_at = $3, last_error = $4, claimed_at = NULL WHERE id = $5")
                    .bind(status)
                    .bind(n)
                    .bind(now + backoff_millis(n - 1))
                    .bind(e.chars().take(500).collect::<String>())
                    .bind(id)
                    .execute(&db.pool)
                    .await?;
                }
            }
        }
    }
    Ok(round)
}

async fn send_webhook(url: &str, to: &str, title: &str, body: &str, id: i64, timeout: Duration) -> Result<(), String> {
    let client = reqwest::Client::builder().timeout(timeout).build().map_err(|e| e.to_string())?;
    let r = client
        .post(url)
        .header("Idempotency-Key", format!("wushe-notification-{id}"))
        .json(&serde_json::json!({ "id": id, "to": to, "title": title, "body": body }))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if r.status().is_success() { Ok(()) } else { Err(format!("HTTP {}", r.status())) }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff_millis(0), 30_000);
        assert_eq!(backoff_millis(1), 60_000);
        assert_eq!(backoff_millis(20), 3_600_000);
    }
}
