//! A need as stored: the `needs` row, a projection of its events kept for fast lists.

use crate::AppError;
use sqlx::Row;
use wushe_domain::needs::{Channel, NeedStatus, Scope, Urgency};

#[derive(Debug, Clone)]
pub struct Need {
    pub id: i64,
    pub community_id: i64,
    pub area_id: i64,
    pub area_path: String,
    pub household_id: Option<i64>,
    pub requester_person_id: Option<i64>,
    pub requester_user_id: Option<i64>,
    pub category_id: i64,
    pub title: String,
    pub description: String,
    pub channel: Channel,
    pub urgency: Urgency,
    pub scope: Scope,
    pub status: NeedStatus,
    pub version: i64,
    pub assignee_org_id: Option<i64>,
    pub assignee_user_id: Option<i64>,
    pub contact_phone: Option<String>,
    pub created_at: i64,
    pub responded_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub rating: Option<i64>,
    pub reopened: i64,
    pub respond_due: i64,
    pub resolve_due: i64,
    /// Bit 1: response overdue; bit 2: resolution overdue.
    pub overdue: i64,
    pub merged_into: Option<i64>,
}

pub(crate) const COLS: &str = "id, community_id, area_id, area_path, household_id, requester_person_id, requester_user_id, category_id, title, description, channel, urgency, scope, status, version, assignee_org_id, assignee_user_id, contact_phone, created_at, responded_at, resolved_at, closed_at, rating, reopened, respond_due, resolve_due, overdue, merged_into";

pub(crate) fn from_row(r: &sqlx::any::AnyRow) -> Result<Need, AppError> {
    let bad = |w: &str| AppError::Internal(format!("stored need {w} does not parse"));
    Ok(Need {
        id: r.try_get(0)?,
        community_id: r.try_get(1)?,
        area_id: r.try_get(2)?,
        area_path: r.try_get(3)?,
        household_id: r.try_get(4)?,
        requester_person_id: r.try_get(5)?,
        requester_user_id: r.try_get(6)?,
        category_id: r.try_get(7)?,
        title: r.try_get(8)?,
        description: r.try_get(9)?,
        channel: Channel::parse(&r.try_get::<String, _>(10)?).map_err(|_| bad("channel"))?,
        urgency: Urgency::parse(&r.try_get::<String, _>(11)?).map_err(|_| bad("urgency"))?,
        scope: Scope::parse(&r.try_get::<String, _>(12)?).map_err(|_| bad("scope"))?,
        status: NeedStatus::parse(&r.try_get::<String, _>(13)?).map_err(|_| bad("status"))?,
        version: r.try_get(14)?,
        assignee_org_id: r.try_get(15)?,
        assignee_user_id: r.try_get(16)?,
        contact_phone: r.try_get(17)?,
        created_at: r.try_get(18)?,
        responded_at: r.try_get(19)?,
        resolved_at: r.try_get(20)?,
        closed_at: r.try_get(21)?,
        rating: r.try_get(22)?,
        reopened: r.try_get(23)?,
        respond_due: r.try_get(24)?,
        resolve_due: r.try_get(25)?,
        overdue: r.try_get(26)?,
        merged_into: r.try_get(27)?,
    })
}
