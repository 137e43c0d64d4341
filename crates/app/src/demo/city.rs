//! A generated city of volunteers for `wushe bench volunteers` (V5, V6 at scale): districts of
//! ten streets, streets of ten communities, each community with four grids, residents and
//! volunteers whose loads are skewed as the papers find (a busy tenth), and their verified
//! records. People are placed in their grid (no households: the bench reads volunteers, not
//! the household register). `volunteer.s` gets a long history of its own so reading one
//! person's balance and history is measured on a heavy account.

use super::communities::ensure_parents;
use super::rng::{Rng, name};
use crate::audit::AuditedTx;
use crate::people::NewPerson;
use crate::volunteers::bulk::{self, Served, Synthetic};
use crate::{AppError, Db, areas};
use wushe_domain::areas::{AreaCode, AreaKind};
use wushe_domain::volunteers::{DAY_MS, RecordRole, YEAR_MS};

#[derive(Debug, Clone, Copy)]
pub struct CityScale {
    pub volunteers: usize,
    pub records: usize,
    pub streets: usize,
    pub communities_per_street: usize,
}

#[derive(Debug, Clone, Default)]
pub struct CityGenerated {
    /// The code of the first street, the one the bench reads.
    pub street: String,
    pub communities: usize,
    pub volunteers: usize,
    pub records: usize,
    pub entries: usize,
}

async fn area(
    db: &Db,
    parent: &areas::Area,
    kind: AreaKind,
    code: &str,
    name: String,
    at: i64,
) -> Result<areas::Area, AppError> {
    let mut tx = db.pool.begin().await?;
    let new = areas::NewArea { parent_code: None, kind, code: AreaCode::parse(code)?, name, geojson: None };
    let a = areas::insert(&mut tx, Some(parent), &new, at).await?;
    tx.commit().await?;
    Ok(a)
}

pub async fn generate_city(
    db: &Db,
    scale: CityScale,
    seed: u64,
    at: i64,
    this_year: i32,
) -> Result<CityGenerated, AppError> {
    let mut rng = Rng::new(seed);
    let city =
        ensure_parents(db, at, &[("45", AreaKind::Province, "广西壮族自治区"), ("4501", AreaKind::City, "演示市")])
            .await?;
    let communities = scale.streets * scale.communities_per_street;
    let per_community = scale.volunteers.div_ceil(communities.max(1));
    let per_volunteer = scale.records as f64 / scale.volunteers.max(1) as f64;
    let mut g = CityGenerated::default();
    let mut district = None;
    for st in 0..scale.streets {
        if st.is_multiple_of(10) {
            let code = format!("4501{:02}", st / 10 + 1);
            district = Some(area(db, &city, AreaKind::District, &code, format!("演示{}区", st / 10 + 1), at).await?);
        }
        let d = district.as_ref().expect("a district");
        let street =
            area(db, d, AreaKind::Street, &format!("{}{:03}", d.code, st % 10 + 1), format!("演示{}街道", st + 1), at)
                .await?;
        if g.street.is_empty() {
            g.street = street.code.clone();
        }
        for c in 0..scale.communities_per_street {
            let community = area(
                db,
                &street,
                AreaKind::Community,
                &format!("{}{:03}", street.code, c + 1),
                format!("演示{}-{}社区", st + 1, c + 1),
                at,
            )
            .await?;
            let mut grids = Vec::new();
            for k in 1..=4 {
                grids.push(
                    area(
                        db,
                        &community,
                        AreaKind::Grid,
                        &format!("{}{k:02}", community.code),
                        format!("第{k}网格"),
                        at,
                    )
                    .await?,
                );
            }
            let n = per_community.min(scale.volunteers - g.volunteers);
            let (recs, ents) =
                community_volunteers(db, &mut rng, &community, &grids, n, per_volunteer, at, this_year).await?;
            g.communities += 1;
            g.volunteers += n;
            g.records += recs;
            g.entries += ents;
        }
    }
    g.records += heavy_history(db, &mut rng, at).await?;
    Ok(g)
}

