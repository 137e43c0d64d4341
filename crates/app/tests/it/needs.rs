//! The needs ledger on both engines: workflow, visibility, service levels, whistle-and-report,
//! metrics.

use wushe_app::audit::{self, Verification};
use wushe_app::needs::metrics::{self as needs_metrics, Figures, Month};
use wushe_app::needs::{self, Assignee, NeedForm, Step};
use wushe_app::{Actor, AppError, Db, areas};
use wushe_domain::access::{Grant, Grants, Role};
use wushe_domain::needs::{EventKind, NeedStatus, WorkCalendar};
use wushe_testkit::{Engine, both_engines, sqlx};

const S: &str = "510104001001";
const HOME: &str = "510104001001010010001";
const GRID2_HOME: &str = "510104001001020010001";
/// 2030-01-08 09:00 in Shanghai, a Tuesday, far from the demo ledger's dates.
const T0: i64 = 1_894_064_400_000;
const H: i64 = 3_600_000;

async fn actor(db: &Db, role: Role, code: &str, user_id: i64) -> Actor {
    let a = areas::by_code(db, code).await.expect("area");
    Actor {
        user_id: Some(user_id),
        grants: Grants { signed_in: true, grants: vec![Grant { role, area_path: a.path }] },
        operator: false,
    }
}

async fn user_id(db: &Db, username: &str) -> i64 {
    let r: (i64,) =
        sqlx::query_as("SELECT id FROM users WHERE username = $1").bind(username).fetch_one(&db.pool).await.unwrap();
    r.0
}

fn form(category: &str, title: &str) -> NeedForm {
    NeedForm {
        category: category.into(),
        title: title.into(),
        description: format!("{title}，请社区协调处理。"),
        channel: "online".into(),
        ..Default::default()
    }
}

async fn submit_as_resident(db: &Db, at: i64, title: &str) -> needs::Need {
    let resident = actor(db, Role::Resident, HOME, user_id(db, "resident.s").await).await;
    let community = areas::by_code(db, S).await.unwrap();
    let new = needs::parse_form(db, &resident, &community, &form("stairwell_clutter", title)).await.unwrap();
    needs::submit(db, &resident, at, new).await.unwrap()
}

fn whistling(version: i64, orgs: &[i64], note: &str) -> needs::Whistling {
    needs::Whistling { version, organizations: orgs.to_vec(), hours: 24, note: note.into() }
}

fn step(event: EventKind, version: i64) -> Step {
    Step { event, version, note: String::new(), assignee: None, rating: String::new(), merge_into: None }
}

both_engines!(a_need_runs_its_workflow_and_keeps_its_timeline, workflow_body);
async fn workflow_body(db: Db, engine: Engine) {
    let n = submit_as_resident(&db, T0, "3栋楼道堆物").await;
    assert_eq!(n.status, NeedStatus::Submitted);
    // Stairwell clutter: respond within 4 working hours, resolve within 24.
    assert_eq!(n.respond_due, T0 + 4 * H);
    assert_eq!(n.resolve_due, T0 + 2 * 24 * H + 6 * H, "24 working hours from Tuesday 09:00 end Thursday 15:00");
    let admin = actor(&db, Role::CommunityAdmin, S, user_id(&db, "admin.s").await).await;
    let resident = actor(&db, Role::Resident, HOME, user_id(&db, "resident.s").await).await;
    let n = needs::step(&db, &admin, T0 + H, n.id, step(EventKind::Accepted, n.version)).await.unwrap();
    assert_eq!(n.responded_at, Some(T0 + H));
    let property: (i64,) = sqlx::query_as("SELECT o.id FROM organizations o JOIN areas a ON a.id = o.community_id WHERE a.code = $1 AND o.kind = 'property_manager'")
        .bind(S)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let mut assign = step(EventKind::Assigned, n.version);
    assign.assignee = Some(Assignee::Organization(property.0));
    let n = needs::step(&db, &admin, T0 + 2 * H, n.id, assign).await.unwrap();
    assert_eq!(n.assignee_org_id, Some(property.0));
    // The resident cannot do the staff's steps.
    assert!(matches!(
        needs::step(&db, &resident, T0 + 3 * H, n.id, step(EventKind::Resolved, n.version)).await,
        Err(AppError::Forbidden)
    ));
    let n = needs::step(&db, &admin, T0 + 3 * H, n.id, step(EventKind::Started, n.version)).await.unwrap();
    let n = needs::step(&db, &admin, T0 + 5 * H, n.id, step(EventKind::Resolved, n.version)).await.unwrap();
    // A stale version is a conflict, not a silent overwrite.
    let mut stale_confirm = step(EventKind::Confirmed, n.version - 1);
    stale_confirm.rating = "5".into();
    let stale = needs::step(&db, &resident, T0 + 6 * H, n.id, stale_confirm).await;
    assert!(matches!(stale, Err(AppError::Conflict(f)) if f.field == "version"), "{engine:?}");
    let mut confirm = step(EventKind::Confirmed, n.version);
    confirm.rating = "9".into();
    assert!(
        matches!(needs::step(&db, &resident, T0 + 6 * H, n.id, confirm.clone()).await, Err(AppError::Invalid(e)) if e.0[0].field == "rating")
    );
    confirm.rating = "4".into();
    let n = needs::step(&db, &resident, T0 + 6 * H, n.id, confirm).await.unwrap();
    assert_eq!((n.status, n.rating, n.closed_at), (NeedStatus::Confirmed, Some(4), Some(T0 + 6 * H)));
    // Closed is final: illegal transitions are refused with the rule's key.
    let late = needs::step(&db, &resident, T0 + 7 * H, n.id, step(EventKind::Reopened, n.version)).await;
    assert!(matches!(late, Err(AppError::Invalid(e)) if e.0[0].key == "errors.need.transition"));
    let kinds: Vec<EventKind> = needs::timeline(&db, &n).await.unwrap().into_iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![
            EventKind::Submitted,
            EventKind::Accepted,
            EventKind::Assigned,
            EventKind::Started,
            EventKind::Resolved,
            EventKind::Confirmed
        ]
    );
    assert_eq!(wushe_domain::needs::replay(&kinds).unwrap(), n.status, "the row is the fold of its events");
    assert!(matches!(audit::verify(&db).await.unwrap(), Verification::Intact { .. }));
}

