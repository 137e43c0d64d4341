//! V4 — growth: the resident leader training camp (courses of sessions, attendance from the
//! sessions' verified records, the certificate) and mentorship (`004` §6.3): eligibility from
//! the data, pairing, the 6-month plan with its notes, the case report and the assessment.

use super::access::{by_id, get};
use super::model::{Course, MENTORSHIP_COLS, Mentorship, MentorshipNote, VOLUNTEER_COLS, VOLUNTEER_FROM, Volunteer};
use crate::audit::AuditedTx;
use crate::{Actor, AppError, Db, areas};
use wushe_domain::FieldError;
use wushe_domain::access::Action;
use wushe_domain::volunteers::{self as v, MentorshipStatus, VolunteerStatus};

pub async fn create_course(
    db: &Db,
    actor: &Actor,
    at: i64,
    community: &areas::Area,
    title: &str,
    description: &str,
    sessions: &str,
) -> Result<i64, AppError> {
    actor.require(Action::VolunteerManage, Some(&community.path))?;
    let title = v::parse_name("title", title)?;
    let sessions = sessions
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (1..=50).contains(n))
        .ok_or(FieldError::new("sessions", "errors.course.sessions"))?;
    let mut tx = AuditedTx::begin(db, at).await?;
    let id = insert_course(&mut tx.tx, community.id, &title, description.trim(), sessions, at).await?;
    tx.record(actor, Some(community.id), "course.create", &format!("course:{id}"), &title).await?;
    tx.commit().await?;
    Ok(id)
}

pub(crate) async fn insert_course(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    community_id: i64,
    title: &str,
    description: &str,
    sessions: i64,
    at: i64,
) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO courses (community_id, title, description, sessions, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(community_id)
    .bind(title)
    .bind(description)
    .bind(sessions)
    .bind(at)
    .fetch_one(&mut **tx)
    .await?)
}

pub async fn courses(db: &Db, community_id: i64) -> Result<Vec<Course>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, community_id, title, description, sessions FROM courses WHERE community_id = $1 ORDER BY id",
    )
    .bind(community_id)
    .fetch_all(&db.pool)
    .await?)
}

/// Sessions of a course each volunteer attended (verified records on its sessions).
pub async fn attendance(db: &Db, course_id: i64) -> Result<Vec<(i64, i64)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT r.volunteer_id, COUNT(DISTINCT a.session_no) FROM service_records r JOIN activities a ON a.id = r.activity_id \
         WHERE a.course_id = $1 AND r.status = 'verified' AND r.source <> 'correction' GROUP BY r.volunteer_id",
    )
    .bind(course_id)
    .fetch_all(&db.pool)
    .await?)
}

/// The courses a volunteer completed (every session attended): the certificates they hold.
pub async fn completed(db: &Db, vol: &Volunteer) -> Result<Vec<Course>, AppError> {
    let mut out = Vec::new();
    for c in courses(db, vol.community_id).await? {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(DISTINCT a.session_no) FROM service_records r JOIN activities a ON a.id = r.activity_id \
             WHERE a.course_id = $1 AND r.volunteer_id = $2 AND r.status = 'verified' AND r.source <> 'correction'",
        )
        .bind(c.id)
        .bind(vol.id)
        .fetch_one(&db.pool)
        .await?;
        if n >= c.sessions {
            out.push(c);
        }
    }
    Ok(out)
}

/// Whether the data make this volunteer a possible mentor: three years' service, two
/// projects (activities) led.
pub fn eligible(vol: &Volunteer, now: i64) -> bool {
    vol.status == VolunteerStatus::Active && v::mentor_eligible(vol.joined_at, now, vol.led)
}

/// The community's possible mentors.
pub async fn mentors(db: &Db, actor: &Actor, community: &areas::Area, now: i64) -> Result<Vec<Volunteer>, AppError> {
    actor.require(Action::VolunteerRead, Some(&community.path))?;
    let list: Vec<Volunteer> = sqlx::query_as(crate::sql!(
        "SELECT {VOLUNTEER_COLS} FROM {VOLUNTEER_FROM} WHERE v.community_id = $1 AND v.status = 'active' AND v.led >= 2 \
         AND v.joined_at <= $2 ORDER BY v.led DESC, v.id LIMIT 200"
    ))
    .bind(community.id)
    .bind(now - 3 * v::YEAR_MS)
    .fetch_all(&db.pool)
    .await?;
    Ok(list.into_iter().filter(|x| eligible(x, now)).collect())
}

