//! E5 — recovery and learning: how well each key service works over time, the resilience
//! triangle's loss ∫(100 − Q(t)) dt computed from those readings, situation reports, and the
//! after-action review whose lessons go to the community's archive.

use super::access::{incident, sees};
use super::model::Incident;
use crate::areas::Area;
use crate::audit::AuditedTx;
use crate::{Actor, AppError, Db};
use serde::Deserialize;
use wushe_domain::access::Action;
use wushe_domain::emergency::{Functionality, KeyService, mean_loss, resilience_loss};
use wushe_domain::ids::IncidentId;
use wushe_domain::{FieldError, FieldErrors};

/// Staff of the community record recovery: admins, grid workers and social workers.
fn require_staff(actor: &Actor, i: &Incident) -> Result<(), AppError> {
    actor.require(Action::NeedRecord, Some(&i.area_path))
}

/// A reading as a form sends it: the service, how well it works (0–100), and optionally
/// when (minutes before now, for readings entered late), with a note.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReadingForm {
    pub service: String,
    pub percent: String,
    pub minutes_ago: String,
    pub note: String,
}

/// Records how well a key service works now (or `minutes_ago`).
pub async fn record_reading(db: &Db, actor: &Actor, at: i64, id: IncidentId, f: &ReadingForm) -> Result<(), AppError> {
    let i = incident(db, actor, id).await?;
    require_staff(actor, &i)?;
    let mut e = FieldErrors::default();
    let service = e.check(KeyService::parse(&f.service));
    let ago = if f.minutes_ago.trim().is_empty() {
        Ok(0)
    } else {
        wushe_domain::emergency::parse_count(&f.minutes_ago, "minutes_ago", 0, 60 * 24 * 30)
    };
    let ago = e.check(ago);
    let when = at - ago.unwrap_or(0) * 60_000;
    let percent = e.check(
        f.percent
            .trim()
            .parse::<f64>()
            .map_err(|_| FieldError::new("percent", "errors.recovery.percent"))
            .and_then(|p| Functionality::parse(when, p)),
    );
    let note = e.check(wushe_domain::error::optional_text("note", &f.note, 500));
    if when < i.declared_at - 24 * 3_600_000 {
        e.0.push(FieldError::new("minutes_ago", "errors.recovery.before"));
    }
    e.into_result()?;
    let (service, reading) = (service.expect("checked"), percent.expect("checked"));
    let mut tx = AuditedTx::begin(db, at).await?;
    sqlx::query(
        "INSERT INTO functionality_readings (community_id, incident_id, service, at, percent, note, user_id) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(i.community_id)
    .bind(i.id.get())
    .bind(service.code())
    .bind(reading.at_ms)
    .bind(reading.percent)
    .bind(note.expect("checked").unwrap_or_default())
    .bind(actor.user_id)
    .execute(&mut *tx.tx)
    .await?;
    tx.record(actor, Some(i.community_id), "emergency.reading", &format!("incident:{}", i.id), service.code()).await?;
    tx.commit().await?;
    super::live::touch(db, i.id);
    Ok(())
}

/// One service's curve and its loss.
#[derive(Debug, Clone)]
pub struct Curve {
    pub service: KeyService,
    pub readings: Vec<Functionality>,
    /// Percent-hours lost over the window.
    pub loss: f64,
}

/// The recovery of an incident: each service's curve over the window (from the declaration to
/// the last reading, or the close, or now), and the mean loss.
#[derive(Debug, Clone)]
pub struct Recovery {
    pub curves: Vec<Curve>,
    pub start: i64,
    pub end: i64,
    pub loss: f64,
}

pub async fn recovery(db: &Db, actor: &Actor, at: i64, id: IncidentId) -> Result<Recovery, AppError> {
    let i = incident(db, actor, id).await?;
    let rows: Vec<(String, i64, f64)> = sqlx::query_as(
        "SELECT service, at, percent FROM functionality_readings WHERE incident_id = $1 ORDER BY service, at, id",
    )
    .bind(id.get())
    .fetch_all(&db.pool)
    .await?;
    Ok(recovery_of(&i, at, rows))
}

/// The curves from stored readings (service code, time, percent).
pub fn recovery_of(i: &Incident, now: i64, rows: Vec<(String, i64, f64)>) -> Recovery {
    let start = i.declared_at;
    let last = rows.iter().map(|r| r.1).max().unwrap_or(start);
    let end = last.max(i.closed_at.unwrap_or(now)).max(start);
    let mut curves: Vec<Curve> = Vec::new();
    for s in KeyService::ALL {
        let readings: Vec<Functionality> =
            rows.iter().filter(|r| r.0 == s.code()).filter_map(|r| Functionality::parse(r.1, r.2).ok()).collect();
        if readings.is_empty() {
            continue;
        }
        let loss = resilience_loss(&readings, start, end);
        curves.push(Curve { service: *s, readings, loss });
    }
    let loss = mean_loss(&curves.iter().map(|c| c.loss).collect::<Vec<_>>());
    Recovery { curves, start, end, loss }
}

/// A situation report.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Report {
    pub at: i64,
    pub body: String,
    pub by_name: Option<String>,
}

