//! N1–N4 — the needs ledger's rules: what a need is, its workflow as a state machine over an
//! append-only event log, and service-level deadlines on a working-hours calendar.
//!
//! Invariant: a need's status is the fold of its events through [`NeedStatus::apply`]; an
//! event that does not fit the current status is refused, so an illegal history cannot be
//! written.

use crate::error::{FieldError, optional_text, text};

code_enum!(
    /// Where a need came in `[000 §5.3] [004 §6.1]`.
    Channel, "channel", "errors.channel.invalid" {
    Online => "online",
    Suggestion => "suggestion",
    Visit => "visit",
    Hotline => "hotline",
    WalkIn => "walk_in",
    JointMeeting => "joint_meeting",
    Open311 => "open311",
    Import => "import",
});

code_enum!(
    /// How fast a need must be answered. Urgent needs run on the clock, not on working hours.
    Urgency, "urgency", "errors.urgency.invalid" {
    Normal => "normal",
    Urgent => "urgent",
});

code_enum!(
    /// 共性需求 / 个性需求 `[000 §5.3]`.
    Scope, "scope", "errors.scope.invalid" {
    Individual => "individual",
    Common => "common",
});

code_enum!(
    NeedStatus, "status", "errors.status.invalid" {
    Submitted => "submitted",
    Accepted => "accepted",
    Assigned => "assigned",
    InProgress => "in_progress",
    Resolved => "resolved",
    Confirmed => "confirmed",
    Reopened => "reopened",
    Rejected => "rejected",
    Merged => "merged",
});

code_enum!(
    /// The kinds of events in a need's timeline.
    EventKind, "event", "errors.event.invalid" {
    Submitted => "submitted",
    Accepted => "accepted",
    Assigned => "assigned",
    Started => "started",
    Resolved => "resolved",
    Confirmed => "confirmed",
    Reopened => "reopened",
    Rejected => "rejected",
    Merged => "merged",
    Commented => "commented",
    Whistled => "whistled",
    Reported => "reported",
    Overdue => "overdue",
    Grouped => "grouped",
    Listed => "listed",
    Claimed => "claimed",
    Released => "released",
    Mediated => "mediated",
});

/// Why a transition was refused; the message key names the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransitionError {
    pub from: NeedStatus,
    pub event: EventKind,
}

impl TransitionError {
    pub fn field_error(&self) -> FieldError {
        FieldError::new("status", "errors.need.transition")
    }
}

impl NeedStatus {
    /// The status after `event`, or why the event does not fit. Events that record facts
    /// without moving the workflow (comments, whistles, reports, overdue flags, grouping) keep
    /// the status but are refused on closed needs, whose timeline is final.
    pub fn apply(self, event: EventKind) -> Result<NeedStatus, TransitionError> {
        use EventKind as E;
        use NeedStatus as S;
        let next = match (self, event) {
            (S::Submitted, E::Accepted) => S::Accepted,
            (S::Submitted | S::Accepted | S::Reopened, E::Assigned) => S::Assigned,
            (S::Assigned | S::InProgress, E::Assigned) => S::Assigned,
            (S::Assigned | S::Reopened, E::Started) => S::InProgress,
            (S::Assigned | S::InProgress | S::Reopened, E::Resolved) => S::Resolved,
            (S::Resolved, E::Confirmed) => S::Confirmed,
            (S::Resolved, E::Reopened) => S::Reopened,
            (S::Submitted | S::Accepted, E::Rejected) => S::Rejected,
            // R3: a volunteer or organization claims a listed need; a released or expired claim
            // puts it back on the list, accepted and unassigned.
            (S::Submitted | S::Accepted | S::Reopened, E::Claimed) => S::Assigned,
            (S::Assigned | S::InProgress, E::Released) => S::Accepted,
            (S::Submitted | S::Accepted | S::Assigned, E::Merged) => S::Merged,
            (s, E::Commented | E::Mediated | E::Whistled | E::Reported | E::Overdue | E::Grouped | E::Listed)
                if !s.is_closed() =>
            {
                s
            }
            (S::Resolved | S::Confirmed, E::Commented) => self,
            _ => return Err(TransitionError { from: self, event }),
        };
        Ok(next)
    }

    /// Closed needs take no more work.
    pub fn is_closed(self) -> bool {
        matches!(self, NeedStatus::Confirmed | NeedStatus::Rejected | NeedStatus::Merged)
    }

    /// Open needs count against service levels and appear on the situation map.
    pub fn is_open(self) -> bool {
        !self.is_closed() && self != NeedStatus::Resolved
    }

