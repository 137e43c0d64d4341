//! The facts the record-level policy needs about a resource, and its contact as a reader sees it.

use super::model::{COLS, Resource, from_row};
use crate::{Actor, AppError, Db, organizations};
use wushe_domain::access::Action;
use wushe_domain::ids::ResourceId;
use wushe_domain::people::{PhoneNumber, mask_name};
use wushe_domain::policy::{Ask, Record, Ties};

/// The person behind the actor's account and the organizations they belong to.
pub(crate) async fn actor_orgs(db: &Db, actor: &Actor) -> Result<(Option<i64>, Vec<i64>), AppError> {
    let Some(uid) = actor.user_id else { return Ok((None, vec![])) };
    let person = crate::accounts::person_of(db, uid).await?;
    let orgs = match person {
        Some(p) => organizations::posts_of(db, p).await?.into_iter().map(|(o, _)| o.id.get()).collect(),
        None => vec![],
    };
    Ok((person, orgs))
}

/// The resource as the record-level policy sees it, with the actor's ties to it.
pub async fn record(db: &Db, actor: &Actor, r: &Resource) -> Result<Record, AppError> {
    Ok(Accessor::new(db, actor).await?.record(r))
}

/// The ties of one actor to many resources (a list, an export), their organizations read once.
pub struct Accessor<'a> {
    actor: &'a Actor,
    orgs: Vec<i64>,
}

impl<'a> Accessor<'a> {
    pub async fn new(db: &Db, actor: &'a Actor) -> Result<Accessor<'a>, AppError> {
        Ok(Accessor { actor, orgs: actor_orgs(db, actor).await?.1 })
    }

    pub fn record(&self, r: &Resource) -> Record {
        let owner = self.actor.user_id.is_some() && r.owner_user_id == self.actor.user_id;
        let member = r.owner_org_id.is_some_and(|o| self.orgs.contains(&o));
        Record {
            area_path: r.area_path.clone(),
            ties: Ties { owner, member, ..Ties::default() },
            closed: false,
            personal: r.personal(),
        }
    }
}

/// May the actor read resources placed at `path`? Resources above a community (a street's)
/// are read by anyone who reads resources of a community below.
pub(crate) fn may_read(actor: &Actor, path: &str) -> bool {
    actor.may(&Record { area_path: path.to_string(), ..Record::default() }, Ask::ResourceRead)
}

/// A resource the actor may read; others look missing.
pub async fn get(db: &Db, actor: &Actor, id: ResourceId) -> Result<(Resource, Record), AppError> {
    let row = sqlx::query(crate::sql!("SELECT {COLS} FROM resources WHERE id = $1"))
        .bind(id.get())
        .fetch_optional(&db.pool)
        .await?;
    if let Some(row) = row {
        let r = from_row(&row)?;
        let rec = record(db, actor, &r).await?;
        if actor.may(&rec, Ask::ResourceRead) {
            return Ok((r, rec));
        }
    }
    actor.require(Action::ResourceRead, None).or_else(|_| actor.require(Action::ResourceOwn, None))?;
    Err(AppError::NotFound)
}

/// A resource the actor may edit: others' read as forbidden (or missing, if unreadable).
/// Commands check it first, so a stranger learns nothing from what they sent.
pub async fn editable(db: &Db, actor: &Actor, id: ResourceId) -> Result<Resource, AppError> {
    let (r, rec) = get(db, actor, id).await?;
    if actor.may(&rec, Ask::ResourceEdit) { Ok(r) } else { Err(AppError::Forbidden) }
}

/// The address as this reader may see it: a person's (their home, often) only with the contact.
pub fn shown_address(r: &Resource, contact: bool) -> String {
    if contact || !r.personal() { r.address.clone() } else { String::new() }
}

/// The contact as this reader may see it.
pub fn shown_contact(r: &Resource, contact: bool) -> (String, String) {
    let phone = r.contact_phone.clone().unwrap_or_default();
    if contact {
        return (r.contact_name.clone(), phone);
    }
    let phone = PhoneNumber::parse(&phone)
        .map(|p| p.masked())
        .unwrap_or_else(|_| if phone.is_empty() { String::new() } else { "****".to_string() });
    (mask_name(&r.contact_name), phone)
}
