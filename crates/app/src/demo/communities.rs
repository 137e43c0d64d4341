//! A community's areas and residents: the parents of its code, grids, buildings, households.

use super::rng::{Rng, name};
use crate::areas::{self, Area, NewArea};
use crate::people::{self, NewPerson};
use crate::{AppError, Db};
use wushe_domain::areas::{AreaCode, AreaKind};
use wushe_domain::people::{Gender, IdNumber, PhoneNumber, Vulnerabilities, Vulnerability};

/// How one community is laid out and populated.
pub struct CommunitySpec {
    pub code: String,
    pub name: String,
    /// `(kind, name)` of each first-level subdivision (grids or micro-grids).
    pub divisions: Vec<(AreaKind, String)>,
    pub buildings: usize,
    pub households: usize,
    pub residents: usize,
    pub elderly_share: f64,
    pub region: &'static str,
    pub center: (f64, f64),
}

/// What was generated, for the console and tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Generated {
    pub communities: usize,
    pub households: usize,
    pub residents: usize,
    pub organizations: usize,
    pub needs: usize,
    pub resources: usize,
}

/// Creates the parents of a community code (province … street) when missing.
pub(crate) async fn ensure_parents(db: &Db, at: i64, chain: &[(&str, AreaKind, &str)]) -> Result<Area, AppError> {
    let mut parent: Option<Area> = None;
    for (code, kind, name) in chain {
        let area = match areas::by_code(db, code).await {
            Ok(a) => a,
            Err(AppError::NotFound) => {
                let mut tx = db.pool.begin().await?;
                let new = NewArea {
                    parent_code: None,
                    kind: *kind,
                    code: AreaCode::parse(code)?,
                    name: name.to_string(),
                    geojson: None,
                };
                let a = areas::insert(&mut tx, parent.as_ref(), &new, at).await?;
                tx.commit().await?;
                a
            }
            Err(e) => return Err(e),
        };
        parent = Some(area);
    }
    parent.ok_or(AppError::Internal("empty area chain".into()))
}

fn rectangle(center: (f64, f64), i: usize, n: usize) -> String {
    // Subdivisions side by side in a row of cells, ~250 m each, around the community centre.
    let cols = n.div_ceil(2).max(1);
    let (col, row) = ((i % cols) as f64, (i / cols) as f64);
    let w = 0.0026;
    let h = 0.0022;
    let x0 = center.0 - w * cols as f64 / 2.0 + col * w;
    let y0 = center.1 + h - row * h;
    format!(
        r#"{{"type":"Polygon","coordinates":[[[{x0:.6},{y0:.6}],[{:.6},{y0:.6}],[{:.6},{:.6}],[{x0:.6},{:.6}],[{x0:.6},{y0:.6}]]]}}"#,
        x0 + w,
        x0 + w,
        y0 - h,
        y0 - h
    )
}

