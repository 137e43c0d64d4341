//! E2 — the switch between normal and emergency mode: declaring an incident (or starting a
//! drill) for a community's areas, changing its severity, closing it with a summary. Each is
//! one transaction with its mode-log entry, its alert (a CAP message, and notifications to the
//! people it reaches) and, on declaring, a check-in for every vulnerable resident, dispatched.

use super::checkins::{Dispatched, Place, Prepared, open_for, prepare};
use super::forms::{ChangeForm, CloseForm, DeclareForm};
use super::model::{ALERT_COLS, Alert, INCIDENT_COLS, Incident, Plan};
use super::places::Map;
use crate::areas::{self, Area};
use crate::audit::AuditedTx;
use crate::{Actor, AppError, Db, notifications, volunteers};
use wushe_domain::FieldError;
use wushe_domain::access::Action;
use wushe_domain::areas::AreaKind;
use wushe_domain::emergency::{AlertKind, IncidentEvent, IncidentStatus, Mode, Severity};
use wushe_domain::ids::IncidentId;

/// What a declaration did in one community.
#[derive(Debug, Clone)]
pub struct Declared {
    pub incident: Incident,
    pub checkins: usize,
    pub dispatched: Dispatched,
    pub alerted: usize,
}

/// Declares an incident (or starts a drill) in each of `communities` at once: a community
/// admin for their own, a street officer for several of their street. Each community gets
/// its own incident on its plan for the hazard; together they share a batch.
pub async fn declare(
    db: &Db,
    actor: &Actor,
    at: i64,
    communities: &[Area],
    form: &DeclareForm,
) -> Result<Vec<Declared>, AppError> {
    let d = form.parse()?;
    if communities.is_empty() {
        return Err(FieldError::new("communities", "errors.required").into());
    }
    for c in communities {
        actor.require(Action::EmergencyDeclare, Some(&c.path))?;
    }
    let batch = format!("{at}-{}", actor.user_id.unwrap_or(0));
    // A number in two of the communities is texted once for the whole declaration.
    let mut texted: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut out = Vec::new();
    let mut chosen: Vec<(Area, Vec<Area>)> = Vec::new();
    for community in communities {
        // Grids named must be this community's; with several communities, each takes those
        // that are its own, and all of itself when none is.
        let mut paths = Vec::new();
        for code in &d.areas {
            match areas::by_code_cached(db, code).await {
                Ok(a) if a.path.starts_with(&community.path) && a.kind != AreaKind::Community => paths.push(a),
                Ok(a) if communities.len() > 1 && communities.iter().any(|c| a.path.starts_with(&c.path)) => {}
                _ => return Err(FieldError::new("areas", "errors.area.unknown").into()),
            }
        }
        if paths.is_empty() {
            paths.push(community.clone());
        }
        chosen.push((community.clone(), paths));
    }
    // Each community's check-ins are worked out at once, side by side (reads and the
    // optimiser); the writes then follow one community at a time.
    let mut work = tokio::task::JoinSet::new();
    for (k, (community, places)) in chosen.iter().cloned().enumerate() {
        let (db, hazard, drill) = (db.clone(), d.hazard, d.drill);
        work.spawn(async move {
            let plan = super::plans::plan_for(&db, community.id, hazard).await?;
            let map = Map::of(&db, community.id, &community.path).await?;
            let paths: Vec<String> = places.iter().map(|a| a.path.clone()).collect();
            let place = Place { community_id: community.id, path: &community.path, drill, incident: None };
            let prepared = prepare(&db, &place, plan.as_ref(), &paths, &map, at).await?;
            Ok::<_, AppError>((k, plan, prepared))
        });
    }
    // All are worked out before the first write: writing while the others still read and
    // optimise made both slower on two cores (docs/benchmarks.md).
    let mut ready = Vec::with_capacity(chosen.len());
    while let Some(done) = work.join_next().await {
        ready.push(done.map_err(|e| AppError::Internal(e.to_string()))??);
    }
    ready.sort_by_key(|r| r.0);
    for ((community, places), (_, plan, prepared)) in chosen.iter().zip(ready) {
        out.push(
            declare_one(db, actor, at, community, places, plan.as_ref(), &d, &batch, &prepared, &mut texted).await?,
        );
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
async fn declare_one(
    db: &Db,
    actor: &Actor,
    at: i64,
    community: &Area,
    places: &[Area],
    plan: Option<&Plan>,
    d: &super::forms::Declaration,
    batch: &str,
    prepared: &Prepared,
    texted: &mut std::collections::HashSet<String>,
) -> Result<Declared, AppError> {
    let title = if d.title.is_empty() { plan.map(|p| p.title.clone()).unwrap_or_default() } else { d.title.clone() };
    let title = if title.is_empty() { d.hazard.code().to_string() } else { title };
    let mut tx = AuditedTx::begin(db, at).await?;
    let taken: Option<(i64,)> =
        sqlx::query_as("SELECT id FROM incidents WHERE community_id = $1 AND drill = $2 AND status = 'active'")
            .bind(community.id)
            .bind(i64::from(d.drill))
            .fetch_optional(&mut *tx.tx)
            .await?;
    if taken.is_some() {
        return Err(AppError::Conflict(FieldError::new("hazard", "errors.incident.active")));
    }
    let incident = sqlx::query_as::<_, Incident>(crate::sql!(
        "INSERT INTO incidents (community_id, area_path, plan_id, hazard, severity, drill, status, title, batch, declared_by, declared_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $8, $9, $10) RETURNING {INCIDENT_COLS}"
    ))
    .bind(community.id)
    .bind(&community.path)
    .bind(plan.map(|p| p.id.get()))
    .bind(d.hazard.code())
    .bind(d.severity.code())
    .bind(i64::from(d.drill))
    .bind(&title)
    .bind(batch)
    .bind(actor.user_id)
    .bind(at)
    .fetch_one(&mut *tx.tx)
    .await?;
    for a in places {
        sqlx::query(
            "INSERT INTO incident_areas (community_id, incident_id, area_id, area_path) VALUES ($1, $2, $3, $4)",
        )
        .bind(community.id)
        .bind(incident.id.get())
        .bind(a.id)
        .bind(&a.path)
        .execute(&mut *tx.tx)
        .await?;
    }
    let names: Vec<&str> = places.iter().map(|a| a.name.as_str()).collect();
    log(&mut tx, &incident, actor, at, "declared", Mode::Emergency, d.severity, &names.join("、")).await?;
    let paths: Vec<String> = places.iter().map(|a| a.path.clone()).collect();
    let alerted = alert(&mut tx, &incident, plan, AlertKind::Alert, d.severity, &paths, "", at, texted).await?;
    let (checkins, dispatched) = open_for(&mut tx, &incident, prepared, at).await?;
    let what = if d.drill { "emergency.drill" } else { "emergency.declare" };
    tx.record(actor, Some(community.id), what, &format!("incident:{}", incident.id), d.hazard.code()).await?;
    tx.commit().await?;
    super::live::touch(db, incident.id);
    forget_mode(db, community.id);
    Ok(Declared { incident, checkins, dispatched, alerted })
}

/// Appends to the mode log.
#[allow(clippy::too_many_arguments)]
async fn log(
    tx: &mut AuditedTx<'_>,
    i: &Incident,
    actor: &Actor,
    at: i64,
    kind: &str,
    mode: Mode,
    severity: Severity,
    detail: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO incident_log (community_id, incident_id, at, user_id, kind, mode, severity, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(i.community_id)
    .bind(i.id.get())
    .bind(at)
    .bind(actor.user_id)
    .bind(kind)
    .bind(mode.code())
    .bind(severity.code())
    .bind(detail)
    .execute(&mut *tx.tx)
    .await?;
    Ok(())
}

/// Sends an alert of the incident: stores the CAP message (an update or cancel names the
/// last one it replaces) and notifies who it reaches. A real alert reaches everyone with an
/// account in the areas and the staff above them; a drill's only the staff and the plan's
/// volunteer groups, never the public. Returns how many people it reached.
#[allow(clippy::too_many_arguments)]
async fn alert(
    tx: &mut AuditedTx<'_>,
    i: &Incident,
    plan: Option<&Plan>,
    kind: AlertKind,
    severity: Severity,
    paths: &[String],
    note: &str,
    at: i64,
    texted: &mut std::collections::HashSet<String>,
) -> Result<usize, AppError> {
    let last: Option<(i64, i64)> =
        sqlx::query_as("SELECT id, (SELECT COUNT(*) FROM emergency_alerts WHERE incident_id = $1) FROM emergency_alerts WHERE incident_id = $1 ORDER BY id DESC LIMIT 1")
            .bind(i.id.get())
            .fetch_optional(&mut *tx.tx)
            .await?;
    let n = last.map(|l| l.1).unwrap_or(0) + 1;
    let code = i.area_path.trim_end_matches('/').rsplit('/').next().unwrap_or("").to_string();
    let identifier = format!("wushe-{code}-{}-{n}", i.id);
    let (hz, he, iz, ie) = match plan {
        Some(p) => (p.headline_zh.clone(), p.headline_en.clone(), p.instruction_zh.clone(), p.instruction_en.clone()),
        None => (i.title.clone(), i.title.clone(), String::new(), String::new()),
    };
    let mut users: Vec<i64> = Vec::new();
    if i.is_drill() {
        users.extend(notifications::responsible_for(&mut tx.tx, &i.area_path).await?);
        let groups = plan.map(Plan::groups).unwrap_or_default();
        if !groups.is_empty() {
            users
                .extend(volunteers::on_call(&mut tx.tx, i.community_id, &groups).await?.into_iter().map(|v| v.user_id));
        }
    } else {
        for p in paths {
            users.extend(notifications::responsible_for(&mut tx.tx, p).await?);
            users.extend(crate::accounts::users_inside(&mut tx.tx, p).await?);
        }
    }
    users.sort_unstable();
    users.dedup();
    sqlx::query(
        "INSERT INTO emergency_alerts (community_id, incident_id, identifier, kind, replaces, drill, severity, headline_zh, headline_en, \
         description_zh, description_en, instruction_zh, instruction_en, recipients, sent_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(i.community_id)
    .bind(i.id.get())
    .bind(&identifier)
    .bind(kind.code())
    .bind(last.map(|l| l.0))
    .bind(i.drill)
    .bind(severity.code())
    .bind(&hz)
    .bind(&he)
    .bind(note)
    .bind(note)
    .bind(&iz)
    .bind(&ie)
    .bind(users.len() as i64)
    .bind(at)
    .execute(&mut *tx.tx)
    .await?;
    let (hz_text, iz_text) = (hz.clone(), iz.clone());
    let msg = notifications::Message {
        community_id: Some(i.community_id),
        kind: match kind {
            AlertKind::Alert => "alert",
            AlertKind::Update => "alert_update",
            AlertKind::Cancel => "alert_cancel",
        },
        need_id: None,
        title: hz,
        body: iz,
    };
    notifications::queue_many(&mut tx.tx, at, &[(users.clone(), msg)]).await?;
    // A real alert also goes by SMS to every resident with a phone in the areas, once per
    // number: those whose account was just notified already have it.
    let mut sent_sms = 0;
    if !i.is_drill() {
        let mut phones = Vec::new();
        for p in paths {
            phones.extend(crate::people::phones_in(&mut tx.tx, i.community_id, p).await?);
        }
        let notified: std::collections::HashSet<String> =
            crate::accounts::phones_of(&mut tx.tx, &users).await?.into_iter().collect();
        phones.retain(|p| !notified.contains(p) && texted.insert(p.clone()));
        let body = if iz_text.is_empty() { hz_text.clone() } else { format!("{hz_text} {iz_text}") };
        sent_sms = notifications::broadcast(
            &mut tx.tx,
            at,
            Some(i.community_id),
            "alert",
            &format!("alert:{identifier}"),
            &body,
            &phones,
        )
        .await?;
    }
    Ok(users.len() + sent_sms)
}

async fn active(db: &Db, actor: &Actor, id: IncidentId) -> Result<Incident, AppError> {
    let i = super::access::incident(db, actor, id).await?;
    actor.require(Action::EmergencyDeclare, Some(&i.area_path))?;
    Ok(i)
}

async fn areas_of(db: &Db, i: &Incident) -> Result<Vec<String>, AppError> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT area_path FROM incident_areas WHERE incident_id = $1 ORDER BY area_path")
            .bind(i.id.get())
            .fetch_all(&db.pool)
            .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Changes an active incident's severity; an alert update goes out.
pub async fn change(db: &Db, actor: &Actor, at: i64, id: IncidentId, form: &ChangeForm) -> Result<Incident, AppError> {
    let i = active(db, actor, id).await?;
    let severity = Severity::parse(&form.severity)?;
    let note = form.note.trim();
    if note.chars().count() > 2000 {
        return Err(FieldError::new("note", "errors.too_long").into());
    }
    i.status.apply(&IncidentEvent::Change).map_err(|r| AppError::Conflict(FieldError::new("status", r.0)))?;
    let plan = super::plans::of_incident(db, &i).await?;
    let paths = areas_of(db, &i).await?;
    let mut tx = AuditedTx::begin(db, at).await?;
    bump(&mut tx, &i, "active", severity, None, "").await?;
    log(&mut tx, &i, actor, at, "changed", Mode::Emergency, severity, note).await?;
    alert(&mut tx, &i, plan.as_ref(), AlertKind::Update, severity, &paths, note, at, &mut Default::default()).await?;
    tx.record(actor, Some(i.community_id), "emergency.change", &format!("incident:{}", i.id), severity.code()).await?;
    tx.commit().await?;
    super::live::touch(db, i.id);
    super::access::incident(db, actor, id).await
}

/// Switches back to normal: an explicit act with a summary, logged, with a cancel alert.
pub async fn close(db: &Db, actor: &Actor, at: i64, id: IncidentId, form: &CloseForm) -> Result<Incident, AppError> {
    let i = active(db, actor, id).await?;
    let summary = form.summary.trim().to_string();
    if summary.chars().count() > 4000 {
        return Err(FieldError::new("summary", "errors.too_long").into());
    }
    i.status.apply(&IncidentEvent::Close { summary: summary.clone() }).map_err(|r| match r.0 {
        "errors.incident.summary" => AppError::Invalid(FieldError::new("summary", r.0).into()),
        k => AppError::Conflict(FieldError::new("status", k)),
    })?;
    let plan = super::plans::of_incident(db, &i).await?;
    let paths = areas_of(db, &i).await?;
    let mut tx = AuditedTx::begin(db, at).await?;
    bump(&mut tx, &i, IncidentStatus::Closed.code(), i.severity, Some((actor.user_id, at)), &summary).await?;
    log(&mut tx, &i, actor, at, "closed", Mode::Normal, i.severity, &summary).await?;
    alert(&mut tx, &i, plan.as_ref(), AlertKind::Cancel, i.severity, &paths, &summary, at, &mut Default::default())
        .await?;
    tx.record(actor, Some(i.community_id), "emergency.close", &format!("incident:{}", i.id), "").await?;
    tx.commit().await?;
    super::live::touch(db, i.id);
    forget_mode(db, i.community_id);
    super::access::incident(db, actor, id).await
}

async fn bump(
    tx: &mut AuditedTx<'_>,
    i: &Incident,
    status: &str,
    severity: Severity,
    closed: Option<(Option<i64>, i64)>,
    summary: &str,
) -> Result<(), AppError> {
    let done = sqlx::query(
        "UPDATE incidents SET status = $1, severity = $2, closed_by = COALESCE($3, closed_by), closed_at = COALESCE($4, closed_at), \
         summary = CASE WHEN $5 = '' THEN summary ELSE $5 END, version = version + 1 WHERE id = $6 AND version = $7",
    )
    .bind(status)
    .bind(severity.code())
    .bind(closed.and_then(|c| c.0))
    .bind(closed.map(|c| c.1))
    .bind(summary)
    .bind(i.id.get())
    .bind(i.version)
    .execute(&mut *tx.tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::Conflict(FieldError::new("version", "errors.stale_version")));
    }
    Ok(())
}

/// The alerts of an incident, oldest first.
pub async fn alerts_of(db: &Db, id: IncidentId) -> Result<Vec<Alert>, AppError> {
    Ok(sqlx::query_as::<_, Alert>(crate::sql!(
        "SELECT {ALERT_COLS} FROM emergency_alerts WHERE incident_id = $1 ORDER BY id"
    ))
    .bind(id.get())
    .fetch_all(&db.pool)
    .await?)
}

/// The active incidents by community, kept a few seconds: every page asks for its banner.
#[derive(Default)]
struct ModeCache(std::sync::Mutex<std::collections::HashMap<i64, (std::time::Instant, Vec<Incident>)>>);

const MODE_TTL: std::time::Duration = std::time::Duration::from_secs(5);

fn forget_mode(db: &Db, community_id: i64) {
    db.caches.get::<ModeCache>().0.lock().unwrap_or_else(|p| p.into_inner()).remove(&community_id);
}

/// The community's active incidents (a real one and a drill at most), from a short cache.
pub async fn active_in(db: &Db, community_id: i64) -> Result<Vec<Incident>, AppError> {
    let cache = db.caches.get::<ModeCache>();
    if let Some((t, v)) = cache.0.lock().unwrap_or_else(|p| p.into_inner()).get(&community_id)
        && t.elapsed() < MODE_TTL
    {
        return Ok(v.clone());
    }
    let list = sqlx::query_as::<_, Incident>(crate::sql!(
        "SELECT {INCIDENT_COLS} FROM incidents WHERE community_id = $1 AND status = 'active' ORDER BY drill, id"
    ))
    .bind(community_id)
    .fetch_all(&db.pool)
    .await?;
    cache.0.lock().unwrap_or_else(|p| p.into_inner()).insert(community_id, (std::time::Instant::now(), list.clone()));
    Ok(list)
}
