//! S1 — the area tree. Owns table `areas`.
//!
//! Roll-ups use the materialised `path` (codes joined by `/`): a subtree is the range
//! `path >= P AND path < P || '~'`, which both engines answer from the `areas.path` index.

use crate::audit::AuditedTx;
use crate::db::upper;
use crate::{Actor, AppError, Db};
use sqlx::{Any, Row, Transaction};
use wushe_domain::FieldError;
use wushe_domain::access::Action;
use wushe_domain::areas::{AreaCode, AreaKind, child_path, parse_area_name};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Area {
    pub id: i64,
    pub community_id: Option<i64>,
    pub parent_id: Option<i64>,
    pub kind: AreaKind,
    pub code: String,
    pub name: String,
    pub path: String,
    pub depth: i64,
    pub geojson: Option<String>,
}

const COLS: &str = "id, community_id, parent_id, kind, code, name, path, depth, geojson";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Area, AppError> {
    let kind: String = r.try_get(3)?;
    Ok(Area {
        id: r.try_get(0)?,
        community_id: r.try_get(1)?,
        parent_id: r.try_get(2)?,
        kind: AreaKind::parse(&kind).map_err(|_| AppError::Internal(format!("bad area kind {kind}")))?,
        code: r.try_get(4)?,
        name: r.try_get(5)?,
        path: r.try_get(6)?,
        depth: r.try_get(7)?,
        geojson: r.try_get(8)?,
    })
}

/// An area with the number of households and people in its subtree, for drill-down lists.
#[derive(Debug, Clone)]
pub struct AreaSummary {
    pub area: Area,
    pub children: i64,
    pub households: i64,
}

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

/// What a new area needs, with its code already decided (demo generator, bulk loads).
#[derive(Debug, Clone)]
pub struct NewArea {
    pub parent_code: Option<String>,
    pub kind: AreaKind,
    pub code: AreaCode,
    pub name: String,
    pub geojson: Option<String>,
}

/// Raw fields of the "add a sub-area" form, API body and `wushe area add`. An empty code means
/// "the next free number at this level".
#[derive(Debug, Clone, Default)]
pub struct AreaForm {
    pub parent_code: String,
    pub kind: String,
    pub code: String,
    pub name: String,
}

