//! R4 — booking community spaces `[004 §6.1]`. Owns `bookings`, `booking_slots` and
//! `calendar_feeds`.
//!
//! A booking holds one `booking_slots` row per half hour it covers; the primary key over
//! (space, slot) makes a double booking impossible on both engines, whatever the number of
//! concurrent requests: the second insert of a slot fails and the whole booking rolls back with
//! the clear answer "taken". Cancelling, rejecting or moving a booking deletes its slots in the
//! same transaction as the status change.

use crate::audit::AuditedTx;
use crate::resources::{self, Resource};
use crate::{Actor, AppError, Db, areas, notifications};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::{Any, Transaction};
use wushe_domain::FieldError;
use wushe_domain::access::{Action, Role};
use wushe_domain::error::text;
use wushe_domain::resources::{BookerClass, BookingStatus, LiveStatus, SLOT_MS};

#[derive(Debug, Clone)]
pub struct Booking {
    pub id: i64,
    pub community_id: Option<i64>,
    pub resource_id: i64,
    pub user_id: i64,
    pub starts_at: i64,
    pub ends_at: i64,
    pub purpose: String,
    pub attendees: i64,
    pub status: BookingStatus,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str = "id, community_id, resource_id, user_id, starts_at, ends_at, purpose, attendees, status, version, created_at, updated_at";

type Row = (i64, Option<i64>, i64, i64, i64, i64, String, i64, String, i64, i64, i64);

fn from_row(r: Row) -> Result<Booking, AppError> {
    Ok(Booking {
        id: r.0,
        community_id: r.1,
        resource_id: r.2,
        user_id: r.3,
        starts_at: r.4,
        ends_at: r.5,
        purpose: r.6,
        attendees: r.7,
        status: BookingStatus::parse(&r.8).map_err(|_| AppError::Internal("bad booking status".into()))?,
        version: r.9,
        created_at: r.10,
        updated_at: r.11,
    })
}

/// What the booker may book as: staff, an organization's member, or anyone else.
fn booker_class(actor: &Actor, path: &str) -> BookerClass {
    let roles: Vec<Role> = actor
        .grants
        .grants
        .iter()
        .filter(|g| g.area_path.starts_with(path) || path.starts_with(&g.area_path))
        .map(|g| g.role)
        .collect();
    if actor.operator
        || roles
            .iter()
            .any(|r| matches!(r, Role::CommunityAdmin | Role::GridWorker | Role::SocialWorker | Role::StreetOfficer))
    {
        BookerClass::Staff
    } else if roles.iter().any(|r| matches!(r, Role::OrgMember | Role::Volunteer | Role::FoundationOfficer)) {
        BookerClass::Organizations
    } else {
        BookerClass::Anyone
    }
}

/// The community a space belongs to, whose members may book it.
async fn membership_path(db: &Db, space: &Resource) -> Result<String, AppError> {
    Ok(match space.community_id {
        Some(c) => areas::by_id(db, c).await?.path,
        None => space.area_path.clone(),
    })
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct BookingForm {
    /// Local date `YYYY-MM-DD`.
    pub date: String,
    /// Local times `HH:MM`.
    pub from: String,
    pub to: String,
    pub purpose: String,
    pub attendees: String,
}

impl BookingForm {
    /// The UTC span the form names.
    pub fn span(&self) -> Result<(i64, i64), FieldError> {
        use wushe_domain::resources::{parse_clock, parse_date, utc_of};
        let day = parse_date(&self.date).ok_or(FieldError::new("date", "errors.date.invalid"))?;
        let from = parse_clock(&self.from).ok_or(FieldError::new("from", "errors.time.invalid"))?;
        let to = parse_clock(&self.to).ok_or(FieldError::new("to", "errors.time.invalid"))?;
        Ok((utc_of(day, from), utc_of(day, to)))
    }
}

fn parse_attendees(raw: &str) -> Result<i64, FieldError> {
    match raw.trim() {
        "" => Ok(1),
        s => s
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=10_000).contains(n))
            .ok_or(FieldError::new("attendees", "errors.number.range")),
    }
}

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
pub async fn book(db: &Db, actor: &Actor, now: i64, space_id: i64, f: &BookingForm) -> Result<Booking, AppError> {
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
    let r: Row = sqlx::query_as(crate::sql!(
        "INSERT INTO bookings (community_id, resource_id, user_id, starts_at, ends_at, purpose, attendees, status, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9) RETURNING {COLS}"
    ))
    .bind(space.community_id)
    .bind(space.id)
    .bind(uid)
    .bind(start)
    .bind(end)
    .bind(purpose.expect("checked"))
    .bind(attendees.expect("checked"))
    .bind(status.code())
    .bind(now)
    .fetch_one(&mut *tx.tx)
    .await?;
    let b = from_row(r)?;
    hold_slots(&mut tx.tx, db, space.id, b.id, &slots).await?;
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

pub async fn get(db: &Db, id: i64) -> Result<Booking, AppError> {
    let r: Option<Row> = sqlx::query_as(crate::sql!("SELECT {COLS} FROM bookings WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    from_row(r.ok_or(AppError::NotFound)?)
}

/// The booking, if the actor booked it or manages its space.
async fn for_change(db: &Db, actor: &Actor, id: i64) -> Result<(Booking, Resource, bool), AppError> {
    actor_or_404(actor)?;
    let b = get(db, id).await?;
    let space = resources::booked_space(db, b.resource_id).await?;
    let manage = actor.operator || actor.require(Action::BookingManage, Some(&space.area_path)).is_ok();
    if !manage && actor.user_id != Some(b.user_id) {
        return Err(AppError::NotFound);
    }
    Ok((b, space, manage))
}

fn actor_or_404(actor: &Actor) -> Result<&Actor, AppError> {
    if actor.operator || actor.grants.signed_in { Ok(actor) } else { Err(AppError::Unauthenticated) }
}

async fn set_status(
    tx: &mut AuditedTx<'_>,
    b: &Booking,
    next: BookingStatus,
    by: Option<i64>,
    at: i64,
) -> Result<Booking, AppError> {
    let r: Option<Row> = sqlx::query_as(crate::sql!(
        "UPDATE bookings SET status = $1, decided_by = COALESCE($2, decided_by), version = version + 1, updated_at = $3 \
         WHERE id = $4 AND version = $5 RETURNING {COLS}"
    ))
    .bind(next.code())
    .bind(by)
    .bind(at)
    .bind(b.id)
    .bind(b.version)
    .fetch_optional(&mut *tx.tx)
    .await?;
    let updated = from_row(r.ok_or(AppError::Conflict(FieldError::new("version", "errors.stale_version")))?)?;
    if !next.holds() {
        sqlx::query("DELETE FROM booking_slots WHERE booking_id = $1").bind(b.id).execute(&mut *tx.tx).await?;
    }
    Ok(updated)
}

pub async fn cancel(db: &Db, actor: &Actor, at: i64, id: i64) -> Result<Booking, AppError> {
    let (b, space, _) = for_change(db, actor, id).await?;
    let next = b.status.cancel()?;
    let mut tx = AuditedTx::begin(db, at).await?;
    let updated = set_status(&mut tx, &b, next, None, at).await?;
    tx.record(actor, space.community_id, "booking.cancel", &format!("booking:{}", b.id), "").await?;
    tx.commit().await?;
    Ok(updated)
}

/// A manager's decision on a requested booking; the booker is told.
pub async fn decide(db: &Db, actor: &Actor, at: i64, id: i64, approve: bool) -> Result<Booking, AppError> {
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
pub async fn change(db: &Db, actor: &Actor, now: i64, id: i64, f: &BookingForm) -> Result<Booking, AppError> {
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
    sqlx::query("DELETE FROM booking_slots WHERE booking_id = $1").bind(b.id).execute(&mut *tx.tx).await?;
    hold_slots(&mut tx.tx, db, space.id, b.id, &slots).await?;
    let r: Option<Row> = sqlx::query_as(crate::sql!(
        "UPDATE bookings SET starts_at = $1, ends_at = $2, purpose = $3, status = $4, version = version + 1, updated_at = $5 \
         WHERE id = $6 AND version = $7 RETURNING {COLS}"
    ))
    .bind(start)
    .bind(end)
    .bind(&purpose)
    .bind(status.code())
    .bind(now)
    .bind(b.id)
    .bind(b.version)
    .fetch_optional(&mut *tx.tx)
    .await?;
    let updated = from_row(r.ok_or(AppError::Conflict(FieldError::new("version", "errors.stale_version")))?)?;
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
    let rows: Vec<Row> = sqlx::query_as(crate::sql!(
        "SELECT {COLS} FROM bookings WHERE status = 'requested' AND starts_at <= $1 ORDER BY starts_at LIMIT 500"
    ))
    .bind(now)
    .fetch_all(&db.pool)
    .await?;
    let mut n = 0;
    for b in rows.into_iter().map(from_row) {
        let b = b?;
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

/// Bookings of a space overlapping `[from, to)`, holding ones and the rest.
pub async fn of_space(db: &Db, space_id: i64, from: i64, to: i64) -> Result<Vec<Booking>, AppError> {
    let rows: Vec<Row> = sqlx::query_as(crate::sql!(
        "SELECT {COLS} FROM bookings WHERE resource_id = $1 AND starts_at < $2 AND ends_at > $3 ORDER BY starts_at, id"
    ))
    .bind(space_id)
    .bind(to)
    .bind(from)
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter().map(from_row).collect()
}

/// Requested bookings awaiting a decision in the spaces of a community.
pub async fn pending(db: &Db, actor: &Actor, community: &areas::Area) -> Result<Vec<Booking>, AppError> {
    actor.require(Action::BookingManage, Some(&community.path))?;
    let rows: Vec<Row> = sqlx::query_as(crate::sql!(
        "SELECT {COLS} FROM bookings WHERE community_id = $1 AND status = 'requested' ORDER BY starts_at, id LIMIT 200"
    ))
    .bind(community.id)
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter().map(from_row).collect()
}

pub async fn mine(db: &Db, actor: &Actor, from: i64) -> Result<Vec<Booking>, AppError> {
    let Some(uid) = actor.user_id else { return Err(AppError::Unauthenticated) };
    user_bookings(db, uid, from).await
}

async fn user_bookings(db: &Db, uid: i64, from: i64) -> Result<Vec<Booking>, AppError> {
    let rows: Vec<Row> = sqlx::query_as(crate::sql!(
        "SELECT {COLS} FROM bookings WHERE user_id = $1 AND ends_at > $2 ORDER BY starts_at, id LIMIT 500"
    ))
    .bind(uid)
    .bind(from)
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter().map(from_row).collect()
}

/// Live status of each half hour of a local day, for the calendar (public: no purposes).
pub async fn day_slots(db: &Db, space: &Resource, day: i64, now: i64) -> Result<Vec<(i64, LiveStatus)>, AppError> {
    slots(db, space, day, 1, now).await
}

/// Live status of each half hour of `days` local days from `day` (a week's calendar), the
/// schedule and the bookings read once.
pub async fn slots(
    db: &Db,
    space: &Resource,
    day: i64,
    days: i64,
    now: i64,
) -> Result<Vec<(i64, LiveStatus)>, AppError> {
    use wushe_domain::resources::{MINUTES_PER_DAY, SLOT_MINUTES, utc_of};
    let open = resources::availability(db, space).await?;
    let held = of_space(db, space.id, utc_of(day, 0), utc_of(day + days, 0)).await?;
    let mut out = Vec::new();
    for d in day..day + days {
        for m in (0..MINUTES_PER_DAY).step_by(usize::from(SLOT_MINUTES)) {
            let start = utc_of(d, m);
            let is_open = open.covers(d, m, m + SLOT_MINUTES);
            let holder =
                held.iter().find(|b| b.status.holds() && b.starts_at <= start && start < b.ends_at).map(|b| b.status);
            out.push((start, LiveStatus::of_slot(is_open, holder, start, now)));
        }
    }
    Ok(out)
}

/// The space's status right now.
pub async fn live_status(db: &Db, space: &Resource, now: i64) -> Result<LiveStatus, AppError> {
    let slot = now - now.rem_euclid(SLOT_MS);
    let open = resources::availability(db, space).await?.available_at(now);
    let held = of_space(db, space.id, slot, slot + SLOT_MS).await?;
    let holder = held.iter().find(|b| b.status.holds()).map(|b| b.status);
    Ok(LiveStatus::of_slot(open, holder, slot, now))
}

fn digest(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A new personal calendar feed address token for the actor (earlier ones stop working):
/// calendar apps cannot sign in, so the address itself is the secret.
pub async fn new_feed_token(db: &Db, actor: &Actor, at: i64) -> Result<String, AppError> {
    let uid = actor.user_id.ok_or(AppError::Unauthenticated)?;
    let mut raw = [0u8; 24];
    rand::rng().fill_bytes(&mut raw);
    let token = hex(&raw);
    let mut tx = AuditedTx::begin(db, at).await?;
    sqlx::query("DELETE FROM calendar_feeds WHERE user_id = $1").bind(uid).execute(&mut *tx.tx).await?;
    sqlx::query("INSERT INTO calendar_feeds (user_id, digest, created_at) VALUES ($1, $2, $3)")
        .bind(uid)
        .bind(digest(&token))
        .bind(at)
        .execute(&mut *tx.tx)
        .await?;
    tx.record(actor, None, "booking.feed", &format!("user:{uid}"), "").await?;
    tx.commit().await?;
    Ok(token)
}

/// The bookings behind a personal feed token (from 30 days ago), or not found.
pub async fn feed(db: &Db, token: &str, now: i64) -> Result<Vec<Booking>, AppError> {
    if token.len() != 48 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let uid: Option<i64> = sqlx::query_scalar("SELECT user_id FROM calendar_feeds WHERE digest = $1")
        .bind(digest(token))
        .fetch_optional(&db.pool)
        .await?;
    let uid = uid.ok_or(AppError::NotFound)?;
    user_bookings(db, uid, now - 30 * 24 * 3_600_000).await
}
