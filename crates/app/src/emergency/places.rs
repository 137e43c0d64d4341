//! Where residents and helpers stand on a community's map, in metres, for dispatch: from the
//! outlines of its grids (N8) and the rule in `wushe_domain::geo` for places without one.

use crate::{AppError, Db};
use std::collections::HashMap;
use wushe_domain::geo::{Projection, Ring, household_point, key_of};

/// A community's outlines by area path, and the flat map they are measured on.
pub struct Map {
    proj: Projection,
    rings: HashMap<String, Ring>,
    /// Grid paths, longest first, to find the grid a place lies in.
    grids: Vec<String>,
}

/// The first ring of a GeoJSON Polygon.
pub fn ring_of(geojson: &str) -> Option<Ring> {
    let v: serde_json::Value = serde_json::from_str(geojson).ok()?;
    let pts: Vec<(f64, f64)> =
        v["coordinates"][0].as_array()?.iter().filter_map(|p| Some((p[0].as_f64()?, p[1].as_f64()?))).collect();
    if pts.len() > 10_000 {
        return None;
    }
    Ring::new(&pts)
}

impl Map {
    /// Reads the outlines of the community's areas (its grids, and any finer ones drawn).
    pub async fn of(db: &Db, community_id: i64, community_path: &str) -> Result<Map, AppError> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT path, kind, geojson FROM areas WHERE (community_id = $1 OR path = $2) AND geojson IS NOT NULL",
        )
        .bind(community_id)
        .bind(community_path)
        .fetch_all(&db.pool)
        .await?;
        Ok(Self::from_outlines(rows.into_iter().filter_map(|(p, k, g)| Some((p, k == "grid", ring_of(&g)?)))))
    }

    /// From (path, is a grid, outline) triples.
    pub fn from_outlines(outlines: impl IntoIterator<Item = (String, bool, Ring)>) -> Map {
        let mut rings = HashMap::new();
        let mut grids = Vec::new();
        for (path, grid, ring) in outlines {
            if grid {
                grids.push(path.clone());
            }
            rings.insert(path, ring);
        }
        grids.sort_by_key(|p| std::cmp::Reverse(p.len()));
        let centres: Vec<(f64, f64)> = rings.values().map(Ring::centre).collect();
        let n = centres.len().max(1) as f64;
        let (lon, lat) = centres.iter().fold((0.0, 0.0), |a, c| (a.0 + c.0, a.1 + c.1));
        Map { proj: Projection::around(lon / n, lat / n), rings, grids }
    }

    /// The grid a place lies in (its path), if it lies in one.
    pub fn grid_of(&self, path: &str) -> Option<&str> {
        self.grids.iter().find(|g| path.starts_with(g.as_str())).map(String::as_str)
    }

    /// The area's own outline, else the outlines of its grids: how a CAP `<area>` draws it.
    pub fn outlines_of(&self, path: &str) -> Vec<&Ring> {
        if let Some(r) = self.rings.get(path) {
            return vec![r];
        }
        let mut grids: Vec<&String> = self.grids.iter().filter(|g| g.starts_with(path)).collect();
        grids.sort();
        grids.into_iter().filter_map(|g| self.rings.get(g)).collect()
    }

    /// The outline of an area, if it has one.
    pub fn ring(&self, path: &str) -> Option<&Ring> {
        self.rings.get(path)
    }

    /// Metres east and north of the community's middle for a place given by its path: its
    /// own outline's centre, else a household beside its building inside the nearest outline
    /// above it, else a point inside that outline chosen by its code.
    pub fn position(&self, path: &str) -> (i32, i32) {
        if let Some(r) = self.rings.get(path) {
            let (lon, lat) = r.centre();
            return self.proj.metres(lon, lat);
        }
        let codes: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
        let mut prefix = String::new();
        let mut nearest: Option<(&Ring, usize)> = None;
        for (i, c) in codes.iter().enumerate() {
            prefix.push_str(c);
            prefix.push('/');
            if let Some(r) = self.rings.get(&prefix) {
                nearest = Some((r, i));
            }
        }
        let Some((ring, depth)) = nearest else { return (0, 0) };
        let (lon, lat) = match codes.len() - depth {
            1 => return self.proj.metres(ring.centre().0, ring.centre().1),
            // The place is a household two or more levels below the outline: stand it beside
            // its building.
            n if n >= 3 => household_point(ring, codes[codes.len() - 2], codes[codes.len() - 1]),
            _ => ring.point_for(key_of(codes[codes.len() - 1])),
        };
        self.proj.metres(lon, lat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map() -> Map {
        let g1 = Ring::new(&[(104.06, 30.64), (104.0626, 30.64), (104.0626, 30.6422), (104.06, 30.6422)]).unwrap();
        let g2 = Ring::new(&[(104.0626, 30.64), (104.0652, 30.64), (104.0652, 30.6422), (104.0626, 30.6422)]).unwrap();
        Map::from_outlines([("c/g1/".to_string(), true, g1), ("c/g2/".to_string(), true, g2)])
    }

    #[test]
    fn households_stand_beside_their_building_inside_their_grid() {
        let m = map();
        assert_eq!(m.grid_of("c/g1/b1/h1/"), Some("c/g1/"));
        assert_eq!(m.grid_of("c/g3/b1/h1/"), None);
        let (x1, y1) = m.position("c/g1/b1/h1/");
        let (x2, y2) = m.position("c/g1/b1/h2/");
        assert!((x1 - x2).abs() <= 21 && (y1 - y2).abs() <= 21);
        // The west grid is west of the east one's households.
        let (xe, _) = m.position("c/g2/b7/h1/");
        assert!(x1 < xe, "{x1} {xe}");
        // A grid's own place is its outline's centre; places outside every outline at the middle.
        assert_eq!(m.position("c/g1/"), m.position("c/g1/"));
        assert_eq!(m.position("x/y/"), (0, 0));
        assert!(ring_of(r#"{"type":"Polygon","coordinates":[[[1,1],[2,2]]]}"#).is_none());
        assert!(ring_of("not json").is_none());
    }
}
