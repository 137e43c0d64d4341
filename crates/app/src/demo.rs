//! §12 — the demo communities and the deterministic synthetic data generator.
//!
//! S社区 follows `[000 §4.1–4.2]` (6,328 households, 4 grids, 7 self-governance groups,
//! 5 party branches with 198 party members, 286 volunteers, 14 two-committee members, 4
//! situation messengers, 4 integrity supervisors, a foundation with ¥3.2 M for 18 micro-renewal
//! projects); A社区 follows `[002 §3.1, §4.1–4.2]` (118 buildings, 2,716 households, ~6,300
//! residents, 40% elderly, 7 micro-grids each led by a party-branch secretary and a social
//! worker, 7 volunteer groups). Names of people and of organizations the papers leave unnamed
//! are synthetic. The same seed always yields the same data.

use crate::areas::{self, Area, NewArea};
use crate::audit::AuditedTx;
use crate::organizations::{self, NewOrganization, Organization};
use crate::people::{self, NewPerson};
use crate::{Actor, AppError, Db, directory};
use wushe_domain::access::Action;
use wushe_domain::areas::{AreaCode, AreaKind};
use wushe_domain::organizations::{OrganizationKind, Post};
use wushe_domain::people::{Gender, IdNumber, PhoneNumber, Vulnerabilities, Vulnerability};
use wushe_domain::resources::ResourceKind;

/// SplitMix64: tiny, fast and stable across crate versions, so a seed means the same data
/// forever (rand's StdRng makes no such promise).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

const FAMILY: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林",
    "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "蒋",
    "蔡", "余",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
    "秀兰", "霞", "平", "刚", "桂英", "建华", "玉兰", "志强", "文", "红", "建国", "淑珍", "婷", "浩", "宇轩", "欣怡",
    "子涵", "梓萱", "思远", "国庆", "秀珍", "德明",
];

fn name(rng: &mut Rng) -> String {
    format!("{}{}", rng.pick(FAMILY), rng.pick(GIVEN))
}

/// How one community is laid out and populated.
pub struct CommunitySpec {
    pub code: String,
    pub name: String,
    /// `(kind, name)` of each first-level subdivision (grids or micro-grids).
    pub divisions: Vec<(AreaKind, String)>,
    pub buildings: usize,
    pub households: usize,
    pub residents: usize,
    pub elderly_share: f64,
    pub region: &'static str,
    pub center: (f64, f64),
}

/// What was generated, for the console and tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Generated {
    pub communities: usize,
    pub households: usize,
    pub residents: usize,
    pub organizations: usize,
    pub needs: usize,
    pub resources: usize,
}

/// Creates the parents of a community code (province … street) when missing.
async fn ensure_parents(db: &Db, at: i64, chain: &[(&str, AreaKind, &str)]) -> Result<Area, AppError> {
    let mut parent: Option<Area> = None;
    for (code, kind, name) in chain {
        let area = match areas::by_code(db, code).await {
            Ok(a) => a,
            Err(AppError::NotFound) => {
                let mut tx = db.pool.begin().await?;
                let new = NewArea {
                    parent_code: None,
                    kind: *kind,
                    code: AreaCode::parse(code)?,
                    name: name.to_string(),
                    geojson: None,
                };
                let a = areas::insert(&mut tx, parent.as_ref(), &new, at).await?;
                tx.commit().await?;
                a
            }
            Err(e) => return Err(e),
        };
        parent = Some(area);
    }
    parent.ok_or(AppError::Internal("empty area chain".into()))
}

fn rectangle(center: (f64, f64), i: usize, n: usize) -> String {
    // Subdivisions side by side in a row of cells, ~250 m each, around the community centre.
    let cols = n.div_ceil(2).max(1);
    let (col, row) = ((i % cols) as f64, (i / cols) as f64);
    let w = 0.0026;
    let h = 0.0022;
    let x0 = center.0 - w * cols as f64 / 2.0 + col * w;
    let y0 = center.1 + h - row * h;
    format!(
        r#"{{"type":"Polygon","coordinates":[[[{x0:.6},{y0:.6}],[{:.6},{y0:.6}],[{:.6},{:.6}],[{x0:.6},{:.6}],[{x0:.6},{y0:.6}]]]}}"#,
        x0 + w,
        x0 + w,
        y0 - h,
        y0 - h
    )
}

