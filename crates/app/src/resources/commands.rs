//! Creating and updating resources: place, owner and categories checked, audited.

use super::access::{actor_orgs, editable};
use super::forms::{NewResource, Owner, ResourceForm};
use super::model::{COLS, Resource, from_row, stored_list};
use super::snapshot::touch;
use super::stock::insert_move;
use crate::areas::Area;
use crate::audit::AuditedTx;
use crate::{Actor, AppError, Db, areas, needs, organizations};
use sqlx::{Any, Transaction};
use wushe_domain::FieldError;
use wushe_domain::access::Action;
use wushe_domain::ids::ResourceId;
use wushe_domain::resources::ResourceKind;

/// The community an area belongs to (itself for a community); `None` above communities.
async fn community_of(db: &Db, area: &Area) -> Result<Option<Area>, AppError> {
    match area.community_id {
        Some(c) if c == area.id => Ok(Some(area.clone())),
        Some(c) => Ok(Some(areas::by_id(db, c).await?)),
        None => Ok(None),
    }
}

/// Checks the categories name the community's (or, above a community, the defaults').
async fn check_categories(db: &Db, community: Option<&Area>, cats: &[String]) -> Result<(), AppError> {
    if cats.is_empty() {
        return Ok(());
    }
    let known: Vec<String> = match community {
        Some(c) => needs::categories(db, c.id).await?.into_iter().map(|c| c.code).collect(),
        None => wushe_domain::needs::DEFAULT_CATEGORIES.iter().map(|c| c.0.to_string()).collect(),
    };
    if cats.iter().all(|c| known.contains(c)) {
        Ok(())
    } else {
        Err(FieldError::new("categories", "errors.category.unknown").into())
    }
}

/// Works out the owner columns and whether the actor may create or keep a resource so owned.
async fn resolve_owner(
    db: &Db,
    actor: &Actor,
    area: &Area,
    owner: Owner,
) -> Result<(Option<i64>, Option<i64>, Option<i64>), AppError> {
    let manage = actor.operator || actor.require(Action::ResourceManage, Some(&area.path)).is_ok();
    // Owners place resources inside a community they belong to, never above it (a street-wide
    // resource would appear in every sibling community).
    let own = area.community_id.is_some() && actor.grants.member_of(Action::ResourceOwn, &area.path);
    if !manage && !own {
        return Err(match actor.require(Action::ResourceOwn, None) {
            Err(e) => e,
            Ok(()) => FieldError::new("area_code", "errors.area.unknown").into(),
        });
    }
    let (person, orgs) = actor_orgs(db, actor).await?;
    match owner {
        Owner::Community if manage => Ok((None, None, None)),
        Owner::Me => {
            let uid = actor.user_id.ok_or(FieldError::new("owner", "errors.resource.owner"))?;
            Ok((None, person, Some(uid)))
        }
        Owner::Organization(o) => {
            let org = organizations::get(db, &Actor::operator(), wushe_domain::ids::OrganizationId::from(o))
                .await
                .map_err(|_| FieldError::new("owner", "errors.resource.owner"))?;
            let placed = org.area_path.starts_with(&area.path) || area.path.starts_with(&org.area_path);
            let reachable = actor.operator || actor.grants.reaches(Action::ResourceManage, &org.area_path);
            if placed && ((manage && reachable) || orgs.contains(&o)) {
                Ok((Some(o), None, None))
            } else {
                Err(FieldError::new("owner", "errors.resource.owner").into())
            }
        }
        Owner::User(u) if manage => {
            let person = crate::accounts::person_of(db, u)
                .await
                .map_err(|_| FieldError::new("owner", "errors.resource.owner"))?;
            let g = crate::accounts::grants_of(db, u).await?;
            if g.grants.iter().any(|x| x.area_path.starts_with(&area.path) || area.path.starts_with(&x.area_path)) {
                Ok((None, person, Some(u)))
            } else {
                Err(FieldError::new("owner", "errors.resource.owner").into())
            }
        }
        _ => Err(FieldError::new("owner", "errors.resource.owner").into()),
    }
}

/// Spaces and equipment are booked by a community's members and approved by its staff, so they
/// are placed inside a community.
fn check_place(area: &Area, kind: ResourceKind) -> Result<(), AppError> {
    if kind.bookable() && area.community_id.is_none() {
        return Err(FieldError::new("area_code", "errors.resource.space_outside").into());
    }
    Ok(())
}

pub(crate) async fn place(db: &Db, code: &str) -> Result<Area, AppError> {
    match areas::by_code(db, code).await {
        Ok(a) => Ok(a),
        Err(AppError::NotFound) => Err(FieldError::new("area_code", "errors.area.unknown").into()),
        Err(e) => Err(e),
    }
}

pub async fn create(db: &Db, actor: &Actor, at: i64, new: NewResource) -> Result<Resource, AppError> {
    if new.area_code.is_empty() {
        return Err(FieldError::new("area_code", "errors.required").into());
    }
    let area = place(db, &new.area_code).await?;
    check_place(&area, new.kind)?;
    let (org, person, user) = resolve_owner(db, actor, &area, new.owner).await?;
    let community = community_of(db, &area).await?;
    check_categories(db, community.as_ref(), &new.categories).await?;
    let mut tx = AuditedTx::begin(db, at).await?;
    let r = insert(&mut tx.tx, &area, &new, (org, person, user), None, at).await?;
    tx.record(actor, r.community_id, "resource.create", &format!("resource:{}", r.id), &r.name).await?;
    tx.commit().await?;
    touch(db, r.id.get()).await?;
    Ok(r)
}

