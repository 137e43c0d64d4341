//! V1–V6 — volunteers (志愿服务) `[000 §3.2, §4.2, §5.1] [002 §4.2] [004 §5.3, §6.2, §6.3]`.
//! Owns `volunteers`, `volunteer_groups`, `volunteer_trainings`, `activities`,
//! `activity_signups`, `service_records`, `points_*`, `courses`, `mentorships` and
//! `mentorship_notes`.
//!
//! A volunteer is a person of the community with a profile. Activities have places claimed like
//! needs on the claim list: one holder per place (a partial unique index), released by the
//! holder or expiring when nobody checks in. Hours come from check-in and check-out or are
//! entered by hand, and count only once a social worker or the activity's organizer verifies
//! them; corrections are new entries. Verification keeps each person's totals and earns points
//! under the community's rules, in the same transaction, so the retention figures and the
//! points balance are as current as the records. The balance is a column kept with each
//! points entry and checked against their sum by `wushe points verify`.

mod access;
mod commands;
mod forms;
mod growth;
mod hours;
mod model;
mod points;
mod queries;
mod retention;
mod roster;
mod synthetic;

pub use access::{activity, activity_record, get, home_of, may_verify, mine, service_record, volunteer_record};
pub use commands::{
    CHECKIN_OPENS_MS, PLACE_HELD_MS, add_training, check_in, check_out, create_activity, create_group,
    decide_registration, enter, expire_places, register, release, sign_up, update_profile,
};
pub use forms::{
    ActivityForm, CorrectionForm, HoursForm, ItemForm, NewActivity, NewHours, PointsCorrectionForm, Profile,
    ProfileForm, RuleForm, local_midnight,
};
pub use growth::{
    add_note, assess, attendance, completed, courses, create_course, eligible, mentors, mentorship, notes, pair, pairs,
    submit_report, visible as mentorship_visible,
};
pub use hours::{correct, decide_hours, enter_hours, record};
pub use model::{
    Activity, Course, Group, Item, Mentorship, MentorshipNote, PointsEntry, Redemption, ServiceRecord, Signup,
    StoredRule, Training, Volunteer,
};
pub(crate) use points::on_need_step;
pub use points::{
    Mismatch, account, add_item, add_rule, catalogue, correct as correct_points, end_rule, expire as expire_points,
    expiry_months, item, redeem, redemptions_of, restock, rules, verify as verify_points,
};
pub(crate) use queries::on_call;
pub use queries::{
    ListFilter, OnCall, Waiting, group_years, groups, has_waiting, list, my_place, my_places, past,
    pending_registrations, records_of, signups, taken, totals, trainings, upcoming, waiting,
};
pub use retention::{Figures, Part, figures, figures_and_parts, inactive};
pub use roster::{COLUMNS as ROSTER_COLUMNS, import as import_roster, template as roster_template};

/// Writes for the demo's step, inside its transactions.
#[allow(unused_imports)]
pub(crate) mod bulk {
    pub(crate) use super::access::{by_id, by_id_in};
    pub(crate) use super::commands::{insert_activity, insert_volunteer};
    pub(crate) use super::growth::{insert_course, insert_note, insert_outcome, insert_pair};
    pub(crate) use super::hours::{Served, insert_history, insert_record};
    pub(crate) use super::points::{ensure_defaults, post};
    pub(crate) use super::synthetic::{Synthetic, insert_entries, insert_on_call, insert_records, insert_volunteers};
}
