//! E1–E6 in the demo: the communities' plans from the papers (S社区's four-level response of
//! party committee, grid branches, building groups and party households `[000 §5.1]`, A社区's
//! seven functional groups `[002 §4.2]`), S社区's 2023 summer rainstorm as a closed incident —
//! its alert and all-clear, every vulnerable resident of the low-lying first grid checked,
//! sandbags and first-aid kits issued, offers taken in, the services' recovery and the review
//! with the paper's figures (coordination 40% faster, losses 35% lower `[000 §4.2]`) — and the
//! family emergency drill before it `[000 §5.4]`.

use crate::emergency::{
    self, CloseForm, DeclareForm, IssueForm, MatchForm, NewPlan, OfferForm, ReadingForm, ReviewForm,
};
use crate::{Actor, AppError, Db, areas};
use wushe_domain::access::{Grant, Grants, Role};
use wushe_domain::emergency::{CheckinResult, CheckinRules, Hazard};
use wushe_domain::people::{Vulnerabilities, Vulnerability};
use wushe_domain::rng::Rng;

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
/// 2023-07-26 05:40 in Chengdu: the rain had been falling for three hours.
const RAINSTORM_AT: i64 = 1_690_321_200_000;
/// 2023-06-10 09:30, a Saturday: the family emergency drill.
const DRILL_AT: i64 = 1_686_360_600_000;

struct PlanText {
    hazard: Hazard,
    title: &'static str,
    roles: &'static str,
    groups: &'static [&'static str],
    supplies: &'static str,
    flags: &'static [Vulnerability],
    headline: (&'static str, &'static str),
    instruction: (&'static str, &'static str),
}

const S_PLANS: &[PlanText] = &[
    PlanText {
        hazard: Hazard::Rainstorm,
        title: "S社区防汛应急预案",
        roles: "总指挥：社区党委书记\n现场协调：居委会主任\n网格响应：各网格党支部书记与网格员\n楼栋联络：楼栋党小组长、党员中心户\n专业支持：社工站负责人\n物资保障：社区发展基金会",
        groups: &["党员先锋队", "邻里互助队", "平安巡逻队"],
        supplies: "防汛沙袋 500 袋\n急救包 30 个\n应急照明与雨衣\n瓶装水与干粮",
        flags: &[],
        headline: ("暴雨预警：请远离低洼地带和地下空间", "Rainstorm warning: keep away from low ground and basements"),
        instruction: (
            "请勿进入地下车库和低洼路段；独居老人、行动不便的居民请留在家中等待网格员或志愿者上门确认。",
            "Do not enter underground car parks or low roads; elderly people living alone and residents who cannot move easily, please stay at home: a grid worker or volunteer will come to check on you.",
        ),
    },
    PlanText {
        hazard: Hazard::Fire,
        title: "S社区消防应急预案",
        roles: "总指挥：社区党委书记\n疏散引导：楼栋长\n先期处置：平安巡逻队",
        groups: &["平安巡逻队"],
        supplies: "灭火器检查表\n防烟面罩",
        flags: &[Vulnerability::ElderlyAlone, Vulnerability::Disabled, Vulnerability::ChildAlone],
        headline: ("火情提示：请按楼栋长指引疏散", "Fire: follow your building leader out"),
        instruction: (
            "请勿乘坐电梯，用湿毛巾捂住口鼻，沿疏散通道离开。",
            "Do not use the lifts; cover your mouth and nose and leave by the stairs.",
        ),
    },
    PlanText {
        hazard: Hazard::Heatwave,
        title: "S社区高温应对预案",
        roles: "总指挥：居委会主任\n纳凉点管理：社工站",
        groups: &["助老服务队", "邻里互助队"],
        supplies: "纳凉点（党群服务中心）\n防暑药品",
        flags: &[Vulnerability::ElderlyAlone, Vulnerability::Elderly, Vulnerability::ChronicIllness],
        headline: ("高温预警：党群服务中心开放纳凉", "Heat warning: the community centre is open to cool down"),
        instruction: (
            "午后减少外出，多饮水；独居老人会有志愿者电话或上门问候。",
            "Stay in after noon and drink often; volunteers will call on elderly people living alone.",
        ),
    },
    PlanText {
        hazard: Hazard::PowerCut,
        title: "S社区停电应对预案",
        roles: "总指挥：居委会主任\n设备联络：物业经理",
        groups: &["邻里互助队"],
        supplies: "应急照明\n充电宝",
        flags: &[Vulnerability::Disabled, Vulnerability::ChronicIllness, Vulnerability::ElderlyAlone],
        headline: ("停电通知：正在抢修", "Power cut: repairs under way"),
        instruction: (
            "依靠电动医疗设备的居民请联系网格员。",
            "Residents who rely on powered medical equipment, please call your grid worker.",
        ),
    },
];

