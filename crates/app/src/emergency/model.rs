//! Emergency records as stored, read with `FromRow` by column name.

use wushe_domain::dispatch::Skill;
use wushe_domain::emergency::{
    AlertKind, CheckinResult, CheckinRules, CheckinStatus, Hazard, IncidentStatus, Severity,
};
use wushe_domain::ids::{CheckinId, IncidentId, PlanId};
use wushe_domain::people::Vulnerabilities;

/// A community's plan for one hazard (E1).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Plan {
    #[sqlx(try_from = "i64")]
    pub id: PlanId,
    pub community_id: i64,
    #[sqlx(try_from = "String")]
    pub hazard: Hazard,
    pub title: String,
    pub roles: String,
    pub group_ids: String,
    pub supplies: String,
    pub checkin_flags: String,
    pub checkin_every_hours: i64,
    pub checkin_within_minutes: i64,
    pub per_volunteer: i64,
    pub per_grid_worker: i64,
    pub headline_zh: String,
    pub headline_en: String,
    pub instruction_zh: String,
    pub instruction_en: String,
    pub version: i64,
}

pub(crate) const PLAN_COLS: &str = "id, community_id, hazard, title, roles, group_ids, supplies, checkin_flags, \
    checkin_every_hours, checkin_within_minutes, per_volunteer, per_grid_worker, headline_zh, headline_en, \
    instruction_zh, instruction_en, version";

impl Plan {
    /// The check-in rules as the domain reads them.
    pub fn rules(&self) -> CheckinRules {
        CheckinRules {
            flags: Vulnerabilities::parse_list(&self.checkin_flags).unwrap_or_default(),
            every_hours: self.checkin_every_hours,
            within_minutes: self.checkin_within_minutes,
            per_volunteer: self.per_volunteer.clamp(0, 1000) as u32,
            per_grid_worker: self.per_grid_worker.clamp(0, 1000) as u32,
        }
    }

    /// The duties, one "role：holder" per line, split at the first colon.
    pub fn duties(&self) -> Vec<(String, String)> {
        self.roles
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| match l.split_once(['：', ':']) {
                Some((r, h)) => (r.trim().to_string(), h.trim().to_string()),
                None => (l.to_string(), String::new()),
            })
            .collect()
    }

    pub fn supply_list(&self) -> Vec<String> {
        self.supplies.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
    }

    pub fn groups(&self) -> Vec<i64> {
        self.group_ids.split_whitespace().filter_map(|g| g.parse().ok()).collect()
    }
}

/// An incident or a drill (E2, E6).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Incident {
    #[sqlx(try_from = "i64")]
    pub id: IncidentId,
    pub community_id: i64,
    pub area_path: String,
    pub plan_id: Option<i64>,
    #[sqlx(try_from = "String")]
    pub hazard: Hazard,
    #[sqlx(try_from = "String")]
    pub severity: Severity,
    pub drill: i64,
    #[sqlx(try_from = "String")]
    pub status: IncidentStatus,
    pub title: String,
    pub batch: String,
    pub declared_by: Option<i64>,
    pub declared_at: i64,
    pub closed_by: Option<i64>,
    pub closed_at: Option<i64>,
    pub summary: String,
    pub version: i64,
}

pub(crate) const INCIDENT_COLS: &str = "id, community_id, area_path, plan_id, hazard, severity, drill, status, title, \
    batch, declared_by, declared_at, closed_by, closed_at, summary, version";

impl Incident {
    pub fn is_drill(&self) -> bool {
        self.drill != 0
    }
    pub fn active(&self) -> bool {
        self.status == IncidentStatus::Active
    }
}

/// One entry of the mode log: declared, changed, closed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LogEntry {
    pub at: i64,
    pub user_id: Option<i64>,
    pub kind: String,
    pub mode: String,
    #[sqlx(try_from = "String")]
    pub severity: Severity,
    pub detail: String,
    /// Who acted, joined from `users`.
    pub by_name: Option<String>,
}

/// An alert as sent: one CAP 1.2 message.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Alert {
    pub id: i64,
    pub community_id: i64,
    pub incident_id: i64,
    pub identifier: String,
    #[sqlx(try_from = "String")]
    pub kind: AlertKind,
    pub replaces: Option<i64>,
    pub drill: i64,
    #[sqlx(try_from = "String")]
    pub severity: Severity,
    pub headline_zh: String,
    pub headline_en: String,
    pub description_zh: String,
    pub description_en: String,
    pub instruction_zh: String,
    pub instruction_en: String,
    pub recipients: i64,
    pub sent_at: i64,
}

pub(crate) const ALERT_COLS: &str = "id, community_id, incident_id, identifier, kind, replaces, drill, severity, \
    headline_zh, headline_en, description_zh, description_en, instruction_zh, instruction_en, recipients, sent_at";

/// A check-in on one vulnerable resident (E3).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Checkin {
    #[sqlx(try_from = "i64")]
    pub id: CheckinId,
    pub community_id: i64,
    pub incident_id: i64,
    pub person_id: i64,
    pub area_path: String,
    pub grid_path: String,
    pub x: i64,
    pub y: i64,
    #[sqlx(try_from = "String")]
    pub skill: Skill,
    pub priority: i64,
    #[sqlx(try_from = "String")]
    pub status: CheckinStatus,
    pub assignee_user_id: Option<i64>,
    pub dispatched_at: Option<i64>,
    pub due_at: Option<i64>,
    pub result: Option<String>,
    pub note: String,
    pub need_id: Option<i64>,
    pub recorded_by: Option<i64>,
    pub recorded_at: Option<i64>,
    pub version: i64,
}

pub(crate) const CHECKIN_COLS: &str = "id, community_id, incident_id, person_id, area_path, grid_path, x, y, skill, \
    priority, status, assignee_user_id, dispatched_at, due_at, result, note, need_id, recorded_by, recorded_at, version";

impl Checkin {
    pub fn result(&self) -> Option<CheckinResult> {
        self.result.as_deref().and_then(|r| CheckinResult::parse(r).ok())
    }
}
