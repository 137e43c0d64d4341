//! The emergency benchmark's helpers (`wushe bench emergency`): in every community of a
//! generated street, one resident in forty a volunteer with an account (a tenth of them with
//! first aid, a tenth with a wheelchair, one in twenty with sign language, as skills are
//! scarce), living where they are, and a grid worker with an account for every grid.

use crate::accounts::{self, NewUser};
use crate::{AppError, Db, areas};
use wushe_domain::access::Role;
use wushe_domain::areas::AreaKind;

/// What the helpers' step wrote.
#[derive(Debug, Clone, Copy, Default)]
pub struct Helpers {
    pub volunteers: usize,
    pub grid_workers: usize,
}

/// Adds the helpers to every community under `street_code`.
pub async fn emergency_helpers(db: &Db, street_code: &str, at: i64) -> Result<Helpers, AppError> {
    let street = areas::by_code(db, street_code).await?;
    let hash = accounts::hash_password("bench-password-1".into()).await?;
    let communities = areas::divisions(db, &street).await?;
    let mut out = Helpers::default();
    for c in communities.into_iter().map(|d| d.area).filter(|a| a.kind == AreaKind::Community) {
        let grids: Vec<areas::Area> =
            areas::divisions(db, &c).await?.into_iter().map(|d| d.area).filter(|a| a.kind == AreaKind::Grid).collect();
        let people: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, household_path FROM people WHERE community_id = $1 AND household_path IS NOT NULL ORDER BY id",
        )
        .bind(c.id)
        .fetch_all(&db.pool)
        .await?;
        let mut tx = db.pool.begin().await?;
        let mut rows = Vec::new();
        for (k, (person, home)) in people.iter().enumerate().filter(|(k, _)| k % 40 == 0) {
            let new = NewUser {
                username: format!("v{}.{k}", c.code),
                display_name: format!("志愿者{k}"),
                password: String::new(),
                phone: None,
                person_id: Some(*person),
            };
            let u = accounts::insert_user(&mut tx, &new, &hash, at).await?;
            let skills = match (k / 40) % 20 {
                0 | 1 => "急救",
                2 | 3 => "轮椅 搬运",
                4 => "手语",
                _ => "探访",
            };
            let grid =
                grids.iter().find(|g| home.starts_with(&g.path)).map(|g| g.path.clone()).unwrap_or(c.path.clone());
            rows.push((*person, u.id, grid, skills.to_string()));
        }
        crate::volunteers::bulk::insert_on_call(&mut tx, c.id, &rows, at).await?;
        out.volunteers += rows.len();
        for g in &grids {
            let new = NewUser {
                username: format!("g{}", g.code),
                display_name: format!("{}网格员", g.name),
                password: String::new(),
                phone: None,
                person_id: None,
            };
            let u = accounts::insert_user(&mut tx, &new, &hash, at).await?;
            accounts::insert_grant(&mut tx, u.id, Role::GridWorker, g.id, at).await?;
            out.grid_workers += 1;
        }
        tx.commit().await?;
    }
    Ok(out)
}
