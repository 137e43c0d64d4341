//! Claiming, releasing, expiring, and ending a claim when its need takes a step (a reaction).

use super::listing::{HOUR, NEVER, listing};
use super::model::{CLAIM_COLS, Claim, ClaimRow, claim_of};
use super::queries::{active_claim, claim_record};
use crate::audit::AuditedTx;
use crate::needs::{Assignee, Need};
use crate::{Actor, AppError, Db, areas, needs, notifications};
use wushe_domain::FieldError;
use wushe_domain::access::Action;
use wushe_domain::ids::NeedId;
use wushe_domain::needs::{EventKind, NeedStatus, parse_note};
use wushe_domain::policy::Ask;

/// Claims a listed need, for oneself or (`org`) for an organization one belongs to.
pub async fn claim(db: &Db, actor: &Actor, at: i64, need_id: NeedId, org: Option<i64>) -> Result<Need, AppError> {
    actor.require(Action::NeedClaim, None)?;
    let uid = actor.user_id.ok_or(AppError::Unauthenticated)?;
    let need = needs::by_id(db, need_id).await?;
    let community = areas::by_id(db, need.community_id).await?;
    if !actor.operator && !actor.grants.member_of(Action::NeedClaim, &community.path) {
        return Err(AppError::NotFound);
    }
    let Some(list) = listing(db, need.id).await? else { return Err(AppError::NotFound) };
    let assignee = match org {
        Some(o) => {
            let person = crate::accounts::person_of(db, uid).await?;
            let member = match person {
                Some(p) => crate::organizations::posts_of(db, p).await?.iter().any(|(x, _)| x.id.get() == o),
                None => false,
            };
            let placed = crate::organizations::get(db, &Actor::operator(), wushe_domain::ids::OrganizationId::from(o))
                .await
                .is_ok_and(|x| x.area_path.starts_with(&community.path) || community.path.starts_with(&x.area_path));
            if !member || !placed {
                return Err(FieldError::new("org", "errors.assignee.unknown").into());
            }
            Assignee::Organization(o)
        }
        None => Assignee::User(uid),
    };
    let taken = || AppError::Conflict(FieldError::new("need", "errors.claim.taken"));
    if !matches!(need.status, NeedStatus::Submitted | NeedStatus::Accepted | NeedStatus::Reopened) {
        return Err(taken());
    }
    let mut tx = AuditedTx::begin(db, at).await?;
    sqlx::query(
        "INSERT INTO need_claims (community_id, need_id, user_id, org_id, status, claimed_at, expires_at) \
         VALUES ($1, $2, $3, $4, 'active', $5, $6)",
    )
    .bind(need.community_id)
    .bind(need.id.get())
    .bind(uid)
    .bind(org)
    .bind(at)
    .bind(at + list.claim_hours * HOUR)
    .execute(&mut *tx.tx)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => taken(),
        _ => AppError::Db(e),
    })?;
    let Some(updated) =
        needs::claim_transition(&mut tx.tx, Some(uid), at, &need, EventKind::Claimed, Some(assignee), None).await?
    else {
        return Err(taken());
    };
    let staff = notifications::responsible_for(&mut tx.tx, &updated.area_path).await?;
    if !staff.is_empty() {
        let msg = notifications::Message {
            community_id: Some(updated.community_id),
            kind: "claimed",
            need_id: Some(updated.id.get()),
            title: updated.title.clone(),
            body: String::new(),
        };
        notifications::queue(&mut tx.tx, at, &staff, &msg).await?;
    }
    tx.record(actor, Some(need.community_id), "claim.claim", &format!("need:{}", need.id), "").await?;
    tx.commit().await?;
    Ok(updated)
}

/// Ends a claim by the claimant (or staff who manage the need): the need goes back on the list.
pub async fn release(db: &Db, actor: &Actor, at: i64, need_id: NeedId, note: &str) -> Result<Need, AppError> {
    let need = needs::by_id(db, need_id).await?;
    let claim = active_claim(db, need_id).await?;
    let Some(claim) = claim else {
        actor.require(Action::NeedClaim, None).or_else(|_| actor.require(Action::NeedManage, None))?;
        return Err(AppError::NotFound);
    };
    let rec = needs::record(db, actor, &need).await?;
    if !actor.may(&claim_record(actor, &rec, Some(&claim)), Ask::ClaimRelease) {
        actor.require(Action::NeedClaim, None).or_else(|_| actor.require(Action::NeedManage, None))?;
        return Err(AppError::NotFound);
    }
    if !holds(&need, &claim) {
        return Err(AppError::Conflict(FieldError::new("need", "errors.claim.not_held")));
    }
    let note = parse_note(note, false)?;
    let mut tx = AuditedTx::begin(db, at).await?;
    let updated = end_claim(&mut tx, actor.user_id, at, &need, &claim, "released", note.as_deref()).await?;
    tx.record(actor, Some(need.community_id), "claim.release", &format!("need:{}", need.id), "").await?;
    tx.commit().await?;
    Ok(updated)
}

