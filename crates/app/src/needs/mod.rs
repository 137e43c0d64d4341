//! N1–N5 — the needs ledger. Owns tables `need_categories`, `needs`, `need_events`, `whistles`.
//!
//! Every change is a command that (1) authorizes against the need's place in the area tree,
//! (2) applies the domain state machine, (3) updates the `needs` row only if its `version` is
//! the one the caller read (concurrent edits are detected, never overwritten), (4) appends the
//! event and the audit entry, all in one transaction. The `needs` row is a projection of the
//! events kept for fast lists; the timeline in `need_events` is never rewritten.

mod access;
mod calendar;
mod categories;
mod contact;
mod grouping;
mod history;
mod intake;
pub mod ledger;
pub mod metrics;
mod model;
pub mod photos;
mod queries;
mod views;
mod whistles;
mod workflow;

pub use access::{get, own_households, record, whistle_record, workflow_steps};
pub use calendar::{CalendarForm, calendar_dates, calendar_for, set_calendar};
pub use categories::{
    Category, CategoryForm, active_categories, add_category, categories, ensure_default_categories, update_category,
};
pub use contact::{Contact, contact};
pub use grouping::{bulk_assign, group, members_of, similar};
pub use history::{History, existing_ids, insert_histories, set_merged_into};
pub(crate) use intake::record_found;
pub use intake::{Location, NeedForm, NewNeed, SubmitQueue, authorize_submit, parse_form, submit};
pub use model::Need;
pub use queries::{Filter, assigned_to_me, ledger, mine, open_counts, open_loads, urgent_open_since};
pub(crate) use queries::{by_id, by_ids};
pub use views::{SavedView, delete_view, save_view, views};
pub use whistles::{Whistle, Whistling, report, reporter, whistle, whistles};
pub(crate) use workflow::claim_transition;
pub use workflow::{Assignee, Event, Step, Stepped, flag_overdue, step, timeline};
