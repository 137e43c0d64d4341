//! Needs loaded with their whole history (synthetic or migrated ledgers), in bulk.

use super::categories::Category;
use super::intake::{EventRow, insert_events};
use super::metrics::Deltas;
use super::model::{COLS, Need, from_row};
use super::workflow::Assignee;
use crate::areas::Area;
use crate::{AppError, Db};
use sqlx::{Any, Transaction};
use wushe_domain::needs::{Channel, EventKind, NeedStatus, Scope, Urgency, WorkCalendar};

/// One need with its whole history, for loading synthetic or imported ledgers in bulk. The
/// status and timestamps are derived from the events by the domain state machine, so a loaded
/// history is as valid as a lived one.
pub struct History {
    pub area: Area,
    pub household_id: Option<i64>,
    pub category: Category,
    pub title: String,
    pub description: String,
    pub channel: Channel,
    pub urgency: Urgency,
    pub scope: Scope,
    pub created_at: i64,
    /// `(kind, at, data, note)` after the submission.
    pub events: Vec<(EventKind, i64, String, Option<String>)>,
}

/// Parameters of one need row in the multi-row INSERT of [`insert_histories`].
const HISTORY_PARAMS: usize = 22;

/// Writes needs with their whole timelines (imports, the demo), each kind of row with
/// multi-row statements; returns the new ids in the order of `items`.
pub async fn insert_histories(
    tx: &mut Transaction<'_, Any>,
    cal: &WorkCalendar,
    items: &[History],
) -> Result<Vec<i64>, AppError> {
    struct Row {
        status: NeedStatus,
        org: Option<i64>,
        user: Option<i64>,
        responded: Option<i64>,
        resolved: Option<i64>,
        closed: Option<i64>,
        rating: Option<i64>,
        reopened: i64,
        respond_due: i64,
        resolve_due: i64,
        last: i64,
    }
    let mut rows = Vec::with_capacity(items.len());
    for h in items {
        let mut status = NeedStatus::Submitted;
        let (mut responded, mut resolved, mut closed, mut rating, mut reopened) = (None, None, None, None, 0i64);
        let (mut org, mut user) = (None::<i64>, None::<i64>);
        for (kind, at, data, _) in &h.events {
            status = status.apply(*kind).map_err(|e| AppError::Invalid(e.field_error().into()))?;
            if responded.is_none() && matches!(kind, EventKind::Accepted | EventKind::Assigned | EventKind::Rejected) {
                responded = Some(*at);
            }
            match kind {
                EventKind::Assigned => match Assignee::parse(data) {
                    Ok(Assignee::Organization(o)) => (org, user) = (Some(o), None),
                    Ok(Assignee::User(u)) => (org, user) = (None, Some(u)),
                    Err(_) => {}
                },
                EventKind::Resolved => resolved = Some(*at),
                EventKind::Reopened => {
                    resolved = None;
                    reopened += 1;
                }
                EventKind::Confirmed => rating = data.strip_prefix("rating:").and_then(|r| r.parse::<i64>().ok()),
                _ => {}
            }
            if status.is_closed() && closed.is_none() {
                closed = Some(*at);
            }
        }
        rows.push(Row {
            status,
            org,
            user,
            responded,
            resolved,
            closed,
            rating,
            reopened,
            respond_due: cal.due(h.created_at, h.category.respond_hours, h.urgency),
            resolve_due: cal.due(h.created_at, h.category.resolve_hours, h.urgency),
            last: h.events.last().map(|e| e.1).unwrap_or(h.created_at),
        });
    }
    let mut rollups = Deltas::default();
    let mut needs: Vec<Need> = Vec::with_capacity(items.len());
    let paired: Vec<(&History, &Row)> = items.iter().zip(&rows).collect();
    for chunk in crate::db::statement_chunks(&paired, HISTORY_PARAMS) {
        let mut q = sqlx::query(crate::sql!(
            "INSERT INTO needs (community_id, area_id, area_path, household_id, category_id, title, description, channel, urgency, scope, status, \
             assignee_org_id, assignee_user_id, created_at, responded_at, resolved_at, closed_at, rating, reopened, respond_due, resolve_due, updated_at) \
             VALUES {} RETURNING {COLS}",
            crate::db::Backend::of(tx).values_list(chunk.len(), HISTORY_PARAMS)
        ));
        for (h, r) in chunk {
            q = q
                .bind(h.area.community_id)
                .bind(h.area.id)
                .bind(h.area.path.as_str())
                .bind(h.household_id)
                .bind(h.category.id)
                .bind(h.title.as_str())
                .bind(h.description.as_str())
                .bind(h.channel.code())
                .bind(h.urgency.code())
                .bind(h.scope.code())
                .bind(r.status.code())
                .bind(r.org)
                .bind(r.user)
                .bind(h.created_at)
                .bind(r.responded)
                .bind(r.resolved)
                .bind(r.closed)
                .bind(r.rating)
                .bind(r.reopened)
                .bind(r.respond_due)
                .bind(r.resolve_due)
                .bind(r.last);
        }
        let mut written = q.fetch_all(&mut **tx).await?.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
        // Ids follow the order of the VALUES rows; RETURNING's own order is not promised.
        written.sort_by_key(|n| n.id);
        let matches = written.len() == chunk.len()
            && written.iter().zip(chunk).all(|(n, (h, _))| n.area_id == h.area.id && n.title == h.title);
        if !matches {
            return Err(AppError::Internal("imported needs came back out of order".into()));
        }
        needs.extend(written);
    }
    let mut events: Vec<EventRow<'_>> = Vec::new();
    for (need, h) in needs.iter().zip(items) {
        rollups.change(None, Some(need));
        events.push((need, h.created_at, None, EventKind::Submitted, None, h.channel.code().to_string()));
        for (kind, at, data, note) in &h.events {
            events.push((need, *at, None, *kind, note.as_deref(), data.clone()));
        }
    }
    insert_events(tx, &events).await?;
    rollups.write(tx).await?;
    Ok(needs.iter().map(|n| n.id.get()).collect())
}

/// Which of `ids` are needs of `community_id` (an imported ledger's 编号 that are already here).
pub async fn existing_ids(db: &Db, community_id: i64, ids: &[i64]) -> Result<std::collections::HashSet<i64>, AppError> {
    let mut out = std::collections::HashSet::new();
    for chunk in ids.chunks(500) {
        let list = db.backend.in_list(chunk.len());
        let mut q =
            sqlx::query_as::<_, (i64, i64)>(crate::sql!("SELECT id, community_id FROM needs WHERE id IN ({list})"));
        for id in chunk {
            q = q.bind(*id);
        }
        let rows = q.fetch_all(&db.pool).await?;
        out.extend(rows.into_iter().filter(|(_, c)| *c == community_id).map(|(i, _)| i));
    }
    Ok(out)
}

/// Links an imported merged need to the need it duplicates.
pub async fn set_merged_into(tx: &mut Transaction<'_, Any>, id: i64, target: i64) -> Result<(), AppError> {
    sqlx::query("UPDATE needs SET merged_into = $1 WHERE id = $2").bind(target).bind(id).execute(&mut **tx).await?;
    Ok(())
}
