//! R1, R2 — the community resource database and matching needs to it. Owns `resources`,
//! `resource_exceptions` and `resource_stock_moves`.
//!
//! Staff curate every resource of their area; volunteers and organization members keep their
//! own (a resource they own, or their organization's). Person-owned resources show their contact
//! masked unless the reader may see residents' full details or maintains the resource.
//!
//! Matching reads an in-memory snapshot of a community's active resources (and those placed on
//! the street or above it) with each owner's load and ratings, indexed by category and skill
//! tag: ranking the fitting ones among 100,000 is a few milliseconds of arithmetic, while
//! reading them from the database takes a second. Writes made here patch the snapshot at once;
//! otherwise it is rebuilt in the background when older than [`SNAPSHOT_TTL`], and readers
//! keep the old one meanwhile.

mod access;
mod commands;
mod directory;
mod forms;
pub mod hsds;
mod matching;
mod model;
mod queries;
pub mod sheets;
mod snapshot;
mod stock;
mod volunteer_skills;

pub use access::{Accessor, editable, get, record, shown_address, shown_contact};
pub use commands::{create, insert, update};
pub use directory::{DirectoryItem, import_directory};
pub use forms::{NewResource, Owner, ResourceForm};
pub use matching::{Match, matches, rank_for, rank_visible};
pub use model::{Resource, StoredException, exceptions, exceptions_of};
pub use queries::{
    Filter, PAGE_SIZE, all_in, bookable, bookable_in, booked_space, count_in, list, owned_by, public_get,
    public_services,
};
pub use snapshot::{SNAPSHOT_TTL, SnapItem, Snapshot, SnapshotCache, build_snapshot, forget_all, snapshot};
pub(crate) use stock::move_in;
pub use stock::{StockMove, add_exception, availability, move_stock, remove_exception, stock_moves, stockpiles_in};
pub use volunteer_skills::VolunteerSkills;
pub(crate) use volunteer_skills::keep_volunteer_skills;
