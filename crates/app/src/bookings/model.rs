//! A booking as stored: the `bookings` row.

use crate::AppError;
use wushe_domain::resources::BookingStatus;

#[derive(Debug, Clone)]
pub struct Booking {
    pub id: i64,
    pub community_id: Option<i64>,
    pub resource_id: i64,
    pub user_id: i64,
    pub starts_at: i64,
    pub ends_at: i64,
    pub purpose: String,
    pub attendees: i64,
    pub status: BookingStatus,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

pub(crate) const COLS: &str = "id, community_id, resource_id, user_id, starts_at, ends_at, purpose, attendees, status, version, created_at, updated_at";

pub(crate) type Row = (i64, Option<i64>, i64, i64, i64, i64, String, i64, String, i64, i64, i64);

pub(crate) fn from_row(r: Row) -> Result<Booking, AppError> {
    Ok(Booking {
        id: r.0,
        community_id: r.1,
        resource_id: r.2,
        user_id: r.3,
        starts_at: r.4,
        ends_at: r.5,
        purpose: r.6,
        attendees: r.7,
        status: BookingStatus::parse(&r.8).map_err(|_| AppError::Internal("bad booking status".into()))?,
        version: r.9,
        created_at: r.10,
        updated_at: r.11,
    })
}