/// One community's residents who volunteer, their records and the busiest tenth's points.
#[allow(clippy::too_many_arguments)]
async fn community_volunteers(
    db: &Db,
    rng: &mut Rng,
    community: &areas::Area,
    grids: &[areas::Area],
    n: usize,
    per_volunteer: f64,
    at: i64,
    this_year: i32,
) -> Result<(usize, usize), AppError> {
    let mut tx = AuditedTx::begin(db, at).await?;
    let people: Vec<(&areas::Area, NewPerson)> = (0..n)
        .map(|i| {
            let p = NewPerson {
                household_code: None,
                name: name(rng),
                gender: None,
                birth_year: Some(this_year - 18 - rng.below(60) as i32),
                phone: None,
                id_number: None,
                vulnerability: Default::default(),
                is_household_head: false,
            };
            (&grids[i % grids.len()], p)
        })
        .collect();
    crate::people::insert_many(&mut tx.tx, &people, at).await?;
    let persons: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, household_path FROM people WHERE community_id = $1 ORDER BY id")
            .bind(community.id)
            .fetch_all(&mut *tx.tx)
            .await?;
    // Loads: a tenth carry about 63% of the work (`004` §5.2); the rest share what is left.
    let busy = |i: usize| i.is_multiple_of(10);
    let mean_busy = per_volunteer * 6.3;
    let mean_rest = per_volunteer * 0.37 / 0.9;
    let mut plans = Vec::with_capacity(n);
    let mut records = Vec::new();
    for (i, (person, path)) in persons.iter().enumerate() {
        let mean = if busy(i) { mean_busy } else { mean_rest };
        let tasks = ((mean * (0.5 + rng.below(1000) as f64 / 1000.0)).round() as i64).max(1);
        let joined = at - DAY_MS - rng.below((6 * YEAR_MS) as u64) as i64;
        let active = rng.chance(0.7);
        let end = if active {
            at - rng.below((10 * 7 * DAY_MS) as u64) as i64
        } else {
            joined + rng.below((YEAR_MS / 2) as u64) as i64
        };
        let end = end.max(joined + DAY_MS);
        let mut minutes = 0;
        let mut last = joined;
        for k in 0..tasks {
            let started =
                if k == tasks - 1 { end - 2 * 3_600_000 } else { joined + rng.below((end - joined) as u64) as i64 };
            let m = 60 + 30 * rng.below(4) as i64;
            minutes += m;
            last = last.max(started + m * 60_000);
            records.push((*person, started, m));
        }
        plans.push(Synthetic {
            person_id: *person,
            area_path: path.clone(),
            active,
            joined_at: joined,
            last_served_at: last,
            minutes,
            tasks,
            led: i64::from(busy(i)) * 3,
            decisions: i64::from(rng.chance(0.3)),
            balance: 0,
        });
    }
    let ids = bulk::insert_volunteers(&mut tx.tx, community.id, &plans, at).await?;
    let rows: Vec<(i64, i64, i64)> = records.iter().map(|(p, s, m)| (ids[p], *s, *m)).collect();
    bulk::insert_records(&mut tx.tx, community.id, &rows, at).await?;
    // The busy tenth holds points: ten council meetings each.
    let entries: Vec<(i64, i64, i64, i64)> = persons
        .iter()
        .enumerate()
        .filter(|(i, _)| busy(*i))
        .flat_map(|(_, (p, _))| (0..10).map(move |k| (p, k)))
        .map(|(p, k)| (ids[p], 10, k, at - k * 30 * DAY_MS))
        .collect();
    bulk::insert_entries(&mut tx.tx, community.id, &entries).await?;
    tx.commit().await?;
    Ok((rows.len(), entries.len()))
}

/// `volunteer.s`'s long history: 2,000 more verified records and 1,000 points entries.
async fn heavy_history(db: &Db, rng: &mut Rng, at: i64) -> Result<usize, AppError> {
    let id: i64 = sqlx::query_scalar(
        "SELECT v.id FROM volunteers v JOIN users u ON u.id = v.user_id WHERE u.username = 'volunteer.s'",
    )
    .fetch_one(&db.pool)
    .await?;
    let mut tx = AuditedTx::begin(db, at).await?;
    let vol = bulk::by_id_in(&mut tx.tx, id).await?;
    let served: Vec<Served> = (0..2000i64)
        .map(|k| Served {
            activity_id: None,
            started_at: vol.joined_at + k * 17 * 3_600_000 + rng.below(3_600_000) as i64,
            minutes: 90,
            role: RecordRole::Participant,
            council: false,
        })
        .collect();
    bulk::insert_history(&mut tx.tx, &vol, &served, at).await?;
    let entries: Vec<(i64, i64, i64, i64)> = (0..1000).map(|k| (vol.id, 5, 100_000 + k, at - k * DAY_MS)).collect();
    bulk::insert_entries(&mut tx.tx, vol.community_id, &entries).await?;
    tx.commit().await?;
    Ok(served.len())
}