const A_PLANS: &[PlanText] = &[PlanText {
    hazard: Hazard::Rainstorm,
    title: "A社区防汛应急预案",
    roles: "总指挥：社区党组织书记\n应急处置：应急处置组\n物资保障：物资保障组\n医疗救护：医疗救护组\n信息联络：信息联络组",
    groups: &["应急处置组", "物资保障组", "医疗救护组", "信息联络组"],
    supplies: "医疗箱（共享空间站）",
    flags: &[],
    headline: ("暴雨预警：请远离低洼地带", "Rainstorm warning: keep away from low ground"),
    instruction: ("请留意楼组长通知。", "Watch for your building leader's messages."),
}];

async fn admin_of(db: &Db, username: &str, community: &areas::Area) -> Result<Actor, AppError> {
    let id: i64 =
        sqlx::query_scalar("SELECT id FROM users WHERE username = $1").bind(username).fetch_one(&db.pool).await?;
    let grant = Grant { role: Role::CommunityAdmin, area_path: community.path.clone() };
    Ok(Actor { user_id: Some(id), grants: Grants { signed_in: true, grants: vec![grant] }, operator: false })
}

async fn plans(db: &Db, at: i64, code: &str, list: &[PlanText]) -> Result<(), AppError> {
    let c = areas::by_code(db, code).await?;
    let groups = crate::volunteers::groups(db, c.id).await?;
    let mut tx = db.pool.begin().await?;
    for p in list {
        let ids = p.groups.iter().filter_map(|n| groups.iter().find(|g| g.0.name == *n).map(|g| g.0.id)).collect();
        let new = NewPlan {
            hazard: p.hazard,
            title: p.title.into(),
            roles: p.roles.into(),
            groups: ids,
            supplies: p.supplies.into(),
            rules: CheckinRules { flags: Vulnerabilities::new(p.flags.to_vec()), ..CheckinRules::default() },
            headline_zh: p.headline.0.into(),
            headline_en: p.headline.1.into(),
            instruction_zh: p.instruction.0.into(),
            instruction_en: p.instruction.1.into(),
        };
        emergency::bulk::insert_plan(&mut tx, c.id, &new, at).await?;
    }
    tx.commit().await?;
    Ok(())
}

fn declare_form(hazard: &str, title: &str, grid: &str, drill: bool) -> DeclareForm {
    DeclareForm {
        hazard: hazard.into(),
        severity: "severe".into(),
        title: title.into(),
        areas: vec![grid.into()],
        communities: vec![],
        drill: if drill { "1".into() } else { String::new() },
    }
}

