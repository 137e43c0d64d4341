//! The papers' resources (a data table, `resources.tsv`) and synthetic resources for scale tests.

use super::organizations::residents_sample;
use super::rng::Rng;
use crate::areas::{self, Area};
use crate::audit::AuditedTx;
use crate::organizations::{self};
use crate::{Actor, AppError, Db};
use wushe_domain::access::Action;
use wushe_domain::organizations::Post;
use wushe_domain::resources::ResourceKind;

/// One row of `resources.tsv`: the papers' resources `[000 §3.3, §4.2, §5.1, §5.4]
/// [002 §4.2, §4.3, §6.1, §6.3] [004 §4.4]`. Opening hours and quantities the papers do not
/// give are plausible demo values. Columns: community code, grid index (empty: the community
/// itself), kind code, name, description, categories, tags, owner (an organization's name,
/// `@volunteer`, `@person` or empty), capacity, quantity (may be empty), unit, schedule,
/// conditions.
struct DemoResource {
    community: &'static str,
    grid: Option<usize>,
    kind: ResourceKind,
    name: &'static str,
    description: &'static str,
    categories: &'static str,
    tags: &'static str,
    owner: &'static str,
    capacity: i64,
    quantity: Option<i64>,
    unit: &'static str,
    schedule: &'static str,
    conditions: &'static str,
}

/// The table, read from the data file built into the binary; a malformed row is a bug in the
/// file, named with its line.
fn demo_resources() -> Vec<DemoResource> {
    let bad = |n: usize, what: &str| AppError::Internal(format!("demo/resources.tsv line {n}: {what}"));
    include_str!("resources.tsv")
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, line)| {
            let c: Vec<&'static str> = line.split('\t').collect();
            if c.len() != 13 {
                return Err(bad(i + 1, "13 columns expected"));
            }
            let number = |s: &str| s.parse::<i64>().map_err(|_| bad(i + 1, "a number expected"));
            Ok(DemoResource {
                community: c[0],
                grid: if c[1].is_empty() { None } else { Some(number(c[1])? as usize) },
                kind: ResourceKind::parse(c[2]).map_err(|_| bad(i + 1, "unknown kind"))?,
                name: c[3],
                description: c[4],
                categories: c[5],
                tags: c[6],
                owner: c[7],
                capacity: number(c[8])?,
                quantity: if c[9].is_empty() { None } else { Some(number(c[9])?) },
                unit: c[10],
                schedule: c[11],
                conditions: c[12],
            })
        })
        .collect::<Result<Vec<_>, AppError>>()
        .expect("the demo table is well-formed (a unit test reads it)")
}

/// Seeds the papers' resources; links `volunteer.s` and `org.s` to residents so they own and
/// claim as real people do (`org.s` works for the elderly-care organization).
pub(crate) async fn seed_resources(db: &Db, at: i64) -> Result<usize, AppError> {
    let mut tx = AuditedTx::begin(db, at).await?;
    let mut count = 0;
    let s = areas::by_code(db, "510104001001").await?;
    let grid1 = areas::children(db, &Actor::operator(), Action::AreaRead, &s).await?;
    let people = residents_sample(db, &grid1[0].area, 3).await?;
    let user_of = |name: &'static str| async move {
        sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE username = $1").bind(name).fetch_one(&db.pool).await
    };
    let (volunteer, org_member) = (user_of("volunteer.s").await?, user_of("org.s").await?);
    for (user, person) in [(volunteer, people[0]), (org_member, people[1])] {
        crate::accounts::link_person(&mut tx.tx, user, person).await?;
    }
    let care = sqlx::query_scalar::<_, i64>("SELECT id FROM organizations WHERE name = '锦里颐养服务中心'")
        .fetch_one(&db.pool)
        .await?;
    let care = organizations::by_ids(db, &[care]).await?.remove(0);
    organizations::insert_membership(&mut tx.tx, &care, people[1], Post::Staff, Some(2022), at).await?;
    for DemoResource {
        community: code,
        grid,
        kind,
        name,
        description,
        categories: cats,
        tags,
        owner,
        capacity,
        quantity,
        unit,
        schedule,
        conditions,
    } in demo_resources()
    {
        let community = areas::by_code(db, code).await?;
        let area = match grid {
            Some(i) => areas::children(db, &Actor::operator(), Action::AreaRead, &community).await?.remove(i).area,
            None => community.clone(),
        };
        let (org, person, user) = match owner {
            "" => (None, None, None),
            "@volunteer" => (None, Some(people[0]), Some(volunteer)),
            "@person" => (None, Some(people[2]), None),
            n => {
                let id: i64 = sqlx::query_scalar(
                    "SELECT id FROM organizations WHERE name = $1 AND area_path >= $2 AND area_path < $3 ORDER BY id LIMIT 1",
                )
                .bind(n)
                .bind(&community.path)
                .bind(crate::db::upper(&community.path))
                .fetch_one(&db.pool)
                .await?;
                (Some(id), None, None)
            }
        };
        let space = kind == ResourceKind::Space;
        let new = crate::resources::ResourceForm {
            area_code: area.code.clone(),
            kind: kind.code().into(),
            name: name.into(),
            description: description.into(),
            categories: cats.into(),
            tags: tags.into(),
            capacity: capacity.to_string(),
            quantity: quantity.map(|q| q.to_string()).unwrap_or_default(),
            unit: unit.into(),
            schedule: schedule.into(),
            conditions: conditions.into(),
            contact_name: if person.is_some() { "志愿者本人".into() } else { String::new() },
            contact_phone: if person.is_some() { format!("1380000{:04}", count + 1) } else { String::new() },
            address: if space { "社区党群服务中心".into() } else { String::new() },
            booking_who: if name == "红色议事厅" { "organizations".into() } else { "anyone".into() },
            booking_max_minutes: if space { "180".into() } else { String::new() },
            booking_approval: if name.contains("会客厅") || name == "红色议事厅" {
                "1".into()
            } else {
                String::new()
            },
            ..Default::default()
        }
        .parse()
        .map_err(AppError::Invalid)?;
        crate::resources::insert(&mut tx.tx, &area, &new, (org, person, user), None, at).await?;
        count += 1;
    }
    tx.record(&Actor::operator(), None, "demo.resources", "resources", &count.to_string()).await?;
    tx.commit().await?;
    crate::resources::forget_all(db);
    Ok(count)
}

