//! Emergency mode (平急转换, MISSION §9 E1–E6): hazards, incidents and the switch between normal
//! and emergency mode, check-ins on vulnerable residents, CAP 1.2 codes, the resilience
//! triangle and drill timings.
//!
//! An incident is declared for areas with a hazard and a severity; while it is active the
//! community is in emergency mode; switching back is an explicit close with a summary. A drill
//! is an incident flagged as such everywhere: its alerts are CAP `Exercise` messages that never
//! reach the public feed or anyone outside the drill group.

use crate::dispatch::{Priority, Skill};
use crate::error::FieldError;
use crate::people::{Vulnerabilities, Vulnerability};

code_enum!(
    /// What the plan and the incident are about (E1's hazards).
    Hazard, "hazard", "errors.emergency.hazard" {
    Rainstorm => "rainstorm",
    Fire => "fire",
    Epidemic => "epidemic",
    Earthquake => "earthquake",
    Heatwave => "heatwave",
    PowerCut => "power_cut",
});

impl Hazard {
    /// The CAP 1.2 `<category>` of the hazard.
    pub fn cap_category(self) -> &'static str {
        match self {
            Hazard::Rainstorm | Hazard::Heatwave => "Met",
            Hazard::Fire => "Fire",
            Hazard::Epidemic => "Health",
            Hazard::Earthquake => "Geo",
            Hazard::PowerCut => "Infra",
        }
    }
}

code_enum!(
    /// How bad it is; the CAP `<severity>` of its alerts.
    Severity, "severity", "errors.emergency.severity" {
    Minor => "minor",
    Moderate => "moderate",
    Severe => "severe",
    Extreme => "extreme",
});

impl Severity {
    pub fn cap(self) -> &'static str {
        match self {
            Severity::Minor => "Minor",
            Severity::Moderate => "Moderate",
            Severity::Severe => "Severe",
            Severity::Extreme => "Extreme",
        }
    }
}

code_enum!(
    /// A community's mode.
    Mode, "mode", "errors.emergency.mode" {
    Normal => "normal",
    Emergency => "emergency",
});

code_enum!(
    /// Where an incident stands: active (the community is in emergency mode) or closed (switched
    /// back, with a summary). Recovery figures and the review may be recorded in both.
    IncidentStatus, "status", "errors.incident.status" {
    Active => "active",
    Closed => "closed",
});

/// What may happen to an incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncidentEvent {
    /// The severity or the areas change while it is active (an alert update goes out).
    Change,
    /// Switching back to normal; the summary is what the community learned and did.
    Close { summary: String },
}

/// Why a step is refused, with the message key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused(pub &'static str);

impl IncidentStatus {
    pub fn apply(self, e: &IncidentEvent) -> Result<IncidentStatus, Refused> {
        match (self, e) {
            (IncidentStatus::Closed, _) => Err(Refused("errors.incident.closed")),
            (IncidentStatus::Active, IncidentEvent::Change) => Ok(IncidentStatus::Active),
            (IncidentStatus::Active, IncidentEvent::Close { summary }) => {
                if summary.trim().chars().count() < 10 {
                    Err(Refused("errors.incident.summary"))
                } else {
                    Ok(IncidentStatus::Closed)
                }
            }
        }
    }

    pub fn mode(self) -> Mode {
        match self {
            IncidentStatus::Active => Mode::Emergency,
            IncidentStatus::Closed => Mode::Normal,
        }
    }
}

code_enum!(
    /// What a check-in found (E3), entered in two taps.
    CheckinResult, "result", "errors.checkin.result" {
    Safe => "safe",
    NeedsHelp => "needs_help",
    Unreached => "unreached",
});

code_enum!(
    /// Where a check-in task stands.
    CheckinStatus, "status", "errors.checkin.status" {
    Open => "open",
    Dispatched => "dispatched",
    Done => "done",
});

/// What may happen to a check-in task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckinEvent {
    Dispatch,
    /// The assignee cannot go, or the task went overdue: it goes back to be dispatched again.
    Decline,
    Overdue,
    Record(CheckinResult),
    /// An unreached resident is tried again.
    Retry,
}

impl CheckinStatus {
    pub fn apply(self, e: CheckinEvent, last: Option<CheckinResult>) -> Result<CheckinStatus, Refused> {
        use CheckinEvent as E;
        use CheckinStatus as S;
        match (self, e) {
            (S::Open, E::Dispatch) => Ok(S::Dispatched),
            (S::Dispatched, E::Decline | E::Overdue) => Ok(S::Open),
            (S::Open | S::Dispatched, E::Record(_)) => Ok(S::Done),
            (S::Done, E::Retry) if last == Some(CheckinResult::Unreached) => Ok(S::Open),
            (S::Done, _) => Err(Refused("errors.checkin.done")),
            _ => Err(Refused("errors.checkin.step")),
        }
    }
}

