//! Creating organizations (publishing `Created`), memberships with a post.

use super::forms::NewOrganization;
use super::model::{COLS, Organization, from_row};
use super::queries::{Membership, get};
use crate::areas::Area;
use crate::audit::AuditedTx;
use crate::{Actor, AppError, Db, areas, people};
use sqlx::{Any, Row, Transaction};
use wushe_domain::FieldError;
use wushe_domain::access::Action;
use wushe_domain::ids::OrganizationId;
use wushe_domain::organizations::Post;

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
        let parent = get(db, actor, OrganizationId::from(pid))
            .await
            .map_err(|_| FieldError::new("parent_id", "errors.organization.unknown"))?;
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
    org_id: OrganizationId,
    person_id: i64,
    post: &str,
    since_year: Option<i64>,
) -> Result<Membership, AppError> {
    let post = Post::parse(post)?;
    let org = get(db, actor, org_id).await?;
    actor.require(Action::OrganizationWrite, Some(&org.area_path))?;
    let person = people::get(db, actor, wushe_domain::ids::PersonId::from(person_id)).await.map_err(|e| match e {
        AppError::NotFound | AppError::Forbidden => {
            AppError::from(FieldError::new("person_id", "errors.person.unknown"))
        }
        e => e,
    })?;
    let mut tx = AuditedTx::begin(db, at).await?;
    let id = insert_membership(&mut tx.tx, &org, person.id.get(), post, since_year, at).await.map_err(|e| match e {
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
    Ok(Membership { id, organization_id: org.id.get(), person_id, person_name: person.name, post, since_year })
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
    .bind(org.id.get())
    .bind(person_id)
    .bind(post.code())
    .bind(since_year)
    .bind(at)
    .fetch_one(&mut **tx)
    .await?;
    Ok(r.try_get(0)?)
}
