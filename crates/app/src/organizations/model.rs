//! An organization as stored: the `organizations` row.

use crate::AppError;
use wushe_domain::ids::OrganizationId;
use wushe_domain::organizations::OrganizationKind;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Organization {
    #[sqlx(try_from = "i64")]
    pub id: OrganizationId,
    pub community_id: Option<i64>,
    pub area_id: i64,
    pub area_path: String,
    pub parent_id: Option<i64>,
    #[sqlx(try_from = "String")]
    pub kind: OrganizationKind,
    pub name: String,
    pub description: String,
    pub services: String,
    pub phone: Option<String>,
    pub address: String,
}

pub(crate) const COLS: &str =
    "id, community_id, area_id, area_path, parent_id, kind, name, description, services, phone, address";

pub(crate) fn from_row(r: &sqlx::any::AnyRow) -> Result<Organization, AppError> {
    Ok(<Organization as sqlx::FromRow<'_, sqlx::any::AnyRow>>::from_row(r)?)
}
