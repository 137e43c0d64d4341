//! A resource as stored: the `resources` row and how it is read.

use crate::AppError;
use crate::Db;
use crate::needs::Assignee;
use sqlx::Row;
use std::collections::HashMap;
use wushe_domain::ids::ResourceId;
use wushe_domain::resources::Exception;
use wushe_domain::resources::{BookingRules, ResourceKind, ResourceStatus, WeeklySchedule};

#[derive(Debug, Clone)]
pub struct Resource {
    pub id: ResourceId,
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

pub(crate) const COLS: &str = "id, community_id, area_id, area_path, kind, name, description, categories, tags, owner_org_id, \
    owner_person_id, owner_user_id, capacity, quantity, unit, expires_on, schedule, conditions, contact_name, \
    contact_phone, address, booking_who, booking_max_minutes, booking_approval, status, external_id, version, \
    created_at, updated_at";

pub(crate) fn list_of(raw: &str) -> Vec<String> {
    raw.split_whitespace().map(str::to_string).collect()
}

/// ` a b `: the stored form, so `LIKE '% a %'` tests membership.
pub(crate) fn stored_list(items: &[String]) -> String {
    if items.is_empty() { " ".to_string() } else { format!(" {} ", items.join(" ")) }
}

/// A stored value that no longer parses: the row is unreadable, as a database error.
fn undecodable(what: &'static str) -> sqlx::Error {
    sqlx::Error::Decode(format!("bad stored resource {what}").into())
}

pub(crate) fn internal(what: &str) -> AppError {
    AppError::Internal(format!("bad stored resource {what}"))
}

/// Read by column name; stored codes and schedules parse into the domain's types.
impl sqlx::FromRow<'_, sqlx::any::AnyRow> for Resource {
    fn from_row(r: &sqlx::any::AnyRow) -> Result<Self, sqlx::Error> {
        let kind: String = r.try_get("kind")?;
        let schedule: String = r.try_get("schedule")?;
        let who: String = r.try_get("booking_who")?;
        let status: String = r.try_get("status")?;
        let max: i64 = r.try_get("booking_max_minutes")?;
        Ok(Resource {
            id: ResourceId::from(r.try_get::<i64, _>("id")?),
            community_id: r.try_get("community_id")?,
            area_id: r.try_get("area_id")?,
            area_path: r.try_get("area_path")?,
            kind: ResourceKind::parse(&kind).map_err(|_| undecodable("kind"))?,
            name: r.try_get("name")?,
            description: r.try_get("description")?,
            categories: list_of(&r.try_get::<String, _>("categories")?),
            tags: list_of(&r.try_get::<String, _>("tags")?),
            owner_org_id: r.try_get("owner_org_id")?,
            owner_person_id: r.try_get("owner_person_id")?,
            owner_user_id: r.try_get("owner_user_id")?,
            capacity: r.try_get("capacity")?,
            quantity: r.try_get("quantity")?,
            unit: r.try_get("unit")?,
            expires_on: r.try_get("expires_on")?,
            schedule: WeeklySchedule::parse(&schedule).map_err(|_| undecodable("schedule"))?,
            conditions: r.try_get("conditions")?,
            contact_name: r.try_get("contact_name")?,
            contact_phone: r.try_get("contact_phone")?,
            address: r.try_get("address")?,
            rules: BookingRules {
                who: wushe_domain::resources::BookerClass::parse(&who).map_err(|_| undecodable("booking_who"))?,
                max_minutes: u16::try_from(max).map_err(|_| undecodable("booking_max_minutes"))?,
                approval: r.try_get::<i64, _>("booking_approval")? != 0,
            },
            status: ResourceStatus::parse(&status).map_err(|_| undecodable("status"))?,
            external_id: r.try_get("external_id")?,
            version: r.try_get("version")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
        })
    }
}

pub(crate) fn from_row(r: &sqlx::any::AnyRow) -> Result<Resource, AppError> {
    Ok(<Resource as sqlx::FromRow<'_, sqlx::any::AnyRow>>::from_row(r)?)
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
