//! The facts the record-level policy needs about one need: the caller's ties to it.

use super::model::{COLS, Need, from_row};
use crate::areas::{self};
use crate::{Actor, AppError, Db};
use wushe_domain::access::{Action, Role};
use wushe_domain::ids::NeedId;
use wushe_domain::needs::EventKind;
use wushe_domain::policy::{Ask, Record, Ties};

/// The households a person holds a resident grant for (their "own" needs).
pub fn own_households(actor: &Actor) -> Vec<String> {
    actor.grants.grants.iter().filter(|g| g.role == Role::Resident).map(|g| g.area_path.clone()).collect()
}

/// The person behind the actor's account, if linked (for organization membership checks).
pub(crate) async fn actor_person(db: &Db, actor: &Actor) -> Result<Option<i64>, AppError> {
    let Some(uid) = actor.user_id else { return Ok(None) };
    match crate::accounts::person_of(db, uid).await {
        Err(AppError::NotFound) => Ok(None),
        r => r,
    }
}

pub(crate) async fn is_member(db: &Db, person: Option<i64>, org_id: i64) -> Result<bool, AppError> {
    let Some(p) = person else { return Ok(false) };
    let r: Option<(i64,)> = sqlx::query_as("SELECT id FROM memberships WHERE organization_id = $1 AND person_id = $2")
        .bind(org_id)
        .bind(p)
        .fetch_optional(&db.pool)
        .await?;
    Ok(r.is_some())
}

/// The workflow steps (accept … reopen) this person may take on the need now: those its
/// status allows and the policy grants.
pub fn workflow_steps(need: &Need, actor: &Actor, rec: &Record) -> Vec<EventKind> {
    need.status.next_events().into_iter().filter(|e| actor.may(rec, Ask::NeedStep(*e))).collect()
}

/// The need as the record-level policy sees it, with the actor's ties to it.
pub async fn record(db: &Db, actor: &Actor, n: &Need) -> Result<Record, AppError> {
    let household_path = match n.household_id {
        Some(h) => Some(areas::by_id(db, h).await?.path),
        None => None,
    };
    let own = own_households(actor);
    let requester = actor.user_id.is_some() && n.requester_user_id == actor.user_id
        || household_path.as_ref().is_some_and(|h| own.iter().any(|o| h.starts_with(o.as_str())));
    let assignee = actor.user_id.is_some() && n.assignee_user_id == actor.user_id;
    let member = match n.assignee_org_id {
        Some(org) if !assignee => is_member(db, actor_person(db, actor).await?, org).await?,
        _ => false,
    };
    Ok(Record {
        area_path: n.area_path.clone(),
        ties: Ties { requester, assignee, member, ..Ties::default() },
        closed: n.status.is_closed(),
        personal: false,
    })
}

/// The same need as seen for a whistle to one organization: the tie is whether the actor is
/// a `member` of it (read once with `accounts::member_org_ids` for all the need's whistles).
pub fn whistle_record(rec: &Record, member: bool) -> Record {
    Record { ties: Ties { member, ..rec.ties }, ..rec.clone() }
}

/// A need the actor may read; others' needs look missing.
pub async fn get(db: &Db, actor: &Actor, id: NeedId) -> Result<(Need, Record), AppError> {
    let row = sqlx::query(crate::sql!("SELECT {COLS} FROM needs WHERE id = $1"))
        .bind(id.get())
        .fetch_optional(&db.pool)
        .await?;
    let Some(row) = row else {
        actor.require(Action::OwnAccount, None)?;
        return Err(AppError::NotFound);
    };
    let n = from_row(&row)?;
    let rec = record(db, actor, &n).await?;
    if actor.may(&rec, Ask::NeedRead) {
        Ok((n, rec))
    } else {
        actor.require(Action::OwnAccount, None)?;
        Err(AppError::NotFound)
    }
}
