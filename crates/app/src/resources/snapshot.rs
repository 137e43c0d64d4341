//! The in-memory matching snapshot of a community, patched on writes, rebuilt when stale.

use super::model::{exceptions, internal, list_of};
use crate::areas::Area;
use crate::db::upper;
use crate::needs::Assignee;
use crate::needs::metrics as needs_metrics;
use crate::{AppError, Db, areas, needs};
use sqlx::Row;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wushe_domain::resources::{Availability, Exception, ResourceKind, WeeklySchedule, parse_date};

/// How long a matching snapshot serves before it is rebuilt in the background (owners' loads
/// and ratings move with the ledger; resource edits made here patch it at once).
pub const SNAPSHOT_TTL: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
pub struct SnapItem {
    pub id: i64,
    pub name: String,
    pub kind: ResourceKind,
    pub categories: Vec<String>,
    pub tags: Vec<String>,
    pub area_path: String,
    pub availability: Availability,
    pub capacity: i64,
    pub owner: Option<Assignee>,
    pub load: i64,
    pub rating_sum: i64,
    pub rating_count: i64,
    /// Local day number of its expiry date, if it has one.
    pub expires: Option<i64>,
}

/// The active resources a community's needs can be matched to, indexed by category and skill
/// tag so a ranking reads only the resources that fit at all.
#[derive(Debug, Default, Clone)]
pub struct Snapshot {
    /// The community's path and the paths above it whose resources serve it.
    pub path: String,
    pub above: Vec<String>,
    pub items: Vec<SnapItem>,
    by_category: HashMap<String, Vec<u32>>,
    by_tag: HashMap<String, Vec<u32>>,
}

impl Snapshot {
    pub fn new(path: String, above: Vec<String>, items: Vec<SnapItem>) -> Snapshot {
        let mut by_category: HashMap<String, Vec<u32>> = HashMap::new();
        let mut by_tag: HashMap<String, Vec<u32>> = HashMap::new();
        for (i, s) in items.iter().enumerate() {
            for c in &s.categories {
                by_category.entry(c.clone()).or_default().push(i as u32);
            }
            for t in &s.tags {
                by_tag.entry(t.clone()).or_default().push(i as u32);
            }
        }
        Snapshot { path, above, items, by_category, by_tag }
    }

    fn covers(&self, area_path: &str) -> bool {
        area_path.starts_with(&self.path) || self.above.iter().any(|a| a == area_path)
    }

    /// Indices of the items whose category is `category` or whose tags meet `terms`, each once,
    /// in item order (so the ranking's tie-breaks do not depend on the index).
    pub(crate) fn fitting(&self, category: &str, terms: &[String]) -> Vec<usize> {
        let mut seen = vec![false; self.items.len()];
        let lists = self.by_category.get(category).into_iter().chain(terms.iter().filter_map(|t| self.by_tag.get(t)));
        for list in lists {
            for &i in list {
                seen[i as usize] = true;
            }
        }
        seen.iter().enumerate().filter(|(_, s)| **s).map(|(i, _)| i).collect()
    }
}

#[derive(Default)]
pub struct SnapshotCache {
    map: Mutex<HashMap<i64, (Instant, Arc<Snapshot>)>>,
    refreshing: Mutex<std::collections::HashSet<i64>>,
}

/// Runs `f` on the cached snapshots of this database.
fn with_cached<R>(db: &Db, f: impl FnOnce(&mut HashMap<i64, (Instant, Arc<Snapshot>)>) -> R) -> R {
    let cache = db.caches.get::<SnapshotCache>();
    let mut map = cache.map.lock().unwrap_or_else(|p| p.into_inner());
    f(&mut map)
}

/// Marks (true: first to ask) or unmarks a community whose snapshot is being rebuilt.
fn refreshing(db: &Db, community_id: i64, on: bool) -> bool {
    let cache = db.caches.get::<SnapshotCache>();
    let mut set = cache.refreshing.lock().unwrap_or_else(|p| p.into_inner());
    if on { set.insert(community_id) } else { set.remove(&community_id) }
}

/// Drops every snapshot (after an import or a bulk load).
pub fn forget_all(db: &Db) {
    with_cached(db, |m| m.clear());
}

fn assignee_key(a: Assignee) -> String {
    match a {
        Assignee::Organization(o) => format!("org:{o}"),
        Assignee::User(u) => format!("user:{u}"),
    }
}

const SNAP_COLS: &str =
    "id, name, kind, categories, tags, area_path, schedule, capacity, owner_org_id, owner_user_id, expires_on";

fn snap_item(r: &sqlx::any::AnyRow, exceptions: Vec<Exception>) -> Result<SnapItem, AppError> {
    let kind: String = r.try_get(2)?;
    let schedule: String = r.try_get(6)?;
    let (org, user): (Option<i64>, Option<i64>) = (r.try_get(8)?, r.try_get(9)?);
    let owner = match (org, user) {
        (Some(o), _) => Some(Assignee::Organization(o)),
        (None, Some(u)) => Some(Assignee::User(u)),
        _ => None,
    };
    Ok(SnapItem {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        kind: ResourceKind::parse(&kind).map_err(|_| internal("kind"))?,
        categories: list_of(&r.try_get::<String, _>(3)?),
        tags: list_of(&r.try_get::<String, _>(4)?),
        area_path: r.try_get(5)?,
        availability: Availability {
            weekly: WeeklySchedule::parse(&schedule).map_err(|_| internal("schedule"))?,
            exceptions,
        },
        capacity: r.try_get(7)?,
        owner,
        load: 0,
        rating_sum: 0,
        rating_count: 0,
        expires: r.try_get::<Option<String>, _>(10)?.as_deref().and_then(parse_date),
    })
}

