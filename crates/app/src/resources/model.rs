//! A resource as stored: the `resources` row and how it is read.

use crate::AppError;
use crate::Db;
use crate::needs::Assignee;
use sqlx::Row;
use std::collections::HashMap;
use wushe_domain::resources::Exception;
use wushe_domain::resources::{BookingRules, ResourceKind, ResourceStatus, WeeklySchedule};

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

pub(crate) fn internal(what: &str) -> AppError {
    AppError::Internal(format!("bad stored resource {what}"))
}

pub(crate) fn from_row(r: &sqlx::any::AnyRow) -> Result<Resource, AppError> {
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
