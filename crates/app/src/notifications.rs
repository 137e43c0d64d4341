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
use std::io::{BufRead, BufReader, Write};
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

/// Where outbound messages go. Unset channels leave their rows pending (delivered once a
/// channel is configured).
/// Turns a notification's kind, title and note into the subject and text sent out; the web
/// layer supplies one from its message catalogue.
pub type Render = fn(kind: &str, title: &str, body: &str) -> (String, String);

#[derive(Debug, Clone, Default)]
pub struct Channels {
    /// `host:port` of an SMTP relay (plain SMTP, as offered by a local relay).
    pub smtp: Option<String>,
    pub smtp_from: String,
    /// An HTTP endpoint taking `{"to","title","body","id"}` for SMS gateways and webhooks.
    pub webhook: Option<String>,
    pub render: Option<Render>,
}

impl Channels {
    pub fn from_env(render: Render) -> Channels {
        Channels {
            smtp: std::env::var("WUSHE_SMTP_ADDR").ok().filter(|s| !s.is_empty()),
            smtp_from: std::env::var("WUSHE_SMTP_FROM").unwrap_or_else(|_| "wushe@localhost".into()),
            webhook: std::env::var("WUSHE_SMS_WEBHOOK_URL").ok().filter(|s| !s.is_empty()),
            render: Some(render),
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

/// Delivers due outbox rows once. Run it periodically; safe to run from several servers.
pub async fn dispatch(db: &Db, channels: &Channels, now: i64) -> Result<Round, AppError> {
    let rows = sqlx::query(
        "SELECT o.id, o.channel, o.destination, n.title, n.body, n.id, n.kind FROM outbox o JOIN notifications n ON n.id = o.notification_id \
         WHERE ((o.status = 'pending' AND o.next_attempt_at <= $1) OR (o.status = 'sending' AND o.claimed_at < $2)) ORDER BY o.id LIMIT 200",
    )
    .bind(now)
    .bind(now - CLAIM_TIMEOUT)
    .fetch_all(&db.pool)
    .await?;
    let mut round = Round::default();
    for r in rows {
        let id: i64 = r.try_get(0)?;
        let channel: String = r.try_get(1)?;
        let configured = match channel.as_str() {
            "email" => channels.smtp.is_some(),
            "sms" => channels.webhook.is_some(),
            _ => false,
        };
        if !configured {
            continue;
        }
        // Claim: only one dispatcher wins the row.
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
        let dest: String = r.try_get(2)?;
        let title: String = r.try_get(3)?;
        let body: String = r.try_get(4)?;
        let nid: i64 = r.try_get(5)?;
        let kind: String = r.try_get(6)?;
        let (title, body) = match channels.render {
            Some(render) => render(&kind, &title, &body),
            None => (title, body),
        };
        let result = match channel.as_str() {
            "email" => {
                let addr = channels.smtp.clone().unwrap_or_default();
                let from = channels.smtp_from.clone();
                tokio::task::spawn_blocking(move || send_smtp(&addr, &from, &dest, &title, &body, nid))
                    .await
                    .map_err(|e| e.to_string())
                    .and_then(|r| r)
            }
            _ => send_webhook(channels.webhook.as_deref().unwrap_or_default(), &dest, &title, &body, nid).await,
        };
        match result {
            Ok(()) => {
                sqlx::query("UPDATE outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1, last_error = NULL WHERE id = $2")
                    .bind(now)
                    .bind(id)
                    .execute(&db.pool)
                    .await?;
                round.sent += 1;
            }
            Err(e) => {
                let attempts: (i64,) =
                    sqlx::query_as("SELECT attempts FROM outbox WHERE id = $1").bind(id).fetch_one(&db.pool).await?;
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
    Ok(round)
}

async fn send_webhook(url: &str, to: &str, title: &str, body: &str, id: i64) -> Result<(), String> {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().map_err(|e| e.to_string())?;
    let r = client
        .post(url)
        .header("Idempotency-Key", format!("wushe-notification-{id}"))
        .json(&serde_json::json!({ "id": id, "to": to, "title": title, "body": body }))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if r.status().is_success() { Ok(()) } else { Err(format!("HTTP {}", r.status())) }
}

/// A minimal SMTP conversation (RFC 5321) with a relay; the body is UTF-8 (8BITMIME), the
/// subject RFC 2047-encoded.
fn send_smtp(addr: &str, from: &str, to: &str, subject: &str, body: &str, id: i64) -> Result<(), String> {
    let stream = std::net::TcpStream::connect(addr).map_err(|e| e.to_string())?;
    stream.set_read_timeout(Some(Duration::from_secs(10))).map_err(|e| e.to_string())?;
    let mut w = stream.try_clone().map_err(|e| e.to_string())?;
    let mut r = BufReader::new(stream);
    let expect = |code: &str, r: &mut BufReader<std::net::TcpStream>| -> Result<(), String> {
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
                return Err("connection closed".into());
            }
            if !line.starts_with(code) {
                return Err(format!("SMTP: {}", line.trim()));
            }
            if line.as_bytes().get(3) != Some(&b'-') {
                return Ok(());
            }
        }
    };
    let say =
        |s: &str, w: &mut std::net::TcpStream| w.write_all(format!("{s}\r\n").as_bytes()).map_err(|e| e.to_string());
    expect("220", &mut r)?;
    say("EHLO wushe", &mut w)?;
    expect("250", &mut r)?;
    say(&format!("MAIL FROM:<{from}>"), &mut w)?;
    expect("250", &mut r)?;
    say(&format!("RCPT TO:<{to}>"), &mut w)?;
    expect("250", &mut r)?;
    say("DATA", &mut w)?;
    expect("354", &mut r)?;
    let b64 = base64_encode(subject.as_bytes());
    let mut msg = format!(
        "From: <{from}>\r\nTo: <{to}>\r\nSubject: =?UTF-8?B?{b64}?=\r\nMessage-ID: <wushe-notification-{id}@wushe>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    );
    for line in body.lines() {
        // Dot-stuffing keeps a line with a lone "." from ending the message early.
        if line.starts_with('.') {
            msg.push('.');
        }
        msg.push_str(line);
        msg.push_str("\r\n");
    }
    msg.push_str(".\r\n");
    w.write_all(msg.as_bytes()).map_err(|e| e.to_string())?;
    expect("250", &mut r)?;
    let _ = say("QUIT", &mut w);
    Ok(())
}

fn base64_encode(b: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
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

    #[test]
    fn subjects_are_base64_encoded() {
        assert_eq!(base64_encode("需求".as_bytes()), "6ZyA5rGC");
        assert_eq!(base64_encode(b"ab"), "YWI=");
    }
}