/// Reads the snapshot for a community from the database.
pub async fn build_snapshot(db: &Db, community: &Area) -> Result<Snapshot, AppError> {
    let above: Vec<String> =
        areas::ancestors(db, community).await?.into_iter().map(|a| a.path).filter(|p| *p != community.path).collect();
    let mut rows = sqlx::query(crate::sql!(
        "SELECT {SNAP_COLS} FROM resources WHERE area_path >= $1 AND area_path < $2 AND status = 'active'"
    ))
    .bind(&community.path)
    .bind(upper(&community.path))
    .fetch_all(&db.pool)
    .await?;
    for p in &above {
        rows.extend(
            sqlx::query(crate::sql!("SELECT {SNAP_COLS} FROM resources WHERE area_path = $1 AND status = 'active'"))
                .bind(p)
                .fetch_all(&db.pool)
                .await?,
        );
    }
    let mut exc: Vec<(i64, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT e.resource_id, e.day, e.start_minute, e.end_minute, e.is_open FROM resource_exceptions e \
         JOIN resources r ON r.id = e.resource_id WHERE r.area_path >= $1 AND r.area_path < $2",
    )
    .bind(&community.path)
    .bind(upper(&community.path))
    .fetch_all(&db.pool)
    .await?;
    for p in &above {
        exc.extend(
            sqlx::query_as::<_, (i64, i64, i64, i64, i64)>(
                "SELECT e.resource_id, e.day, e.start_minute, e.end_minute, e.is_open FROM resource_exceptions e \
                 JOIN resources r ON r.id = e.resource_id WHERE r.area_path = $1",
            )
            .bind(p)
            .fetch_all(&db.pool)
            .await?,
        );
    }
    let mut by_resource: HashMap<i64, Vec<Exception>> = HashMap::new();
    for (rid, day, s, e, open) in exc {
        by_resource.entry(rid).or_default().push(Exception { day, start: s as u16, end: e as u16, open: open != 0 });
    }
    let loads = needs::open_loads(db, community.id).await?;
    let ratings = needs_metrics::ratings_by_assignee(db, community.id).await?;
    let mut items = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: i64 = r.try_get(0)?;
        let mut item = snap_item(r, by_resource.remove(&id).unwrap_or_default())?;
        if let Some(key) = item.owner.map(assignee_key) {
            item.load = loads.get(&key).copied().unwrap_or(0);
            (item.rating_sum, item.rating_count) = ratings.get(&key).copied().unwrap_or((0, 0));
        }
        items.push(item);
    }
    Ok(Snapshot::new(community.path.clone(), above, items))
}

/// After a write here: the cached snapshots that hold (or should hold) resource `id` get its
/// new state at once, so staff see their own edit; the snapshot keeps its age, so owners' loads
/// still refresh on schedule. Rebuilding instead would cost a second per 100,000 resources.
pub(crate) async fn touch(db: &Db, id: i64) -> Result<(), AppError> {
    let snaps: Vec<(i64, Instant, Arc<Snapshot>)> =
        with_cached(db, |m| m.iter().map(|(k, (at, s))| (*k, *at, s.clone())).collect());
    if snaps.is_empty() {
        return Ok(());
    }
    let row = sqlx::query(crate::sql!("SELECT {SNAP_COLS}, status FROM resources WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    let Some(row) = row else { return Ok(()) };
    let active = row.try_get::<String, _>(11)? == "active";
    let exceptions = exceptions(db, id).await?.into_iter().map(|e| e.exception).collect();
    let fresh = snap_item(&row, exceptions)?;
    for (key, at, snap) in snaps {
        if !snap.covers(&fresh.area_path) && !snap.items.iter().any(|s| s.id == id) {
            continue;
        }
        let mut items: Vec<SnapItem> = snap.items.iter().filter(|s| s.id != id).cloned().collect();
        if active && snap.covers(&fresh.area_path) {
            let mut item = fresh.clone();
            // The owner's load and ratings are the same as on their other resources.
            if let Some(same) = snap.items.iter().find(|s| s.owner.is_some() && s.owner == item.owner) {
                (item.load, item.rating_sum, item.rating_count) = (same.load, same.rating_sum, same.rating_count);
            }
            items.push(item);
        }
        let patched = Arc::new(Snapshot::new(snap.path.clone(), snap.above.clone(), items));
        with_cached(db, |m| m.insert(key, (at, patched)));
    }
    Ok(())
}

/// The community's snapshot: cached, rebuilt in the background when stale.
pub async fn snapshot(db: &Db, community: &Area) -> Result<Arc<Snapshot>, AppError> {
    let found = with_cached(db, |m| m.get(&community.id).cloned());
    if let Some((at, s)) = found {
        if at.elapsed() > SNAPSHOT_TTL {
            let first = refreshing(db, community.id, true);
            if first {
                let (db2, c) = (db.clone(), community.clone());
                tokio::spawn(async move {
                    if let Ok(fresh) = build_snapshot(&db2, &c).await {
                        with_cached(&db2, |m| m.insert(c.id, (Instant::now(), Arc::new(fresh))));
                    }
                    refreshing(&db2, c.id, false);
                });
            }
        }
        return Ok(s);
    }
    let fresh = Arc::new(build_snapshot(db, community).await?);
    with_cached(db, |m| m.insert(community.id, (Instant::now(), fresh.clone())));
    Ok(fresh)
}
