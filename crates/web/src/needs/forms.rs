//! The need page's forms as typed structs: each field named once, raw text handed to the
//! domain's parsers, which name the field that is wrong.

use serde::Deserialize;
use wushe_app::AppError;
use wushe_app::needs::{Assignee, Step, Whistling};
use wushe_domain::FieldError;
use wushe_domain::needs::EventKind;

fn number(raw: &str, field: &'static str, key: &'static str) -> Result<i64, FieldError> {
    raw.trim().parse::<i64>().map_err(|_| FieldError::new(field, key))
}

/// One workflow step (accept, assign, resolve, merge, comment…).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StepForm {
    event: String,
    version: String,
    note: String,
    assignee: String,
    rating: String,
    merge_into: String,
}

impl StepForm {
    pub fn parse(self) -> Result<Step, AppError> {
        let event = EventKind::parse(&self.event)?;
        let version = number(&self.version, "version", "errors.required")?;
        let assignee = match self.assignee.trim() {
            "" => None,
            a => Some(Assignee::parse(a)?),
        };
        let merge_into = match self.merge_into.trim().trim_start_matches('#') {
            "" => None,
            m => Some(number(m, "merge_into", "errors.need.unknown")?),
        };
        Ok(Step { event, version, note: self.note, assignee, rating: self.rating, merge_into })
    }
}

/// 吹哨: the organizations whistled, the hours they have to report, why.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WhistleForm {
    organizations: Vec<String>,
    hours: String,
    version: String,
    note: String,
}

impl WhistleForm {
    pub fn parse(self) -> Result<Whistling, AppError> {
        let organizations = self.organizations.iter().filter_map(|o| o.trim().parse().ok()).collect();
        let hours = number(&self.hours, "hours", "errors.hours.range")?;
        let version = number(&self.version, "version", "errors.required")?;
        Ok(Whistling { version, organizations, hours, note: self.note })
    }
}

/// Grouping similar needs into one common need.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct GroupForm {
    pub title: String,
    needs: Vec<String>,
}

impl GroupForm {
    /// The needs to group: this one and those ticked.
    pub fn members(&self, this: i64) -> Vec<i64> {
        std::iter::once(this).chain(self.needs.iter().filter_map(|n| n.trim().parse().ok())).collect()
    }
}

/// 报到: an organization reports to a whistle.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReportForm {
    organization_id: String,
    pub note: String,
}

impl ReportForm {
    pub fn organization(&self) -> Result<i64, AppError> {
        Ok(number(&self.organization_id, "organization", "errors.organization.unknown")?)
    }
}
