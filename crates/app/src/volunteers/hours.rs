//! V2 hours: the service records ledger — entered by hand or written at check-out, corrected
//! by new entries, verified in bulk by a social worker or the organizer (which keeps the
//! person's totals and earns points in the same transaction), and the past brought in whole.

use super::access::{activity, activity_record, by_id, conflict, get, may_verify};
use super::forms::NewHours;
use super::model::{RECORD_COLS, ServiceRecord, Volunteer};
use super::points;
use crate::audit::AuditedTx;
use crate::{Actor, AppError, Db};
use sqlx::{Any, Transaction};
use wushe_domain::FieldError;
use wushe_domain::access::Action;
use wushe_domain::policy::Ask;
use wushe_domain::volunteers::{self as v, RecordRole, RecordSource, RecordStatus, VolunteerStatus};

#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert_record(
    tx: &mut Transaction<'_, Any>,
    vol: &Volunteer,
    activity_id: Option<i64>,
    source: RecordSource,
    role: RecordRole,
    started_at: i64,
    minutes: i64,
    corrects: Option<i64>,
    note: &str,
    by: Option<i64>,
    at: i64,
) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO service_records (community_id, volunteer_id, activity_id, source, role, started_at, ended_at, minutes, \
         status, corrects_id, note, entered_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10, $11, $12) RETURNING id",
    )
    .bind(vol.community_id)
    .bind(vol.id)
    .bind(activity_id)
    .bind(source.code())
    .bind(role.code())
    .bind(started_at)
    .bind(started_at + minutes.abs() * 60_000)
    .bind(minutes)
    .bind(corrects)
    .bind(note)
    .bind(by)
    .bind(at)
    .fetch_one(&mut **tx)
    .await?)
}

