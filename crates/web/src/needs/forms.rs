//! The need page's forms as typed structs: each field named once, raw text handed to the
//! domain's parsers, which name the field that is wrong.

use serde::Deserialize;
use wushe_app::AppError;
use wushe_app::needs::{Assignee, Step, Whistling};
use wushe_domain::FieldError;
use wushe_domain::ids::NeedId;
use wushe_domain::needs::EventKind;

fn number(raw: &str, field: &'static str, key: &'static str) -> Result<i64, FieldError> {
    raw.trim().parse::<i64>().map_err(|_| FieldError::new(field, key))
}

/// One workflow step (accept, assign, resolve, merge, comment…).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StepForm {
    pub(crate) event: String,
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
            m => Some(NeedId::parse(m).ok_or(FieldError::new("merge_into", "errors.need.unknown"))?),
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
    pub fn members(&self, this: NeedId) -> Vec<NeedId> {
        std::iter::once(this).chain(self.needs.iter().filter_map(|n| NeedId::parse(n.trim()))).collect()
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

/// Assigning many needs at once: each ticked box is `id:version`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BulkAssignForm {
    needs: Vec<String>,
    pub assignee: String,
}

impl BulkAssignForm {
    /// The ticked needs with the version each was read at; malformed boxes are skipped.
    pub fn items(&self) -> Vec<(NeedId, i64)> {
        self.needs
            .iter()
            .filter_map(|v| {
                v.split_once(':').and_then(|(a, b)| Some((NeedId::parse(a.trim())?, b.trim().parse().ok()?)))
            })
            .collect()
    }
}

/// A saved view of the ledger: its name and the query string it stands for.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ViewForm {
    pub name: String,
    pub query: String,
}

/// A need category as the committee edits it; `active` is a checkbox.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CategoryPageForm {
    code: String,
    name_zh: String,
    name_en: String,
    respond_hours: String,
    resolve_hours: String,
    active: String,
}

impl CategoryPageForm {
    pub fn into_form(self) -> wushe_app::needs::CategoryForm {
        wushe_app::needs::CategoryForm {
            code: self.code,
            name_zh: self.name_zh,
            name_en: self.name_en,
            respond_hours: self.respond_hours,
            resolve_hours: self.resolve_hours,
            active: self.active == "1",
        }
    }
}

/// The working calendar: hours, the weekday boxes (`workday` = 0 for Monday … 6), dates one
/// per line.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CalendarPageForm {
    start_hour: String,
    end_hour: String,
    workday: Vec<String>,
    holidays: String,
    extra_workdays: String,
}

impl CalendarPageForm {
    pub fn into_form(self) -> wushe_app::needs::CalendarForm {
        let mut workdays = [false; 7];
        for i in self.workday.iter().filter_map(|d| d.trim().parse::<usize>().ok()).filter(|i| *i < 7) {
            workdays[i] = true;
        }
        wushe_app::needs::CalendarForm {
            start_hour: self.start_hour,
            end_hour: self.end_hour,
            workdays,
            holidays: self.holidays,
            extra_workdays: self.extra_workdays,
        }
    }
}