/// Generates one community's areas and residents under `street`. Returns the community and
/// its first-level subdivisions.
async fn generate_community(
    db: &Db,
    rng: &mut Rng,
    street: &Area,
    spec: &CommunitySpec,
    at: i64,
    this_year: i32,
) -> Result<(Area, Vec<Area>, usize), AppError> {
    let mut tx = db.pool.begin().await?;
    let new = NewArea {
        parent_code: None,
        kind: AreaKind::Community,
        code: AreaCode::parse(&spec.code)?,
        name: spec.name.clone(),
        geojson: None,
    };
    let community = areas::insert(&mut tx, Some(street), &new, at).await?;
    let ccode = AreaCode::parse(&community.code)?;
    let mut divisions = Vec::new();
    let kids: Vec<(AreaCode, AreaKind, String)> = spec
        .divisions
        .iter()
        .enumerate()
        .map(|(i, (k, n))| Ok((ccode.child(*k, i as u32 + 1)?, *k, n.clone())))
        .collect::<Result<_, AppError>>()?;
    for (i, d) in areas::insert_many(&mut tx, &community, &kids, at).await?.into_iter().enumerate() {
        areas::set_geojson(&mut tx, d.id, &rectangle(spec.center, i, spec.divisions.len())).await?;
        divisions.push(d);
    }
    // Buildings spread evenly over the divisions, numbered across the community (1栋…118栋).
    let nd = divisions.len();
    let mut buildings: Vec<Area> = Vec::new();
    let mut number = 1;
    for (di, d) in divisions.iter().enumerate() {
        let count = spec.buildings / nd + usize::from(di < spec.buildings % nd);
        let dcode = AreaCode::parse(&d.code)?;
        let kids: Vec<(AreaCode, AreaKind, String)> = (0..count)
            .map(|k| {
                let c = dcode.child(AreaKind::Building, k as u32 + 1)?;
                let n = format!("{}栋", number + k);
                Ok((c, AreaKind::Building, n))
            })
            .collect::<Result<_, AppError>>()?;
        number += count;
        buildings.extend(areas::insert_many(&mut tx, d, &kids, at).await?);
    }
    // Households spread evenly over buildings; rooms numbered floor × 100 + door.
    let nb = buildings.len().max(1);
    let mut households: Vec<Area> = Vec::with_capacity(spec.households);
    for (bi, b) in buildings.iter().enumerate() {
        let count = spec.households / nb + usize::from(bi < spec.households % nb);
        let bcode = AreaCode::parse(&b.code)?;
        let kids: Vec<(AreaCode, AreaKind, String)> = (0..count)
            .map(|k| {
                let unit = k / 24 + 1;
                let floor = (k % 24) / 4 + 1;
                let door = k % 4 + 1;
                Ok((
                    bcode.child(AreaKind::Household, k as u32 + 1)?,
                    AreaKind::Household,
                    format!("{}{}单元{}0{}", b.name, unit, floor, door),
                ))
            })
            .collect::<Result<_, AppError>>()?;
        households.extend(areas::insert_many(&mut tx, b, &kids, at).await?);
    }
    // Residents: every household has at least one; the rest are spread at random.
    let mut sizes = vec![1usize; households.len()];
    for _ in households.len()..spec.residents {
        let h = rng.below(households.len() as u64) as usize;
        sizes[h] += 1;
    }
    let mut rows: Vec<(&Area, NewPerson)> = Vec::with_capacity(spec.residents);
    let mut seq = 0u32;
    for (h, size) in households.iter().zip(&sizes) {
        for k in 0..*size {
            seq += 1;
            let elderly = rng.chance(spec.elderly_share);
            let age = if elderly {
                60 + rng.below(35) as i32
            } else if k >= 2 && rng.chance(0.6) {
                rng.below(18) as i32
            } else {
                18 + rng.below(42) as i32
            };
            let year = this_year - age;
            let gender = if rng.chance(0.5) { Gender::Female } else { Gender::Male };
            let mut flags = Vec::new();
            if elderly {
                flags.push(Vulnerability::Elderly);
                if *size == 1 {
                    flags.push(Vulnerability::ElderlyAlone);
                }
                if rng.chance(0.25) {
                    flags.push(Vulnerability::ChronicIllness);
                }
            }
            if rng.chance(0.02) {
                flags.push(Vulnerability::Disabled);
            }
            if rng.chance(0.03) {
                flags.push(Vulnerability::LowIncome);
            }
            if age < 14 && rng.chance(0.05) {
                flags.push(Vulnerability::ChildAlone);
            }
            let phone = (age >= 16)
                .then(|| PhoneNumber::parse(&format!("1{}{:09}", 3 + rng.below(7), rng.below(1_000_000_000))))
                .transpose()?;
            rows.push((
                h,
                NewPerson {
                    household_code: None,
                    name: name(rng),
                    gender: Some(gender),
                    birth_year: Some(year),
                    phone,
                    // Region code + community sequence keeps demo ID numbers unique per community.
                    id_number: if age >= 16 || rng.chance(0.5) {
                        Some(IdNumber::from_body(&unique_body(spec.region, year, seq))?)
                    } else {
                        None
                    },
                    vulnerability: Vulnerabilities::new(flags),
                    is_household_head: k == 0,
                },
            ));
        }
    }
    people::insert_many(&mut tx, &rows, at).await?;
    tx.commit().await?;
    Ok((community, divisions, spec.residents))
}

/// 6-digit region, birth year, and a sequence that is unique within the community.
fn unique_body(region: &str, year: i32, seq: u32) -> String {
    format!("{region}{year:04}{:02}{:02}{:03}", 1 + seq % 12, 1 + (seq / 12) % 28, seq % 1000)
        .chars()
        .take(17)
        .collect::<String>()
}

/// Organization helper: creates, indexes and returns. Eight plain arguments read better at
/// the thirty call sites below than a builder would.
#[allow(clippy::too_many_arguments)]
async fn org(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    area: &Area,
    parent: Option<&Organization>,
    kind: OrganizationKind,
    name: &str,
    description: &str,
    services: &str,
    at: i64,
) -> Result<Organization, AppError> {
    let new = NewOrganization {
        area_code: area.code.clone(),
        parent_id: parent.map(|p| p.id),
        kind,
        name: name.to_string(),
        description: description.to_string(),
        services: services.to_string(),
        phone: Some(format!("028-{}", 80000000 + area.id % 9999999)),
        address: format!("{}党群服务中心", area.name),
    };
    let o = organizations::insert(tx, area, &new, at).await?;
    directory::index_organization(tx, &o).await?;
    Ok(o)
}

/// Residents of a subtree, in a stable order, used to fill posts.
async fn residents_sample(db: &Db, area: &Area, n: i64) -> Result<Vec<i64>, AppError> {
    let rows: Vec<(i64,)> = sqlx::query_as("SELECT id FROM people WHERE household_path >= $1 AND household_path < $2 AND birth_year < $3 ORDER BY id LIMIT $4")
        .bind(&area.path)
        .bind(crate::db::upper(&area.path))
        .bind(2000i64)
        .bind(n)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

async fn members(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    org: &Organization,
    people: &[i64],
    post: Post,
    at: i64,
) -> Result<(), AppError> {
    // Small generated communities recycle the same residents; a post is held once.
    let mut seen = std::collections::HashSet::new();
    for p in people {
        if !seen.insert(*p) {
            continue;
        }
        let held: Option<(i64,)> =
            sqlx::query_as("SELECT id FROM memberships WHERE organization_id = $1 AND person_id = $2 AND post = $3")
                .bind(org.id)
                .bind(*p)
                .bind(post.code())
                .fetch_optional(&mut **tx)
                .await?;
        if held.is_none() {
            organizations::insert_membership(tx, org, *p, post, Some(2015 + (*p % 9)), at).await?;
        }
    }
    Ok(())
}

/// Which papers' organizations a community gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    S,
    A,
}

