//! A booking as stored: the `bookings` row.

use wushe_domain::ids::BookingId;
use wushe_domain::resources::BookingStatus;

/// Read with `FromRow` by column name.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Booking {
    #[sqlx(try_from = "i64")]
    pub id: BookingId,
    pub community_id: Option<i64>,
    pub resource_id: i64,
    pub user_id: i64,
    pub starts_at: i64,
    pub ends_at: i64,
    pub purpose: String,
    pub attendees: i64,
    #[sqlx(try_from = "String")]
    pub status: BookingStatus,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

pub(crate) const COLS: &str = "id, community_id, resource_id, user_id, starts_at, ends_at, purpose, attendees, status, version, created_at, updated_at";
