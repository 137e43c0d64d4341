//! A2 — notifications: an in-app inbox for every user and a durable outbox for e-mail (SMTP)
//! and an SMS gateway / webhook (HTTP POST). Owns tables `notifications` and `outbox`.
//!
//! Invariants: a notification and its outbox rows are written in the same transaction as the
//! event that causes them, so nothing acknowledged is lost; each (notification, channel) has
//! one outbox row, claimed atomically before sending, so a recipient gets a message once
//! (delivery carries the notification id for receivers that de-duplicate after a crash);
//! failures are retried with exponential back-off until `MAX_ATTEMPTS`.

mod broadcast;
mod delivery;
mod inbox;
mod outbox;
mod queue;
mod send;

pub use broadcast::{BATCH, broadcast, progress as broadcast_progress};
pub use delivery::{Channels, DIGEST_FROM, MAX_ATTEMPTS, Outgoing, Render, Round, backoff_millis};
pub use inbox::{Notification, inbox, inbox_page, mark_all_read, mark_read, unread};
pub use outbox::{OUTBOX_STATUSES, OutboxRow, failing, outbox, outbox_counts, retry};
pub use queue::{Message, members_of, queue, queue_many, responsible_for, street_officers_of};
pub use send::dispatch;

/// Writes for the demo's steps.
pub(crate) mod bulk {
    pub(crate) use super::broadcast::delivered_before;
}
