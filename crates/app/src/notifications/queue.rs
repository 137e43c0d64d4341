//! Queueing notifications inside the transaction of the event that causes them, and who gets them.

use crate::AppError;
use sqlx::{Any, Row, Transaction};

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

/// The street officers over a street-level organization's area: a whistle to a street
/// department reaches the officers of that street as well as the department's members.
pub async fn street_officers_of(tx: &mut Transaction<'_, Any>, org_id: i64) -> Result<Vec<i64>, AppError> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT DISTINCT g.user_id FROM organizations o JOIN areas oa ON oa.id = o.area_id \
         JOIN grants g ON g.role = 'street_officer' JOIN areas ga ON ga.id = g.area_id \
         JOIN users u ON u.id = g.user_id \
         WHERE o.id = $1 AND oa.kind = 'street' AND oa.path LIKE ga.path || '%' AND u.disabled = 0",
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
