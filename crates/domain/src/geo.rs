//! Places on the map: an area's outline as a closed WGS 84 ring, points inside it, and metres
//! on the ground for walking distances (E3's dispatch, CAP 1.2 `<polygon>`s).
//!
//! Households carry no coordinates of their own yet. A place without its own outline is put at
//! a point inside its nearest ancestor's outline chosen by its code, so the same building is
//! always at the same spot and its households stand together: close enough for dispatch, where
//! only walking distances of some hundred metres matter.

use crate::rng::Rng;

/// A closed outline of (longitude, latitude) points in degrees; the last point is the first.
#[derive(Debug, Clone, PartialEq)]
pub struct Ring(Vec<(f64, f64)>);

impl Ring {
    /// At least three distinct, finite points on the globe; closed if it was not.
    pub fn new(points: &[(f64, f64)]) -> Option<Ring> {
        let ok = |&(lon, lat): &(f64, f64)| {
            lon.is_finite() && lat.is_finite() && (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)
        };
        if !points.iter().all(ok) {
            return None;
        }
        let mut pts = points.to_vec();
        if pts.first() != pts.last() {
            pts.push(pts[0]);
        }
        let mut distinct = pts[..pts.len() - 1].to_vec();
        distinct.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        distinct.dedup();
        (distinct.len() >= 3).then_some(Ring(pts))
    }

    pub fn points(&self) -> &[(f64, f64)] {
        &self.0
    }

    /// (min lon, min lat, max lon, max lat).
    pub fn bbox(&self) -> (f64, f64, f64, f64) {
        self.0.iter().fold((f64::MAX, f64::MAX, f64::MIN, f64::MIN), |b, &(x, y)| {
            (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y))
        })
    }

    /// Whether the point lies inside (ray casting).
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        let pts = &self.0;
        let mut inside = false;
        let mut j = pts.len() - 1;
        for i in 0..pts.len() {
            let ((xi, yi), (xj, yj)) = (pts[i], pts[j]);
            if (yi > lat) != (yj > lat) && lon < (xj - xi) * (lat - yi) / (yj - yi) + xi {
                inside = !inside;
            }
            j = i;
        }
        inside
    }

    /// The mean of the corners (the closing point counted once).
    pub fn centre(&self) -> (f64, f64) {
        let corners = &self.0[..self.0.len() - 1];
        let n = corners.len() as f64;
        let (x, y) = corners.iter().fold((0.0, 0.0), |a, p| (a.0 + p.0, a.1 + p.1));
        (x / n, y / n)
    }

    /// A point inside chosen by `key`: the same key gives the same point. Falls back to the
    /// centre for outlines too thin to hit.
    pub fn point_for(&self, key: u64) -> (f64, f64) {
        let (x0, y0, x1, y1) = self.bbox();
        let mut rng = Rng::new(key);
        for _ in 0..32 {
            let (fx, fy) = (rng.unit(), rng.unit());
            let (x, y) = (x0 + fx * (x1 - x0), y0 + fy * (y1 - y0));
            if self.contains(x, y) {
                return (x, y);
            }
        }
        self.centre()
    }

    /// CAP 1.2's `<polygon>`: "lat,lon" pairs separated by spaces, first and last the same.
    pub fn cap_polygon(&self) -> String {
        self.0.iter().map(|(lon, lat)| format!("{lat:.6},{lon:.6}")).collect::<Vec<_>>().join(" ")
    }
}

/// Metres east and north of an origin: a local flat map, exact enough across a street.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Projection {
    lon0: f64,
    lat0: f64,
    per_lon: f64,
    per_lat: f64,
}

impl Projection {
    pub fn around(lon0: f64, lat0: f64) -> Projection {
        let per_lat = 110_540.0;
        let per_lon = 111_320.0 * lat0.to_radians().cos();
        Projection { lon0, lat0, per_lon, per_lat }
    }

    /// Whole metres, clamped to what a dispatch instance holds.
    pub fn metres(&self, lon: f64, lat: f64) -> (i32, i32) {
        let clamp = |v: f64| v.round().clamp(f64::from(i32::MIN / 4), f64::from(i32::MAX / 4)) as i32;
        (clamp((lon - self.lon0) * self.per_lon), clamp((lat - self.lat0) * self.per_lat))
    }

    /// A point `dx`, `dy` metres from (lon, lat).
    pub fn offset(&self, lon: f64, lat: f64, dx: f64, dy: f64) -> (f64, f64) {
        (lon + dx / self.per_lon, lat + dy / self.per_lat)
    }
}

/// A stable key for a code (FNV-1a), so a place's point never moves.
pub fn key_of(code: &str) -> u64 {
    code.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Where a household stands: its building's point inside the grid's outline, and a few metres
/// from it by its own code (a building's households are a stairwell apart, not a street).
pub fn household_point(grid: &Ring, building_code: &str, household_code: &str) -> (f64, f64) {
    let (lon, lat) = grid.point_for(key_of(building_code));
    let p = Projection::around(lon, lat);
    let k = key_of(household_code);
    let dx = (k % 21) as f64 - 10.0;
    let dy = ((k / 21) % 21) as f64 - 10.0;
    p.offset(lon, lat, dx, dy)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square() -> Ring {
        Ring::new(&[(104.06, 30.64), (104.0626, 30.64), (104.0626, 30.6422), (104.06, 30.6422)]).unwrap()
    }

    #[test]
    fn rings_close_and_refuse_degenerate_outlines() {
        let r = square();
        assert_eq!(r.points().first(), r.points().last());
        assert_eq!(r.points().len(), 5);
        assert!(Ring::new(&[(1.0, 1.0), (2.0, 2.0), (1.0, 1.0)]).is_none());
        assert!(Ring::new(&[(1.0, 1.0), (2.0, f64::NAN), (3.0, 1.0)]).is_none());
        assert!(Ring::new(&[(181.0, 1.0), (2.0, 2.0), (3.0, 1.0)]).is_none());
        assert_eq!(r.cap_polygon().split(' ').next(), r.cap_polygon().split(' ').next_back());
        assert!(r.cap_polygon().starts_with("30.640000,104.060000 "));
    }

    #[test]
    fn points_for_keys_are_inside_and_stable() {
        let r = square();
        for k in 0..200 {
            let (x, y) = r.point_for(k);
            assert!(r.contains(x, y), "{k}");
            assert_eq!(r.point_for(k), (x, y));
        }
        assert!(!r.contains(104.07, 30.641));
        let a = household_point(&r, "510104001001010001", "510104001001010001001");
        let b = household_point(&r, "510104001001010001", "510104001001010001002");
        let p = Projection::around(a.0, a.1);
        let (bx, by) = p.metres(b.0, b.1);
        assert!(bx.abs() <= 21 && by.abs() <= 21, "{bx} {by}");
        assert_eq!(household_point(&r, "510104001001010001", "510104001001010001001"), a);
    }

    #[test]
    fn metres_follow_the_ground() {
        let p = Projection::around(104.06, 30.64);
        let (x, y) = p.metres(104.0626, 30.6422);
        // 0.0026° of longitude at 30.64° N is about 249 m; 0.0022° of latitude about 243 m.
        assert!((245..=253).contains(&x), "{x}");
        assert!((240..=246).contains(&y), "{y}");
        assert_eq!(p.metres(104.06, 30.64), (0, 0));
    }
}
