//! E1–E3 — emergency mode (平急转换) `[000 §4.2, §5.4] [001 §2.1, §4.2, §4.4] [002 §4.1–4.2, §6.2]`.
//! Owns `emergency_plans`, `incidents`, `incident_areas`, `incident_log`, `emergency_alerts`,
//! `checkins` and `checkin_events`.
//!
//! A community admin (or a street officer, for several communities at once) declares an
//! incident on the community's plan for the hazard; in one transaction the mode log gains its
//! entry, the alert is stored as a CAP message and notifies whom it reaches, every vulnerable
//! resident of the areas gets a check-in, and the check-ins are dispatched by the optimiser
//! in `wushe_domain::dispatch`. Switching back is an explicit close with a summary. A drill is
//! an incident flagged as one: its alerts reach only staff and the drill group, and never the
//! public CAP feed.

mod access;
mod checkins;
mod feed;
mod forms;
mod live;
mod model;
mod places;
mod plans;
mod queries;
mod recovery;
mod supplies;
mod switch;

pub use access::{checkin, checkin_record, community, incident};
pub use checkins::{Dispatched, RESTING_MS, RETRY_AFTER_MS, Visit, decline, mine, record, sweep};
pub use feed::{CapAlert, public_alert, public_alerts};
pub use forms::{ChangeForm, CloseForm, Declaration, DeclareForm, NewPlan, PlanForm, ResultForm};
pub use live::{subscribe, touch};
pub use model::{Alert, Checkin, Incident, LogEntry, Plan};
pub use places::{Map, ring_of};
pub use plans::{of_incident, plan_for, plans, save as save_plan};
pub use queries::{Board, GridProgress, OnDuty, StreetLine, board, incidents, log_of, stamp, street_board};
pub use recovery::{
    Curve, ReadingForm, Recovery, Report, Review, ReviewForm, add_report, archive, record_reading, recovery,
    recovery_of, reports, review_of, save_review, timings_of,
};
pub use supplies::{
    IssueForm, Issued, MatchForm, Offer, OfferForm, issue, issued, match_offer, offers, record_offer, suggestions,
};
pub use switch::{Declared, active_in, alerts_of, change, close, declare};

/// Writes for the demo's step, inside its transactions.
#[allow(unused_imports)]
pub(crate) mod bulk {
    pub(crate) use super::checkins::record_results;
    pub(crate) use super::plans::insert_plan;
}
