//! V1–V3 in the demo: the papers' functional groups (A社区's seven `[002 §4.2]`, S社区's
//! teams `[000 §4.2]`), `volunteer.s` as a party member with verified records of council
//! meetings and activities they organized (so their points come from the rules), and the
//! coming weeks' activities with open places.

use crate::volunteers::{self, ActivityForm, HoursForm, Profile};
use crate::{Actor, AppError, Db, areas};
use wushe_domain::resources::date_of;
use wushe_domain::volunteers::DAY_MS;

/// S社区's teams and A社区's seven groups by willingness, skill and time.
const GROUPS: &[(&str, &[(&str, &str)])] = &[
    (
        "510104001001",
        &[
            ("党员先锋队", "党员亮身份、作表率，参与应急抢险与矛盾调解"),
            ("邻里互助队", "探访独居老人、代买代办"),
            ("平安巡逻队", "楼栋巡查、夜间巡逻"),
            ("文化文艺队", "社区文艺活动与节庆"),
            ("助老服务队", "助餐、陪诊、理发"),
            ("环境卫生队", "楼道清洁、垃圾分类督导"),
        ],
    ),
    (
        "310106001001",
        &[
            ("应急处置组", "突发事件先期处置"),
            ("物资保障组", "应急物资的储备与发放"),
            ("医疗救护组", "医护背景志愿者，急救与健康咨询"),
            ("心理疏导组", "心理咨询与情绪支持"),
            ("信息联络组", "楼组信息上传下达"),
            ("巡查排险组", "隐患排查与上报"),
            ("后勤服务组", "后勤与活动保障"),
        ],
    ),
];

fn day_text(at: i64) -> String {
    date_of((at + wushe_domain::LOCAL_OFFSET_MS).div_euclid(DAY_MS))
}

/// Takes the database, the demo's time and year rather than the run, so the demo step list
/// (`papers.rs`) is the only file that knows both.
pub(crate) async fn seed(db: &Db, at: i64, this_year: i32) -> Result<(), AppError> {
    let op = Actor::operator();
    for (code, groups) in GROUPS {
        let c = areas::by_code(db, code).await?;
        for (name, about) in *groups {
            volunteers::create_group(db, &op, at, &c, name, about).await?;
        }
    }
    let s = areas::by_code(db, "510104001001").await?;
    let person: i64 =
        sqlx::query_scalar("SELECT person_id FROM users WHERE username = 'volunteer.s'").fetch_one(&db.pool).await?;
    let groups = volunteers::groups(db, s.id).await?;
    let profile = Profile {
        person_id: Some(person),
        group_id: groups.first().map(|g| g.0.id),
        skills: vec!["理发".into(), "陪诊".into(), "矛盾调解".into()],
        availability: "6-7 09:00-17:00".into(),
        grid: None,
        party_member: true,
        insurance_policy: "ZYX-2026-0318".into(),
        insurance_until: Some(at + 200 * DAY_MS),
        joined_at: Some(at - 4 * 365 * DAY_MS),
    };
    let vol = volunteers::enter(db, &op, at, &s, profile).await?;
    // Eight monthly council meetings attended, five activities organized, in the past year.
    let mut ids = Vec::new();
    for i in 0..13i64 {
        let start = at - (i + 1) * 26 * DAY_MS;
        let council = i < 8;
        let form = ActivityForm {
            kind: if council { "council" } else { "service" }.into(),
            title: if council {
                format!("居民议事会（第{}次）", 20 - i)
            } else {
                ["楼道微更新", "敬老理发日", "垃圾分类宣传", "邻里节", "防汛演练"][(i - 8) as usize].into()
            },
            place: "S社区党群服务中心".into(),
            date: day_text(start),
            from: "14:00".into(),
            to: "16:00".into(),
            slots: "30".into(),
            ..Default::default()
        };
        let a = volunteers::create_activity(db, &op, at, &s, form.parse()?).await?;
        let hours = HoursForm {
            activity_id: a.id.to_string(),
            date: form.date.clone(),
            from: "14:00".into(),
            duration: "2".into(),
            role: if council { "participant" } else { "organizer" }.into(),
            note: String::new(),
        };
        ids.push(volunteers::enter_hours(db, &op, at, vol.id, hours.parse()?).await?.id);
    }
    volunteers::decide_hours(db, &op, at, &ids, true).await?;
    // One more waiting for the social worker.
    let waiting = HoursForm {
        date: day_text(at - 2 * DAY_MS),
        from: "09:00".into(),
        duration: "3".into(),
        note: "探访独居老人".into(),
        ..Default::default()
    };
    volunteers::enter_hours(db, &op, at, vol.id, waiting.parse()?).await?;
    // The coming two weeks' activities, one a day apart, with places to claim.
    for (i, title) in ["助老理发日", "楼道清洁", "防汛物资清点", "社区议事会"].iter().enumerate() {
        let form = ActivityForm {
            kind: if i == 3 { "council" } else { "service" }.into(),
            title: (*title).into(),
            place: "S社区党群服务中心".into(),
            date: day_text(at + (i as i64 * 3 + 1) * DAY_MS),
            from: "09:00".into(),
            to: "11:30".into(),
            slots: (6 + i * 4).to_string(),
            ..Default::default()
        };
        volunteers::create_activity(db, &op, at, &s, form.parse()?).await?;
    }
    link_resident(db, at).await?;
    super::volunteer_story::seed(db, at, i64::from(this_year)).await
}

/// `resident.s` is a resident of 1栋 in the register, so they can register as a volunteer as
/// any resident would.
async fn link_resident(db: &Db, at: i64) -> Result<(), AppError> {
    // Their household's first member not yet an account of their own, else a neighbour of 1栋.
    let household = areas::by_code(db, "510104001001010010001").await?;
    let building = areas::by_id(db, household.parent_id.unwrap_or(household.id)).await?;
    let person: Option<i64> = sqlx::query_scalar(
        "SELECT p.id FROM people p WHERE p.household_path >= $1 AND p.household_path < $2 \
         AND NOT EXISTS (SELECT 1 FROM users u WHERE u.person_id = p.id) \
         AND NOT EXISTS (SELECT 1 FROM volunteers v WHERE v.person_id = p.id) \
         ORDER BY CASE WHEN p.household_id = $3 THEN 0 ELSE 1 END, p.is_household_head DESC, p.id LIMIT 1",
    )
    .bind(&building.path)
    .bind(crate::db::upper(&building.path))
    .bind(household.id)
    .fetch_optional(&db.pool)
    .await?;
    let user: i64 =
        sqlx::query_scalar("SELECT id FROM users WHERE username = 'resident.s'").fetch_one(&db.pool).await?;
    if let Some(person) = person {
        let mut tx = crate::audit::AuditedTx::begin(db, at).await?;
        crate::accounts::link_person(&mut tx.tx, user, person).await?;
        tx.commit().await?;
    }
    Ok(())
}
