//! Emergency mode on both engines: declaring opens a check-in for every vulnerable resident of
//! the areas and dispatches them within skills and capacity; only the assignee or staff record
//! results; a resident needing help becomes an urgent need; declined and overdue visits go to
//! someone else; switching back takes a summary and sends the cancel; drills stay drills.

use std::collections::HashMap;
use wushe_app::emergency::{self, CloseForm, DeclareForm, ResultForm};
use wushe_app::{Actor, AppError, Db, areas};
use wushe_domain::access::{Grant, Grants, Role};
use wushe_domain::dispatch::{Skill, Skills};
use wushe_domain::ids::CheckinId;
use wushe_testkit::{Engine, both_engines, sqlx};

const S: &str = "510104001001";
const GRID1: &str = "51010400100101";

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

fn rainstorm(areas: &[&str], drill: bool) -> DeclareForm {
    DeclareForm {
        hazard: "rainstorm".into(),
        severity: "severe".into(),
        title: "暴雨测试".into(),
        areas: areas.iter().map(|a| a.to_string()).collect(),
        communities: vec![],
        drill: if drill { "1".into() } else { String::new() },
    }
}

/// (checkin id, assignee, skill, status) of an incident's check-ins.
async fn checkins(db: &Db, incident: i64) -> Vec<(i64, Option<i64>, String, String)> {
    sqlx::query_as("SELECT id, assignee_user_id, skill, status FROM checkins WHERE incident_id = $1 ORDER BY id")
        .bind(incident)
        .fetch_all(&db.pool)
        .await
        .unwrap()
}

