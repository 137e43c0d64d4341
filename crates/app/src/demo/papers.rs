//! The papers' two communities with their demo accounts: what `serve --demo` seeds.

use super::accounts::seed_accounts;
use super::communities::{CommunitySpec, Generated, ensure_parents, generate_community};
use super::needs::generate_needs;
use super::organizations::{Flavour, generate_organizations, org};
use super::resources::seed_resources;
use super::rng::Rng;
use crate::areas::Area;
use crate::{AppError, Db};
use std::future::Future;
use std::pin::Pin;
use wushe_domain::areas::AreaKind;
use wushe_domain::organizations::OrganizationKind;

/// What the steps of the papers' demo share: the database, the clock, one random stream, and
/// what the steps before wrote (the streets, the communities with their divisions).
pub struct DemoRun<'a> {
    pub db: &'a Db,
    pub at: i64,
    pub this_year: i32,
    pub(crate) rng: Rng,
    pub(crate) streets: Vec<Area>,
    pub(crate) communities: Vec<Seeded>,
    pub generated: Generated,
}

/// One community as the areas step wrote it, with the paper it follows.
pub(crate) struct Seeded {
    community: Area,
    divisions: Vec<Area>,
    flavour: Flavour,
    needs: usize,
}

/// A capability's part of the demo. Steps run in the order of [`STEPS`]; each reads what the
/// ones before it wrote.
pub type DemoStep =
    for<'r, 'a> fn(&'r mut DemoRun<'a>) -> Pin<Box<dyn Future<Output = Result<(), AppError>> + Send + 'r>>;

/// The papers' demo (`serve --demo`), one step per capability, in the order they depend on
/// each other: areas and residents, then organizations, needs, accounts, resources. A new
/// capability adds its step here.
pub static STEPS: &[DemoStep] = &[areas_and_people, organizations, needs, accounts, resources, volunteers, emergency];

/// Seeds S社区 and A社区 with accounts, unless a community already exists.
pub async fn seed_papers(db: &Db, at: i64, this_year: i32) -> Result<Option<Generated>, AppError> {
    let existing: (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM areas WHERE kind = 'community'").fetch_one(&db.pool).await?;
    if existing.0 > 0 {
        return Ok(None);
    }
    let mut run = DemoRun {
        db,
        at,
        this_year,
        rng: Rng::new(2026),
        streets: vec![],
        communities: vec![],
        generated: Generated::default(),
    };
    for step in STEPS {
        step(&mut run).await?;
    }
    Ok(Some(run.generated))
}

/// S1, S2: the papers' two communities, their grids, buildings, households and residents.
pub(crate) fn areas_and_people<'r, 'a>(
    run: &'r mut DemoRun<'a>,
) -> Pin<Box<dyn Future<Output = Result<(), AppError>> + Send + 'r>> {
    Box::pin(async move {
        let (db, at, this_year) = (run.db, run.at, run.this_year);
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
        let (c, d, n) = generate_community(db, &mut run.rng, &s_street, &s, at, this_year).await?;
        run.communities.push(Seeded { community: c, divisions: d, flavour: Flavour::S, needs: 1200 });
        run.generated.households += s.households;
        run.generated.residents += n;
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
        let (c, d, n) = generate_community(db, &mut run.rng, &a_street, &a, at, this_year).await?;
        run.communities.push(Seeded { community: c, divisions: d, flavour: Flavour::A, needs: 600 });
        run.generated.households += a.households;
        run.generated.residents += n;
        run.generated.communities += 2;
        run.streets = vec![s_street, a_street];
        Ok(())
    })
}

/// S3: each community's organizations, posts and memberships, and the street departments that
/// answer the communities' whistles.
pub(crate) fn organizations<'r, 'a>(
    run: &'r mut DemoRun<'a>,
) -> Pin<Box<dyn Future<Output = Result<(), AppError>> + Send + 'r>> {
    Box::pin(async move {
        let (db, at) = (run.db, run.at);
        for c in &run.communities {
            run.generated.organizations +=
                generate_organizations(db, &c.community, &c.divisions, c.flavour, at).await?;
        }
        let mut tx = db.pool.begin().await?;
        for street in &run.streets {
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
                run.generated.organizations += 1;
            }
        }
        tx.commit().await?;
        Ok(())
    })
}

/// N1–N5: each community's ledger of needs.
pub(crate) fn needs<'r, 'a>(
    run: &'r mut DemoRun<'a>,
) -> Pin<Box<dyn Future<Output = Result<(), AppError>> + Send + 'r>> {
    Box::pin(async move {
        for i in 0..run.communities.len() {
            let (community, count) = (run.communities[i].community.clone(), run.communities[i].needs);
            run.generated.needs += generate_needs(run.db, &mut run.rng, &community, count, run.at).await?;
        }
        Ok(())
    })
}

/// Accounts: the demo's signed-in roles, linked to residents and organizations.
pub(crate) fn accounts<'r, 'a>(
    run: &'r mut DemoRun<'a>,
) -> Pin<Box<dyn Future<Output = Result<(), AppError>> + Send + 'r>> {
    Box::pin(async move { seed_accounts(run.db, run.at).await })
}

/// R1: the papers' resources, some owned by the accounts' people.
pub(crate) fn resources<'r, 'a>(
    run: &'r mut DemoRun<'a>,
) -> Pin<Box<dyn Future<Output = Result<(), AppError>> + Send + 'r>> {
    Box::pin(async move {
        run.generated.resources += seed_resources(run.db, run.at).await?;
        Ok(())
    })
}

/// V1–V3: functional groups, `volunteer.s`'s verified records and points, coming activities.
/// E1–E6: plans, the 2023 rainstorm and the drill before it.
pub(crate) fn emergency<'r, 'a>(
    run: &'r mut DemoRun<'a>,
) -> Pin<Box<dyn Future<Output = Result<(), AppError>> + Send + 'r>> {
    Box::pin(async move { super::emergency::seed(run.db, run.at, &mut run.rng).await })
}

pub(crate) fn volunteers<'r, 'a>(
    run: &'r mut DemoRun<'a>,
) -> Pin<Box<dyn Future<Output = Result<(), AppError>> + Send + 'r>> {
    Box::pin(async move { super::volunteers::seed(run.db, run.at, run.this_year).await })
}