pub async fn record(db: &Db, id: i64) -> Result<ServiceRecord, AppError> {
    sqlx::query_as(crate::sql!("SELECT {RECORD_COLS} FROM service_records WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)
}

/// V2 — hours entered by hand, for oneself or (staff, an organizer) for a volunteer; they wait
/// for verification. Hours that overlap another record of the person are refused.
pub async fn enter_hours(
    db: &Db,
    actor: &Actor,
    at: i64,
    volunteer_id: i64,
    h: NewHours,
) -> Result<ServiceRecord, AppError> {
    let (vol, rec) = get(db, actor, volunteer_id).await?;
    let activity = match h.activity_id {
        Some(id) => match activity(db, id).await {
            Ok(a) if a.community_id == vol.community_id => Some(a),
            _ => return Err(FieldError::new("activity_id", "errors.activity.unknown").into()),
        },
        None => None,
    };
    let own = rec.ties.owner;
    let runs = activity.as_ref().is_some_and(|a| actor.may(&activity_record(actor, a), Ask::ActivityRun));
    if !own && !runs && !actor.can(Action::VolunteerManage, Some(&vol.area_path)) {
        return Err(AppError::Forbidden);
    }
    if vol.status != VolunteerStatus::Active {
        return Err(conflict("volunteer", "errors.volunteer.not_active"));
    }
    if h.started_at > at {
        return Err(FieldError::new("date", "errors.hours.future").into());
    }
    let end = h.started_at + h.minutes * 60_000;
    let clash: Option<(i64,)> = sqlx::query_as(
        "SELECT id FROM service_records WHERE volunteer_id = $1 AND status <> 'rejected' AND source <> 'correction' \
         AND started_at < $2 AND ended_at > $3 LIMIT 1",
    )
    .bind(vol.id)
    .bind(end)
    .bind(h.started_at)
    .fetch_optional(&db.pool)
    .await?;
    if clash.is_some() {
        return Err(conflict("from", "errors.hours.overlap"));
    }
    let mut tx = AuditedTx::begin(db, at).await?;
    let id = insert_record(
        &mut tx.tx,
        &vol,
        h.activity_id,
        RecordSource::Entered,
        h.role,
        h.started_at,
        h.minutes,
        None,
        &h.note,
        actor.user_id,
        at,
    )
    .await?;
    tx.record(actor, Some(vol.community_id), "hours.enter", &format!("volunteer:{}", vol.id), &h.minutes.to_string())
        .await?;
    tx.commit().await?;
    record(db, id).await
}

/// A correction or dispute: a new entry that changes the minutes of a verified record; the
/// record itself is never edited.
pub async fn correct(
    db: &Db,
    actor: &Actor,
    at: i64,
    record_id: i64,
    minutes: i64,
    note: &str,
) -> Result<ServiceRecord, AppError> {
    let r = record(db, record_id).await?;
    let (vol, rec) = get(db, actor, r.volunteer_id).await?;
    if !rec.ties.owner
        && !actor.can(Action::HoursVerify, Some(&vol.area_path))
        && !actor.can(Action::VolunteerManage, Some(&vol.area_path))
    {
        return Err(AppError::Forbidden);
    }
    if r.status != RecordStatus::Verified || r.source == RecordSource::Correction {
        return Err(conflict("record", "errors.record.not_correctable"));
    }
    if r.minutes + minutes < 0 {
        return Err(FieldError::new("duration", "errors.hours.correction").into());
    }
    let mut tx = AuditedTx::begin(db, at).await?;
    let id = insert_record(
        &mut tx.tx,
        &vol,
        r.activity_id,
        RecordSource::Correction,
        r.role,
        r.started_at,
        minutes,
        Some(r.id),
        note,
        actor.user_id,
        at,
    )
    .await?;
    tx.record(actor, Some(vol.community_id), "hours.correct", &format!("record:{}", r.id), &minutes.to_string())
        .await?;
    tx.commit().await?;
    record(db, id).await
}

/// One verified service of a volunteer's past, as an old ledger (Excel or paper) holds it.
pub(crate) struct Served {
    pub activity_id: Option<i64>,
    pub started_at: i64,
    pub minutes: i64,
    pub role: RecordRole,
    /// A residents' council meeting: counts as taking part in a decision.
    pub council: bool,
}

/// Writes a volunteer's past service, already verified by the ledger it comes from, and keeps
/// their totals with it (the demo's history and migrations from old ledgers). The points
/// scheme starts with the platform, so history earns no points. Rows go in batches; every
/// value is a number or a fixed code, so the batch is plain SQL.
pub(crate) async fn insert_history(
    tx: &mut Transaction<'_, Any>,
    vol: &Volunteer,
    list: &[Served],
    at: i64,
) -> Result<(), AppError> {
    for chunk in list.chunks(200) {
        let rows: Vec<String> = chunk
            .iter()
            .map(|x| {
                format!(
                    "({}, {}, {}, 'entered', '{}', {}, {}, {}, 'verified', '', {}, {})",
                    vol.community_id,
                    vol.id,
                    x.activity_id.map_or("NULL".to_string(), |a| a.to_string()),
                    x.role.code(),
                    x.started_at,
                    x.started_at + x.minutes * 60_000,
                    x.minutes,
                    x.started_at,
                    at
                )
            })
            .collect();
        sqlx::query(crate::sql!(
            "INSERT INTO service_records (community_id, volunteer_id, activity_id, source, role, started_at, ended_at, \
             minutes, status, note, decided_at, created_at) VALUES {}",
            rows.join(", ")
        ))
        .execute(&mut **tx)
        .await?;
    }
    let minutes: i64 = list.iter().map(|x| x.minutes).sum();
    let led = list.iter().filter(|x| x.role == RecordRole::Organizer).count() as i64;
    let decisions = list.iter().filter(|x| x.council).count() as i64;
    let last = list.iter().map(|x| x.started_at + x.minutes * 60_000).max();
    sqlx::query(
        "UPDATE volunteers SET minutes = minutes + $1, tasks = tasks + $2, led = led + $3, decisions = decisions + $4, \
         last_served_at = CASE WHEN last_served_at IS NULL OR last_served_at < $5 THEN $5 ELSE last_served_at END WHERE id = $6",
    )
    .bind(minutes)
    .bind(list.len() as i64)
    .bind(led)
    .bind(decisions)
    .bind(last.unwrap_or(0))
    .bind(vol.id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// V2 — verifies or rejects records in bulk, all or none: each must be waiting and the actor
/// must be its social worker or its activity's organizer (never the volunteer). Verified
/// hours join the person's totals and earn the points the rules give, in the same transaction.
pub async fn decide_hours(db: &Db, actor: &Actor, at: i64, ids: &[i64], verify: bool) -> Result<usize, AppError> {
    if actor.user_id.is_none() && !actor.operator {
        return Err(AppError::Unauthenticated);
    }
    if ids.is_empty() {
        return Err(FieldError::new("ids", "errors.required").into());
    }
    if ids.len() > 500 {
        return Err(FieldError::new("ids", "errors.hours.too_many").into());
    }
    let mut items = Vec::with_capacity(ids.len());
    for id in ids {
        let r = record(db, *id).await?;
        let vol = by_id(db, r.volunteer_id).await?;
        let act = match r.activity_id {
            Some(a) => Some(activity(db, a).await?),
            None => None,
        };
        if !may_verify(actor, &vol, &r, act.as_ref()) {
            if r.status != RecordStatus::Pending
                && actor.may(&super::access::service_record(actor, &vol, act.as_ref()), Ask::HoursVerify)
            {
                return Err(conflict("ids", "errors.hours.decided"));
            }
            return Err(AppError::NotFound);
        }
        items.push((r, vol, act));
    }
    let mut tx = AuditedTx::begin(db, at).await?;
    for (r, vol, act) in &items {
        let done = sqlx::query("UPDATE service_records SET status = $1, decided_by = $2, decided_at = $3 WHERE id = $4 AND status = 'pending'")
            .bind(if verify { "verified" } else { "rejected" })
            .bind(actor.user_id)
            .bind(at)
            .bind(r.id)
            .execute(&mut *tx.tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(conflict("ids", "errors.hours.decided"));
        }
        if verify {
            let kind = act.as_ref().map_or(v::ActivityKind::Service, |a| a.kind);
            let counts = r.source != RecordSource::Correction;
            sqlx::query(
                "UPDATE volunteers SET minutes = minutes + $1, tasks = tasks + $2, led = led + $3, decisions = decisions + $4, \
                 last_served_at = CASE WHEN last_served_at IS NULL OR last_served_at < $5 THEN $5 ELSE last_served_at END WHERE id = $6",
            )
            .bind(r.minutes)
            .bind(i64::from(counts))
            .bind(i64::from(counts && r.role == RecordRole::Organizer))
            .bind(i64::from(counts && kind == v::ActivityKind::Council))
            .bind(if counts { r.ended_at } else { 0 })
            .bind(vol.id)
            .execute(&mut *tx.tx)
            .await?;
            if counts {
                points::earn_for_record(&mut tx.tx, vol, kind, r, at).await?;
            }
        }
        let action = if verify { "hours.verify" } else { "hours.reject" };
        tx.record(actor, Some(vol.community_id), action, &format!("record:{}", r.id), &r.minutes.to_string()).await?;
    }
    tx.commit().await?;
    Ok(items.len())
}
