//! A claim as stored: the `need_claims` row.

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

pub(crate) type ClaimRow = (i64, i64, i64, Option<i64>, String, i64, i64);

pub(crate) fn claim_of(r: ClaimRow) -> Claim {
    Claim { id: r.0, need_id: r.1, user_id: r.2, org_id: r.3, status: r.4, claimed_at: r.5, expires_at: r.6 }
}

pub(crate) const CLAIM_COLS: &str = "id, need_id, user_id, org_id, status, claimed_at, expires_at";
