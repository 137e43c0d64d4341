//! The storage suite: every test body runs against SQLite and PostgreSQL from the same code.

use wushe_app::audit::{self, Verification};
use wushe_app::people::{PersonForm, ResidentFilter};
use wushe_app::{Actor, AppError, Db, accounts, areas, directory, organizations, people};
use wushe_domain::access::{Action, Grant, Grants, Role};
use wushe_domain::areas::AreaKind;
use wushe_domain::ids::PersonId;
use wushe_domain::people::Vulnerability;
use wushe_testkit::{Engine, both_engines, empty_db};

const S: &str = "510104001001";
const A: &str = "310106001001";
const NOW: i64 = 1_795_000_000_000;

async fn actor_with(db: &Db, role: Role, code: &str) -> Actor {
    let a = areas::by_code(db, code).await.expect("area");
    Actor {
        user_id: None,
        grants: Grants { signed_in: true, grants: vec![Grant { role, area_path: a.path }] },
        operator: false,
    }
}

both_engines!(migrations_are_idempotent, migrations_body);
async fn migrations_body(db: Db, _e: Engine) {
    assert!(db.migrate().await.expect("second migrate").is_empty(), "nothing left to apply");
}

both_engines!(demo_matches_the_papers_figures, demo_body);
async fn demo_body(db: Db, engine: Engine) {
    let s = areas::by_code(&db, S).await.expect("S社区");
    let a = areas::by_code(&db, A).await.expect("A社区");
    assert_eq!(areas::count_in_subtree(&db, &s.path, AreaKind::Household).await.unwrap(), 6328, "{engine:?}");
    assert_eq!(areas::count_in_subtree(&db, &s.path, AreaKind::Grid).await.unwrap(), 4);
    assert_eq!(areas::count_in_subtree(&db, &a.path, AreaKind::Building).await.unwrap(), 118);
    assert_eq!(areas::count_in_subtree(&db, &a.path, AreaKind::Household).await.unwrap(), 2716);
    assert_eq!(areas::count_in_subtree(&db, &a.path, AreaKind::MicroGrid).await.unwrap(), 7);
    // Drill-down summaries: each grid with its households, adding up to the community.
    let grids = areas::children(&db, &Actor::operator(), Action::AreaRead, &s).await.unwrap();
    assert_eq!(grids.iter().map(|g| g.households).collect::<Vec<_>>(), vec![1584, 1584, 1584, 1576], "{engine:?}");
    assert_eq!(grids.iter().map(|g| g.children).sum::<i64>(), 132, "buildings");
    let buildings = areas::children(&db, &Actor::operator(), Action::AreaRead, &grids[0].area).await.unwrap();
    assert_eq!(buildings.iter().map(|b| b.households).sum::<i64>(), 1584);
    assert_eq!(buildings[0].children, buildings[0].households);
    let (residents, _) = people::counts_in(&db, &s.path).await.unwrap();
    assert_eq!(residents, 15000);
    assert_eq!(
        organizations::count_posts(&db, &s.path, wushe_domain::organizations::Post::PartyMember).await.unwrap(),
        198
    );
    assert_eq!(
        organizations::count_posts(&db, &s.path, wushe_domain::organizations::Post::Volunteer).await.unwrap(),
        286
    );
    assert_eq!(
        organizations::count_kind(&db, &s.path, wushe_domain::organizations::OrganizationKind::PartyBranch)
            .await
            .unwrap(),
        5
    );
    // The four-level party chain is data: committee > grid branch > building group > party household.
    use wushe_domain::organizations::{OrganizationKind as K, Post as P};
    assert_eq!(organizations::count_kind(&db, &s.path, K::PartyGroup).await.unwrap(), 8);
    assert!(organizations::count_posts(&db, &s.path, P::PartyHousehold).await.unwrap() >= 15);
    assert_eq!(
        organizations::count_kind(&db, &s.path, wushe_domain::organizations::OrganizationKind::SelfGovernanceGroup)
            .await
            .unwrap(),
        7
    );
    // The street rolls up both of its communities' households… of which S has one street.
    let street = areas::by_code(&db, "510104001").await.unwrap();
    assert_eq!(areas::count_in_subtree(&db, &street.path, AreaKind::Household).await.unwrap(), 6328);
    // Elderly share of A社区 follows the paper's 40% within a few points.
    let elderly = people::vulnerability_counts(&db, &a.path)
        .await
        .unwrap()
        .into_iter()
        .find(|(v, _)| *v == Vulnerability::Elderly)
        .unwrap()
        .1;
    let share = elderly as f64 / 6300.0;
    let (_, vulnerable) = people::counts_in(&db, &a.path).await.unwrap();
    assert!(vulnerable >= elderly);
    assert!((0.35..0.45).contains(&share), "elderly share {share}");
}

