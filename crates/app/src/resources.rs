//! R1, R2 — the community resource database and matching needs to it. Owns `resources`,
//! `resource_exceptions` and `resource_stock_moves`.
//!
//! Staff curate every resource of their area; volunteers and organization members keep their
//! own (a resource they own, or their organization's). Person-owned resources show their contact
//! masked unless the reader may see residents' full details or maintains the resource.
//!
//! Matching reads an in-memory snapshot of a community's active resources (and those placed on
//! the street or above it) with each owner's load and ratings, indexed by category and skill
//! tag: ranking the fitting ones among 100,000 is a few milliseconds of arithmetic, while
//! reading them from the database takes a second. Writes made here patch the snapshot at once;
//! otherwise it is rebuilt in the background when older than [`SNAPSHOT_TTL`], and readers
//! keep the old one meanwhile.

use crate::areas::Area;
use crate::audit::AuditedTx;
use crate::db::upper;
use crate::needs::{Assignee, Need};
use crate::{Actor, AppError, Db, areas, needs, needs_metrics, organizations};
use sqlx::{Any, Row, Transaction};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wushe_domain::access::Action;
use wushe_domain::error::optional_text;
use wushe_domain::matching::{self, Candidate, NeedProfile, Ranked};
use wushe_domain::people::{PhoneNumber, mask_name};
use wushe_domain::resources::{
    Availability, BookingRules, Exception, ResourceKind, ResourceStatus, WeeklySchedule, apply_stock, parse_date,
    parse_description, parse_name, parse_quantity, parse_tags,
};
use wushe_domain::{FieldError, FieldErrors};

