//! A plausible ledger history for the demo communities, from the papers' topics.

use super::rng::Rng;
use crate::areas::{self, Area};
use crate::organizations::{self, Organization};
use crate::{AppError, Db};
use wushe_domain::areas::AreaKind;
use wushe_domain::organizations::OrganizationKind;

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
pub(crate) async fn generate_needs(
    db: &Db,
    rng: &mut Rng,
    community: &Area,
    count: usize,
    at: i64,
) -> Result<usize, AppError> {
    use wushe_domain::needs::{Channel, EventKind as E, Scope, Urgency, WorkCalendar};
    let mut tx = db.pool.begin().await?;
    crate::needs::ensure_default_categories(&mut tx, community.id).await?;
    tx.commit().await?;
    let cats = crate::needs::categories(db, community.id).await?;
    let households = areas::in_subtree(db, &community.path, AreaKind::Household, 100_000, 0).await?;
    let buildings = areas::in_subtree(db, &community.path, AreaKind::Building, 10_000, 0).await?;
    let orgs = organizations::listed_in(db, community).await?;
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
