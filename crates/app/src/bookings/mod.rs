//! R4 — booking community spaces `[004 §6.1]`. Owns `bookings`, `booking_slots` and
//! `calendar_feeds`.
//!
//! A booking holds one `booking_slots` row per half hour it covers; the primary key over
//! (space, slot) makes a double booking impossible on both engines, whatever the number of
//! concurrent requests: the second insert of a slot fails and the whole booking rolls back with
//! the clear answer "taken". Cancelling, rejecting or moving a booking deletes its slots in the
//! same transaction as the status change.

mod access;
mod commands;
mod feeds;
mod forms;
mod model;
mod queries;

pub use commands::{book, cancel, change, decide, expire_requests};
pub use feeds::{feed, new_feed_token};
pub use forms::BookingForm;
pub use model::Booking;
pub use queries::{day_slots, get, live_status, mine, of_space, pending, slots};