type AnyQuery<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>;

/// Binds a resource's 24 stored fields, in the column order `insert` and `update` both name
/// as `$1`…`$24`.
fn bind_fields<'q>(
    q: AnyQuery<'q>,
    area: &Area,
    new: &NewResource,
    (org, person, user): (Option<i64>, Option<i64>, Option<i64>),
) -> AnyQuery<'q> {
    q.bind(area.community_id)
        .bind(area.id)
        .bind(area.path.clone())
        .bind(new.kind.code())
        .bind(new.name.clone())
        .bind(new.description.clone())
        .bind(stored_list(&new.categories))
        .bind(stored_list(&new.tags))
        .bind(org)
        .bind(person)
        .bind(user)
        .bind(new.capacity)
        .bind(new.quantity)
        .bind(new.unit.clone())
        .bind(new.expires_on.clone())
        .bind(new.schedule.code())
        .bind(new.conditions.clone())
        .bind(new.contact_name.clone())
        .bind(new.contact_phone.clone())
        .bind(new.address.clone())
        .bind(new.rules.who.code())
        .bind(i64::from(new.rules.max_minutes))
        .bind(i64::from(new.rules.approval))
        .bind(new.status.code())
}

/// Inserts one resource; used by create, import and the demo generator.
pub async fn insert(
    tx: &mut Transaction<'_, Any>,
    area: &Area,
    new: &NewResource,
    (org, person, user): (Option<i64>, Option<i64>, Option<i64>),
    external_id: Option<&str>,
    at: i64,
) -> Result<Resource, AppError> {
    let q = sqlx::query(crate::sql!(
        "INSERT INTO resources (community_id, area_id, area_path, kind, name, description, categories, tags, owner_org_id, \
         owner_person_id, owner_user_id, capacity, quantity, unit, expires_on, schedule, conditions, contact_name, contact_phone, \
         address, booking_who, booking_max_minutes, booking_approval, status, external_id, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, 1, $26, $26) \
         RETURNING {COLS}"
    ));
    let r = bind_fields(q, area, new, (org, person, user))
        .bind(external_id)
        .bind(at)
        .fetch_one(&mut **tx)
        .await
        .map_err(AppError::unique_as("external_id", "errors.resource.duplicate"))?;
    let r = from_row(&r)?;
    if let Some(q) = r.quantity {
        insert_move(tx, &r, q, q, "initial", None, at).await?;
    }
    Ok(r)
}

/// Updates a resource at the version the editor read.
pub async fn update(
    db: &Db,
    actor: &Actor,
    at: i64,
    id: ResourceId,
    version: i64,
    new: NewResource,
) -> Result<Resource, AppError> {
    let old = editable(db, actor, id).await?;
    if old.version != version {
        return Err(AppError::Conflict(FieldError::new("version", "errors.stale_version")));
    }
    let area =
        if new.area_code.is_empty() { areas::by_id(db, old.area_id).await? } else { place(db, &new.area_code).await? };
    let owner_unchanged = Owner::parse(&ResourceForm::from(&old).owner).ok() == Some(new.owner);
    let (org, person, user) = if owner_unchanged && area.id == old.area_id {
        (old.owner_org_id, old.owner_person_id, old.owner_user_id)
    } else {
        resolve_owner(db, actor, &area, new.owner).await?
    };
    let community = community_of(db, &area).await?;
    check_categories(db, community.as_ref(), &new.categories).await?;
    if old.quantity != new.quantity && old.quantity.is_some() {
        // Stock changes go through stock moves, so the ledger of moves adds up.
        return Err(FieldError::new("quantity", "errors.stock.use_moves").into());
    }
    let mut tx = AuditedTx::begin(db, at).await?;
    let q = sqlx::query(crate::sql!(
        "UPDATE resources SET community_id = $1, area_id = $2, area_path = $3, kind = $4, name = $5, description = $6, \
         categories = $7, tags = $8, owner_org_id = $9, owner_person_id = $10, owner_user_id = $11, capacity = $12, \
         quantity = COALESCE(quantity, $13), unit = $14, expires_on = $15, schedule = $16, conditions = $17, contact_name = $18, \
         contact_phone = $19, address = $20, booking_who = $21, booking_max_minutes = $22, booking_approval = $23, \
         status = $24, version = version + 1, updated_at = $25 WHERE id = $26 AND version = $27 RETURNING {COLS}"
    ));
    let row = bind_fields(q, &area, &new, (org, person, user))
        .bind(at)
        .bind(id.get())
        .bind(version)
        .fetch_optional(&mut *tx.tx)
        .await?;
    let Some(row) = row else {
        return Err(AppError::Conflict(FieldError::new("version", "errors.stale_version")));
    };
    let r = from_row(&row)?;
    if old.quantity.is_none()
        && let Some(q) = r.quantity
    {
        insert_move(&mut tx.tx, &r, q, q, "initial", actor.user_id, at).await?;
    }
    tx.record(actor, r.community_id, "resource.update", &format!("resource:{}", r.id), &r.name).await?;
    tx.commit().await?;
    touch(db, r.id.get()).await?;
    Ok(r)
}
