//! What the emergency pages read: a community's incidents and their mode log, and the
//! situation board — check-in progress by grid, who is unreached, open emergency needs, who
//! is on duty.

use super::access::sees;
use super::checkins::{Visit, visits};
use super::model::{CHECKIN_COLS, Checkin, INCIDENT_COLS, Incident, LogEntry};
use crate::areas::Area;
use crate::{Actor, AppError, Db, accounts, areas, needs};
use std::collections::BTreeMap;
use wushe_domain::access::Action;
use wushe_domain::emergency::{Timings, timings};
use wushe_domain::ids::IncidentId;

/// The community's incidents and drills, newest first.
pub async fn incidents(db: &Db, actor: &Actor, community: &Area, limit: i64) -> Result<Vec<Incident>, AppError> {
    if !sees(actor, Action::EmergencyRead, &community.path) {
        return Err(AppError::NotFound);
    }
    Ok(sqlx::query_as::<_, Incident>(crate::sql!(
        "SELECT {INCIDENT_COLS} FROM incidents WHERE community_id = $1 ORDER BY declared_at DESC, id DESC LIMIT $2"
    ))
    .bind(community.id)
    .bind(limit.clamp(1, 500))
    .fetch_all(&db.pool)
    .await?)
}

/// The mode log of an incident, in order.
pub async fn log_of(db: &Db, id: IncidentId) -> Result<Vec<LogEntry>, AppError> {
    Ok(sqlx::query_as::<_, LogEntry>(
        "SELECT l.at, l.user_id, l.kind, l.mode, l.severity, l.detail, u.display_name AS by_name FROM incident_log l \
         LEFT JOIN users u ON u.id = l.user_id WHERE l.incident_id = $1 ORDER BY l.at, l.id",
    )
    .bind(id.get())
    .fetch_all(&db.pool)
    .await?)
}

/// Check-ins of one grid, by where they stand.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GridProgress {
    pub path: String,
    pub code: String,
    pub name: String,
    pub total: i64,
    pub open: i64,
    pub dispatched: i64,
    pub safe: i64,
    pub needs_help: i64,
    pub unreached: i64,
}

impl GridProgress {
    /// Residents seen (safe or needing help), out of all.
    pub fn reached(&self) -> i64 {
        self.safe + self.needs_help
    }
    /// Counts `n` check-ins of a status and result, as stored.
    fn add(&mut self, status: &str, result: Option<&str>, n: i64) {
        self.total += n;
        match (status, result) {
            ("open", _) => self.open += n,
            ("dispatched", _) => self.dispatched += n,
            (_, Some("safe")) => self.safe += n,
            (_, Some("needs_help")) => self.needs_help += n,
            _ => self.unreached += n,
        }
    }

    pub fn percent(&self) -> i64 {
        if self.total == 0 { 100 } else { self.reached() * 100 / self.total }
    }
}

/// Someone on duty and the visits they hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnDuty {
    pub user_id: i64,
    pub name: String,
    pub visits: i64,
}

/// The situation board of an incident.
#[derive(Debug, Clone)]
pub struct Board {
    pub incident: Incident,
    pub areas: Vec<Area>,
    pub grids: Vec<GridProgress>,
    pub total: GridProgress,
    /// Open urgent needs since the declaration: (id, title, status, created).
    pub needs: Vec<(i64, String, String, i64)>,
    pub on_duty: Vec<OnDuty>,
    /// Residents not reached, or not yet visited, with their details: only for a reader on
    /// duty while the incident lasts (the view is audited); empty for everyone else.
    pub unreached: Vec<Visit>,
    /// Whether the reader is on duty here (sees the list above).
    pub on_duty_reader: bool,
    pub timings: Timings,
    /// Changes since the board was drawn are after this mark (see [`stamp`]).
    pub stamp: i64,
}

/// A number that grows with every change to the incident: boards compare it to redraw.
pub async fn stamp(db: &Db, id: IncidentId) -> Result<i64, AppError> {
    let (a, b, c): (i64, i64, i64) = sqlx::query_as(
        "SELECT COALESCE((SELECT MAX(id) FROM checkin_events WHERE incident_id = $1), 0), \
         COALESCE((SELECT COUNT(*) FROM emergency_alerts WHERE incident_id = $1), 0), \
         COALESCE((SELECT version FROM incidents WHERE id = $1), 0)",
    )
    .bind(id.get())
    .fetch_one(&db.pool)
    .await?;
    Ok(a * 1000 + b * 10 + c)
}

