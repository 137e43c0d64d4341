//! The volunteers' records as stored, read with `FromRow` by column name.

use wushe_domain::volunteers::{
    ActivityKind, EntryKind, MentorshipStatus, RecordRole, RecordSource, RecordStatus, SignupStatus, VolunteerStatus,
};

/// A volunteer: a person of the community with a profile, totals and a points balance.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Volunteer {
    pub id: i64,
    pub community_id: i64,
    pub area_path: String,
    pub person_id: i64,
    pub user_id: Option<i64>,
    #[sqlx(try_from = "String")]
    pub status: VolunteerStatus,
    pub group_id: Option<i64>,
    pub skills: String,
    pub availability: String,
    pub party_member: i64,
    pub insurance_until: Option<i64>,
    pub insurance_policy: String,
    pub joined_at: i64,
    pub minutes: i64,
    pub tasks: i64,
    pub led: i64,
    pub decisions: i64,
    pub last_served_at: Option<i64>,
    pub balance: i64,
    pub version: i64,
    /// The person's name, joined from `people`.
    pub name: String,
    pub birth_year: Option<i64>,
}

impl Volunteer {
    pub fn party(&self) -> bool {
        self.party_member != 0
    }

    /// The skill tags, without the stored list's padding.
    pub fn skill_list(&self) -> Vec<&str> {
        self.skills.split_whitespace().collect()
    }

    /// Whether the insurance cover (志愿服务综合险) runs at `now`.
    pub fn insured(&self, now: i64) -> bool {
        self.insurance_until.is_some_and(|u| u >= now)
    }
}

pub(crate) const VOLUNTEER_COLS: &str = "v.id, v.community_id, v.area_path, v.person_id, v.user_id, v.status, v.group_id, \
    v.skills, v.availability, v.party_member, v.insurance_until, v.insurance_policy, v.joined_at, v.minutes, v.tasks, \
    v.led, v.decisions, v.last_served_at, v.balance, v.version, p.name, p.birth_year";
pub(crate) const VOLUNTEER_FROM: &str = "volunteers v JOIN people p ON p.id = v.person_id";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Group {
    pub id: i64,
    pub community_id: i64,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Training {
    pub id: i64,
    pub volunteer_id: i64,
    pub name: String,
    pub certificate: String,
    pub taken_on: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Activity {
    pub id: i64,
    pub community_id: i64,
    pub area_path: String,
    #[sqlx(try_from = "String")]
    pub kind: ActivityKind,
    pub title: String,
    pub description: String,
    pub place: String,
    pub organizer_user_id: Option<i64>,
    pub group_id: Option<i64>,
    pub course_id: Option<i64>,
    pub session_no: Option<i64>,
    pub starts_at: i64,
    pub ends_at: i64,
    pub slots: i64,
    pub checkin_code: String,
    pub status: String,
}

pub(crate) const ACTIVITY_COLS: &str = "id, community_id, area_path, kind, title, description, place, organizer_user_id, \
    group_id, course_id, session_no, starts_at, ends_at, slots, checkin_code, status";

/// A held place on an activity.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Signup {
    pub id: i64,
    pub activity_id: i64,
    pub volunteer_id: i64,
    pub slot: i64,
    #[sqlx(try_from = "String")]
    pub status: SignupStatus,
    pub signed_at: i64,
    pub expires_at: i64,
    pub checkin_at: Option<i64>,
    pub checkout_at: Option<i64>,
}

pub(crate) const SIGNUP_COLS: &str =
    "id, activity_id, volunteer_id, slot, status, signed_at, expires_at, checkin_at, checkout_at";

/// An entry of the hours ledger: never edited but for its one decision.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ServiceRecord {
    pub id: i64,
    pub community_id: i64,
    pub volunteer_id: i64,
    pub activity_id: Option<i64>,
    pub need_id: Option<i64>,
    #[sqlx(try_from = "String")]
    pub source: RecordSource,
    #[sqlx(try_from = "String")]
    pub role: RecordRole,
    pub started_at: i64,
    pub ended_at: i64,
    pub minutes: i64,
    #[sqlx(try_from = "String")]
    pub status: RecordStatus,
    pub corrects_id: Option<i64>,
    pub note: String,
    pub entered_by: Option<i64>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<i64>,
    pub created_at: i64,
}

pub(crate) const RECORD_COLS: &str = "id, community_id, volunteer_id, activity_id, need_id, source, role, started_at, \
    ended_at, minutes, status, corrects_id, note, entered_by, decided_by, decided_at, created_at";

/// An entry of a points account.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PointsEntry {
    pub id: i64,
    pub volunteer_id: i64,
    #[sqlx(try_from = "String")]
    pub kind: EntryKind,
    pub points: i64,
    pub rule_id: i64,
    pub source: String,
    pub reason: String,
    pub expires_at: Option<i64>,
    pub created_at: i64,
}

pub(crate) const ENTRY_COLS: &str = "id, volunteer_id, kind, points, rule_id, source, reason, expires_at, created_at";

/// A rule of the points scheme, as a community keeps it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredRule {
    pub id: i64,
    pub community_id: i64,
    pub trigger_code: String,
    pub points: i64,
    pub party_only: i64,
    pub active: i64,
}

/// An item of the redemption catalogue.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Item {
    pub id: i64,
    pub community_id: i64,
    pub name: String,
    pub points: i64,
    pub stock: i64,
    pub active: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Redemption {
    pub id: i64,
    pub community_id: i64,
    pub volunteer_id: i64,
    pub item_id: i64,
    pub points: i64,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Course {
    pub id: i64,
    pub community_id: i64,
    pub title: String,
    pub description: String,
    pub sessions: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Mentorship {
    pub id: i64,
    pub community_id: i64,
    pub mentor_id: i64,
    pub mentee_id: i64,
    pub started_at: i64,
    #[sqlx(try_from = "String")]
    pub status: MentorshipStatus,
    pub case_report: String,
    pub assessed_at: Option<i64>,
}

pub(crate) const MENTORSHIP_COLS: &str =
    "id, community_id, mentor_id, mentee_id, started_at, status, case_report, assessed_at";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MentorshipNote {
    pub id: i64,
    pub mentorship_id: i64,
    pub month: i64,
    pub note: String,
    pub by_user: Option<i64>,
    pub created_at: i64,
}