#[derive(Debug, Clone)]
pub struct Resource {
    pub id: i64,
    pub community_id: Option<i64>,
    pub area_id: i64,
    pub area_path: String,
    pub kind: ResourceKind,
    pub name: String,
    pub description: String,
    pub categories: Vec<String>,
    pub tags: Vec<String>,
    pub owner_org_id: Option<i64>,
    pub owner_person_id: Option<i64>,
    pub owner_user_id: Option<i64>,
    pub capacity: i64,
    pub quantity: Option<i64>,
    pub unit: String,
    pub expires_on: Option<String>,
    pub schedule: WeeklySchedule,
    pub conditions: String,
    pub contact_name: String,
    pub contact_phone: Option<String>,
    pub address: String,
    pub rules: BookingRules,
    pub status: ResourceStatus,
    pub external_id: Option<String>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Resource {
    /// Who answers for it when a need is assigned from the matching list.
    pub fn assignee(&self) -> Option<Assignee> {
        match (self.owner_org_id, self.owner_user_id) {
            (Some(o), _) => Some(Assignee::Organization(o)),
            (None, Some(u)) => Some(Assignee::User(u)),
            _ => None,
        }
    }

    /// Owned by a person (a volunteer's skill), so its contact is personal data.
    pub fn personal(&self) -> bool {
        self.owner_org_id.is_none() && (self.owner_person_id.is_some() || self.owner_user_id.is_some())
    }
}

const COLS: &str = "id, community_id, area_id, area_path, kind, name, description, categories, tags, owner_org_id, \
    owner_person_id, owner_user_id, capacity, quantity, unit, expires_on, schedule, conditions, contact_name, \
    contact_phone, address, booking_who, booking_max_minutes, booking_approval, status, external_id, version, \
    created_at, updated_at";

fn list_of(raw: &str) -> Vec<String> {
    raw.split_whitespace().map(str::to_string).collect()
}

/// ` a b `: the stored form, so `LIKE '% a %'` tests membership.
fn stored_list(items: &[String]) -> String {
    if items.is_empty() { " ".to_string() } else { format!(" {} ", items.join(" ")) }
}

fn internal(what: &str) -> AppError {
    AppError::Internal(format!("bad stored resource {what}"))
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Resource, AppError> {
    let kind: String = r.try_get(4)?;
    let schedule: String = r.try_get(16)?;
    let who: String = r.try_get(21)?;
    let status: String = r.try_get(24)?;
    let max: i64 = r.try_get(22)?;
    Ok(Resource {
        id: r.try_get(0)?,
        community_id: r.try_get(1)?,
        area_id: r.try_get(2)?,
        area_path: r.try_get(3)?,
        kind: ResourceKind::parse(&kind).map_err(|_| internal("kind"))?,
        name: r.try_get(5)?,
        description: r.try_get(6)?,
        categories: list_of(&r.try_get::<String, _>(7)?),
        tags: list_of(&r.try_get::<String, _>(8)?),
        owner_org_id: r.try_get(9)?,
        owner_person_id: r.try_get(10)?,
        owner_user_id: r.try_get(11)?,
        capacity: r.try_get(12)?,
        quantity: r.try_get(13)?,
        unit: r.try_get(14)?,
        expires_on: r.try_get(15)?,
        schedule: WeeklySchedule::parse(&schedule).map_err(|_| internal("schedule"))?,
        conditions: r.try_get(17)?,
        contact_name: r.try_get(18)?,
        contact_phone: r.try_get(19)?,
        address: r.try_get(20)?,
        rules: BookingRules {
            who: wushe_domain::resources::BookerClass::parse(&who).map_err(|_| internal("booking_who"))?,
            max_minutes: u16::try_from(max).map_err(|_| internal("booking_max_minutes"))?,
            approval: r.try_get::<i64, _>(23)? != 0,
        },
        status: ResourceStatus::parse(&status).map_err(|_| internal("status"))?,
        external_id: r.try_get(25)?,
        version: r.try_get(26)?,
        created_at: r.try_get(27)?,
        updated_at: r.try_get(28)?,
    })
}

/// What the actor may do with one resource.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Access {
    pub edit: bool,
    pub manage: bool,
    /// Full contact details (person-owned resources are masked otherwise).
    pub contact: bool,
}

/// The person behind the actor's account and the organizations they belong to.
async fn actor_orgs(db: &Db, actor: &Actor) -> Result<(Option<i64>, Vec<i64>), AppError> {
    let Some(uid) = actor.user_id else { return Ok((None, vec![])) };
    let person = crate::accounts::person_of(db, uid).await?;
    let orgs = match person {
        Some(p) => organizations::posts_of(db, p).await?.into_iter().map(|(o, _)| o.id).collect(),
        None => vec![],
    };
    Ok((person, orgs))
}

pub async fn access(db: &Db, actor: &Actor, r: &Resource) -> Result<Access, AppError> {
    Ok(Accessor::new(db, actor).await?.access(r))
}

/// What one actor may do with many resources (a list, an export), their organizations read once.
pub struct Accessor<'a> {
    actor: &'a Actor,
    orgs: Vec<i64>,
}