/// The board as `actor` may see it.
pub async fn board(db: &Db, actor: &Actor, at: i64, id: IncidentId) -> Result<Board, AppError> {
    let incident = super::access::incident(db, actor, id).await?;
    let mark = stamp(db, id).await?;
    let area_rows: Vec<(i64,)> =
        sqlx::query_as("SELECT area_id FROM incident_areas WHERE incident_id = $1 ORDER BY area_path")
            .bind(id.get())
            .fetch_all(&db.pool)
            .await?;
    let ids: Vec<i64> = area_rows.into_iter().map(|r| r.0).collect();
    let mut places: Vec<Area> = areas::by_ids(db, &ids).await?.into_values().collect();
    places.sort_by(|a, b| a.path.cmp(&b.path));
    let rows: Vec<(String, String, Option<String>, i64)> = sqlx::query_as(
        "SELECT grid_path, status, result, COUNT(*) FROM checkins WHERE incident_id = $1 GROUP BY grid_path, status, result",
    )
    .bind(id.get())
    .fetch_all(&db.pool)
    .await?;
    let mut by_grid: BTreeMap<String, GridProgress> = BTreeMap::new();
    let mut total = GridProgress::default();
    for (grid, status, result, n) in rows {
        let g = by_grid.entry(grid.clone()).or_insert_with(|| GridProgress { path: grid, ..Default::default() });
        for p in [&mut *g, &mut total] {
            p.add(&status, result.as_deref(), n);
        }
    }
    let codes: Vec<String> =
        by_grid.keys().map(|p| p.trim_end_matches('/').rsplit('/').next().unwrap_or("").to_string()).collect();
    let named = areas::by_codes(db, &codes).await?;
    let mut grids: Vec<GridProgress> = by_grid.into_values().collect();
    for g in &mut grids {
        if let Some(a) = named.iter().find(|a| a.path == g.path) {
            g.code = a.code.clone();
            g.name = a.name.clone();
        }
    }
    let staff = actor.can(Action::NeedRead, Some(&incident.area_path))
        || actor.grants.reaches(Action::NeedRead, &incident.area_path);
    let needs =
        if staff { needs::urgent_open_since(db, &incident.area_path, incident.declared_at, 50).await? } else { vec![] };
    let duty: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT assignee_user_id, COUNT(*) FROM checkins WHERE incident_id = $1 AND status = 'dispatched' GROUP BY assignee_user_id ORDER BY assignee_user_id",
    )
    .bind(id.get())
    .fetch_all(&db.pool)
    .await?;
    let people: Vec<i64> = duty.iter().map(|d| d.0).collect();
    let names = accounts::display_names(db, &people).await?;
    let on_duty = if staff {
        duty.into_iter()
            .map(|(u, n)| OnDuty { user_id: u, name: names.get(&u).cloned().unwrap_or_default(), visits: n })
            .collect()
    } else {
        vec![]
    };
    // The list of names is for those on duty in the area while the incident lasts.
    let on_duty_reader = incident.active() && actor.grants.reaches(Action::NeedRecord, &incident.area_path);
    let unreached = if on_duty_reader {
        let subtrees = actor.subtrees(Action::NeedRecord);
        let rows = sqlx::query_as::<_, Checkin>(crate::sql!(
            "SELECT {CHECKIN_COLS} FROM checkins WHERE incident_id = $1 AND (status <> 'done' OR result = 'unreached') ORDER BY priority DESC, id LIMIT 200"
        ))
        .bind(id.get())
        .fetch_all(&db.pool)
        .await?;
        let rows = rows.into_iter().filter(|c| subtrees.iter().any(|s| c.area_path.starts_with(s.as_str()))).collect();
        visits(db, actor, at, rows).await?
    } else {
        vec![]
    };
    let (first, last_reached): (Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT MIN(recorded_at), MAX(recorded_at) FROM checkins WHERE incident_id = $1 AND result IN ('safe', 'needs_help')",
    )
    .bind(id.get())
    .fetch_one(&db.pool)
    .await?;
    let all_reached = if total.total > 0 && total.reached() == total.total { last_reached } else { None };
    let timings = timings(incident.declared_at, first, all_reached, incident.closed_at);
    Ok(Board { incident, areas: places, grids, total, needs, on_duty, unreached, on_duty_reader, timings, stamp: mark })
}

/// One active incident of a street, with its check-in figures (the street's situation board).
#[derive(Debug, Clone)]
pub struct StreetLine {
    pub incident: Incident,
    pub progress: GridProgress,
}

/// The active incidents of every community in the street and their progress, in two queries
/// whatever the number of communities.
pub async fn street_board(db: &Db, actor: &Actor, street: &Area) -> Result<Vec<StreetLine>, AppError> {
    if !actor.operator && !actor.grants.reaches(Action::EmergencyRead, &street.path) {
        return Err(AppError::NotFound);
    }
    let upper = crate::db::upper(&street.path);
    let active = sqlx::query_as::<_, Incident>(crate::sql!(
        "SELECT {INCIDENT_COLS} FROM incidents WHERE status = 'active' AND area_path >= $1 AND area_path < $2 ORDER BY area_path, drill, id"
    ))
    .bind(&street.path)
    .bind(&upper)
    .fetch_all(&db.pool)
    .await?;
    let rows: Vec<(i64, String, Option<String>, i64)> = sqlx::query_as(
        "SELECT c.incident_id, c.status, c.result, COUNT(*) FROM checkins c JOIN incidents i ON i.id = c.incident_id \
         WHERE i.status = 'active' AND i.area_path >= $1 AND i.area_path < $2 GROUP BY c.incident_id, c.status, c.result",
    )
    .bind(&street.path)
    .bind(&upper)
    .fetch_all(&db.pool)
    .await?;
    Ok(active
        .into_iter()
        .map(|i| {
            let mut p = GridProgress { path: i.area_path.clone(), ..Default::default() };
            for (_, status, result, n) in rows.iter().filter(|r| r.0 == i.id.get()) {
                p.add(status, result.as_deref(), *n);
            }
            StreetLine { incident: i, progress: p }
        })
        .collect())
}
