//! Delivering the outbox by e-mail and SMS/webhook: channels, claiming, back-off, digests.

use crate::{AppError, Db};
use sqlx::Row;
use std::time::Duration;

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

/// Delivers due outbox rows once, each channel on its own and with bounded concurrency (the
/// per-person messages; `send::dispatch` runs this and the broadcasts). Safe to run from
/// several servers (a row is claimed before it is sent, and every delivery carries the
/// notification's id as its idempotency key / Message-ID, so a gateway can drop a repeat after
/// a crash or a late reply).
pub(crate) async fn deliver(db: &Db, channels: &Channels, now: i64) -> Result<Round, AppError> {
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
