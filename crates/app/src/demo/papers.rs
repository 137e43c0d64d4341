//! The papers' two communities with their demo accounts: what `serve --demo` seeds.

use super::accounts::seed_accounts;
use super::communities::{CommunitySpec, Generated, ensure_parents, generate_community};
use super::needs::generate_needs;
use super::organizations::{Flavour, generate_organizations, org};
use super::resources::seed_resources;
use super::rng::Rng;
use crate::{AppError, Db};
use wushe_domain::areas::AreaKind;
use wushe_domain::organizations::OrganizationKind;

/// Seeds S社区 and A社区 with accounts, unless a community already exists.
pub async fn seed_papers(db: &Db, at: i64, this_year: i32) -> Result<Option<Generated>, AppError> {
    let existing: (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM areas WHERE kind = 'community'").fetch_one(&db.pool).await?;
    if existing.0 > 0 {
        return Ok(None);
    }
    let mut rng = Rng::new(2026);
    let mut g = Generated::default();
    let s_street = ensure_parents(
        db,
        at,
        &[
            ("51", AreaKind::Province, "四川省"),
            ("5101", AreaKind::City, "成都市"),
            ("510104", AreaKind::District, "锦江区"),
            ("510104001", AreaKind::Street, "锦官街道"),
        ],
    )
    .await?;
    let s = CommunitySpec {
        code: "510104001001".into(),
        name: "S社区".into(),
        divisions: ["第一网格", "第二网格", "第三网格", "第四网格"]
            .iter()
            .map(|n| (AreaKind::Grid, n.to_string()))
            .collect(),
        buildings: 132,
        households: 6328,
        residents: 15000,
        elderly_share: 0.22,
        region: "510104",
        center: (104.0836, 30.6531),
    };
    let (c, d, n) = generate_community(db, &mut rng, &s_street, &s, at, this_year).await?;
    g.organizations += generate_organizations(db, &c, &d, Flavour::S, at).await?;
    g.needs += generate_needs(db, &mut rng, &c, 1200, at).await?;
    g.communities += 1;
    g.households += s.households;
    g.residents += n;
    let a_street = ensure_parents(
        db,
        at,
        &[
            ("31", AreaKind::Province, "上海市"),
            ("3101", AreaKind::City, "上海市辖区"),
            ("310106", AreaKind::District, "静安区"),
            ("310106001", AreaKind::Street, "G街道"),
        ],
    )
    .await?;
    let a = CommunitySpec {
        code: "310106001001".into(),
        name: "A社区".into(),
        divisions: (1..=7)
            .map(|i| {
                (AreaKind::MicroGrid, format!("第{}楼群微网格", ["一", "二", "三", "四", "五", "六", "七"][i - 1]))
            })
            .collect(),
        buildings: 118,
        households: 2716,
        residents: 6300,
        elderly_share: 0.40,
        region: "310106",
        center: (121.4478, 31.2286),
    };
    let (c, d, n) = generate_community(db, &mut rng, &a_street, &a, at, this_year).await?;
    g.organizations += generate_organizations(db, &c, &d, Flavour::A, at).await?;
    g.needs += generate_needs(db, &mut rng, &c, 600, at).await?;
    g.communities += 1;
    g.households += a.households;
    g.residents += n;
    // Street-level departments that answer the community's whistle.
    let mut tx = db.pool.begin().await?;
    for street in [&s_street, &a_street] {
        for (n, s) in [
            ("街道办事处", "综合协调 行政审批"),
            ("街道城管执法中队", "占道经营 违章搭建 高空抛物"),
            ("街道应急管理办公室", "应急预案 应急演练 防汛"),
        ] {
            org(
                &mut tx,
                street,
                None,
                OrganizationKind::GovernmentDepartment,
                &format!("{}{}", street.name, n.trim_start_matches("街道")),
                "街道职能部门，响应社区吹哨。",
                s,
                at,
            )
            .await?;
            g.organizations += 1;
        }
    }
    tx.commit().await?;
    seed_accounts(db, at).await?;
    g.resources += seed_resources(db, at).await?;
    Ok(Some(g))
}
