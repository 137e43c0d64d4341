//! R1, R4 — the community resource database's rules: what a resource is, when it is available
//! (a weekly schedule plus dated exceptions, in Asia/Shanghai local time), stock that cannot go
//! negative, and the rules a facility booking must satisfy.
//!
//! Times here are UTC milliseconds at the edges and local minutes inside; China has no daylight
//! saving, so local time is UTC+8 throughout.

use crate::error::{FieldError, optional_text, text};

code_enum!(
    /// The kinds of resource the five actors hold `[000 §5.3] [001 §2.3] [004 §4.4]`.
    ResourceKind, "kind", "errors.resource.kind" {
    Skill => "skill",
    Service => "service",
    Space => "space",
    Supply => "supply",
    Stockpile => "stockpile",
    Equipment => "equipment",
    Fund => "fund",
});

impl ResourceKind {
    /// Kinds counted in units that go up and down (stock moves).
    pub fn has_stock(self) -> bool {
        matches!(self, ResourceKind::Supply | ResourceKind::Stockpile | ResourceKind::Equipment | ResourceKind::Fund)
    }

    /// Kinds that can be booked by the hour.
    pub fn bookable(self) -> bool {
        matches!(self, ResourceKind::Space | ResourceKind::Equipment)
    }

    /// Kinds that do work for a need (and so carry a load of assigned needs).
    pub fn serves_needs(self) -> bool {
        matches!(self, ResourceKind::Skill | ResourceKind::Service)
    }
}

code_enum!(
    ResourceStatus, "status", "errors.resource.status" {
    Active => "active",
    Paused => "paused",
    Retired => "retired",
});

pub const MINUTES_PER_DAY: u16 = 24 * 60;
const MINUTE: i64 = 60_000;
const DAY_MS: i64 = 24 * 60 * MINUTE;
pub const UTC8_MS: i64 = crate::LOCAL_OFFSET_MS;

/// Local day number (days since 1970-01-01 in UTC+8) and minute of that day for an instant.
pub fn local_day_minute(utc_ms: i64) -> (i64, u16) {
    let local = utc_ms + UTC8_MS;
    (local.div_euclid(DAY_MS), (local.rem_euclid(DAY_MS) / MINUTE) as u16)
}

/// The UTC instant of a local day and minute.
pub fn utc_of(day: i64, minute: u16) -> i64 {
    day * DAY_MS + i64::from(minute) * MINUTE - UTC8_MS
}

/// Monday = 1 … Sunday = 7 (ISO 8601), for a local day number.
pub fn weekday(day: i64) -> u8 {
    // 1970-01-01 was a Thursday.
    ((day + 3).rem_euclid(7) + 1) as u8
}

/// One opening window on a weekday, in local minutes `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Window {
    pub weekday: u8,
    pub start: u16,
    pub end: u16,
}

/// When a resource is normally available: windows per weekday. Empty means "by arrangement":
/// always available as far as the schedule goes (a fund, a stockpile).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WeeklySchedule {
    windows: Vec<Window>,
}

const DAY_NAMES: [(&str, u8); 21] = [
    ("mon", 1),
    ("tue", 2),
    ("wed", 3),
    ("thu", 4),
    ("fri", 5),
    ("sat", 6),
    ("sun", 7),
    ("周一", 1),
    ("周二", 2),
    ("周三", 3),
    ("周四", 4),
    ("周五", 5),
    ("周六", 6),
    ("周日", 7),
    ("周天", 7),
    ("一", 1),
    ("二", 2),
    ("三", 3),
    ("四", 4),
    ("五", 5),
    ("六", 6),
];

fn parse_day(s: &str) -> Option<u8> {
    let s = s.trim().to_lowercase();
    if let Ok(n) = s.parse::<u8>() {
        return (1..=7).contains(&n).then_some(n);
    }
    let s = s.strip_prefix("星期").map(|r| format!("周{r}")).unwrap_or(s);
    if s == "日" || s == "天" {
        return Some(7);
    }
    DAY_NAMES.iter().find(|(n, _)| s == *n || (n.is_ascii() && s.starts_with(n))).map(|(_, d)| *d)
}

