//! R3 — claiming from a list (清单式认领) `[002 §5.2]`. Owns `claim_listings` and `need_claims`.
//!
//! Staff put open, unassigned needs on the community's list; volunteers and organization members
//! see the listed needs they fit (their resources serve the need's category), nearest first, and
//! claim one. A claim assigns the need to the claimant in the same transaction, through the needs
//! ledger's state machine, so the timeline shows it. Two claims at once: the partial unique index
//! on active claims and the need's version both let exactly one through; the other is told the
//! need was taken. A claim not started within the listing's hours expires (a background job) and
//! the need returns to the list; the claimant may also release it.

mod commands;
mod listing;
mod model;
mod queries;

pub(crate) use commands::on_need_step;
pub use commands::{claim, expire, release};
pub use listing::{Claimable, Listing, claimable, list_need, listing, unlist_need};
pub use model::Claim;
pub use queries::{active_claim, claim_record, mine};