both_engines!(declaring_checks_on_every_vulnerable_resident_within_skills_and_capacity, declare_body);
async fn declare_body(db: Db, engine: Engine) {
    let admin = actor(&db, Role::CommunityAdmin, S, "admin.s").await;
    let grid = actor(&db, Role::GridWorker, GRID1, "grid.s1").await;
    let s = areas::by_code(&db, S).await.unwrap();
    // A Saturday at 10:00 in Chengdu, when volunteer.s (weekends, 9–17) is free.
    let at = 1_800_064_800_000;
    // Grid workers do not switch modes.
    assert!(matches!(
        emergency::declare(&db, &grid, at, std::slice::from_ref(&s), &rainstorm(&[GRID1], false)).await,
        Err(AppError::Forbidden)
    ));
    let bad = emergency::declare(
        &db,
        &admin,
        at,
        std::slice::from_ref(&s),
        &DeclareForm { severity: "awful".into(), ..rainstorm(&[], false) },
    )
    .await;
    assert!(matches!(bad, Err(AppError::Invalid(e)) if e.0[0].field == "severity"), "{engine:?}");
    let elsewhere =
        emergency::declare(&db, &admin, at, std::slice::from_ref(&s), &rainstorm(&["31010600100101"], false)).await;
    assert!(matches!(elsewhere, Err(AppError::Invalid(e)) if e.0[0].field == "areas"), "{engine:?}");

    let out = emergency::declare(&db, &admin, at, std::slice::from_ref(&s), &rainstorm(&[GRID1], false)).await.unwrap();
    let d = &out[0];
    let g1 = areas::by_code(&db, GRID1).await.unwrap();
    let vulnerable: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM people WHERE household_path LIKE $1 || '%' AND vulnerability <> ''")
            .bind(&g1.path)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    let plan = emergency::plan_for(&db, s.id, wushe_domain::emergency::Hazard::Rainstorm).await.unwrap();
    let rules = plan.as_ref().map(|p| p.rules()).unwrap_or_default();
    let list = checkins(&db, d.incident.id.get()).await;
    assert!(vulnerable > 0 && list.len() as i64 <= vulnerable, "{engine:?}: {} of {vulnerable}", list.len());
    if rules.flags.is_empty() {
        assert_eq!(list.len() as i64, vulnerable, "{engine:?}: every vulnerable resident");
    }
    assert_eq!(d.checkins, list.len());
    assert_eq!(d.dispatched.assigned + d.dispatched.unassigned, list.len());
    assert!(d.dispatched.assigned > 0, "{engine:?}: someone was sent");
    assert!(d.alerted > 0, "{engine:?}: the alert reached people");
    // Nobody holds more than their capacity, and skilled visits go to people with the skill.
    let vols: Vec<(i64, String)> = sqlx::query_as("SELECT user_id, skills FROM volunteers WHERE user_id IS NOT NULL")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    let skills: HashMap<i64, Skills> =
        vols.iter().map(|(u, s)| (*u, Skills::from_words(s.split_whitespace()))).collect();
    let mut held: HashMap<i64, u32> = HashMap::new();
    for (_, who, skill, status) in &list {
        if let Some(u) = who {
            assert_eq!(status, "dispatched");
            *held.entry(*u).or_default() += 1;
            let skill = Skill::parse(skill).unwrap();
            if skill != Skill::General {
                assert!(skills.get(u).is_some_and(|s| s.has(skill)), "{engine:?}: {skill:?} to {u}");
            }
        } else {
            assert_eq!(status, "open");
        }
    }
    for (u, n) in &held {
        let cap =
            if skills.contains_key(u) { rules.per_volunteer.max(rules.per_grid_worker) } else { rules.per_grid_worker };
        assert!(*n <= cap, "{engine:?}: {u} holds {n}");
    }
    // One real incident at a time; a drill may run beside it, flagged.
    let again = emergency::declare(&db, &admin, at + 1, std::slice::from_ref(&s), &rainstorm(&[], false)).await;
    assert!(matches!(again, Err(AppError::Conflict(e)) if e.key == "errors.incident.active"), "{engine:?}");
    let drill =
        emergency::declare(&db, &admin, at + 2, std::slice::from_ref(&s), &rainstorm(&[GRID1], true)).await.unwrap();
    assert!(drill[0].incident.is_drill());
    let drill_alerts = emergency::alerts_of(&db, drill[0].incident.id).await.unwrap();
    assert!(drill_alerts.iter().all(|a| a.drill == 1), "{engine:?}");
    // The real alert goes by SMS to every resident's number in the grid; the drill's to none.
    let real = emergency::alerts_of(&db, d.incident.id).await.unwrap();
    let phones: i64 = sqlx::query_scalar(
        "SELECT COUNT(DISTINCT phone) FROM people WHERE household_path LIKE $1 || '%' AND phone IS NOT NULL AND phone <> '' \
         AND phone NOT IN (SELECT phone FROM users WHERE phone IS NOT NULL)",
    )
    .bind(&g1.path)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let sms =
        wushe_app::notifications::broadcast_progress(&db, &format!("alert:{}", real[0].identifier)).await.unwrap();
    assert!(phones > 0 && sms.0 == phones, "{engine:?}: {sms:?} for {phones} numbers");
    let none = wushe_app::notifications::broadcast_progress(&db, &format!("alert:{}", drill_alerts[0].identifier))
        .await
        .unwrap();
    assert_eq!(none.0, 0, "{engine:?}: a drill texts nobody");
    assert_eq!(emergency::active_in(&db, s.id).await.unwrap().len(), 2);

    // The grid worker records a result for a resident of their grid in one step.
    let grid_task = list.iter().find(|c| c.1 == grid.user_id).or(list.first()).unwrap();
    let safe = ResultForm { result: "safe".into(), note: String::new() };
    let c = emergency::record(&db, &grid, at + 60_000, CheckinId::from(grid_task.0), &safe).await.unwrap();
    assert_eq!(c.result(), Some(wushe_domain::emergency::CheckinResult::Safe));
    let twice = emergency::record(&db, &grid, at + 61_000, CheckinId::from(grid_task.0), &safe).await;
    assert!(matches!(twice, Err(AppError::Conflict(_))), "{engine:?}: recorded once");
    // Someone needing help becomes an urgent need in the ledger.
    let other = list.iter().find(|c| c.0 != grid_task.0).unwrap();
    let help = ResultForm { result: "needs_help".into(), note: "家中进水，需要转移".into() };
    let c = emergency::record(&db, &admin, at + 120_000, CheckinId::from(other.0), &help).await.unwrap();
    let need = c.need_id.expect("a need");
    let (urgency, channel): (String, String) = sqlx::query_as("SELECT urgency, channel FROM needs WHERE id = $1")
        .bind(need)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!((urgency.as_str(), channel.as_str()), ("urgent", "visit"), "{engine:?}");

    // The volunteer sees their own visits in full, and cannot record anyone else's.
    let vol = actor(&db, Role::Volunteer, S, "volunteer.s").await;
    let mine = emergency::mine(&db, &vol, at + 130_000).await.unwrap();
    let theirs = list.iter().find(|c| c.1.is_some() && c.1 != vol.user_id && c.0 != grid_task.0 && c.0 != other.0);
    if let Some(t) = theirs {
        let r = emergency::record(&db, &vol, at + 131_000, CheckinId::from(t.0), &safe).await;
        assert!(matches!(r, Err(AppError::NotFound)), "{engine:?}: {r:?}");
    }
    let viewed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'emergency.vulnerable_viewed'")
        .fetch_one(&db.pool)
        .await
        .unwrap_or(0);
    let viewed_entries: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_entries WHERE action = 'emergency.vulnerable_viewed'")
            .fetch_one(&db.pool)
            .await
            .unwrap_or(0);
    assert!(!mine.is_empty(), "{engine:?}: volunteer.s was sent too");
    {
        assert!(viewed + viewed_entries >= 1, "{engine:?}: the look is audited");
        assert!(mine.iter().all(|v| !v.name.is_empty()));
        // Declining sends the visit to someone else, never back to the decliner.
        let first = mine[0].checkin.id;
        emergency::decline(&db, &vol, at + 140_000, first).await.unwrap();
        let after: Option<i64> = sqlx::query_scalar("SELECT assignee_user_id FROM checkins WHERE id = $1")
            .bind(first.get())
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_ne!(after, vol.user_id, "{engine:?}");
    }

    // Visits past their time go back and are given to someone else.
    let due: i64 =
        sqlx::query_scalar("SELECT MAX(due_at) FROM checkins WHERE incident_id = $1 AND status = 'dispatched'")
            .bind(d.incident.id.get())
            .fetch_one(&db.pool)
            .await
            .unwrap();
    emergency::sweep(&db, due + 1).await.unwrap();
    let overdue: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM checkin_events WHERE incident_id = $1 AND kind = 'overdue'")
            .bind(d.incident.id.get())
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert!(overdue > 0, "{engine:?}");

    // Switching back takes a summary; then the cancel goes out and nobody records any more.
    let short = emergency::close(&db, &admin, at + 7_200_000, d.incident.id, &CloseForm { summary: "好".into() }).await;
    assert!(matches!(short, Err(AppError::Invalid(e)) if e.0[0].field == "summary"), "{engine:?}");
    let summary = CloseForm { summary: "积水已退，独居老人全部确认平安。".into() };
    let closed = emergency::close(&db, &admin, at + 7_200_000, d.incident.id, &summary).await.unwrap();
    assert!(!closed.active());
    let alerts = emergency::alerts_of(&db, d.incident.id).await.unwrap();
    let kinds: Vec<&str> = alerts.iter().map(|a| a.kind.code()).collect();
    assert_eq!(kinds, ["alert", "cancel"], "{engine:?}");
    assert_eq!(alerts[1].replaces, Some(alerts[0].id));
    let log = emergency::log_of(&db, d.incident.id).await.unwrap();
    assert_eq!(log.iter().map(|l| l.kind.as_str()).collect::<Vec<_>>(), ["declared", "closed"]);
    let late = emergency::record(&db, &admin, at + 7_300_000, CheckinId::from(list.last().unwrap().0), &safe).await;
    assert!(late.is_err(), "{engine:?}: the incident is over");
    assert!(emergency::mine(&db, &vol, at + 7_300_000).await.unwrap().iter().all(|v| v.drill), "{engine:?}");
}

