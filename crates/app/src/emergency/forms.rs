//! Raw emergency input, parsed into what the commands take; every error names its field.

use serde::Deserialize;
use wushe_domain::emergency::{CheckinResult, CheckinRules, Hazard, Severity};
use wushe_domain::{FieldError, FieldErrors};

fn text(field: &'static str, raw: &str, max: usize, required: bool) -> Result<String, FieldError> {
    let t = raw.trim();
    if required && t.is_empty() {
        Err(FieldError::new(field, "errors.required"))
    } else if t.chars().count() > max {
        Err(FieldError::new(field, "errors.too_long"))
    } else {
        Ok(t.to_string())
    }
}

/// A plan as a form sends it (E1).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PlanForm {
    pub hazard: String,
    pub title: String,
    pub roles: String,
    pub groups: Vec<String>,
    pub supplies: String,
    pub flags: Vec<String>,
    pub every_hours: String,
    pub within_minutes: String,
    pub per_volunteer: String,
    pub per_grid_worker: String,
    pub headline_zh: String,
    pub headline_en: String,
    pub instruction_zh: String,
    pub instruction_en: String,
    pub version: String,
}

/// A plan, parsed.
#[derive(Debug, Clone)]
pub struct NewPlan {
    pub hazard: Hazard,
    pub title: String,
    pub roles: String,
    pub groups: Vec<i64>,
    pub supplies: String,
    pub rules: CheckinRules,
    pub headline_zh: String,
    pub headline_en: String,
    pub instruction_zh: String,
    pub instruction_en: String,
}

impl PlanForm {
    pub fn parse(&self) -> Result<NewPlan, FieldErrors> {
        let mut e = FieldErrors::default();
        let hazard = e.check(Hazard::parse(&self.hazard));
        let title = e.check(text("title", &self.title, 80, true));
        let roles = e.check(text("roles", &self.roles, 4000, false));
        let supplies = e.check(text("supplies", &self.supplies, 4000, false));
        let headline_zh = e.check(text("headline_zh", &self.headline_zh, 160, true));
        let headline_en = e.check(text("headline_en", &self.headline_en, 160, true));
        let instruction_zh = e.check(text("instruction_zh", &self.instruction_zh, 2000, false));
        let instruction_en = e.check(text("instruction_en", &self.instruction_en, 2000, false));
        let groups: Result<Vec<i64>, _> = self
            .groups
            .iter()
            .filter(|g| !g.trim().is_empty())
            .map(|g| g.trim().parse::<i64>().map_err(|_| FieldError::new("groups", "errors.group.unknown")))
            .collect();
        let groups = e.check(groups);
        let or = |s: &str, d: &str| if s.trim().is_empty() { d.to_string() } else { s.to_string() };
        let d = CheckinRules::default();
        let rules = match CheckinRules::parse(
            &self.flags,
            &or(&self.every_hours, &d.every_hours.to_string()),
            &or(&self.within_minutes, &d.within_minutes.to_string()),
            &or(&self.per_volunteer, &d.per_volunteer.to_string()),
            &or(&self.per_grid_worker, &d.per_grid_worker.to_string()),
        ) {
            Ok(r) => Some(r),
            Err(errs) => {
                e.0.extend(errs);
                None
            }
        };
        e.into_result()?;
        Ok(NewPlan {
            hazard: hazard.expect("checked"),
            title: title.expect("checked"),
            roles: roles.expect("checked"),
            groups: groups.expect("checked"),
            supplies: supplies.expect("checked"),
            rules: rules.expect("checked"),
            headline_zh: headline_zh.expect("checked"),
            headline_en: headline_en.expect("checked"),
            instruction_zh: instruction_zh.expect("checked"),
            instruction_en: instruction_en.expect("checked"),
        })
    }
}

/// Declaring an incident or starting a drill (E2, E6): the plan's hazard, how bad, where
/// (grid codes; none: the whole community), and for a street officer the communities.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DeclareForm {
    pub hazard: String,
    pub severity: String,
    pub title: String,
    pub areas: Vec<String>,
    pub communities: Vec<String>,
    pub drill: String,
}

/// A declaration, parsed (the areas are resolved by the command, which knows the community).
#[derive(Debug, Clone)]
pub struct Declaration {
    pub hazard: Hazard,
    pub severity: Severity,
    pub title: String,
    pub areas: Vec<String>,
    pub drill: bool,
}

impl DeclareForm {
    pub fn parse(&self) -> Result<Declaration, FieldErrors> {
        let mut e = FieldErrors::default();
        let hazard = e.check(Hazard::parse(&self.hazard));
        let severity = e.check(Severity::parse(&self.severity));
        let title = e.check(text("title", &self.title, 80, false));
        e.into_result()?;
        let mut areas: Vec<String> =
            self.areas.iter().map(|a| a.trim().to_string()).filter(|a| !a.is_empty()).collect();
        areas.sort();
        areas.dedup();
        Ok(Declaration {
            hazard: hazard.expect("checked"),
            severity: severity.expect("checked"),
            title: title.expect("checked"),
            areas,
            drill: matches!(self.drill.trim(), "1" | "on" | "true"),
        })
    }
}

/// Changing an active incident's severity, which sends an alert update.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ChangeForm {
    pub severity: String,
    pub note: String,
}

/// Switching back to normal, with what happened and what was learned.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CloseForm {
    pub summary: String,
}

/// What a check-in found, from two taps: the result, and for "needs help" what is needed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ResultForm {
    pub result: String,
    pub note: String,
}

impl ResultForm {
    pub fn parse(&self) -> Result<(CheckinResult, String), FieldErrors> {
        let mut e = FieldErrors::default();
        let result = e.check(CheckinResult::parse(&self.result));
        let note = e.check(text("note", &self.note, 2000, false));
        e.into_result()?;
        Ok((result.expect("checked"), note.expect("checked")))
    }
}
