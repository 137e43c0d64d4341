//! An area as stored: the `areas` row with its materialised path.

use crate::AppError;
use wushe_domain::areas::AreaKind;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Area {
    pub id: i64,
    pub community_id: Option<i64>,
    pub parent_id: Option<i64>,
    #[sqlx(try_from = "String")]
    pub kind: AreaKind,
    pub code: String,
    pub name: String,
    pub path: String,
    pub depth: i64,
    pub geojson: Option<String>,
}

pub(crate) const COLS: &str = "id, community_id, parent_id, kind, code, name, path, depth, geojson";

pub(crate) fn from_row(r: &sqlx::any::AnyRow) -> Result<Area, AppError> {
    Ok(<Area as sqlx::FromRow<'_, sqlx::any::AnyRow>>::from_row(r)?)
}

/// An area with the number of households and people in its subtree, for drill-down lists.
#[derive(Debug, Clone)]
pub struct AreaSummary {
    pub area: Area,
    pub children: i64,
    pub households: i64,
}
