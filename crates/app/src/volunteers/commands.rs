//! Profiles, groups, activities with their places, check-in and check-out, and hours.

use super::access::{active_self, activity, by_id, conflict, get, mine};
use super::forms::{NewActivity, Profile};
use super::hours::{insert_record, record};
use super::model::{ACTIVITY_COLS, Activity, SIGNUP_COLS, ServiceRecord, Signup, Volunteer};
use super::points;
use crate::audit::AuditedTx;
use crate::{Actor, AppError, Db, areas, notifications};
use rand::RngCore;
use sqlx::{Any, Transaction};
use wushe_domain::FieldError;
use wushe_domain::access::Action;
use wushe_domain::volunteers::{self as v, RecordRole, RecordSource, SignupStatus, VolunteerStatus};

/// How long before its start an activity's check-in opens.
pub const CHECKIN_OPENS_MS: i64 = 60 * 60_000;
/// A place not checked into within this time of the start goes back to the others.
pub const PLACE_HELD_MS: i64 = 30 * 60_000;

fn unique(e: sqlx::Error, field: &'static str, key: &'static str) -> AppError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => conflict(field, key),
        _ => AppError::Db(e),
    }
}

/// Where a volunteer is placed: their preferred grid inside the community, else the community.
async fn placed(db: &Db, community: &areas::Area, grid: Option<&str>) -> Result<String, AppError> {
    match grid {
        None => Ok(community.path.clone()),
        Some(code) => match areas::by_code(db, code).await {
            Ok(a) if a.path.starts_with(&community.path) && a.path != community.path => Ok(a.path),
            _ => Err(FieldError::new("grid", "errors.area.unknown").into()),
        },
    }
}