impl<'a> Accessor<'a> {
    pub async fn new(db: &Db, actor: &'a Actor) -> Result<Accessor<'a>, AppError> {
        Ok(Accessor { actor, orgs: actor_orgs(db, actor).await?.1 })
    }

    pub fn access(&self, r: &Resource) -> Access {
        let actor = self.actor;
        let manage = actor.operator || actor.require(Action::ResourceManage, Some(&r.area_path)).is_ok();
        let own = actor.user_id.is_some()
            && (actor.grants.reaches(Action::ResourceOwn, &r.area_path)
                || actor.grants.member_of(Action::ResourceOwn, &r.area_path))
            && (r.owner_user_id == actor.user_id || r.owner_org_id.is_some_and(|o| self.orgs.contains(&o)));
        let edit = manage || own;
        let contact = !r.personal() || edit || actor.require(Action::ResidentReadSensitive, Some(&r.area_path)).is_ok();
        Access { edit, manage, contact }
    }
}

/// May the actor read resources placed at `path`? Resources above a community (a street's)
/// are read by anyone who reads resources of a community below.
fn may_read(actor: &Actor, path: &str) -> bool {
    actor.operator
        || actor.grants.reaches(Action::ResourceRead, path)
        || actor.grants.member_of(Action::ResourceRead, path)
}

pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<(Resource, Access), AppError> {
    let row = sqlx::query(crate::sql!("SELECT {COLS} FROM resources WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    let found = match row {
        Some(r) => Some(from_row(&r)?),
        None => None,
    };
    match found {
        Some(r) if may_read(actor, &r.area_path) => {
            let a = access(db, actor, &r).await?;
            Ok((r, a))
        }
        Some(r) if actor.user_id.is_some() && r.owner_user_id == actor.user_id => {
            let a = access(db, actor, &r).await?;
            Ok((r, a))
        }
        _ => {
            actor.require(Action::ResourceRead, None).or_else(|_| actor.require(Action::ResourceOwn, None))?;
            Err(AppError::NotFound)
        }
    }
}

/// The address as this reader may see it: a person's (their home, often) only with the contact.
pub fn shown_address(r: &Resource, a: &Access) -> String {
    if a.contact || !r.personal() { r.address.clone() } else { String::new() }
}

/// The contact as this reader may see it.
pub fn shown_contact(r: &Resource, a: &Access) -> (String, String) {
    let phone = r.contact_phone.clone().unwrap_or_default();
    if a.contact {
        return (r.contact_name.clone(), phone);
    }
    let phone = PhoneNumber::parse(&phone)
        .map(|p| p.masked())
        .unwrap_or_else(|_| if phone.is_empty() { String::new() } else { "****".to_string() });
    (mask_name(&r.contact_name), phone)
}

/// A resource form as pages and the API send it; every field is text.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ResourceForm {
    pub area_code: String,
    pub kind: String,
    pub name: String,
    pub description: String,
    /// Need category codes, separated by spaces or commas.
    pub categories: String,
    pub tags: String,
    /// `self`, `org:ID`, `user:ID` (staff) or empty (the community's own).
    pub owner: String,
    pub capacity: String,
    pub quantity: String,
    pub unit: String,
    pub expires_on: String,
    pub schedule: String,
    pub conditions: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub address: String,
    pub booking_who: String,
    pub booking_max_minutes: String,
    pub booking_approval: String,
    pub status: String,
}

#[derive(Debug, Clone)]
pub struct NewResource {
    /// Where it is; empty on an update keeps the place.
    pub area_code: String,
    pub kind: ResourceKind,
    pub name: String,
    pub description: String,
    pub categories: Vec<String>,
    pub tags: Vec<String>,
    pub owner: Owner,
    pub capacity: i64,
    pub quantity: Option<i64>,
    pub unit: String,
    pub expires_on: Option<String>,
    pub schedule: WeeklySchedule,
    pub conditions: String,
    pub contact_name: String,
    pub contact_phone: Option<String>,
    pub address: String,
    pub rules: BookingRules,
    pub status: ResourceStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Community,
    Me,
    Organization(i64),
    User(i64),
}

impl Owner {
    pub fn parse(raw: &str) -> Result<Owner, FieldError> {
        let bad = || FieldError::new("owner", "errors.resource.owner");
        match raw.trim() {
            "" | "community" => Ok(Owner::Community),
            "self" => Ok(Owner::Me),
            s => {
                let (k, id) = s.split_once(':').ok_or_else(bad)?;
                let id: i64 = id.parse().map_err(|_| bad())?;
                match k {
                    "org" => Ok(Owner::Organization(id)),
                    "user" => Ok(Owner::User(id)),
                    _ => Err(bad()),
                }
            }
        }
    }
}

fn truthy(s: &str) -> bool {
    matches!(s.trim(), "1" | "true" | "on" | "yes" | "是")
}

impl ResourceForm {
    pub fn parse(&self) -> Result<NewResource, FieldErrors> {
        let mut e = FieldErrors::default();
        let kind = e.check(ResourceKind::parse(&self.kind));
        let name = e.check(parse_name(&self.name));
        let description = e.check(parse_description(&self.description));
        let categories =
            e.check(parse_tags(&self.categories).map_err(|_| FieldError::new("categories", "errors.too_long")));
        let tags = e.check(parse_tags(&self.tags));
        let owner = e.check(Owner::parse(&self.owner));
        let capacity = e.check(if self.capacity.trim().is_empty() {
            Ok(1)
        } else {
            parse_quantity("capacity", &self.capacity, false)
                .and_then(|c| if c >= 1 { Ok(c) } else { Err(FieldError::new("capacity", "errors.number.range")) })
        });
        let quantity = e.check(if self.quantity.trim().is_empty() {
            Ok(None)
        } else {
            parse_quantity("quantity", &self.quantity, false).map(Some)
        });
        let unit = e.check(optional_text("unit", &self.unit, 10));
        let expires_on = e.check(match self.expires_on.trim() {
            "" => Ok(None),
            d => parse_date(d).map(|_| Some(d.to_string())).ok_or(FieldError::new("expires_on", "errors.date.invalid")),
        });
        let schedule = e.check(WeeklySchedule::parse(&self.schedule));
        let conditions = e.check(optional_text("conditions", &self.conditions, 500));
        let contact_name = e.check(optional_text("contact_name", &self.contact_name, 40));
        let contact_phone = e.check(match self.contact_phone.trim() {
            "" => Ok(None),
            p if PhoneNumber::parse(p).is_ok() => Ok(Some(p.to_string())),
            p if (7..=20).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit() || b == b'-') => {
                Ok(Some(p.to_string()))
            }
            _ => Err(FieldError::new("contact_phone", "errors.phone.invalid")),
        });
        let address = e.check(optional_text("address", &self.address, 200));
        let rules = e.check(BookingRules::parse(
            if self.booking_who.trim().is_empty() { "anyone" } else { &self.booking_who },
            if self.booking_max_minutes.trim().is_empty() { "240" } else { &self.booking_max_minutes },
            truthy(&self.booking_approval),
        ));
        let status = e.check(if self.status.trim().is_empty() {
            Ok(ResourceStatus::Active)
        } else {
            ResourceStatus::parse(&self.status)
        });
        if kind.is_some_and(ResourceKind::has_stock) && quantity.is_some_and(|q| q.is_none()) {
            e.0.push(FieldError::new("quantity", "errors.required"));
        }
        e.into_result()?;
        Ok(NewResource {
            area_code: self.area_code.trim().to_string(),
            kind: kind.expect("checked"),
            name: name.expect("checked"),
            description: description.expect("checked"),
            categories: categories.expect("checked"),
            tags: tags.expect("checked"),
            owner: owner.expect("checked"),
            capacity: capacity.expect("checked"),
            quantity: quantity.expect("checked"),
            unit: unit.expect("checked").unwrap_or_default(),
            expires_on: expires_on.expect("checked"),
            schedule: schedule.expect("checked"),
            conditions: conditions.expect("checked").unwrap_or_default(),
            contact_name: contact_name.expect("checked").unwrap_or_default(),
            contact_phone: contact_phone.expect("checked"),
            address: address.expect("checked").unwrap_or_default(),
            rules: rules.expect("checked"),
            status: status.expect("checked"),
        })
    }
}

