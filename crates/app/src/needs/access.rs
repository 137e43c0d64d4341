//! Who may see and act on a need: the caller's relation to it.

use super::model::{COLS, Need, from_row};
use crate::areas::{self};
use crate::{Actor, AppError, Db};
use wushe_domain::access::{Action, Decision, Role};
use wushe_domain::needs::EventKind;

/// The households a person holds a resident grant for (their "own" needs).
pub(crate) fn own_households(actor: &Actor) -> Vec<String> {
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

/// How the actor relates to one need; decides what they may see and do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Relation {
    pub staff_read: bool,
    pub manage: bool,
    pub requester: bool,
    pub assignee: bool,
}

impl Relation {
    pub fn can_read(&self) -> bool {
        self.staff_read || self.manage || self.requester || self.assignee
    }

    /// Whether this person may record `event` on the need: the one rule that `step`, the
    /// pages and the API all follow.
    pub fn may(&self, event: EventKind) -> bool {
        match event {
            EventKind::Accepted | EventKind::Assigned | EventKind::Rejected | EventKind::Merged => self.manage,
            EventKind::Started | EventKind::Resolved => self.manage || self.assignee,
            EventKind::Confirmed | EventKind::Reopened => self.requester || self.manage,
            EventKind::Commented => self.can_read(),
            _ => false,
        }
    }
}

/// The workflow steps (accept … reopen) this person may take on the need now.
pub fn workflow_steps(need: &Need, rel: &Relation) -> Vec<EventKind> {
    need.status.next_events().into_iter().filter(|e| rel.may(*e)).collect()
}

pub async fn relation(db: &Db, actor: &Actor, n: &Need) -> Result<Relation, AppError> {
    if actor.operator {
        return Ok(Relation { staff_read: true, manage: true, requester: false, assignee: false });
    }
    let allow = |a: Action| actor.grants.decide(a, Some(&n.area_path)) == Decision::Allow;
    let household_path = match n.household_id {
        Some(h) => Some(areas::by_id(db, h).await?.path),
        None => None,
    };
    let own = own_households(actor);
    let requester = actor.user_id.is_some() && n.requester_user_id == actor.user_id
        || household_path.as_ref().is_some_and(|h| own.iter().any(|o| h.starts_with(o.as_str())));
    let mut assignee = actor.user_id.is_some() && n.assignee_user_id == actor.user_id;
    if !assignee && let Some(org) = n.assignee_org_id {
        assignee = actor.grants.decide(Action::NeedWork, None) == Decision::Allow
            && is_member(db, actor_person(db, actor).await?, org).await?;
    }
    Ok(Relation { staff_read: allow(Action::NeedRead), manage: allow(Action::NeedManage), requester, assignee })
}

/// A need the actor may read; others' needs look missing.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<(Need, Relation), AppError> {
    let row =
        sqlx::query(crate::sql!("SELECT {COLS} FROM needs WHERE id = $1")).bind(id).fetch_optional(&db.pool).await?;
    let Some(row) = row else {
        actor.require(Action::OwnAccount, None)?;
        return Err(AppError::NotFound);
    };
    let n = from_row(&row)?;
    let rel = relation(db, actor, &n).await?;
    if rel.can_read() {
        Ok((n, rel))
    } else {
        actor.require(Action::OwnAccount, None)?;
        Err(AppError::NotFound)
    }
}