both_engines!(each_person_sees_only_the_needs_they_should, visibility_body);
async fn visibility_body(db: Db, _e: Engine) {
    let mine = submit_as_resident(&db, T0, "我家的诉求").await;
    let grid2_staff = actor(&db, Role::CommunityAdmin, S, user_id(&db, "admin.s").await).await;
    let community = areas::by_code(&db, S).await.unwrap();
    let mut f = form("repairs", "二网格门禁坏了");
    f.channel = "visit".into();
    f.household_code = GRID2_HOME.into();
    let new = needs::parse_form(&db, &grid2_staff, &community, &f).await.unwrap();
    let other = needs::submit(&db, &grid2_staff, T0, new).await.unwrap();
    let resident = actor(&db, Role::Resident, HOME, user_id(&db, "resident.s").await).await;
    assert!(needs::get(&db, &resident, mine.id).await.is_ok());
    assert!(matches!(needs::get(&db, &resident, other.id).await, Err(AppError::NotFound)));
    assert!(needs::mine(&db, &resident).await.unwrap().iter().all(|n| n.household_id == mine.household_id));
    let grid1 = actor(&db, Role::GridWorker, "51010400100101", user_id(&db, "grid.s1").await).await;
    assert!(needs::get(&db, &grid1, mine.id).await.is_ok());
    assert!(matches!(needs::get(&db, &grid1, other.id).await, Err(AppError::NotFound)));
    let (list, total) =
        needs::ledger(&db, &grid1, &community, &needs::Filter { limit: 500, ..Default::default() }).await.unwrap();
    assert!(total > 0 && list.iter().all(|n| n.area_path.starts_with(&format!("{}51010400100101/", community.path))));
    // A grid worker cannot record a need for another grid's household.
    let mut f = form("repairs", "越界登记");
    f.channel = "visit".into();
    f.household_code = GRID2_HOME.into();
    let new = needs::parse_form(&db, &grid1, &community, &f).await.unwrap();
    assert!(matches!(needs::submit(&db, &grid1, T0, new).await, Err(AppError::Invalid(_))));
    // Another community's admin sees nothing of S.
    let admin_a = actor(&db, Role::CommunityAdmin, "310106001001", user_id(&db, "admin.a").await).await;
    assert!(matches!(needs::get(&db, &admin_a, mine.id).await, Err(AppError::NotFound)));
    // A resident cannot submit for someone else's household…
    let mut f = form("repairs", "冒名");
    f.area_code = GRID2_HOME.into();
    let refused = needs::parse_form(&db, &resident, &community, &f).await;
    assert!(matches!(refused, Err(AppError::Invalid(e)) if e.0[0].field == "area_code"));
    // …but may report a problem in a building elsewhere in the community: it still comes from
    // their own household.
    let building = &GRID2_HOME[..17];
    let mut f = form("repairs", "对面楼的路灯坏了");
    f.area_code = building.into();
    let new = needs::parse_form(&db, &resident, &community, &f).await.unwrap();
    let n = needs::submit(&db, &resident, T0, new).await.unwrap();
    assert_eq!(n.area_path, areas::by_code(&db, building).await.unwrap().path);
    assert_eq!(n.household_id, Some(areas::by_code(&db, HOME).await.unwrap().id));
}