    /// The one or two steps that move the need on from here, which a page offers first; the
    /// others (rejecting, reopening, reassigning, merging) are there but secondary.
    pub fn primary_events(self) -> &'static [EventKind] {
        use EventKind as E;
        match self {
            NeedStatus::Submitted => &[E::Accepted, E::Assigned],
            NeedStatus::Accepted => &[E::Assigned],
            NeedStatus::Assigned => &[E::Started, E::Resolved],
            NeedStatus::InProgress => &[E::Resolved],
            NeedStatus::Resolved => &[E::Confirmed],
            NeedStatus::Reopened => &[E::Assigned, E::Resolved],
            NeedStatus::Confirmed | NeedStatus::Rejected | NeedStatus::Merged => &[],
        }
    }

    /// The events a person could record next, in the order a page offers them.
    pub fn next_events(self) -> Vec<EventKind> {
        [
            EventKind::Accepted,
            EventKind::Assigned,
            EventKind::Started,
            EventKind::Resolved,
            EventKind::Confirmed,
            EventKind::Reopened,
            EventKind::Rejected,
        ]
        .into_iter()
        .filter(|e| self.apply(*e).is_ok())
        .collect()
    }
}

/// Folds a timeline into its status; the first event must be `Submitted`.
pub fn replay(events: &[EventKind]) -> Result<NeedStatus, TransitionError> {
    let mut it = events.iter();
    match it.next() {
        Some(EventKind::Submitted) => {}
        Some(e) => return Err(TransitionError { from: NeedStatus::Submitted, event: *e }),
        None => return Ok(NeedStatus::Submitted),
    }
    it.try_fold(NeedStatus::Submitted, |s, e| s.apply(*e))
}

/// A rating given on confirmation, 1–5.
pub fn parse_rating(raw: &str) -> Result<i64, FieldError> {
    match raw.trim().parse::<i64>() {
        Ok(r) if (1..=5).contains(&r) => Ok(r),
        _ => Err(FieldError::new("rating", "errors.rating.invalid")),
    }
}

pub fn parse_title(raw: &str) -> Result<String, FieldError> {
    text("title", raw, 80)
}

pub fn parse_description(raw: &str) -> Result<String, FieldError> {
    text("description", raw, 4000)
}

/// A note on a transition; some transitions (reject, reopen, merge) require one.
pub fn parse_note(raw: &str, required: bool) -> Result<Option<String>, FieldError> {
    if required { text("note", raw, 2000).map(Some) } else { optional_text("note", raw, 2000) }
}

/// Which transitions must say why.
pub fn note_required(event: EventKind) -> bool {
    matches!(
        event,
        EventKind::Rejected | EventKind::Reopened | EventKind::Merged | EventKind::Whistled | EventKind::Mediated
    )
}

/// N6 — how alike two texts are, from their word sets (Jaccard index, 0–1). Single
/// characters and very common filler words carry no weight.
pub fn similarity(a: &[String], b: &[String]) -> f64 {
    use std::collections::BTreeSet;
    const FILLER: &[&str] = &["希望", "社区", "请", "问题", "尽快", "处理", "一下", "我们", "居民", "有人"];
    let keep = |w: &&String| w.chars().count() > 1 && !FILLER.contains(&w.as_str());
    let x: BTreeSet<&String> = a.iter().filter(keep).collect();
    let y: BTreeSet<&String> = b.iter().filter(keep).collect();
    if x.is_empty() || y.is_empty() {
        return 0.0;
    }
    x.intersection(&y).count() as f64 / x.union(&y).count() as f64
}

/// Needs at least this alike are offered as duplicates or as members of one common need.
pub const SIMILAR_THRESHOLD: f64 = 0.3;

/// Working hours in Asia/Shanghai (UTC+8, no daylight saving): weekdays and hours, plus
/// public holidays and make-up working days (调休), as day numbers since 1970-01-01 local.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkCalendar {
    pub start_hour: u32,
    pub end_hour: u32,
    /// Monday = 0 … Sunday = 6.
    pub workdays: [bool; 7],
    pub holidays: Vec<i64>,
    pub extra_workdays: Vec<i64>,
}

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
const UTC8: i64 = crate::LOCAL_OFFSET_MS;

impl Default for WorkCalendar {
    fn default() -> Self {
        Self {
            start_hour: 9,
            end_hour: 18,
            workdays: [true, true, true, true, true, false, false],
            holidays: vec![],
            extra_workdays: vec![],
        }
    }
}

impl WorkCalendar {
    fn is_workday(&self, day: i64) -> bool {
        if self.extra_workdays.contains(&day) {
            return true;
        }
        if self.holidays.contains(&day) {
            return false;
        }
        // 1970-01-01 was a Thursday (Monday = 0 → Thursday = 3).
        self.workdays[((day + 3).rem_euclid(7)) as usize]
    }

