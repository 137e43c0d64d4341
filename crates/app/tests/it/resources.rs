//! The resource database, matching, claiming and booking on both engines: ownership and privacy,
//! stock that never goes negative under concurrent withdrawals, ranked matches, exactly one
//! winner among concurrent claims and bookings, expiry, and all-or-nothing import.

use wushe_app::bookings::{self, BookingForm};
use wushe_app::needs::ledger::ImportError;
use wushe_app::needs::{self, NeedForm};
use wushe_app::resources::{self, ResourceForm};
use wushe_app::{Actor, AppError, Db, areas, claims};
use wushe_domain::access::{Grant, Grants, Role};
use wushe_domain::ids::ResourceId;
use wushe_domain::needs::{EventKind, NeedStatus};
use wushe_domain::policy::Ask;
use wushe_domain::resources::{BookingStatus, date_of, local_day_minute};
use wushe_testkit::{Engine, both_engines, sqlx};

const S: &str = "510104001001";
const GRID1: &str = "51010400100101";
const HOME: &str = "510104001001010010001";
const A: &str = "310106001001";
/// 2030-01-08 09:00 in Shanghai, a Tuesday.
const T0: i64 = 1_894_064_400_000;
const H: i64 = 3_600_000;

async fn user_id(db: &Db, username: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE username = $1").bind(username).fetch_one(&db.pool).await.unwrap()
}

async fn actor(db: &Db, role: Role, code: &str, username: &str) -> Actor {
    let a = areas::by_code(db, code).await.expect("area");
    Actor {
        user_id: Some(user_id(db, username).await),
        grants: Grants { signed_in: true, grants: vec![Grant { role, area_path: a.path }] },
        operator: false,
    }
}

async fn resource_named(db: &Db, name: &str) -> ResourceId {
    let id: i64 =
        sqlx::query_scalar("SELECT id FROM resources WHERE name = $1").bind(name).fetch_one(&db.pool).await.unwrap();
    ResourceId::from(id)
}

fn skill(area: &str, owner: &str, name: &str, category: &str) -> ResourceForm {
    ResourceForm {
        address: "3栋2单元501".into(),
        area_code: area.into(),
        kind: "skill".into(),
        name: name.into(),
        categories: category.into(),
        tags: "维修".into(),
        owner: owner.into(),
        capacity: "2".into(),
        contact_name: "王师傅".into(),
        contact_phone: "13912345678".into(),
        ..Default::default()
    }
}

