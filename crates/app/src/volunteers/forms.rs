//! Raw input as pages and the API send it, and what it parses into.

use wushe_domain::resources::{WeeklySchedule, parse_clock, parse_date, parse_tags};
use wushe_domain::volunteers::{self as v, ActivityKind, RecordRole, Trigger};
use wushe_domain::{FieldError, FieldErrors, LOCAL_OFFSET_MS};

/// Local midnight of a `YYYY-MM-DD` date, in UTC milliseconds.
pub fn local_midnight(date: &str, field: &'static str) -> Result<i64, FieldError> {
    parse_date(date).map(|d| d * v::DAY_MS - LOCAL_OFFSET_MS).ok_or(FieldError::new(field, "errors.date.invalid"))
}

fn flag(raw: &str) -> bool {
    matches!(raw.trim(), "1" | "on" | "true" | "yes" | "是")
}

fn optional_id(field: &'static str, raw: &str) -> Result<Option<i64>, FieldError> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse::<i64>().ok().filter(|n| *n > 0).map(Some).ok_or(FieldError::new(field, "errors.id.invalid"))
}

/// A volunteer's profile: entered by staff for a resident, or by the person registering.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ProfileForm {
    /// The resident (staff entry only; self-registration is always oneself).
    pub person_id: String,
    pub group_id: String,
    /// Skill tags, separated by spaces or commas.
    pub skills: String,
    /// When one can serve, as a weekly schedule (`1-5 18:00-21:00`, `周六 09:00-12:00`).
    pub availability: String,
    /// The preferred grid's code (empty: the whole community).
    pub grid: String,
    pub party_member: String,
    /// 志愿服务综合险: the policy number and the date the cover ends.
    pub insurance_policy: String,
    pub insurance_until: String,
    /// Serving since (staff entry; self-registration starts on approval).
    pub joined_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub person_id: Option<i64>,
    pub group_id: Option<i64>,
    pub skills: Vec<String>,
    pub availability: String,
    pub grid: Option<String>,
    pub party_member: bool,
    pub insurance_policy: String,
    pub insurance_until: Option<i64>,
    pub joined_at: Option<i64>,
}

impl ProfileForm {
    pub fn parse(&self) -> Result<Profile, FieldErrors> {
        let mut e = FieldErrors::default();
        let person_id = e.check(optional_id("person_id", &self.person_id)).flatten();
        let group_id = e.check(optional_id("group_id", &self.group_id)).flatten();
        let skills = e.check(parse_tags(&self.skills.replace([',', '，', '、'], " "))).unwrap_or_default();
        if !self.availability.trim().is_empty() {
            e.check(
                WeeklySchedule::parse(&self.availability)
                    .map_err(|_| FieldError::new("availability", "errors.schedule.invalid")),
            );
        }
        let grid = Some(self.grid.trim().to_string()).filter(|g| !g.is_empty());
        if grid.as_ref().is_some_and(|g| g.len() > 32 || !g.bytes().all(|b| b.is_ascii_digit())) {
            e.0.push(FieldError::new("grid", "errors.area.unknown"));
        }
        let policy = self.insurance_policy.trim().to_string();
        if policy.chars().count() > 60 {
            e.0.push(FieldError::new("insurance_policy", "errors.text.too_long"));
        }
        let until = if self.insurance_until.trim().is_empty() {
            None
        } else {
            e.check(local_midnight(&self.insurance_until, "insurance_until")).map(|m| m + v::DAY_MS - 1)
        };
        let joined =
            if self.joined_on.trim().is_empty() { None } else { e.check(local_midnight(&self.joined_on, "joined_on")) };
        if !e.0.is_empty() {
            return Err(e);
        }
        Ok(Profile {
            person_id,
            group_id,
            skills,
            availability: self.availability.trim().to_string(),
            grid,
            party_member: flag(&self.party_member),
            insurance_policy: policy,
            insurance_until: until,
            joined_at: joined,
        })
    }
}

