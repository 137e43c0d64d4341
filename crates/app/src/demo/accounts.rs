//! The demo accounts: one per role, each with its grant.

use crate::accounts::{self, NewUser};
use crate::areas::{self};
use crate::audit::AuditedTx;
use crate::{Actor, AppError, Db};
use wushe_domain::access::Role;
use wushe_domain::people::PhoneNumber;

pub(crate) async fn seed_accounts(db: &Db, at: i64) -> Result<(), AppError> {
    let hash = crate::accounts::hash_password(DEMO_PASSWORD.to_string()).await?;
    let mut tx = AuditedTx::begin(db, at).await?;
    for (i, (user, display, role, area_code)) in DEMO_ACCOUNTS.iter().enumerate() {
        let area = areas::by_code(db, area_code).await?;
        let phone = format!("1390000{:04}", i + 1);
        let new = NewUser {
            username: user.to_string(),
            display_name: display.to_string(),
            password: String::new(),
            phone: Some(PhoneNumber::parse(&phone).map_err(|e| AppError::Internal(e.key.to_string()))?),
            person_id: None,
        };
        let u = accounts::insert_user(&mut tx.tx, &new, &hash, at).await?;
        let role = Role::parse(role).map_err(|e| AppError::Internal(e.key.to_string()))?;
        accounts::insert_grant(&mut tx.tx, u.id, role, area.id, at).await?;
        tx.record(
            &Actor::operator(),
            area.community_id,
            "user.add",
            &format!("user:{user}"),
            &format!("{}@{}", role.code(), area.code),
        )
        .await?;
    }
    tx.commit().await
}

/// The accounts printed on the console by `serve --demo`. All share [`DEMO_PASSWORD`].
pub const DEMO_PASSWORD: &str = "wushe-demo";

pub const DEMO_ACCOUNTS: &[(&str, &str, &str, &str)] = &[
    ("street.s", "街道干部（S社区所在街道）", "street_officer", "510104001"),
    ("admin.s", "S社区两委", "community_admin", "510104001001"),
    ("grid.s1", "S社区第一网格网格员", "grid_worker", "51010400100101"),
    ("social.s", "S社区社工", "social_worker", "510104001001"),
    ("org.s", "S社区社会组织成员", "org_member", "510104001001"),
    ("volunteer.s", "S社区志愿者", "volunteer", "510104001001"),
    ("foundation.s", "S社区基金会", "foundation_officer", "510104001001"),
    ("donor.s", "S社区爱心企业", "donor", "510104001001"),
    ("resident.s", "S社区居民（第一网格1栋）", "resident", "510104001001010010001"),
    ("admin.a", "A社区两委", "community_admin", "310106001001"),
    ("grid.a1", "A社区第一微网格", "grid_worker", "31010600100101"),
    ("street.a", "街道干部（A社区所在街道）", "street_officer", "310106001"),
];