/// Organizations, posts and memberships of a community, following its paper.
async fn generate_organizations(
    db: &Db,
    community: &Area,
    divisions: &[Area],
    flavour: Flavour,
    at: i64,
) -> Result<usize, AppError> {
    let pool = residents_sample(db, community, 2000).await?;
    let mut next = 0usize;
    let mut take = |n: usize| {
        let s: Vec<i64> = pool.iter().cycle().skip(next).take(n).copied().collect();
        next += n;
        s
    };
    let mut tx = db.pool.begin().await?;
    let mut count = 0;
    let cname = &community.name;
    match flavour {
        Flavour::S => {
            let committee = org(
                &mut tx,
                community,
                None,
                OrganizationKind::PartyCommittee,
                &format!("{cname}党委"),
                "社区党委统筹“五社联动”，下设5个党支部，推行“社区吹哨、各方报到”。",
                "党建引领 联席会议 吹哨报到",
                at,
            )
            .await?;
            let rc = org(
                &mut tx,
                community,
                None,
                OrganizationKind::ResidentsCommittee,
                &format!("{cname}居民委员会"),
                "居委会负责居民自治、需求台账和网格服务，“一格多员、一员多能”。",
                "居民事务 需求受理 证明办理 网格服务",
                at,
            )
            .await?;
            // 14 two-committee members [000 §4.1]: secretary, director, 12 committee members.
            let two = take(14);
            members(&mut tx, &committee, &two[..1], Post::Secretary, at).await?;
            members(&mut tx, &rc, &two[1..2], Post::Director, at).await?;
            members(&mut tx, &committee, &two[2..7], Post::CommitteeMember, at).await?;
            members(&mut tx, &rc, &two[7..14], Post::CommitteeMember, at).await?;
            // 5 party branches with 198 party members: one per grid and one for retirees.
            let mut branch_names: Vec<(String, &Area)> =
                divisions.iter().map(|d| (format!("{}党支部", d.name), d)).collect();
            branch_names.push(("离退休党员党支部".to_string(), community));
            let per = [40usize, 40, 40, 39, 39];
            for (i, (n, area)) in branch_names.iter().enumerate() {
                let b = org(
                    &mut tx,
                    area,
                    Some(&committee),
                    OrganizationKind::PartyBranch,
                    &format!("{cname}{n}"),
                    "网格党支部，带领楼栋党小组和党员中心户。",
                    "党员联系户 楼栋走访",
                    at,
                )
                .await?;
                let ms = take(per[i % per.len()]);
                members(&mut tx, &b, &ms[..1], Post::Secretary, at).await?;
                members(&mut tx, &b, &ms, Post::PartyMember, at).await?;
                members(&mut tx, &b, &ms[1..4], Post::PartyHousehold, at).await?;
                count += 1;
                // The chain's third level: building party groups under each grid branch [000 §5.1].
                if area.kind == AreaKind::Grid {
                    for (k, building) in
                        areas::in_subtree(db, &area.path, AreaKind::Building, 2, 0).await?.iter().enumerate()
                    {
                        let g = org(
                            &mut tx,
                            building,
                            Some(&b),
                            OrganizationKind::PartyGroup,
                            &format!("{cname}{}{}党小组", area.name, building.name),
                            "楼栋党小组，联系本楼党员中心户。",
                            "楼栋走访 党员联系户",
                            at,
                        )
                        .await?;
                        let base = 4 + k * 4;
                        members(&mut tx, &g, &ms[base..base + 1], Post::Leader, at).await?;
                        members(&mut tx, &g, &ms[base..base + 4], Post::Member, at).await?;
                        count += 1;
                    }
                }
            }
            // Per grid: a grid worker, a situation messenger, an integrity supervisor [000 §4.1].
            for d in divisions {
                let local = residents_sample(db, d, 3).await?;
                if let [g, m, s] = local[..] {
                    members(&mut tx, &rc, &[g], Post::GridWorker, at).await?;
                    members(&mut tx, &rc, &[m], Post::SituationMessenger, at).await?;
                    members(&mut tx, &rc, &[s], Post::IntegritySupervisor, at).await?;
                }
            }
            for (n, s) in [
                ("楼道自治小组", "楼道堆物清理 楼栋公约"),
                ("环境卫生自治小组", "环境整治 垃圾分类 绿化维护"),
                ("邻里互助小组", "邻里互助 独居老人探访"),
                ("治安巡逻自治小组", "夜间巡逻 防火防盗"),
                ("文体活动自治小组", "邻里节 楼道茶话会 文体活动"),
                ("议事协商自治小组", "居民议事会 协商议事"),
                ("老年关爱自治小组", "老人照护 助餐 陪诊"),
            ] {
                let g = org(
                    &mut tx,
                    community,
                    Some(&rc),
                    OrganizationKind::SelfGovernanceGroup,
                    &format!("{cname}{n}"),
                    "居民自治小组（名称为演示数据）。",
                    s,
                    at,
                )
                .await?;
                members(&mut tx, &g, &take(1), Post::Leader, at).await?;
                members(&mut tx, &g, &take(8), Post::Member, at).await?;
                count += 1;
            }
            let team = org(
                &mut tx,
                community,
                None,
                OrganizationKind::VolunteerTeam,
                &format!("{cname}志愿者队伍"),
                "志愿者从12人发展到286人，累计服务超过1.2万小时。",
                "应急抢险 矛盾调解 志愿服务 应急救援",
                at,
            )
            .await?;
            members(&mut tx, &team, &take(286), Post::Volunteer, at).await?;
            let fd = org(
                &mut tx,
                community,
                None,
                OrganizationKind::Foundation,
                &format!("{cname}发展基金会"),
                "社区基金会累计撬动社会资金320万元，实施微更新项目18个，受益居民2100人。",
                "慈善募捐 微更新 公益项目资助",
                at,
            )
            .await?;
            members(&mut tx, &fd, &take(3), Post::Staff, at).await?;
            let sw = org(
                &mut tx,
                community,
                None,
                OrganizationKind::SocialWorkAgency,
                &format!("{cname}社工站"),
                "专业社工提供个案管理、项目设计、志愿者培训与服务督导。",
                "个案管理 心理疏导 志愿者培训 项目设计",
                at,
            )
            .await?;
            members(&mut tx, &sw, &take(4), Post::SocialWorker, at).await?;
            org(
                &mut tx,
                community,
                None,
                OrganizationKind::SocialOrganization,
                "锦里颐养服务中心",
                "社会组织，承接社区养老服务（名称为演示数据）。",
                "养老服务 日间照料 助餐 上门探访 健康关爱",
                at,
            )
            .await?;
            org(
                &mut tx,
                community,
                None,
                OrganizationKind::SocialOrganization,
                "彩虹桥儿童关爱中心",
                "社会组织，开展儿童关爱与四点半课堂（名称为演示数据）。",
                "儿童关爱 四点半课堂 亲子活动",
                at,
            )
            .await?;
            org(
                &mut tx,
                community,
                None,
                OrganizationKind::PropertyManager,
                "锦城物业服务有限公司",
                "小区物业（名称为演示数据）。",
                "物业维修 保洁 绿化 停车管理",
                at,
            )
            .await?;
            org(
                &mut tx,
                community,
                None,
                OrganizationKind::PartnerUnit,
                "社区卫生服务中心",
                "共建单位，提供健康讲座与义诊。",
                "义诊 量血压 测血糖 健康讲座",
                at,
            )
            .await?;
            count += 8;
        }
        Flavour::A => {
            let committee = org(
                &mut tx,
                community,
                None,
                OrganizationKind::PartyCommittee,
                &format!("{cname}党总支"),
                "居民区党总支，以“五级网格”把党组织建在微网格上。",
                "党建引领 五级网格 平急转换",
                at,
            )
            .await?;
            let rc = org(
                &mut tx,
                community,
                None,
                OrganizationKind::ResidentsCommittee,
                &format!("{cname}居民委员会"),
                "居委社工块长与党支部书记共同领衔七个楼群微网格。",
                "居民事务 民情地图 需求受理",
                at,
            )
            .await?;
            members(&mut tx, &committee, &take(1), Post::Secretary, at).await?;
            members(&mut tx, &rc, &take(1), Post::Director, at).await?;
            members(&mut tx, &rc, &take(5), Post::CommitteeMember, at).await?;
            for d in divisions {
                let b = org(
                    &mut tx,
                    d,
                    Some(&committee),
                    OrganizationKind::PartyBranch,
                    &format!("{cname}{}党支部", d.name),
                    "党支部书记领衔楼群微网格，微网格长、楼组长由支部党员和志愿者担任。",
                    "日常寻访 居民意见汇总",
                    at,
                )
                .await?;
                let local = residents_sample(db, d, 24).await?;
                if local.len() >= 4 {
                    members(&mut tx, &b, &local[..1], Post::Secretary, at).await?;
                    members(&mut tx, &b, &local[..20.min(local.len())], Post::PartyMember, at).await?;
                    members(&mut tx, &rc, &local[1..2], Post::GridWorker, at).await?;
                    members(&mut tx, &rc, &local[2..4], Post::BuildingLeader, at).await?;
                }
                count += 1;
            }
            let team = org(
                &mut tx,
                community,
                None,
                OrganizationKind::VolunteerTeam,
                "聚力志愿者服务团队",
                "面向退休老人、青少年、在职党员开放，按意愿、特长、时间分为七个职能小组。",
                "便民市集 周四行动日 清单式认领",
                at,
            )
            .await?;
            for (n, s) in [
                ("环境美化组", "周四行动日 绿化带清洁 毁绿占绿劝导"),
                ("安全巡查组", "沿河步道巡查 楼道堆物 非机动车充电"),
                ("助老服务组", "独居老人探访 陪诊 助餐"),
                ("便民服务组", "理发 修钟表 磨刀 量血压 测血糖"),
                ("法律调解组", "邻里纠纷调解 法律咨询"),
                ("宣传文化组", "政策宣传 社区活动"),
                ("应急救援组", "应急处置 物资转运 平急转换"),
            ] {
                let g = org(
                    &mut tx,
                    community,
                    Some(&team),
                    OrganizationKind::VolunteerGroup,
                    n,
                    "志愿者职能小组（组名为演示数据）。",
                    s,
                    at,
                )
                .await?;
                members(&mut tx, &g, &take(1), Post::Leader, at).await?;
                members(&mut tx, &g, &take(20), Post::Volunteer, at).await?;
                count += 1;
            }
            org(
                &mut tx,
                community,
                None,
                OrganizationKind::PartnerUnit,
                "乔法官工作室",
                "上海市第二中级人民法院设立，线上线下提供法律咨询，如赡养老人纠纷。",
                "法律咨询 赡养纠纷 调解",
                at,
            )
            .await?;
            org(
                &mut tx,
                community,
                None,
                OrganizationKind::PartnerUnit,
                "社区卫生服务站",
                "驻区共建单位。",
                "量血压 测血糖 健康关爱",
                at,
            )
            .await?;
            org(
                &mut tx,
                community,
                None,
                OrganizationKind::SocialWorkAgency,
                "党群服务站",
                "党群服务站，社工驻点服务。",
                "个案服务 党群服务 志愿者培训",
                at,
            )
            .await?;
            count += 5;
        }
    }
    tx.commit().await?;
    Ok(count + 3)
}