/// Records every check-in of `incident` as the phone page would have, spread from `first`
/// after the declaration to `last`: `needing_help` of them needed help (their needs were
/// handled at the time, outside this demo's ledger), the rest were safe.
async fn check_everyone(
    db: &Db,
    admin: &Actor,
    rng: &mut Rng,
    incident: &emergency::Incident,
    first: i64,
    last: i64,
    needing_help: usize,
) -> Result<(), AppError> {
    let rows: Vec<(i64, Option<i64>)> =
        sqlx::query_as("SELECT id, assignee_user_id FROM checkins WHERE incident_id = $1 ORDER BY priority DESC, id")
            .bind(incident.id.get())
            .fetch_all(&db.pool)
            .await?;
    let n = rows.len().max(1) as i64;
    let step = (rows.len() / needing_help.max(1)).max(1);
    let results: Vec<(i64, CheckinResult, i64, Option<i64>)> = rows
        .iter()
        .enumerate()
        .map(|(k, (id, who))| {
            let at = incident.declared_at + first + (last - first) * k as i64 / n + rng.below(60) as i64 * 1000;
            let result =
                if needing_help > 0 && k % step == step / 2 { CheckinResult::NeedsHelp } else { CheckinResult::Safe };
            (*id, result, at.min(incident.declared_at + last), who.or(admin.user_id))
        })
        .collect();
    let mut tx = crate::audit::AuditedTx::begin(db, incident.declared_at + last).await?;
    emergency::bulk::record_results(&mut tx, incident, &results).await?;
    let what = results.len().to_string();
    tx.record(admin, Some(incident.community_id), "emergency.checkin", &format!("incident:{}", incident.id), &what)
        .await?;
    tx.commit().await
}