both_engines!(volunteers_keep_their_own_resources_and_contacts_stay_masked, ownership_body);
async fn ownership_body(db: Db, engine: Engine) {
    let vol = actor(&db, Role::Volunteer, S, "volunteer.s").await;
    let org = actor(&db, Role::OrgMember, S, "org.s").await;
    let admin = actor(&db, Role::CommunityAdmin, S, "admin.s").await;
    let grid = actor(&db, Role::GridWorker, GRID1, "grid.s1").await;
    let other = actor(&db, Role::CommunityAdmin, A, "admin.a").await;
    // A volunteer registers their own skill; it is theirs.
    let mine =
        resources::create(&db, &vol, T0, skill(GRID1, "self", "水管维修", "repairs").parse().unwrap()).await.unwrap();
    assert_eq!(mine.owner_user_id, vol.user_id, "{engine:?}");
    // …but may not register one for the community or for an organization they are not in.
    let court: i64 = sqlx::query_scalar("SELECT id FROM organizations WHERE name = '乔法官工作室'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    for owner in [String::new(), format!("org:{court}"), "org:999999".to_string()] {
        let owner = owner.as_str();
        let e =
            resources::create(&db, &vol, T0, skill(GRID1, owner, "x", "repairs").parse().unwrap()).await.unwrap_err();
        assert!(matches!(&e, AppError::Invalid(f) if f.0[0].field == "owner"), "{engine:?} {owner}: {e:?}");
    }
    // …nor above their community, where it would show in every neighbouring community.
    for above in ["510104001", "51"] {
        let e =
            resources::create(&db, &vol, T0, skill(above, "self", "x", "repairs").parse().unwrap()).await.unwrap_err();
        assert!(matches!(&e, AppError::Invalid(f) if f.0[0].field == "area_code"), "{engine:?} {above}: {e:?}");
    }
    let mut space = skill(S, "", "街道活动中心", "");
    space.kind = "space".into();
    let e = resources::create(
        &db,
        &Actor::operator(),
        T0,
        ResourceForm { area_code: "510104001".into(), ..space }.parse().unwrap(),
    )
    .await
    .unwrap_err();
    assert!(matches!(&e, AppError::Invalid(f) if f.0[0].key == "errors.resource.space_outside"), "{e:?}");
    let e = resources::create(&db, &vol, T0, skill("", "self", "x", "repairs").parse().unwrap()).await.unwrap_err();
    assert!(
        matches!(&e, AppError::Invalid(f) if f.0[0] == wushe_domain::FieldError::new("area_code", "errors.required"))
    );
    // The org member acts for the organization they work for, not for others.
    let care: i64 = sqlx::query_scalar("SELECT id FROM organizations WHERE name = '锦里颐养服务中心'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let kids: i64 = sqlx::query_scalar("SELECT id FROM organizations WHERE name = '彩虹桥儿童关爱中心'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let svc =
        resources::create(&db, &org, T0, skill(S, &format!("org:{care}"), "助浴", "elderly_care").parse().unwrap())
            .await
            .unwrap();
    assert_eq!(svc.owner_org_id, Some(care));
    assert!(
        resources::create(&db, &org, T0, skill(S, &format!("org:{kids}"), "x", "child_care").parse().unwrap())
            .await
            .is_err()
    );
    // Editing: the owner and curators may; another volunteer-like reader may not.
    let hall = resource_named(&db, "红色议事厅").await;
    let (h, _) = resources::get(&db, &vol, hall).await.unwrap();
    let mut f = ResourceForm::from(&h);
    f.name = "改名".into();
    let e = resources::update(&db, &vol, T0, hall, h.version, f.parse().unwrap()).await.unwrap_err();
    assert!(matches!(e, AppError::Forbidden), "{engine:?}: {e:?}");
    let mut f = ResourceForm::from(&mine);
    f.schedule = "6-7 09:00-12:00".into();
    let updated = resources::update(&db, &vol, T0 + 1, mine.id, mine.version, f.parse().unwrap()).await.unwrap();
    assert_eq!(updated.version, mine.version + 1);
    // A stale version is refused, not overwritten.
    let e = resources::update(&db, &admin, T0 + 2, mine.id, mine.version, ResourceForm::from(&mine).parse().unwrap())
        .await
        .unwrap_err();
    assert!(matches!(&e, AppError::Conflict(f) if f.key == "errors.stale_version"), "{e:?}");
    // The contact of a person's skill: full for the owner and staff with purpose, masked otherwise.
    let (r, rec) = resources::get(&db, &org, mine.id).await.unwrap();
    let a = org.may(&rec, Ask::ResourceContact);
    assert_eq!(resources::shown_contact(&r, a).1, "139****5678");
    assert_eq!(resources::shown_address(&r, a), "", "a volunteer's address is theirs");
    assert_eq!(resources::shown_contact(&r, a).0, "王**");
    let (r, rec) = resources::get(&db, &vol, mine.id).await.unwrap();
    let a = vol.may(&rec, Ask::ResourceContact);
    assert_eq!(resources::shown_contact(&r, a).1, "13912345678");
    let (r, rec) = resources::get(&db, &grid, mine.id).await.unwrap();
    let a = grid.may(&rec, Ask::ResourceContact);
    assert_eq!(resources::shown_contact(&r, a).1, "13912345678", "grid workers visit residents");
    // Another community's staff cannot see it at all.
    assert!(matches!(resources::get(&db, &other, mine.id).await, Err(AppError::NotFound)));
    let a_comm = areas::by_code(&db, A).await.unwrap();
    let (list, _) = resources::list(&db, &other, &a_comm, &Default::default()).await.unwrap();
    assert!(list.iter().all(|r| r.area_path.starts_with(&a_comm.path)), "{engine:?}");
    let s_comm = areas::by_code(&db, S).await.unwrap();
    assert!(matches!(resources::list(&db, &other, &s_comm, &Default::default()).await, Err(AppError::NotFound)));
    // Bad input names its field.
    let mut bad = skill(GRID1, "self", "", "repairs");
    bad.schedule = "周八 25:00".into();
    bad.capacity = "0".into();
    let errs = bad.parse().unwrap_err();
    let fields: Vec<&str> = errs.0.iter().map(|f| f.field).collect();
    assert!(fields.contains(&"name") && fields.contains(&"schedule") && fields.contains(&"capacity"), "{fields:?}");
    let e = resources::create(&db, &vol, T0, skill(GRID1, "self", "x", "no_such").parse().unwrap()).await.unwrap_err();
    assert!(matches!(&e, AppError::Invalid(f) if f.0[0].field == "categories"));
}

both_engines!(stock_never_goes_negative_when_withdrawals_race, stock_body);
async fn stock_body(db: Db, engine: Engine) {
    let admin = actor(&db, Role::CommunityAdmin, S, "admin.s").await;
    let kits = resource_named(&db, "急救包").await;
    let mut tasks = Vec::new();
    for i in 0..10 {
        let (db, admin) = (db.clone(), admin.clone());
        tasks.push(tokio::spawn(async move { resources::move_stock(&db, &admin, T0 + i, kits, "-4", "发放").await }));
    }
    let (mut ok, mut refused) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(AppError::Invalid(f)) if f.0[0].key == "errors.stock.negative" => refused += 1,
            Err(e) => panic!("{engine:?}: {e:?}"),
        }
    }
    assert_eq!((ok, refused), (7, 3), "{engine:?}: 30 kits, 4 each");
    let (r, _) = resources::get(&db, &admin, kits).await.unwrap();
    assert_eq!(r.quantity, Some(2));
    let moves = resources::stock_moves(&db, &r).await.unwrap();
    assert_eq!(moves.iter().map(|m| m.delta).sum::<i64>(), 2, "moves add up to the level");
    assert!(moves.iter().all(|m| m.balance >= 0));
    let e = resources::move_stock(&db, &admin, T0, kits, "0", "x").await.unwrap_err();
    assert!(matches!(&e, AppError::Invalid(f) if f.0[0].key == "errors.stock.zero"));
    let hall = resource_named(&db, "红色议事厅").await;
    assert!(resources::move_stock(&db, &admin, T0, hall, "1", "x").await.is_err(), "spaces have no stock");
}