/// Synthetic need texts built only from the papers' topics `[000 §4.2] [002 §3.2, §4.2, §5.1–5.3, §6.1]`:
/// (category, title, description, common?).
const NEED_TEXTS: &[(&str, &str, &str, bool)] = &[
    ("stairwell_clutter", "楼道堆物堵塞消防通道", "楼道堆满杂物，影响消防通道，请尽快清理。", true),
    ("ebike_charging", "楼道内电动车充电", "有居民在楼道里给电动车充电，存在火灾隐患。", true),
    ("thrown_objects", "高空抛物", "楼上经常往下扔东西，差点砸到人，希望加强管理。", true),
    ("street_order", "商户占道经营", "小区门口商户占道经营，老人出行不方便。", true),
    ("environment", "绿地被占用种菜", "中心花园绿地被占用种菜，请处理毁绿占绿问题。", true),
    ("environment", "河边垂钓乱扔垃圾", "河边步道有人垂钓、乱扔垃圾，希望安排巡查。", true),
    ("transport", "希望增设公交站点", "附近公交地铁两不沾，出行不便，希望增设公交站点。", true),
    ("legal", "赡养纠纷法律咨询", "子女不履行赡养义务，想咨询法律意见。", false),
    ("property", "屋顶漏水报修无人处理", "物业维修不及时，屋顶漏水多次报修无人处理。", false),
    ("emergency", "暴雨后家中积水", "暴雨后地下室积水，独居老人家里需要帮忙。", false),
    ("daily_services", "希望提供量血压测血糖", "希望社区提供量血压、测血糖等便民服务。", true),
    ("child_care", "放学后孩子无人照看", "双职工家庭孩子放学后无人照看，希望开展儿童关爱活动。", true),
    ("elderly_care", "独居老人需要探访", "独居老人行动不便，希望安排志愿者定期上门探访。", false),
    ("elderly_care", "老人助餐", "家里老人做饭困难，希望社区提供助餐服务。", false),
    ("repairs", "单元门禁损坏", "单元门禁坏了一周，晚上进出不安全。", true),
    ("repairs", "楼道灯不亮", "楼道灯不亮，老人上下楼容易摔倒。", true),
    ("neighbour_dispute", "装修噪音扰民", "楼上装修噪音太大，协商无果，请社区调解。", false),
];