both_engines!(overdue_needs_are_flagged_once_and_survive_restarts, overdue_body);
async fn overdue_body(db: Db, _e: Engine) {
    let n = submit_as_resident(&db, T0, "无人响应").await;
    // Before the deadline nothing happens.
    assert!(needs::flag_overdue(&db, T0 + H).await.unwrap().iter().all(|x| x.id != n.id));
    let first = needs::flag_overdue(&db, T0 + 5 * H).await.unwrap();
    assert!(first.iter().any(|x| x.id == n.id && x.overdue == 1), "response overdue");
    // Running again — as after a restart — adds nothing for the same deadline.
    assert!(needs::flag_overdue(&db, T0 + 6 * H).await.unwrap().iter().all(|x| x.id != n.id));
    let later = needs::flag_overdue(&db, T0 + 10 * 24 * H).await.unwrap();
    assert!(later.iter().any(|x| x.id == n.id && x.overdue == 2), "resolution overdue");
    let (n, _) = needs::get(&db, &Actor::operator(), n.id).await.unwrap();
    let overdue_events =
        needs::timeline(&db, &n).await.unwrap().iter().filter(|e| e.kind == EventKind::Overdue).count();
    assert_eq!(overdue_events, 2);
    let community = areas::by_code(&db, S).await.unwrap();
    let (list, _) = needs::ledger(
        &db,
        &Actor::operator(),
        &community,
        &needs::Filter { overdue_only: true, limit: 5000, ..Default::default() },
    )
    .await
    .unwrap();
    assert!(list.iter().any(|x| x.id == n.id));
}

both_engines!(whistled_organizations_report_and_the_ledger_shows_who_did_not, whistle_body);
async fn whistle_body(db: Db, _e: Engine) {
    let n = submit_as_resident(&db, T0, "高空抛物").await;
    let admin = actor(&db, Role::CommunityAdmin, S, user_id(&db, "admin.s").await).await;
    let orgs: Vec<(i64,)> = sqlx::query_as("SELECT o.id FROM organizations o JOIN areas a ON a.id = o.area_id WHERE a.code = '510104001' ORDER BY o.id LIMIT 2")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    let ids: Vec<i64> = orgs.iter().map(|o| o.0).collect();
    assert_eq!(ids.len(), 2, "the street's departments answer the community's whistle");
    let missing_note = needs::whistle(&db, &admin, T0 + H, n.id, whistling(n.version, &ids, " ")).await;
    assert!(matches!(missing_note, Err(AppError::Invalid(e)) if e.0[0].field == "note"));
    let n = needs::whistle(&db, &admin, T0 + H, n.id, whistling(n.version, &ids, "多次发生，请城管和街道介入"))
        .await
        .unwrap();
    // The street's departments answer to the street: its officer hears of the whistle once,
    // however many of its departments were called.
    let heard: Vec<(i64,)> =
        sqlx::query_as("SELECT user_id FROM notifications WHERE kind = 'whistled' AND need_id = $1")
            .bind(n.id.get())
            .fetch_all(&db.pool)
            .await
            .unwrap();
    let officer = user_id(&db, "street.s").await;
    assert_eq!(heard.iter().filter(|h| h.0 == officer).count(), 1, "{heard:?}");
    needs::report(&db, &admin, T0 + 3 * H, n.id, ids[0], "已到场查看").await.unwrap();
    let again = needs::report(&db, &admin, T0 + 4 * H, n.id, ids[0], "").await;
    assert!(matches!(again, Err(AppError::Conflict(e)) if e.field == "organization"));
    let w = needs::whistles(&db, &n).await.unwrap();
    assert_eq!(w.iter().map(|w| w.reported_at).collect::<Vec<_>>(), vec![Some(T0 + 3 * H), None]);
    assert_eq!(w[0].deadline, T0 + 25 * H);
    // A resident cannot report for an organization.
    let resident = actor(&db, Role::Resident, HOME, user_id(&db, "resident.s").await).await;
    assert!(matches!(needs::report(&db, &resident, T0, n.id, ids[1], "").await, Err(AppError::Forbidden)));
}