/// `09:00` → 540; `24:00` is the end of the day.
pub fn parse_clock(s: &str) -> Option<u16> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    if m >= 60 || h > 24 || (h == 24 && m > 0) {
        return None;
    }
    Some(h * 60 + m)
}

pub fn clock(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

impl WeeklySchedule {
    /// Parses lines such as `1-5 09:00-12:00 14:00-18:00`, `周六 09:00-17:00` or
    /// `Sat 9:00-17:00`, separated by `;` or new lines. Days are 1 (Monday) … 7, their names in
    /// Chinese or English, or a range `1-5`/`周一-周五`.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let bad = || FieldError::new("schedule", "errors.schedule.invalid");
        let mut windows = Vec::new();
        for entry in raw.split([';', '\n', '；']).map(str::trim).filter(|e| !e.is_empty()) {
            let mut parts = entry.split_whitespace();
            let days = parts.next().ok_or_else(bad)?;
            let (from, to) = match days.split_once(['-', '~', '至']) {
                Some((a, b)) => (parse_day(a).ok_or_else(bad)?, parse_day(b).ok_or_else(bad)?),
                None => {
                    let d = parse_day(days).ok_or_else(bad)?;
                    (d, d)
                }
            };
            if from > to {
                return Err(bad());
            }
            let mut any = false;
            for span in parts {
                let (a, b) = span.split_once('-').ok_or_else(bad)?;
                let (start, end) = (parse_clock(a).ok_or_else(bad)?, parse_clock(b).ok_or_else(bad)?);
                if start >= end {
                    return Err(bad());
                }
                for weekday in from..=to {
                    windows.push(Window { weekday, start, end });
                }
                any = true;
            }
            if !any {
                return Err(bad());
            }
        }
        windows.sort();
        if windows.windows(2).any(|w| w[0].weekday == w[1].weekday && w[1].start < w[0].end) {
            return Err(FieldError::new("schedule", "errors.schedule.overlap"));
        }
        if windows.len() > 70 {
            return Err(FieldError::new("schedule", "errors.too_long"));
        }
        Ok(Self { windows })
    }

    pub fn windows(&self) -> &[Window] {
        &self.windows
    }

    pub fn is_empty(&self) -> bool {
        self.windows.is_empty()
    }

    /// The canonical text, one entry per weekday and window (`1 09:00-12:00;3 14:00-18:00`),
    /// which [`WeeklySchedule::parse`] reads back unchanged.
    pub fn code(&self) -> String {
        self.windows
            .iter()
            .map(|w| format!("{} {}-{}", w.weekday, clock(w.start), clock(w.end)))
            .collect::<Vec<_>>()
            .join(";")
    }

    /// Is `[start, end)` of local minutes on `weekday` inside one window?
    pub fn covers(&self, weekday: u8, start: u16, end: u16) -> bool {
        self.windows.is_empty() || self.windows.iter().any(|w| w.weekday == weekday && w.start <= start && end <= w.end)
    }
}

/// A dated change to the weekly schedule: closed for a holiday or repairs, or open at an extra
/// time. Minutes `[start, end)` of the local day `day`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exception {
    pub day: i64,
    pub start: u16,
    pub end: u16,
    pub open: bool,
}

impl Exception {
    /// From a form: a date `2026-12-25`, optional times (whole day when empty), open or closed.
    pub fn parse(date: &str, from: &str, to: &str, open: bool) -> Result<Self, FieldError> {
        let day = parse_date(date).ok_or(FieldError::new("date", "errors.date.invalid"))?;
        let (start, end) = if from.trim().is_empty() && to.trim().is_empty() {
            (0, MINUTES_PER_DAY)
        } else {
            let s = parse_clock(from).ok_or(FieldError::new("from", "errors.time.invalid"))?;
            let e = parse_clock(to).ok_or(FieldError::new("to", "errors.time.invalid"))?;
            (s, e)
        };
        if start >= end {
            return Err(FieldError::new("to", "errors.time.order"));
        }
        Ok(Self { day, start, end, open })
    }
}

