//! Booking, cancelling, deciding, moving; undecided requests lapse. Slots are held by a primary key, so a double booking cannot commit.

use super::access::{booker_class, for_change, membership_path};
use super::forms::{BookingForm, parse_attendees};
use super::model::{Booking, COLS};
use crate::audit::AuditedTx;
use crate::resources::{self};
use crate::{Actor, AppError, Db, notifications};
use sqlx::{Any, Transaction};
use wushe_domain::FieldError;
use wushe_domain::access::Action;
use wushe_domain::error::text;
use wushe_domain::ids::BookingId;
use wushe_domain::ids::ResourceId;
use wushe_domain::resources::{BookerClass, BookingStatus};

async fn hold_slots(
    tx: &mut Transaction<'_, Any>,
    db: &Db,
    space: i64,
    booking: i64,
    slots: &[i64],
) -> Result<(), AppError> {
    for chunk in crate::db::statement_chunks(slots, 3) {
        let values = db.backend.values_list(chunk.len(), 3);
        let mut q =
            sqlx::query(crate::sql!("INSERT INTO booking_slots (resource_id, slot_start, booking_id) VALUES {values}"));
        for s in chunk {
            q = q.bind(space).bind(*s).bind(booking);
        }
        q.execute(&mut **tx).await.map_err(|e| match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                AppError::Conflict(FieldError::new("starts_at", "errors.booking.taken"))
            }
            _ => AppError::Db(e),
        })?;
    }
    Ok(())
}

/// Books a space for the actor. `now` is the clock's time (bookings in the past are refused).
pub async fn book(
    db: &Db,
    actor: &Actor,
    now: i64,
    space_id: ResourceId,
    f: &BookingForm,
) -> Result<Booking, AppError> {
    let space = resources::bookable(db, space_id).await?;
    let member = membership_path(db, &space).await?;
    if !actor.operator && !actor.grants.member_of(Action::FacilityBook, &member) {
        actor.require(Action::FacilityBook, None)?;
        return Err(FieldError::new("space", "errors.booking.not_allowed").into());
    }
    let uid = actor.user_id.ok_or(AppError::Unauthenticated)?;
    if space.status != wushe_domain::resources::ResourceStatus::Active {
        return Err(FieldError::new("space", "errors.booking.closed").into());
    }
    let mut errs = wushe_domain::FieldErrors::default();
    let span = errs.check(f.span());
    let purpose = errs.check(text("purpose", &f.purpose, 200));
    let attendees = errs.check(parse_attendees(&f.attendees));
    errs.into_result()?;
    let (start, end) = span.expect("checked");
    if attendees.is_some_and(|a| a > space.capacity.max(1)) {
        return Err(FieldError::new("attendees", "errors.booking.capacity").into());
    }
    let open = resources::availability(db, &space).await?;
    let slots = space.rules.check(&open, booker_class(actor, &space.area_path), now, start, end)?;
    let status = if space.rules.approval && booker_class(actor, &space.area_path) != BookerClass::Staff {
        BookingStatus::Requested
    } else {
        BookingStatus::Confirmed
    };
    let mut tx = AuditedTx::begin(db, now).await?;
    let b: Booking = sqlx::query_as(crate::sql!(
        "INSERT INTO bookings (community_id, resource_id, user_id, starts_at, ends_at, purpose, attendees, status, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9) RETURNING {COLS}"
    ))
    .bind(space.community_id)
    .bind(space.id.get())
    .bind(uid)
    .bind(start)
    .bind(end)
    .bind(purpose.expect("checked"))
    .bind(attendees.expect("checked"))
    .bind(status.code())
    .bind(now)
    .fetch_one(&mut *tx.tx)
    .await?;

    hold_slots(&mut tx.tx, db, space.id.get(), b.id.get(), &slots).await?;
    if status == BookingStatus::Requested {
        let managers = managers_of(&mut tx.tx, &space.area_path).await?;
        let msg = notifications::Message {
            community_id: space.community_id,
            kind: "booking_requested",
            need_id: None,
            title: space.name.clone(),
            body: b.purpose.clone(),
        };
        notifications::queue(&mut tx.tx, now, &managers, &msg).await?;
    }
    tx.record(
        actor,
        space.community_id,
        "booking.create",
        &format!("booking:{}", b.id),
        &format!("resource:{}", space.id),
    )
    .await?;
    tx.commit().await?;
    Ok(b)
}

/// Users who approve bookings at a path (community admins and social workers above it).
async fn managers_of(tx: &mut Transaction<'_, Any>, path: &str) -> Result<Vec<i64>, AppError> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT DISTINCT g.user_id FROM grants g JOIN areas a ON a.id = g.area_id \
         WHERE g.role IN ('community_admin', 'social_worker') AND $1 LIKE a.path || '%'",
    )
    .bind(path)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

async fn set_status(
    tx: &mut AuditedTx<'_>,
    b: &Booking,
    next: BookingStatus,
    by: Option<i64>,
    at: i64,
) -> Result<Booking, AppError> {
    let r: Option<Booking> = sqlx::query_as(crate::sql!(
        "UPDATE bookings SET status = $1, decided_by = COALESCE($2, decided_by), version = version + 1, updated_at = $3 \
         WHERE id = $4 AND version = $5 RETURNING {COLS}"
    ))
    .bind(next.code())
    .bind(by)
    .bind(at)
    .bind(b.id.get())
    .bind(b.version)
    .fetch_optional(&mut *tx.tx)
    .await?;
    let updated = r.ok_or(AppError::Conflict(FieldError::new("version", "errors.stale_version")))?;
    if !next.holds() {
        sqlx::query("DELETE FROM booking_slots WHERE booking_id = $1").bind(b.id.get()).execute(&mut *tx.tx).await?;
    }
    Ok(updated)
}