both_engines!(a_street_officer_declares_for_the_street_and_no_further, street_body);
async fn street_body(db: Db, engine: Engine) {
    let street = actor(&db, Role::StreetOfficer, "510104001", "street.s").await;
    let s = areas::by_code(&db, S).await.unwrap();
    let a = areas::by_code(&db, "310106001001").await.unwrap();
    let at = 1_800_000_000_000;
    let r = emergency::declare(&db, &street, at, &[s.clone(), a], &rainstorm(&[], false)).await;
    assert!(matches!(r, Err(AppError::Forbidden)), "{engine:?}: not another street's community");
    let out = emergency::declare(&db, &street, at, std::slice::from_ref(&s), &rainstorm(&[], false)).await.unwrap();
    assert_eq!(out.len(), 1);
    assert!(out[0].incident.batch.ends_with(&street.user_id.unwrap().to_string()));
    // The street officer sees the board's figures but no resident's name.
    let board = emergency::board(&db, &street, at + 1, out[0].incident.id).await.unwrap();
    assert!(board.total.total > 0 && board.unreached.is_empty() && !board.on_duty_reader, "{engine:?}");
}

both_engines!(supplies_never_overdraw_and_recovery_is_measured, supplies_body);
async fn supplies_body(db: Db, engine: Engine) {
    use wushe_app::emergency::{IssueForm, MatchForm, OfferForm, ReadingForm, ReviewForm};
    let admin = actor(&db, Role::CommunityAdmin, S, "admin.s").await;
    let s = areas::by_code(&db, S).await.unwrap();
    let at = 1_800_064_800_000;
    let d = emergency::declare(&db, &admin, at, std::slice::from_ref(&s), &rainstorm(&[GRID1], false)).await.unwrap();
    let id = d[0].incident.id;
    let stock = wushe_app::resources::stockpiles_in(&db, s.id).await.unwrap();
    let kits = stock.iter().find(|r| r.name.contains("急救包")).expect("the demo's first-aid kits");
    let left = kits.quantity.unwrap();
    let home: String = sqlx::query_scalar(
        "SELECT code FROM areas WHERE kind = 'household' AND path LIKE $1 || '%' ORDER BY path LIMIT 1",
    )
    .bind(areas::by_code(&db, GRID1).await.unwrap().path)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let issue =
        |q: i64| IssueForm { resource: kits.id.to_string(), household_code: home.clone(), quantity: q.to_string() };
    // Ten people at once each give out a third of the stock: only three succeed.
    let mut tasks = Vec::new();
    for k in 0..10 {
        let (db, admin, f) = (db.clone(), admin.clone(), issue(left / 3));
        tasks.push(tokio::spawn(async move { emergency::issue(&db, &admin, at + k, id, &f).await }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(()) => ok += 1,
            Err(AppError::Invalid(e)) => assert_eq!(e.0[0].key, "errors.stock.negative", "{engine:?}"),
            Err(e) => panic!("{engine:?}: {e:?}"),
        }
    }
    assert_eq!(ok, 3, "{engine:?}");
    let after = wushe_app::resources::stockpiles_in(&db, s.id).await.unwrap();
    let now_left = after.iter().find(|r| r.id == kits.id).unwrap().quantity.unwrap();
    assert_eq!(now_left, left - 3 * (left / 3), "{engine:?}");
    let issued = emergency::issued(&db, id).await.unwrap();
    assert_eq!(issued.iter().map(|x| x.quantity).sum::<i64>(), 3 * (left / 3));
    let bad =
        emergency::issue(&db, &admin, at, id, &IssueForm { household_code: "510104001001".into(), ..issue(1) }).await;
    assert!(matches!(bad, Err(AppError::Invalid(e)) if e.0[0].field == "household_code"), "{engine:?}");
    // An offer of kits, suggested for the kits' stockpile and taken into it.
    let offer = OfferForm {
        offered_by: "爱心药房".into(),
        what: "急救包".into(),
        quantity: "12".into(),
        unit: "个".into(),
        organization: String::new(),
    };
    let o = emergency::record_offer(&db, &admin, at + 100, id, &offer).await.unwrap();
    let offers = emergency::offers(&db, id).await.unwrap();
    let first = offers.iter().find(|x| x.id == o).unwrap();
    assert_eq!(emergency::suggestions(first, &after).first().map(|r| r.id), Some(kits.id), "{engine:?}");
    emergency::match_offer(
        &db,
        &admin,
        at + 200,
        o,
        &MatchForm { resource: kits.id.to_string(), ..MatchForm::default() },
    )
    .await
    .unwrap();
    let again = emergency::match_offer(
        &db,
        &admin,
        at + 300,
        o,
        &MatchForm { resource: kits.id.to_string(), ..MatchForm::default() },
    )
    .await;
    assert!(matches!(again, Err(AppError::Conflict(_))), "{engine:?}: an offer is taken in once");
    let stocked = wushe_app::resources::stockpiles_in(&db, s.id).await.unwrap();
    assert_eq!(stocked.iter().find(|r| r.id == kits.id).unwrap().quantity.unwrap(), now_left + 12);
    // Power down to 40% at once, back to 100% six hours later: 180 percent-hours lost.
    let reading = |p: &str| ReadingForm {
        service: "power".into(),
        percent: p.into(),
        minutes_ago: String::new(),
        note: String::new(),
    };
    emergency::record_reading(&db, &admin, at, id, &reading("40")).await.unwrap();
    emergency::record_reading(&db, &admin, at + 6 * 3_600_000, id, &reading("100")).await.unwrap();
    let bad = emergency::record_reading(&db, &admin, at, id, &reading("140")).await;
    assert!(matches!(bad, Err(AppError::Invalid(e)) if e.0[0].field == "percent"), "{engine:?}");
    let r = emergency::recovery(&db, &admin, at + 7 * 3_600_000, id).await.unwrap();
    assert_eq!(r.curves.len(), 1);
    assert!((r.loss - 180.0).abs() < 1e-6, "{engine:?}: {}", r.loss);
    // The review waits for the close, then joins the archive.
    let review = ReviewForm { lessons: "沙袋提前下发到低洼楼栋。".into(), ..ReviewForm::default() };
    assert!(matches!(emergency::save_review(&db, &admin, at, id, &review).await, Err(AppError::Conflict(_))));
    emergency::close(
        &db,
        &admin,
        at + 8 * 3_600_000,
        id,
        &CloseForm { summary: "积水退去，供电恢复，全部确认。".into() },
    )
    .await
    .unwrap();
    emergency::save_review(&db, &admin, at + 9 * 3_600_000, id, &review).await.unwrap();
    let archive = emergency::archive(&db, &admin, &s).await.unwrap();
    assert!(archive.iter().any(|x| x.incident_id == id.get() && x.lessons.contains("沙袋")), "{engine:?}");
    let closed = emergency::issue(&db, &admin, at + 9 * 3_600_000, id, &issue(1)).await;
    assert!(matches!(closed, Err(AppError::Conflict(_))), "{engine:?}: no issues after the close");
}