impl From<&Resource> for ResourceForm {
    fn from(r: &Resource) -> Self {
        ResourceForm {
            area_code: String::new(),
            kind: r.kind.code().into(),
            name: r.name.clone(),
            description: r.description.clone(),
            categories: r.categories.join(" "),
            tags: r.tags.join(" "),
            owner: match (r.owner_org_id, r.owner_user_id) {
                (Some(o), _) => format!("org:{o}"),
                (None, Some(u)) => format!("user:{u}"),
                _ => String::new(),
            },
            capacity: r.capacity.to_string(),
            quantity: r.quantity.map(|q| q.to_string()).unwrap_or_default(),
            unit: r.unit.clone(),
            expires_on: r.expires_on.clone().unwrap_or_default(),
            schedule: r.schedule.code(),
            conditions: r.conditions.clone(),
            contact_name: r.contact_name.clone(),
            contact_phone: r.contact_phone.clone().unwrap_or_default(),
            address: r.address.clone(),
            booking_who: r.rules.who.code().into(),
            booking_max_minutes: r.rules.max_minutes.to_string(),
            booking_approval: if r.rules.approval { "1".into() } else { String::new() },
            status: r.status.code().into(),
        }
    }
}

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
            let org = organizations::get(db, &Actor::operator(), o)
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

async fn place(db: &Db, code: &str) -> Result<Area, AppError> {
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
    touch(db, r.id).await?;
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
    id: i64,
    version: i64,
    new: NewResource,
) -> Result<Resource, AppError> {
    let (old, a) = get(db, actor, id).await?;
    if !a.edit {
        return Err(AppError::Forbidden);
    }
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
        .bind(id)
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
    touch(db, r.id).await?;
    Ok(r)
}

