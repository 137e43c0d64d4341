//! Volunteers (V1–V6): the rules of service hours, points, mentorship and retention.
//!
//! Hours and points are ledgers: a record, once written, is never edited; a correction or a
//! dispute is a new entry that refers to the one it corrects, and a balance is the sum of its
//! entries. Earning follows verified facts through rules that are data (`004` §6.2 gives the
//! defaults), so nobody hands out points by hand without a reason.

use crate::error::FieldError;

/// A day and a year in milliseconds, for tenures and expiry.
pub const DAY_MS: i64 = 86_400_000;
pub const YEAR_MS: i64 = 365 * DAY_MS;
/// A plan month of the mentorship (`004` §6.3) is counted as 30 days.
pub const MONTH_MS: i64 = 30 * DAY_MS;

code_enum!(
    /// Where a volunteer's registration stands: self-registered people wait for staff.
    VolunteerStatus, "status", "errors.volunteer.status" {
    Pending => "pending",
    Active => "active",
    Left => "left",
});

code_enum!(
    /// What an activity is; council meetings and party activities earn their own points.
    ActivityKind, "kind", "errors.activity.kind" {
    Service => "service",
    Council => "council",
    Training => "training",
    Party => "party",
});

code_enum!(
    /// A service record's verification: pending until a social worker or the organizer decides.
    RecordStatus, "status", "errors.record.status" {
    Pending => "pending",
    Verified => "verified",
    Rejected => "rejected",
});

code_enum!(
    /// How the hours were recorded.
    RecordSource, "source", "errors.record.source" {
    CheckIn => "checkin",
    Entered => "entered",
    Correction => "correction",
});

code_enum!(
    /// The part a person took in the activity.
    RecordRole, "role", "errors.record.role" {
    Participant => "participant",
    Organizer => "organizer",
});

code_enum!(
    /// What earns points. Every trigger is a verified fact: attendance at a council meeting, an
    /// activity organized, a mediation recorded on a need, verified hours, a party member's
    /// verified service.
    Trigger, "trigger", "errors.points.trigger" {
    Council => "council",
    Organized => "organized",
    Mediation => "mediation",
    ServiceHour => "service_hour",
    PartyService => "party_service",
});

code_enum!(
    /// The kinds of points entries: earning, spending, expiry, and a correction with a reason.
    EntryKind, "kind", "errors.points.kind" {
    Earn => "earn",
    Redeem => "redeem",
    Expire => "expire",
    Correct => "correct",
});

code_enum!(
    /// A place on an activity (a slot), held by exactly one person while active.
    SignupStatus, "status", "errors.signup.status" {
    Active => "active",
    Released => "released",
    Expired => "expired",
    Done => "done",
});

code_enum!(
    /// Where a mentorship pair stands.
    MentorshipStatus, "status", "errors.mentorship.status" {
    Active => "active",
    Completed => "completed",
    Ended => "ended",
});

code_enum!(
    /// The 6-month plan of `004` §6.3.
    MentorStage, "stage", "errors.mentorship.stage" {
    CoParticipate => "co_participate",
    LeadAlone => "lead_alone",
    Reflect => "reflect",
    Assess => "assess",
});

/// One rule of the points scheme: a trigger and what it earns; `party_only` rules count only
/// for party members (党员积分制, `000` §5.1). For [`Trigger::ServiceHour`] the points are per
/// full verified hour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub trigger: Trigger,
    pub points: i64,
    pub party_only: bool,
}

/// The defaults of `004` §6.2 (council 10, organizing 20, mediation 15) and a party-member
/// rule (5 per verified service, `000` §5.1); every community may change or add to them.
pub const DEFAULT_RULES: &[(Trigger, i64, bool)] = &[
    (Trigger::Council, 10, false),
    (Trigger::Organized, 20, false),
    (Trigger::Mediation, 15, false),
    (Trigger::PartyService, 5, true),
];

/// The redemption catalogue's defaults (`004` §6.2): points, and a starting stock.
pub const DEFAULT_CATALOGUE: &[(&str, i64, i64)] =
    &[("社区超市代金券", 50, 100), ("免费家政服务一次", 100, 40), ("优先参与社区优质项目（亲子夏令营）", 200, 20)];

/// What one verified service record earns under `rules`: (index of the rule, points). A
/// participant of a council meeting earns the council rule; an organizer earns the organizing
/// rule; hour rules count whole hours; party rules count only for party members.
pub fn earned_for_record(
    rules: &[Rule],
    kind: ActivityKind,
    role: RecordRole,
    minutes: i64,
    party_member: bool,
) -> Vec<(usize, i64)> {
    rules
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.party_only || party_member)
        .filter_map(|(i, r)| {
            let points = match r.trigger {
                Trigger::Council => {
                    (kind == ActivityKind::Council && role == RecordRole::Participant).then_some(r.points)
                }
                Trigger::Organized => (role == RecordRole::Organizer).then_some(r.points),
                Trigger::ServiceHour => Some(r.points * (minutes.max(0) / 60)),
                Trigger::PartyService => Some(r.points),
                Trigger::Mediation => None,
            }?;
            (points > 0).then_some((i, points))
        })
        .collect()
}