pub async fn add_report(db: &Db, actor: &Actor, at: i64, id: IncidentId, body: &str) -> Result<(), AppError> {
    let i = incident(db, actor, id).await?;
    require_staff(actor, &i)?;
    let body = wushe_domain::error::text("body", body, 4000)?;
    let mut tx = AuditedTx::begin(db, at).await?;
    sqlx::query(
        "INSERT INTO situation_reports (community_id, incident_id, at, body, user_id) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(i.community_id)
    .bind(i.id.get())
    .bind(at)
    .bind(&body)
    .bind(actor.user_id)
    .execute(&mut *tx.tx)
    .await?;
    tx.record(actor, Some(i.community_id), "emergency.report", &format!("incident:{}", i.id), "").await?;
    tx.commit().await?;
    super::live::touch(db, i.id);
    Ok(())
}

pub async fn reports(db: &Db, id: IncidentId) -> Result<Vec<Report>, AppError> {
    Ok(sqlx::query_as::<_, Report>(
        "SELECT r.at, r.body, u.display_name AS by_name FROM situation_reports r LEFT JOIN users u ON u.id = r.user_id \
         WHERE r.incident_id = $1 ORDER BY r.at DESC, r.id DESC",
    )
    .bind(id.get())
    .fetch_all(&db.pool)
    .await?)
}

/// The after-action review as a form sends it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReviewForm {
    pub went_well: String,
    pub to_improve: String,
    pub lessons: String,
}

/// The review of one incident, with the incident it belongs to (the archive's entries).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Review {
    pub incident_id: i64,
    pub title: String,
    pub drill: i64,
    pub went_well: String,
    pub to_improve: String,
    pub lessons: String,
    pub at: i64,
}

/// Writes the after-action review once the incident is closed; writing again replaces it.
pub async fn save_review(db: &Db, actor: &Actor, at: i64, id: IncidentId, f: &ReviewForm) -> Result<(), AppError> {
    let i = incident(db, actor, id).await?;
    actor.require(Action::EmergencyPlan, Some(&i.area_path))?;
    if i.active() {
        return Err(AppError::Conflict(FieldError::new("lessons", "errors.review.active")));
    }
    let mut e = FieldErrors::default();
    let went = e.check(wushe_domain::error::optional_text("went_well", &f.went_well, 4000));
    let improve = e.check(wushe_domain::error::optional_text("to_improve", &f.to_improve, 4000));
    let lessons = e.check(wushe_domain::error::text("lessons", &f.lessons, 4000));
    e.into_result()?;
    let mut tx = AuditedTx::begin(db, at).await?;
    sqlx::query("DELETE FROM incident_reviews WHERE incident_id = $1").bind(i.id.get()).execute(&mut *tx.tx).await?;
    sqlx::query(
        "INSERT INTO incident_reviews (community_id, incident_id, went_well, to_improve, lessons, user_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(i.community_id)
    .bind(i.id.get())
    .bind(went.expect("checked").unwrap_or_default())
    .bind(improve.expect("checked").unwrap_or_default())
    .bind(lessons.expect("checked"))
    .bind(actor.user_id)
    .bind(at)
    .execute(&mut *tx.tx)
    .await?;
    tx.record(actor, Some(i.community_id), "emergency.review", &format!("incident:{}", i.id), "").await?;
    tx.commit().await?;
    Ok(())
}

const REVIEW_COLS: &str = "r.incident_id, i.title, i.drill, r.went_well, r.to_improve, r.lessons, r.at";

pub async fn review_of(db: &Db, id: IncidentId) -> Result<Option<Review>, AppError> {
    Ok(sqlx::query_as::<_, Review>(crate::sql!(
        "SELECT {REVIEW_COLS} FROM incident_reviews r JOIN incidents i ON i.id = r.incident_id WHERE r.incident_id = $1"
    ))
    .bind(id.get())
    .fetch_optional(&db.pool)
    .await?)
}

/// The community's archive of lessons, newest first.
pub async fn archive(db: &Db, actor: &Actor, community: &Area) -> Result<Vec<Review>, AppError> {
    if !sees(actor, Action::EmergencyRead, &community.path) {
        return Err(AppError::NotFound);
    }
    Ok(sqlx::query_as::<_, Review>(crate::sql!(
        "SELECT {REVIEW_COLS} FROM incident_reviews r JOIN incidents i ON i.id = r.incident_id WHERE r.community_id = $1 ORDER BY r.at DESC"
    ))
    .bind(community.id)
    .fetch_all(&db.pool)
    .await?)
}

/// Each incident's and drill's timings, for comparing them (E6).
pub async fn timings_of(
    db: &Db,
    actor: &Actor,
    community: &Area,
) -> Result<Vec<(Incident, wushe_domain::emergency::Timings)>, AppError> {
    let list = super::queries::incidents(db, actor, community, 100).await?;
    let mut out = Vec::with_capacity(list.len());
    for i in list {
        let (first, last, total, reached): (Option<i64>, Option<i64>, i64, i64) = sqlx::query_as(
            "SELECT MIN(CASE WHEN result IN ('safe', 'needs_help') THEN recorded_at END), \
             MAX(CASE WHEN result IN ('safe', 'needs_help') THEN recorded_at END), COUNT(*), \
             COALESCE(SUM(CASE WHEN result IN ('safe', 'needs_help') THEN 1 ELSE 0 END), 0) FROM checkins WHERE incident_id = $1",
        )
        .bind(i.id.get())
        .fetch_one(&db.pool)
        .await?;
        let all = if total > 0 && reached == total { last } else { None };
        let t = wushe_domain::emergency::timings(i.declared_at, first, all, i.closed_at);
        out.push((i, t));
    }
    Ok(out)
}