/// `n` synthetic resources for scale tests (R2's benchmark): half placed on the community's
/// street (street-wide services and volunteers), half across the community's grids; skills and
/// services of one or two default categories, a few weekly schedules. Deterministic per seed.
pub async fn generate_resources(
    db: &Db,
    community_code: &str,
    n: usize,
    seed: u64,
    at: i64,
) -> Result<usize, AppError> {
    let community = areas::by_code(db, community_code).await?;
    let street = areas::by_id(db, community.parent_id.ok_or(AppError::NotFound)?).await?;
    let grids: Vec<Area> = areas::children(db, &Actor::operator(), Action::AreaRead, &community)
        .await?
        .into_iter()
        .map(|g| g.area)
        .collect();
    let cats: Vec<&str> = wushe_domain::needs::DEFAULT_CATEGORIES.iter().map(|c| c.0).collect();
    let schedules = ["", "1-5 09:00-17:00", "6-7 09:00-17:00", "1-7 08:00-20:00", "2 14:00-17:00; 4 09:00-11:30"];
    // Skill tags as volunteers write them; each resource names two.
    let skills = [
        "电工", "水管", "维修", "家电", "开锁", "理发", "陪诊", "陪护", "助餐", "助浴", "法律", "调解", "心理", "驾驶",
        "搬运", "保洁", "绿化", "编程", "摄影", "书法", "英语", "辅导", "急救", "消防", "护理", "手语", "烹饪", "缝纫",
        "修车", "装修",
    ];
    let mut rng = Rng::new(seed);
    let mut tx = AuditedTx::begin(db, at).await?;
    for i in 0..n {
        let area = if i % 2 == 0 { &street } else { &grids[rng.below(grids.len() as u64) as usize] };
        let c1 = cats[rng.below(cats.len() as u64) as usize];
        let c2 = cats[rng.below(cats.len() as u64) as usize];
        let new = crate::resources::ResourceForm {
            area_code: area.code.clone(),
            kind: if rng.below(2) == 0 { "skill".into() } else { "service".into() },
            name: format!("资源{i}"),
            categories: if rng.below(3) == 0 { format!("{c1} {c2}") } else { c1.to_string() },
            tags: format!(
                "{} {}",
                skills[rng.below(skills.len() as u64) as usize],
                skills[rng.below(skills.len() as u64) as usize]
            ),
            capacity: (1 + rng.below(5)).to_string(),
            schedule: schedules[rng.below(schedules.len() as u64) as usize].into(),
            ..Default::default()
        }
        .parse()
        .map_err(AppError::Invalid)?;
        crate::resources::insert(&mut tx.tx, area, &new, (None, None, None), None, at).await?;
    }
    tx.record(&Actor::operator(), Some(community.id), "demo.resources", "resources", &n.to_string()).await?;
    tx.commit().await?;
    crate::resources::forget_all(db);
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_resource_table_reads_whole() {
        let rows = demo_resources();
        assert_eq!(rows.len(), 25);
        assert!(rows.iter().any(|r| r.kind == ResourceKind::Space && r.name == "红色议事厅"));
        assert!(rows.iter().all(|r| !r.name.is_empty() && r.community.len() == 12));
    }
}
