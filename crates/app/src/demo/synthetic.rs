//! `wushe demo`: synthetic communities at any scale, for benchmarks and load tests.

use super::communities::{CommunitySpec, Generated, ensure_parents, generate_community};
use super::needs::generate_needs;
use super::organizations::{Flavour, generate_organizations};
use super::rng::Rng;
use crate::areas::{self, NewArea};
use crate::{AppError, Db};
use wushe_domain::areas::{AreaCode, AreaKind};

/// `wushe demo`: N synthetic communities of M households each under synthetic streets
/// (scale tests). Community k gets code `4401990` + street + community digits.
/// What `wushe demo` generates per community.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub communities: usize,
    pub households: usize,
    pub needs: usize,
}

pub async fn generate(db: &Db, scale: Scale, seed: u64, at: i64, this_year: i32) -> Result<Generated, AppError> {
    let Scale { communities, households, needs } = scale;
    let mut rng = Rng::new(seed);
    let mut g = Generated::default();
    let base = ensure_parents(
        db,
        at,
        &[
            ("44", AreaKind::Province, "广东省"),
            ("4401", AreaKind::City, "广州市"),
            ("440199", AreaKind::District, "演示区"),
        ],
    )
    .await?;
    let existing: (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM areas WHERE kind = 'community' AND code LIKE '440199%'")
            .fetch_one(&db.pool)
            .await?;
    for k in existing.0 as usize..existing.0 as usize + communities {
        let street_no = k / 50 + 1;
        let street_code = format!("440199{street_no:03}");
        let street = match areas::by_code(db, &street_code).await {
            Ok(s) => s,
            Err(AppError::NotFound) => {
                let mut tx = db.pool.begin().await?;
                let s = areas::insert(
                    &mut tx,
                    Some(&base),
                    &NewArea {
                        parent_code: None,
                        kind: AreaKind::Street,
                        code: AreaCode::parse(&street_code)?,
                        name: format!("演示{street_no}街道"),
                        geojson: None,
                    },
                    at,
                )
                .await?;
                tx.commit().await?;
                s
            }
            Err(e) => return Err(e),
        };
        let spec = CommunitySpec {
            code: format!("{street_code}{:03}", k % 50 + 1),
            name: format!("演示{}社区", k + 1),
            divisions: (1..=4).map(|i| (AreaKind::Grid, format!("第{i}网格"))).collect(),
            buildings: households.div_ceil(48).max(1),
            households,
            residents: households * 237 / 100,
            elderly_share: 0.25,
            region: "440199",
            center: (113.2644 + k as f64 * 0.01, 23.1291),
        };
        let (c, d, n) = generate_community(db, &mut rng, &street, &spec, at, this_year).await?;
        g.organizations +=
            generate_organizations(db, &c, &d, if k % 2 == 0 { Flavour::S } else { Flavour::A }, at).await?;
        g.needs += generate_needs(db, &mut rng, &c, needs, at).await?;
        g.communities += 1;
        g.households += households;
        g.residents += n;
    }
    Ok(g)
}