async fn insert_move(
    tx: &mut Transaction<'_, Any>,
    r: &Resource,
    delta: i64,
    balance: i64,
    reason: &str,
    user: Option<i64>,
    at: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO resource_stock_moves (community_id, resource_id, delta, balance, reason, user_id, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(r.community_id)
    .bind(r.id)
    .bind(delta)
    .bind(balance)
    .bind(reason)
    .bind(user)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One change of stock: `delta` units in (positive) or out (negative), with a reason.
/// The new level is computed and checked inside the UPDATE, so two concurrent withdrawals can
/// never take stock below zero.
pub async fn move_stock(
    db: &Db,
    actor: &Actor,
    at: i64,
    id: i64,
    delta: &str,
    reason: &str,
) -> Result<Resource, AppError> {
    let (r, a) = get(db, actor, id).await?;
    if !a.edit {
        return Err(AppError::Forbidden);
    }
    if !r.kind.has_stock() {
        return Err(FieldError::new("delta", "errors.stock.not_counted").into());
    }
    let mut e = FieldErrors::default();
    let delta =
        e.check(parse_quantity("delta", delta, true).and_then(|d| apply_stock(r.quantity.unwrap_or(0), d).map(|_| d)));
    let reason = e.check(wushe_domain::error::text("reason", reason, 200));
    e.into_result()?;
    let (delta, reason) = (delta.expect("checked"), reason.expect("checked"));
    let mut tx = AuditedTx::begin(db, at).await?;
    let row = sqlx::query(crate::sql!(
        "UPDATE resources SET quantity = COALESCE(quantity, 0) + $1, version = version + 1, updated_at = $2 \
         WHERE id = $3 AND COALESCE(quantity, 0) + $1 >= 0 RETURNING {COLS}"
    ))
    .bind(delta)
    .bind(at)
    .bind(id)
    .fetch_optional(&mut *tx.tx)
    .await?;
    let Some(row) = row else {
        return Err(FieldError::new("delta", "errors.stock.negative").into());
    };
    let updated = from_row(&row)?;
    insert_move(&mut tx.tx, &updated, delta, updated.quantity.unwrap_or(0), &reason, actor.user_id, at).await?;
    tx.record(actor, r.community_id, "resource.stock", &format!("resource:{}", r.id), &format!("{delta:+} {reason}"))
        .await?;
    tx.commit().await?;
    Ok(updated)
}

#[derive(Debug, Clone)]
pub struct StockMove {
    pub delta: i64,
    pub balance: i64,
    pub reason: String,
    pub at: i64,
}

pub async fn stock_moves(db: &Db, r: &Resource) -> Result<Vec<StockMove>, AppError> {
    let rows: Vec<(i64, i64, String, i64)> = sqlx::query_as(
        "SELECT delta, balance, reason, at FROM resource_stock_moves WHERE resource_id = $1 ORDER BY at DESC, id DESC LIMIT 100",
    )
    .bind(r.id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(|(delta, balance, reason, at)| StockMove { delta, balance, reason, at }).collect())
}

#[derive(Debug, Clone)]
pub struct StoredException {
    pub id: i64,
    pub exception: Exception,
    pub note: String,
}

pub async fn exceptions(db: &Db, resource_id: i64) -> Result<Vec<StoredException>, AppError> {
    Ok(exceptions_of(db, &[resource_id]).await?.remove(&resource_id).unwrap_or_default())
}

/// The exceptions of many resources (a page of a list) in one query per 240 ids.
pub async fn exceptions_of(db: &Db, ids: &[i64]) -> Result<HashMap<i64, Vec<StoredException>>, AppError> {
    let mut out: HashMap<i64, Vec<StoredException>> = HashMap::new();
    for chunk in crate::db::statement_chunks(ids, 1) {
        let list = db.backend.in_list(chunk.len());
        let mut q = sqlx::query_as::<_, (i64, i64, i64, i64, i64, i64, String)>(crate::sql!(
            "SELECT resource_id, id, day, start_minute, end_minute, is_open, note FROM resource_exceptions \
             WHERE resource_id IN ({list}) ORDER BY day, start_minute, id"
        ));
        for id in chunk {
            q = q.bind(*id);
        }
        for (rid, id, day, s, e, open, note) in q.fetch_all(&db.pool).await? {
            out.entry(rid).or_default().push(StoredException {
                id,
                exception: Exception { day, start: s as u16, end: e as u16, open: open != 0 },
                note,
            });
        }
    }
    Ok(out)
}

/// The resource's schedule with its exceptions.
pub async fn availability(db: &Db, r: &Resource) -> Result<Availability, AppError> {
    Ok(Availability {
        weekly: r.schedule.clone(),
        exceptions: exceptions(db, r.id).await?.into_iter().map(|e| e.exception).collect(),
    })
}

pub async fn add_exception(db: &Db, actor: &Actor, at: i64, id: i64, e: Exception, note: &str) -> Result<(), AppError> {
    let (r, a) = get(db, actor, id).await?;
    if !a.edit {
        return Err(AppError::Forbidden);
    }
    let note = optional_text("note", note, 200)?.unwrap_or_default();
    let mut tx = AuditedTx::begin(db, at).await?;
    sqlx::query(
        "INSERT INTO resource_exceptions (community_id, resource_id, day, start_minute, end_minute, is_open, note) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(r.community_id)
    .bind(r.id)
    .bind(e.day)
    .bind(i64::from(e.start))
    .bind(i64::from(e.end))
    .bind(i64::from(e.open))
    .bind(&note)
    .execute(&mut *tx.tx)
    .await?;
    tx.record(
        actor,
        r.community_id,
        "resource.exception",
        &format!("resource:{}", r.id),
        &wushe_domain::resources::date_of(e.day),
    )
    .await?;
    tx.commit().await?;
    touch(db, r.id).await?;
    Ok(())
}

pub async fn remove_exception(db: &Db, actor: &Actor, at: i64, id: i64, exception_id: i64) -> Result<(), AppError> {
    let (r, a) = get(db, actor, id).await?;
    if !a.edit {
        return Err(AppError::Forbidden);
    }
    let mut tx = AuditedTx::begin(db, at).await?;
    let done = sqlx::query("DELETE FROM resource_exceptions WHERE id = $1 AND resource_id = $2")
        .bind(exception_id)
        .bind(r.id)
        .execute(&mut *tx.tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    tx.record(actor, r.community_id, "resource.exception_removed", &format!("resource:{}", r.id), "").await?;
    tx.commit().await?;
    touch(db, r.id).await?;
    Ok(())
}

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
        let esc = f.q.trim().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        let a = next(&mut binds, format!("%{esc}%"));
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
pub async fn booked_space(db: &Db, id: i64) -> Result<Resource, AppError> {
    let row = sqlx::query(crate::sql!("SELECT {COLS} FROM resources WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let r = from_row(&row)?;
    if r.kind.bookable() { Ok(r) } else { Err(AppError::NotFound) }
}

/// One bookable resource by id, without grants (its calendar is public); other kinds are not found.
pub async fn bookable(db: &Db, id: i64) -> Result<Resource, AppError> {
    let row = sqlx::query(crate::sql!("SELECT {COLS} FROM resources WHERE id = $1"))
        .bind(id)
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

pub async fn public_get(db: &Db, id: i64) -> Result<Resource, AppError> {
    let row = sqlx::query(crate::sql!("SELECT {COLS} FROM resources WHERE id = $1"))
        .bind(id)
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
    fn fitting(&self, category: &str, terms: &[String]) -> Vec<usize> {
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

fn cached(db: &Db) -> std::sync::MutexGuard<'_, HashMap<i64, (Instant, Arc<Snapshot>)>> {
    db.caches.resources.map.lock().unwrap_or_else(|p| p.into_inner())
}

/// Drops every snapshot (after an import or a bulk load).
pub fn forget_all(db: &Db) {
    cached(db).clear();
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
async fn touch(db: &Db, id: i64) -> Result<(), AppError> {
    let snaps: Vec<(i64, Instant, Arc<Snapshot>)> =
        cached(db).iter().map(|(k, (at, s))| (*k, *at, s.clone())).collect();
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
        cached(db).insert(key, (at, patched));
    }
    Ok(())
}

/// The community's snapshot: cached, rebuilt in the background when stale.
pub async fn snapshot(db: &Db, community: &Area) -> Result<Arc<Snapshot>, AppError> {
    let found = cached(db).get(&community.id).cloned();
    if let Some((at, s)) = found {
        if at.elapsed() > SNAPSHOT_TTL {
            let first = db.caches.resources.refreshing.lock().unwrap_or_else(|p| p.into_inner()).insert(community.id);
            if first {
                let (db2, c) = (db.clone(), community.clone());
                tokio::spawn(async move {
                    if let Ok(fresh) = build_snapshot(&db2, &c).await {
                        cached(&db2).insert(c.id, (Instant::now(), Arc::new(fresh)));
                    }
                    db2.caches.resources.refreshing.lock().unwrap_or_else(|p| p.into_inner()).remove(&c.id);
                });
            }
        }
        return Ok(s);
    }
    let fresh = Arc::new(build_snapshot(db, community).await?);
    cached(db).insert(community.id, (Instant::now(), fresh.clone()));
    Ok(fresh)
}

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
    need_id: i64,
    at: i64,
    limit: usize,
) -> Result<(Need, Vec<Match>), AppError> {
    let (need, rel) = needs::get(db, actor, need_id).await?;
    if !rel.manage {
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

/// One service read from an HSDS file (Open Referral), with its organization.
pub struct DirectoryItem {
    /// (name, description, phone) of the organization offering it.
    pub organization: Option<(String, String, Option<String>)>,
    pub new: NewResource,
    /// The file's service id, kept so a second import of the same file adds nothing.
    pub external_id: String,
}

/// Imports a directory's services into a community in one transaction: organizations are found
/// by name among the community's (created as social organizations when missing), services
/// already imported (same id) are skipped. Returns (added, skipped).
pub async fn import_directory(
    db: &Db,
    actor: &Actor,
    at: i64,
    community: &Area,
    items: Vec<DirectoryItem>,
) -> Result<(usize, usize), AppError> {
    actor.require(Action::ResourceManage, Some(&community.path))?;
    let mut orgs: HashMap<String, i64> =
        organizations::in_area(db, &Actor::operator(), community).await?.into_iter().map(|o| (o.name, o.id)).collect();
    let existing: std::collections::HashSet<String> = sqlx::query_scalar::<_, String>(
        "SELECT external_id FROM resources WHERE community_id = $1 AND external_id IS NOT NULL",
    )
    .bind(community.id)
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .collect();
    let mut tx = AuditedTx::begin(db, at).await?;
    let (mut added, mut skipped) = (0, 0);
    for item in items {
        if existing.contains(&item.external_id) {
            skipped += 1;
            continue;
        }
        let area = place(db, &item.new.area_code).await?;
        if !(area.path.starts_with(&community.path)) {
            return Err(FieldError::new("area_code", "errors.area.unknown").into());
        }
        let org = match item.organization {
            Some((name, description, phone)) if !name.trim().is_empty() => match orgs.get(name.trim()) {
                Some(id) => Some(*id),
                None => {
                    let new = organizations::OrganizationForm {
                        kind: "social_organization".into(),
                        name: name.trim().to_string(),
                        area_code: community.code.clone(),
                        description,
                        phone: phone.unwrap_or_default(),
                        ..Default::default()
                    }
                    .parse()?;
                    let o = organizations::insert(&mut tx.tx, community, &new, at).await?;
                    crate::directory::index_organization(&mut tx.tx, &o).await?;
                    orgs.insert(o.name.clone(), o.id);
                    Some(o.id)
                }
            },
            _ => None,
        };
        insert(&mut tx.tx, &area, &item.new, (org, None, None), Some(&item.external_id), at).await?;
        added += 1;
    }
    tx.record(
        actor,
        Some(community.id),
        "resource.import_hsds",
        &format!("area:{}", community.code),
        &added.to_string(),
    )
    .await?;
    tx.commit().await?;
    forget_all(db);
    Ok((added, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;

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