both_engines!(metrics_follow_the_ledger, metrics_body);
async fn metrics_body(db: Db, _e: Engine) {
    let admin = actor(&db, Role::CommunityAdmin, S, user_id(&db, "admin.s").await).await;
    let a = submit_as_resident(&db, T0, "一").await;
    let b = submit_as_resident(&db, T0, "二").await;
    let _c = submit_as_resident(&db, T0, "三").await;
    let a = needs::step(&db, &admin, T0 + 2 * H, a.id, step(EventKind::Accepted, a.version)).await.unwrap();
    let b = needs::step(&db, &admin, T0 + 6 * H, b.id, step(EventKind::Accepted, b.version)).await.unwrap();
    let mut assign = step(EventKind::Assigned, a.version);
    assign.assignee = Some(Assignee::User(user_id(&db, "grid.s1").await));
    let a = needs::step(&db, &admin, T0 + 3 * H, a.id, assign).await.unwrap();
    let a = needs::step(&db, &admin, T0 + 10 * H, a.id, step(EventKind::Resolved, a.version)).await.unwrap();
    let resident = actor(&db, Role::Resident, HOME, user_id(&db, "resident.s").await).await;
    let mut confirm = step(EventKind::Confirmed, a.version);
    confirm.rating = "4".into();
    needs::step(&db, &resident, T0 + 11 * H, a.id, confirm).await.unwrap();
    let _ = b;
    let community = areas::by_code(&db, S).await.unwrap();
    let month = Month::of(T0);
    let m = needs_metrics::metrics(&db, &admin, &community, month).await.unwrap();
    let o = &m.overall;
    let c = &o.counts;
    assert_eq!((c.needs, c.responded, c.responded_on_time, c.resolved, c.rated, c.rating_sum), (3, 2, 1, 1, 1, 4));
    // Two response times, 2 h and 6 h: the nearest-rank median is the upper one.
    assert_eq!((o.respond_median_h, o.respond_p90_h), (Some(6.0), Some(6.0)));
    assert_eq!(o.resolve_median_h, Some(10.0));
    assert_eq!(m.by_division.len(), 1, "all in the first grid");
    assert!(m.by_assignee.iter().any(|(k, f)| k.starts_with("user:") && f.counts.needs == 1));
    // A street officer reads the same figures for the whole street, its community as a division.
    let street = areas::by_code(&db, "510104001").await.unwrap();
    let officer = actor(&db, Role::StreetOfficer, "510104001", user_id(&db, "street.s").await).await;
    let sm = needs_metrics::metrics(&db, &officer, &street, month).await.unwrap();
    assert_eq!(sm.overall, m.overall);
    assert_eq!(sm.by_division.iter().map(|d| d.0.as_str()).collect::<Vec<_>>(), vec![S]);
    // The trend puts them in their month, with empty months around it.
    let trend = needs_metrics::trend(&db, &admin, &community, month.back(2), month.next()).await.unwrap();
    assert_eq!(trend.iter().map(|(_, f)| f.counts.needs).collect::<Vec<_>>(), vec![0, 0, 3, 0]);
    // A resident may not.
    assert!(needs_metrics::metrics(&db, &resident, &community, month).await.is_err());
    assert!(needs_metrics::trend(&db, &resident, &community, month, month).await.is_err());
}

