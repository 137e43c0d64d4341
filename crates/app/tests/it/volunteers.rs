//! Volunteers on both engines: points earned from verified records only, redemptions that never
//! overdraw under concurrent requests, the ledger check, who may verify hours, one place per
//! holder, and check-ins that never overlap.

use wushe_app::volunteers::{self, ActivityForm, HoursForm};
use wushe_app::{Actor, AppError, Db, areas};
use wushe_domain::access::{Grant, Grants, Role};
use wushe_testkit::{Engine, both_engines, sqlx};

const S: &str = "510104001001";
const DAY: i64 = 86_400_000;

async fn actor(db: &Db, role: Role, code: &str, username: &str) -> Actor {
    let a = areas::by_code(db, code).await.expect("area");
    let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    Actor {
        user_id: Some(id),
        grants: Grants { signed_in: true, grants: vec![Grant { role, area_path: a.path }] },
        operator: false,
    }
}

/// The demo's clock: when its activities were created.
async fn seeded_at(db: &Db) -> i64 {
    sqlx::query_scalar("SELECT MAX(created_at) FROM activities").fetch_one(&db.pool).await.unwrap()
}

fn day_text(at: i64) -> String {
    wushe_domain::resources::date_of((at + wushe_domain::LOCAL_OFFSET_MS).div_euclid(DAY))
}

both_engines!(volunteer_s_holds_points_earned_from_verified_records, earned_body);
async fn earned_body(db: Db, engine: Engine) {
    let vol = actor(&db, Role::Volunteer, S, "volunteer.s").await;
    let me = volunteers::mine(&db, &vol).await.unwrap().expect("volunteer.s volunteers");
    let (acc, entries) = volunteers::account(&db, &vol, me.id, 500).await.unwrap();
    assert!(acc.balance >= 200, "{engine:?}: {}", acc.balance);
    assert!(entries.iter().all(|e| e.source.starts_with("record:")), "{engine:?}: earned only from records");
    assert_eq!(entries.iter().map(|e| e.points).sum::<i64>(), acc.balance);
    let (accounts, wrong) = volunteers::verify_points(&db).await.unwrap();
    assert!(accounts >= 1 && wrong.is_empty(), "{engine:?}: {wrong:?}");
    // Tampering with a balance is named by the check.
    sqlx::query("UPDATE volunteers SET balance = balance + 7 WHERE id = $1")
        .bind(me.id)
        .execute(&db.pool)
        .await
        .unwrap();
    let (_, wrong) = volunteers::verify_points(&db).await.unwrap();
    assert_eq!(wrong.len(), 1, "{engine:?}");
    assert_eq!((wrong[0].volunteer_id, wrong[0].balance - wrong[0].ledger), (me.id, 7));
}

both_engines!(concurrent_redemptions_never_overdraw_stock_or_balance, redeem_body);
async fn redeem_body(db: Db, engine: Engine) {
    let vol = actor(&db, Role::Volunteer, S, "volunteer.s").await;
    let at = seeded_at(&db).await + DAY;
    let me = volunteers::mine(&db, &vol).await.unwrap().unwrap();
    let s = areas::by_code(&db, S).await.unwrap();
    let admin = actor(&db, Role::CommunityAdmin, S, "admin.s").await;
    // An item of 50 points with stock 3: twelve requests at once, exactly three get one.
    let item = volunteers::add_item(&db, &admin, at, &s, "测试代金券", 50, 3).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..12 {
        let (db, vol) = (db.clone(), vol.clone());
        tasks.push(tokio::spawn(async move { volunteers::redeem(&db, &vol, at + i, item).await }));
    }
    let (mut ok, mut out_of_stock) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(AppError::Conflict(e)) if e.key == "errors.points.stock" => out_of_stock += 1,
            Err(e) => panic!("{engine:?}: {e:?}"),
        }
    }
    assert_eq!((ok, out_of_stock), (3, 9), "{engine:?}");
    assert_eq!(volunteers::item(&db, item).await.unwrap().stock, 0);
    let after = volunteers::mine(&db, &vol).await.unwrap().unwrap();
    assert_eq!(after.balance, me.balance - 150, "{engine:?}");
    // An item the balance does not cover: refused, many at once, and nothing moves.
    let dear = volunteers::add_item(&db, &admin, at, &s, "贵重奖品", after.balance / 2 + 1, 100).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..6 {
        let (db, vol) = (db.clone(), vol.clone());
        tasks.push(tokio::spawn(async move { volunteers::redeem(&db, &vol, at + 100 + i, dear).await }));
    }
    let results: Vec<_> = futures_join(tasks).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{engine:?}: only one fits the balance");
    assert!(
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| matches!(e, AppError::Conflict(f) if f.key == "errors.points.balance"))
    );
    let last = volunteers::mine(&db, &vol).await.unwrap().unwrap();
    assert!(last.balance >= 0);
    assert!(volunteers::verify_points(&db).await.unwrap().1.is_empty(), "{engine:?}");
}

