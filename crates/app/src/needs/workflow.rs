//! N2–N3 workflow: steps through the state machine, the timeline, overdue flags, claim moves.

use super::access::get;
use super::intake::insert_event;
use super::metrics::Deltas;
use super::model::{COLS, Need, from_row};
use crate::areas::{self};
use crate::audit::AuditedTx;
use crate::{Actor, AppError, Db, notifications, organizations};
use sqlx::{Any, Row, Transaction};
use wushe_domain::FieldError;
use wushe_domain::ids::NeedId;
use wushe_domain::needs::{EventKind, note_required, parse_note, parse_rating};
use wushe_domain::policy::Ask;

/// Event: a need took a step of its workflow (published inside the step's transaction).
#[derive(Debug, Clone)]
pub struct Stepped {
    pub need_id: NeedId,
    pub community_id: i64,
    pub event: EventKind,
    /// Who took the step (a mediation earns its recorder points, V3).
    pub actor_user_id: Option<i64>,
    pub at: i64,
}

/// Who a need is assigned to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignee {
    Organization(i64),
    User(i64),
}

impl Assignee {
    /// `org:12` or `user:3`, as forms and the API send it.
    pub fn parse(raw: &str) -> Result<Assignee, FieldError> {
        let bad = || FieldError::new("assignee", "errors.assignee.unknown");
        let (kind, id) = raw.trim().split_once(':').ok_or_else(bad)?;
        let id = id.parse::<i64>().map_err(|_| bad())?;
        match kind {
            "org" => Ok(Assignee::Organization(id)),
            "user" => Ok(Assignee::User(id)),
            _ => Err(bad()),
        }
    }
}

/// One step of the workflow, as a page form or API body sends it.
#[derive(Debug, Clone)]
pub struct Step {
    pub event: EventKind,
    /// The version the person read; a different stored version means someone else acted.
    pub version: i64,
    pub note: String,
    pub assignee: Option<Assignee>,
    pub rating: String,
    pub merge_into: Option<NeedId>,
}

