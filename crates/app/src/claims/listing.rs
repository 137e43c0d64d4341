//! Listing a need for claiming, unlisting it, and the list a claimant sees.

use crate::audit::AuditedTx;
use crate::db::upper;
use crate::needs::Need;
use crate::{Actor, AppError, Db, areas, needs, resources};
use wushe_domain::FieldError;
use wushe_domain::access::Action;
use wushe_domain::ids::NeedId;
use wushe_domain::matching::{PlaceLevel, place_level, shared_depth};
use wushe_domain::needs::{EventKind, NeedStatus};
use wushe_domain::policy::Ask;

pub(crate) const HOUR: i64 = 3_600_000;
/// Expiry of a claim whose work has started (year 2286).
pub(crate) const NEVER: i64 = 9_999_999_999_999;

#[derive(Debug, Clone)]
pub struct Listing {
    pub need_id: i64,
    pub listed_at: i64,
    pub claim_hours: i64,
}

/// Puts an open, unassigned need on the list; `claim_hours` is how long a claim may wait before
/// work starts (1–720).
pub async fn list_need(db: &Db, actor: &Actor, at: i64, need_id: NeedId, claim_hours: &str) -> Result<Need, AppError> {
    let (need, rec) = needs::get(db, actor, need_id).await?;
    if !actor.may(&rec, Ask::NeedManage) {
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
    .bind(need.id.get())
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
pub async fn unlist_need(db: &Db, actor: &Actor, at: i64, need_id: NeedId) -> Result<(), AppError> {
    let (need, rec) = needs::get(db, actor, need_id).await?;
    if !actor.may(&rec, Ask::NeedManage) {
        return Err(AppError::Forbidden);
    }
    let mut tx = AuditedTx::begin(db, at).await?;
    let n =
        sqlx::query("DELETE FROM claim_listings WHERE need_id = $1").bind(need.id.get()).execute(&mut *tx.tx).await?;
    if n.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    tx.record(actor, Some(need.community_id), "claim.unlist", &format!("need:{}", need.id), "").await?;
    tx.commit().await?;
    Ok(())
}

pub async fn listing(db: &Db, need_id: NeedId) -> Result<Option<Listing>, AppError> {
    let r: Option<(i64, i64, i64)> =
        sqlx::query_as("SELECT need_id, listed_at, claim_hours FROM claim_listings WHERE need_id = $1")
            .bind(need_id.get())
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
            let hours = hours_of.get(&n.id.get()).copied().unwrap_or(48);
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
