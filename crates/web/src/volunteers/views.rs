//! Words and rows the volunteers' pages share: labels of the domain's codes, hours as text,
//! and a record or an activity as one row of a list.

use crate::shell::i18n::T;
use crate::shell::layout::local_time;
pub use crate::shell::views::{ActivityRow, activity_kind_label as kind_label, activity_row, span};
use wushe_app::volunteers::ServiceRecord;
use wushe_domain::volunteers::{EntryKind, RecordRole, RecordSource, RecordStatus, VolunteerStatus};

pub fn status_label(t: T, s: VolunteerStatus) -> String {
    t.t(&format!("volunteer.status.{}", s.code())).to_string()
}

pub fn record_status_label(t: T, s: RecordStatus) -> String {
    t.t(&format!("record.status.{}", s.code())).to_string()
}

pub fn entry_label(t: T, k: EntryKind) -> String {
    t.t(&format!("points.kind.{}", k.code())).to_string()
}

/// Minutes as hours with one decimal: 90 → "1.5".
pub fn hours(minutes: i64) -> String {
    let tenths = (minutes * 10 + 30) / 60;
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// The design system's tag tone for a record's status.
pub fn record_tone(s: RecordStatus) -> &'static str {
    match s {
        RecordStatus::Pending => "tag-warning",
        RecordStatus::Verified => "tag-success",
        RecordStatus::Rejected => "tag-danger",
    }
}

/// A service record as one row of a list.
pub struct RecordRow {
    pub id: i64,
    pub when: String,
    pub what: String,
    pub hours: String,
    pub status: String,
    pub tone: &'static str,
    pub note: String,
    /// Whether the volunteer may ask for a correction (verified records, not corrections).
    pub correctable: bool,
}

pub fn record_row(t: T, r: &ServiceRecord, title: &str) -> RecordRow {
    let what = match (title.is_empty(), r.source, r.role) {
        (false, _, RecordRole::Organizer) => t.f1("page.volunteers.organized", title),
        (false, _, _) => title.to_string(),
        (true, RecordSource::Correction, _) => t.f1("page.volunteers.correction_of", r.corrects_id.unwrap_or_default()),
        (true, _, _) => t.t("page.volunteers.entered").to_string(),
    };
    RecordRow {
        id: r.id,
        when: local_time(r.started_at),
        what,
        hours: hours(r.minutes),
        status: record_status_label(t, r.status),
        tone: record_tone(r.status),
        note: r.note.clone(),
        correctable: r.status == RecordStatus::Verified && r.source != RecordSource::Correction,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_round_to_a_tenth() {
        assert_eq!(hours(0), "0.0");
        assert_eq!(hours(90), "1.5");
        assert_eq!(hours(100), "1.7");
        assert_eq!(hours(12_000 * 60), "12000.0");
    }
}
