//! Reading bookings: one, a space's, mine, pending decisions, the slots of a day.

use super::model::{Booking, COLS};
use crate::resources::{self, Resource};
use crate::{Actor, AppError, Db, areas};
use wushe_domain::access::Action;
use wushe_domain::ids::BookingId;
use wushe_domain::resources::{LiveStatus, SLOT_MS};

pub async fn get(db: &Db, id: BookingId) -> Result<Booking, AppError> {
    let r: Option<Booking> = sqlx::query_as(crate::sql!("SELECT {COLS} FROM bookings WHERE id = $1"))
        .bind(id.get())
        .fetch_optional(&db.pool)
        .await?;
    r.ok_or(AppError::NotFound)
}

/// Bookings of a space overlapping `[from, to)`, holding ones and the rest.
pub async fn of_space(db: &Db, space_id: i64, from: i64, to: i64) -> Result<Vec<Booking>, AppError> {
    let rows: Vec<Booking> = sqlx::query_as(crate::sql!(
        "SELECT {COLS} FROM bookings WHERE resource_id = $1 AND starts_at < $2 AND ends_at > $3 ORDER BY starts_at, id"
    ))
    .bind(space_id)
    .bind(to)
    .bind(from)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows)
}

/// Requested bookings awaiting a decision in the spaces of a community.
pub async fn pending(db: &Db, actor: &Actor, community: &areas::Area) -> Result<Vec<Booking>, AppError> {
    actor.require(Action::BookingManage, Some(&community.path))?;
    let rows: Vec<Booking> = sqlx::query_as(crate::sql!(
        "SELECT {COLS} FROM bookings WHERE community_id = $1 AND status = 'requested' ORDER BY starts_at, id LIMIT 200"
    ))
    .bind(community.id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows)
}

pub async fn mine(db: &Db, actor: &Actor, from: i64) -> Result<Vec<Booking>, AppError> {
    let Some(uid) = actor.user_id else { return Err(AppError::Unauthenticated) };
    user_bookings(db, uid, from).await
}

pub(crate) async fn user_bookings(db: &Db, uid: i64, from: i64) -> Result<Vec<Booking>, AppError> {
    let rows: Vec<Booking> = sqlx::query_as(crate::sql!(
        "SELECT {COLS} FROM bookings WHERE user_id = $1 AND ends_at > $2 ORDER BY starts_at, id LIMIT 500"
    ))
    .bind(uid)
    .bind(from)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows)
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
    let held = of_space(db, space.id.get(), utc_of(day, 0), utc_of(day + days, 0)).await?;
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
    let held = of_space(db, space.id.get(), slot, slot + SLOT_MS).await?;
    let holder = held.iter().find(|b| b.status.holds()).map(|b| b.status);
    Ok(LiveStatus::of_slot(open, holder, slot, now))
}
