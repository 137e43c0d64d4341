//! Who may see and do what in emergency mode: the facts of the record-level policy.

use super::model::{CHECKIN_COLS, Checkin, INCIDENT_COLS, Incident};
use crate::areas::{self, Area};
use crate::{Actor, AppError, Db};
use wushe_domain::access::Action;
use wushe_domain::areas::AreaKind;
use wushe_domain::ids::{CheckinId, IncidentId};
use wushe_domain::policy::{Record, Ties};

/// The community with this code, if the actor belongs to it or serves it (for `action`);
/// anyone else finds nothing there.
pub async fn community(db: &Db, actor: &Actor, action: Action, code: &str) -> Result<Area, AppError> {
    let a = match areas::by_code_cached(db, code.trim()).await {
        Ok(a) if a.kind == AreaKind::Community => a,
        Ok(_) | Err(AppError::NotFound) => return Err(AppError::NotFound),
        Err(e) => return Err(e),
    };
    if sees(actor, action, &a.path) { Ok(a) } else { Err(AppError::NotFound) }
}

/// Whether the actor serves the place (at, above or below it) or lives in its community.
pub(crate) fn sees(actor: &Actor, action: Action, path: &str) -> bool {
    actor.operator || actor.grants.reaches(action, path) || actor.grants.member_of(action, path)
}

/// An incident the actor may read: a member of its community or someone serving it.
pub async fn incident(db: &Db, actor: &Actor, id: IncidentId) -> Result<Incident, AppError> {
    let i = by_id(db, id).await?.ok_or(AppError::NotFound)?;
    if sees(actor, Action::EmergencyRead, &i.area_path) { Ok(i) } else { Err(AppError::NotFound) }
}

pub(crate) async fn by_id(db: &Db, id: IncidentId) -> Result<Option<Incident>, AppError> {
    Ok(sqlx::query_as::<_, Incident>(crate::sql!("SELECT {INCIDENT_COLS} FROM incidents WHERE id = $1"))
        .bind(id.get())
        .fetch_optional(&db.pool)
        .await?)
}

/// A check-in with its incident, for someone who may see it: its assignee or staff on duty
/// where the resident lives; others find nothing.
pub async fn checkin(db: &Db, actor: &Actor, id: CheckinId) -> Result<(Checkin, Incident), AppError> {
    let c = sqlx::query_as::<_, Checkin>(crate::sql!("SELECT {CHECKIN_COLS} FROM checkins WHERE id = $1"))
        .bind(id.get())
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let i = by_id(db, IncidentId::from(c.incident_id)).await?.ok_or(AppError::NotFound)?;
    let r = checkin_record(actor, &c, &i);
    let staff_after = !i.active() && actor.can(Action::NeedRecord, Some(&c.area_path));
    if actor.may(&Record { closed: false, ..r }, wushe_domain::policy::Ask::CheckinRecord) || staff_after {
        Ok((c, i))
    } else {
        Err(AppError::NotFound)
    }
}

/// The check-in as the policy sees it: where the resident lives, whether it is the asker's,
/// and whether its incident is over.
pub fn checkin_record(actor: &Actor, c: &Checkin, i: &Incident) -> Record {
    let assignee = actor.user_id.is_some() && c.assignee_user_id == actor.user_id;
    Record {
        area_path: c.area_path.clone(),
        ties: Ties { assignee, ..Ties::default() },
        closed: !i.active(),
        personal: true,
    }
}