/// An activity: what, where, when, how many places.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ActivityForm {
    pub kind: String,
    pub title: String,
    pub description: String,
    pub place: String,
    pub date: String,
    pub from: String,
    pub to: String,
    pub slots: String,
    pub group_id: String,
    /// A session of a training-camp course, and its number.
    pub course_id: String,
    pub session_no: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewActivity {
    pub kind: ActivityKind,
    pub title: String,
    pub description: String,
    pub place: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub slots: i64,
    pub group_id: Option<i64>,
    pub course_id: Option<i64>,
    pub session_no: Option<i64>,
}

impl ActivityForm {
    pub fn parse(&self) -> Result<NewActivity, FieldErrors> {
        let mut e = FieldErrors::default();
        let kind = e.check(if self.kind.trim().is_empty() {
            Ok(ActivityKind::Service)
        } else {
            ActivityKind::parse(&self.kind)
        });
        let title = e.check(v::parse_name("title", &self.title));
        let description = self.description.trim().to_string();
        if description.chars().count() > 2000 {
            e.0.push(FieldError::new("description", "errors.text.too_long"));
        }
        let place = self.place.trim().to_string();
        if place.is_empty() || place.chars().count() > 100 {
            e.0.push(FieldError::new("place", "errors.required"));
        }
        let day = e.check(local_midnight(&self.date, "date"));
        let from = e.check(parse_clock(&self.from).ok_or(FieldError::new("from", "errors.time.invalid")));
        let to = e.check(parse_clock(&self.to).ok_or(FieldError::new("to", "errors.time.invalid")));
        if let (Some(f), Some(t)) = (from, to)
            && t <= f
        {
            e.0.push(FieldError::new("to", "errors.time.order"));
        }
        let slots = e.check(v::parse_slots(&self.slots));
        let group_id = e.check(optional_id("group_id", &self.group_id)).flatten();
        let course_id = e.check(optional_id("course_id", &self.course_id)).flatten();
        let session_no = e.check(optional_id("session_no", &self.session_no)).flatten();
        if course_id.is_some() != session_no.is_some() {
            e.0.push(FieldError::new("session_no", "errors.required"));
        }
        if !e.0.is_empty() {
            return Err(e);
        }
        let (day, from, to) = (day.unwrap_or(0), i64::from(from.unwrap_or(0)), i64::from(to.unwrap_or(0)));
        Ok(NewActivity {
            kind: kind.unwrap_or(ActivityKind::Service),
            title: title.unwrap_or_default(),
            description,
            place,
            starts_at: day + from * 60_000,
            ends_at: day + to * 60_000,
            slots: slots.unwrap_or(1),
            group_id,
            course_id,
            session_no,
        })
    }
}

/// Hours entered by hand: the volunteer's own report, or staff's for them.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct HoursForm {
    /// The activity served at, if any.
    pub activity_id: String,
    pub date: String,
    /// When the service began (local clock).
    pub from: String,
    pub duration: String,
    pub role: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewHours {
    pub activity_id: Option<i64>,
    pub started_at: i64,
    pub minutes: i64,
    pub role: RecordRole,
    pub note: String,
}

impl HoursForm {
    pub fn parse(&self) -> Result<NewHours, FieldErrors> {
        let mut e = FieldErrors::default();
        let activity_id = e.check(optional_id("activity_id", &self.activity_id)).flatten();
        let day = e.check(local_midnight(&self.date, "date"));
        let from = e.check(parse_clock(&self.from).ok_or(FieldError::new("from", "errors.time.invalid")));
        let minutes = e.check(v::parse_hours(&self.duration));
        let role = e.check(if self.role.trim().is_empty() {
            Ok(RecordRole::Participant)
        } else {
            RecordRole::parse(&self.role)
        });
        let note = self.note.trim().to_string();
        if note.chars().count() > 500 {
            e.0.push(FieldError::new("note", "errors.text.too_long"));
        }
        if !e.0.is_empty() {
            return Err(e);
        }
        Ok(NewHours {
            activity_id,
            started_at: day.unwrap_or(0) + i64::from(from.unwrap_or(0)) * 60_000,
            minutes: minutes.unwrap_or(0),
            role: role.unwrap_or(RecordRole::Participant),
            note,
        })
    }
}