/// N2 — applies one workflow step to a need.
pub async fn step(db: &Db, actor: &Actor, at: i64, id: NeedId, s: Step) -> Result<Need, AppError> {
    let (need, rec) = get(db, actor, id).await?;
    // Someone acted since this person read the need: say so before judging the step, since
    // it was chosen against a status that no longer holds.
    if s.version != need.version && actor.may(&rec, Ask::NeedRead) {
        return Err(AppError::Conflict(FieldError::new("version", "errors.stale_version")));
    }
    if !actor.may(&rec, Ask::NeedStep(s.event)) {
        return Err(AppError::Forbidden);
    }
    let next = need.status.apply(s.event).map_err(|e| AppError::Invalid(e.field_error().into()))?;
    let note = parse_note(&s.note, note_required(s.event))?;
    let rating = if s.event == EventKind::Confirmed { Some(parse_rating(&s.rating)?) } else { None };
    let mut data = String::new();
    let (mut org, mut user) = (need.assignee_org_id, need.assignee_user_id);
    if s.event == EventKind::Assigned {
        match s.assignee.ok_or(FieldError::new("assignee", "errors.required"))? {
            Assignee::Organization(o) => {
                let reach =
                    organizations::get(db, &Actor::operator(), wushe_domain::ids::OrganizationId::from(o)).await.ok();
                let community = areas::by_id(db, need.community_id).await?;
                let ok = reach.is_some_and(|x| {
                    x.area_path.starts_with(&community.path) || community.path.starts_with(&x.area_path)
                });
                if !ok {
                    return Err(FieldError::new("assignee", "errors.assignee.unknown").into());
                }
                (org, user) = (Some(o), None);
                data = format!("org:{o}");
            }
            Assignee::User(u) => {
                let g = crate::accounts::grants_of(db, u).await?;
                if !g
                    .grants
                    .iter()
                    .any(|x| need.area_path.starts_with(&x.area_path) || x.area_path.starts_with(&need.area_path))
                {
                    return Err(FieldError::new("assignee", "errors.assignee.unknown").into());
                }
                (org, user) = (None, Some(u));
                data = format!("user:{u}");
            }
        }
    }
    if s.event == EventKind::Merged {
        let target = s.merge_into.ok_or(FieldError::new("merge_into", "errors.required"))?;
        let ok = match get(db, actor, target).await {
            Ok((t, _)) => t.id != need.id && t.community_id == need.community_id && !t.status.is_closed(),
            Err(_) => false,
        };
        if !ok {
            return Err(FieldError::new("merge_into", "errors.need.unknown").into());
        }
        data = format!("into:{target}");
    }
    if let Some(r) = rating {
        data = format!("rating:{r}");
    }
    let responds =
        matches!(s.event, EventKind::Accepted | EventKind::Assigned | EventKind::Rejected | EventKind::Merged);
    let mut tx = AuditedTx::begin(db, at).await?;
    let r = sqlx::query(crate::sql!(
        "UPDATE needs SET status = $1, version = version + 1, assignee_org_id = $2, assignee_user_id = $3, \
         responded_at = CASE WHEN responded_at IS NULL AND $4 = 1 THEN $5 ELSE responded_at END, \
         resolved_at = CASE WHEN $6 = 1 THEN $5 WHEN $7 = 1 THEN NULL ELSE resolved_at END, \
         closed_at = CASE WHEN $8 = 1 THEN $5 ELSE closed_at END, rating = COALESCE($9, rating), \
         reopened = reopened + $7, merged_into = COALESCE($10, merged_into), updated_at = $5 \
         WHERE id = $11 AND version = $12 RETURNING {COLS}"
    ))
    .bind(next.code())
    .bind(org)
    .bind(user)
    .bind(i64::from(responds))
    .bind(at)
    .bind(i64::from(s.event == EventKind::Resolved))
    .bind(i64::from(s.event == EventKind::Reopened))
    .bind(i64::from(next.is_closed() && !need.status.is_closed()))
    .bind(rating)
    .bind(if s.event == EventKind::Merged { s.merge_into.map(NeedId::get) } else { None })
    .bind(need.id.get())
    .bind(s.version)
    .fetch_optional(&mut *tx.tx)
    .await?;
    let Some(r) = r else {
        return Err(AppError::Conflict(FieldError::new("version", "errors.stale_version")));
    };
    let updated = from_row(&r)?;
    let mut rollups = Deltas::default();
    rollups.change(Some(&need), Some(&updated));
    rollups.write(&mut tx.tx).await?;
    insert_event(&mut tx.tx, &updated, at, actor.user_id, s.event, note.as_deref(), &data).await?;
    crate::events::publish(
        db,
        &mut tx.tx,
        &Stepped {
            need_id: updated.id,
            community_id: updated.community_id,
            event: s.event,
            actor_user_id: actor.user_id,
            at,
        },
    )
    .await?;
    // A2: tell the people who must act next, in the same transaction as the step.
    let recipients = match (s.event, org, user) {
        (EventKind::Assigned, Some(o), _) => notifications::members_of(&mut tx.tx, o).await?,
        (EventKind::Assigned, None, Some(u)) => vec![u],
        (EventKind::Resolved, _, _) => updated.requester_user_id.into_iter().collect(),
        (EventKind::Reopened, _, _) => notifications::responsible_for(&mut tx.tx, &updated.area_path).await?,
        _ => vec![],
    };
    if !recipients.is_empty() {
        let msg = notifications::Message {
            community_id: Some(updated.community_id),
            kind: s.event.code(),
            need_id: Some(updated.id.get()),
            title: updated.title.clone(),
            body: note.clone().unwrap_or_default(),
        };
        notifications::queue(&mut tx.tx, at, &recipients, &msg).await?;
    }
    if let (EventKind::Merged, Some(t)) = (s.event, s.merge_into) {
        let target_row = sqlx::query(crate::sql!("SELECT {COLS} FROM needs WHERE id = $1"))
            .bind(t.get())
            .fetch_one(&mut *tx.tx)
            .await?;
        let target = from_row(&target_row)?;
        insert_event(
            &mut tx.tx,
            &target,
            at,
            actor.user_id,
            EventKind::Commented,
            note.as_deref(),
            &format!("merged_from:{}", need.id),
        )
        .await?;
    }
    tx.record(actor, Some(need.community_id), &format!("need.{}", s.event.code()), &format!("need:{}", need.id), &data)
        .await?;
    tx.commit().await?;
    Ok(updated)
}

#[derive(Debug, Clone)]
pub struct Event {
    pub id: i64,
    pub at: i64,
    pub actor: Option<String>,
    pub kind: EventKind,
    pub note: Option<String>,
    pub data: String,
}

/// The need's timeline, oldest first.
pub async fn timeline(db: &Db, need: &Need) -> Result<Vec<Event>, AppError> {
    let rows = sqlx::query(
        "SELECT e.id, e.at, u.display_name, e.kind, e.note, e.data FROM need_events e LEFT JOIN users u ON u.id = e.actor_user_id WHERE e.need_id = $1 ORDER BY e.id",
    )
    .bind(need.id.get())
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Event {
                id: r.try_get(0)?,
                at: r.try_get(1)?,
                actor: r.try_get(2)?,
                kind: EventKind::parse(&r.try_get::<String, _>(3)?)
                    .map_err(|_| AppError::Internal("bad event".into()))?,
                note: r.try_get(4)?,
                data: r.try_get(5)?,
            })
        })
        .collect()
}

