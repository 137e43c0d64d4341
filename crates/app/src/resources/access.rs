//! Who may read, maintain or book one resource, and what of its contact they see.

use super::model::{COLS, Resource, from_row};
use crate::{Actor, AppError, Db, organizations};
use wushe_domain::access::Action;
use wushe_domain::people::{PhoneNumber, mask_name};

/// What the actor may do with one resource.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Access {
    pub edit: bool,
    pub manage: bool,
    /// Full contact details (person-owned resources are masked otherwise).
    pub contact: bool,
}

/// The person behind the actor's account and the organizations they belong to.
pub(crate) async fn actor_orgs(db: &Db, actor: &Actor) -> Result<(Option<i64>, Vec<i64>), AppError> {
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
pub(crate) fn may_read(actor: &Actor, path: &str) -> bool {
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