code_enum!(
    /// The CAP 1.2 message types this platform sends; updates and cancels name what they replace.
    AlertKind, "kind", "errors.alert.kind" {
    Alert => "alert",
    Update => "update",
    Cancel => "cancel",
});

impl AlertKind {
    pub fn cap(self) -> &'static str {
        match self {
            AlertKind::Alert => "Alert",
            AlertKind::Update => "Update",
            AlertKind::Cancel => "Cancel",
        }
    }
}

/// Whom a plan checks on and how (E1's check-in rules): the flags that make a resident's
/// check-in a task (none: every flag), how often they are checked again while the incident
/// lasts, how long a dispatched visit may take before it goes to someone else, and how many
/// homes one volunteer or one grid worker takes at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckinRules {
    pub flags: Vulnerabilities,
    pub every_hours: i64,
    pub within_minutes: i64,
    pub per_volunteer: u32,
    pub per_grid_worker: u32,
}

impl Default for CheckinRules {
    fn default() -> Self {
        CheckinRules {
            flags: Vulnerabilities::default(),
            every_hours: 12,
            within_minutes: 60,
            per_volunteer: 4,
            per_grid_worker: 10,
        }
    }
}

/// A whole number from a form field within bounds, named by the field when it is not.
pub fn parse_count(raw: &str, field: &'static str, lo: i64, hi: i64) -> Result<i64, FieldError> {
    match raw.trim().parse::<i64>() {
        Ok(n) if (lo..=hi).contains(&n) => Ok(n),
        _ => Err(FieldError::new(field, "errors.emergency.count")),
    }
}

impl CheckinRules {
    pub fn parse(
        flags: &[String],
        every: &str,
        within: &str,
        per_volunteer: &str,
        per_grid: &str,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut ok = |r: Result<i64, FieldError>| r.map_err(|e| errors.push(e)).unwrap_or(0);
        let every_hours = ok(parse_count(every, "every_hours", 1, 72));
        let within_minutes = ok(parse_count(within, "within_minutes", 10, 720));
        let per_volunteer = ok(parse_count(per_volunteer, "per_volunteer", 1, 20)) as u32;
        let per_grid_worker = ok(parse_count(per_grid, "per_grid_worker", 1, 50)) as u32;
        let flags = flags.iter().map(|f| Vulnerability::parse(f)).collect::<Result<Vec<_>, _>>();
        let flags = match flags {
            Ok(v) => Vulnerabilities::new(v),
            Err(_) => {
                errors.push(FieldError::new("flags", "errors.vulnerability.invalid"));
                Vulnerabilities::default()
            }
        };
        if errors.is_empty() {
            Ok(CheckinRules { flags, every_hours, within_minutes, per_volunteer, per_grid_worker })
        } else {
            Err(errors)
        }
    }

    /// Whether a resident with these flags gets a check-in, with the skill the visit needs and
    /// how urgent it is: someone alone or who cannot move comes first (3), the sick, the
    /// pregnant and the elderly next (2), hardship last (1). A wheelchair user needs someone
    /// who can move them, the chronically ill someone with first aid.
    pub fn task_for(&self, flags: &Vulnerabilities) -> Option<(Skill, Priority)> {
        let wanted: Vec<Vulnerability> =
            flags.iter().filter(|f| self.flags.is_empty() || self.flags.iter().any(|w| w == *f)).collect();
        if wanted.is_empty() {
            return None;
        }
        use Vulnerability as V;
        let has = |v: V| wanted.contains(&v);
        let skill = if has(V::Disabled) {
            Skill::Mobility
        } else if has(V::ChronicIllness) || has(V::Pregnant) {
            Skill::Medical
        } else {
            Skill::General
        };
        let priority = if has(V::ElderlyAlone) || has(V::Disabled) || has(V::ChildAlone) {
            3
        } else if has(V::ChronicIllness) || has(V::Pregnant) || has(V::Elderly) {
            2
        } else {
            1
        };
        Some((skill, Priority::new(priority).expect("1–3")))
    }
}

/// CAP `<status>`: a drill's messages are exercises, never actual alerts.
pub fn cap_status(drill: bool) -> &'static str {
    if drill { "Exercise" } else { "Actual" }
}