/// N3 — flags needs whose response or resolution deadline has passed, once each, with an
/// `overdue` event. Idempotent and driven by stored deadlines, so a restart loses nothing.
/// Returns the needs newly flagged.
pub async fn flag_overdue(db: &Db, now: i64) -> Result<Vec<Need>, AppError> {
    let rows = sqlx::query(crate::sql!(
        "SELECT {COLS} FROM needs WHERE status NOT IN ('resolved', 'confirmed', 'rejected', 'merged') \
         AND ((overdue = 0 AND responded_at IS NULL AND respond_due < $1) OR (overdue < 2 AND resolve_due < $1)) LIMIT 1000"
    ))
    .bind(now)
    .fetch_all(&db.pool)
    .await?;
    let mut flagged = Vec::new();
    for r in &rows {
        let n = from_row(r)?;
        let (bit, what) = if n.resolve_due < now { (2, "resolve") } else { (1, "respond") };
        let mut tx = AuditedTx::begin(db, now).await?;
        let updated =
            sqlx::query(crate::sql!("UPDATE needs SET overdue = $1 WHERE id = $2 AND overdue < $1 RETURNING {COLS}"))
                .bind(bit)
                .bind(n.id.get())
                .fetch_optional(&mut *tx.tx)
                .await?;
        if let Some(u) = updated {
            let u = from_row(&u)?;
            insert_event(&mut tx.tx, &u, now, None, EventKind::Overdue, None, what).await?;
            let recipients = notifications::responsible_for(&mut tx.tx, &u.area_path).await?;
            let msg = notifications::Message {
                community_id: Some(u.community_id),
                kind: "overdue",
                need_id: Some(u.id.get()),
                title: u.title.clone(),
                body: what.to_string(),
            };
            notifications::queue(&mut tx.tx, now, &recipients, &msg).await?;
            tx.record(&Actor::operator(), Some(u.community_id), "need.overdue", &format!("need:{}", u.id), what)
                .await?;
            tx.commit().await?;
            flagged.push(u);
        }
    }
    Ok(flagged)
}

/// R3 — moves a need for a claim (`Claimed`, to the claimant) or its end (`Released`, back to
/// accepted and unassigned) or its listing (`Listed`), inside the caller's transaction, at the
/// version read. `None` when someone changed the need meanwhile.
pub(crate) async fn claim_transition(
    tx: &mut Transaction<'_, Any>,
    actor: Option<i64>,
    at: i64,
    need: &Need,
    event: EventKind,
    assignee: Option<Assignee>,
    note: Option<&str>,
) -> Result<Option<Need>, AppError> {
    let next = need.status.apply(event).map_err(|e| AppError::Invalid(e.field_error().into()))?;
    let (org, user) = match (event, assignee) {
        (EventKind::Claimed, Some(Assignee::Organization(o))) => (Some(o), None),
        (EventKind::Claimed, Some(Assignee::User(u))) => (None, Some(u)),
        (EventKind::Released, _) => (None, None),
        _ => (need.assignee_org_id, need.assignee_user_id),
    };
    let r = sqlx::query(crate::sql!(
        "UPDATE needs SET status = $1, version = version + 1, assignee_org_id = $2, assignee_user_id = $3, \
         responded_at = CASE WHEN responded_at IS NULL AND $4 = 1 THEN $5 ELSE responded_at END, updated_at = $5 \
         WHERE id = $6 AND version = $7 RETURNING {COLS}"
    ))
    .bind(next.code())
    .bind(org)
    .bind(user)
    .bind(i64::from(event == EventKind::Claimed))
    .bind(at)
    .bind(need.id.get())
    .bind(need.version)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(r) = r else { return Ok(None) };
    let updated = from_row(&r)?;
    let mut rollups = Deltas::default();
    rollups.change(Some(need), Some(&updated));
    rollups.write(tx).await?;
    let data = match (org, user) {
        (Some(o), _) if event == EventKind::Claimed => format!("org:{o}"),
        (None, Some(u)) if event == EventKind::Claimed => format!("user:{u}"),
        _ => String::new(),
    };
    insert_event(tx, &updated, at, actor, event, note, &data).await?;
    Ok(Some(updated))
}