/// Generates one community's areas and residents under `street`. Returns the community and
/// its first-level subdivisions.
pub(crate) async fn generate_community(
    db: &Db,
    rng: &mut Rng,
    street: &Area,
    spec: &CommunitySpec,
    at: i64,
    this_year: i32,
) -> Result<(Area, Vec<Area>, usize), AppError> {
    let mut tx = db.pool.begin().await?;
    let new = NewArea {
        parent_code: None,
        kind: AreaKind::Community,
        code: AreaCode::parse(&spec.code)?,
        name: spec.name.clone(),
        geojson: None,
    };
    let community = areas::insert(&mut tx, Some(street), &new, at).await?;
    let ccode = AreaCode::parse(&community.code)?;
    let mut divisions = Vec::new();
    let kids: Vec<(AreaCode, AreaKind, String)> = spec
        .divisions
        .iter()
        .enumerate()
        .map(|(i, (k, n))| Ok((ccode.child(*k, i as u32 + 1)?, *k, n.clone())))
        .collect::<Result<_, AppError>>()?;
    for (i, d) in areas::insert_many(&mut tx, &community, &kids, at).await?.into_iter().enumerate() {
        areas::set_geojson(&mut tx, d.id, &rectangle(spec.center, i, spec.divisions.len())).await?;
        divisions.push(d);
    }
    // Buildings spread evenly over the divisions, numbered across the community (1栋…118栋).
    let nd = divisions.len();
    let mut buildings: Vec<Area> = Vec::new();
    let mut number = 1;
    for (di, d) in divisions.iter().enumerate() {
        let count = spec.buildings / nd + usize::from(di < spec.buildings % nd);
        let dcode = AreaCode::parse(&d.code)?;
        let kids: Vec<(AreaCode, AreaKind, String)> = (0..count)
            .map(|k| {
                let c = dcode.child(AreaKind::Building, k as u32 + 1)?;
                let n = format!("{}栋", number + k);
                Ok((c, AreaKind::Building, n))
            })
            .collect::<Result<_, AppError>>()?;
        number += count;
        buildings.extend(areas::insert_many(&mut tx, d, &kids, at).await?);
    }
    // Households spread evenly over buildings; rooms numbered floor × 100 + door.
    let nb = buildings.len().max(1);
    let mut households: Vec<Area> = Vec::with_capacity(spec.households);
    for (bi, b) in buildings.iter().enumerate() {
        let count = spec.households / nb + usize::from(bi < spec.households % nb);
        let bcode = AreaCode::parse(&b.code)?;
        let kids: Vec<(AreaCode, AreaKind, String)> = (0..count)
            .map(|k| {
                let unit = k / 24 + 1;
                let floor = (k % 24) / 4 + 1;
                let door = k % 4 + 1;
                Ok((
                    bcode.child(AreaKind::Household, k as u32 + 1)?,
                    AreaKind::Household,
                    format!("{}{}单元{}0{}", b.name, unit, floor, door),
                ))
            })
            .collect::<Result<_, AppError>>()?;
        households.extend(areas::insert_many(&mut tx, b, &kids, at).await?);
    }
    // Residents: every household has at least one; the rest are spread at random.
    let mut sizes = vec![1usize; households.len()];
    for _ in households.len()..spec.residents {
        let h = rng.below(households.len() as u64) as usize;
        sizes[h] += 1;
    }
    let mut rows: Vec<(&Area, NewPerson)> = Vec::with_capacity(spec.residents);
    let mut seq = 0u32;
    for (h, size) in households.iter().zip(&sizes) {
        for k in 0..*size {
            seq += 1;
            let elderly = rng.chance(spec.elderly_share);
            let age = if elderly {
                60 + rng.below(35) as i32
            } else if k >= 2 && rng.chance(0.6) {
                rng.below(18) as i32
            } else {
                18 + rng.below(42) as i32
            };
            let year = this_year - age;
            let gender = if rng.chance(0.5) { Gender::Female } else { Gender::Male };
            let mut flags = Vec::new();
            if elderly {
                flags.push(Vulnerability::Elderly);
                if *size == 1 {
                    flags.push(Vulnerability::ElderlyAlone);
                }
                if rng.chance(0.25) {
                    flags.push(Vulnerability::ChronicIllness);
                }
            }
            if rng.chance(0.02) {
                flags.push(Vulnerability::Disabled);
            }
            if rng.chance(0.03) {
                flags.push(Vulnerability::LowIncome);
            }
            if age < 14 && rng.chance(0.05) {
                flags.push(Vulnerability::ChildAlone);
            }
            let phone = (age >= 16)
                .then(|| PhoneNumber::parse(&format!("1{}{:09}", 3 + rng.below(7), rng.below(1_000_000_000))))
                .transpose()?;
            rows.push((
                h,
                NewPerson {
                    household_code: None,
                    name: name(rng),
                    gender: Some(gender),
                    birth_year: Some(year),
                    phone,
                    // Region code + community sequence keeps demo ID numbers unique per community.
                    id_number: if age >= 16 || rng.chance(0.5) {
                        Some(IdNumber::from_body(&unique_body(spec.region, year, seq))?)
                    } else {
                        None
                    },
                    vulnerability: Vulnerabilities::new(flags),
                    is_household_head: k == 0,
                },
            ));
        }
    }
    people::insert_many(&mut tx, &rows, at).await?;
    tx.commit().await?;
    Ok((community, divisions, spec.residents))
}

/// 6-digit region, birth year, and a sequence that is unique within the community.
fn unique_body(region: &str, year: i32, seq: u32) -> String {
    format!("{region}{year:04}{:02}{:02}{:03}", 1 + seq % 12, 1 + (seq / 12) % 28, seq % 1000)
        .chars()
        .take(17)
        .collect::<String>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_deterministic() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let xs: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(Rng::new(8).next_u64(), xs[0]);
    }

    #[test]
    fn demo_id_bodies_are_valid_and_distinct() {
        let a = unique_body("510104", 1950, 1);
        let b = unique_body("510104", 1950, 2);
        assert_ne!(a, b);
        assert!(IdNumber::from_body(&a).is_ok());
    }
}