both_engines!(grid_workers_list_only_their_grid, grid_body);
async fn grid_body(db: Db, _e: Engine) {
    let grid = areas::by_code(&db, "51010400100101").await.unwrap();
    let community = areas::by_code(&db, S).await.unwrap();
    let worker = actor_with(&db, Role::GridWorker, &grid.code).await;
    let f = ResidentFilter { limit: 10, ..Default::default() };
    let (list, total) = people::residents_in(&db, &worker, &community, &f).await.unwrap();
    let (grid_total, _) = people::counts_in(&db, &grid.path).await.unwrap();
    assert_eq!(total, grid_total);
    assert!(total < 15000 && total > 3000);
    assert!(list.iter().all(|p| p.household_path.as_deref().unwrap().starts_with(&grid.path)));
    // Paging walks past the first page without repeating anyone.
    let f2 = ResidentFilter { limit: 10, offset: 10, ..Default::default() };
    let (list2, _) = people::residents_in(&db, &worker, &community, &f2).await.unwrap();
    assert!(list2.iter().all(|p| list.iter().all(|q| q.id != p.id)));
    // Vulnerability filter matches whole flags only (elderly ≠ elderly_alone).
    let f3 = ResidentFilter { vulnerability: Some(Vulnerability::ElderlyAlone), limit: 500, ..Default::default() };
    let (alone, _) = people::residents_in(&db, &worker, &community, &f3).await.unwrap();
    assert!(!alone.is_empty());
    assert!(alone.iter().all(|p| { p.vulnerability.iter().any(|v| v == Vulnerability::ElderlyAlone) }));
}