/// `YYYY-MM-DD` → local day number.
pub fn parse_date(s: &str) -> Option<i64> {
    let mut it = s.trim().splitn(3, '-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: i64 = it.next()?.parse().ok()?;
    let d: i64 = it.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) || !(1900..=2100).contains(&y) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Local day number → `YYYY-MM-DD`.
pub fn date_of(day: i64) -> String {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// A schedule with its exceptions: the one answer to "is this resource available then?".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Availability {
    pub weekly: WeeklySchedule,
    pub exceptions: Vec<Exception>,
}

impl Availability {
    /// Is the local span `[start, end)` of `day` available? A closing exception that touches the
    /// span wins; an opening exception that contains it makes it available on any weekday.
    pub fn covers(&self, day: i64, start: u16, end: u16) -> bool {
        let today = self.exceptions.iter().filter(|e| e.day == day);
        let mut opened = false;
        for e in today {
            if !e.open && e.start < end && start < e.end {
                return false;
            }
            opened |= e.open && e.start <= start && end <= e.end;
        }
        opened || self.weekly.covers(weekday(day), start, end)
    }

    /// Available at the instant `utc_ms` (for one minute)?
    pub fn available_at(&self, utc_ms: i64) -> bool {
        let (day, minute) = local_day_minute(utc_ms);
        self.covers(day, minute, minute + 1)
    }

    /// The next instant at or after `from` when the resource is available, looking up to two
    /// weeks ahead; `None` when nothing opens in that time.
    pub fn next_open(&self, from: i64) -> Option<i64> {
        if self.available_at(from) {
            return Some(from);
        }
        let (day0, minute0) = local_day_minute(from);
        for day in day0..day0 + 14 {
            let mut starts: Vec<u16> = self
                .weekly
                .windows()
                .iter()
                .filter(|w| w.weekday == weekday(day))
                .map(|w| w.start)
                .chain(self.exceptions.iter().filter(|e| e.day == day && e.open).map(|e| e.start))
                .chain(self.exceptions.iter().filter(|e| e.day == day && !e.open).map(|e| e.end))
                .filter(|&s| day > day0 || s > minute0)
                .collect();
            starts.sort_unstable();
            if let Some(s) = starts.into_iter().find(|&s| s < MINUTES_PER_DAY && self.covers(day, s, s + 1)) {
                return Some(utc_of(day, s));
            }
        }
        None
    }
}

/// Stock can never go below zero (R1: "stock levels can't go negative").
pub fn apply_stock(current: i64, delta: i64) -> Result<i64, FieldError> {
    if delta == 0 {
        return Err(FieldError::new("delta", "errors.stock.zero"));
    }
    let next = current.checked_add(delta).ok_or(FieldError::new("delta", "errors.stock.negative"))?;
    if next < 0 {
        return Err(FieldError::new("delta", "errors.stock.negative"));
    }
    Ok(next)
}

/// A whole number of units: `12`, with a sign for moves.
pub fn parse_quantity(field: &'static str, raw: &str, allow_negative: bool) -> Result<i64, FieldError> {
    let n: i64 = raw.trim().parse().map_err(|_| FieldError::new(field, "errors.number.invalid"))?;
    if (!allow_negative && n < 0) || n.abs() > 1_000_000_000 {
        return Err(FieldError::new(field, "errors.number.range"));
    }
    Ok(n)
}

pub fn parse_name(raw: &str) -> Result<String, FieldError> {
    text("name", raw, 80)
}

pub fn parse_description(raw: &str) -> Result<String, FieldError> {
    Ok(optional_text("description", raw, 2000)?.unwrap_or_default())
}

/// Free skill tags (`电工 维修 老人照护`): split on spaces or commas, each at most 20 characters,
/// at most 20 tags, kept in their first order without repeats.
pub fn parse_tags(raw: &str) -> Result<Vec<String>, FieldError> {
    let mut out: Vec<String> = Vec::new();
    for t in raw.split([' ', ',', '，', '、', ';', '；']).map(str::trim).filter(|t| !t.is_empty()) {
        if t.chars().count() > 20 || t.chars().any(char::is_control) {
            return Err(FieldError::new("tags", "errors.too_long"));
        }
        if !out.iter().any(|o| o == t) {
            out.push(t.to_string());
        }
    }
    if out.len() > 20 {
        return Err(FieldError::new("tags", "errors.too_long"));
    }
    Ok(out)
}

code_enum!(
    /// Who may book a space: every signed-in resident, or only staff and organizations.
    BookerClass, "who", "errors.booking.who" {
    Anyone => "anyone",
    Organizations => "organizations",
    Staff => "staff",
});

/// R4 — a space's booking rules `[004 §6.1]`. Bookings are in whole slots of
/// [`SLOT_MINUTES`], so "no double booking" is a unique index over (space, slot).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingRules {
    pub who: BookerClass,
    pub max_minutes: u16,
    pub approval: bool,
}

