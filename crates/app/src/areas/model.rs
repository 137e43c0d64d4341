//! An area as stored: the `areas` row with its materialised path.

use crate::AppError;
use sqlx::Row;
use wushe_domain::areas::AreaKind;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Area {
    pub id: i64,
    pub community_id: Option<i64>,
    pub parent_id: Option<i64>,
    pub kind: AreaKind,
    pub code: String,
    pub name: String,
    pub path: String,
    pub depth: i64,
    pub geojson: Option<String>,
}

pub(crate) const COLS: &str = "id, community_id, parent_id, kind, code, name, path, depth, geojson";

pub(crate) fn from_row(r: &sqlx::any::AnyRow) -> Result<Area, AppError> {
    let kind: String = r.try_get(3)?;
    Ok(Area {
        id: r.try_get(0)?,
        community_id: r.try_get(1)?,
        parent_id: r.try_get(2)?,
        kind: AreaKind::parse(&kind).map_err(|_| AppError::Internal(format!("bad area kind {kind}")))?,
        code: r.try_get(4)?,
        name: r.try_get(5)?,
        path: r.try_get(6)?,
        depth: r.try_get(7)?,
        geojson: r.try_get(8)?,
    })
}

/// An area with the number of households and people in its subtree, for drill-down lists.
#[derive(Debug, Clone)]
pub struct AreaSummary {
    pub area: Area,
    pub children: i64,
    pub households: i64,
}
