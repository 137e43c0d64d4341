//! Reading resources: the database page's filters, spaces for booking, public services.

use super::access::{actor_orgs, may_read};
use super::forms::truthy;
use super::model::{COLS, Resource, from_row};
use crate::areas::Area;
use crate::db::upper;
use crate::{Actor, AppError, Db, areas};
use wushe_domain::access::Action;
use wushe_domain::ids::ResourceId;
use wushe_domain::resources::{ResourceKind, ResourceStatus};
use wushe_domain::{FieldError, FieldErrors};

/// List filters for the resource database page and API.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct Filter {
    pub kind: String,
    pub category: String,
    pub status: String,
    pub q: String,
    /// `1`: only the actor's own (and their organizations').
    pub mine: String,
    pub page: Option<i64>,
}

pub const PAGE_SIZE: i64 = 50;

/// Resources of a community's subtree, and those placed above it (a street's), that the actor
/// may read; newest changes last.
pub async fn list(db: &Db, actor: &Actor, community: &Area, f: &Filter) -> Result<(Vec<Resource>, i64), AppError> {
    let mine = truthy(&f.mine);
    let own_list = mine && actor.grants.member_of(Action::ResourceOwn, &community.path);
    if !(may_read(actor, &community.path) || own_list) {
        actor.require(Action::ResourceRead, None).or_else(|_| actor.require(Action::ResourceOwn, None))?;
        return Err(AppError::NotFound);
    }
    let mut e = FieldErrors::default();
    let kind = if f.kind.trim().is_empty() { None } else { e.check(ResourceKind::parse(&f.kind)) };
    let status = if f.status.trim().is_empty() { None } else { e.check(ResourceStatus::parse(&f.status)) };
    if f.q.chars().count() > 50 {
        e.0.push(FieldError::new("q", "errors.too_long"));
    }
    if f.category.chars().count() > 40 || f.category.contains(char::is_whitespace) {
        e.0.push(FieldError::new("category", "errors.category.unknown"));
    }
    e.into_result()?;
    // The community's subtree, restricted to what the actor reads, plus the areas above it.
    let mut ranges: Vec<(String, String)> = Vec::new();
    if actor.operator || actor.require(Action::ResourceRead, Some(&community.path)).is_ok() {
        ranges.push((community.path.clone(), upper(&community.path)));
    } else {
        for s in actor.subtrees(Action::ResourceRead) {
            if s.starts_with(&community.path) {
                ranges.push((s.clone(), upper(&s)));
            }
        }
        if mine || ranges.is_empty() {
            ranges.push((community.path.clone(), upper(&community.path)));
        }
    }
    let above: Vec<String> = areas::ancestors(db, community).await?.into_iter().map(|a| a.path).collect();
    let mut sql = String::from("FROM resources WHERE (");
    let mut binds: Vec<String> = Vec::new();
    let mut n = 0;
    let mut next = |binds: &mut Vec<String>, v: String| {
        n += 1;
        binds.push(v);
        format!("${n}")
    };
    let mut parts: Vec<String> = Vec::new();
    for (lo, hi) in ranges {
        let a = next(&mut binds, lo);
        let b = next(&mut binds, hi);
        parts.push(format!("(area_path >= {a} AND area_path < {b})"));
    }
    for p in above {
        let a = next(&mut binds, p);
        parts.push(format!("area_path = {a}"));
    }
    sql.push_str(&parts.join(" OR "));
    sql.push(')');
    if let Some(k) = kind {
        let a = next(&mut binds, k.code().to_string());
        sql.push_str(&format!(" AND kind = {a}"));
    }
    if let Some(s) = status {
        let a = next(&mut binds, s.code().to_string());
        sql.push_str(&format!(" AND status = {a}"));
    }
    if !f.category.trim().is_empty() {
        let a = next(&mut binds, format!("% {} %", f.category.trim()));
        sql.push_str(&format!(" AND categories LIKE {a}"));
    }
    if !f.q.trim().is_empty() {
        let a = next(&mut binds, crate::db::contains_pattern(&f.q));
        sql.push_str(&format!(
            " AND (name LIKE {a} ESCAPE '\\' OR tags LIKE {a} ESCAPE '\\' OR description LIKE {a} ESCAPE '\\')"
        ));
    }
    if mine {
        let (_, orgs) = actor_orgs(db, actor).await?;
        let me = next(&mut binds, actor.user_id.unwrap_or(-1).to_string());
        let mut own = format!(" AND (owner_user_id = CAST({me} AS BIGINT)");
        for o in orgs {
            let a = next(&mut binds, o.to_string());
            own.push_str(&format!(" OR owner_org_id = CAST({a} AS BIGINT)"));
        }
        own.push(')');
        sql.push_str(&own);
    }
    let count_sql = format!("SELECT COUNT(*) {sql}");
    let mut cq = sqlx::query_scalar::<_, i64>(crate::sql!("{count_sql}"));
    for b in &binds {
        cq = cq.bind(b.clone());
    }
    let total = cq.fetch_one(&db.pool).await?;
    let page = f.page.unwrap_or(1).clamp(1, 100_000);
    let list_sql =
        format!("SELECT {COLS} {sql} ORDER BY kind, name, id LIMIT {PAGE_SIZE} OFFSET {}", (page - 1) * PAGE_SIZE);
    let mut q = sqlx::query(crate::sql!("{list_sql}"));
    for b in &binds {
        q = q.bind(b.clone());
    }
    let rows = q.fetch_all(&db.pool).await?;
    let list = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    Ok((list, total))
}