/// Pairs a mentor with a new resident leader (staff). The mentor must be eligible; a mentee
/// has one active pairing at a time.
pub async fn pair(db: &Db, actor: &Actor, at: i64, mentor_id: i64, mentee_id: i64) -> Result<i64, AppError> {
    let (mentor, _) = get(db, actor, mentor_id)
        .await
        .map_err(|_| AppError::Invalid(FieldError::new("mentor_id", "errors.mentorship.mentor").into()))?;
    let (mentee, _) = get(db, actor, mentee_id)
        .await
        .map_err(|_| AppError::Invalid(FieldError::new("mentee_id", "errors.mentorship.mentee").into()))?;
    actor.require(Action::VolunteerManage, Some(&mentor.area_path))?;
    if mentor.community_id != mentee.community_id || mentor.id == mentee.id || mentee.status != VolunteerStatus::Active
    {
        return Err(FieldError::new("mentee_id", "errors.mentorship.mentee").into());
    }
    if !eligible(&mentor, at) {
        return Err(FieldError::new("mentor_id", "errors.mentorship.mentor").into());
    }
    let mut tx = AuditedTx::begin(db, at).await?;
    let id = insert_pair(&mut tx.tx, mentor.community_id, mentor.id, mentee.id, at).await.map_err(|e| match e {
        AppError::Db(sqlx::Error::Database(d)) if d.is_unique_violation() => {
            AppError::Conflict(FieldError::new("mentee_id", "errors.mentorship.paired"))
        }
        e => e,
    })?;
    tx.record(
        actor,
        Some(mentor.community_id),
        "mentorship.pair",
        &format!("mentorship:{id}"),
        &format!("{}>{}", mentor.id, mentee.id),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub(crate) async fn insert_pair(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    community_id: i64,
    mentor: i64,
    mentee: i64,
    started: i64,
) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO mentorships (community_id, mentor_id, mentee_id, started_at, status, created_at) VALUES ($1, $2, $3, $4, 'active', $4) RETURNING id",
    )
    .bind(community_id)
    .bind(mentor)
    .bind(mentee)
    .bind(started)
    .fetch_one(&mut **tx)
    .await?)
}

pub async fn mentorship(db: &Db, id: i64) -> Result<Mentorship, AppError> {
    sqlx::query_as(crate::sql!("SELECT {MENTORSHIP_COLS} FROM mentorships WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)
}

/// A pairing as its reader may see it: the mentor, the mentee, or staff of the community.
pub async fn visible(db: &Db, actor: &Actor, id: i64) -> Result<(Mentorship, Volunteer, Volunteer, bool), AppError> {
    let m = mentorship(db, id).await?;
    let (mentor, mentee) = (by_id(db, m.mentor_id).await?, by_id(db, m.mentee_id).await?);
    let party = actor.user_id.is_some() && (actor.user_id == mentor.user_id || actor.user_id == mentee.user_id);
    let staff = actor.can(Action::VolunteerRead, Some(&mentee.area_path));
    if !party && !staff && !actor.operator {
        return Err(AppError::NotFound);
    }
    Ok((m, mentor, mentee, party))
}

/// The pairings of a community (staff), or the reader's own.
pub async fn pairs(db: &Db, actor: &Actor, community: &areas::Area) -> Result<Vec<Mentorship>, AppError> {
    let all: Vec<Mentorship> = sqlx::query_as(crate::sql!(
        "SELECT {MENTORSHIP_COLS} FROM mentorships WHERE community_id = $1 ORDER BY status, started_at DESC"
    ))
    .bind(community.id)
    .fetch_all(&db.pool)
    .await?;
    if actor.can(Action::VolunteerRead, Some(&community.path)) {
        return Ok(all);
    }
    let mine = super::access::mine(db, actor).await?.map(|x| x.id);
    Ok(all.into_iter().filter(|m| mine.is_some_and(|me| me == m.mentor_id || me == m.mentee_id)).collect())
}

pub async fn notes(db: &Db, id: i64) -> Result<Vec<MentorshipNote>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, mentorship_id, month, note, by_user, created_at FROM mentorship_notes WHERE mentorship_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?)
}