/// A plausible history for the demo ledger: most needs answered within hours, some slowly,
/// a few rejected or reopened; the most recent still open. Response rate lands near the
/// paper's 92% `[000 §4.2]`.
async fn generate_needs(db: &Db, rng: &mut Rng, community: &Area, count: usize, at: i64) -> Result<usize, AppError> {
    use wushe_domain::needs::{Channel, EventKind as E, Scope, Urgency, WorkCalendar};
    let mut tx = db.pool.begin().await?;
    crate::needs::ensure_default_categories(&mut tx, community.id).await?;
    tx.commit().await?;
    let cats = crate::needs::categories(db, community.id).await?;
    let households = areas::in_subtree(db, &community.path, AreaKind::Household, 100_000, 0).await?;
    let buildings = areas::in_subtree(db, &community.path, AreaKind::Building, 10_000, 0).await?;
    let orgs = organizations::in_area(db, &Actor::operator(), community).await?;
    let pick_org = |kinds: &[OrganizationKind], n: u64| {
        let c: Vec<&Organization> = orgs.iter().filter(|o| kinds.contains(&o.kind)).collect();
        if c.is_empty() { None } else { Some(c[(n as usize) % c.len()].id) }
    };
    if households.is_empty() || cats.is_empty() {
        return Ok(0);
    }
    const H: i64 = 3_600_000;
    let mut items = Vec::with_capacity(count);
    for _ in 0..count {
        let (code, title, text, common) = *rng.pick(NEED_TEXTS);
        let Some(category) = cats.iter().find(|c| c.code == code).cloned() else { continue };
        let household = rng.pick(&households).clone();
        let area = if common {
            buildings.iter().find(|b| household.path.starts_with(&b.path)).cloned().unwrap_or(household.clone())
        } else {
            household.clone()
        };
        let age_h = rng.below(180 * 24) as i64;
        let created = at - age_h * H - rng.below(3_600_000) as i64;
        let channel = *rng.pick(&[
            Channel::Online,
            Channel::Visit,
            Channel::Visit,
            Channel::Hotline,
            Channel::WalkIn,
            Channel::Suggestion,
        ]);
        let urgency = if code == "emergency" { Urgency::Urgent } else { Urgency::Normal };
        let mut events = Vec::new();
        let mut t = created;
        let mut step = |rng: &mut Rng, max_h: u64| {
            t += (1 + rng.below(max_h * 60)) as i64 * 60_000;
            t
        };
        if !rng.chance(0.08) || age_h < 12 {
            let respond_h = if rng.chance(0.8) { 6 } else { 72 };
            let when = step(rng, respond_h);
            if when < at {
                if rng.chance(0.04) {
                    events.push((
                        E::Rejected,
                        when,
                        String::new(),
                        Some("不属于社区受理范围，已告知居民向相关部门反映。".to_string()),
                    ));
                } else {
                    events.push((E::Accepted, when, String::new(), None));
                    let kinds: &[OrganizationKind] = match code {
                        "property" | "repairs" => {
                            &[OrganizationKind::PropertyManager, OrganizationKind::ResidentsCommittee]
                        }
                        "legal" | "neighbour_dispute" => &[
                            OrganizationKind::PartnerUnit,
                            OrganizationKind::SelfGovernanceGroup,
                            OrganizationKind::VolunteerGroup,
                        ],
                        "elderly_care" | "child_care" | "daily_services" => &[
                            OrganizationKind::SocialOrganization,
                            OrganizationKind::SocialWorkAgency,
                            OrganizationKind::VolunteerGroup,
                        ],
                        _ => &[
                            OrganizationKind::ResidentsCommittee,
                            OrganizationKind::VolunteerTeam,
                            OrganizationKind::VolunteerGroup,
                        ],
                    };
                    let when = step(rng, 8);
                    if let (Some(o), true) = (pick_org(kinds, rng.next_u64()), when < at) {
                        events.push((E::Assigned, when, format!("org:{o}"), None));
                        let when = step(rng, 60);
                        if when < at {
                            events.push((E::Started, when, String::new(), None));
                            let when = step(rng, 120);
                            if when < at && rng.chance(0.9) {
                                events.push((E::Resolved, when, String::new(), Some("已处理完毕。".to_string())));
                                let when = step(rng, 48);
                                if when < at && rng.chance(0.8) {
                                    if rng.chance(0.06) {
                                        events.push((
                                            E::Reopened,
                                            when,
                                            String::new(),
                                            Some("问题又出现了。".to_string()),
                                        ));
                                    } else {
                                        let rating = 3 + rng.below(3);
                                        events.push((E::Confirmed, when, format!("rating:{rating}"), None));
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        items.push(crate::needs::History {
            household_id: Some(household.id),
            area,
            category,
            title: title.to_string(),
            description: text.to_string(),
            channel,
            urgency,
            scope: if common { Scope::Common } else { Scope::Individual },
            created_at: created,
            events,
        });
    }
    let mut tx = db.pool.begin().await?;
    crate::needs::insert_histories(&mut tx, &WorkCalendar::default(), &items).await?;
    tx.commit().await?;
    Ok(items.len())
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

/// One demo resource: (community code, grid index or None for the community itself, kind,
/// name, description, categories, tags, owner organization name or "", capacity, quantity,
/// unit, schedule, conditions).
type DemoResource = (
    &'static str,
    Option<usize>,
    ResourceKind,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    i64,
    Option<i64>,
    &'static str,
    &'static str,
    &'static str,
);

/// The papers' resources `[000 §3.3, §4.2, §5.1, §5.4] [002 §4.2, §4.3, §6.1, §6.3] [004 §4.4]`.
/// Opening hours and quantities the papers do not give are plausible demo values.
const DEMO_RESOURCES: &[DemoResource] = &[
    (
        "510104001001",
        None,
        ResourceKind::Fund,
        "社区发展基金会微更新资金",
        "社区基金会累计撬动社会资金320万元，支持微更新项目18个，受益居民2100人。",
        "environment repairs",
        "微更新 公益创投",
        "S社区发展基金会",
        18,
        Some(3_200_000),
        "元",
        "",
        "项目经居民议事会评议后拨付",
    ),
    (
        "510104001001",
        None,
        ResourceKind::Service,
        "居家养老上门服务",
        "助餐、助浴、陪诊和居家照护。",
        "elderly_care",
        "助餐 陪诊 照护",
        "锦里颐养服务中心",
        6,
        None,
        "",
        "1-5 08:30-17:30; 6 09:00-12:00",
        "优先服务独居、失能老人",
    ),
    (
        "510104001001",
        None,
        ResourceKind::Service,
        "四点半课堂",
        "放学后的作业辅导与陪伴。",
        "child_care",
        "作业辅导 陪伴",
        "彩虹桥儿童关爱中心",
        4,
        None,
        "",
        "1-5 16:30-18:30",
        "面向双职工家庭和留守儿童",
    ),
    (
        "510104001001",
        None,
        ResourceKind::Service,
        "社工个案服务",
        "个案管理、心理支持、邻里关系调适。",
        "elderly_care child_care neighbour_dispute",
        "心理 个案 调解",
        "S社区社工站",
        10,
        None,
        "",
        "1-5 09:00-17:30",
        "",
    ),
    (
        "510104001001",
        None,
        ResourceKind::Service,
        "健康讲座与义诊",
        "量血压、测血糖、慢病随访。",
        "elderly_care daily_services",
        "量血压 测血糖 义诊",
        "社区卫生服务中心",
        3,
        None,
        "",
        "3 09:00-11:30",
        "",
    ),
    (
        "510104001001",
        None,
        ResourceKind::Space,
        "红色议事厅",
        "联席会议、居民议事会使用。",
        "",
        "议事",
        "",
        40,
        None,
        "",
        "1-7 08:30-21:00",
        "议事活动优先",
    ),
    (
        "510104001001",
        None,
        ResourceKind::Space,
        "社区活动室",
        "居民活动、兴趣班、志愿者培训。",
        "",
        "活动",
        "",
        30,
        None,
        "",
        "1-7 08:00-21:00",
        "活动结束请恢复桌椅",
    ),
    (
        "510104001001",
        None,
        ResourceKind::Stockpile,
        "防汛沙袋",
        "2023年夏季暴雨后补充的防汛物资。",
        "emergency",
        "防汛",
        "",
        1,
        Some(500),
        "袋",
        "",
        "应急期间由应急救援组调用",
    ),
    (
        "510104001001",
        None,
        ResourceKind::Stockpile,
        "急救包",
        "含止血、包扎、消毒用品。",
        "emergency elderly_care",
        "急救",
        "",
        1,
        Some(30),
        "个",
        "",
        "",
    ),
    (
        "510104001001",
        None,
        ResourceKind::Equipment,
        "应急照明灯",
        "",
        "emergency",
        "照明",
        "",
        1,
        Some(20),
        "台",
        "",
        "",
    ),
    (
        "510104001001",
        Some(0),
        ResourceKind::Skill,
        "老党员电器维修便民小站",
        "退休老党员发挥所长，义务维修小家电（做法见绍兴X社区）。",
        "repairs daily_services",
        "电工 电器维修 维修",
        "@volunteer",
        2,
        None,
        "",
        "6-7 09:00-17:00",
        "只收配件成本",
    ),
    (
        "510104001001",
        Some(1),
        ResourceKind::Skill,
        "律师志愿咨询",
        "社区韧性讲堂轮值律师，每周六下午坐班。",
        "legal neighbour_dispute",
        "律师 法律 合同",
        "@person",
        1,
        None,
        "",
        "6 14:00-17:00",
        "",
    ),
    (
        "310106001001",
        None,
        ResourceKind::Service,
        "乔法官工作室法律咨询",
        "线上线下提供法律咨询，赡养老人等家事纠纷的案例剖析。",
        "legal neighbour_dispute",
        "法律 赡养 调解",
        "乔法官工作室",
        5,
        None,
        "",
        "2 14:00-17:00; 4 09:00-11:30",
        "线上线下均可预约",
    ),
    (
        "310106001001",
        None,
        ResourceKind::Space,
        "共享空间站",
        "位于居民区门卫处，志愿者协商议事、洽谈休憩。",
        "",
        "议事 休憩",
        "",
        12,
        None,
        "",
        "1-7 08:00-20:00",
        "",
    ),
    (
        "310106001001",
        None,
        ResourceKind::Supply,
        "医疗箱（共享空间站）",
        "",
        "emergency elderly_care",
        "急救",
        "",
        1,
        Some(1),
        "个",
        "",
        "用后请登记",
    ),
    (
        "310106001001",
        None,
        ResourceKind::Supply,
        "读书角图书",
        "共享空间站读书角。",
        "child_care",
        "阅读",
        "",
        1,
        Some(300),
        "册",
        "1-7 08:00-20:00",
        "借阅两周内归还",
    ),
    (
        "310106001001",
        None,
        ResourceKind::Space,
        "共享会客厅（中心花园）",
        "由中心花园整修而成，共建单位与居民共同出资。",
        "",
        "活动",
        "",
        50,
        None,
        "",
        "1-7 07:00-21:00",
        "",
    ),
    (
        "310106001001",
        None,
        ResourceKind::Equipment,
        "周四行动日清洁工具",
        "夹子、扫帚、垃圾袋和志愿服装。",
        "environment",
        "清洁",
        "环境美化组",
        1,
        Some(40),
        "套",
        "4 08:00-12:00",
        "",
    ),
    (
        "310106001001",
        None,
        ResourceKind::Service,
        "便民市集服务",
        "理发、修钟表、磨刀、量血压、测血糖。",
        "daily_services",
        "理发 修钟表 磨刀",
        "便民服务组",
        8,
        None,
        "",
        "4 09:00-11:30",
        "",
    ),
    (
        "310106001001",
        None,
        ResourceKind::Service,
        "量血压测血糖",
        "",
        "elderly_care daily_services",
        "量血压 测血糖",
        "社区卫生服务站",
        4,
        None,
        "",
        "1-5 08:30-11:30",
        "",
    ),
    (
        "310106001001",
        None,
        ResourceKind::Service,
        "绿化带清洁与毁绿劝导",
        "",
        "environment",
        "清洁 绿化",
        "环境美化组",
        3,
        None,
        "",
        "4 08:00-12:00",
        "",
    ),
    (
        "310106001001",
        None,
        ResourceKind::Service,
        "楼道与充电安全巡查",
        "",
        "stairwell_clutter ebike_charging thrown_objects",
        "巡查 楼道堆物 充电",
        "安全巡查组",
        3,
        None,
        "",
        "1-7 19:00-21:00",
        "",
    ),
    (
        "310106001001",
        None,
        ResourceKind::Service,
        "独居老人探访与陪诊",
        "",
        "elderly_care",
        "探访 陪诊 助餐",
        "助老服务组",
        5,
        None,
        "",
        "1-5 09:00-17:00",
        "",
    ),
    (
        "310106001001",
        None,
        ResourceKind::Service,
        "邻里纠纷调解",
        "",
        "neighbour_dispute legal",
        "调解",
        "法律调解组",
        3,
        None,
        "",
        "1-5 18:30-20:30",
        "",
    ),
    (
        "310106001001",
        None,
        ResourceKind::Service,
        "应急处置与物资转运",
        "",
        "emergency",
        "应急 转运",
        "应急救援组",
        10,
        None,
        "",
        "",
        "平急转换时统一调度",
    ),
];

/// Seeds the papers' resources; links `volunteer.s` and `org.s` to residents so they own and
/// claim as real people do (`org.s` works for the elderly-care organization).
async fn seed_resources(db: &Db, at: i64) -> Result<usize, AppError> {
    let mut tx = AuditedTx::begin(db, at).await?;
    let mut count = 0;
    let s = areas::by_code(db, "510104001001").await?;
    let grid1 = areas::children(db, &Actor::operator(), Action::AreaRead, &s).await?;
    let people = residents_sample(db, &grid1[0].area, 3).await?;
    let user_of = |name: &'static str| async move {
        sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE username = $1").bind(name).fetch_one(&db.pool).await
    };
    let (volunteer, org_member) = (user_of("volunteer.s").await?, user_of("org.s").await?);
    for (user, person) in [(volunteer, people[0]), (org_member, people[1])] {
        sqlx::query("UPDATE users SET person_id = $1 WHERE id = $2")
            .bind(person)
            .bind(user)
            .execute(&mut *tx.tx)
            .await?;
    }
    let care = sqlx::query_scalar::<_, i64>("SELECT id FROM organizations WHERE name = '锦里颐养服务中心'")
        .fetch_one(&db.pool)
        .await?;
    let care = organizations::by_ids(db, &[care]).await?.remove(0);
    organizations::insert_membership(&mut tx.tx, &care, people[1], Post::Staff, Some(2022), at).await?;
    for &(code, grid, kind, name, description, cats, tags, owner, capacity, quantity, unit, schedule, conditions) in
        DEMO_RESOURCES
    {
        let community = areas::by_code(db, code).await?;
        let area = match grid {
            Some(i) => areas::children(db, &Actor::operator(), Action::AreaRead, &community).await?.remove(i).area,
            None => community.clone(),
        };
        let (org, person, user) = match owner {
            "" => (None, None, None),
            "@volunteer" => (None, Some(people[0]), Some(volunteer)),
            "@person" => (None, Some(people[2]), None),
            n => {
                let id: i64 = sqlx::query_scalar(
                    "SELECT id FROM organizations WHERE name = $1 AND area_path >= $2 AND area_path < $3 ORDER BY id LIMIT 1",
                )
                .bind(n)
                .bind(&community.path)
                .bind(crate::db::upper(&community.path))
                .fetch_one(&db.pool)
                .await?;
                (Some(id), None, None)
            }
        };
        let space = kind == ResourceKind::Space;
        let new = crate::resources::ResourceForm {
            area_code: area.code.clone(),
            kind: kind.code().into(),
            name: name.into(),
            description: description.into(),
            categories: cats.into(),
            tags: tags.into(),
            capacity: capacity.to_string(),
            quantity: quantity.map(|q| q.to_string()).unwrap_or_default(),
            unit: unit.into(),
            schedule: schedule.into(),
            conditions: conditions.into(),
            contact_name: if person.is_some() { "志愿者本人".into() } else { String::new() },
            contact_phone: if person.is_some() { format!("1380000{:04}", count + 1) } else { String::new() },
            address: if space { "社区党群服务中心".into() } else { String::new() },
            booking_who: if name == "红色议事厅" { "organizations".into() } else { "anyone".into() },
            booking_max_minutes: if space { "180".into() } else { String::new() },
            booking_approval: if name.contains("会客厅") || name == "红色议事厅" {
                "1".into()
            } else {
                String::new()
            },
            ..Default::default()
        }
        .parse()
        .map_err(AppError::Invalid)?;
        crate::resources::insert(&mut tx.tx, &area, &new, (org, person, user), None, at).await?;
        count += 1;
    }
    tx.record(&Actor::operator(), None, "demo.resources", "resources", &count.to_string()).await?;
    tx.commit().await?;
    crate::resources::forget_all(db);
    Ok(count)
}

async fn seed_accounts(db: &Db, at: i64) -> Result<(), AppError> {
    let hash = crate::accounts::hash_password(DEMO_PASSWORD.to_string()).await?;
    let mut tx = AuditedTx::begin(db, at).await?;
    for (i, (user, display, role, area_code)) in DEMO_ACCOUNTS.iter().enumerate() {
        let area = areas::by_code(db, area_code).await?;
        let phone = format!("1390000{:04}", i + 1);
        let r: (i64,) = sqlx::query_as("INSERT INTO users (username, phone, display_name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(*user)
            .bind(&phone)
            .bind(*display)
            .bind(&hash)
            .bind(at)
            .fetch_one(&mut *tx.tx)
            .await?;
        sqlx::query("INSERT INTO grants (user_id, role, area_id, created_at) VALUES ($1, $2, $3, $4)")
            .bind(r.0)
            .bind(*role)
            .bind(area.id)
            .bind(at)
            .execute(&mut *tx.tx)
            .await?;
        tx.record(
            &Actor::operator(),
            area.community_id,
            "user.add",
            &format!("user:{user}"),
            &format!("{role}@{}", area.code),
        )
        .await?;
    }
    tx.commit().await
}

/// `wushe demo`: N synthetic communities of M households each under synthetic streets
/// (scale tests). Community k gets code `4401990` + street + community digits.
/// What `wushe demo` generates per community.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub communities: usize,
    pub households: usize,
    pub needs: usize,
}

pub async fn generate(db: &Db, scale: Scale, seed: u64, at: i64, this_year: i32) -> Result<Generated, AppError> {
    let Scale { communities, households, needs } = scale;
    let mut rng = Rng::new(seed);
    let mut g = Generated::default();
    let base = ensure_parents(
        db,
        at,
        &[
            ("44", AreaKind::Province, "广东省"),
            ("4401", AreaKind::City, "广州市"),
            ("440199", AreaKind::District, "演示区"),
        ],
    )
    .await?;
    let existing: (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM areas WHERE kind = 'community' AND code LIKE '440199%'")
            .fetch_one(&db.pool)
            .await?;
    for k in existing.0 as usize..existing.0 as usize + communities {
        let street_no = k / 50 + 1;
        let street_code = format!("440199{street_no:03}");
        let street = match areas::by_code(db, &street_code).await {
            Ok(s) => s,
            Err(AppError::NotFound) => {
                let mut tx = db.pool.begin().await?;
                let s = areas::insert(
                    &mut tx,
                    Some(&base),
                    &NewArea {
                        parent_code: None,
                        kind: AreaKind::Street,
                        code: AreaCode::parse(&street_code)?,
                        name: format!("演示{street_no}街道"),
                        geojson: None,
                    },
                    at,
                )
                .await?;
                tx.commit().await?;
                s
            }
            Err(e) => return Err(e),
        };
        let spec = CommunitySpec {
            code: format!("{street_code}{:03}", k % 50 + 1),
            name: format!("演示{}社区", k + 1),
            divisions: (1..=4).map(|i| (AreaKind::Grid, format!("第{i}网格"))).collect(),
            buildings: households.div_ceil(48).max(1),
            households,
            residents: households * 237 / 100,
            elderly_share: 0.25,
            region: "440199",
            center: (113.2644 + k as f64 * 0.01, 23.1291),
        };
        let (c, d, n) = generate_community(db, &mut rng, &street, &spec, at, this_year).await?;
        g.organizations +=
            generate_organizations(db, &c, &d, if k % 2 == 0 { Flavour::S } else { Flavour::A }, at).await?;
        g.needs += generate_needs(db, &mut rng, &c, needs, at).await?;
        g.communities += 1;
        g.households += households;
        g.residents += n;
    }
    Ok(g)
}

/// `n` synthetic resources for scale tests (R2's benchmark): half placed on the community's
/// street (street-wide services and volunteers), half across the community's grids; skills and
/// services of one or two default categories, a few weekly schedules. Deterministic per seed.
pub async fn generate_resources(
    db: &Db,
    community_code: &str,
    n: usize,
    seed: u64,
    at: i64,
) -> Result<usize, AppError> {
    let community = areas::by_code(db, community_code).await?;
    let street = areas::by_id(db, community.parent_id.ok_or(AppError::NotFound)?).await?;
    let grids: Vec<Area> = areas::children(db, &Actor::operator(), Action::AreaRead, &community)
        .await?
        .into_iter()
        .map(|g| g.area)
        .collect();
    let cats: Vec<&str> = wushe_domain::needs::DEFAULT_CATEGORIES.iter().map(|c| c.0).collect();
    let schedules = ["", "1-5 09:00-17:00", "6-7 09:00-17:00", "1-7 08:00-20:00", "2 14:00-17:00; 4 09:00-11:30"];
    // Skill tags as volunteers write them; each resource names two.
    let skills = [
        "电工", "水管", "维修", "家电", "开锁", "理发", "陪诊", "陪护", "助餐", "助浴", "法律", "调解", "心理", "驾驶",
        "搬运", "保洁", "绿化", "编程", "摄影", "书法", "英语", "辅导", "急救", "消防", "护理", "手语", "烹饪", "缝纫",
        "修车", "装修",
    ];
    let mut rng = Rng::new(seed);
    let mut tx = AuditedTx::begin(db, at).await?;
    for i in 0..n {
        let area = if i % 2 == 0 { &street } else { &grids[rng.below(grids.len() as u64) as usize] };
        let c1 = cats[rng.below(cats.len() as u64) as usize];
        let c2 = cats[rng.below(cats.len() as u64) as usize];
        let new = crate::resources::ResourceForm {
            area_code: area.code.clone(),
            kind: if rng.below(2) == 0 { "skill".into() } else { "service".into() },
            name: format!("资源{i}"),
            categories: if rng.below(3) == 0 { format!("{c1} {c2}") } else { c1.to_string() },
            tags: format!(
                "{} {}",
                skills[rng.below(skills.len() as u64) as usize],
                skills[rng.below(skills.len() as u64) as usize]
            ),
            capacity: (1 + rng.below(5)).to_string(),
            schedule: schedules[rng.below(schedules.len() as u64) as usize].into(),
            ..Default::default()
        }
        .parse()
        .map_err(AppError::Invalid)?;
        crate::resources::insert(&mut tx.tx, area, &new, (None, None, None), None, at).await?;
    }
    tx.record(&Actor::operator(), Some(community.id), "demo.resources", "resources", &n.to_string()).await?;
    tx.commit().await?;
    crate::resources::forget_all(db);
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_deterministic() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let xs: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(Rng::new(8).next_u64(), xs[0]);
    }

    #[test]
    fn demo_id_bodies_are_valid_and_distinct() {
        let a = unique_body("510104", 1950, 1);
        let b = unique_body("510104", 1950, 2);
        assert_ne!(a, b);
        assert!(IdNumber::from_body(&a).is_ok());
    }
}
