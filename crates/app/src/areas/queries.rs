//! Reading areas: by code (cached for intake), visible ones, ancestors, children, subtrees.

use super::model::{Area, AreaSummary, COLS, from_row};
use crate::db::upper;
use crate::{Actor, AppError, Db};
use sqlx::Row;
use wushe_domain::access::Action;
use wushe_domain::areas::AreaKind;

pub async fn by_code(db: &Db, code: &str) -> Result<Area, AppError> {
    let r = sqlx::query(crate::sql!("SELECT {COLS} FROM areas WHERE code = $1"))
        .bind(code)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    from_row(&r)
}

pub async fn by_id(db: &Db, id: i64) -> Result<Area, AppError> {
    let r = sqlx::query(crate::sql!("SELECT {COLS} FROM areas WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    from_row(&r)
}

/// An area by its path, inside a transaction (a record placed at a path being written).
pub async fn by_path_in(tx: &mut sqlx::Transaction<'_, sqlx::Any>, path: &str) -> Result<Area, AppError> {
    let r = sqlx::query(crate::sql!("SELECT {COLS} FROM areas WHERE path = $1"))
        .bind(path)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(AppError::NotFound)?;
    from_row(&r)
}

/// Many areas by id in one query per 500 (labels of a list of records).
pub async fn by_ids(db: &Db, ids: &[i64]) -> Result<std::collections::HashMap<i64, Area>, AppError> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut out = std::collections::HashMap::with_capacity(ids.len());
    for chunk in crate::db::statement_chunks(&ids, 1) {
        let list = db.backend.in_list(chunk.len());
        let mut q = sqlx::query(crate::sql!("SELECT {COLS} FROM areas WHERE id IN ({list})"));
        for id in chunk {
            q = q.bind(*id);
        }
        for r in q.fetch_all(&db.pool).await? {
            let a = from_row(&r)?;
            out.insert(a.id, a);
        }
    }
    Ok(out)
}

/// Areas by code in one query per 500 (labels of a table); unknown codes are left out.
pub async fn by_codes(db: &Db, codes: &[String]) -> Result<Vec<Area>, AppError> {
    let mut out = Vec::with_capacity(codes.len());
    for chunk in crate::db::statement_chunks(codes, 1) {
        let list = db.backend.in_list(chunk.len());
        let mut q = sqlx::query(crate::sql!("SELECT {COLS} FROM areas WHERE code IN ({list})"));
        for c in chunk {
            q = q.bind(c.as_str());
        }
        for r in q.fetch_all(&db.pool).await? {
            out.push(from_row(&r)?);
        }
    }
    Ok(out)
}

/// [`by_code`] through the short-lived cache (see `cache`): for the submission path, which
/// needs an area's id, path, kind and community, none of which ever change.
pub async fn by_code_cached(db: &Db, code: &str) -> Result<Area, AppError> {
    let cache = db.caches.get::<AreaCache>();
    if let Some(a) = cache.0.get(&code.to_string()) {
        return Ok(a);
    }
    let a = by_code(db, code).await?;
    cache.0.put(code.to_string(), a.clone());
    Ok(a)
}

/// Areas by code; an area's code, path, kind and community never change once created.
struct AreaCache(crate::cache::TtlCache<String, Area>);

impl Default for AreaCache {
    fn default() -> Self {
        AreaCache(crate::cache::TtlCache::new(std::time::Duration::from_secs(30), 200_000))
    }
}

/// Reads an area the actor may see for `action`. Unknown and foreign areas both answer
/// `NotFound` to a signed-in user, so ids and codes cannot be probed across communities.
pub async fn visible(db: &Db, actor: &Actor, action: Action, code: &str) -> Result<Area, AppError> {
    let area = by_code(db, code).await;
    match area {
        Ok(a) if actor.operator || actor.grants.reaches(action, &a.path) => Ok(a),
        Ok(_) | Err(AppError::NotFound) => {
            actor.require(action, None)?;
            Err(AppError::NotFound)
        }
        Err(e) => Err(e),
    }
}

/// The chain from the root down to `area` (for breadcrumbs).
pub async fn ancestors(db: &Db, area: &Area) -> Result<Vec<Area>, AppError> {
    let codes: Vec<&str> = area.path.split('/').filter(|c| !c.is_empty()).collect();
    let mut out = Vec::with_capacity(codes.len());
    for c in codes {
        out.push(by_code(db, c).await?);
    }
    Ok(out)
}

/// Children of an area, each with the size of its subtree, restricted to what the actor sees.
pub async fn children(db: &Db, actor: &Actor, action: Action, parent: &Area) -> Result<Vec<AreaSummary>, AppError> {
    // One query for the children with their own child counts, one range scan for household
    // counts grouped by child path prefix: two round trips whatever the number of children.
    let rows = sqlx::query(crate::sql!(
        "SELECT {COLS}, (SELECT COUNT(*) FROM areas g WHERE g.parent_id = a.id) FROM areas a WHERE a.parent_id = $1 ORDER BY a.code"
    ))
    .bind(parent.id)
    .fetch_all(&db.pool)
    .await?;
    let mut kids = Vec::with_capacity(rows.len());
    for r in &rows {
        let area = from_row(r)?;
        if actor.operator || actor.grants.reaches(action, &area.path) {
            kids.push((area, r.try_get::<i64, _>(9)?));
        }
    }
    let mut lengths: Vec<usize> = kids.iter().map(|(a, _)| a.path.len()).collect();
    lengths.sort_unstable();
    lengths.dedup();
    let mut households = std::collections::HashMap::new();
    for len in lengths {
        let counts: Vec<(String, i64)> = sqlx::query_as(
            "SELECT substr(path, 1, CAST($3 AS INTEGER)), COUNT(*) FROM areas WHERE path >= $1 AND path < $2 AND kind = 'household' GROUP BY 1",
        )
        .bind(&parent.path)
        .bind(upper(&parent.path))
        .bind(len as i64)
        .fetch_all(&db.pool)
        .await?;
        households.extend(counts);
    }
    Ok(kids
        .into_iter()
        .map(|(area, children)| {
            let households = households.get(&area.path).copied().unwrap_or(0);
            AreaSummary { area, children, households }
        })
        .collect())
}

/// Number of areas of `kind` in the subtree at `path` (the roll-up primitive).
pub async fn count_in_subtree(db: &Db, path: &str, kind: AreaKind) -> Result<i64, AppError> {
    let c: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM areas WHERE path >= $1 AND path < $2 AND kind = $3")
        .bind(path)
        .bind(upper(path))
        .bind(kind.code())
        .fetch_one(&db.pool)
        .await?;
    Ok(c.0)
}

/// Areas of one kind in a subtree, paged, ordered by code.
pub async fn in_subtree(db: &Db, path: &str, kind: AreaKind, limit: i64, offset: i64) -> Result<Vec<Area>, AppError> {
    let rows = sqlx::query(crate::sql!(
        "SELECT {COLS} FROM areas WHERE path >= $1 AND path < $2 AND kind = $3 ORDER BY path LIMIT $4 OFFSET $5"
    ))
    .bind(path)
    .bind(upper(path))
    .bind(kind.code())
    .bind(limit)
    .bind(offset)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Communities the actor can reach for `action`, by code.
/// The divisions directly below `parent` with their counts, for everyone: the area tree's names
/// and aggregate counts are public facts of a community (its overview shows them to all its
/// members and the directory to visitors); people and records inside them are not.
pub async fn divisions(db: &Db, parent: &Area) -> Result<Vec<AreaSummary>, AppError> {
    children(db, &Actor::operator(), Action::Public, parent).await
}

/// Every community, for the public directory's community filter.
pub async fn all_communities(db: &Db) -> Result<Vec<Area>, AppError> {
    communities(db, &Actor::operator(), Action::Public).await
}

pub async fn communities(db: &Db, actor: &Actor, action: Action) -> Result<Vec<Area>, AppError> {
    let rows = sqlx::query(crate::sql!("SELECT {COLS} FROM areas WHERE kind = 'community' ORDER BY code"))
        .fetch_all(&db.pool)
        .await?;
    let mut out = Vec::new();
    for r in rows {
        let a = from_row(&r)?;
        if actor.operator || actor.grants.reaches(action, &a.path) {
            out.push(a);
        }
    }
    Ok(out)
}

/// A place a need can be about, for pickers: a grid or a building of a community.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub kind: AreaKind,
    pub code: String,
    pub name: String,
    pub path: String,
}

/// A community's places for the pickers, kept a few seconds (see `cache`); creating an area
/// forgets its community's entry at once.
struct PlacesCache(crate::cache::TtlCache<i64, Vec<Place>>);

impl Default for PlacesCache {
    fn default() -> Self {
        PlacesCache(crate::cache::TtlCache::new(std::time::Duration::from_secs(10), 10_000))
    }
}

pub(crate) fn forget_places(db: &Db, community_id: i64) {
    db.caches.get::<PlacesCache>().0.forget(&community_id);
}

/// The grids and buildings of `community` in tree order, through the (community, kind) index:
/// no scan of its thousands of households. Every need form lists them, so they are cached.
pub async fn places_in(db: &Db, community: &Area) -> Result<Vec<Place>, AppError> {
    let cache = db.caches.get::<PlacesCache>();
    if let Some(p) = cache.0.get(&community.id) {
        return Ok(p);
    }
    let places = read_places(db, community).await?;
    if !places.is_empty() {
        cache.0.put(community.id, places.clone());
    }
    Ok(places)
}

async fn read_places(db: &Db, community: &Area) -> Result<Vec<Place>, AppError> {
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT kind, code, name, path FROM areas WHERE community_id = $1 AND kind IN ('grid', 'building') ORDER BY path",
    )
    .bind(community.id)
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter()
        .map(|(kind, code, name, path)| Ok(Place { kind: AreaKind::parse(&kind)?, code, name, path }))
        .collect()
}