both_engines!(roll_ups_agree_with_the_ledger_after_every_kind_of_step, rollups_body);
async fn rollups_body(db: Db, _e: Engine) {
    let admin = actor(&db, Role::CommunityAdmin, S, user_id(&db, "admin.s").await).await;
    let resident = actor(&db, Role::Resident, HOME, user_id(&db, "resident.s").await).await;
    let grid = user_id(&db, "grid.s1").await;
    // Reassignment, reopening, rating, rejection, merging and grouping, on top of the demo ledger.
    let mut made = vec![];
    for i in 0..6 {
        made.push(submit_as_resident(&db, T0 + i * H, &format!("楼道堆物第{i}处")).await);
    }
    let go = |n: needs::Need, s: Step, at: i64| {
        let db = db.clone();
        let admin = admin.clone();
        async move { needs::step(&db, &admin, at, n.id, s).await.unwrap() }
    };
    let a = go(made[0].clone(), step(EventKind::Accepted, made[0].version), T0 + 2 * H).await;
    let mut s = step(EventKind::Assigned, a.version);
    s.assignee = Some(Assignee::User(grid));
    let a = go(a, s, T0 + 3 * H).await;
    let org = organizations_of(&db).await;
    let mut s = step(EventKind::Assigned, a.version);
    s.assignee = Some(Assignee::Organization(org));
    let a = go(a, s, T0 + 4 * H).await;
    let a = go(a.clone(), step(EventKind::Resolved, a.version), T0 + 30 * H).await;
    let mut s = step(EventKind::Reopened, a.version);
    s.note = "没有清理干净".into();
    let a = needs::step(&db, &resident, T0 + 31 * H, a.id, s).await.unwrap();
    let a = go(a.clone(), step(EventKind::Resolved, a.version), T0 + 40 * H).await;
    let mut s = step(EventKind::Confirmed, a.version);
    s.rating = "3".into();
    needs::step(&db, &resident, T0 + 41 * H, a.id, s).await.unwrap();
    let mut s = step(EventKind::Rejected, made[1].version);
    s.note = "不属于社区职责".into();
    go(made[1].clone(), s, T0 + 5 * H).await;
    let mut s = step(EventKind::Merged, made[2].version);
    s.note = "重复".into();
    s.merge_into = Some(made[3].id);
    go(made[2].clone(), s, T0 + 6 * H).await;
    needs::group(&db, &admin, T0 + 7 * H, "楼道堆物集中整治", &[made[4].id, made[5].id]).await.unwrap();

    let community = areas::by_code(&db, S).await.unwrap();
    let street = areas::by_code(&db, "510104001").await.unwrap();
    let officer = actor(&db, Role::StreetOfficer, "510104001", user_id(&db, "street.s").await).await;
    let months: Vec<(i64,)> =
        sqlx::query_as("SELECT DISTINCT month FROM need_rollups ORDER BY month").fetch_all(&db.pool).await.unwrap();
    assert!(months.len() >= 3, "the demo ledger spans months: {months:?}");
    let check = |label: &str, a: &needs_metrics::Metrics, b: &needs_metrics::Metrics| {
        same(&format!("{label} overall"), &a.overall, &b.overall);
        let keyed = |v: &[(String, Figures)]| v.iter().map(|(k, f)| (k.clone(), f.clone())).collect::<Vec<_>>();
        for (name, x, y) in [
            ("division", keyed(&a.by_division), keyed(&b.by_division)),
            ("assignee", keyed(&a.by_assignee), keyed(&b.by_assignee)),
            (
                "category",
                a.by_category.iter().map(|(k, f)| (k.to_string(), f.clone())).collect(),
                b.by_category.iter().map(|(k, f)| (k.to_string(), f.clone())).collect(),
            ),
        ] {
            assert_eq!(
                x.iter().map(|p| &p.0).collect::<Vec<_>>(),
                y.iter().map(|p| &p.0).collect::<Vec<_>>(),
                "{label} {name}"
            );
            for ((k, f), (_, g)) in x.iter().zip(&y) {
                same(&format!("{label} {name} {k}"), f, g);
            }
        }
    };
    let mut snapshot = vec![];
    for (key,) in &months {
        let month = Month::from_key(*key).unwrap();
        let rolled = needs_metrics::metrics(&db, &admin, &community, month).await.unwrap();
        let exact = needs_metrics::from_ledger(&db, &admin, &community, month).await.unwrap();
        check(&format!("{month} community"), &rolled, &exact);
        let rolled_street = needs_metrics::metrics(&db, &officer, &street, month).await.unwrap();
        let exact_street = needs_metrics::from_ledger(&db, &officer, &street, month).await.unwrap();
        check(&format!("{month} street"), &rolled_street, &exact_street);
        snapshot.push(rolled);
    }
    // Kept step by step, the roll-ups are what a rebuild from the ledger computes.
    needs_metrics::rebuild(&db).await.unwrap();
    for ((key,), before) in months.iter().zip(&snapshot) {
        let month = Month::from_key(*key).unwrap();
        let after = needs_metrics::metrics(&db, &admin, &community, month).await.unwrap();
        assert_eq!(after.overall, before.overall, "{month}");
        assert_eq!(after.by_assignee, before.by_assignee, "{month}");
    }
}

/// Counts equal; percentiles within the histograms' 5% (or a minute, the first bucket).
fn same(label: &str, a: &Figures, b: &Figures) {
    assert_eq!(a.counts, b.counts, "{label}");
    for (x, y) in [
        (a.respond_median_h, b.respond_median_h),
        (a.respond_p90_h, b.respond_p90_h),
        (a.resolve_median_h, b.resolve_median_h),
        (a.resolve_p90_h, b.resolve_p90_h),
    ] {
        match (x, y) {
            (Some(x), Some(y)) => assert!((x - y).abs() <= y * 0.05 + 1.0 / 60.0, "{label}: {x} vs exact {y}"),
            (x, y) => assert_eq!(x, y, "{label}"),
        }
    }
}

async fn organizations_of(db: &Db) -> i64 {
    let c = areas::by_code(db, S).await.unwrap();
    let r: (i64,) =
        sqlx::query_as("SELECT id FROM organizations WHERE area_path >= $1 AND area_path < $2 ORDER BY id LIMIT 1")
            .bind(&c.path)
            .bind(wushe_app::db::upper(&c.path))
            .fetch_one(&db.pool)
            .await
            .unwrap();
    r.0
}