/// The drop-out warning's span in weeks (1–104); empty means the default of 8.
pub fn parse_weeks(raw: Option<&str>) -> Result<i64, FieldError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(8),
        Some(w) => w
            .parse::<i64>()
            .ok()
            .filter(|w| (1..=104).contains(w))
            .ok_or(FieldError::new("weeks", "errors.weeks.invalid")),
    }
}

/// Parses a rule's points: a whole number from 1 to 1000.
pub fn parse_points(raw: &str) -> Result<i64, FieldError> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|p| (1..=1000).contains(p))
        .ok_or(FieldError::new("points", "errors.points.invalid"))
}

/// Parses a catalogue item's stock: 0 to 1,000,000.
pub fn parse_stock(raw: &str) -> Result<i64, FieldError> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|p| (0..=1_000_000).contains(p))
        .ok_or(FieldError::new("stock", "errors.stock.invalid"))
}

/// Why a redemption is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Balance,
    Stock,
}

impl Refusal {
    pub fn field_error(self) -> FieldError {
        match self {
            Refusal::Balance => FieldError::new("item_id", "errors.points.balance"),
            Refusal::Stock => FieldError::new("item_id", "errors.points.stock"),
        }
    }
}

/// Whether a balance and a stock cover an item. The store checks the same inside its
/// conditional updates, so concurrent redemptions cannot overdraw either.
pub fn redeemable(balance: i64, price: i64, stock: i64) -> Result<(), Refusal> {
    if stock < 1 {
        return Err(Refusal::Stock);
    }
    if balance < price {
        return Err(Refusal::Balance);
    }
    Ok(())
}

/// How many points expire now, spending the oldest first: of the points earned whose expiry
/// has passed (`expired_earned`), what later debits (`debits`: redemptions, earlier expiries,
/// negative corrections, as a positive sum) have not already used, never more than the balance.
pub fn expiring(expired_earned: i64, debits: i64, balance: i64) -> i64 {
    (expired_earned - debits).clamp(0, balance.max(0))
}

/// Parses hours entered by hand ("2", "1.5", "0.25"): more than 0 and at most 24, in
/// quarter hours at the finest; returned as minutes.
pub fn parse_hours(raw: &str) -> Result<i64, FieldError> {
    let bad = FieldError::new("duration", "errors.hours.invalid");
    let s = raw.trim().trim_end_matches(['h', '时']).trim_end_matches('小').trim();
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() && frac.is_empty() || whole.len() > 2 || frac.len() > 2 {
        return Err(bad);
    }
    if !whole.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(bad);
    }
    let w: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad.clone())? };
    let f: i64 = format!("{frac:0<2}").parse().map_err(|_| bad.clone())?;
    let minutes = w * 60 + f * 60 / 100;
    if minutes <= 0 || minutes > 24 * 60 || (f * 60) % 100 != 0 || minutes % 15 != 0 {
        return Err(bad);
    }
    Ok(minutes)
}

/// A correction's change of minutes: a signed number of hours, not zero, at most 24 either way.
pub fn parse_correction(raw: &str) -> Result<i64, FieldError> {
    let s = raw.trim();
    let (sign, rest) = match s.strip_prefix('-') {
        Some(r) => (-1, r),
        None => (1, s.strip_prefix('+').unwrap_or(s)),
    };
    parse_hours(rest).map(|m| sign * m).map_err(|_| FieldError::new("duration", "errors.hours.correction"))
}

/// The minutes served between a check-in and a check-out: the check-out must come after the
/// check-in and within 24 hours of it.
pub fn served_minutes(check_in: i64, check_out: i64) -> Result<i64, FieldError> {
    let m = (check_out - check_in) / 60_000;
    if check_out <= check_in || m > 24 * 60 {
        return Err(FieldError::new("check_out", "errors.checkin.span"));
    }
    Ok(m.max(1))
}

/// The minutes a check-in and check-out count for an activity: only the part within the
/// activity's own hours (arriving early or forgetting to check out adds nothing), at least one.
pub fn counted_minutes(check_in: i64, check_out: i64, starts: i64, ends: i64) -> Result<i64, FieldError> {
    let from = check_in.max(starts).min(ends);
    let to = check_out.min(ends).max(from + 60_000);
    served_minutes(from, to)
}

