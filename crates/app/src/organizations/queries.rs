//! Reading organizations: in an area, one, by ids, children, members and posts, counts.

use super::model::{COLS, Organization, from_row};
use crate::areas::Area;
use crate::db::upper;
use crate::{Actor, AppError, Db};
use sqlx::Row;
use wushe_domain::access::Action;
use wushe_domain::ids::OrganizationId;
use wushe_domain::organizations::{OrganizationKind, Post};
use wushe_domain::people::mask_name;

/// Organizations located in `area`'s subtree, for actors who may read organizations there.
/// The organizations of an area as the public directory lists them (names, kinds and
/// services are public; members are not): for pickers such as a need's assignee.
pub async fn listed_in(db: &Db, area: &Area) -> Result<Vec<Organization>, AppError> {
    in_area(db, &Actor::operator(), area).await
}

pub async fn in_area(db: &Db, actor: &Actor, area: &Area) -> Result<Vec<Organization>, AppError> {
    if !(actor.operator || actor.grants.reaches(Action::OrganizationRead, &area.path)) {
        actor.require(Action::OrganizationRead, Some(&area.path))?;
    }
    let rows = sqlx::query(crate::sql!(
        "SELECT {COLS} FROM organizations WHERE area_path >= $1 AND area_path < $2 ORDER BY kind, name"
    ))
    .bind(&area.path)
    .bind(upper(&area.path))
    .fetch_all(&db.pool)
    .await?;
    let visible = actor.subtrees(Action::OrganizationRead);
    let mut out = Vec::new();
    for r in &rows {
        let o = from_row(r)?;
        if visible.iter().any(|v| o.area_path.starts_with(v.as_str()) || v.starts_with(o.area_path.as_str())) {
            out.push(o);
        }
    }
    Ok(out)
}

/// Organizations at or above the community that serve it (a street's departments), plus those
/// inside it: visible to anyone who can read the community's organizations.
pub async fn get(db: &Db, actor: &Actor, id: OrganizationId) -> Result<Organization, AppError> {
    let row = sqlx::query(crate::sql!("SELECT {COLS} FROM organizations WHERE id = $1"))
        .bind(id.get())
        .fetch_optional(&db.pool)
        .await?;
    let Some(row) = row else {
        actor.require(Action::OrganizationRead, None)?;
        return Err(AppError::NotFound);
    };
    let o = from_row(&row)?;
    if actor.operator || actor.grants.reaches(Action::OrganizationRead, &o.area_path) {
        Ok(o)
    } else {
        actor.require(Action::OrganizationRead, None)?;
        Err(AppError::NotFound)
    }
}

/// Public lookup used by the directory: no grants needed, only public kinds.
pub async fn public_get(db: &Db, id: OrganizationId) -> Result<Organization, AppError> {
    let row = sqlx::query(crate::sql!("SELECT {COLS} FROM organizations WHERE id = $1"))
        .bind(id.get())
        .fetch_optional(&db.pool)
        .await?;
    let o = from_row(&row.ok_or(AppError::NotFound)?)?;
    if o.kind.is_public() { Ok(o) } else { Err(AppError::NotFound) }
}

/// Organizations by id, in the order asked (unknown ids are left out), in one query per 500.
pub async fn by_ids(db: &Db, ids: &[i64]) -> Result<Vec<Organization>, AppError> {
    let mut found = std::collections::HashMap::with_capacity(ids.len());
    for chunk in crate::db::statement_chunks(ids, 1) {
        let list = db.backend.in_list(chunk.len());
        let mut q = sqlx::query(crate::sql!("SELECT {COLS} FROM organizations WHERE id IN ({list})"));
        for id in chunk {
            q = q.bind(*id);
        }
        for r in q.fetch_all(&db.pool).await? {
            let o = from_row(&r)?;
            found.insert(o.id.get(), o);
        }
    }
    Ok(ids.iter().filter_map(|id| found.get(id).cloned()).collect())
}

pub async fn children(db: &Db, org: &Organization) -> Result<Vec<Organization>, AppError> {
    let rows = sqlx::query(crate::sql!("SELECT {COLS} FROM organizations WHERE parent_id = $1 ORDER BY name"))
        .bind(org.id.get())
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(from_row).collect()
}

#[derive(Debug, Clone)]
pub struct Membership {
    pub id: i64,
    pub organization_id: i64,
    pub person_id: i64,
    /// Full name for roles that read residents, masked (张**) for everyone else.
    pub person_name: String,
    pub post: Post,
    pub since_year: Option<i64>,
}

pub async fn members(db: &Db, actor: &Actor, org: &Organization) -> Result<Vec<Membership>, AppError> {
    let full_names = actor.operator
        || actor.grants.decide(Action::ResidentReadSensitive, Some(&org.area_path))
            == wushe_domain::access::Decision::Allow;
    let rows = sqlx::query(
        "SELECT m.id, m.organization_id, m.person_id, p.name, m.post, m.since_year FROM memberships m \
         JOIN people p ON p.id = m.person_id WHERE m.organization_id = $1 ORDER BY m.post, m.id",
    )
    .bind(org.id.get())
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let name: String = r.try_get(3)?;
            let post: String = r.try_get(4)?;
            Ok(Membership {
                id: r.try_get(0)?,
                organization_id: r.try_get(1)?,
                person_id: r.try_get(2)?,
                person_name: if full_names { name } else { mask_name(&name) },
                post: Post::parse(&post).map_err(|_| AppError::Internal("bad post".into()))?,
                since_year: r.try_get(5)?,
            })
        })
        .collect()
}

/// The posts a person holds, with organization names (person page).
pub async fn posts_of(db: &Db, person_id: i64) -> Result<Vec<(Organization, Post)>, AppError> {
    let rows = sqlx::query("SELECT organization_id, post FROM memberships WHERE person_id = $1 ORDER BY id")
        .bind(person_id)
        .fetch_all(&db.pool)
        .await?;
    let mut out = Vec::new();
    for r in rows {
        let oid: i64 = r.try_get(0)?;
        let post: String = r.try_get(1)?;
        let o = sqlx::query(crate::sql!("SELECT {COLS} FROM organizations WHERE id = $1"))
            .bind(oid)
            .fetch_one(&db.pool)
            .await?;
        out.push((from_row(&o)?, Post::parse(&post).map_err(|_| AppError::Internal("bad post".into()))?));
    }
    Ok(out)
}

/// Member counts per organization kind in a subtree (overview figures such as party members).
pub async fn count_posts(db: &Db, path: &str, post: Post) -> Result<i64, AppError> {
    let c: (i64,) = sqlx::query_as(
        "SELECT COUNT(DISTINCT m.person_id) FROM memberships m JOIN organizations o ON o.id = m.organization_id \
         WHERE o.area_path >= $1 AND o.area_path < $2 AND m.post = $3",
    )
    .bind(path)
    .bind(upper(path))
    .bind(post.code())
    .fetch_one(&db.pool)
    .await?;
    Ok(c.0)
}

pub async fn count_kind(db: &Db, path: &str, kind: OrganizationKind) -> Result<i64, AppError> {
    let c: (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM organizations WHERE area_path >= $1 AND area_path < $2 AND kind = $3")
            .bind(path)
            .bind(upper(path))
            .bind(kind.code())
            .fetch_one(&db.pool)
            .await?;
    Ok(c.0)
}

/// Number of organizations belonging to one community.
pub async fn count_in_community(db: &Db, community_id: i64) -> Result<i64, AppError> {
    let c: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM organizations WHERE community_id = $1")
        .bind(community_id)
        .fetch_one(&db.pool)
        .await?;
    Ok(c.0)
}