pub const SLOT_MINUTES: u16 = 30;
pub const SLOT_MS: i64 = SLOT_MINUTES as i64 * MINUTE;

impl Default for BookingRules {
    fn default() -> Self {
        Self { who: BookerClass::Anyone, max_minutes: 240, approval: false }
    }
}

impl BookingRules {
    pub fn parse(who: &str, max_minutes: &str, approval: bool) -> Result<Self, FieldError> {
        let who = BookerClass::parse(who)?;
        let max: u16 =
            max_minutes.trim().parse().map_err(|_| FieldError::new("max_minutes", "errors.number.invalid"))?;
        if !(SLOT_MINUTES..=MINUTES_PER_DAY).contains(&max) || !max.is_multiple_of(SLOT_MINUTES) {
            return Err(FieldError::new("max_minutes", "errors.booking.max_minutes"));
        }
        Ok(Self { who, max_minutes: max, approval })
    }

    /// Is this booking request within the rules? `booker` is what the person may book as.
    /// Returns the slots it covers (UTC ms of each slot start).
    pub fn check(
        &self,
        open: &Availability,
        booker: BookerClass,
        now: i64,
        start: i64,
        end: i64,
    ) -> Result<Vec<i64>, FieldError> {
        let allowed = match self.who {
            BookerClass::Anyone => true,
            BookerClass::Organizations => booker != BookerClass::Anyone,
            BookerClass::Staff => booker == BookerClass::Staff,
        };
        if !allowed {
            return Err(FieldError::new("space", "errors.booking.not_allowed"));
        }
        if end <= start {
            return Err(FieldError::new("ends_at", "errors.time.order"));
        }
        if start % SLOT_MS != 0 || end % SLOT_MS != 0 {
            return Err(FieldError::new("starts_at", "errors.booking.slot"));
        }
        if start < now {
            return Err(FieldError::new("starts_at", "errors.booking.past"));
        }
        if start > now + 180 * DAY_MS {
            return Err(FieldError::new("starts_at", "errors.booking.too_far"));
        }
        if end - start > i64::from(self.max_minutes) * MINUTE {
            return Err(FieldError::new("ends_at", "errors.booking.too_long"));
        }
        let (d0, m0) = local_day_minute(start);
        let (d1, m1) = local_day_minute(end);
        let within = if d1 == d0 {
            open.covers(d0, m0, m1)
        } else {
            d1 == d0 + 1 && m1 == 0 && open.covers(d0, m0, MINUTES_PER_DAY)
        };
        if !within {
            return Err(FieldError::new("starts_at", "errors.booking.closed"));
        }
        Ok((start..end).step_by(SLOT_MS as usize).collect())
    }
}

code_enum!(
    /// A booking's life: requested (when the space needs approval), confirmed, then over; or
    /// rejected or cancelled. "In use" is a confirmed booking whose time has come.
    BookingStatus, "status", "errors.booking.status" {
    Requested => "requested",
    Confirmed => "confirmed",
    Rejected => "rejected",
    Cancelled => "cancelled",
});

impl BookingStatus {
    /// Holding slots: the space is not free for others.
    pub fn holds(self) -> bool {
        matches!(self, BookingStatus::Requested | BookingStatus::Confirmed)
    }

