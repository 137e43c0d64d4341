//! Reading claims: the active one on a need, a claimant's own.

use super::model::{CLAIM_COLS, Claim, ClaimRow, claim_of};
use crate::needs::Need;
use crate::{Actor, AppError, Db, needs};
use wushe_domain::access::Action;
use wushe_domain::ids::NeedId;
use wushe_domain::policy::{Record, Ties};

/// The active claim on a need, if any.
pub async fn active_claim(db: &Db, need_id: NeedId) -> Result<Option<Claim>, AppError> {
    let r: Option<ClaimRow> =
        sqlx::query_as(crate::sql!("SELECT {CLAIM_COLS} FROM need_claims WHERE need_id = $1 AND status = 'active'"))
            .bind(need_id.get())
            .fetch_optional(&db.pool)
            .await?;
    Ok(r.map(claim_of))
}

/// The need's record (`needs::record`) as the policy sees it for its claim: the tie is
/// holding `claim`.
pub fn claim_record(actor: &Actor, rec: &Record, claim: Option<&Claim>) -> Record {
    let claim_holder = claim.is_some_and(|c| actor.user_id == Some(c.user_id));
    Record { ties: Ties { claim_holder, ..rec.ties }, ..rec.clone() }
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