/// The next free child code of `parent` for `kind` (max existing sibling + 1).
async fn next_child_code(db: &Db, parent: &Area, kind: AreaKind) -> Result<AreaCode, AppError> {
    let width = parent.code.len() + kind.segment_width();
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT code FROM areas WHERE parent_id = $1").bind(parent.id).fetch_all(&db.pool).await?;
    let max = rows
        .iter()
        .filter(|(c,)| c.len() == width)
        .filter_map(|(c,)| c[parent.code.len()..].parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    Ok(AreaCode::parse(&parent.code)?.child(kind, max + 1)?)
}

/// Creates one area under a parent the actor administers, audited. Checks nesting and the
/// code's shape; an unknown or foreign parent reads as unknown, so codes cannot be probed.
pub async fn create(db: &Db, actor: &Actor, at: i64, form: AreaForm) -> Result<Area, AppError> {
    let mut errs = wushe_domain::FieldErrors::default();
    let kind = errs.check(AreaKind::parse(&form.kind));
    let name = errs.check(parse_area_name(&form.name));
    let code = if form.code.trim().is_empty() { None } else { errs.check(AreaCode::parse(&form.code)) };
    errs.into_result()?;
    let (kind, name) = (kind.expect("checked"), name.expect("checked"));
    if form.parent_code.trim().is_empty() {
        return create_root(db, actor, at, kind, code, name).await;
    }
    let unknown = || AppError::from(FieldError::new("parent_code", "errors.area.parent_unknown"));
    let parent = by_code(db, form.parent_code.trim()).await.map_err(|e| match e {
        AppError::NotFound => unknown(),
        e => e,
    })?;
    match actor.require(Action::AreaWrite, Some(&parent.path)) {
        Err(AppError::Forbidden) if !actor.grants.reaches(Action::AreaRead, &parent.path) => return Err(unknown()),
        r => r?,
    }
    if !parent.kind.may_contain(kind) {
        return Err(FieldError::new("kind", "errors.area.bad_nesting").into());
    }
    let code = match code {
        Some(c) => {
            c.check_child_of(&AreaCode::parse(&parent.code)?, kind)?;
            c
        }
        None => next_child_code(db, &parent, kind).await?,
    };
    let new = NewArea { parent_code: Some(parent.code.clone()), kind, code, name, geojson: None };
    let mut tx = AuditedTx::begin(db, at).await?;
    let area = insert(&mut tx.tx, Some(&parent), &new, at).await?;
    tx.record(actor, area.community_id, "area.create", &format!("area:{}", area.code), &area.name).await?;
    tx.commit().await?;
    Ok(area)
}

/// A new top of the tree (a province): only the operator, with an explicit 2-digit code.
async fn create_root(
    db: &Db,
    actor: &Actor,
    at: i64,
    kind: AreaKind,
    code: Option<AreaCode>,
    name: String,
) -> Result<Area, AppError> {
    if !actor.operator {
        return Err(FieldError::new("parent_code", "errors.required").into());
    }
    if kind != AreaKind::Province {
        return Err(FieldError::new("kind", "errors.area.bad_nesting").into());
    }
    let code = code.filter(|c| c.as_str().len() == 2).ok_or(FieldError::new("code", "errors.area_code.not_child"))?;
    let new = NewArea { parent_code: None, kind, code, name, geojson: None };
    let mut tx = AuditedTx::begin(db, at).await?;
    let area = insert(&mut tx.tx, None, &new, at).await?;
    tx.record(actor, None, "area.create", &format!("area:{}", area.code), &area.name).await?;
    tx.commit().await?;
    Ok(area)
}

/// Inserts one area inside a caller's transaction (no authorization: callers check).
pub async fn insert(
    tx: &mut Transaction<'_, Any>,
    parent: Option<&Area>,
    new: &NewArea,
    at: i64,
) -> Result<Area, AppError> {
    let path = child_path(parent.map(|p| p.path.as_str()).unwrap_or(""), &new.code);
    let depth = parent.map(|p| p.depth + 1).unwrap_or(0);
    let r = sqlx::query(crate::sql!(
        "INSERT INTO areas (community_id, parent_id, kind, code, name, path, depth, geojson, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {COLS}"
    ))
    .bind(parent.and_then(|p| p.community_id))
    .bind(parent.map(|p| p.id))
    .bind(new.kind.code())
    .bind(new.code.as_str())
    .bind(&new.name)
    .bind(&path)
    .bind(depth)
    .bind(&new.geojson)
    .bind(at)
    .fetch_one(&mut **tx)
    .await
    .map_err(AppError::unique_as("code", "errors.area_code.taken"))?;
    let mut area = from_row(&r)?;
    if area.kind == AreaKind::Community {
        sqlx::query("UPDATE areas SET community_id = id WHERE id = $1").bind(area.id).execute(&mut **tx).await?;
        area.community_id = Some(area.id);
    }
    Ok(area)
}

/// Bulk insert of many children with precomputed codes (demo generator); one statement per
/// chunk keeps 20,000 rows well under a second on SQLite.
pub async fn insert_many(
    tx: &mut Transaction<'_, Any>,
    parent: &Area,
    kids: &[(AreaCode, AreaKind, String)],
    at: i64,
) -> Result<Vec<Area>, AppError> {
    let mut out = Vec::with_capacity(kids.len());
    for chunk in kids.chunks(400) {
        let mut sql = String::from(
            "INSERT INTO areas (community_id, parent_id, kind, code, name, path, depth, geojson, created_at) VALUES ",
        );
        let mut n = 0;
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "(${},${},${},${},${},${},${},NULL,${})",
                n + 1,
                n + 2,
                n + 3,
                n + 4,
                n + 5,
                n + 6,
                n + 7,
                n + 8
            ));
            n += 8;
        }
        sql.push_str(&format!(" RETURNING {COLS}"));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
        for (code, kind, name) in chunk {
            q = q
                .bind(parent.community_id)
                .bind(parent.id)
                .bind(kind.code())
                .bind(code.as_str())
                .bind(name.as_str())
                .bind(child_path(&parent.path, code))
                .bind(parent.depth + 1)
                .bind(at);
        }
        let rows = q.fetch_all(&mut **tx).await?;
        for r in rows {
            out.push(from_row(&r)?);
        }
    }
    out.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(out)
}

/// Stores a GeoJSON polygon for an area (situation map).
pub async fn set_geojson(tx: &mut Transaction<'_, Any>, area_id: i64, geojson: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE areas SET geojson = $1 WHERE id = $2").bind(geojson).bind(area_id).execute(&mut **tx).await?;
    Ok(())
}
