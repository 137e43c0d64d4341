//! Who may see and change volunteers' records: the facts the record-level policy needs.

use super::model::{ACTIVITY_COLS, Activity, ServiceRecord, VOLUNTEER_COLS, VOLUNTEER_FROM, Volunteer};
use crate::{Actor, AppError, Db};
use wushe_domain::FieldError;
use wushe_domain::policy::{Ask, Record, Ties};

/// A volunteer's profile as the policy sees it: the volunteer owns it.
pub fn volunteer_record(actor: &Actor, v: &Volunteer) -> Record {
    let owner = actor.user_id.is_some() && actor.user_id == v.user_id;
    Record { area_path: v.area_path.clone(), ties: Ties { owner, ..Ties::default() }, closed: false, personal: true }
}

/// A service record as the policy sees it: the volunteer owns it, the activity's organizer
/// organized it.
pub fn service_record(actor: &Actor, v: &Volunteer, activity: Option<&Activity>) -> Record {
    let organizer = actor.user_id.is_some() && activity.is_some_and(|a| a.organizer_user_id == actor.user_id);
    let rec = volunteer_record(actor, v);
    Record { ties: Ties { organizer, ..rec.ties }, ..rec }
}

/// An activity as the policy sees it for running it.
pub fn activity_record(actor: &Actor, a: &Activity) -> Record {
    let organizer = actor.user_id.is_some() && a.organizer_user_id == actor.user_id;
    Record {
        area_path: a.area_path.clone(),
        ties: Ties { organizer, ..Ties::default() },
        closed: false,
        personal: false,
    }
}

/// The volunteer, if the actor may see them (their own profile, or staff of the area); anyone
/// else finds nothing.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<(Volunteer, Record), AppError> {
    let v = by_id(db, id).await?;
    let rec = volunteer_record(actor, &v);
    if !actor.may(&rec, Ask::VolunteerRecord) {
        return Err(if actor.grants.signed_in || actor.operator {
            AppError::NotFound
        } else {
            AppError::Unauthenticated
        });
    }
    Ok((v, rec))
}

pub(crate) async fn by_id(db: &Db, id: i64) -> Result<Volunteer, AppError> {
    sqlx::query_as(crate::sql!("SELECT {VOLUNTEER_COLS} FROM {VOLUNTEER_FROM} WHERE v.id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)
}

/// The signed-in person's own volunteer profile, if they have one.
pub async fn mine(db: &Db, actor: &Actor) -> Result<Option<Volunteer>, AppError> {
    let Some(uid) = actor.user_id else { return Ok(None) };
    Ok(sqlx::query_as(crate::sql!(
        "SELECT {VOLUNTEER_COLS} FROM {VOLUNTEER_FROM} WHERE v.user_id = $1 ORDER BY v.id LIMIT 1"
    ))
    .bind(uid)
    .fetch_optional(&db.pool)
    .await?)
}

/// The signed-in person's active profile, or a clear refusal naming why.
pub(crate) async fn active_self(db: &Db, actor: &Actor) -> Result<Volunteer, AppError> {
    actor.user_id.ok_or(AppError::Unauthenticated)?;
    match mine(db, actor).await? {
        Some(v) if v.status == wushe_domain::volunteers::VolunteerStatus::Active => Ok(v),
        Some(_) => Err(AppError::Conflict(wushe_domain::FieldError::new("volunteer", "errors.volunteer.not_active"))),
        None => Err(AppError::Conflict(wushe_domain::FieldError::new("volunteer", "errors.volunteer.none"))),
    }
}

/// Whether the actor may verify this record (and it is still waiting).
pub fn may_verify(actor: &Actor, v: &Volunteer, r: &ServiceRecord, activity: Option<&Activity>) -> bool {
    r.status == wushe_domain::volunteers::RecordStatus::Pending
        && actor.may(&service_record(actor, v, activity), Ask::HoursVerify)
}

/// The community a signed-in person belongs to (where they would register as a volunteer):
/// their volunteer profile's, else their registered home's.
pub async fn home_of(db: &Db, actor: &Actor) -> Result<Option<crate::areas::Area>, AppError> {
    if let Some(v) = mine(db, actor).await? {
        return Ok(Some(crate::areas::by_id(db, v.community_id).await?));
    }
    let Some(uid) = actor.user_id else { return Ok(None) };
    let Some(person) = crate::accounts::person_of(db, uid).await? else { return Ok(None) };
    match crate::people::place_of(db, person).await? {
        Some((community, _)) => Ok(Some(crate::areas::by_id(db, community).await?)),
        None => Ok(None),
    }
}

/// A volunteer read inside a transaction that wrote it (the demo's and imports' batches).
pub(crate) async fn by_id_in(tx: &mut sqlx::Transaction<'_, sqlx::Any>, id: i64) -> Result<Volunteer, AppError> {
    sqlx::query_as(crate::sql!("SELECT {VOLUNTEER_COLS} FROM {VOLUNTEER_FROM} WHERE v.id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(AppError::NotFound)
}

/// A refusal that names the field (a state that does not allow the step).
pub(super) fn conflict(field: &'static str, key: &'static str) -> AppError {
    AppError::Conflict(FieldError::new(field, key))
}

/// One activity (public: activity lists are public; the check-in code is shown only to those
/// who run it).
pub async fn activity(db: &Db, id: i64) -> Result<Activity, AppError> {
    sqlx::query_as(crate::sql!("SELECT {ACTIVITY_COLS} FROM activities WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)
}
