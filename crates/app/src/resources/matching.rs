//! R2: ranking the resources that fit a need, over the snapshot's indexes.

use super::access::may_read;
use super::snapshot::{SnapItem, Snapshot, snapshot};
use crate::needs::{Assignee, Need};
use crate::{Actor, AppError, Db, areas, needs};
use std::collections::HashMap;
use wushe_domain::access::Action;
use wushe_domain::ids::NeedId;
use wushe_domain::matching::{self, Candidate, NeedProfile, Ranked};
use wushe_domain::policy::Ask;
use wushe_domain::resources::ResourceKind;

/// One entry of a need's matching list.
#[derive(Debug, Clone)]
pub struct Match {
    pub ranked: Ranked,
    pub name: String,
    pub kind: ResourceKind,
    pub owner: Option<Assignee>,
    pub area_path: String,
}

fn candidate(s: &SnapItem) -> Candidate<'_> {
    Candidate {
        id: s.id,
        categories: &s.categories,
        tags: &s.tags,
        area_path: &s.area_path,
        active: true,
        carries_load: s.kind.serves_needs(),
        availability: &s.availability,
        capacity: s.capacity,
        load: s.load,
        rating_sum: s.rating_sum,
        rating_count: s.rating_count,
        expires: s.expires,
    }
}

/// Ranks the snapshot for a need (pure; the caller has checked access). Only the resources
/// the indexes say fit are handed to the ranking, which would leave the others out anyway.
pub fn rank_for(
    snapshot: &Snapshot,
    category: &str,
    terms: &[String],
    area_path: &str,
    at: i64,
    limit: usize,
) -> Vec<Match> {
    rank_visible(snapshot, category, terms, area_path, at, limit, &|_| true)
}

/// [`rank_for`] over the resources whose place `visible` accepts.
pub fn rank_visible(
    snapshot: &Snapshot,
    category: &str,
    terms: &[String],
    area_path: &str,
    at: i64,
    limit: usize,
    visible: &dyn Fn(&str) -> bool,
) -> Vec<Match> {
    let profile = NeedProfile { category, terms, area_path, at };
    let mut fitting = snapshot.fitting(category, terms);
    fitting.retain(|&i| visible(&snapshot.items[i].area_path));
    let candidates: Vec<Candidate<'_>> = fitting.iter().map(|&i| candidate(&snapshot.items[i])).collect();
    let ranked = matching::rank(&profile, &candidates, limit);
    let index: HashMap<i64, usize> = fitting.iter().map(|&i| (snapshot.items[i].id, i)).collect();
    ranked
        .into_iter()
        .map(|r| {
            let s = &snapshot.items[index[&r.id]];
            Match { name: s.name.clone(), kind: s.kind, owner: s.owner, area_path: s.area_path.clone(), ranked: r }
        })
        .collect()
}

/// R2 — the resources that can serve a need, best first, for the staff who assign it.
pub async fn matches(
    db: &Db,
    actor: &Actor,
    need_id: NeedId,
    at: i64,
    limit: usize,
) -> Result<(Need, Vec<Match>), AppError> {
    let (need, rec) = needs::get(db, actor, need_id).await?;
    if !actor.may(&rec, Ask::NeedManage) {
        return Err(AppError::Forbidden);
    }
    let community = areas::by_id(db, need.community_id).await?;
    let category = needs::categories(db, need.community_id)
        .await?
        .into_iter()
        .find(|c| c.id == need.category_id)
        .map(|c| c.code)
        .unwrap_or_default();
    let terms = crate::directory::terms(&format!("{} {}", need.title, need.description));
    let snap = snapshot(db, &community).await?;
    // Staff who read only part of the community (a grid worker) see only the resources they
    // could open.
    let whole = actor.operator || actor.require(Action::ResourceRead, Some(&community.path)).is_ok();
    let list = if whole {
        rank_for(&snap, &category, &terms, &need.area_path, at, limit)
    } else {
        let visible = |p: &str| may_read(actor, p);
        rank_visible(&snap, &category, &terms, &need.area_path, at, limit, &visible)
    };
    Ok((need, list))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wushe_domain::resources::{Availability, WeeklySchedule};

    /// The ranking over every item of the snapshot, without the indexes: the reference
    /// [`rank_for`] must agree with.
    fn rank_all(
        snapshot: &Snapshot,
        category: &str,
        terms: &[String],
        area_path: &str,
        at: i64,
        limit: usize,
    ) -> Vec<Ranked> {
        let profile = NeedProfile { category, terms, area_path, at };
        let candidates: Vec<Candidate<'_>> = snapshot.items.iter().map(candidate).collect();
        matching::rank(&profile, &candidates, limit)
    }

    /// The indexes only skip work: over random snapshots, ranking the indexed candidates gives
    /// exactly the ranking over every item.
    #[test]
    fn indexed_ranking_equals_ranking_everything() {
        let cats = ["repairs", "elderly_care", "legal", "child_care"];
        let tags = ["电工", "陪护", "法律", "水管", "驾驶"];
        let paths = [
            "51/5101/510104/510104001/510104001001/51010400100101/",
            "51/5101/510104/510104001/510104001001/51010400100102/",
            "51/5101/510104/510104001/",
            "51/5101/510104/510104001/510104001001/",
        ];
        let schedules = ["", "1-5 09:00-17:00", "6-7 09:00-17:00"];
        let mut x: u64 = 7;
        let mut next = |n: usize| {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            ((x >> 33) as usize) % n
        };
        for round in 0..50 {
            let items: Vec<SnapItem> = (0..200)
                .map(|i| SnapItem {
                    id: i + 1,
                    name: format!("r{i}"),
                    kind: if next(2) == 0 { ResourceKind::Skill } else { ResourceKind::Supply },
                    categories: (0..next(3)).map(|_| cats[next(4)].to_string()).collect(),
                    tags: (0..next(3)).map(|_| tags[next(5)].to_string()).collect(),
                    area_path: paths[next(4)].to_string(),
                    availability: Availability {
                        weekly: WeeklySchedule::parse(schedules[next(3)]).unwrap(),
                        exceptions: vec![],
                    },
                    capacity: 1 + next(3) as i64,
                    owner: None,
                    load: next(4) as i64,
                    rating_sum: 0,
                    rating_count: 0,
                    expires: None,
                })
                .collect();
            let snap = Snapshot::new(paths[3].into(), vec![paths[2].into()], items);
            let terms = vec![tags[next(5)].to_string(), "需要".to_string()];
            let at = 1_894_064_400_000 + next(168) as i64 * 3_600_000;
            let cat = cats[round % 4];
            let fast: Vec<Ranked> =
                rank_for(&snap, cat, &terms, paths[0], at, 20).into_iter().map(|m| m.ranked).collect();
            assert_eq!(fast, rank_all(&snap, cat, &terms, paths[0], at, 20), "round {round}");
        }
    }
}