    /// The instant `hours` working hours after `start` (UTC milliseconds).
    pub fn add_working_hours(&self, start: i64, hours: i64) -> i64 {
        let mut remaining = hours * HOUR;
        let mut local = start + UTC8;
        let (open, close) = (i64::from(self.start_hour) * HOUR, i64::from(self.end_hour) * HOUR);
        if close <= open {
            return start + remaining;
        }
        // Bounded: at most one loop per calendar day of the deadline horizon.
        for _ in 0..3660 {
            let day = local.div_euclid(DAY);
            let in_day = local.rem_euclid(DAY);
            if self.is_workday(day) && in_day < close {
                let from = in_day.max(open);
                let available = close - from;
                if remaining <= available {
                    return day * DAY + from + remaining - UTC8;
                }
                remaining -= available;
            }
            local = (day + 1) * DAY;
        }
        start + hours * HOUR
    }

    /// Deadline for a need: working hours for normal needs, the clock for urgent ones.
    pub fn due(&self, start: i64, hours: i64, urgency: Urgency) -> i64 {
        match urgency {
            Urgency::Urgent => start + hours * HOUR,
            Urgency::Normal => self.add_working_hours(start, hours),
        }
    }
}

/// Default service levels per category, from the papers' categories `[000 §4.2] [002 §5.2]`:
/// (code, 中文, English, respond within working hours, resolve within working hours).
pub const DEFAULT_CATEGORIES: &[(&str, &str, &str, i64, i64)] = &[
    ("property", "物业纠纷", "Property management dispute", 8, 72),
    ("environment", "环境整治", "Environment and sanitation", 8, 72),
    ("stairwell_clutter", "楼道堆物", "Clutter in stairwells", 4, 24),
    ("thrown_objects", "高空抛物", "Objects thrown from height", 4, 48),
    ("ebike_charging", "非机动车充电", "E-bike charging", 4, 24),
    ("elderly_care", "老人照护", "Care for the elderly", 4, 48),
    ("child_care", "儿童关爱", "Care for children", 8, 72),
    ("repairs", "设施维修", "Facility repairs", 8, 72),
    ("transport", "出行", "Getting around", 16, 240),
    ("legal", "法律咨询", "Legal advice", 8, 72),
    ("neighbour_dispute", "邻里纠纷", "Dispute between neighbours", 8, 72),
    ("street_order", "占道经营", "Street vending and obstruction", 8, 72),
    ("daily_services", "便民服务", "Everyday services", 16, 120),
    ("emergency", "应急求助", "Emergency help", 1, 8),
    ("other", "其他", "Other", 16, 120),
];

#[cfg(test)]
mod tests {
    use super::*;
    use EventKind as E;
    use NeedStatus as S;

    #[test]
    fn primary_steps_are_legal_next_steps_and_lead_towards_closing() {
        for s in S::ALL {
            let next = s.next_events();
            for e in s.primary_events() {
                assert!(next.contains(e), "{s:?}: primary {e:?} must be a legal next step");
            }
            assert!(s.primary_events().len() <= 2);
            assert_eq!(s.primary_events().is_empty(), s.is_closed(), "{s:?}");
        }
        assert!(!S::Submitted.primary_events().contains(&E::Rejected));
        assert_eq!(S::Resolved.primary_events(), &[E::Confirmed]);
    }

    #[test]
    fn a_claim_assigns_and_its_release_puts_the_need_back() {
        assert_eq!(replay(&[E::Submitted, E::Listed, E::Claimed]), Ok(S::Assigned));
        assert_eq!(replay(&[E::Submitted, E::Listed, E::Claimed, E::Released]), Ok(S::Accepted));
        assert_eq!(replay(&[E::Submitted, E::Claimed, E::Started, E::Released, E::Claimed]), Ok(S::Assigned));
        assert!(S::Assigned.apply(E::Claimed).is_err(), "a held need cannot be claimed again");
        assert!(S::Resolved.apply(E::Released).is_err());
        assert!(S::Confirmed.apply(E::Listed).is_err(), "closed needs are not listed");
    }

    #[test]
    fn the_happy_path_runs_from_submission_to_confirmation() {
        let s = replay(&[E::Submitted, E::Accepted, E::Assigned, E::Started, E::Resolved, E::Confirmed]).unwrap();
        assert_eq!(s, S::Confirmed);
        assert!(s.is_closed());
    }