async fn need_in_grid1(db: &Db, category: &str, title: &str, at: i64) -> needs::Need {
    let resident = actor(db, Role::Resident, HOME, "resident.s").await;
    let community = areas::by_code(db, S).await.unwrap();
    let form = NeedForm {
        category: category.into(),
        title: title.into(),
        description: format!("{title}，请帮忙。"),
        channel: "online".into(),
        ..Default::default()
    };
    let new = needs::parse_form(db, &resident, &community, &form).await.unwrap();
    needs::submit(db, &resident, at, new).await.unwrap()
}

both_engines!(matches_rank_fit_then_availability_and_say_why, matching_body);
async fn matching_body(db: Db, engine: Engine) {
    let admin = actor(&db, Role::CommunityAdmin, S, "admin.s").await;
    // Saturday 10:00: the repair stall (weekends 09:00–17:00) is open.
    let saturday = T0 + 4 * 24 * H + H;
    let n = need_in_grid1(&db, "repairs", "家里电饭煲坏了", saturday).await;
    let (_, list) = resources::matches(&db, &admin, n.id, saturday, 10).await.unwrap();
    assert_eq!(
        list[0].name,
        "老党员电器维修便民小站",
        "{engine:?}: {:?}",
        list.iter().map(|m| &m.name).collect::<Vec<_>>()
    );
    assert!(list[0].ranked.available);
    assert!(list.iter().all(|m| m.name != "四点半课堂"), "unfit resources are not listed");
    // On Tuesday at 10:00 the stall is closed and ranks after open resources of the same fit.
    let (_, list) = resources::matches(&db, &admin, n.id, T0 + H, 10).await.unwrap();
    let stall = list.iter().position(|m| m.name == "老党员电器维修便民小站").unwrap();
    assert!(!list[stall].ranked.available);
    assert!(list[..stall].iter().all(|m| m.ranked.available || m.ranked.fit > list[stall].ranked.fit));
    // Residents and volunteers may not see the matching list; other communities get 404.
    let vol = actor(&db, Role::Volunteer, S, "volunteer.s").await;
    assert!(resources::matches(&db, &vol, n.id, T0, 10).await.is_err());
    let other = actor(&db, Role::CommunityAdmin, A, "admin.a").await;
    assert!(matches!(resources::matches(&db, &other, n.id, T0, 10).await, Err(AppError::NotFound)));
    // Supplies past their expiry date are not offered; those still good are.
    for (name, expires) in [("过期电池", "2029-12-31"), ("新电池", "2030-12-31")] {
        let f = ResourceForm {
            area_code: S.into(),
            kind: "supply".into(),
            name: name.into(),
            categories: "repairs".into(),
            quantity: "10".into(),
            expires_on: expires.into(),
            ..Default::default()
        };
        resources::create(&db, &admin, saturday, f.parse().unwrap()).await.unwrap();
    }
    let (_, list) = resources::matches(&db, &admin, n.id, saturday, 50).await.unwrap();
    let names: Vec<&str> = list.iter().map(|m| m.name.as_str()).collect();
    assert!(names.contains(&"新电池") && !names.contains(&"过期电池"), "{engine:?}: {names:?}");
    // A street-wide service closed that Saturday is closed in a rebuilt snapshot too.
    let op = Actor::operator();
    let street_svc = resources::create(
        &db,
        &op,
        saturday,
        ResourceForm {
            area_code: "510104001".into(),
            kind: "service".into(),
            name: "街道维修服务队".into(),
            categories: "repairs".into(),
            ..Default::default()
        }
        .parse()
        .unwrap(),
    )
    .await
    .unwrap();
    let day = wushe_domain::resources::Exception::parse("2030-01-12", "", "", false).unwrap();
    resources::add_exception(&db, &op, saturday, street_svc.id, day, "").await.unwrap();
    resources::forget_all(&db);
    let (_, list) = resources::matches(&db, &admin, n.id, saturday, 50).await.unwrap();
    let svc = list.iter().find(|m| m.name == "街道维修服务队").expect("street services serve the community");
    assert!(!svc.ranked.available, "{engine:?}: the street's closure applies");
    // A grid worker ranks only what they may open: not another grid's resources.
    let other_grid = resources::create(
        &db,
        &admin,
        saturday,
        skill("51010400100102", "", "二网格水电工", "repairs").parse().unwrap(),
    )
    .await
    .unwrap();
    let grid = actor(&db, Role::GridWorker, GRID1, "grid.s1").await;
    let (_, mine) = resources::matches(&db, &grid, n.id, saturday, 50).await.unwrap();
    assert!(mine.iter().all(|m| m.ranked.id != other_grid.id.get()), "{engine:?}");
    let (_, all) = resources::matches(&db, &admin, n.id, saturday, 50).await.unwrap();
    assert!(all.iter().any(|m| m.ranked.id == other_grid.id.get()));
    // A paused resource drops out at once (local writes refresh the snapshot).
    let (r, _) = resources::get(&db, &admin, resource_named(&db, "老党员电器维修便民小站").await).await.unwrap();
    let mut f = ResourceForm::from(&r);
    f.status = "paused".into();
    resources::update(&db, &admin, saturday, r.id, r.version, f.parse().unwrap()).await.unwrap();
    let (_, list) = resources::matches(&db, &admin, n.id, saturday, 10).await.unwrap();
    assert!(list.iter().all(|m| m.name != "老党员电器维修便民小站"), "{engine:?}");
}