/// Whether the claim still holds the need: it is being worked on by the claimant (or their
/// organization), not reassigned by staff or finished.
fn holds(need: &Need, c: &Claim) -> bool {
    let holder = match c.org_id {
        Some(o) => need.assignee_org_id == Some(o),
        None => need.assignee_user_id == Some(c.user_id),
    };
    holder && matches!(need.status, NeedStatus::Assigned | NeedStatus::InProgress)
}

/// Reaction to a need's step (R3): reassigning, resolving or closing a need ends its active
/// claim, if any, in the step's transaction.
pub(crate) fn on_need_step<'a, 'c>(
    tx: &'a mut sqlx::Transaction<'c, sqlx::Any>,
    event: &'a (dyn std::any::Any + Send + Sync),
) -> crate::events::Reacting<'a> {
    Box::pin(async move {
        let Some(s) = event.downcast_ref::<crate::needs::Stepped>() else { return Ok(()) };
        if !matches!(s.event, EventKind::Assigned | EventKind::Resolved | EventKind::Rejected | EventKind::Merged) {
            return Ok(());
        }
        sqlx::query("UPDATE need_claims SET status = 'done', ended_at = $1 WHERE need_id = $2 AND status = 'active'")
            .bind(s.at)
            .bind(s.need_id.get())
            .execute(&mut **tx)
            .await?;
        Ok(())
    })
}

async fn end_claim(
    tx: &mut AuditedTx<'_>,
    actor: Option<i64>,
    at: i64,
    need: &Need,
    claim: &Claim,
    status: &str,
    note: Option<&str>,
) -> Result<Need, AppError> {
    let done = sqlx::query("UPDATE need_claims SET status = $1, ended_at = $2 WHERE id = $3 AND status = 'active'")
        .bind(status)
        .bind(at)
        .bind(claim.id)
        .execute(&mut *tx.tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::Conflict(FieldError::new("version", "errors.stale_version")));
    }
    needs::claim_transition(&mut tx.tx, actor, at, need, EventKind::Released, None, note)
        .await?
        .ok_or(AppError::Conflict(FieldError::new("version", "errors.stale_version")))
}

/// Background job: claims whose time ran out before work started go back to the list; claims
/// whose need moved on (resolved, closed, reassigned by staff) are closed as done. Survives
/// restarts: it reads only the tables.
pub async fn expire(db: &Db, now: i64) -> Result<usize, AppError> {
    let rows: Vec<ClaimRow> = sqlx::query_as(crate::sql!(
        "SELECT {CLAIM_COLS} FROM need_claims WHERE status = 'active' AND expires_at <= $1 ORDER BY expires_at LIMIT 500"
    ))
    .bind(now)
    .fetch_all(&db.pool)
    .await?;
    let mut expired = 0;
    for c in rows.into_iter().map(claim_of) {
        let need = needs::by_id(db, NeedId::from(c.need_id)).await?;
        let holder = holds(&need, &c);
        let mut tx = AuditedTx::begin(db, now).await?;
        if need.status == NeedStatus::Assigned && holder {
            match end_claim(&mut tx, None, now, &need, &c, "expired", None).await {
                Ok(_) => expired += 1,
                Err(AppError::Conflict(_)) => continue,
                Err(e) => return Err(e),
            }
            let msg = notifications::Message {
                community_id: Some(need.community_id),
                kind: "claim_expired",
                need_id: Some(need.id.get()),
                title: need.title.clone(),
                body: String::new(),
            };
            notifications::queue(&mut tx.tx, now, &[c.user_id], &msg).await?;
            tx.record(&Actor::operator(), Some(need.community_id), "claim.expire", &format!("need:{}", need.id), "")
                .await?;
        } else if need.status == NeedStatus::InProgress && holder {
            // Work has started: the claim no longer expires; it ends when the need moves on.
            sqlx::query("UPDATE need_claims SET expires_at = $1 WHERE id = $2 AND status = 'active'")
                .bind(NEVER)
                .bind(c.id)
                .execute(&mut *tx.tx)
                .await?;
        } else {
            sqlx::query("UPDATE need_claims SET status = 'done', ended_at = $1 WHERE id = $2 AND status = 'active'")
                .bind(now)
                .bind(c.id)
                .execute(&mut *tx.tx)
                .await?;
        }
        tx.commit().await?;
    }
    Ok(expired)
}