async fn futures_join<T>(tasks: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

both_engines!(only_social_workers_and_organizers_verify_and_never_their_own, verify_body);
async fn verify_body(db: Db, engine: Engine) {
    let vol = actor(&db, Role::Volunteer, S, "volunteer.s").await;
    let social = actor(&db, Role::SocialWorker, S, "social.s").await;
    let admin = actor(&db, Role::CommunityAdmin, S, "admin.s").await;
    let other = actor(&db, Role::SocialWorker, "310106001001", "admin.a").await;
    let s = areas::by_code(&db, S).await.unwrap();
    let (waiting, total) = volunteers::waiting(&db, &social, &s, 50).await.unwrap();
    assert!(total >= 1, "{engine:?}: the demo leaves hours waiting");
    let id = waiting[0].record.id;
    let at = seeded_at(&db).await + DAY;
    // The volunteer, an admin and another community's social worker may not decide it.
    assert!(volunteers::decide_hours(&db, &vol, at, &[id], true).await.is_err(), "{engine:?}");
    assert!(volunteers::decide_hours(&db, &admin, at, &[id], true).await.is_err(), "{engine:?}");
    assert!(matches!(volunteers::decide_hours(&db, &other, at, &[id], true).await, Err(AppError::NotFound)));
    let before = volunteers::mine(&db, &vol).await.unwrap().unwrap();
    assert_eq!(volunteers::decide_hours(&db, &social, at, &[id], true).await.unwrap(), 1);
    let after = volunteers::mine(&db, &vol).await.unwrap().unwrap();
    assert_eq!(after.minutes, before.minutes + waiting[0].record.minutes, "{engine:?}");
    // Decided once: a second decision is refused.
    assert!(matches!(volunteers::decide_hours(&db, &social, at, &[id], false).await, Err(AppError::Conflict(_))));
    // Hours overlapping a record of the same person are refused.
    let r = volunteers::record(&db, id).await.unwrap();
    let clash = HoursForm {
        date: day_text(r.started_at),
        from: wushe_app::clock::local_text(r.started_at, "%H:%M"),
        duration: "1".into(),
        ..Default::default()
    };
    let e = volunteers::enter_hours(&db, &vol, at, after.id, clash.parse().unwrap()).await.unwrap_err();
    assert!(matches!(e, AppError::Conflict(ref f) if f.key == "errors.hours.overlap"), "{engine:?}: {e:?}");
}

both_engines!(places_have_one_holder_and_check_ins_never_overlap, places_body);
async fn places_body(db: Db, engine: Engine) {
    let vol = actor(&db, Role::Volunteer, S, "volunteer.s").await;
    let social = actor(&db, Role::SocialWorker, S, "social.s").await;
    let s = areas::by_code(&db, S).await.unwrap();
    // Local noon ten days after the demo, inside an activity running all day.
    let at = volunteers::local_midnight(&day_text(seeded_at(&db).await + 10 * DAY), "date").unwrap() + 12 * 3_600_000;
    let form = |title: &str, places: &str| ActivityForm {
        title: title.into(),
        place: "党群服务中心".into(),
        date: day_text(at),
        from: "08:00".into(),
        to: "23:59".into(),
        slots: places.into(),
        ..Default::default()
    };
    let one =
        volunteers::create_activity(&db, &social, at - DAY, &s, form("一个名额", "1").parse().unwrap()).await.unwrap();
    let two = volunteers::create_activity(&db, &social, at - DAY, &s, form("同时段活动", "5").parse().unwrap())
        .await
        .unwrap();
    volunteers::sign_up(&db, &vol, at, one.id).await.unwrap();
    let again = volunteers::sign_up(&db, &vol, at, one.id).await.unwrap_err();
    assert!(matches!(again, AppError::Conflict(ref f) if f.key == "errors.activity.signed_up"), "{engine:?}");
    assert_eq!(volunteers::taken(&db, one.id).await.unwrap(), 1);
    // Checked in at one, the same person cannot check in at another until they check out.
    volunteers::check_in(&db, &vol, at, &one.checkin_code).await.unwrap();
    let e = volunteers::check_in(&db, &vol, at + 1000, &two.checkin_code.to_lowercase()).await.unwrap_err();
    assert!(matches!(e, AppError::Conflict(ref f) if f.key == "errors.checkin.overlap"), "{engine:?}: {e:?}");
    let rec = volunteers::check_out(&db, &vol, at + 90 * 60_000, one.id).await.unwrap();
    assert_eq!(rec.minutes, 90, "{engine:?}");
    volunteers::check_in(&db, &vol, at + 91 * 60_000, &two.checkin_code).await.unwrap();
    assert!(volunteers::check_in(&db, &vol, at, "NOSUCHCD").await.is_err());
}
