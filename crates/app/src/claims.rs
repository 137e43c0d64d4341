//! R3 — claiming from a list (清单式认领) `[002 §5.2]`. Owns `claim_listings` and `need_claims`.
//!
//! Staff put open, unassigned needs on the community's list; volunteers and organization members
//! see the listed needs they fit (their resources serve the need's category), nearest first, and
//! claim one. A claim assigns the need to the claimant in the same transaction, through the needs
//! ledger's state machine, so the timeline shows it. Two claims at once: the partial unique index
//! on active claims and the need's version both let exactly one through; the other is told the
//! need was taken. A claim not started within the listing's hours expires (a background job) and
//! the need returns to the list; the claimant may also release it.

use crate::audit::AuditedTx;
use crate::db::upper;
use crate::needs::{Assignee, Need};
use crate::{Actor, AppError, Db, areas, needs, notifications, resources};
use wushe_domain::FieldError;
use wushe_domain::access::Action;
use wushe_domain::matching::{PlaceLevel, place_level, shared_depth};
use wushe_domain::needs::{EventKind, NeedStatus, parse_note};

const HOUR: i64 = 3_600_000;
/// Expiry of a claim whose work has started (year 2286).
const NEVER: i64 = 9_999_999_999_999;

#[derive(Debug, Clone)]
pub struct Listing {
    pub need_id: i64,
    pub listed_at: i64,
    pub claim_hours: i64,
}

/// Puts an open, unassigned need on the list; `claim_hours` is how long a claim may wait before
/// work starts (1–720).
pub async fn list_need(db: &Db, actor: &Actor, at: i64, need_id: i64, claim_hours: &str) -> Result<Need, AppError> {
    let (need, rel) = needs::get(db, actor, need_id).await?;
    if !rel.manage {
        return Err(AppError::Forbidden);
    }
    let hours: i64 = match claim_hours.trim() {
        "" => 48,
        h => h
            .parse()
            .ok()
            .filter(|h| (1..=720).contains(h))
            .ok_or(FieldError::new("claim_hours", "errors.number.range"))?,
    };
    if !matches!(need.status, NeedStatus::Submitted | NeedStatus::Accepted | NeedStatus::Reopened) {
        return Err(AppError::Conflict(FieldError::new("status", "errors.claim.not_listable")));
    }
    let mut tx = AuditedTx::begin(db, at).await?;
    sqlx::query(
        "INSERT INTO claim_listings (need_id, community_id, area_path, category_id, listed_by, listed_at, claim_hours) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(need.id)
    .bind(need.community_id)
    .bind(&need.area_path)
    .bind(need.category_id)
    .bind(actor.user_id)
    .bind(at)
    .bind(hours)
    .execute(&mut *tx.tx)
    .await
    .map_err(AppError::unique_as("need", "errors.claim.already_listed"))?;
    let updated = needs::claim_transition(&mut tx.tx, actor.user_id, at, &need, EventKind::Listed, None, None)
        .await?
        .ok_or(AppError::Conflict(FieldError::new("version", "errors.stale_version")))?;
    tx.record(actor, Some(need.community_id), "claim.list", &format!("need:{}", need.id), &hours.to_string()).await?;
    tx.commit().await?;
    Ok(updated)
}

/// Takes a need off the list (it stays in the ledger).
pub async fn unlist_need(db: &Db, actor: &Actor, at: i64, need_id: i64) -> Result<(), AppError> {
    let (need, rel) = needs::get(db, actor, need_id).await?;
    if !rel.manage {
        return Err(AppError::Forbidden);
    }
    let mut tx = AuditedTx::begin(db, at).await?;
    let n = sqlx::query("DELETE FROM claim_listings WHERE need_id = $1").bind(need.id).execute(&mut *tx.tx).await?;
    if n.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    tx.record(actor, Some(need.community_id), "claim.unlist", &format!("need:{}", need.id), "").await?;
    tx.commit().await?;
    Ok(())
}

pub async fn listing(db: &Db, need_id: i64) -> Result<Option<Listing>, AppError> {
    let r: Option<(i64, i64, i64)> =
        sqlx::query_as("SELECT need_id, listed_at, claim_hours FROM claim_listings WHERE need_id = $1")
            .bind(need_id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(r.map(|(need_id, listed_at, claim_hours)| Listing { need_id, listed_at, claim_hours }))
}

/// One entry of a claimant's list.
#[derive(Debug, Clone)]
pub struct Claimable {
    pub need: Need,
    /// Their resources serve the need's category.
    pub fits: bool,
    pub place: PlaceLevel,
    pub claim_hours: i64,
}

/// The listed needs of the claimant's communities that nobody holds, those they fit first and
/// nearest first. `all`: also those they do not fit.
pub async fn claimable(db: &Db, actor: &Actor, all: bool) -> Result<Vec<Claimable>, AppError> {
    actor.require(Action::NeedClaim, None)?;
    let communities = areas::communities(db, actor, Action::NeedClaim).await?;
    let mine = resources::owned_by(db, actor).await?;
    let places: Vec<String> = actor
        .grants
        .grants
        .iter()
        .filter(|g| wushe_domain::access::role_allows(g.role, Action::NeedClaim))
        .map(|g| g.area_path.clone())
        .chain(mine.iter().map(|r| r.area_path.clone()))
        .collect();
    let mut out = Vec::new();
    for c in communities {
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT l.need_id, l.category_id, l.claim_hours FROM claim_listings l \
             WHERE l.area_path >= $1 AND l.area_path < $2 \
             AND NOT EXISTS (SELECT 1 FROM need_claims c WHERE c.need_id = l.need_id AND c.status = 'active') \
             ORDER BY l.listed_at LIMIT 500",
        )
        .bind(&c.path)
        .bind(upper(&c.path))
        .fetch_all(&db.pool)
        .await?;
        let cats = needs::categories(db, c.id).await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
        let hours_of: std::collections::HashMap<i64, i64> = rows.iter().map(|r| (r.0, r.2)).collect();
        for n in needs::by_ids(db, &ids).await? {
            let hours = hours_of.get(&n.id).copied().unwrap_or(48);
            if !matches!(n.status, NeedStatus::Submitted | NeedStatus::Accepted | NeedStatus::Reopened) {
                continue;
            }
            let code = cats.iter().find(|x| x.id == n.category_id).map(|x| x.code.as_str()).unwrap_or("");
            let fits = mine.iter().any(|r| r.categories.iter().any(|x| x == code));
            if !fits && !all {
                continue;
            }
            let depth = places.iter().map(|p| shared_depth(p, &n.area_path)).max().unwrap_or(0);
            out.push(Claimable { need: n, fits, place: place_level(depth), claim_hours: hours });
        }
    }
    out.sort_by(|a, b| b.fits.cmp(&a.fits).then(b.place.cmp(&a.place)).then(a.need.created_at.cmp(&b.need.created_at)));
    Ok(out)
}

#[derive(Debug, Clone)]
pub struct Claim {
    pub id: i64,
    pub need_id: i64,
    pub user_id: i64,
    pub org_id: Option<i64>,
    pub status: String,
    pub claimed_at: i64,
    pub expires_at: i64,
}

type ClaimRow = (i64, i64, i64, Option<i64>, String, i64, i64);

fn claim_of(r: ClaimRow) -> Claim {
    Claim { id: r.0, need_id: r.1, user_id: r.2, org_id: r.3, status: r.4, claimed_at: r.5, expires_at: r.6 }
}

const CLAIM_COLS: &str = "id, need_id, user_id, org_id, status, claimed_at, expires_at";

/// Claims a listed need, for oneself or (`org`) for an organization one belongs to.
pub async fn claim(db: &Db, actor: &Actor, at: i64, need_id: i64, org: Option<i64>) -> Result<Need, AppError> {
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
                Some(p) => crate::organizations::posts_of(db, p).await?.iter().any(|(x, _)| x.id == o),
                None => false,
            };
            let placed = crate::organizations::get(db, &Actor::operator(), o)
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
    .bind(need.id)
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
            need_id: Some(updated.id),
            title: updated.title.clone(),
            body: String::new(),
        };
        notifications::queue(&mut tx.tx, at, &staff, &msg).await?;
    }
    tx.record(actor, Some(need.community_id), "claim.claim", &format!("need:{}", need.id), "").await?;
    tx.commit().await?;
    Ok(updated)
}