code_enum!(
    /// The key services whose functionality is followed through recovery (E5).
    KeyService, "service", "errors.recovery.service" {
    Power => "power",
    Water => "water",
    Access => "access",
    ElderlyCare => "elderly_care",
    Communications => "communications",
    Medical => "medical",
});

code_enum!(
    /// Where an offer of help stands (E4): recorded, matched to a stockpile or a need, or
    /// declined with thanks.
    OfferStatus, "status", "errors.offer.status" {
    Open => "open",
    Matched => "matched",
    Declined => "declined",
});

/// The mean of several services' losses: the loss of their mean curve, since the integral is
/// linear (E5's one figure for the community).
pub fn mean_loss(losses: &[f64]) -> f64 {
    if losses.is_empty() { 0.0 } else { losses.iter().sum::<f64>() / losses.len() as f64 }
}

/// A key service's functionality at a moment, 0–100 (E5: power, water, access, elderly care…).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Functionality {
    pub at_ms: i64,
    pub percent: f64,
}

impl Functionality {
    pub fn parse(at_ms: i64, percent: f64) -> Result<Self, FieldError> {
        if percent.is_finite() && (0.0..=100.0).contains(&percent) {
            Ok(Functionality { at_ms, percent })
        } else {
            Err(FieldError::new("percent", "errors.recovery.percent"))
        }
    }
}

/// The resilience triangle's area, ∫ (100 − Q(t)) dt from `start` to `end`, in percent-hours:
/// Q is 100 before the first reading, straight between readings and held after the last.
pub fn resilience_loss(readings: &[Functionality], start_ms: i64, end_ms: i64) -> f64 {
    let mut points: Vec<Functionality> = readings.to_vec();
    points.sort_by_key(|r| r.at_ms);
    let (Some(first), Some(last)) = (points.first().copied(), points.last().copied()) else { return 0.0 };
    // Q as straight segments (t0, q0, t1, q1), the outer two flat.
    let mut segments = vec![(i64::MIN / 2, 100.0, first.at_ms, 100.0)];
    segments.extend(points.windows(2).map(|w| (w[0].at_ms, w[0].percent, w[1].at_ms, w[1].percent)));
    segments.push((last.at_ms, last.percent, i64::MAX / 2, last.percent));
    let mut loss = 0.0;
    for (t0, q0, t1, q1) in segments {
        let (lo, hi) = (t0.max(start_ms), t1.min(end_ms));
        if lo >= hi {
            continue;
        }
        let q = |t: i64| q0 + (q1 - q0) * ((t - t0) as f64 / (t1 - t0) as f64);
        loss += (200.0 - q(lo) - q(hi)) / 2.0 * (hi - lo) as f64 / 3_600_000.0;
    }
    loss
}

/// A drill's or an incident's timings (E6), compared across them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Timings {
    pub to_first_checkin_ms: Option<i64>,
    pub to_all_reached_ms: Option<i64>,
    pub to_close_ms: Option<i64>,
}

