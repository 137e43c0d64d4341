//! The needs ledger through pages and the API, as residents, grid workers and staff use it.

use reqwest::StatusCode;
use serde_json::{Value, json};
use wushe_testkit::{Engine, TestApp, extract_csrf};

/// A successful form post answers with a redirect back to the need.
async fn assert_redirect(r: reqwest::Response) {
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap_or_default());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_submits_staff_work_it_and_the_resident_confirms_without_javascript() {
    let app = TestApp::spawn(Engine::Sqlite, "needs_pages").await.unwrap();
    let resident = app.login_as("resident.s").await;
    let page = resident.get(app.url("/my/needs/new")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("楼道堆物") && page.contains("id=\"need-form\""));
    let csrf = extract_csrf(&page);
    // Missing title and an unknown category: field messages, nothing written.
    let r = app
        .post_form(
            &resident,
            "/my/needs",
            &[("csrf", csrf.as_str()), ("category", "ufo"), ("title", ""), ("description", "有问题")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("标题：必填") && body.contains("类别：请选择有效的类别"), "{body}");
    // The summary at the top links each message to its field.
    assert!(body.contains("<a href=\"#title\">标题：必填</a>") && body.contains("id=\"title\""), "{body}");
    let r = app
        .post_form(
            &resident,
            "/my/needs",
            &[
                ("csrf", csrf.as_str()),
                ("category", "ebike_charging"),
                ("title", "楼道里给电动车充电"),
                ("description", "有居民在楼道里给电动车充电，存在火灾隐患。"),
                ("scope", "common"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let need_url = r.headers()["location"].to_str().unwrap().to_string();
    let id: i64 = need_url.trim_start_matches("/needs/").parse().unwrap();
    let mine = resident.get(app.url("/my/needs")).send().await.unwrap().text().await.unwrap();
    assert!(mine.contains("楼道里给电动车充电") && mine.contains("已提交"));
    // The community admin accepts and assigns from the need page.
    let admin = app.login_as("admin.s").await;
    let page = admin.get(app.url(&need_url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"step-accepted\"") && page.contains("id=\"whistle-form\""));
    let csrf = extract_csrf(&page);
    let r = app
        .post_form(
            &admin,
            &format!("{need_url}/step"),
            &[("csrf", csrf.as_str()), ("event", "accepted"), ("version", "1"), ("note", "")],
        )
        .await;
    assert_redirect(r).await;
    // The same form posted twice is a stale version, shown as a conflict.
    let r = app
        .post_form(
            &admin,
            &format!("{need_url}/step"),
            &[("csrf", csrf.as_str()), ("event", "accepted"), ("version", "1"), ("note", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("该记录已被他人修改"));
    let detail: Value = admin.get(app.url(&format!("/api/v1/needs/{id}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(detail["need"]["status"], "accepted");
    assert_eq!(detail["next_steps"], json!(["assigned", "rejected"]));
    let grid_user: Value =
        app.login_as("grid.s1").await.get(app.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
    assert_eq!(grid_user["username"], "grid.s1");
    let page = admin.get(app.url(&need_url)).send().await.unwrap().text().await.unwrap();
    let option =
        page.split("value=\"user:").nth(1).map(|r| r.split('"').next().unwrap().to_string()).expect("a user to assign");
    let r = app
        .post_form(
            &admin,
            &format!("{need_url}/step"),
            &[
                ("csrf", csrf.as_str()),
                ("event", "assigned"),
                ("version", "2"),
                ("assignee", &format!("user:{option}")),
                ("note", "请网格员处理"),
            ],
        )
        .await;
    assert_redirect(r).await;
    let r = app
        .post_form(
            &admin,
            &format!("{need_url}/step"),
            &[("csrf", csrf.as_str()), ("event", "resolved"), ("version", "3"), ("note", "已劝导并清理")],
        )
        .await;
    assert_redirect(r).await;
    // The resident confirms and rates; the timeline shows every step in order.
    let page = resident.get(app.url(&need_url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"step-confirmed\"") && page.contains("id=\"step-reopened\""));
    assert!(!page.contains("id=\"step-accepted\""), "residents do not get staff steps");
    let csrf = extract_csrf(&page);
    let r = app
        .post_form(
            &resident,
            &format!("{need_url}/step"),
            &[("csrf", csrf.as_str()), ("event", "confirmed"), ("version", "4"), ("rating", "5"), ("note", "谢谢")],
        )
        .await;
    assert_redirect(r).await;
    let page = resident.get(app.url(&need_url)).send().await.unwrap().text().await.unwrap();
    let timeline = page.split("id=\"timeline\"").nth(1).unwrap();
    let order: Vec<usize> =
        ["提交", "受理", "分派", "办结", "居民确认"].iter().map(|k| timeline.find(k).expect(k)).collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert!(page.contains("已确认") && page.contains("5/5"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grid_worker_records_a_visit_from_the_household_page() {
    let app = TestApp::spawn(Engine::Sqlite, "needs_visit").await.unwrap();
    let g = app.login_as("grid.s1").await;
    let household = g.get(app.url("/areas/510104001001010010001")).send().await.unwrap().text().await.unwrap();
    assert!(household.contains("/communities/510104001001/needs/new?household=510104001001010010001"));
    let form = g
        .get(app.url("/communities/510104001001/needs/new?household=510104001001010010001"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(form.contains("value=\"510104001001010010001\""), "pre-filled with the household");
    let csrf = extract_csrf(&form);
    let r = app
        .post_form(
            &g,
            "/communities/510104001001/needs",
            &[
                ("csrf", csrf.as_str()),
                ("channel", "visit"),
                ("household_code", "510104001001010010001"),
                ("area_code", "510104001001010010001"),
                ("category", "elderly_care"),
                ("title", "独居老人需要定期探访"),
                ("description", "老人行动不便，希望安排志愿者每周上门。"),
                ("urgency", "urgent"),
                ("contact_phone", "13912345678"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id: i64 = r.headers()["location"].to_str().unwrap().trim_start_matches("/needs/").parse().unwrap();
    let n: Value = g.get(app.url(&format!("/api/v1/needs/{id}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!((n["need"]["channel"].as_str(), n["need"]["urgency"].as_str()), (Some("visit"), Some("urgent")));
    // The ledger of the grid worker's community shows it; another grid's need is not listed.
    let ledger: Value = g
        .get(app.url("/api/v1/communities/510104001001/needs?status=submitted&limit=500"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = ledger["items"].as_array().unwrap();
    assert!(items.iter().any(|x| x["id"] == id));
    assert!(items.iter().all(|x| x["area_code"].as_str().unwrap().starts_with("51010400100101")));
    // A resident of the household sees it among their needs.
    let resident = app.login_as("resident.s").await;
    let mine: Value = resident.get(app.url("/api/v1/my/needs")).send().await.unwrap().json().await.unwrap();
    assert!(mine.as_array().unwrap().iter().any(|x| x["id"] == id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_refuses_bad_steps_and_reports_metrics() {
    for engine in Engine::BOTH {
        let Some(app) = TestApp::spawn(engine, "needs_api").await else { continue };
        let resident = app.as_resident().await;
        let r = resident.submit_need(json!({"category": "repairs", "title": "单元门禁损坏", "description": "单元门禁坏了一周，晚上进出不安全。"})).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let n: Value = r.json().await.unwrap();
        assert_eq!(n["household_code"], "510104001001010010001");
        let id = n["id"].as_i64().unwrap();
        // Resolving a need nobody accepted is not a legal step.
        let staff = app.as_admin().await;
        let r = staff.step(id, json!({"event": "resolved", "version": 1})).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["errors"][0]["code"], "errors.need.transition");
        let p: Value = staff.step(id, json!({"event": "rejected", "version": 1})).await.json().await.unwrap();
        assert_eq!(p["errors"][0]["field"], "note", "rejecting needs a reason ({engine:?})");
        let r = staff.step(id, json!({"event": "teleported", "version": 1})).await;
        assert_eq!(r.json::<Value>().await.unwrap()["errors"][0]["field"], "event");
        let r = staff.step(id, json!({"event": "assigned", "version": 1, "assignee": "org:999999"})).await;
        assert_eq!(r.json::<Value>().await.unwrap()["errors"][0]["field"], "assignee");
        // The resident may not act for staff, and other communities cannot see the need.
        assert_eq!(resident.step(id, json!({"event": "accepted", "version": 1})).await.status(), StatusCode::FORBIDDEN);
        assert_eq!(app.as_other_admin().await.need(id).await.status(), StatusCode::NOT_FOUND);
        let admin = staff.client.clone();
        // Metrics of this month include the demo ledger's figures.
        let m: Value = admin
            .get(app.url("/api/v1/communities/510104001001/needs/metrics"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(m["overall"]["needs"].as_i64().unwrap() >= 1);
        let r =
            admin.get(app.url("/api/v1/communities/510104001001/needs/metrics?month=2026-13")).send().await.unwrap();
        assert_eq!(r.json::<Value>().await.unwrap()["errors"][0]["field"], "month");
        let page =
            admin.get(app.url("/communities/510104001001/needs/metrics")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("响应率") && page.contains("按网格") && page.contains("第一网格"));
        assert!(page.contains("近 12 个月趋势") && page.contains("id=\"trend-chart\""));
        // The trend: twelve months by default, ending with this month's figures.
        let t: Value = admin
            .get(app.url("/api/v1/communities/510104001001/needs/metrics/trend"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let months = t.as_array().unwrap();
        assert_eq!(months.len(), 12);
        assert_eq!(months[11]["month"], m["month"]);
        assert_eq!(months[11]["figures"]["needs"], m["overall"]["needs"]);
        let r = admin
            .get(app.url("/api/v1/communities/510104001001/needs/metrics/trend?from=2026-05&to=2026-01"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json::<Value>().await.unwrap()["errors"][0]["field"], "from");
        // A street compares its communities side by side, each linked to its own page.
        let officer = app.login_as("street.s").await;
        let page = officer
            .get(app.url("/communities/510104001/needs/metrics?lang=zh-CN"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("各社区对比"), "{page}");
        assert!(page.contains("href=\"/communities/510104001001/needs/metrics?month="), "{page}");
        let r = officer.get(app.url("/api/v1/communities/510104001/needs/metrics")).send().await.unwrap();
        let sm: Value = r.json().await.unwrap();
        assert!(sm["by_division"].as_array().unwrap().iter().any(|d| d["key"] == "510104001001"));
        // A resident sees neither.
        let resident = app.login_as("resident.s").await;
        let r = resident.get(app.url("/api/v1/communities/510104001001/needs/metrics/trend")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_situation_map_draws_each_grid_with_its_open_needs() {
    let app = TestApp::spawn(Engine::Sqlite, "situation_map").await.unwrap();
    let admin = app.login_as("admin.s").await;
    let page = admin.get(app.url("/communities/510104001001/map")).send().await.unwrap().text().await.unwrap();
    assert_eq!(page.matches("<polygon ").count(), 4, "four grids of S社区");
    assert!(page.contains("href=\"/communities/51010400100101/needs?status=open\""));
    // The figure for grid 1 is the size of its open ledger.
    let ledger: Value = admin
        .get(app.url("/api/v1/communities/51010400100101/needs?status=open&limit=1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let open = ledger["total"].as_i64().unwrap();
    let table = page.split("id=\"map-table\"").nth(1).unwrap();
    assert!(table.contains(&format!("第一网格</a></td><td>{open}</td>")), "{table}");
    let vul = admin
        .get(app.url("/communities/510104001001/map?layer=vulnerable"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(vul.contains("aria-current=\"page\">重点人群户"));
    let a = app.login_as("admin.a").await;
    assert_eq!(
        a.get(app.url("/communities/310106001001/map"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .matches("<polygon ")
            .count(),
        7
    );
    assert_eq!(a.get(app.url("/communities/510104001001/map")).send().await.unwrap().status(), StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_group_similar_requests_into_a_common_need_from_the_need_page() {
    let app = TestApp::spawn(Engine::Sqlite, "needs_group").await.unwrap();
    let resident = app.login_as("resident.s").await;
    let mut ids = Vec::new();
    for (title, text) in [
        ("楼道里有人给电动车充电", "楼道里有人给电动车充电，存在火灾隐患。"),
        ("电动车在楼道充电很危险", "又看到电动车在楼道里充电，火灾隐患大。"),
    ] {
        let r = app
            .post_json(
                &resident,
                "/api/v1/needs",
                &json!({"category": "ebike_charging", "title": title, "description": text}),
            )
            .await;
        ids.push(r.json::<Value>().await.unwrap()["id"].as_i64().unwrap());
    }
    let admin = app.login_as("admin.s").await;
    let page = admin.get(app.url(&format!("/needs/{}", ids[0]))).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("id=\"group-form\"") && page.contains(&format!("value=\"{}\"", ids[1])),
        "the other request is suggested"
    );
    let csrf = extract_csrf(&page);
    let r = app
        .post_form(
            &admin,
            &format!("/needs/{}/group", ids[0]),
            &[("csrf", csrf.as_str()), ("needs", &ids[1].to_string()), ("title", "1栋楼道电动车充电整治")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let common = r.headers()["location"].to_str().unwrap().to_string();
    let page = admin.get(app.url(&common)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("共性需求") && page.contains(&format!("#{} 楼道里有人给电动车充电", ids[0])));
    // The resident does not get the grouping tools.
    let mine = resident.get(app.url(&format!("/needs/{}", ids[0]))).send().await.unwrap().text().await.unwrap();
    assert!(!mine.contains("group-form"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn photos_are_checked_stored_outside_the_database_and_shown_only_to_readers() {
    let app = TestApp::spawn(Engine::Sqlite, "needs_photos").await.unwrap();
    let resident = app.login_as("resident.s").await;
    let page = resident.get(app.url("/my/needs/new")).send().await.unwrap().text().await.unwrap();
    let csrf = page.split("/my/needs?csrf=").nth(1).unwrap().split('"').next().unwrap().to_string();
    let jpeg: Vec<u8> = [&[0xFF, 0xD8, 0xFF, 0xE0][..], &[7u8; 2000][..]].concat();
    let form = |photo: Vec<u8>, name: &str| {
        reqwest::multipart::Form::new()
            .text("category", "repairs")
            .text("title", "单元门禁损坏")
            .text("description", "单元门禁坏了一周，晚上进出不安全。")
            .part("photo", reqwest::multipart::Part::bytes(photo).file_name(name.to_string()))
    };
    // A script dressed as an image is refused, and nothing is written.
    let before: (i64,) =
        wushe_testkit::sqlx::query_as("SELECT COUNT(*) FROM needs").fetch_one(&app.db.pool).await.unwrap();
    let r = resident
        .post(app.url(&format!("/my/needs?csrf={csrf}")))
        .multipart(form(b"<svg onload=alert(1)>".to_vec(), "x.jpg"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("照片：只接受 JPEG、PNG 或 WebP 图片"));
    let after: (i64,) =
        wushe_testkit::sqlx::query_as("SELECT COUNT(*) FROM needs").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(before, after);
    let r = resident
        .post(app.url(&format!("/my/needs?csrf={csrf}")))
        .multipart(form(jpeg.clone(), "door.jpg"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let need = r.headers()["location"].to_str().unwrap().to_string();
    let page = resident.get(app.url(&need)).send().await.unwrap().text().await.unwrap();
    let src = page.split("<img src=\"").nth(1).expect("photo shown").split('"').next().unwrap().to_string();
    let r = resident.get(app.url(&src)).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.bytes().await.unwrap().to_vec(), jpeg);
    // The file is on disk under the data directory, not in the database.
    let files: Vec<_> = walk(&app.state.data_dir);
    assert_eq!(files.len(), 1);
    assert_eq!(std::fs::read(&files[0]).unwrap(), jpeg);
    // Another community's staff cannot fetch it; without a session it asks for sign-in.
    let other = app.login_as("admin.a").await;
    assert_eq!(other.get(app.url(&src)).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(TestApp::new_client().get(app.url(&src)).send().await.unwrap().status(), StatusCode::SEE_OTHER);
    // Staff add an after-photo to the need.
    let admin = app.login_as("admin.s").await;
    let page = admin.get(app.url(&need)).send().await.unwrap().text().await.unwrap();
    let action = page
        .split("id=\"photo-form\"")
        .next()
        .unwrap()
        .rsplit("action=\"")
        .next()
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let png: Vec<u8> = [&b"\x89PNG\r\n\x1a\n"[..], &[1u8; 100][..]].concat();
    let part =
        reqwest::multipart::Form::new().part("photo", reqwest::multipart::Part::bytes(png).file_name("after.png"));
    assert_eq!(admin.post(app.url(&action)).multipart(part).send().await.unwrap().status(), StatusCode::SEE_OTHER);
    assert_eq!(walk(&app.state.data_dir).len(), 2);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_assign_many_needs_at_once_and_keep_saved_views() {
    let app = TestApp::spawn(Engine::Sqlite, "needs_bulk").await.unwrap();
    let resident = app.login_as("resident.s").await;
    let mut ids = Vec::new();
    for title in ["楼道灯不亮", "单元门禁损坏", "屋顶漏水"] {
        let r = app
            .post_json(
                &resident,
                "/api/v1/needs",
                &json!({"category": "repairs", "title": title, "description": title}),
            )
            .await;
        ids.push(r.json::<Value>().await.unwrap()["id"].as_i64().unwrap());
    }
    let admin = app.login_as("admin.s").await;
    let page = admin
        .get(app.url("/communities/510104001001/needs?status=submitted"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"bulk-form\"") && page.contains(&format!("value=\"{}:1\"", ids[0])));
    let csrf = extract_csrf(&page);
    let property = page.split("value=\"org:").map(|x| x.split('"').next().unwrap_or("")).nth(1).unwrap().to_string();
    // The third need changed meanwhile: its version is stale, so only it fails.
    app.post_json(&admin, &format!("/api/v1/needs/{}/events", ids[2]), &json!({"event": "accepted", "version": 1}))
        .await;
    let body =
        format!("csrf={csrf}&assignee=org%3A{property}&needs={}%3A1&needs={}%3A1&needs={}%3A1", ids[0], ids[1], ids[2]);
    let r = admin
        .post(app.url("/communities/510104001001/needs/bulk-assign"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    let result = page.split("id=\"bulk-result\"").nth(1).unwrap();
    assert!(result.contains("已分派 2 条需求") && result.contains(&format!("#{}：", ids[2])), "{result}");
    for (id, status) in [(ids[0], "assigned"), (ids[1], "assigned"), (ids[2], "accepted")] {
        let n: Value = admin.get(app.url(&format!("/api/v1/needs/{id}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(n["need"]["status"], status);
    }
    // Grid workers of one grid manage only theirs; social workers see no bulk form for A社区.
    let r = app
        .post_form(
            &admin,
            "/communities/510104001001/needs/bulk-assign",
            &[("csrf", csrf.as_str()), ("assignee", "org:1")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "nothing selected");
    // Saved views keep only the ledger's filters and belong to their owner.
    let r = app
        .post_form(
            &admin,
            "/communities/510104001001/needs/views",
            &[
                ("csrf", csrf.as_str()),
                ("name", "超时的维修"),
                ("query", "status=open&category=repairs&overdue=1&evil=<script>"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/communities/510104001001/needs?status=open&category=repairs&overdue=1");
    let page = admin.get(app.url("/communities/510104001001/needs")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(">超时的维修</a>"));
    let r = app
        .post_form(
            &admin,
            "/communities/510104001001/needs/views",
            &[("csrf", csrf.as_str()), ("name", "超时的维修"), ("query", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "names are unique per person");
    let social = app.login_as("social.s").await;
    let theirs = social.get(app.url("/communities/510104001001/needs")).send().await.unwrap().text().await.unwrap();
    assert!(!theirs.contains("超时的维修"), "views are personal");
    let view_id = page.split("/needs/views/").nth(1).unwrap().split('/').next().unwrap().to_string();
    let social_csrf = extract_csrf(&theirs);
    let r = app
        .post_form(
            &social,
            &format!("/communities/510104001001/needs/views/{view_id}/delete"),
            &[("csrf", social_csrf.as_str())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "another's view cannot be deleted");
    let r = app
        .post_form(
            &admin,
            &format!("/communities/510104001001/needs/views/{view_id}/delete"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The same through the API.
    let r = app
        .post_json(
            &admin,
            "/api/v1/communities/510104001001/needs/bulk-assign",
            &json!({"assignee": format!("org:{property}"), "needs": [{"id": ids[2], "version": 1}]}),
        )
        .await;
    assert_eq!(r.json::<Value>().await.unwrap(), json!([{"id": ids[2], "ok": false, "error": "conflict"}]));
    let v: Value = app
        .post_json(
            &admin,
            "/api/v1/communities/510104001001/needs/views",
            &json!({"name": "未办结", "query": "status=open"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let list: Value =
        admin.get(app.url("/api/v1/communities/510104001001/needs/views")).send().await.unwrap().json().await.unwrap();
    assert_eq!(list[0]["name"], "未办结");
    assert_eq!(
        admin.delete(app.url(&format!("/api/v1/needs/views/{}", v["id"]))).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_committee_configures_categories_and_their_service_levels() {
    let app = TestApp::spawn(Engine::Sqlite, "needs_categories").await.unwrap();
    let admin = app.login_as("admin.s").await;
    let page =
        admin.get(app.url("/communities/510104001001/needs/categories")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("楼道堆物") && page.contains("id=\"category-form\""));
    let csrf = extract_csrf(&page);
    let add = |code: &'static str, respond: &'static str, resolve: &'static str| {
        let csrf = csrf.clone();
        let admin = admin.clone();
        let url = app.url("/communities/510104001001/needs/categories");
        async move {
            admin
                .post(url)
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("code", code),
                    ("name_zh", "噪音扰民"),
                    ("name_en", "Noise"),
                    ("respond_hours", respond),
                    ("resolve_hours", resolve),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let r = add("Noise!", "8", "4").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("编码：编码为 2–32 位") && body.contains("办结时限（小时）：办结时限不能短于响应时限"),
        "{body}"
    );
    assert_eq!(add("noise", "4", "48").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(add("noise", "4", "48").await.status(), StatusCode::UNPROCESSABLE_ENTITY, "codes are unique");
    // A need filed under "transport" before it is retired keeps its category.
    let resident = app.login_as("resident.s").await;
    let r = app
        .post_json(
            &resident,
            "/api/v1/needs",
            &json!({"category": "transport", "title": "希望增设公交站点", "description": "出行不便。"}),
        )
        .await;
    let before_retire = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    // Retire "transport".
    let page =
        admin.get(app.url("/communities/510104001001/needs/categories")).send().await.unwrap().text().await.unwrap();
    let row = page.split("<td>transport</td>").nth(1).unwrap();
    let action = row.split("action=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let r = app
        .post_form(
            &admin,
            &action,
            &[
                ("csrf", csrf.as_str()),
                ("name_zh", "出行"),
                ("name_en", "Getting around"),
                ("respond_hours", "16"),
                ("resolve_hours", "240"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let old: Value =
        resident.get(app.url(&format!("/api/v1/needs/{before_retire}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(old["need"]["category"], "transport", "retiring a category does not erase it from filed needs");
    let r = app
        .post_json(
            &resident,
            "/api/v1/needs",
            &json!({"category": "transport", "title": "再提一次", "description": "出行不便。"}),
        )
        .await;
    assert_eq!(r.json::<Value>().await.unwrap()["errors"][0]["field"], "category", "but new needs cannot use it");
    let form = resident.get(app.url("/my/needs/new")).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("value=\"noise\"") && !form.contains("value=\"transport\""));
    let r = app
        .post_json(
            &resident,
            "/api/v1/needs",
            &json!({"category": "noise", "title": "夜间装修噪音", "description": "楼上夜里装修。"}),
        )
        .await;
    let n: Value = r.json().await.unwrap();
    assert_eq!(n["category"], "noise");
    // Only the committee of this community configures it.
    let grid = app.login_as("grid.s1").await;
    assert_eq!(
        grid.get(app.url("/communities/510104001001/needs/categories")).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let a = app.login_as("admin.a").await;
    assert_eq!(
        a.get(app.url("/communities/510104001001/needs/categories")).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    // Working hours and holidays are set on the same page, without JavaScript.
    let page =
        admin.get(app.url("/communities/510104001001/needs/categories")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"calendar-form\"") && page.contains("name=\"workday\" value=\"4\" checked"));
    let r = app
        .post_form(
            &admin,
            "/communities/510104001001/needs/calendar",
            &[
                ("csrf", csrf.as_str()),
                ("start_hour", "8"),
                ("end_hour", "17"),
                ("workday", "0"),
                ("workday", "1"),
                ("workday", "2"),
                ("workday", "3"),
                ("workday", "4"),
                ("holidays", "2026-10-01\n2026-10-02"),
                ("extra_workdays", "2026-10-11"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page =
        admin.get(app.url("/communities/510104001001/needs/categories")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("2026-10-01\n2026-10-02") && page.contains("value=\"8\""));
    let r = app
        .post_form(
            &admin,
            "/communities/510104001001/needs/calendar",
            &[("csrf", csrf.as_str()), ("start_hour", "18"), ("end_hour", "9")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let cal: Value = admin
        .get(app.url("/api/v1/communities/510104001001/needs/calendar"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((cal["start_hour"].as_u64(), cal["holidays"].clone()), (Some(8), json!(["2026-10-01", "2026-10-02"])));
    let r = admin
        .put(app.url("/api/v1/communities/510104001001/needs/calendar"))
        .json(&json!({"start_hour": 9, "end_hour": 18, "workdays": [true, true, true, true, true, false, false], "holidays": ["2026-13-40"], "extra_workdays": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["errors"][0]["field"], "holidays");
    // The API lists the categories (retired included) and takes the same rules.
    let list: Value = admin
        .get(app.url("/api/v1/communities/510104001001/needs/categories"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let transport = list.as_array().unwrap().iter().find(|c| c["code"] == "transport").unwrap().clone();
    assert_eq!(transport["active"], false);
    let r = app
        .post_json(
            &admin,
            "/api/v1/communities/510104001001/needs/categories",
            &json!({"code": "pets", "name_zh": "宠物扰民", "name_en": "Pets", "respond_hours": 8, "resolve_hours": 2}),
        )
        .await;
    assert_eq!(r.json::<Value>().await.unwrap()["errors"][0]["field"], "resolve_hours");
    let r = admin
        .put(app.url(&format!("/api/v1/communities/510104001001/needs/categories/{}", transport["id"])))
        .json(&json!({"name_zh": "出行", "name_en": "Getting around", "respond_hours": 8, "resolve_hours": 120}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
}