    /// `approve` true: a manager's yes; false: their no. Only requested bookings are decided.
    pub fn decide(self, approve: bool) -> Result<BookingStatus, FieldError> {
        match (self, approve) {
            (BookingStatus::Requested, true) => Ok(BookingStatus::Confirmed),
            (BookingStatus::Requested, false) => Ok(BookingStatus::Rejected),
            _ => Err(FieldError::new("status", "errors.booking.transition")),
        }
    }

    pub fn cancel(self) -> Result<BookingStatus, FieldError> {
        if self.holds() {
            Ok(BookingStatus::Cancelled)
        } else {
            Err(FieldError::new("status", "errors.booking.transition"))
        }
    }
}

/// Live status of a space at an instant, for the calendar view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveStatus {
    Closed,
    Free,
    Booked,
    InUse,
}

impl LiveStatus {
    pub fn code(self) -> &'static str {
        match self {
            LiveStatus::Closed => "closed",
            LiveStatus::Free => "free",
            LiveStatus::Booked => "booked",
            LiveStatus::InUse => "in_use",
        }
    }

    /// A slot's status: `held` is the status of the booking holding it, if any.
    pub fn of_slot(open: bool, held: Option<BookingStatus>, slot_start: i64, now: i64) -> LiveStatus {
        match held {
            Some(BookingStatus::Confirmed) if slot_start <= now && now < slot_start + SLOT_MS => LiveStatus::InUse,
            Some(s) if s.holds() => LiveStatus::Booked,
            _ if open => LiveStatus::Free,
            _ => LiveStatus::Closed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-23 was a Monday.
    fn monday() -> i64 {
        parse_date("2026-11-23").unwrap()
    }

    #[test]
    fn schedules_parse_in_both_languages_and_read_back() {
        let s = WeeklySchedule::parse("1-5 09:00-12:00 14:00-18:00; 周六 9:00-17:00\nSun 10:00-11:30").unwrap();
        assert_eq!(s.windows().len(), 12);
        assert_eq!(WeeklySchedule::parse(&s.code()).unwrap(), s);
        assert!(s.covers(3, 9 * 60, 12 * 60));
        assert!(!s.covers(3, 11 * 60, 13 * 60), "spans the lunch break");
        assert!(s.covers(7, 10 * 60, 11 * 60 + 30));
        assert!(!s.covers(7, 11 * 60, 12 * 60));
        assert_eq!(WeeklySchedule::parse("周一至周五 08:30-17:30").unwrap().windows().len(), 5);
    }

    #[test]
    fn bad_schedules_name_the_field() {
        for bad in ["8 09:00-10:00", "1 10:00-09:00", "1 09:00", "1 25:00-26:00", "5-1 09:00-10:00", "x"] {
            assert_eq!(
                WeeklySchedule::parse(bad).unwrap_err(),
                FieldError::new("schedule", "errors.schedule.invalid"),
                "{bad}"
            );
        }
        assert_eq!(WeeklySchedule::parse("1 09:00-12:00; 1 11:00-13:00").unwrap_err().key, "errors.schedule.overlap");
        assert!(WeeklySchedule::parse("").unwrap().is_empty());
    }

    #[test]
    fn dates_convert_both_ways() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(weekday(monday()), 1);
        for d in [-1000, 0, 59, 60, 365, 20_000, 20_415, 30_000] {
            assert_eq!(parse_date(&date_of(d)), Some(d));
        }
        assert_eq!(parse_date("2026-02-29"), None);
        assert_eq!(parse_date("2028-02-29").map(date_of).as_deref(), Some("2028-02-29"));
        assert_eq!(parse_date("2026-13-01"), None);
    }

    #[test]
    fn exceptions_close_and_open_days() {
        let mut a = Availability { weekly: WeeklySchedule::parse("1-5 09:00-18:00").unwrap(), exceptions: vec![] };
        let tue = monday() + 1;
        assert!(a.covers(tue, 600, 660));
        a.exceptions.push(Exception::parse(&date_of(tue), "", "", false).unwrap());
        assert!(!a.covers(tue, 600, 660), "closed all day");
        let sat = monday() + 5;
        assert!(!a.covers(sat, 600, 660));
        a.exceptions.push(Exception::parse(&date_of(sat), "09:00", "12:00", true).unwrap());
        assert!(a.covers(sat, 600, 660), "opened for the morning");
        assert!(!a.covers(sat, 700, 760));
        // Next opening after the closed Tuesday morning is Wednesday 09:00.
        let next = a.next_open(utc_of(tue, 8 * 60)).unwrap();
        assert_eq!(local_day_minute(next), (tue + 1, 540));
        assert_eq!(Exception::parse("2026-12-01", "10:00", "09:00", false).unwrap_err().key, "errors.time.order");
    }

    #[test]
    fn stock_never_goes_negative() {
        assert_eq!(apply_stock(5, -5), Ok(0));
        assert_eq!(apply_stock(5, -6).unwrap_err().key, "errors.stock.negative");
        assert_eq!(apply_stock(i64::MAX, 1).unwrap_err().key, "errors.stock.negative");
        assert_eq!(apply_stock(1, 0).unwrap_err().key, "errors.stock.zero");
    }

    #[test]
    fn bookings_follow_the_rules() {
        let open = Availability { weekly: WeeklySchedule::parse("1-7 08:00-21:00").unwrap(), exceptions: vec![] };
        let rules = BookingRules::parse("anyone", "120", false).unwrap();
        let now = utc_of(monday(), 7 * 60);
        let at = |h: u16, m: u16| utc_of(monday(), h * 60 + m);
        assert_eq!(
            rules.check(&open, BookerClass::Anyone, now, at(9, 0), at(10, 0)).unwrap(),
            vec![at(9, 0), at(9, 30)]
        );
        let key = |s, e| rules.check(&open, BookerClass::Anyone, now, s, e).unwrap_err().key;
        assert_eq!(key(at(9, 0), at(11, 30)), "errors.booking.too_long");
        assert_eq!(key(at(20, 0), at(21, 30)), "errors.booking.closed");
        assert_eq!(key(at(9, 10), at(10, 0)), "errors.booking.slot");
        assert_eq!(key(at(6, 0), at(6, 30)), "errors.booking.past");
        assert_eq!(key(at(10, 0), at(10, 0)), "errors.time.order");
        let staff_only = BookingRules::parse("staff", "60", true).unwrap();
        assert_eq!(
            staff_only.check(&open, BookerClass::Organizations, now, at(9, 0), at(9, 30)).unwrap_err().key,
            "errors.booking.not_allowed"
        );
        assert!(staff_only.check(&open, BookerClass::Staff, now, at(9, 0), at(9, 30)).is_ok());
        assert_eq!(BookingRules::parse("anyone", "45", false).unwrap_err().key, "errors.booking.max_minutes");
    }

    #[test]
    fn booking_status_moves_only_forward() {
        assert_eq!(BookingStatus::Requested.decide(true), Ok(BookingStatus::Confirmed));
        assert_eq!(BookingStatus::Requested.decide(false), Ok(BookingStatus::Rejected));
        assert!(BookingStatus::Confirmed.decide(true).is_err());
        assert_eq!(BookingStatus::Confirmed.cancel(), Ok(BookingStatus::Cancelled));
        assert!(BookingStatus::Cancelled.cancel().is_err());
        let slot = 1_000 * SLOT_MS;
        assert_eq!(LiveStatus::of_slot(true, Some(BookingStatus::Confirmed), slot, slot + 1), LiveStatus::InUse);
        assert_eq!(LiveStatus::of_slot(true, Some(BookingStatus::Requested), slot, slot + 1), LiveStatus::Booked);
        assert_eq!(LiveStatus::of_slot(true, Some(BookingStatus::Cancelled), slot, 0), LiveStatus::Free);
        assert_eq!(LiveStatus::of_slot(false, None, slot, 0), LiveStatus::Closed);
    }

    #[test]
    fn tags_are_split_and_deduplicated() {
        assert_eq!(parse_tags("电工, 维修、电工 水管").unwrap(), vec!["电工", "维修", "水管"]);
        assert!(parse_tags(&"长".repeat(21)).is_err());
    }
}