both_engines!(another_communitys_records_are_invisible, tenant_body);
async fn tenant_body(db: Db, _e: Engine) {
    let admin_a = actor_with(&db, Role::CommunityAdmin, A).await;
    let s = areas::by_code(&db, S).await.unwrap();
    let someone_in_s: (i64,) = sqlx::query_as("SELECT id FROM people WHERE community_id = $1 ORDER BY id LIMIT 1")
        .bind(s.id)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert!(matches!(people::get(&db, &admin_a, PersonId::from(someone_in_s.0)).await, Err(AppError::NotFound)));
    assert!(matches!(
        people::reveal(&db, &admin_a, NOW, PersonId::from(someone_in_s.0)).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(areas::visible(&db, &admin_a, Action::AreaRead, S).await, Err(AppError::NotFound)));
    let form =
        PersonForm { household_code: "510104001001010010001".into(), name: "越权者".into(), ..Default::default() };
    let before = people::counts_in(&db, &s.path).await.unwrap().0;
    let r = people::register(&db, &admin_a, NOW, form.parse(2026).unwrap()).await;
    assert!(matches!(r, Err(AppError::Invalid(_))), "{r:?}");
    assert_eq!(people::counts_in(&db, &s.path).await.unwrap().0, before, "nothing written");
}

both_engines!(registration_validates_and_detects_concurrent_edits, register_body);
async fn register_body(db: Db, _e: Engine) {
    let admin = actor_with(&db, Role::CommunityAdmin, S).await;
    let form = PersonForm {
        household_code: "510104001001010010001".into(),
        name: "王小明".into(),
        gender: "male".into(),
        birth_year: "1948".into(),
        phone: "139 1234 5678".into(),
        id_number: "11010519491231002X".into(),
        vulnerability: vec!["elderly_alone".into(), "elderly".into()],
        is_household_head: false,
    };
    let p = people::register(&db, &admin, NOW, form.parse(2026).unwrap()).await.unwrap();
    assert_eq!(p.phone.as_ref().unwrap().masked(), "139****5678");
    // The same ID number twice in one community is a conflict on that field.
    let dup = people::register(&db, &admin, NOW, form.parse(2026).unwrap()).await;
    assert!(matches!(dup, Err(AppError::Conflict(f)) if f.field == "id_number"));
    // Two editors read version 1; the second write loses with a conflict, not silently.
    let mut edit = form.clone();
    edit.id_number.clear();
    edit.name = "王晓明".into();
    let first = people::update(&db, &admin, NOW, p.id, p.version, edit.parse(2026).unwrap()).await.unwrap();
    assert_eq!(first.version, p.version + 1);
    let second = people::update(&db, &admin, NOW, p.id, p.version, edit.parse(2026).unwrap()).await;
    assert!(matches!(second, Err(AppError::Conflict(f)) if f.field == "version"));
    // Invalid input names each bad field and writes nothing.
    let bad = PersonForm {
        household_code: "".into(),
        name: " ".into(),
        phone: "12345".into(),
        id_number: "110105194912310021".into(),
        ..Default::default()
    };
    let errs = bad.parse(2026).unwrap_err();
    let fields: Vec<&str> = errs.0.iter().map(|e| e.field).collect();
    assert_eq!(fields, vec!["name", "phone", "id_number", "household_code"]);
}

both_engines!(audit_chain_records_writes_and_reveals_and_detects_tampering, audit_body);
async fn audit_body(db: Db, _e: Engine) {
    let Verification::Intact { entries: before, .. } = audit::verify(&db).await.unwrap() else {
        panic!("seed chain broken")
    };
    let admin = actor_with(&db, Role::CommunityAdmin, S).await;
    let id: (i64,) = sqlx::query_as("SELECT id FROM people WHERE phone IS NOT NULL ORDER BY id LIMIT 1")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let r = people::reveal(&db, &admin, NOW, PersonId::from(id.0)).await.unwrap();
    assert_eq!(r.phone.unwrap().len(), 11);
    let Verification::Intact { entries, .. } = audit::verify(&db).await.unwrap() else { panic!("broken after reveal") };
    assert_eq!(entries, before + 1);
    let s = areas::by_code(&db, S).await.unwrap();
    let recent = audit::recent(&db, s.id, 1).await.unwrap();
    assert_eq!(recent[0].action, "person.reveal");
    // A street officer may read but never unmask.
    let officer = actor_with(&db, Role::StreetOfficer, "510104001").await;
    assert!(matches!(people::reveal(&db, &officer, NOW, PersonId::from(id.0)).await, Err(AppError::Forbidden)));
    // The reveal is the last entry of S社区's own chain, and rewriting it is detected there.
    let (chain, seq): (i64, i64) =
        sqlx::query_as("SELECT chain, seq FROM audit_entries WHERE action = 'person.reveal' ORDER BY id DESC LIMIT 1")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(chain, s.id);
    sqlx::query("UPDATE audit_entries SET detail = 'nothing to see' WHERE chain = $1 AND seq = $2")
        .bind(chain)
        .bind(seq)
        .execute(&db.pool)
        .await
        .unwrap();
    assert_eq!(audit::verify(&db).await.unwrap(), Verification::Broken { chain, seq, reason: "hash" });
}

both_engines!(concurrent_audited_writes_keep_one_chain, concurrent_body);
async fn concurrent_body(db: Db, _e: Engine) {
    let admin = actor_with(&db, Role::CommunityAdmin, S).await;
    let mut tasks = Vec::new();
    for i in 0..16 {
        let db = db.clone();
        let admin = admin.clone();
        tasks.push(tokio::spawn(async move {
            let form = PersonForm {
                household_code: "510104001001010010002".into(),
                name: format!("并发{i}"),
                ..Default::default()
            };
            people::register(&db, &admin, NOW + i, form.parse(2026).unwrap()).await
        }));
    }
    for t in tasks {
        t.await.unwrap().expect("every concurrent write succeeds");
    }
    assert!(matches!(audit::verify(&db).await.unwrap(), Verification::Intact { .. }));
}

both_engines!(directory_search_understands_chinese, directory_body);
async fn directory_body(db: Db, _e: Engine) {
    let hits = directory::search(&db, "法律咨询", None, 10).await.unwrap();
    assert!(
        hits.iter().any(|h| h.organization.name == "乔法官工作室"),
        "{:?}",
        hits.iter().map(|h| &h.organization.name).collect::<Vec<_>>()
    );
    let s = areas::by_code(&db, S).await.unwrap();
    let elderly = directory::search(&db, "老人助餐", Some(&s.path), 10).await.unwrap();
    assert!(!elderly.is_empty());
    assert!(
        elderly
            .iter()
            .all(|h| h.organization.area_path.starts_with(&s.path) || s.path.starts_with(&h.organization.area_path))
    );
    assert!(directory::search(&db, "   ", None, 10).await.unwrap().is_empty());
    // A newly created organization is searchable at once.
    let admin = actor_with(&db, Role::CommunityAdmin, S).await;
    let form = organizations::OrganizationForm {
        area_code: S.into(),
        kind: "social_organization".into(),
        name: "心语心理咨询服务社".into(),
        services: "心理疏导 情绪支持".into(),
        ..Default::default()
    };
    let o = organizations::create(&db, &admin, NOW, form.parse().unwrap()).await.unwrap();
    let found = directory::search(&db, "心理疏导", None, 10).await.unwrap();
    assert_eq!(found[0].organization.id, o.id);
}

both_engines!(memberships_follow_party_chain_rules, membership_body);
async fn membership_body(db: Db, _e: Engine) {
    let admin = actor_with(&db, Role::CommunityAdmin, S).await;
    let team = organizations::OrganizationForm {
        area_code: S.into(),
        kind: "volunteer_team".into(),
        name: "测试志愿队".into(),
        ..Default::default()
    };
    let team = organizations::create(&db, &admin, NOW, team.parse().unwrap()).await.unwrap();
    let branch = organizations::OrganizationForm {
        area_code: S.into(),
        kind: "party_branch".into(),
        name: "错挂党支部".into(),
        parent_id: Some(team.id.get()),
        ..Default::default()
    };
    let r = organizations::create(&db, &admin, NOW, branch.parse().unwrap()).await;
    assert!(matches!(r, Err(AppError::Invalid(e)) if e.0[0].field == "parent_id"));
    let pid: (i64,) = sqlx::query_as(
        "SELECT p.id FROM people p JOIN areas a ON a.id = p.community_id WHERE a.code = $1 ORDER BY p.id LIMIT 1",
    )
    .bind(S)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    organizations::add_member(&db, &admin, NOW, team.id, pid.0, "volunteer", Some(2024)).await.unwrap();
    let again = organizations::add_member(&db, &admin, NOW, team.id, pid.0, "volunteer", None).await;
    assert!(matches!(again, Err(AppError::Conflict(f)) if f.field == "post"));
    assert!(matches!(
        organizations::add_member(&db, &admin, NOW, team.id, pid.0, "emperor", None).await,
        Err(AppError::Invalid(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_sessions_and_tokens_on_both_engines() {
    for engine in Engine::BOTH {
        let Some(db) = empty_db(engine, "accounts_sessions_and_tokens_on_both_engines").await else {
            continue;
        };
        let op = Actor::operator();
        let u = accounts::add_user(
            &db,
            &op,
            NOW,
            accounts::NewUser::parse("Li.Hua", "李华", "correct horse", "13800138000").unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(u.username, "li.hua");
        let dup =
            accounts::add_user(&db, &op, NOW, accounts::NewUser::parse("li.hua", "", "another pass", "").unwrap())
                .await;
        assert!(matches!(dup, Err(AppError::Conflict(f)) if f.field == "username"));
        assert!(accounts::authenticate(&db, "LI.HUA", "correct horse").await.is_ok());
        assert!(accounts::authenticate(&db, "13800138000", "correct horse").await.is_ok(), "login by phone");
        assert!(matches!(accounts::authenticate(&db, "li.hua", "wrong").await, Err(AppError::Invalid(_))));
        assert!(matches!(accounts::authenticate(&db, "nobody", "wrong").await, Err(AppError::Invalid(_))));
        let s = accounts::create_session(&db, u.id, NOW).await.unwrap();
        assert!(accounts::session(&db, &s.token, NOW + 1).await.unwrap().is_some());
        assert!(
            accounts::session(&db, &s.token, NOW + accounts::SESSION_TTL_MILLIS + 1).await.unwrap().is_none(),
            "expired"
        );
        accounts::end_session(&db, &s.token, NOW).await.unwrap();
        // An expired session is cleared when the next one is made.
        let _old = accounts::create_session(&db, u.id, NOW).await.unwrap();
        let _new = accounts::create_session(&db, u.id, NOW + accounts::SESSION_TTL_MILLIS + 1).await.unwrap();
        let live: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sessions").fetch_one(&db.pool).await.unwrap();
        assert_eq!(live.0, 1);
        assert!(accounts::session(&db, &s.token, NOW + 1).await.unwrap().is_none());
        let token = accounts::create_api_token(&db, &op, NOW, "li.hua", "script").await.unwrap();
        assert_eq!(accounts::token_user(&db, &token).await.unwrap().unwrap().0.id, u.id);
        assert!(accounts::token_user(&db, "not-a-token").await.unwrap().is_none());
        let stored: (String,) = sqlx::query_as("SELECT token_hash FROM api_tokens").fetch_one(&db.pool).await.unwrap();
        assert_ne!(stored.0, token, "only a digest is stored");
        // user.add, session.login, session.logout, two more logins, token.create
        assert!(matches!(audit::verify(&db).await.unwrap(), Verification::Intact { entries: 6, .. }));
    }
}

both_engines!(areas_grow_by_rule_with_automatic_codes, areas_body);
async fn areas_body(db: Db, _e: Engine) {
    let admin = actor_with(&db, Role::CommunityAdmin, S).await;
    let form = |parent: &str, kind: &str, code: &str, name: &str| areas::AreaForm {
        parent_code: parent.into(),
        kind: kind.into(),
        code: code.into(),
        name: name.into(),
    };
    let grid = areas::create(&db, &admin, NOW, form(S, "grid", "", "第五网格")).await.unwrap();
    assert_eq!(grid.code, "51010400100105", "next number after the four demo grids");
    assert_eq!(grid.community_id, Some(areas::by_code(&db, S).await.unwrap().id));
    let b = areas::create(&db, &admin, NOW, form(&grid.code, "building", "51010400100105007", "7栋")).await.unwrap();
    assert!(b.path.starts_with(&grid.path));
    let err = |r: Result<areas::Area, AppError>| match r {
        Err(AppError::Invalid(e)) => e.0[0].field,
        Err(AppError::Conflict(f)) => f.field,
        other => panic!("expected a field error, got {other:?}"),
    };
    assert_eq!(err(areas::create(&db, &admin, NOW, form(&b.code, "grid", "", "楼里的网格")).await), "kind");
    assert_eq!(
        err(areas::create(&db, &admin, NOW, form(&grid.code, "building", "5101040010010500", "错位")).await),
        "code"
    );
    assert_eq!(
        err(areas::create(&db, &admin, NOW, form(&grid.code, "building", "51010400100105007", "重号")).await),
        "code"
    );
    assert_eq!(err(areas::create(&db, &admin, NOW, form(&grid.code, "castle", "", "")).await), "kind");
    // Another community's admin cannot even learn that the parent exists.
    let admin_a = actor_with(&db, Role::CommunityAdmin, A).await;
    assert_eq!(err(areas::create(&db, &admin_a, NOW, form(&grid.code, "building", "", "越权")).await), "parent_code");
    // A grid worker may read their grid but not reshape it.
    let worker = actor_with(&db, Role::GridWorker, "51010400100101").await;
    assert!(matches!(
        areas::create(&db, &worker, NOW, form("51010400100101", "building", "", "x")).await,
        Err(AppError::Forbidden)
    ));
    // Only the operator starts a new top of the tree.
    assert_eq!(err(areas::create(&db, &admin, NOW, form("", "province", "33", "浙江省")).await), "parent_code");
    let zj = areas::create(&db, &Actor::operator(), NOW, form("", "province", "33", "浙江省")).await.unwrap();
    assert_eq!(zj.path, "33/");
    assert!(matches!(audit::verify(&db).await.unwrap(), Verification::Intact { .. }));
}

both_engines!(a_token_or_session_brings_every_grant_of_its_user, sign_in_grants_body);
async fn sign_in_grants_body(db: Db, engine: Engine) {
    let op = Actor::operator();
    accounts::add_user(&db, &op, NOW, accounts::NewUser::parse("two.hats", "", "correct horse", "").unwrap())
        .await
        .unwrap();
    let user = accounts::by_username(&db, "two.hats").await.unwrap();
    let token = accounts::create_api_token(&db, &op, NOW, "two.hats", "script").await.unwrap();
    let session = accounts::create_session(&db, user.id, NOW).await.unwrap();
    // No grants yet: signed in, allowed nothing.
    let (u, g) = accounts::token_user(&db, &token).await.unwrap().unwrap();
    assert_eq!((u.id, g.signed_in, g.grants.len()), (user.id, true, 0), "{engine:?}");
    let (_, csrf, g) = accounts::session(&db, &session.token, NOW + 1).await.unwrap().unwrap();
    assert_eq!((csrf, g.grants.len()), (session.csrf_token.clone(), 0));
    accounts::grant(&db, &op, NOW, "two.hats", "grid_worker", "51010400100101").await.unwrap();
    accounts::grant(&db, &op, NOW, "two.hats", "social_worker", S).await.unwrap();
    let expected = accounts::grants_of(&db, user.id).await.unwrap();
    assert_eq!(expected.grants.len(), 2);
    let (_, g) = accounts::token_user(&db, &token).await.unwrap().unwrap();
    assert_eq!(g, expected, "{engine:?}: the token's user with both grants, in grant order");
    let (_, _, g) = accounts::session(&db, &session.token, NOW + 1).await.unwrap().unwrap();
    assert_eq!(g, expected);
}

both_engines!(each_community_keeps_its_own_audit_chain, chains_body);
async fn chains_body(db: Db, engine: Engine) {
    let (s, a) = (areas::by_code(&db, S).await.unwrap(), areas::by_code(&db, A).await.unwrap());
    let admin_s = actor_with(&db, Role::CommunityAdmin, S).await;
    let admin_a = actor_with(&db, Role::CommunityAdmin, A).await;
    let person =
        |code: &str, name: &str| PersonForm { household_code: code.into(), name: name.into(), ..Default::default() };
    let s_home: (String,) =
        sqlx::query_as("SELECT code FROM areas WHERE kind = 'household' AND path LIKE $1 ORDER BY id LIMIT 1")
            .bind(format!("{}%", s.path))
            .fetch_one(&db.pool)
            .await
            .unwrap();
    let a_home: (String,) =
        sqlx::query_as("SELECT code FROM areas WHERE kind = 'household' AND path LIKE $1 ORDER BY id LIMIT 1")
            .bind(format!("{}%", a.path))
            .fetch_one(&db.pool)
            .await
            .unwrap();
    if engine == Engine::Postgres {
        // A long transaction of A社区 (an import, say) holds nothing S社区's writes need: its
        // chain is locked only for the moment it commits.
        let mut long = audit::AuditedTx::begin(&db, NOW).await.unwrap();
        sqlx::query("UPDATE people SET version = version + 1 WHERE community_id = $1")
            .bind(a.id)
            .execute(&mut *long.tx)
            .await
            .unwrap();
        long.record(&admin_a, Some(a.id), "people.bulk", "community", "all").await.unwrap();
        let other = people::register(&db, &admin_s, NOW, person(&s_home.0, "不必等待").parse(2026).unwrap());
        let done = tokio::time::timeout(std::time::Duration::from_secs(20), other).await;
        assert!(matches!(done, Ok(Ok(_))), "S社区's write did not wait for A社区's transaction");
        long.commit().await.unwrap();
    }
    people::register(&db, &admin_a, NOW, person(&a_home.0, "链上一人").parse(2026).unwrap()).await.unwrap();
    let Verification::Intact { chains, .. } = audit::verify(&db).await.unwrap() else { panic!("broken") };
    assert!(chains >= 2, "{chains} chains");
    // Each entry sits in its community's chain; entries above communities in chain 0.
    let misplaced: (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM audit_entries WHERE chain <> COALESCE(community_id, 0)")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(misplaced.0, 0);
    // A break names its chain and entry; the others are not blamed.
    let last_a: (i64,) = sqlx::query_as("SELECT MAX(seq) FROM audit_entries WHERE chain = $1")
        .bind(a.id)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_entries SET subject = 'person:0' WHERE chain = $1 AND seq = $2")
        .bind(a.id)
        .bind(last_a.0)
        .execute(&db.pool)
        .await
        .unwrap();
    assert_eq!(audit::verify(&db).await.unwrap(), Verification::Broken { chain: a.id, seq: last_a.0, reason: "hash" });
}

both_engines!(verifying_while_others_write_never_reports_a_false_break, verify_racing_body);
async fn verify_racing_body(db: Db, _e: Engine) {
    let admin = actor_with(&db, Role::CommunityAdmin, S).await;
    let writer = {
        let (db, admin) = (db.clone(), admin.clone());
        tokio::spawn(async move {
            for i in 0..40 {
                let form = PersonForm {
                    household_code: "510104001001010010002".into(),
                    name: format!("写入{i}"),
                    ..Default::default()
                };
                people::register(&db, &admin, NOW + i, form.parse(2026).unwrap()).await.unwrap();
            }
        })
    };
    let mut runs = 0;
    while !writer.is_finished() {
        let v = audit::verify(&db).await.unwrap();
        assert!(matches!(v, Verification::Intact { .. }), "run {runs}: {v:?}");
        runs += 1;
    }
    writer.await.unwrap();
    assert!(matches!(audit::verify(&db).await.unwrap(), Verification::Intact { .. }));
}