both_engines!(similar_individual_needs_are_found_and_grouped_into_a_common_need, grouping_body);
async fn grouping_body(db: Db, engine: Engine) {
    let a = submit_as_resident(&db, T0, "3栋楼道堆满纸箱杂物").await;
    let b = submit_as_resident(&db, T0 + 1, "楼道堆满杂物堵住消防通道").await;
    let other = submit_as_resident(&db, T0 + 2, "想咨询赡养老人的法律问题").await;
    let admin = actor(&db, Role::CommunityAdmin, S, user_id(&db, "admin.s").await).await;
    let found = needs::similar(&db, &admin, &a, 10).await.unwrap();
    assert!(
        found.iter().any(|(n, _)| n.id == b.id),
        "{engine:?}: {:?}",
        found.iter().map(|(n, s)| (&n.title, s)).collect::<Vec<_>>()
    );
    assert!(found.iter().all(|(n, _)| n.id != other.id && n.id != a.id));
    let resident = actor(&db, Role::Resident, HOME, user_id(&db, "resident.s").await).await;
    assert!(needs::similar(&db, &resident, &a, 10).await.is_err(), "residents do not see others' needs");
    let too_few = needs::group(&db, &admin, T0 + 10, "楼道堆物", &[a.id]).await;
    assert!(matches!(too_few, Err(AppError::Invalid(e)) if e.0[0].field == "needs"));
    let common = needs::group(&db, &admin, T0 + 10, "1栋楼道堆物整治", &[a.id, b.id]).await.unwrap();
    assert_eq!(common.scope, wushe_domain::needs::Scope::Common);
    assert!(a.area_path.starts_with(&common.area_path), "the common need sits at the members' common area");
    let members = needs::members_of(&db, &common).await.unwrap();
    assert_eq!(members.iter().map(|m| m.id).collect::<Vec<_>>(), vec![a.id, b.id]);
    let (a2, _) = needs::get(&db, &admin, a.id).await.unwrap();
    assert_eq!(a2.version, a.version + 1, "grouping is a change others must see");
    let kinds: Vec<EventKind> = needs::timeline(&db, &a2).await.unwrap().into_iter().map(|e| e.kind).collect();
    assert_eq!(kinds.last(), Some(&EventKind::Grouped));
    // A common need is not grouped again.
    let again = needs::group(&db, &admin, T0 + 20, "再归并", &[common.id, other.id]).await;
    assert!(again.is_err());
    assert!(matches!(wushe_app::audit::verify(&db).await.unwrap(), Verification::Intact { .. }));
}

both_engines!(a_communitys_holidays_move_its_deadlines, calendar_body);
async fn calendar_body(db: Db, engine: Engine) {
    let admin = actor(&db, Role::CommunityAdmin, S, user_id(&db, "admin.s").await).await;
    let community = areas::by_code(&db, S).await.unwrap();
    let bad = needs::CalendarForm {
        start_hour: "18".into(),
        end_hour: "9".into(),
        holidays: "2030-13-01".into(),
        ..Default::default()
    };
    let errs = match needs::set_calendar(&db, &admin, T0, &community, &bad).await {
        Err(AppError::Invalid(e)) => e.0.iter().map(|x| x.field).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    assert_eq!(errs, vec!["end_hour", "holidays", "workdays"]);
    // 2030-01-08 (T0's Tuesday) becomes a holiday: a need filed then is due from Wednesday 09:00.
    let form = needs::CalendarForm {
        start_hour: "9".into(),
        end_hour: "18".into(),
        workdays: [true, true, true, true, true, false, false],
        holidays: "2030-01-08".into(),
        extra_workdays: String::new(),
    };
    needs::set_calendar(&db, &admin, T0, &community, &form).await.unwrap();
    let n = submit_as_resident(&db, T0, "节日里的诉求").await;
    assert_eq!(n.respond_due, T0 + 24 * H + 4 * H, "{engine:?}");
    // Another community keeps the default calendar.
    assert_eq!(
        needs::calendar_for(&db, areas::by_code(&db, "310106001001").await.unwrap().id).await.unwrap(),
        WorkCalendar::default()
    );
    let resident = actor(&db, Role::Resident, HOME, user_id(&db, "resident.s").await).await;
    assert!(matches!(needs::set_calendar(&db, &resident, T0, &community, &form).await, Err(AppError::Forbidden)));
}

both_engines!(concurrent_submissions_are_group_committed_with_all_their_rows, group_commit_body);
async fn group_commit_body(db: Db, _e: Engine) {
    let queue = needs::SubmitQueue::start(db.clone());
    let resident = actor(&db, Role::Resident, HOME, user_id(&db, "resident.s").await).await;
    let community = areas::by_code(&db, S).await.unwrap();
    let grid = user_id(&db, "grid.s1").await;
    let before_inbox = wushe_app::notifications::inbox(&db, grid, 10_000).await.unwrap().len();
    let month = Month::of(T0);
    let mut tasks = vec![];
    for i in 0..40 {
        let (db, queue, resident, community) = (db.clone(), queue.clone(), resident.clone(), community.clone());
        tasks.push(tokio::spawn(async move {
            let mut new =
                needs::parse_form(&db, &resident, &community, &form("repairs", &format!("并发提交{i}"))).await.unwrap();
            if i == 17 {
                // A place that vanished between reading and writing: this one alone fails.
                new.area.id = -1;
            }
            queue.submit(&resident, T0 + i, new).await
        }));
    }
    let mut ok = vec![];
    let mut failed = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(n) => ok.push(n),
            Err(_) => failed += 1,
        }
    }
    assert_eq!((ok.len(), failed), (39, 1));
    for n in &ok {
        let (got, _) = needs::get(&db, &resident, n.id).await.unwrap();
        assert_eq!(got.title, n.title, "each caller got its own need back");
        let events = needs::timeline(&db, &got).await.unwrap();
        assert_eq!(events.len(), 1);
        let audit: (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE action = 'need.submit' AND subject = $1")
                .bind(format!("need:{}", n.id))
                .fetch_one(&db.pool)
                .await
                .unwrap();
        assert_eq!(audit.0, 1);
    }
    assert!(matches!(audit::verify(&db).await.unwrap(), Verification::Intact { .. }));
    let inbox = wushe_app::notifications::inbox(&db, grid, 10_000).await.unwrap();
    assert_eq!(inbox.len() - before_inbox, 39, "the grid worker hears of every new need once");
    let admin = actor(&db, Role::CommunityAdmin, S, user_id(&db, "admin.s").await).await;
    let m = needs_metrics::metrics(&db, &admin, &community, month).await.unwrap();
    assert_eq!(m.overall.counts.needs, 39);
}