both_engines!(exactly_one_of_two_concurrent_claims_wins_and_claims_expire, claims_body);
async fn claims_body(db: Db, engine: Engine) {
    let admin = actor(&db, Role::CommunityAdmin, S, "admin.s").await;
    let vol = actor(&db, Role::Volunteer, S, "volunteer.s").await;
    let org = actor(&db, Role::OrgMember, S, "org.s").await;
    let n = need_in_grid1(&db, "repairs", "楼道灯不亮", T0).await;
    // Not listed yet: nobody can claim it.
    assert!(matches!(claims::claim(&db, &vol, T0, n.id, None).await, Err(AppError::NotFound)));
    claims::list_need(&db, &admin, T0, n.id, "2").await.unwrap();
    let e = claims::list_need(&db, &admin, T0, n.id, "2").await.unwrap_err();
    assert!(matches!(&e, AppError::Conflict(f) if f.key == "errors.claim.already_listed"), "{e:?}");
    // The volunteer's repair skill fits: it is on their list, nearest first.
    let list = claims::claimable(&db, &vol, false).await.unwrap();
    assert!(list.iter().any(|c| c.need.id == n.id && c.fits), "{engine:?}");
    // Two claims at once: exactly one wins, the other is told it was taken.
    let (d1, d2, v, o) = (db.clone(), db.clone(), vol.clone(), org.clone());
    let (a, b) = tokio::join!(
        tokio::spawn(async move { claims::claim(&d1, &v, T0 + 1, n.id, None).await }),
        tokio::spawn(async move { claims::claim(&d2, &o, T0 + 1, n.id, None).await })
    );
    let results = [a.unwrap(), b.unwrap()];
    let wins = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(wins, 1, "{engine:?}: {results:?}");
    for r in &results {
        if let Err(e) = r {
            assert!(matches!(e, AppError::Conflict(f) if f.key == "errors.claim.taken"), "{engine:?}: {e:?}");
        }
    }
    let winner = results.iter().find_map(|r| r.as_ref().ok()).unwrap();
    assert_eq!(winner.status, NeedStatus::Assigned);
    let holder = if winner.assignee_user_id == vol.user_id { vol.clone() } else { org.clone() };
    let loser = if winner.assignee_user_id == vol.user_id { org.clone() } else { vol.clone() };
    assert!(
        claims::claimable(&db, &vol, true).await.unwrap().iter().all(|c| c.need.id != n.id),
        "taken needs leave the list"
    );
    let events: Vec<EventKind> = needs::timeline(&db, winner).await.unwrap().iter().map(|e| e.kind).collect();
    assert!(events.ends_with(&[EventKind::Listed, EventKind::Claimed]), "{events:?}");
    // Only the holder (or staff) may release it; then it is back on the list, unassigned.
    assert!(claims::release(&db, &loser, T0 + 2, n.id, "").await.is_err());
    let back = claims::release(&db, &holder, T0 + 2, n.id, "临时有事").await.unwrap();
    assert_eq!((back.status, back.assignee_user_id), (NeedStatus::Accepted, None));
    assert!(claims::claimable(&db, &vol, true).await.unwrap().iter().any(|c| c.need.id == n.id));
    // A claim not started within the listing's 2 hours expires and the need returns.
    claims::claim(&db, &vol, T0 + 3, n.id, None).await.unwrap();
    assert_eq!(claims::expire(&db, T0 + 3 + H).await.unwrap(), 0, "not yet");
    assert_eq!(claims::expire(&db, T0 + 3 + 2 * H).await.unwrap(), 1, "{engine:?}");
    let (after, _) = needs::get(&db, &admin, n.id).await.unwrap();
    assert_eq!((after.status, after.assignee_user_id), (NeedStatus::Accepted, None));
    assert!(claims::active_claim(&db, n.id).await.unwrap().is_none());
    // Once work starts, the claim no longer expires.
    claims::claim(&db, &vol, T0 + 4 * H, n.id, None).await.unwrap();
    let (cur, _) = needs::get(&db, &vol, n.id).await.unwrap();
    let st = needs::Step {
        event: EventKind::Started,
        version: cur.version,
        note: String::new(),
        assignee: None,
        rating: String::new(),
        merge_into: None,
    };
    needs::step(&db, &vol, T0 + 5 * H, n.id, st).await.unwrap();
    assert_eq!(claims::expire(&db, T0 + 100 * H).await.unwrap(), 0);
    assert!(claims::active_claim(&db, n.id).await.unwrap().is_some());
    // Staff reassign it: the claim is over, and its holder can no longer take it back.
    let care: i64 = sqlx::query_scalar("SELECT id FROM organizations WHERE name = '锦里颐养服务中心'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let (cur, _) = needs::get(&db, &admin, n.id).await.unwrap();
    let st = needs::Step {
        event: EventKind::Assigned,
        version: cur.version,
        note: String::new(),
        assignee: Some(needs::Assignee::Organization(care)),
        rating: String::new(),
        merge_into: None,
    };
    needs::step(&db, &admin, T0 + 101 * H, n.id, st).await.unwrap();
    assert!(claims::active_claim(&db, n.id).await.unwrap().is_none(), "{engine:?}");
    assert!(claims::release(&db, &vol, T0 + 102 * H, n.id, "").await.is_err());
    let (after, _) = needs::get(&db, &admin, n.id).await.unwrap();
    assert_eq!(after.assignee_org_id, Some(care), "the reassignment stands");
    // Claiming for an organization of another community is refused, even for its member.
    let m = need_in_grid1(&db, "legal", "遗嘱怎么写", T0).await;
    claims::list_need(&db, &admin, T0, m.id, "").await.unwrap();
    let court: i64 = sqlx::query_scalar("SELECT id FROM organizations WHERE name = '乔法官工作室'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let person = wushe_app::accounts::person_of(&db, org.user_id.unwrap()).await.unwrap().unwrap();
    wushe_app::organizations::add_member(&db, &Actor::operator(), T0, court.into(), person, "member", None)
        .await
        .unwrap();
    let e = claims::claim(&db, &org, T0 + 1, m.id, Some(court)).await.unwrap_err();
    assert!(matches!(&e, AppError::Invalid(f) if f.0[0].field == "org"), "{engine:?}: {e:?}");
}

fn slot(day: i64, from: &str, to: &str) -> BookingForm {
    BookingForm {
        date: date_of(day),
        from: from.into(),
        to: to.into(),
        purpose: "楼组议事".into(),
        attendees: "10".into(),
    }
}

both_engines!(concurrent_bookings_of_one_slot_end_with_exactly_one, booking_body);
async fn booking_body(db: Db, engine: Engine) {
    let resident = actor(&db, Role::Resident, HOME, "resident.s").await;
    let admin = actor(&db, Role::CommunityAdmin, S, "admin.s").await;
    let room = resource_named(&db, "社区活动室").await; // 08:00–21:00 daily, at most 180 minutes
    let day = local_day_minute(T0).0 + 1;
    let mut tasks = Vec::new();
    for _ in 0..30 {
        let (db, r) = (db.clone(), resident.clone());
        tasks.push(tokio::spawn(async move { bookings::book(&db, &r, T0, room, &slot(day, "14:00", "16:00")).await }));
    }
    let (mut ok, mut taken) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(AppError::Conflict(f)) if f.key == "errors.booking.taken" => taken += 1,
            Err(e) => panic!("{engine:?}: unexpected {e:?}"),
        }
    }
    assert_eq!((ok, taken), (1, 29), "{engine:?}");
    // An overlapping booking is taken too; an adjacent one is fine.
    let e = bookings::book(&db, &admin, T0, room, &slot(day, "15:30", "17:00")).await.unwrap_err();
    assert!(matches!(&e, AppError::Conflict(f) if f.key == "errors.booking.taken"));
    let next = bookings::book(&db, &admin, T0, room, &slot(day, "16:00", "17:00")).await.unwrap();
    assert_eq!(next.status, BookingStatus::Confirmed);
    // The rules: hours, maximum, half hours, the past.
    for (f, key) in [
        (slot(day, "20:30", "21:30"), "errors.booking.closed"),
        (slot(day, "09:00", "12:30"), "errors.booking.too_long"),
        (slot(day, "09:10", "10:00"), "errors.booking.slot"),
        (slot(day - 2, "09:00", "10:00"), "errors.booking.past"),
        (slot(day, "10:00", "09:00"), "errors.time.order"),
    ] {
        let e = bookings::book(&db, &resident, T0, room, &f).await.unwrap_err();
        assert!(matches!(&e, AppError::Invalid(x) if x.0[0].key == key), "{engine:?} {key}: {e:?}");
    }
    let mut crowd = slot(day, "09:00", "10:00");
    crowd.attendees = "500".into();
    assert!(matches!(bookings::book(&db, &resident, T0, room, &crowd).await, Err(AppError::Invalid(_))));
    // Moving onto a taken time keeps the old booking; cancelling frees the slot.
    let mine = bookings::mine(&db, &resident, T0).await.unwrap().remove(0);
    assert!(bookings::change(&db, &resident, T0, mine.id, &slot(day, "16:00", "17:00")).await.is_err());
    assert_eq!(bookings::get(&db, mine.id).await.unwrap().starts_at, mine.starts_at);
    let moved = bookings::change(&db, &resident, T0, mine.id, &slot(day, "10:00", "12:00")).await.unwrap();
    assert_eq!(moved.version, mine.version + 1);
    bookings::book(&db, &admin, T0, room, &slot(day, "14:00", "15:00")).await.expect("the old time is free again");
    // Someone else may not cancel it; the booker may, and the slot frees.
    let other = actor(&db, Role::Volunteer, S, "volunteer.s").await;
    assert!(matches!(bookings::cancel(&db, &other, T0, moved.id).await, Err(AppError::NotFound)));
    bookings::cancel(&db, &resident, T0, moved.id).await.unwrap();
    bookings::book(&db, &other, T0, room, &slot(day, "10:00", "11:00")).await.unwrap();
    // A space that needs approval: a resident's request waits for staff; the red hall only
    // takes organizations and staff.
    let hall = resource_named(&db, "红色议事厅").await;
    let e = bookings::book(&db, &resident, T0, hall, &slot(day, "10:00", "11:00")).await.unwrap_err();
    assert!(matches!(&e, AppError::Invalid(f) if f.0[0].key == "errors.booking.not_allowed"), "{e:?}");
    let asked = bookings::book(&db, &other, T0, hall, &slot(day, "10:00", "11:00")).await.unwrap();
    assert_eq!(asked.status, BookingStatus::Requested);
    assert!(bookings::decide(&db, &other, T0, asked.id, true).await.is_err(), "a volunteer does not approve");
    let ok = bookings::decide(&db, &admin, T0, asked.id, true).await.unwrap();
    assert_eq!(ok.status, BookingStatus::Confirmed);
    // Moving an approved booking asks again: the manager said yes to the old time.
    let moved_hall = bookings::change(&db, &other, T0, asked.id, &slot(day, "15:00", "16:00")).await.unwrap();
    assert_eq!(moved_hall.status, BookingStatus::Requested, "{engine:?}");
    // Requests nobody decided lapse at their start and free their slots.
    assert_eq!(bookings::expire_requests(&db, T0).await.unwrap(), 0);
    let start = moved_hall.starts_at;
    assert_eq!(bookings::expire_requests(&db, start).await.unwrap(), 1);
    assert_eq!(bookings::get(&db, asked.id).await.unwrap().status, BookingStatus::Rejected);
    // Another community's resident may not book S社区's room.
    let a_res: Actor = Actor {
        user_id: Some(user_id(&db, "admin.a").await),
        grants: Grants {
            signed_in: true,
            grants: vec![Grant { role: Role::Resident, area_path: areas::by_code(&db, A).await.unwrap().path }],
        },
        operator: false,
    };
    assert!(bookings::book(&db, &a_res, T0, room, &slot(day, "18:00", "19:00")).await.is_err());
    // A retired space's bookings can still be cancelled.
    let (r, _) = resources::get(&db, &admin, room).await.unwrap();
    let mut f = ResourceForm::from(&r);
    f.status = "retired".into();
    resources::update(&db, &admin, T0, room, r.version, f.parse().unwrap()).await.unwrap();
    let held = bookings::mine(&db, &other, T0)
        .await
        .unwrap()
        .into_iter()
        .find(|b| b.resource_id == room.get() && b.status.holds())
        .unwrap();
    bookings::cancel(&db, &other, T0, held.id).await.expect("cancel on a retired space");
    // A personal feed token reads one's own bookings only.
    let token = bookings::new_feed_token(&db, &other, T0).await.unwrap();
    let feed = bookings::feed(&db, &token, T0).await.unwrap();
    assert!(!feed.is_empty() && feed.iter().all(|b| Some(b.user_id) == other.user_id));
    assert!(matches!(bookings::feed(&db, &"0".repeat(48), T0).await, Err(AppError::NotFound)));
}