pub async fn cancel(db: &Db, actor: &Actor, at: i64, id: BookingId) -> Result<Booking, AppError> {
    let (b, space, _) = for_change(db, actor, id).await?;
    let next = b.status.cancel()?;
    let mut tx = AuditedTx::begin(db, at).await?;
    let updated = set_status(&mut tx, &b, next, None, at).await?;
    tx.record(actor, space.community_id, "booking.cancel", &format!("booking:{}", b.id), "").await?;
    tx.commit().await?;
    Ok(updated)
}

/// A manager's decision on a requested booking; the booker is told.
pub async fn decide(db: &Db, actor: &Actor, at: i64, id: BookingId, approve: bool) -> Result<Booking, AppError> {
    let (b, space, manage) = for_change(db, actor, id).await?;
    if !manage {
        return Err(AppError::Forbidden);
    }
    let next = b.status.decide(approve)?;
    let mut tx = AuditedTx::begin(db, at).await?;
    let updated = set_status(&mut tx, &b, next, actor.user_id, at).await?;
    let msg = notifications::Message {
        community_id: space.community_id,
        kind: if approve { "booking_confirmed" } else { "booking_rejected" },
        need_id: None,
        title: space.name.clone(),
        body: b.purpose.clone(),
    };
    notifications::queue(&mut tx.tx, at, &[b.user_id], &msg).await?;
    tx.record(actor, space.community_id, &format!("booking.{}", next.code()), &format!("booking:{}", b.id), "").await?;
    tx.commit().await?;
    Ok(updated)
}

/// Moves a booking to another time: its slots are released and the new ones held in one
/// transaction, so a taken new time leaves the old booking as it was.
pub async fn change(db: &Db, actor: &Actor, now: i64, id: BookingId, f: &BookingForm) -> Result<Booking, AppError> {
    let (b, space, _) = for_change(db, actor, id).await?;
    if !b.status.holds() || b.ends_at <= now {
        return Err(FieldError::new("status", "errors.booking.transition").into());
    }
    if space.status != wushe_domain::resources::ResourceStatus::Active {
        return Err(FieldError::new("space", "errors.booking.closed").into());
    }
    let (start, end) = f.span()?;
    let open = resources::availability(db, &space).await?;
    let class = booker_class(actor, &space.area_path);
    let slots = space.rules.check(&open, class, now, start, end)?;
    // A new time is a new request where the space needs approval: a manager's yes was for the old one.
    let status = if space.rules.approval && class != BookerClass::Staff { BookingStatus::Requested } else { b.status };
    let purpose = if f.purpose.trim().is_empty() { b.purpose.clone() } else { text("purpose", &f.purpose, 200)? };
    let mut tx = AuditedTx::begin(db, now).await?;
    sqlx::query("DELETE FROM booking_slots WHERE booking_id = $1").bind(b.id.get()).execute(&mut *tx.tx).await?;
    hold_slots(&mut tx.tx, db, space.id.get(), b.id.get(), &slots).await?;
    let r: Option<Booking> = sqlx::query_as(crate::sql!(
        "UPDATE bookings SET starts_at = $1, ends_at = $2, purpose = $3, status = $4, version = version + 1, updated_at = $5 \
         WHERE id = $6 AND version = $7 RETURNING {COLS}"
    ))
    .bind(start)
    .bind(end)
    .bind(&purpose)
    .bind(status.code())
    .bind(now)
    .bind(b.id.get())
    .bind(b.version)
    .fetch_optional(&mut *tx.tx)
    .await?;
    let updated = r.ok_or(AppError::Conflict(FieldError::new("version", "errors.stale_version")))?;
    if status == BookingStatus::Requested {
        let managers = managers_of(&mut tx.tx, &space.area_path).await?;
        let msg = notifications::Message {
            community_id: space.community_id,
            kind: "booking_requested",
            need_id: None,
            title: space.name.clone(),
            body: updated.purpose.clone(),
        };
        notifications::queue(&mut tx.tx, now, &managers, &msg).await?;
    }
    tx.record(actor, space.community_id, "booking.change", &format!("booking:{}", b.id), "").await?;
    tx.commit().await?;
    Ok(updated)
}

/// Background job: requests nobody decided before their start are refused, so their slots do not
/// stay held; the booker is told.
pub async fn expire_requests(db: &Db, now: i64) -> Result<usize, AppError> {
    let rows: Vec<Booking> = sqlx::query_as(crate::sql!(
        "SELECT {COLS} FROM bookings WHERE status = 'requested' AND starts_at <= $1 ORDER BY starts_at LIMIT 500"
    ))
    .bind(now)
    .fetch_all(&db.pool)
    .await?;
    let mut n = 0;
    for b in rows {
        let mut tx = AuditedTx::begin(db, now).await?;
        match set_status(&mut tx, &b, BookingStatus::Rejected, None, now).await {
            Ok(_) => {}
            Err(AppError::Conflict(_)) => continue,
            Err(e) => return Err(e),
        }
        let msg = notifications::Message {
            community_id: b.community_id,
            kind: "booking_rejected",
            need_id: None,
            title: b.purpose.clone(),
            body: String::new(),
        };
        notifications::queue(&mut tx.tx, now, &[b.user_id], &msg).await?;
        tx.record(&Actor::operator(), b.community_id, "booking.expired", &format!("booking:{}", b.id), "").await?;
        tx.commit().await?;
        n += 1;
    }
    Ok(n)
}