    #[test]
    fn reopening_sends_the_need_back_to_work() {
        let s = replay(&[E::Submitted, E::Accepted, E::Assigned, E::Resolved, E::Reopened]).unwrap();
        assert_eq!(s, S::Reopened);
        assert_eq!(s.apply(E::Assigned), Ok(S::Assigned));
        assert_eq!(s.apply(E::Confirmed), Err(TransitionError { from: S::Reopened, event: E::Confirmed }));
    }

    #[test]
    fn illegal_transitions_are_refused() {
        assert!(S::Submitted.apply(E::Resolved).is_err(), "cannot resolve before assignment");
        assert!(S::Confirmed.apply(E::Reopened).is_err(), "confirmed is final");
        assert!(S::Rejected.apply(E::Commented).is_err(), "closed timelines are final");
        assert!(S::InProgress.apply(E::Rejected).is_err(), "work started cannot be rejected");
        assert!(replay(&[E::Accepted]).is_err(), "a timeline starts with submission");
    }

    #[test]
    fn offered_actions_are_exactly_the_legal_ones() {
        assert_eq!(S::Submitted.next_events(), vec![E::Accepted, E::Assigned, E::Rejected]);
        assert_eq!(S::Resolved.next_events(), vec![E::Confirmed, E::Reopened]);
        assert!(S::Merged.next_events().is_empty());
        for s in S::ALL {
            for e in s.next_events() {
                assert!(s.apply(e).is_ok());
            }
        }
    }

    /// 2026-11-23 is a Monday; 09:00 in Shanghai is 01:00 UTC.
    const MONDAY_9: i64 = 1_795_395_600_000;

    #[test]
    fn working_hours_skip_nights_and_weekends() {
        let cal = WorkCalendar::default();
        assert_eq!(cal.add_working_hours(MONDAY_9, 4), MONDAY_9 + 4 * HOUR);
        // 9 hours a day: 10 working hours from Monday 09:00 end Tuesday 10:00.
        assert_eq!(cal.add_working_hours(MONDAY_9, 10), MONDAY_9 + DAY + HOUR);
        // Friday 17:00 plus 2 hours is Monday 10:00.
        let friday_17 = MONDAY_9 + 4 * DAY + 8 * HOUR;
        assert_eq!(cal.add_working_hours(friday_17, 2), MONDAY_9 + 7 * DAY + HOUR);
        // Saturday night counts from Monday's opening.
        let saturday_22 = MONDAY_9 + 5 * DAY + 13 * HOUR;
        assert_eq!(cal.add_working_hours(saturday_22, 1), MONDAY_9 + 7 * DAY + HOUR);
    }

    #[test]
    fn holidays_and_make_up_days_are_respected() {
        let monday = (MONDAY_9 + UTC8).div_euclid(DAY);
        let cal = WorkCalendar { holidays: vec![monday], extra_workdays: vec![monday + 5], ..Default::default() };
        // Monday is a holiday: starts Tuesday 09:00.
        assert_eq!(cal.add_working_hours(MONDAY_9, 1), MONDAY_9 + DAY + HOUR);
        // Saturday is a make-up working day.
        let friday_17 = MONDAY_9 + 4 * DAY + 8 * HOUR;
        assert_eq!(cal.add_working_hours(friday_17, 2), MONDAY_9 + 5 * DAY + HOUR);
    }

    #[test]
    fn urgent_needs_run_on_the_clock() {
        let cal = WorkCalendar::default();
        let friday_17 = MONDAY_9 + 4 * DAY + 8 * HOUR;
        assert_eq!(cal.due(friday_17, 2, Urgency::Urgent), friday_17 + 2 * HOUR);
        assert_eq!(cal.due(friday_17, 2, Urgency::Normal), MONDAY_9 + 7 * DAY + HOUR);
    }

    #[test]
    fn similarity_ignores_filler_and_single_characters() {
        let w = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
        assert_eq!(similarity(&w("楼道 堆物 消防 通道"), &w("楼道 堆物 消防 通道")), 1.0);
        assert!(similarity(&w("楼道 堆物 消防"), &w("楼道 堆物 杂物")) >= SIMILAR_THRESHOLD);
        assert_eq!(similarity(&w("希望 社区 尽快 处理"), &w("希望 社区 尽快 处理")), 0.0, "only filler");
        assert_eq!(similarity(&w("楼道 灯"), &w("法律 咨询")), 0.0);
        assert_eq!(similarity(&[], &w("楼道")), 0.0);
    }

    #[test]
    fn ratings_are_one_to_five() {
        assert_eq!(parse_rating("5"), Ok(5));
        assert!(parse_rating("0").is_err());
        assert!(parse_rating("six").is_err());
    }
}
