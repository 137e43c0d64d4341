//! An organization as stored: the `organizations` row.

use crate::AppError;
use sqlx::Row;
use wushe_domain::organizations::OrganizationKind;

#[derive(Debug, Clone)]
pub struct Organization {
    pub id: i64,
    pub community_id: Option<i64>,
    pub area_id: i64,
    pub area_path: String,
    pub parent_id: Option<i64>,
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
    let kind: String = r.try_get(5)?;
    Ok(Organization {
        id: r.try_get(0)?,
        community_id: r.try_get(1)?,
        area_id: r.try_get(2)?,
        area_path: r.try_get(3)?,
        parent_id: r.try_get(4)?,
        kind: OrganizationKind::parse(&kind).map_err(|_| AppError::Internal(format!("bad org kind {kind}")))?,
        name: r.try_get(6)?,
        description: r.try_get(7)?,
        services: r.try_get(8)?,
        phone: r.try_get(9)?,
        address: r.try_get(10)?,
    })
}
