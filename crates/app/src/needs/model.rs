//! A need as stored: the `needs` row, a projection of its events kept for fast lists.

use crate::AppError;
use wushe_domain::ids::NeedId;
use wushe_domain::needs::{Channel, NeedStatus, Scope, Urgency};

/// Read with `FromRow` by column name; stored codes parse into the domain's enums.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Need {
    #[sqlx(try_from = "i64")]
    pub id: NeedId,
    pub community_id: i64,
    pub area_id: i64,
    pub area_path: String,
    pub household_id: Option<i64>,
    pub requester_person_id: Option<i64>,
    pub requester_user_id: Option<i64>,
    pub category_id: i64,
    pub title: String,
    pub description: String,
    #[sqlx(try_from = "String")]
    pub channel: Channel,
    #[sqlx(try_from = "String")]
    pub urgency: Urgency,
    #[sqlx(try_from = "String")]
    pub scope: Scope,
    #[sqlx(try_from = "String")]
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
    Ok(<Need as sqlx::FromRow<'_, sqlx::any::AnyRow>>::from_row(r)?)
}