both_engines!(a_resource_sheet_imports_all_rows_or_none, import_body);
async fn import_body(db: Db, engine: Engine) {
    use wushe_app::needs::ledger::Table;
    let admin = actor(&db, Role::CommunityAdmin, S, "admin.s").await;
    let s = areas::by_code(&db, S).await.unwrap();
    let before = resources::count_in(&db, &s.path).await.unwrap();
    let label = |k: &str| k.rsplit('.').next().unwrap_or(k).to_string();
    let labels: [&(dyn Fn(&str) -> String + Sync); 1] = [&label];
    let headers: Vec<String> = ["名称", "类型", "区域编码", "服务类别", "归属组织", "数量", "单位", "开放时间"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let row = |name: &str, kind: &str, area: &str, qty: &str, sched: &str| {
        vec![
            name.into(),
            kind.into(),
            area.into(),
            "emergency".into(),
            String::new(),
            qty.into(),
            "个".into(),
            sched.into(),
        ]
    };
    let bad = Table {
        headers: headers.clone(),
        rows: vec![
            row("灭火器", "equipment", S, "12", ""),
            row("发电机", "machine", S, "1", ""),
            row("手电筒", "supply", "999999", "5", "1-5 25:00"),
        ],
    };
    match wushe_app::resources::sheets::import(&db, &admin, T0, &s, &bad, &labels).await {
        Err(ImportError::Rows(rows)) => {
            let got: Vec<(usize, &str)> = rows.first.iter().map(|r| (r.row, r.column.as_str())).collect();
            assert!(got.contains(&(3, "类型")), "{got:?}");
            assert!(got.contains(&(4, "区域编码")), "{got:?}");
            assert!(got.contains(&(4, "开放时间")), "{got:?}");
        }
        other => panic!("{engine:?}: {other:?}"),
    }
    assert_eq!(resources::count_in(&db, &s.path).await.unwrap(), before, "nothing written");
    let good = Table {
        headers,
        rows: vec![row("灭火器", "equipment", S, "12", ""), row("手电筒", "supply", GRID1, "5", "1-5 08:00-18:00")],
    };
    let n = wushe_app::resources::sheets::import(&db, &admin, T0, &s, &good, &labels).await.unwrap();
    assert_eq!(n.added, 2);
    assert_eq!(resources::count_in(&db, &s.path).await.unwrap(), before + 2);
    // Only curators import.
    let vol = actor(&db, Role::Volunteer, S, "volunteer.s").await;
    assert!(wushe_app::resources::sheets::import(&db, &vol, T0, &s, &good, &labels).await.is_err());
}