both_engines!(the_submission_writer_survives_a_lost_connection, writer_reconnect_body);
async fn writer_reconnect_body(db: Db, engine: Engine) {
    let queue = needs::SubmitQueue::start(db.clone());
    let resident = actor(&db, Role::Resident, HOME, user_id(&db, "resident.s").await).await;
    let community = areas::by_code(&db, S).await.unwrap();
    let submit = |i: i64| {
        let (db, queue, resident, community) = (db.clone(), queue.clone(), resident.clone(), community.clone());
        async move {
            let new = needs::parse_form(&db, &resident, &community, &form("repairs", &format!("断线重连{i}"))).await?;
            queue.submit(&resident, T0 + i, new).await
        }
    };
    // Enough commits one after another for the writer to have the SQLite log checkpointed
    // beside it several times.
    for i in 0..70 {
        submit(i).await.unwrap();
    }
    if engine == Engine::Postgres {
        // The server drops every other connection of this database, the writer's among them.
        sqlx::query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .execute(&db.pool)
        .await
        .unwrap();
    }
    // The first submission after the loss is written on a new connection, not refused.
    let n = submit(100).await.unwrap();
    let (got, _) = needs::get(&db, &resident, n.id).await.unwrap();
    assert_eq!(got.title, "断线重连100", "{engine:?}");
    let count: (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM needs WHERE title LIKE '断线重连%'").fetch_one(&db.pool).await.unwrap();
    assert_eq!(count.0, 71);
    assert!(matches!(audit::verify(&db).await.unwrap(), Verification::Intact { .. }));
}

both_engines!(a_worker_serving_several_grids_sees_each_once, several_grids_body);
async fn several_grids_body(db: Db, engine: Engine) {
    let community = areas::by_code(&db, S).await.unwrap();
    let (g1, g2, building) = ("51010400100101", "51010400100102", "51010400100101001");
    let db_ref = &db;
    let path = |code: &'static str| async move { areas::by_code(db_ref, code).await.unwrap().path };
    let two = Actor {
        user_id: Some(user_id(&db, "grid.s1").await),
        grants: Grants {
            signed_in: true,
            grants: vec![
                Grant { role: Role::GridWorker, area_path: path(g1).await },
                Grant { role: Role::GridWorker, area_path: path(g2).await },
                // Inside the first grid: adds nothing and must not count twice.
                Grant { role: Role::GridWorker, area_path: path(building).await },
            ],
        },
        operator: false,
    };
    let all = needs::Filter { limit: 5000, ..Default::default() };
    let (list, total) = needs::ledger(&db, &two, &community, &all).await.unwrap();
    let (_, one_total) =
        needs::ledger(&db, &Actor::operator(), &areas::by_code(&db, g1).await.unwrap(), &all).await.unwrap();
    let (_, two_total) =
        needs::ledger(&db, &Actor::operator(), &areas::by_code(&db, g2).await.unwrap(), &all).await.unwrap();
    assert_eq!(total, one_total + two_total, "{engine:?}");
    assert_eq!(list.len() as i64, total);
    let mut ids: Vec<_> = list.iter().map(|n| n.id).collect();
    ids.dedup();
    assert_eq!(ids.len(), list.len(), "each need once");
    assert!(list.windows(2).all(|w| (w[0].created_at, w[0].id) >= (w[1].created_at, w[1].id)), "newest first");
    // A status filter and a page apply across both grids.
    let open = needs::Filter { open_only: true, limit: 7, offset: 3, ..Default::default() };
    let (page, open_total) = needs::ledger(&db, &two, &community, &open).await.unwrap();
    let every_open: Vec<_> = list.iter().filter(|n| n.status.is_open()).map(|n| n.id).collect();
    assert_eq!(open_total as usize, every_open.len());
    assert_eq!(
        page.iter().map(|n| n.id).collect::<Vec<_>>(),
        every_open.iter().skip(3).take(7).copied().collect::<Vec<_>>()
    );
}

both_engines!(an_intake_clients_key_records_needs_only_in_its_community, intake_client_body);
/// An Open311 key acts as `Actor::intake_client` of its community: it records needs there, and
/// a need placed in another community is refused and never written.
async fn intake_client_body(db: Db, _e: Engine) {
    let s = areas::by_code(&db, S).await.unwrap();
    let a = areas::by_code(&db, "310106001001").await.unwrap();
    let client = Actor::intake_client(&s.path);
    let hotline = |area: &str, title: &str| NeedForm {
        channel: "open311".into(),
        area_code: area.into(),
        ..form("repairs", title)
    };
    let here = needs::parse_form(&db, &client, &s, &hotline(S, "路灯不亮")).await.unwrap();
    let n = needs::submit(&db, &client, T0, here).await.unwrap();
    assert_eq!(n.community_id, s.id);
    // A form for the other community, resolved by the operator, submitted with S社区's key.
    let there = needs::parse_form(&db, &Actor::operator(), &a, &hotline(&a.code, "井盖缺失")).await.unwrap();
    let before = needs::ledger(&db, &Actor::operator(), &a, &Default::default()).await.unwrap().1;
    let r = needs::submit(&db, &client, T0, there).await;
    assert!(matches!(r, Err(AppError::Forbidden) | Err(AppError::Invalid(_))), "{r:?}");
    let after = needs::ledger(&db, &Actor::operator(), &a, &Default::default()).await.unwrap().1;
    assert_eq!(before, after, "nothing written in A社区");
    // Nor may it record anything in A社区 by any route.
    use wushe_domain::access::{Action, Decision};
    assert_ne!(client.grants.decide(Action::NeedRecord, Some(&a.path)), Decision::Allow);
}

both_engines!(a_grid_worker_finds_a_household_by_building_room_or_resident_name, finder_body);
async fn finder_body(db: Db, _e: Engine) {
    let community = areas::by_code(&db, S).await.unwrap();
    let grid1 = actor(&db, Role::GridWorker, "51010400100101", user_id(&db, "grid.s1").await).await;
    // "1栋" is building 1, not 11栋 or 21栋; the room narrows it to one household.
    let hits = wushe_app::people::find_households(&db, &grid1, &community, "1栋 1单元101", 20).await.unwrap();
    assert_eq!(hits.iter().map(|h| h.name.as_str()).collect::<Vec<_>>(), vec!["1栋1单元101"]);
    assert!(!hits[0].residents.is_empty(), "who lives there is shown");
    // A resident's name anywhere in it, not only its start: the second character of a name.
    let (name,): (String,) = sqlx::query_as(
        "SELECT name FROM people WHERE household_path LIKE $1 || '%' AND LENGTH(name) >= 2 ORDER BY id LIMIT 1",
    )
    .bind(&areas::by_code(&db, HOME).await.unwrap().path)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let tail: String = name.chars().skip(1).collect();
    let hits = wushe_app::people::find_households(&db, &grid1, &community, &tail, 200).await.unwrap();
    assert!(hits.iter().any(|h| h.code == HOME), "{tail} finds {HOME}");
    // Only where the grid worker may record: the other grid's households are not offered.
    let other = wushe_app::people::find_households(&db, &grid1, &community, "单元", 500).await.unwrap();
    let grid2 = areas::by_code(&db, "51010400100102").await.unwrap().path;
    let grid2_names: Vec<(String,)> =
        sqlx::query_as("SELECT code FROM areas WHERE kind = 'household' AND path LIKE $1 || '%'")
            .bind(&grid2)
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert!(!other.is_empty() && other.iter().all(|h| !grid2_names.iter().any(|g| g.0 == h.code)));
    assert!(wushe_app::people::find_households(&db, &grid1, &community, "  ", 20).await.unwrap().is_empty());
}