/// Every resource of a community's subtree, for export (the actor must read the whole community).
pub async fn all_in(db: &Db, actor: &Actor, community: &Area) -> Result<Vec<Resource>, AppError> {
    actor.require(Action::ResourceRead, Some(&community.path))?;
    let rows = sqlx::query(crate::sql!(
        "SELECT {COLS} FROM resources WHERE area_path >= $1 AND area_path < $2 ORDER BY kind, name, id"
    ))
    .bind(&community.path)
    .bind(upper(&community.path))
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Bookable spaces (and equipment) of a community, for the booking calendar: public.
pub async fn bookable_in(db: &Db, community: &Area) -> Result<Vec<Resource>, AppError> {
    let rows = sqlx::query(crate::sql!(
        "SELECT {COLS} FROM resources WHERE area_path >= $1 AND area_path < $2 AND kind IN ('space', 'equipment') \
         AND status = 'active' ORDER BY name, id"
    ))
    .bind(&community.path)
    .bind(upper(&community.path))
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(from_row).collect()
}

/// A bookable resource by id whatever its status, for its existing bookings (a retired space's
/// bookings can still be cancelled).
pub async fn booked_space(db: &Db, id: ResourceId) -> Result<Resource, AppError> {
    let row = sqlx::query(crate::sql!("SELECT {COLS} FROM resources WHERE id = $1"))
        .bind(id.get())
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let r = from_row(&row)?;
    if r.kind.bookable() { Ok(r) } else { Err(AppError::NotFound) }
}

/// One bookable resource by id, without grants (its calendar is public); other kinds are not found.
pub async fn bookable(db: &Db, id: ResourceId) -> Result<Resource, AppError> {
    let row = sqlx::query(crate::sql!("SELECT {COLS} FROM resources WHERE id = $1"))
        .bind(id.get())
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let r = from_row(&row)?;
    if r.kind.bookable() && r.status != ResourceStatus::Retired { Ok(r) } else { Err(AppError::NotFound) }
}

/// Active services of organizations of public kinds (and of the community itself): the public
/// directory's services (S4, HSDS). `within` is a path prefix ("" for all).
pub async fn public_services(db: &Db, within: &str) -> Result<Vec<Resource>, AppError> {
    let rows = sqlx::query(crate::sql!(
        "SELECT {COLS} FROM resources WHERE area_path >= $1 AND area_path < $2 AND kind IN ('service', 'space') \
         AND status <> 'retired' AND owner_user_id IS NULL AND owner_person_id IS NULL ORDER BY id"
    ))
    .bind(within)
    .bind(upper(within))
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn public_get(db: &Db, id: ResourceId) -> Result<Resource, AppError> {
    let row = sqlx::query(crate::sql!("SELECT {COLS} FROM resources WHERE id = $1"))
        .bind(id.get())
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let r = from_row(&row)?;
    let public = matches!(r.kind, ResourceKind::Service | ResourceKind::Space)
        && r.status != ResourceStatus::Retired
        && !r.personal();
    if public { Ok(r) } else { Err(AppError::NotFound) }
}

/// Resources the actor keeps themselves (for the claiming list's fit and the "mine" page).
pub async fn owned_by(db: &Db, actor: &Actor) -> Result<Vec<Resource>, AppError> {
    let Some(uid) = actor.user_id else { return Ok(vec![]) };
    let (_, orgs) = actor_orgs(db, actor).await?;
    let mut out = Vec::new();
    let rows = sqlx::query(crate::sql!("SELECT {COLS} FROM resources WHERE owner_user_id = $1 AND status = 'active'"))
        .bind(uid)
        .fetch_all(&db.pool)
        .await?;
    for r in &rows {
        out.push(from_row(r)?);
    }
    for o in orgs {
        let rows =
            sqlx::query(crate::sql!("SELECT {COLS} FROM resources WHERE owner_org_id = $1 AND status = 'active'"))
                .bind(o)
                .fetch_all(&db.pool)
                .await?;
        for r in &rows {
            out.push(from_row(r)?);
        }
    }
    Ok(out)
}

pub async fn count_in(db: &Db, path: &str) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM resources WHERE area_path >= $1 AND area_path < $2")
        .bind(path)
        .bind(upper(path))
        .fetch_one(&db.pool)
        .await?)
}

// ---------------------------------------------------------------------------------------------
// R2 matching
