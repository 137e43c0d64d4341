//! S3 — organizations of every kind and memberships with posts. Owns tables `organizations`
//! and `memberships`. Writes re-index the organization in the directory (S4).

use crate::areas::Area;
use crate::audit::AuditedTx;
use crate::db::upper;
use crate::{Actor, AppError, Db, areas, people};
use sqlx::{Any, Row, Transaction};
use wushe_domain::access::Action;
use wushe_domain::error::optional_text;
use wushe_domain::organizations::{OrganizationKind, Post, parse_organization_name};
use wushe_domain::people::{PhoneNumber, mask_name};
use wushe_domain::{FieldError, FieldErrors};

#[derive(Debug, Clone)]
pub struct Organization {
    pub id: i64,
    pub community_id: Option<i64>,
    pub area_id: i64,
    pub area_path: String,
    pub parent_id: Option<i64>,
    pub kind: OrganizationKind,
    pub name: String,
    pub description: String,
    pub services: String,
    pub phone: Option<String>,
    pub address: String,
}

const COLS: &str = "id, community_id, area_id, area_path, parent_id, kind, name, description, services, phone, address";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Organization, AppError> {
    let kind: String = r.try_get(5)?;
    Ok(Organization {
        id: r.try_get(0)?,
        community_id: r.try_get(1)?,
        area_id: r.try_get(2)?,
        area_path: r.try_get(3)?,
        parent_id: r.try_get(4)?,
        kind: OrganizationKind::parse(&kind).map_err(|_| AppError::Internal(format!("bad org kind {kind}")))?,
        name: r.try_get(6)?,
        description: r.try_get(7)?,
        services: r.try_get(8)?,
        phone: r.try_get(9)?,
        address: r.try_get(10)?,
    })
}

/// Organizations located in `area`'s subtree, for actors who may read organizations there.
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
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<Organization, AppError> {
    let row = sqlx::query(crate::sql!("SELECT {COLS} FROM organizations WHERE id = $1"))
        .bind(id)
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
pub async fn public_get(db: &Db, id: i64) -> Result<Organization, AppError> {
    let row = sqlx::query(crate::sql!("SELECT {COLS} FROM organizations WHERE id = $1"))
        .bind(id)
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
            found.insert(o.id, o);
        }
    }
    Ok(ids.iter().filter_map(|id| found.get(id).cloned()).collect())
}

pub async fn children(db: &Db, org: &Organization) -> Result<Vec<Organization>, AppError> {
    let rows = sqlx::query(crate::sql!("SELECT {COLS} FROM organizations WHERE parent_id = $1 ORDER BY name"))
        .bind(org.id)
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
    .bind(org.id)
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

/// Raw form fields for a new organization.
#[derive(Debug, Clone, Default)]
pub struct OrganizationForm {
    pub area_code: String,
    pub parent_id: Option<i64>,
    pub kind: String,
    pub name: String,
    pub description: String,
    pub services: String,
    pub phone: String,
    pub address: String,
}

#[derive(Debug, Clone)]
pub struct NewOrganization {
    pub area_code: String,
    pub parent_id: Option<i64>,
    pub kind: OrganizationKind,
    pub name: String,
    pub description: String,
    pub services: String,
    pub phone: Option<String>,
    pub address: String,
}

impl OrganizationForm {
    pub fn parse(&self) -> Result<NewOrganization, FieldErrors> {
        let mut e = FieldErrors::default();
        let kind = e.check(OrganizationKind::parse(&self.kind));
        let name = e.check(parse_organization_name(&self.name));
        let description = e.check(optional_text("description", &self.description, 2000));
        let services = e.check(optional_text("services", &self.services, 2000));
        let address = e.check(optional_text("address", &self.address, 200));
        // Organizations may list a landline: 7–20 digits and dashes, or a mobile number.
        let phone = e.check(match self.phone.trim() {
            "" => Ok(None),
            p if PhoneNumber::parse(p).is_ok() => Ok(Some(p.to_string())),
            p if (7..=20).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit() || b == b'-') => {
                Ok(Some(p.to_string()))
            }
            _ => Err(FieldError::new("phone", "errors.phone.invalid")),
        });
        if self.area_code.trim().is_empty() {
            e.0.push(FieldError::new("area_code", "errors.required"));
        }
        e.into_result()?;
        Ok(NewOrganization {
            area_code: self.area_code.trim().to_string(),
            parent_id: self.parent_id,
            kind: kind.expect("checked"),
            name: name.expect("checked"),
            description: description.expect("checked").unwrap_or_default(),
            services: services.expect("checked").unwrap_or_default(),
            phone: phone.expect("checked"),
            address: address.expect("checked").unwrap_or_default(),
        })
    }
}

