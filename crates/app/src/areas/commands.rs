//! Creating areas by rule (child codes decided here), bulk inserts, situation-map shapes.

use super::forms::{AreaForm, NewArea};
use super::model::{Area, COLS, from_row};
use super::queries::by_code;
use crate::audit::AuditedTx;
use crate::{Actor, AppError, Db};
use sqlx::{Any, Transaction};
use wushe_domain::FieldError;
use wushe_domain::access::Action;
use wushe_domain::areas::{AreaCode, AreaKind, child_path, parse_area_name};

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
    if let Some(c) = area.community_id {
        super::queries::forget_places(db, c);
    }
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
