//! The papers' organizations, posts and memberships of a community.

use crate::areas::{self, Area};
use crate::organizations::{self, NewOrganization, Organization};
use crate::{AppError, Db, directory};
use wushe_domain::areas::AreaKind;
use wushe_domain::organizations::{OrganizationKind, Post};

/// Organization helper: creates, indexes and returns. Eight plain arguments read better at
/// the thirty call sites below than a builder would.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn org(
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
        parent_id: parent.map(|p| p.id.get()),
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
pub(crate) async fn residents_sample(db: &Db, area: &Area, n: i64) -> Result<Vec<i64>, AppError> {
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
                .bind(org.id.get())
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
pub(crate) async fn generate_organizations(
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