/// Creates an organization in an area the actor administers, audited and indexed.
pub async fn create(db: &Db, actor: &Actor, at: i64, new: NewOrganization) -> Result<Organization, AppError> {
    let area = match areas::by_code(db, &new.area_code).await {
        Ok(a) => a,
        Err(AppError::NotFound) => {
            return Err(FieldError::new("area_code", "errors.area.unknown").into());
        }
        Err(e) => return Err(e),
    };
    match actor.require(Action::OrganizationWrite, Some(&area.path)) {
        Err(AppError::Forbidden) => {
            return Err(FieldError::new("area_code", "errors.area.unknown").into());
        }
        r => r?,
    }
    if let Some(pid) = new.parent_id {
        let parent =
            get(db, actor, pid).await.map_err(|_| FieldError::new("parent_id", "errors.organization.unknown"))?;
        if !new.kind.may_have_parent(parent.kind) {
            return Err(FieldError::new("parent_id", "errors.organization.bad_parent").into());
        }
    }
    let mut tx = AuditedTx::begin(db, at).await?;
    let o = insert(&mut tx.tx, &area, &new, at).await?;
    crate::events::publish(db, &mut tx.tx, &Created(o.clone())).await?;
    tx.record(actor, o.community_id, "organization.create", &format!("organization:{}", o.id), &o.name).await?;
    tx.commit().await?;
    Ok(o)
}

/// Event: an organization was created (the directory indexes it in the same transaction).
#[derive(Debug, Clone)]
pub struct Created(pub Organization);

pub async fn insert(
    tx: &mut Transaction<'_, Any>,
    area: &Area,
    new: &NewOrganization,
    at: i64,
) -> Result<Organization, AppError> {
    let r = sqlx::query(crate::sql!(
        "INSERT INTO organizations (community_id, area_id, area_path, parent_id, kind, name, description, services, phone, address, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {COLS}"
    ))
    .bind(area.community_id)
    .bind(area.id)
    .bind(&area.path)
    .bind(new.parent_id)
    .bind(new.kind.code())
    .bind(&new.name)
    .bind(&new.description)
    .bind(&new.services)
    .bind(&new.phone)
    .bind(&new.address)
    .bind(at)
    .fetch_one(&mut **tx)
    .await?;
    from_row(&r)
}

/// Adds a person to an organization with a post, audited. Both must be visible to the actor.
pub async fn add_member(
    db: &Db,
    actor: &Actor,
    at: i64,
    org_id: i64,
    person_id: i64,
    post: &str,
    since_year: Option<i64>,
) -> Result<Membership, AppError> {
    let post = Post::parse(post)?;
    let org = get(db, actor, org_id).await?;
    actor.require(Action::OrganizationWrite, Some(&org.area_path))?;
    let person = people::get(db, actor, person_id).await.map_err(|e| match e {
        AppError::NotFound | AppError::Forbidden => {
            AppError::from(FieldError::new("person_id", "errors.person.unknown"))
        }
        e => e,
    })?;
    let mut tx = AuditedTx::begin(db, at).await?;
    let id = insert_membership(&mut tx.tx, &org, person.id, post, since_year, at).await.map_err(|e| match e {
        AppError::Db(d) => AppError::unique_as("post", "errors.membership.exists")(d),
        e => e,
    })?;
    tx.record(
        actor,
        org.community_id,
        "membership.add",
        &format!("membership:{id}"),
        &format!("{}:{}", org.id, post.code()),
    )
    .await?;
    tx.commit().await?;
    Ok(Membership { id, organization_id: org.id, person_id, person_name: person.name, post, since_year })
}

pub async fn insert_membership(
    tx: &mut Transaction<'_, Any>,
    org: &Organization,
    person_id: i64,
    post: Post,
    since_year: Option<i64>,
    at: i64,
) -> Result<i64, AppError> {
    let r = sqlx::query(
        "INSERT INTO memberships (community_id, organization_id, person_id, post, since_year, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(org.community_id)
    .bind(org.id)
    .bind(person_id)
    .bind(post.code())
    .bind(since_year)
    .bind(at)
    .fetch_one(&mut **tx)
    .await?;
    Ok(r.try_get(0)?)
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
