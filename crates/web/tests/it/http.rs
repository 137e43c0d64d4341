//! Pages and API through a real server: sign-in, CSRF, rate limit, masking and audited reveal,
//! tenant isolation by guessed ids, bad input of every kind, languages and display modes.

use reqwest::StatusCode;
use serde_json::{Value, json};
use wushe_testkit::{Engine, TestApp, extract_csrf, sqlx};

pub(crate) async fn person_in(app: &TestApp, household_code: &str) -> i64 {
    let r: (i64,) = sqlx::query_as(
        "SELECT p.id FROM people p JOIN areas a ON a.id = p.household_id WHERE a.code = $1 ORDER BY p.id LIMIT 1",
    )
    .bind(household_code)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    r.0
}

async fn count_people(app: &TestApp) -> i64 {
    let r: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM people").fetch_one(&app.db.pool).await.unwrap();
    r.0
}

pub(crate) fn problem_fields(v: &Value) -> Vec<String> {
    v["errors"]
        .as_array()
        .map(|a| a.iter().map(|e| e["field"].as_str().unwrap_or("").to_string()).collect())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_through_the_form_with_csrf_then_sign_out() {
    let app = TestApp::spawn(Engine::Sqlite, "form_login").await.unwrap();
    let c = TestApp::new_client();
    // Pages need a sign-in and send the visitor to the form.
    let r = c.get(app.url("/communities/510104001001")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/login?next=/communities/510104001001");
    let html = c.get(app.url("/login?next=/areas/510104001001")).send().await.unwrap().text().await.unwrap();
    let csrf = extract_csrf(&html);
    assert!(!csrf.is_empty());
    // Without the form token nothing happens.
    let r =
        c.post(app.url("/login")).form(&[("username", "admin.s"), ("password", "wushe-demo")]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post_form(
            &c,
            "/login",
            &[
                ("csrf", csrf.as_str()),
                ("username", "admin.s"),
                ("password", "wushe-demo"),
                ("next", "/areas/510104001001"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/areas/510104001001");
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    let page = c.get(app.url("/areas/510104001001")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("第一网格") && page.contains("S社区"));
    // Sign-in by mobile number works too (demo accounts have 1390000000N).
    let c2 = TestApp::new_client();
    let r = app.post_json(&c2, "/api/v1/session", &json!({"username": "13900000002", "password": "wushe-demo"})).await;
    assert_eq!(r.status(), 200);
    // Sign out needs the session's form token, then the session is gone.
    let csrf = app.csrf(&c).await;
    let r = c.post(app.url("/logout")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = c.get(app.url("/account")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "signed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_wrong_passwords_lock_the_name_for_a_while() {
    let app = TestApp::spawn(Engine::Sqlite, "rate_limit").await.unwrap();
    let c = TestApp::new_client();
    for _ in 0..5 {
        let r = app.post_json(&c, "/api/v1/session", &json!({"username": "admin.a", "password": "guess"})).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["errors"][0]["field"], "password");
    }
    let r = app.post_json(&c, "/api/v1/session", &json!({"username": "admin.a", "password": "wushe-demo"})).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "even the right password waits");
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    // Other names are unaffected.
    let r = app.post_json(&c, "/api/v1/session", &json!({"username": "admin.s", "password": "wushe-demo"})).await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn personal_data_is_masked_and_every_reveal_is_audited() {
    for engine in Engine::BOTH {
        let Some(app) = TestApp::spawn(engine, "masking").await else {
            continue;
        };
        let id = person_in(&app, "510104001001010010001").await;
        let admin = app.login_as("admin.s").await;
        // The drill-down pages render on this engine too.
        let grid = admin.get(app.url("/areas/51010400100101")).send().await.unwrap().text().await.unwrap();
        assert!(grid.contains(">1栋<") && grid.contains(">33栋<"), "{engine:?}");
        let overview = admin.get(app.url("/communities/510104001001")).send().await.unwrap().text().await.unwrap();
        assert!(overview.contains(">1584<") && overview.contains(">6328<"), "{engine:?}");
        let p: Value = admin.get(app.url(&format!("/api/v1/people/{id}"))).send().await.unwrap().json().await.unwrap();
        let phone = p["phone"].as_str().unwrap();
        assert!(phone.contains("****") && phone.len() == 11, "{phone}");
        assert!(p["id_number"].as_str().unwrap().contains("********"));
        let html = admin.get(app.url(&format!("/people/{id}"))).send().await.unwrap().text().await.unwrap();
        assert!(html.contains(phone), "page shows the masked phone");
        let csrf = extract_csrf(&html);
        let revealed = app
            .post_form(&admin, &format!("/people/{id}/reveal"), &[("csrf", csrf.as_str())])
            .await
            .text()
            .await
            .unwrap();
        let full: Value =
            admin.post(app.url(&format!("/api/v1/people/{id}/reveal"))).send().await.unwrap().json().await.unwrap();
        let full_phone = full["phone"].as_str().unwrap();
        assert_eq!(full_phone.len(), 11);
        assert!(!full_phone.contains('*'));
        assert!(revealed.contains(full_phone), "the reveal page shows the full number");
        let audit = admin.get(app.url("/communities/510104001001/audit")).send().await.unwrap().text().await.unwrap();
        assert_eq!(audit.matches(&format!(">居民 #{id}</a>")).count(), 2, "both reveals are in the log ({engine:?})");
        // A street officer reads masked data and cannot unmask it.
        let officer = app.login_as("street.s").await;
        let p: Value =
            officer.get(app.url(&format!("/api/v1/people/{id}"))).send().await.unwrap().json().await.unwrap();
        assert!(p["name"].as_str().unwrap().contains('*'), "names masked for street officers");
        let r = officer.post(app.url(&format!("/api/v1/people/{id}/reveal"))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_community_never_sees_or_changes_anothers_records() {
    for engine in Engine::BOTH {
        let Some(app) = TestApp::spawn(engine, "tenant_isolation").await else {
            continue;
        };
        let s_person = person_in(&app, "510104001001010010001").await;
        let s_org: (i64,) = sqlx::query_as("SELECT o.id FROM organizations o JOIN areas a ON a.id = o.community_id WHERE a.code = '510104001001' ORDER BY o.id LIMIT 1").fetch_one(&app.db.pool).await.unwrap();
        let a = app.login_as("admin.a").await;
        for path in [
            "/communities/510104001001".to_string(),
            "/areas/510104001001".into(),
            "/areas/51010400100101".into(),
            "/communities/510104001001/residents".into(),
            "/communities/510104001001/organizations".into(),
            "/communities/510104001001/audit".into(),
            format!("/people/{s_person}"),
            format!("/organizations/{}", s_org.0),
            "/api/v1/communities/510104001001".into(),
            "/api/v1/areas/510104001001/residents".into(),
            format!("/api/v1/people/{s_person}"),
            format!("/api/v1/organizations/{}", s_org.0),
        ] {
            let r = a.get(app.url(&path)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{engine:?} {path}");
        }
        let before = count_people(&app).await;
        let r = app
            .post_json(&a, "/api/v1/residents", &json!({"household_code": "510104001001010010001", "name": "越权登记"}))
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let p: Value = r.json().await.unwrap();
        assert_eq!(problem_fields(&p), vec!["household_code"]);
        let r = a
            .put(app.url(&format!("/api/v1/people/{s_person}")))
            .json(&json!({"household_code": "510104001001010010001", "name": "改名", "version": 1}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let r = a.post(app.url(&format!("/api/v1/people/{s_person}/reveal"))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let r = app
            .post_json(
                &a,
                &format!("/api/v1/organizations/{}/members", s_org.0),
                &json!({"person_id": s_person, "post": "member"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let r = app
            .post_json(
                &a,
                "/api/v1/organizations",
                &json!({"area_code": "510104001001", "kind": "volunteer_team", "name": "越权队伍"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(count_people(&app).await, before, "nothing written");
        // The communities list shows only A社区.
        let list: Value = a.get(app.url("/api/v1/communities")).send().await.unwrap().json().await.unwrap();
        assert_eq!(list.as_array().unwrap().len(), 1);
        assert_eq!(list[0]["code"], "310106001001");
        // Inside S, a grid worker of grid 1 cannot open a person of grid 2.
        let grid2_person = person_in(&app, "510104001001020010001").await;
        let g = app.login_as("grid.s1").await;
        assert_eq!(
            g.get(app.url(&format!("/people/{grid2_person}"))).send().await.unwrap().status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(g.get(app.url(&format!("/people/{s_person}"))).send().await.unwrap().status(), StatusCode::OK);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_api_input_gets_a_problem_naming_the_field_and_writes_nothing() {
    let app = TestApp::spawn(Engine::Sqlite, "bad_api_input").await.unwrap();
    let c = app.login_as("admin.s").await;
    let before = count_people(&app).await;
    let url = app.url("/api/v1/residents");
    // Malformed JSON.
    let r = c.post(&url).header("content-type", "application/json").body("{\"name\": ").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "malformed_json");
    // Wrong type names the field.
    let r = c
        .post(&url)
        .json(&json!({"household_code": "510104001001010010001", "name": "李四", "birth_year": "nineteen"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem_fields(&r.json().await.unwrap()), vec!["birth_year"]);
    // A missing required field names it.
    let r = c.post(&url).json(&json!({"household_code": "510104001001010010001"})).send().await.unwrap();
    assert_eq!(problem_fields(&r.json().await.unwrap()), vec!["name"]);
    // Domain validation: every bad field at once, messages in the request's language.
    let r = c
        .post(&url)
        .header("accept-language", "en")
        .json(&json!({"household_code": "510104001001010010001", "name": "李四", "phone": "12345", "id_number": "110105194912310021", "vulnerability": ["rich"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["code"], "invalid_input");
    assert_eq!(problem_fields(&p), vec!["phone", "id_number", "vulnerability"]);
    assert_eq!(p["errors"][1]["message"], "ID number: has a wrong check character");
    let r = c
        .post(&url)
        .json(&json!({"household_code": "510104001001010010001", "name": "李四", "phone": "12345"}))
        .send()
        .await
        .unwrap();
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["errors"][0]["message"], "电话：请填写 11 位手机号或固定电话", "Chinese by default");
    // Oversize body, wrong media type, unknown and malformed ids, wrong method.
    let big = "x".repeat(300 * 1024);
    let r = c.post(&url).json(&json!({"household_code": "1", "name": big})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "payload_too_large");
    let r = c.post(&url).header("content-type", "text/plain").body("{}").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    for path in [
        "/api/v1/people/99999999",
        "/api/v1/people/abc",
        "/api/v1/organizations/-1",
        "/api/v1/areas/999/residents",
        "/api/v1/nothing",
    ] {
        let r = c.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(r.json::<Value>().await.unwrap()["code"], "not_found");
    }
    let r = c.delete(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "method_not_allowed");
    let r = c.get(app.url("/api/v1/areas/510104001001/residents?limit=100000")).send().await.unwrap();
    assert_eq!(problem_fields(&r.json().await.unwrap()), vec!["limit"]);
    let r = c.get(app.url("/api/v1/areas/510104001001/residents?vulnerability=rich")).send().await.unwrap();
    assert_eq!(problem_fields(&r.json().await.unwrap()), vec!["vulnerability"]);
    assert_eq!(count_people(&app).await, before, "no half-written rows");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_registration_form_shows_field_messages_and_keeps_what_was_typed() {
    let app = TestApp::spawn(Engine::Sqlite, "form_input").await.unwrap();
    let c = app.login_as("grid.s1").await;
    let before = count_people(&app).await;
    let html = c.get(app.url("/communities/510104001001/residents/new")).send().await.unwrap().text().await.unwrap();
    let csrf = extract_csrf(&html);
    let r = app
        .post_form(
            &c,
            "/communities/510104001001/residents",
            &[
                ("csrf", csrf.as_str()),
                ("household_code", "510104001001010010001"),
                ("name", "赵六"),
                ("phone", "1380013"),
                ("birth_year", "1890"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("电话：请填写 11 位手机号或固定电话"), "{page}");
    assert!(page.contains("出生年份：出生年份无效"));
    assert!(page.contains("value=\"赵六\""), "typed values are kept");
    assert_eq!(count_people(&app).await, before);
    // A grid worker may not register into another grid.
    let r = app
        .post_form(
            &c,
            "/communities/510104001001/residents",
            &[("csrf", csrf.as_str()), ("household_code", "510104001001020010001"), ("name", "赵六")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A good form registers and shows the new person with checkboxes honoured.
    let body = format!(
        "csrf={csrf}&household_code=510104001001010010001&name=%E8%B5%B5%E5%85%AD&gender=female&birth_year=1941&phone=13912345678&vulnerability=elderly_alone&vulnerability=chronic_illness"
    );
    let r = c
        .post(app.url("/communities/510104001001/residents"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    let page = c.get(app.url(&loc)).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("赵六") && page.contains("独居老人") && page.contains("慢性病") && page.contains("139****5678")
    );
    assert_eq!(count_people(&app).await, before + 1);
    // Forms without the session's token are refused.
    let r = app.post_form(&c, "/communities/510104001001/residents", &[("csrf", "forged"), ("name", "x")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("表单已过期"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_edits_through_the_api_are_detected() {
    let app = TestApp::spawn(Engine::Sqlite, "versions").await.unwrap();
    let c = app.login_as("admin.s").await;
    let id = person_in(&app, "510104001001010010001").await;
    let p: Value = c.get(app.url(&format!("/api/v1/people/{id}"))).send().await.unwrap().json().await.unwrap();
    let v = p["version"].as_i64().unwrap();
    let body = json!({"household_code": "510104001001010010001", "name": "新名字", "version": v});
    assert_eq!(
        c.put(app.url(&format!("/api/v1/people/{id}"))).json(&body).send().await.unwrap().status(),
        StatusCode::OK
    );
    let r = c.put(app.url(&format!("/api/v1/people/{id}"))).json(&body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(problem_fields(&r.json().await.unwrap()), vec!["version"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organizations_and_the_public_directory() {
    let app = TestApp::spawn(Engine::Sqlite, "organizations").await.unwrap();
    let social = app.login_as("social.s").await;
    let r = app.post_json(&social, "/api/v1/organizations", &json!({"area_code": "510104001001", "kind": "social_organization", "name": "邻里调解服务社", "services": "邻里纠纷调解 法律咨询"})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let o: Value = r.json().await.unwrap();
    let id = o["id"].as_i64().unwrap();
    let person = person_in(&app, "510104001001010010001").await;
    let r = app
        .post_json(
            &social,
            &format!("/api/v1/organizations/{id}/members"),
            &json!({"person_id": person, "post": "leader", "since_year": 2023}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = app
        .post_json(
            &social,
            &format!("/api/v1/organizations/{id}/members"),
            &json!({"person_id": person, "post": "leader"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    // A volunteer reads organizations with member names masked.
    let vol = app.login_as("volunteer.s").await;
    let o: Value = vol.get(app.url(&format!("/api/v1/organizations/{id}"))).send().await.unwrap().json().await.unwrap();
    assert!(o["members"][0]["name"].as_str().unwrap().contains('*'));
    // Anyone can search the directory in Chinese, without signing in.
    let anon = TestApp::new_client();
    let hits: Value = anon.get(app.url("/api/v1/directory?q=纠纷调解")).send().await.unwrap().json().await.unwrap();
    assert!(hits.as_array().unwrap().iter().any(|h| h["name"] == "邻里调解服务社"), "{hits}");
    let page =
        anon.get(app.url("/directory?q=%E4%B9%94%E6%B3%95%E5%AE%98")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("乔法官工作室"));
    // The earlier HSDS address moves to the HSDS 3 API, whose organizations carry the required
    // fields and their services.
    let r = anon.get(app.url("/directory/hsds/organizations.json?community=510104001001")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::PERMANENT_REDIRECT);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let hsds: Value = anon.get(app.url(&to)).send().await.unwrap().json().await.unwrap();
    let with_services = hsds["contents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["services"].as_array().is_some_and(|s| !s.is_empty()))
        .expect("an organization with services");
    for f in ["id", "name", "description"] {
        assert!(with_services[f].is_string(), "organization.{f}");
    }
    assert_eq!(hsds["total_items"].as_u64().unwrap() as usize, hsds["contents"].as_array().unwrap().len());
    let svc = &with_services["services"][0];
    assert!(svc["id"].is_string() && svc["name"].is_string() && svc["status"] == "active");
    assert_eq!(with_services["locations"][0]["location_type"], "physical");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn language_and_large_text_switch_without_javascript() {
    let app = TestApp::spawn(Engine::Sqlite, "prefs").await.unwrap();
    let c = app.login_as("admin.s").await;
    let zh = c.get(app.url("/communities/510104001001")).send().await.unwrap().text().await.unwrap();
    assert!(zh.contains("lang=\"zh-CN\"") && zh.contains("居民人数"));
    let r = c.get(app.url("/prefs/lang/en?next=/communities/510104001001")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/communities/510104001001");
    let en = c.get(app.url("/communities/510104001001")).send().await.unwrap().text().await.unwrap();
    assert!(en.contains("lang=\"en\"") && en.contains("Residents") && !en.contains("居民人数"));
    c.get(app.url("/prefs/large/on?next=/")).send().await.unwrap();
    let large = c.get(app.url("/communities/510104001001")).send().await.unwrap().text().await.unwrap();
    assert!(large.contains("<body class=\"large\">"));
    // Redirects never leave the site.
    let r = c.get(app.url("/prefs/lang/zh-CN?next=//evil.example/")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bearer_tokens_reach_the_api() {
    let app = TestApp::spawn(Engine::Sqlite, "tokens").await.unwrap();
    let token = wushe_app::accounts::create_api_token(&app.db, &wushe_app::Actor::operator(), 0, "admin.a", "script")
        .await
        .unwrap();
    let c = TestApp::new_client();
    let me: Value = c.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["username"], "admin.a");
    let r = c.get(app.url("/api/v1/me")).bearer_auth("forged").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let tree: Value =
        c.get(app.url("/api/v1/areas/310106001001")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(tree["children"].as_array().unwrap().len(), 7, "seven micro-grids");
    assert_eq!(tree["households"], 2716);
    assert!(tree["children"][0]["kind"] == "micro_grid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn community_admins_add_sub_areas_by_form_and_api() {
    let app = TestApp::spawn(Engine::Sqlite, "areas").await.unwrap();
    let c = app.login_as("admin.s").await;
    let page = c.get(app.url("/areas/51010400100101")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"add-area-form\""));
    let csrf = extract_csrf(&page);
    let r = app
        .post_form(
            &c,
            "/areas/51010400100101/children",
            &[("csrf", csrf.as_str()), ("kind", "building"), ("name", "新建楼")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/areas/51010400100101034", "33 demo buildings, then the 34th");
    let r = app
        .post_form(&c, "/areas/51010400100101/children", &[("csrf", csrf.as_str()), ("kind", "street"), ("name", "")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("名称：必填"), "{page}");
    let r = app
        .post_json(
            &c,
            "/api/v1/areas",
            &json!({"parent_code": "51010400100101034", "kind": "household", "name": "1单元101"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let a: Value = r.json().await.unwrap();
    assert_eq!(a["code"], "510104001001010340001");
    assert_eq!(a["parent_code"], "51010400100101034");
    // Grid workers see no form and cannot post one.
    let g = app.login_as("grid.s1").await;
    let page = g.get(app.url("/areas/51010400100101")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("add-area-form"));
    let r = app
        .post_json(&g, "/api/v1/areas", &json!({"parent_code": "51010400100101", "kind": "building", "name": "x"}))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

/// A client whose connections come from `ip` (any 127.x.y.z reaches the test server).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_describes_every_api_route_with_its_security_and_errors() {
    let app = TestApp::spawn(Engine::Sqlite, "openapi_doc").await.unwrap();
    let doc: Value =
        TestApp::new_client().get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    assert_eq!(doc["components"]["securitySchemes"]["session"]["in"], "cookie");
    let mut ids = std::collections::HashSet::new();
    for r in wushe_web::route_table(app.state.clone()) {
        if r.kind != wushe_web::Kind::Api || r.path == "/api/v1/openapi.json" {
            continue;
        }
        let method = r.method.as_str().to_ascii_lowercase();
        let op = &doc["paths"][r.path][&method];
        assert!(op.is_object(), "{method} {} is documented", r.path);
        assert!(ids.insert(op["operationId"].as_str().unwrap().to_string()), "{} {method}: unique id", r.path);
        let security = op["security"].as_array().unwrap();
        let public = r.action == wushe_domain::access::Action::Public;
        assert_eq!(security.is_empty(), public, "{method} {}: security follows the route's action", r.path);
        let responses = op["responses"].as_object().unwrap();
        for (code, resp) in responses {
            assert!(!resp["description"].as_str().unwrap_or("").is_empty(), "{method} {} {code}", r.path);
        }
        let mut wanted = vec!["400", "404", "422"];
        if !public {
            wanted.extend(["401", "403"]);
        }
        for code in wanted {
            assert_eq!(
                responses[code]["content"]["application/problem+json"]["schema"]["$ref"],
                "#/components/schemas/Problem",
                "{method} {} documents {code}",
                r.path
            );
        }
        if let Some(content) = op["requestBody"]["content"].as_object() {
            for (kind, body) in content.iter().filter(|(k, _)| k.as_str() != "application/json") {
                assert_eq!(body["schema"]["format"], "binary", "{method} {} {kind} is a file", r.path);
            }
        }
    }
    let limit = doc["paths"]["/api/v1/areas/{code}/residents"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap()
        .clone();
    assert_eq!((limit["in"].as_str(), limit["schema"]["maximum"].as_i64()), (Some("query"), Some(500)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_set_where_their_e_mail_notifications_go() {
    let app = TestApp::spawn(Engine::Sqlite, "account_email").await.unwrap();
    let grid = app.login_as("grid.s1").await;
    let r = grid.put(app.url("/api/v1/me/email")).json(&json!({"email": "not an address"})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem_fields(&r.json().await.unwrap()), ["email"]);
    let r = grid.put(app.url("/api/v1/me/email")).json(&json!({"email": "Grid1@Example.org"})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let me: Value = grid.get(app.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["email"], "Grid1@example.org");
    // And on the account page, without JavaScript.
    let csrf = app.csrf(&grid).await;
    let r =
        grid.post(app.url("/account/email")).form(&[("csrf", csrf.as_str()), ("email", "x@")]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains(r#"value="x@""#), "what was typed is kept");
    let r =
        app.post_form(&grid, "/account/email", &[("csrf", csrf.as_str()), ("email", "grid@shequ.example.cn")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = grid.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(r#"value="grid@shequ.example.cn""#));
    let (address,): (Option<String>,) =
        sqlx::query_as("SELECT email FROM users WHERE username = 'grid.s1'").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(address.as_deref(), Some("grid@shequ.example.cn"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_see_failing_messages_and_send_them_again() {
    let app = TestApp::spawn(Engine::Sqlite, "outbox_page").await.unwrap();
    // A gateway that is down.
    let gateway = axum_down().await;
    let community: (i64,) =
        sqlx::query_as("SELECT id FROM areas WHERE code = '510104001001'").fetch_one(&app.db.pool).await.unwrap();
    let grid: (i64,) =
        sqlx::query_as("SELECT id FROM users WHERE username = 'grid.s1'").fetch_one(&app.db.pool).await.unwrap();
    let mut tx = app.db.pool.begin().await.unwrap();
    let msg = wushe_app::notifications::Message {
        community_id: Some(community.0),
        kind: "assigned",
        need_id: Some(1),
        title: "楼道灯不亮".into(),
        body: String::new(),
    };
    wushe_app::notifications::queue(&mut tx, 0, &[grid.0], &msg).await.unwrap();
    tx.commit().await.unwrap();
    let channels = wushe_app::notifications::Channels { webhook: Some(gateway), ..Default::default() };
    let round = wushe_app::notifications::dispatch(&app.db, &channels, 1).await.unwrap();
    assert_eq!(round.failed, 1);
    let admin = app.login_as("admin.s").await;
    let page: Value = admin
        .get(app.url("/api/v1/communities/510104001001/outbox?status=pending"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 1, "{page}");
    let item = &page["items"][0];
    assert_eq!((item["channel"].as_str(), item["attempts"].as_i64()), (Some("sms"), Some(1)));
    assert!(item["last_error"].as_str().unwrap().contains("503"), "{item}");
    assert!(item["destination"].as_str().unwrap().contains("****"), "masked: {item}");
    // The admin's overview warns, and links to the outbox; the outbox page lists it.
    let overview = admin.get(app.url("/communities/510104001001")).send().await.unwrap().text().await.unwrap();
    assert!(overview.contains("class=\"warning\"") && overview.contains("/communities/510104001001/outbox"));
    let html = admin.get(app.url("/communities/510104001001/outbox")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("楼道灯不亮") && html.contains("HTTP 503"));
    // Sending again makes it due now; a grid worker may not.
    let id = item["id"].as_i64().unwrap();
    let r = admin.post(app.url(&format!("/api/v1/communities/510104001001/outbox/{id}/retry"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (due,): (i64,) = sqlx::query_as("SELECT next_attempt_at FROM outbox WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(due > 1 && due <= chrono_now() + 1000);
    let grid_worker = app.login_as("grid.s1").await;
    let r = grid_worker.get(app.url("/api/v1/communities/510104001001/outbox")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Another community's admin does not see it.
    let other = app.login_as("admin.a").await;
    let r = other.get(app.url("/api/v1/communities/510104001001/outbox")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

/// An SMS gateway that answers 503 to everything.
async fn axum_down() -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", l.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = l.accept().await else { return };
            tokio::spawn(async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut buf = vec![0u8; 65536];
                let _ = s.read(&mut buf).await;
                let _ = s
                    .write_all(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    url
}

/// A malformed id names no record: 404 in the route's own rendering (a page for pages,
/// problem+json for the API), never a 400 or 500, and the same as an id that does not exist.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_record_id_is_a_404_in_the_routes_own_form() {
    let Some(app) = TestApp::spawn(Engine::Sqlite, "malformed_ids").await else { return };
    let admin = app.login_as("admin.s").await;
    for path in ["/needs/abc", "/needs/99999999", "/resources/1x", "/people/-", "/organizations/9e9"] {
        let r = admin.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        let ct = r.headers()["content-type"].to_str().unwrap().to_string();
        assert!(ct.starts_with("text/html"), "{path}: {ct}");
        assert!(r.text().await.unwrap().contains("404"), "{path}: the error page");
    }
    for path in ["/api/v1/needs/abc", "/api/v1/needs/99999999", "/api/v1/resources/1x", "/api/v1/people/%20"] {
        let r = admin.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(r.headers()["content-type"], "application/problem+json", "{path}");
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["code"], "not_found", "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_registration_page_keeps_every_ticked_box() {
    let app = TestApp::spawn(Engine::Sqlite, "register_boxes").await.unwrap();
    let staff = app.as_grid_worker().await;
    let csrf = app.csrf(&staff.client).await;
    let form = [
        ("csrf", csrf.as_str()),
        ("household_code", "510104001001010010002"),
        ("name", "周桂兰"),
        ("birth_year", "1941"),
        ("vulnerability", "elderly_alone"),
        ("vulnerability", "disabled"),
        ("is_household_head", "1"),
    ];
    let r = app.post_form(&staff.client, "/communities/510104001001/residents", &form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    let id = r.headers()["location"].to_str().unwrap().trim_start_matches("/people/").to_string();
    let p = staff.json(&format!("/api/v1/people/{id}")).await;
    assert_eq!(p["vulnerability"], json!(["elderly_alone", "disabled"]));
    assert_eq!(p["is_household_head"], true);
}