pub(crate) async fn seed(db: &Db, at: i64, rng: &mut Rng) -> Result<(), AppError> {
    plans(db, at, "510104001001", S_PLANS).await?;
    plans(db, at, "310106001001", A_PLANS).await?;
    let s = areas::by_code(db, "510104001001").await?;
    let admin = admin_of(db, "admin.s", &s).await?;
    let one = std::slice::from_ref(&s);

    // The drill: the second grid's vulnerable residents, called on by the plan's groups.
    let drill = emergency::declare(
        db,
        &admin,
        DRILL_AT,
        one,
        &declare_form("rainstorm", "家庭应急演练（防汛）", "51010400100102", true),
    )
    .await?
    .remove(0)
    .incident;
    check_everyone(db, &admin, rng, &drill, 11 * MIN, 96 * MIN, 0).await?;
    let summary = CloseForm {
        summary: "演练完成：全部困难居民 96 分钟内确认到位，楼栋联络人名单已更新。".into()
    };
    emergency::close(db, &admin, DRILL_AT + 2 * HOUR, drill.id, &summary).await?;
    let review = ReviewForm {
        went_well: "党员中心户第一时间响应。".into(),
        to_improve: "部分独居老人电话未登记，需上门补录。".into(),
        lessons: "每季度核对困难居民联系电话；演练前一周告知楼栋长。".into(),
    };
    emergency::save_review(db, &admin, DRILL_AT + 3 * HOUR, drill.id, &review).await?;

    // The 2023 summer rainstorm in the low-lying first grid.
    let storm = emergency::declare(
        db,
        &admin,
        RAINSTORM_AT,
        one,
        &declare_form("rainstorm", "2023年夏季暴雨内涝", "51010400100101", false),
    )
    .await?
    .remove(0)
    .incident;
    let id = storm.id;
    for (after, service, percent) in [
        (30, "power", 60.0),
        (30, "access", 30.0),
        (30, "water", 90.0),
        (30, "elderly_care", 70.0),
        (6 * 60, "power", 85.0),
        (6 * 60, "access", 70.0),
        (6 * 60, "water", 100.0),
        (6 * 60, "elderly_care", 95.0),
    ] {
        let f = ReadingForm {
            service: service.into(),
            percent: percent.to_string(),
            minutes_ago: String::new(),
            note: String::new(),
        };
        emergency::record_reading(db, &admin, RAINSTORM_AT + after * MIN, id, &f).await?;
    }
    let stock = crate::resources::stockpiles_in(db, s.id).await?;
    let bags = stock.iter().find(|r| r.name.contains("沙袋")).map(|r| r.id.get());
    let kits = stock.iter().find(|r| r.name.contains("急救包")).map(|r| r.id.get());
    let homes: Vec<(String,)> = sqlx::query_as(
        "SELECT a.code FROM areas a WHERE a.kind = 'household' AND a.path >= $1 AND a.path < $2 ORDER BY a.path LIMIT 40",
    )
    .bind(areas::by_code(db, "51010400100101").await?.path)
    .bind(crate::db::upper(&areas::by_code(db, "51010400100101").await?.path))
    .fetch_all(&db.pool)
    .await?;
    for (k, (home,)) in homes.iter().enumerate() {
        let (resource, quantity) = match (k % 8, bags, kits) {
            (7, _, Some(kit)) => (kit, 1),
            (_, Some(bag), _) => (bag, 4),
            _ => continue,
        };
        let f =
            IssueForm { resource: resource.to_string(), household_code: home.clone(), quantity: quantity.to_string() };
        emergency::issue(db, &admin, RAINSTORM_AT + (40 + k as i64 * 3) * MIN, id, &f).await?;
    }
    let offer = OfferForm {
        organization: String::new(),
        offered_by: "锦官建材有限公司".into(),
        what: "防汛沙袋".into(),
        quantity: "200".into(),
        unit: "袋".into(),
    };
    let o = emergency::record_offer(db, &admin, RAINSTORM_AT + 2 * HOUR, id, &offer).await?;
    if let Some(bag) = bags {
        let m = MatchForm { resource: bag.to_string(), need: String::new(), decline: String::new() };
        emergency::match_offer(db, &admin, RAINSTORM_AT + 2 * HOUR + 10 * MIN, o, &m).await?;
    }
    let water = OfferForm {
        what: "瓶装饮用水".into(),
        quantity: "300".into(),
        unit: "瓶".into(),
        offered_by: "社区爱心商户联盟".into(),
        organization: String::new(),
    };
    emergency::record_offer(db, &admin, RAINSTORM_AT + 3 * HOUR, id, &water).await?;
    for (after, text) in [
        (45, "一网格 3 栋、5 栋地下车库进水，已封闭；党员先锋队正逐户确认独居老人。"),
        (4 * 60, "困难居民已全部确认；8 户需要帮助，已登记为紧急需求并派单。"),
        (12 * 60, "积水基本退去，道路恢复通行；供电已恢复八成。"),
    ] {
        emergency::add_report(db, &admin, RAINSTORM_AT + after * MIN, id, text).await?;
    }
    check_everyone(db, &admin, rng, &storm, 8 * MIN, 190 * MIN, 8).await?;
    let summary = CloseForm {
        summary: "暴雨内涝处置完毕：困难居民 3 小时 10 分内全部确认平安或已获帮助，发放沙袋与急救包，接收企业捐赠沙袋 200 袋。".into(),
    };
    emergency::close(db, &admin, RAINSTORM_AT + 20 * HOUR, id, &summary).await?;
    for (after, service, percent) in [(14, "power", 100.0), (20, "access", 100.0), (24, "elderly_care", 100.0)] {
        let f = ReadingForm {
            service: service.into(),
            percent: percent.to_string(),
            minutes_ago: String::new(),
            note: String::new(),
        };
        emergency::record_reading(db, &admin, RAINSTORM_AT + after * HOUR, id, &f).await?;
    }
    let review = ReviewForm {
        went_well:
            "“社区吹哨、各方报到”：党员先锋队、社工与物业同时到位，多元主体协同效率较传统模式提升 40%，损失减少 35%。"
                .into(),
        to_improve: "地下车库预警晚于积水，需在车库入口加装水位提示。".into(),
        lessons: "汛期前检查沙袋库存并与建材企业签订应急供应协议；独居老人名单按网格每月更新。".into(),
    };
    emergency::save_review(db, &admin, RAINSTORM_AT + 26 * HOUR, id, &review).await?;
    // After the storm the stockpiles were filled again (the sandbags' own description says so),
    // and its messages went out at the time.
    let mut tx = db.pool.begin().await?;
    for (name, level) in [("沙袋", 500), ("急救包", 30)] {
        let Some(r) = crate::resources::stockpiles_in(db, s.id).await?.into_iter().find(|r| r.name.contains(name))
        else {
            continue;
        };
        let delta = level - r.quantity.unwrap_or(0);
        if delta != 0 {
            crate::resources::move_in(
                &mut tx,
                s.id,
                r.id,
                delta,
                "暴雨后补充",
                admin.user_id,
                RAINSTORM_AT + 7 * 24 * HOUR,
            )
            .await?;
        }
    }
    crate::notifications::bulk::delivered_before(&mut tx, at - 24 * HOUR).await?;
    tx.commit().await?;
    Ok(())
}