async fn check_group(db: &Db, community_id: i64, group: Option<i64>) -> Result<(), AppError> {
    if let Some(g) = group {
        let found: Option<(i64,)> =
            sqlx::query_as("SELECT id FROM volunteer_groups WHERE id = $1 AND community_id = $2")
                .bind(g)
                .bind(community_id)
                .fetch_optional(&db.pool)
                .await?;
        if found.is_none() {
            return Err(FieldError::new("group_id", "errors.volunteer.group").into());
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
/// Writes a volunteer row; the community's points rules and catalogue start from the defaults
/// the first time it has a volunteer.
pub(crate) async fn insert_volunteer(
    tx: &mut Transaction<'_, Any>,
    community_id: i64,
    area_path: &str,
    person_id: i64,
    user_id: Option<i64>,
    status: VolunteerStatus,
    p: &Profile,
    joined_at: i64,
    at: i64,
) -> Result<i64, AppError> {
    points::ensure_defaults(tx, community_id, at).await?;
    let skills = if p.skills.is_empty() { " ".to_string() } else { format!(" {} ", p.skills.join(" ")) };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO volunteers (community_id, area_path, person_id, user_id, status, group_id, skills, availability, \
         party_member, insurance_until, insurance_policy, joined_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id",
    )
    .bind(community_id)
    .bind(area_path)
    .bind(person_id)
    .bind(user_id)
    .bind(status.code())
    .bind(p.group_id)
    .bind(skills)
    .bind(&p.availability)
    .bind(i64::from(p.party_member))
    .bind(p.insurance_until)
    .bind(&p.insurance_policy)
    .bind(joined_at)
    .bind(at)
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| unique(e, "person_id", "errors.volunteer.exists"))?;
    Ok(id)
}

/// Keeps an active volunteer's skills in the resource database (V1: shared with it, as the
/// person's skill resource that matching and the claim list find), in the transaction that set
/// them. The resources capability owns that record; this asks it, downward.
pub(crate) async fn declare_skills(tx: &mut Transaction<'_, Any>, vol: &Volunteer, at: i64) -> Result<(), AppError> {
    let skills = crate::resources::VolunteerSkills {
        community_id: vol.community_id,
        volunteer_id: vol.id,
        person_id: vol.person_id,
        user_id: vol.user_id,
        area_path: vol.area_path.clone(),
        skills: vol.skill_list().into_iter().map(str::to_string).collect(),
        availability: vol.availability.clone(),
    };
    crate::resources::keep_volunteer_skills(tx, &skills, at).await
}

/// V1 — a signed-in resident registers as a volunteer of their community; staff approve.
pub async fn register(db: &Db, actor: &Actor, at: i64, p: Profile) -> Result<Volunteer, AppError> {
    let uid = actor.user_id.ok_or(AppError::Unauthenticated)?;
    if mine(db, actor).await?.is_some() {
        return Err(conflict("volunteer", "errors.volunteer.exists"));
    }
    let person =
        crate::accounts::person_of(db, uid).await?.ok_or(FieldError::new("person_id", "errors.volunteer.no_person"))?;
    let (community_id, _) =
        crate::people::place_of(db, person).await?.ok_or(FieldError::new("person_id", "errors.volunteer.no_person"))?;
    let community = areas::by_id(db, community_id).await?;
    if !actor.grants.member_of(Action::OwnAccount, &community.path)
        && !actor.grants.reaches(Action::OwnAccount, &community.path)
    {
        return Err(AppError::Forbidden);
    }
    check_group(db, community_id, p.group_id).await?;
    let path = placed(db, &community, p.grid.as_deref()).await?;
    let mut tx = AuditedTx::begin(db, at).await?;
    let id = insert_volunteer(&mut tx.tx, community_id, &path, person, Some(uid), VolunteerStatus::Pending, &p, at, at)
        .await?;
    let staff = notifications::responsible_for(&mut tx.tx, &community.path).await?;
    let msg = notifications::Message {
        community_id: Some(community_id),
        kind: "volunteer_registered",
        need_id: None,
        title: String::new(),
        body: String::new(),
    };
    notifications::queue(&mut tx.tx, at, &staff, &msg).await?;
    tx.record(actor, Some(community_id), "volunteer.register", &format!("volunteer:{id}"), "").await?;
    tx.commit().await?;
    by_id(db, id).await
}

/// V1 — staff enter a resident of their community as an active volunteer.
pub async fn enter(
    db: &Db,
    actor: &Actor,
    at: i64,
    community: &areas::Area,
    p: Profile,
) -> Result<Volunteer, AppError> {
    actor.require(Action::VolunteerManage, Some(&community.path))?;
    let person = p.person_id.ok_or(FieldError::new("person_id", "errors.required"))?;
    match crate::people::place_of(db, person).await? {
        Some((c, _)) if c == community.id => {}
        _ => return Err(FieldError::new("person_id", "errors.person.unknown").into()),
    }
    check_group(db, community.id, p.group_id).await?;
    let path = placed(db, community, p.grid.as_deref()).await?;
    let user: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE person_id = $1 ORDER BY id LIMIT 1")
        .bind(person)
        .fetch_optional(&db.pool)
        .await?;
    let mut tx = AuditedTx::begin(db, at).await?;
    let id = insert_volunteer(
        &mut tx.tx,
        community.id,
        &path,
        person,
        user,
        VolunteerStatus::Active,
        &p,
        p.joined_at.unwrap_or(at),
        at,
    )
    .await?;
    let vol = super::access::by_id_in(&mut tx.tx, id).await?;
    declare_skills(&mut tx.tx, &vol, at).await?;
    tx.record(actor, Some(community.id), "volunteer.enter", &format!("volunteer:{id}"), "").await?;
    tx.commit().await?;
    Ok(vol)
}

/// Approves (or declines) a pending registration.
pub async fn decide_registration(
    db: &Db,
    actor: &Actor,
    at: i64,
    id: i64,
    approve: bool,
) -> Result<Volunteer, AppError> {
    let (vol, _) = get(db, actor, id).await?;
    actor.require(Action::VolunteerManage, Some(&vol.area_path))?;
    if vol.status != VolunteerStatus::Pending {
        return Err(conflict("status", "errors.volunteer.not_pending"));
    }
    let next = if approve { VolunteerStatus::Active } else { VolunteerStatus::Left };
    let mut tx = AuditedTx::begin(db, at).await?;
    let done = sqlx::query(
        "UPDATE volunteers SET status = $1, joined_at = $2, version = version + 1, updated_at = $2 WHERE id = $3 AND status = 'pending'",
    )
    .bind(next.code())
    .bind(at)
    .bind(id)
    .execute(&mut *tx.tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(conflict("status", "errors.volunteer.not_pending"));
    }
    if let Some(u) = vol.user_id {
        let msg = notifications::Message {
            community_id: Some(vol.community_id),
            kind: if approve { "volunteer_approved" } else { "volunteer_declined" },
            need_id: None,
            title: String::new(),
            body: String::new(),
        };
        notifications::queue(&mut tx.tx, at, &[u], &msg).await?;
    }
    if approve {
        declare_skills(&mut tx.tx, &vol, at).await?;
    }
    let action = if approve { "volunteer.approve" } else { "volunteer.decline" };
    tx.record(actor, Some(vol.community_id), action, &format!("volunteer:{id}"), "").await?;
    tx.commit().await?;
    by_id(db, id).await
}

/// Changes a profile: the volunteer keeps their skills, availability and grid; staff also the
/// group, the party flag and the insurance cover.
pub async fn update_profile(
    db: &Db,
    actor: &Actor,
    at: i64,
    id: i64,
    version: i64,
    p: Profile,
) -> Result<Volunteer, AppError> {
    let (vol, _) = get(db, actor, id).await?;
    let staff = actor.can(Action::VolunteerManage, Some(&vol.area_path));
    if !staff && actor.user_id != vol.user_id {
        return Err(AppError::Forbidden);
    }
    let community = areas::by_id(db, vol.community_id).await?;
    let path = placed(db, &community, p.grid.as_deref()).await?;
    let (group, party, until, policy) = if staff {
        check_group(db, vol.community_id, p.group_id).await?;
        (p.group_id, i64::from(p.party_member), p.insurance_until, p.insurance_policy.clone())
    } else {
        (vol.group_id, vol.party_member, vol.insurance_until, vol.insurance_policy.clone())
    };
    let skills = if p.skills.is_empty() { " ".to_string() } else { format!(" {} ", p.skills.join(" ")) };
    let mut tx = AuditedTx::begin(db, at).await?;
    let done = sqlx::query(
        "UPDATE volunteers SET area_path = $1, group_id = $2, skills = $3, availability = $4, party_member = $5, \
         insurance_until = $6, insurance_policy = $7, version = version + 1, updated_at = $8 WHERE id = $9 AND version = $10",
    )
    .bind(&path)
    .bind(group)
    .bind(skills)
    .bind(&p.availability)
    .bind(party)
    .bind(until)
    .bind(policy)
    .bind(at)
    .bind(id)
    .bind(version)
    .execute(&mut *tx.tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(conflict("version", "errors.stale_version"));
    }
    let now = super::access::by_id_in(&mut tx.tx, id).await?;
    if now.status == VolunteerStatus::Active {
        declare_skills(&mut tx.tx, &now, at).await?;
    }
    tx.record(actor, Some(vol.community_id), "volunteer.update", &format!("volunteer:{id}"), "").await?;
    tx.commit().await?;
    by_id(db, id).await
}

/// Records a training taken, with its certificate number (staff).
pub async fn add_training(
    db: &Db,
    actor: &Actor,
    at: i64,
    id: i64,
    name: &str,
    certificate: &str,
    taken_on: i64,
) -> Result<(), AppError> {
    let (vol, _) = get(db, actor, id).await?;
    actor.require(Action::VolunteerManage, Some(&vol.area_path))?;
    let name = v::parse_name("name", name)?;
    let certificate = certificate.trim();
    if certificate.chars().count() > 60 {
        return Err(FieldError::new("certificate", "errors.text.too_long").into());
    }
    let mut tx = AuditedTx::begin(db, at).await?;
    sqlx::query(
        "INSERT INTO volunteer_trainings (community_id, volunteer_id, name, certificate, taken_on, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(vol.community_id)
    .bind(id)
    .bind(&name)
    .bind(certificate)
    .bind(taken_on)
    .bind(at)
    .execute(&mut *tx.tx)
    .await?;
    tx.record(actor, Some(vol.community_id), "volunteer.training", &format!("volunteer:{id}"), &name).await?;
    tx.commit().await
}

/// A functional group (服务队) of the community.
pub async fn create_group(
    db: &Db,
    actor: &Actor,
    at: i64,
    community: &areas::Area,
    name: &str,
    description: &str,
) -> Result<i64, AppError> {
    actor.require(Action::VolunteerManage, Some(&community.path))?;
    let name = v::parse_name("name", name)?;
    let mut tx = AuditedTx::begin(db, at).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO volunteer_groups (community_id, name, description, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(community.id)
    .bind(&name)
    .bind(description.trim())
    .bind(at)
    .fetch_one(&mut *tx.tx)
    .await
    .map_err(|e| unique(e, "name", "errors.volunteer.group_exists"))?;
    tx.record(actor, Some(community.id), "volunteer.group", &format!("group:{id}"), &name).await?;
    tx.commit().await?;
    Ok(id)
}

fn checkin_code() -> String {
    // Unambiguous letters and digits: read aloud or typed from a poster as easily as scanned.
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut b = [0u8; 8];
    rand::rng().fill_bytes(&mut b);
    b.iter().map(|x| ALPHABET[(*x as usize) % ALPHABET.len()] as char).collect()
}

/// V2 — creates an activity; the creator organizes it.
pub async fn create_activity(
    db: &Db,
    actor: &Actor,
    at: i64,
    community: &areas::Area,
    a: NewActivity,
) -> Result<Activity, AppError> {
    actor.require(Action::ActivityOrganize, Some(&community.path))?;
    check_group(db, community.id, a.group_id).await?;
    if let Some(c) = a.course_id {
        let found: Option<(i64,)> = sqlx::query_as("SELECT sessions FROM courses WHERE id = $1 AND community_id = $2")
            .bind(c)
            .bind(community.id)
            .fetch_optional(&db.pool)
            .await?;
        match found {
            Some((n,)) if a.session_no.is_some_and(|s| s <= n) => {}
            Some(_) => return Err(FieldError::new("session_no", "errors.course.session").into()),
            None => return Err(FieldError::new("course_id", "errors.course.unknown").into()),
        }
    }
    let mut tx = AuditedTx::begin(db, at).await?;
    let id = insert_activity(&mut tx.tx, community, actor.user_id, &a, at).await?;
    tx.record(actor, Some(community.id), "activity.create", &format!("activity:{id}"), &a.title).await?;
    tx.commit().await?;
    activity(db, id).await
}

pub(crate) async fn insert_activity(
    tx: &mut Transaction<'_, Any>,
    community: &areas::Area,
    organizer: Option<i64>,
    a: &NewActivity,
    at: i64,
) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO activities (community_id, area_path, kind, title, description, place, organizer_user_id, group_id, \
         course_id, session_no, starts_at, ends_at, slots, checkin_code, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
    )
    .bind(community.id)
    .bind(&community.path)
    .bind(a.kind.code())
    .bind(&a.title)
    .bind(&a.description)
    .bind(&a.place)
    .bind(organizer)
    .bind(a.group_id)
    .bind(a.course_id)
    .bind(a.session_no)
    .bind(a.starts_at)
    .bind(a.ends_at)
    .bind(a.slots)
    .bind(checkin_code())
    .bind(at)
    .fetch_one(&mut **tx)
    .await?)
}

async fn signup_of(db: &Db, activity_id: i64, volunteer_id: i64) -> Result<Option<Signup>, AppError> {
    Ok(sqlx::query_as(crate::sql!(
        "SELECT {SIGNUP_COLS} FROM activity_signups WHERE activity_id = $1 AND volunteer_id = $2 AND status IN ('active', 'done')"
    ))
    .bind(activity_id)
    .bind(volunteer_id)
    .fetch_optional(&db.pool)
    .await?)
}

/// The claim list for activities: takes the lowest free place. Of two people after the last
/// place exactly one gets it (the unique index on held places); the other is told it is full.
pub async fn sign_up(db: &Db, actor: &Actor, at: i64, activity_id: i64) -> Result<Signup, AppError> {
    let a = activity(db, activity_id).await?;
    let vol = active_self(db, actor).await?;
    if vol.community_id != a.community_id {
        return Err(AppError::NotFound);
    }
    if a.status != "open" || at >= a.ends_at {
        return Err(conflict("activity", "errors.activity.closed"));
    }
    if signup_of(db, a.id, vol.id).await?.is_some() {
        return Err(conflict("activity", "errors.activity.signed_up"));
    }
    for _ in 0..8 {
        let taken: Vec<(i64,)> = sqlx::query_as(
            "SELECT slot FROM activity_signups WHERE activity_id = $1 AND status IN ('active', 'done') ORDER BY slot",
        )
        .bind(a.id)
        .fetch_all(&db.pool)
        .await?;
        let taken: std::collections::BTreeSet<i64> = taken.into_iter().map(|t| t.0).collect();
        let Some(slot) = (1..=a.slots).find(|s| !taken.contains(s)) else {
            return Err(conflict("activity", "errors.activity.full"));
        };
        let mut tx = AuditedTx::begin(db, at).await?;
        let r = sqlx::query_scalar::<_, i64>(
            "INSERT INTO activity_signups (community_id, activity_id, volunteer_id, slot, status, signed_at, expires_at) \
             VALUES ($1, $2, $3, $4, 'active', $5, $6) RETURNING id",
        )
        .bind(a.community_id)
        .bind(a.id)
        .bind(vol.id)
        .bind(slot)
        .bind(at)
        .bind(a.starts_at.max(at) + PLACE_HELD_MS)
        .fetch_one(&mut *tx.tx)
        .await;
        match r {
            Ok(_) => {
                tx.record(
                    actor,
                    Some(a.community_id),
                    "activity.sign_up",
                    &format!("activity:{}", a.id),
                    &slot.to_string(),
                )
                .await?;
                tx.commit().await?;
                return signup_of(db, a.id, vol.id).await?.ok_or(AppError::NotFound);
            }
            Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
                // Someone took this place, or this person signed up at the same moment.
                if signup_of(db, a.id, vol.id).await?.is_some() {
                    return Err(conflict("activity", "errors.activity.signed_up"));
                }
                continue;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(conflict("activity", "errors.activity.full"))
}

/// Gives one's place back (before checking in); it goes to the next person.
pub async fn release(db: &Db, actor: &Actor, at: i64, activity_id: i64) -> Result<(), AppError> {
    let a = activity(db, activity_id).await?;
    let vol = mine(db, actor).await?.ok_or(AppError::NotFound)?;
    let s = signup_of(db, a.id, vol.id).await?.ok_or(AppError::NotFound)?;
    if s.status != SignupStatus::Active || s.checkin_at.is_some() {
        return Err(conflict("activity", "errors.activity.checked_in"));
    }
    let mut tx = AuditedTx::begin(db, at).await?;
    sqlx::query("UPDATE activity_signups SET status = 'released', ended_at = $1 WHERE id = $2 AND status = 'active' AND checkin_at IS NULL")
        .bind(at)
        .bind(s.id)
        .execute(&mut *tx.tx)
        .await?;
    tx.record(actor, Some(a.community_id), "activity.release", &format!("activity:{}", a.id), "").await?;
    tx.commit().await
}

/// Background job: places nobody checked into in time go back to the list.
pub async fn expire_places(db: &Db, now: i64) -> Result<usize, AppError> {
    let mut tx = AuditedTx::begin(db, now).await?;
    let done = sqlx::query(
        "UPDATE activity_signups SET status = 'expired', ended_at = $1 WHERE status = 'active' AND checkin_at IS NULL AND expires_at <= $1",
    )
    .bind(now)
    .execute(&mut *tx.tx)
    .await?;
    let n = done.rows_affected() as usize;
    if n > 0 {
        tx.record(&Actor::operator(), None, "activity.places_expired", "activity_signups", &n.to_string()).await?;
    }
    tx.commit().await?;
    Ok(n)
}

/// V2 — checks in with the code shown at the place (its QR code opens this with the code).
/// A person without a place takes a free one if there is any. Someone checked in elsewhere
/// must check out there first: check-ins of one person never overlap.
pub async fn check_in(db: &Db, actor: &Actor, at: i64, code: &str) -> Result<Activity, AppError> {
    let code = code.trim().to_ascii_uppercase();
    let a: Activity = sqlx::query_as(crate::sql!("SELECT {ACTIVITY_COLS} FROM activities WHERE checkin_code = $1"))
        .bind(&code)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(FieldError::new("code", "errors.checkin.code"))?;
    let vol = active_self(db, actor).await?;
    if vol.community_id != a.community_id {
        return Err(FieldError::new("code", "errors.checkin.code").into());
    }
    if at < a.starts_at - CHECKIN_OPENS_MS || at > a.ends_at {
        return Err(conflict("code", "errors.checkin.window"));
    }
    let s = match signup_of(db, a.id, vol.id).await? {
        Some(s) => s,
        None => sign_up(db, actor, at, a.id).await?,
    };
    if s.checkin_at.is_some() {
        return Err(conflict("code", "errors.checkin.already"));
    }
    let mut tx = AuditedTx::begin(db, at).await?;
    sqlx::query(
        "UPDATE activity_signups SET checkin_at = $1 WHERE id = $2 AND checkin_at IS NULL AND status = 'active'",
    )
    .bind(at)
    .bind(s.id)
    .execute(&mut *tx.tx)
    .await
    .map_err(|e| unique(e, "code", "errors.checkin.overlap"))?;
    tx.record(actor, Some(a.community_id), "activity.check_in", &format!("activity:{}", a.id), "").await?;
    tx.commit().await?;
    Ok(a)
}

/// Checks out: the minutes between check-in and check-out become a service record waiting for
/// verification.
pub async fn check_out(db: &Db, actor: &Actor, at: i64, activity_id: i64) -> Result<ServiceRecord, AppError> {
    let a = activity(db, activity_id).await?;
    let vol = active_self(db, actor).await?;
    let s = signup_of(db, a.id, vol.id).await?.ok_or(AppError::NotFound)?;
    let (Some(start), None) = (s.checkin_at, s.checkout_at) else {
        return Err(conflict("activity", "errors.checkin.not_in"));
    };
    let minutes = v::counted_minutes(start, at, a.starts_at, a.ends_at)?;
    let mut tx = AuditedTx::begin(db, at).await?;
    let done = sqlx::query(
        "UPDATE activity_signups SET checkout_at = $1, status = 'done', ended_at = $1 WHERE id = $2 AND checkout_at IS NULL",
    )
    .bind(at)
    .bind(s.id)
    .execute(&mut *tx.tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(conflict("activity", "errors.checkin.not_in"));
    }
    let role = if a.organizer_user_id.is_some() && a.organizer_user_id == vol.user_id {
        RecordRole::Organizer
    } else {
        RecordRole::Participant
    };
    let id = insert_record(
        &mut tx.tx,
        &vol,
        Some(a.id),
        RecordSource::CheckIn,
        role,
        start,
        minutes,
        None,
        "",
        actor.user_id,
        at,
    )
    .await?;
    tx.record(actor, Some(a.community_id), "activity.check_out", &format!("activity:{}", a.id), &minutes.to_string())
        .await?;
    tx.commit().await?;
    record(db, id).await
}