/// Whether two spans of time share any moment; spans are half open, `[from, to)`.
pub fn overlaps(a: (i64, i64), b: (i64, i64)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// A mentor must have served three years and led two projects (`004` §6.3).
pub fn mentor_eligible(service_since: i64, now: i64, projects_led: i64) -> bool {
    now - service_since >= 3 * YEAR_MS && projects_led >= 2
}

/// The plan month (1-based) a pairing started at `started` is in at `now`.
pub fn plan_month(started: i64, now: i64) -> i64 {
    ((now - started).max(0) / MONTH_MS + 1).min(7)
}

/// What the plan asks in a month: co-participation in months 1–2, leading one project alone in
/// 3–4, reflection in 5, the assessment with a case report from month 6.
pub fn stage(month: i64) -> MentorStage {
    match month {
        ..=2 => MentorStage::CoParticipate,
        3..=4 => MentorStage::LeadAlone,
        5 => MentorStage::Reflect,
        _ => MentorStage::Assess,
    }
}

/// A volunteer's case report for the month-6 assessment: 20 to 5,000 characters.
pub fn parse_case_report(raw: &str) -> Result<String, FieldError> {
    let s = raw.trim();
    let n = s.chars().count();
    if !(20..=5000).contains(&n) {
        return Err(FieldError::new("case_report", "errors.mentorship.report"));
    }
    Ok(s.to_string())
}

code_enum!(
    /// How long a volunteer has served, in the bands the retention page draws.
    Tenure, "tenure", "errors.tenure.invalid" {
    UnderSixMonths => "under_6m",
    SixToTwelveMonths => "6_12m",
    OneToThreeYears => "1_3y",
    OverThreeYears => "over_3y",
});

/// The band of a tenure of `ms`.
pub fn tenure(ms: i64) -> Tenure {
    if ms < YEAR_MS / 2 {
        Tenure::UnderSixMonths
    } else if ms < YEAR_MS {
        Tenure::SixToTwelveMonths
    } else if ms <= 3 * YEAR_MS {
        Tenure::OneToThreeYears
    } else {
        Tenure::OverThreeYears
    }
}

/// Per mille of the whole, rounded half up; 0 of nothing.
pub fn permille(part: i64, whole: i64) -> i64 {
    if whole <= 0 { 0 } else { (part * 1000 + whole / 2) / whole }
}

/// The share (per mille) of all work carried by the busiest tenth of the people: `loads`
/// holds each person's count of tasks; the top tenth is rounded up, at least one person.
pub fn top_tenth_share(loads: &mut [i64]) -> i64 {
    let total: i64 = loads.iter().sum();
    if loads.is_empty() || total <= 0 {
        return 0;
    }
    loads.sort_unstable_by(|a, b| b.cmp(a));
    let top = loads.len().div_ceil(10);
    permille(loads[..top].iter().sum(), total)
}

/// Younger than 35 in `year` (the papers' 新生代骨干).
pub fn under_35(birth_year: Option<i64>, year: i64) -> bool {
    birth_year.is_some_and(|b| year - b < 35)
}

/// A volunteer group's or activity's name: 1 to 60 characters.
pub fn parse_name(field: &'static str, raw: &str) -> Result<String, FieldError> {
    let s = raw.trim();
    if s.is_empty() || s.chars().count() > 60 {
        return Err(FieldError::new(field, "errors.name.length"));
    }
    Ok(s.to_string())
}

/// An activity's slots: 1 to 500.
pub fn parse_slots(raw: &str) -> Result<i64, FieldError> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|p| (1..=500).contains(p))
        .ok_or(FieldError::new("slots", "errors.slots.invalid"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Vec<Rule> {
        DEFAULT_RULES.iter().map(|&(trigger, points, party_only)| Rule { trigger, points, party_only }).collect()
    }

    #[test]
    fn the_papers_rules_earn_as_written() {
        let r = defaults();
        let council = earned_for_record(&r, ActivityKind::Council, RecordRole::Participant, 90, false);
        assert_eq!(council, vec![(0, 10)]);
        let organized = earned_for_record(&r, ActivityKind::Service, RecordRole::Organizer, 120, false);
        assert_eq!(organized, vec![(1, 20)]);
        assert!(earned_for_record(&r, ActivityKind::Service, RecordRole::Participant, 120, false).is_empty());
        let party = earned_for_record(&r, ActivityKind::Service, RecordRole::Participant, 120, true);
        assert_eq!(party, vec![(3, 5)]);
    }

    #[test]
    fn hour_rules_count_whole_hours_only() {
        let r = vec![Rule { trigger: Trigger::ServiceHour, points: 2, party_only: false }];
        assert_eq!(earned_for_record(&r, ActivityKind::Service, RecordRole::Participant, 150, false), vec![(0, 4)]);
        assert!(earned_for_record(&r, ActivityKind::Service, RecordRole::Participant, 59, false).is_empty());
    }

    #[test]
    fn redemption_needs_both_balance_and_stock() {
        assert_eq!(redeemable(50, 50, 1), Ok(()));
        assert_eq!(redeemable(49, 50, 1), Err(Refusal::Balance));
        assert_eq!(redeemable(500, 50, 0), Err(Refusal::Stock));
    }

    #[test]
    fn expiry_spends_the_oldest_points_first() {
        // 100 earned long ago, 30 already spent: 70 expire.
        assert_eq!(expiring(100, 30, 120), 70);
        // Everything old already spent: nothing expires.
        assert_eq!(expiring(100, 130, 50), 0);
        // Never more than the balance.
        assert_eq!(expiring(100, 0, 40), 40);
    }

    #[test]
    fn hours_parse_in_quarters_up_to_a_day() {
        assert_eq!(parse_hours("2"), Ok(120));
        assert_eq!(parse_hours("1.5"), Ok(90));
        assert_eq!(parse_hours("0.25"), Ok(15));
        assert_eq!(parse_hours("3小时"), Ok(180));
        for bad in ["", "0", "25", "1.1", "-1", "abc", "1.333", ".", "100"] {
            assert!(parse_hours(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_correction("-1.5"), Ok(-90));
        assert_eq!(parse_correction("+2"), Ok(120));
        assert!(parse_correction("0").is_err());
    }

    #[test]
    fn check_out_must_follow_check_in_within_a_day() {
        assert_eq!(served_minutes(0, 90 * 60_000), Ok(90));
        assert!(served_minutes(10, 10).is_err());
        assert!(served_minutes(0, 25 * 3_600_000).is_err());
        // Early arrival and a forgotten check-out count only the activity's own hours.
        let h = 3_600_000;
        assert_eq!(counted_minutes(9 * h + h / 6 * 5, 11 * h + h / 2, 10 * h, 12 * h), Ok(90));
        assert_eq!(counted_minutes(10 * h, 20 * h, 10 * h, 12 * h), Ok(120));
        assert_eq!(counted_minutes(9 * h, 9 * h + h / 2, 10 * h, 12 * h), Ok(1));
    }

    #[test]
    fn spans_overlap_only_when_they_share_a_moment() {
        assert!(overlaps((0, 10), (5, 15)));
        assert!(overlaps((0, 10), (2, 3)));
        assert!(!overlaps((0, 10), (10, 20)));
        assert!(!overlaps((10, 20), (0, 10)));
    }

    #[test]
    fn mentors_need_three_years_and_two_projects() {
        let now = 10 * YEAR_MS;
        assert!(mentor_eligible(now - 3 * YEAR_MS, now, 2));
        assert!(!mentor_eligible(now - 3 * YEAR_MS + DAY_MS, now, 2));
        assert!(!mentor_eligible(now - 5 * YEAR_MS, now, 1));
    }

    #[test]
    fn the_plan_moves_through_its_stages() {
        assert_eq!(plan_month(0, 0), 1);
        assert_eq!(stage(plan_month(0, 59 * DAY_MS)), MentorStage::CoParticipate);
        assert_eq!(stage(plan_month(0, 61 * DAY_MS)), MentorStage::LeadAlone);
        assert_eq!(stage(plan_month(0, 125 * DAY_MS)), MentorStage::Reflect);
        assert_eq!(stage(plan_month(0, 151 * DAY_MS)), MentorStage::Assess);
        assert!(parse_case_report("太短").is_err());
    }

    #[test]
    fn tenure_bands_and_shares() {
        assert_eq!(tenure(YEAR_MS / 2 - 1), Tenure::UnderSixMonths);
        assert_eq!(tenure(YEAR_MS / 2), Tenure::SixToTwelveMonths);
        assert_eq!(tenure(3 * YEAR_MS + 1), Tenure::OverThreeYears);
        assert_eq!(permille(1, 3), 333);
        assert_eq!(permille(2, 3), 667);
        assert_eq!(permille(1, 0), 0);
        // Ten people; the busiest carries 63 of 100 tasks.
        let mut loads = vec![63, 5, 5, 5, 4, 4, 4, 4, 3, 3];
        assert_eq!(top_tenth_share(&mut loads), 630);
        // Eleven people: the top tenth is two.
        let mut eleven = vec![1; 11];
        assert_eq!(top_tenth_share(&mut eleven), 182);
        assert!(under_35(Some(1992), 2026));
        assert!(!under_35(Some(1991), 2026));
        assert!(!under_35(None, 2026));
    }
}