/// The active claim on a need, if any.
pub async fn active_claim(db: &Db, need_id: i64) -> Result<Option<Claim>, AppError> {
    let r: Option<ClaimRow> =
        sqlx::query_as(crate::sql!("SELECT {CLAIM_COLS} FROM need_claims WHERE need_id = $1 AND status = 'active'"))
            .bind(need_id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(r.map(claim_of))
}

/// The actor's active claims, with their needs.
pub async fn mine(db: &Db, actor: &Actor) -> Result<Vec<(Claim, Need)>, AppError> {
    actor.require(Action::NeedClaim, None)?;
    let Some(uid) = actor.user_id else { return Ok(vec![]) };
    let rows: Vec<ClaimRow> = sqlx::query_as(crate::sql!(
        "SELECT {CLAIM_COLS} FROM need_claims WHERE user_id = $1 AND status = 'active' ORDER BY claimed_at DESC"
    ))
    .bind(uid)
    .fetch_all(&db.pool)
    .await?;
    let claims: Vec<Claim> = rows.into_iter().map(claim_of).collect();
    let ids: Vec<i64> = claims.iter().map(|c| c.need_id).collect();
    let found = needs::by_ids(db, &ids).await?;
    Ok(claims.into_iter().zip(found).collect())
}

/// Ends a claim by the claimant (or staff who manage the need): the need goes back on the list.
pub async fn release(db: &Db, actor: &Actor, at: i64, need_id: i64, note: &str) -> Result<Need, AppError> {
    let need = needs::by_id(db, need_id).await?;
    let claim = active_claim(db, need_id).await?;
    let manage = needs::get(db, actor, need_id).await.map(|(_, r)| r.manage).unwrap_or(false);
    let Some(claim) = claim else {
        actor.require(Action::NeedClaim, None).or_else(|_| actor.require(Action::NeedManage, None))?;
        return Err(AppError::NotFound);
    };
    if !(manage || actor.user_id == Some(claim.user_id)) {
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
            .bind(s.need_id)
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
        let need = needs::by_id(db, c.need_id).await?;
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
                need_id: Some(need.id),
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