/// A progress note from the mentor, the mentee or the social worker, filed under the plan
/// month it was written in.
pub async fn add_note(db: &Db, actor: &Actor, at: i64, id: i64, note: &str) -> Result<(), AppError> {
    let (m, mentor, _, party) = visible(db, actor, id).await?;
    if !party && !actor.can(Action::VolunteerManage, Some(&mentor.area_path)) {
        return Err(AppError::Forbidden);
    }
    let note = note.trim();
    if note.is_empty() || note.chars().count() > 2000 {
        return Err(FieldError::new("note", "errors.required").into());
    }
    if m.status != MentorshipStatus::Active {
        return Err(AppError::Conflict(FieldError::new("note", "errors.mentorship.closed")));
    }
    let mut tx = AuditedTx::begin(db, at).await?;
    insert_note(&mut tx.tx, m.community_id, m.id, v::plan_month(m.started_at, at), note, actor.user_id, at).await?;
    tx.record(actor, Some(m.community_id), "mentorship.note", &format!("mentorship:{}", m.id), "").await?;
    tx.commit().await
}

pub(crate) async fn insert_note(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    community_id: i64,
    id: i64,
    month: i64,
    note: &str,
    by: Option<i64>,
    at: i64,
) -> Result<(), AppError> {
    sqlx::query("INSERT INTO mentorship_notes (community_id, mentorship_id, month, note, by_user, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(community_id)
        .bind(id)
        .bind(month)
        .bind(note)
        .bind(by)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The mentee hands in the case report (《社区问题解决案例报告》) from month 6.
pub async fn submit_report(db: &Db, actor: &Actor, at: i64, id: i64, report: &str) -> Result<(), AppError> {
    let (m, _, mentee, _) = visible(db, actor, id).await?;
    if actor.user_id.is_none() || actor.user_id != mentee.user_id {
        return Err(AppError::Forbidden);
    }
    if m.status != MentorshipStatus::Active {
        return Err(AppError::Conflict(FieldError::new("case_report", "errors.mentorship.closed")));
    }
    if v::stage(v::plan_month(m.started_at, at)) != v::MentorStage::Assess {
        return Err(AppError::Conflict(FieldError::new("case_report", "errors.mentorship.too_early")));
    }
    let report = v::parse_case_report(report)?;
    let mut tx = AuditedTx::begin(db, at).await?;
    sqlx::query("UPDATE mentorships SET case_report = $1 WHERE id = $2 AND status = 'active'")
        .bind(&report)
        .bind(m.id)
        .execute(&mut *tx.tx)
        .await?;
    tx.record(actor, Some(m.community_id), "mentorship.report", &format!("mentorship:{}", m.id), "").await?;
    tx.commit().await
}

/// The social worker's assessment after the case report: passed completes the plan.
pub async fn assess(db: &Db, actor: &Actor, at: i64, id: i64, passed: bool) -> Result<(), AppError> {
    let (m, mentor, _, _) = visible(db, actor, id).await?;
    actor.require(Action::VolunteerManage, Some(&mentor.area_path))?;
    if m.status != MentorshipStatus::Active {
        return Err(AppError::Conflict(FieldError::new("status", "errors.mentorship.closed")));
    }
    if m.case_report.is_empty() {
        return Err(AppError::Conflict(FieldError::new("case_report", "errors.mentorship.no_report")));
    }
    let next = if passed { MentorshipStatus::Completed } else { MentorshipStatus::Ended };
    let mut tx = AuditedTx::begin(db, at).await?;
    sqlx::query(
        "UPDATE mentorships SET status = $1, assessed_at = $2, assessed_by = $3 WHERE id = $4 AND status = 'active'",
    )
    .bind(next.code())
    .bind(at)
    .bind(actor.user_id)
    .bind(m.id)
    .execute(&mut *tx.tx)
    .await?;
    tx.record(actor, Some(m.community_id), "mentorship.assess", &format!("mentorship:{}", m.id), next.code()).await?;
    tx.commit().await
}

/// A pairing's case report and, when given, its passed assessment, as the demo's history holds
/// them (a plan begun before the platform).
pub(crate) async fn insert_outcome(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: i64,
    report: &str,
    completed_at: Option<i64>,
) -> Result<(), AppError> {
    let status = if completed_at.is_some() { MentorshipStatus::Completed } else { MentorshipStatus::Active };
    sqlx::query("UPDATE mentorships SET case_report = $1, status = $2, assessed_at = $3 WHERE id = $4")
        .bind(report)
        .bind(status.code())
        .bind(completed_at)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