/// From the declaration, the first recorded check-in, the moment the last vulnerable resident
/// was reached (none while some are not) and the close.
pub fn timings(
    declared_ms: i64,
    first_checkin_ms: Option<i64>,
    all_reached_ms: Option<i64>,
    closed_ms: Option<i64>,
) -> Timings {
    let since = |t: Option<i64>| t.map(|t| (t - declared_ms).max(0));
    Timings {
        to_first_checkin_ms: since(first_checkin_ms),
        to_all_reached_ms: since(all_reached_ms),
        to_close_ms: since(closed_ms),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;

    #[test]
    fn an_incident_switches_back_only_with_a_summary_and_stays_closed() {
        let s = IncidentStatus::Active;
        assert_eq!(s.mode(), Mode::Emergency);
        assert_eq!(s.apply(&IncidentEvent::Change), Ok(IncidentStatus::Active));
        assert_eq!(s.apply(&IncidentEvent::Close { summary: "短".into() }), Err(Refused("errors.incident.summary")));
        let closed = s.apply(&IncidentEvent::Close { summary: "积水已退，全部独居老人已确认平安。".into() }).unwrap();
        assert_eq!(closed.mode(), Mode::Normal);
        assert_eq!(closed.apply(&IncidentEvent::Change), Err(Refused("errors.incident.closed")));
    }

    #[test]
    fn a_checkin_goes_back_when_declined_or_overdue_and_unreached_ones_are_retried() {
        use CheckinEvent as E;
        use CheckinStatus as S;
        assert_eq!(S::Open.apply(E::Dispatch, None), Ok(S::Dispatched));
        assert_eq!(S::Dispatched.apply(E::Decline, None), Ok(S::Open));
        assert_eq!(S::Dispatched.apply(E::Overdue, None), Ok(S::Open));
        assert_eq!(S::Dispatched.apply(E::Record(CheckinResult::Safe), None), Ok(S::Done));
        assert_eq!(S::Open.apply(E::Decline, None), Err(Refused("errors.checkin.step")));
        assert_eq!(S::Done.apply(E::Retry, Some(CheckinResult::Safe)), Err(Refused("errors.checkin.done")));
        assert_eq!(S::Done.apply(E::Retry, Some(CheckinResult::Unreached)), Ok(S::Open));
        assert_eq!(
            S::Done.apply(E::Record(CheckinResult::Safe), Some(CheckinResult::Safe)),
            Err(Refused("errors.checkin.done"))
        );
    }

    #[test]
    fn check_in_rules_pick_residents_skills_and_priorities() {
        let any = CheckinRules::default();
        let flags = |s: &str| Vulnerabilities::parse_list(s).unwrap();
        assert_eq!(any.task_for(&flags("")), None);
        assert_eq!(any.task_for(&flags("elderly_alone")), Some((Skill::General, Priority::HIGH)));
        assert_eq!(any.task_for(&flags("disabled,elderly")), Some((Skill::Mobility, Priority::HIGH)));
        assert_eq!(any.task_for(&flags("chronic_illness")), Some((Skill::Medical, Priority::new(2).unwrap())));
        assert_eq!(any.task_for(&flags("low_income")), Some((Skill::General, Priority::LOW)));
        let only_alone =
            CheckinRules::parse(&["elderly_alone".into(), "child_alone".into()], "6", "45", "3", "8").unwrap();
        assert_eq!(only_alone.task_for(&flags("low_income,chronic_illness")), None);
        assert_eq!(
            only_alone.task_for(&flags("elderly_alone,chronic_illness")),
            Some((Skill::General, Priority::HIGH))
        );
        let bad = CheckinRules::parse(&["ghost".into()], "0", "5", "x", "51").unwrap_err();
        let fields: Vec<&str> = bad.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["every_hours", "within_minutes", "per_volunteer", "per_grid_worker", "flags"]);
    }

    #[test]
    fn codes_map_to_cap() {
        assert_eq!(Hazard::parse("rainstorm").unwrap().cap_category(), "Met");
        assert_eq!(Hazard::parse("power_cut").unwrap().cap_category(), "Infra");
        assert_eq!(Hazard::parse("typhoon").unwrap_err().field, "hazard");
        assert_eq!(Severity::Extreme.cap(), "Extreme");
        assert_eq!(cap_status(true), "Exercise");
        assert_eq!(cap_status(false), "Actual");
        assert_eq!(AlertKind::Cancel.cap(), "Cancel");
    }

    #[test]
    fn the_resilience_triangle_is_the_area_above_the_curve() {
        // Down to 40% at once at hour 0, back to 100% in a straight line by hour 6.
        let r = [Functionality::parse(0, 40.0).unwrap(), Functionality::parse(6 * H, 100.0).unwrap()];
        assert!((resilience_loss(&r, 0, 10 * H) - 0.5 * 60.0 * 6.0).abs() < 1e-9);
        // Only the part inside the window counts: the first three hours.
        let first = 0.5 * (60.0 + 30.0) * 3.0;
        assert!((resilience_loss(&r, 0, 3 * H) - first).abs() < 1e-9);
        // Held after the last reading: 20% lost for two more hours.
        let held = [Functionality::parse(0, 80.0).unwrap()];
        assert!((resilience_loss(&held, 0, 2 * H) - 40.0).abs() < 1e-9);
        assert_eq!(resilience_loss(&[], 0, 5 * H), 0.0);
        assert_eq!(resilience_loss(&r, 5 * H, 5 * H), 0.0);
        assert_eq!(Functionality::parse(0, 101.0).unwrap_err().field, "percent");
        assert!(Functionality::parse(0, f64::NAN).is_err());
    }

    #[test]
    fn timings_count_from_the_declaration() {
        let t = timings(1_000, Some(61_000), None, Some(7_201_000));
        assert_eq!(
            t,
            Timings { to_first_checkin_ms: Some(60_000), to_all_reached_ms: None, to_close_ms: Some(7_200_000) }
        );
    }
}