/// A correction or dispute of a record: the change in hours and why.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct CorrectionForm {
    pub duration: String,
    pub note: String,
}

impl CorrectionForm {
    pub fn parse(&self) -> Result<(i64, String), FieldErrors> {
        let mut e = FieldErrors::default();
        let m = e.check(v::parse_correction(&self.duration));
        let note = self.note.trim().to_string();
        if note.is_empty() || note.chars().count() > 500 {
            e.0.push(FieldError::new("note", "errors.required"));
        }
        if !e.0.is_empty() {
            return Err(e);
        }
        Ok((m.unwrap_or(0), note))
    }
}

/// A catalogue item.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ItemForm {
    pub name: String,
    pub points: String,
    pub stock: String,
}

impl ItemForm {
    pub fn parse(&self) -> Result<(String, i64, i64), FieldErrors> {
        let mut e = FieldErrors::default();
        let name = e.check(v::parse_name("name", &self.name));
        let points = e.check(v::parse_points(&self.points));
        let stock = e.check(v::parse_stock(&self.stock));
        match (name, points, stock) {
            (Some(n), Some(p), Some(s)) if e.0.is_empty() => Ok((n, p, s)),
            _ => Err(e),
        }
    }
}

/// A points rule.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct RuleForm {
    pub trigger: String,
    pub points: String,
    pub party_only: String,
}

impl RuleForm {
    pub fn parse(&self) -> Result<v::Rule, FieldErrors> {
        let mut e = FieldErrors::default();
        let trigger = e.check(Trigger::parse(&self.trigger));
        let points = e.check(v::parse_points(&self.points));
        match (trigger, points) {
            (Some(trigger), Some(points)) if e.0.is_empty() => {
                Ok(v::Rule { trigger, points, party_only: flag(&self.party_only) })
            }
            _ => Err(e),
        }
    }
}

/// A manual correction of a points account: never without a reason.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct PointsCorrectionForm {
    pub points: String,
    pub reason: String,
}

impl PointsCorrectionForm {
    pub fn parse(&self) -> Result<(i64, String), FieldErrors> {
        let mut e = FieldErrors::default();
        let s = self.points.trim();
        let points = s.parse::<i64>().ok().filter(|p| *p != 0 && p.abs() <= 1000);
        if points.is_none() {
            e.0.push(FieldError::new("points", "errors.points.invalid"));
        }
        let reason = self.reason.trim().to_string();
        if reason.chars().count() < 4 || reason.chars().count() > 500 {
            e.0.push(FieldError::new("reason", "errors.points.reason"));
        }
        if !e.0.is_empty() {
            return Err(e);
        }
        Ok((points.unwrap_or(0), reason))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_activity_names_every_bad_field() {
        let f = ActivityForm {
            title: "".into(),
            date: "2026-13-01".into(),
            from: "9".into(),
            to: "8:00".into(),
            slots: "0".into(),
            ..Default::default()
        };
        let e = f.parse().unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|x| x.field).collect();
        for want in ["title", "place", "date", "from", "slots"] {
            assert!(fields.contains(&want), "{want} in {fields:?}");
        }
        let ok = ActivityForm {
            title: "楼道清洁".into(),
            place: "1栋".into(),
            date: "2026-12-05".into(),
            from: "09:00".into(),
            to: "11:30".into(),
            slots: "8".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert_eq!(ok.ends_at - ok.starts_at, 150 * 60_000);
        assert_eq!(ok.kind, ActivityKind::Service);
    }

    #[test]
    fn hours_need_a_date_a_start_and_a_length() {
        let f =
            HoursForm { date: "2026-12-01".into(), from: "14:00".into(), duration: "2.5".into(), ..Default::default() };
        let h = f.parse().unwrap();
        assert_eq!(h.minutes, 150);
        assert!(HoursForm { duration: "30".into(), ..f }.parse().is_err());
    }
}
