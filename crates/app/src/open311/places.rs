//! Where a request is: the jurisdiction (a community code) and the area holding a point.

use crate::areas::{self, Area};
use crate::{Actor, AppError, Db};
use wushe_domain::areas::AreaKind;

/// The community named by a `jurisdiction_id` (its 12-digit code).
pub async fn jurisdiction(db: &Db, id: &str) -> Result<Area, AppError> {
    match areas::by_code(db, id.trim()).await {
        Ok(a) if a.kind == AreaKind::Community => Ok(a),
        Ok(_) => Err(AppError::NotFound),
        Err(e) => Err(e),
    }
}

/// Is the point inside the polygon (first ring of a GeoJSON Polygon)? Ray casting.
fn contains(geojson: &str, lon: f64, lat: f64) -> bool {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(geojson) else { return false };
    let Some(ring) = v["coordinates"][0].as_array() else { return false };
    let pts: Vec<(f64, f64)> = ring.iter().filter_map(|p| Some((p[0].as_f64()?, p[1].as_f64()?))).collect();
    let mut inside = false;
    let mut j = pts.len().wrapping_sub(1);
    for i in 0..pts.len() {
        let (xi, yi) = pts[i];
        let (xj, yj) = pts[j];
        if (yi > lat) != (yj > lat) && lon < (xj - xi) * (lat - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// The deepest division of `community` whose polygon holds the point, else the community.
pub async fn locate(db: &Db, community: &Area, lat: f64, lon: f64) -> Result<Area, AppError> {
    let kids = areas::children(db, &Actor::operator(), wushe_domain::access::Action::AreaRead, community).await?;
    Ok(kids
        .into_iter()
        .map(|k| k.area)
        .find(|a| a.geojson.as_deref().is_some_and(|g| contains(g, lon, lat)))
        .unwrap_or_else(|| community.clone()))
}

/// The centre of an area's polygon, for requests without coordinates.
pub fn centroid(area: &Area) -> Option<(f64, f64)> {
    let v: serde_json::Value = serde_json::from_str(area.geojson.as_deref()?).ok()?;
    let ring = v["coordinates"][0].as_array()?;
    let pts: Vec<(f64, f64)> = ring.iter().filter_map(|p| Some((p[0].as_f64()?, p[1].as_f64()?))).collect();
    let n = pts.len().saturating_sub(1).max(1) as f64;
    let (sx, sy) = pts.iter().take(pts.len().saturating_sub(1).max(1)).fold((0.0, 0.0), |a, p| (a.0 + p.0, a.1 + p.1));
    Some((sy / n, sx / n))
}
