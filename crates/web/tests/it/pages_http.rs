//! The design system's behaviour over HTTP: feedback after an action (shown once), error pages
//! inside the layout with a way back, the ledger's search and numbered pages, and the street
//! officer's landing page.

use wushe_testkit::{Engine, TestApp, extract_csrf};

const S: &str = "510104001001";

/// One need of S社区 with `status`, as (id, version, title).
async fn a_need(app: &TestApp, c: &reqwest::Client, status: &str) -> (i64, i64, String) {
    let page: serde_json::Value = app
        .get(c, &format!("/api/v1/communities/{S}/needs?status={status}&limit=1"))
        .await
        .json()
        .await
        .expect("ledger JSON");
    let n = &page["items"][0];
    (n["id"].as_i64().expect("id"), n["version"].as_i64().expect("version"), n["title"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn an_action_is_confirmed_once_at_the_top_of_the_next_page() {
    let Some(app) = TestApp::spawn(Engine::Sqlite, "flash").await else { return };
    let admin = app.login_as("admin.s").await;
    let (id, version, _) = a_need(&app, &admin, "submitted").await;
    let page = app.get(&admin, &format!("/needs/{id}")).await.text().await.unwrap();
    assert!(!page.contains("id=\"flash\""), "no message before any action");
    let csrf = extract_csrf(&page);
    let r = app
        .post_form(
            &admin,
            &format!("/needs/{id}/step"),
            &[("csrf", csrf.as_str()), ("event", "accepted"), ("version", &version.to_string()), ("note", "")],
        )
        .await;
    assert_eq!(r.status(), 303, "a form post answers See Other");
    assert_eq!(r.headers()["location"], format!("/needs/{id}"));
    let after = app.get(&admin, &format!("/needs/{id}")).await.text().await.unwrap();
    let flash = after.split("id=\"flash\"").nth(1).expect("the next page shows the message");
    assert!(flash.contains("已记录") && flash.contains("受理"), "{}", &flash[..flash.len().min(300)]);
    assert!(after.find("id=\"flash\"").unwrap() < after.find("<h1>").unwrap(), "the message comes first");
    let again = app.get(&admin, &format!("/needs/{id}")).await.text().await.unwrap();
    assert!(!again.contains("id=\"flash\""), "the message is shown once");

    // A failed step shows the problem on the need page and no success message.
    let csrf = extract_csrf(&again);
    let r = app
        .post_form(
            &admin,
            &format!("/needs/{id}/step"),
            &[("csrf", csrf.as_str()), ("event", "accepted"), ("version", &version.to_string()), ("note", "")],
        )
        .await;
    assert!(r.status().is_client_error(), "a stale or repeated step is refused: {}", r.status());
    let body = r.text().await.unwrap();
    assert!(!body.contains("id=\"flash\""));
}

#[tokio::test]
async fn error_pages_keep_the_layout_and_offer_a_way_back() {
    let Some(app) = TestApp::spawn(Engine::Sqlite, "error-pages").await else { return };
    let admin = app.login_as("admin.s").await;
    let r = app.get(&admin, "/no/such/page").await;
    assert_eq!(r.status(), 404);
    let body = r.text().await.unwrap();
    assert!(body.contains("class=\"main-nav\""), "the navigation stays");
    assert!(body.contains(&format!("href=\"/communities/{S}/needs\"")), "the reader's own links");
    assert!(body.contains("id=\"back-home\""));

    // A page the route refuses: a donor may not claim.
    let donor = app.login_as("donor.s").await;
    let r = app.get(&donor, "/claims").await;
    assert_eq!(r.status(), 403);
    let body = r.text().await.unwrap();
    assert!(body.contains("class=\"main-nav\"") && body.contains("id=\"back-home\""));
    assert!(!body.contains("href=\"/claims\""), "no link back to the refused page");

    // A record outside the reader's area reads as missing, inside the layout.
    let other = app.login_as("admin.a").await;
    let (id, _, _) = a_need(&app, &admin, "submitted").await;
    let r = app.get(&other, &format!("/needs/{id}")).await;
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("href=\"/communities/310106001001/needs\""));

    // Signed out, the way back includes signing in.
    let r = app.get(&TestApp::new_client(), "/no/such/page").await;
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("href=\"/login?next=/no/such/page\""));
}

#[tokio::test]
async fn the_ledger_finds_by_number_and_words_and_pages_by_number() {
    let Some(app) = TestApp::spawn(Engine::Sqlite, "ledger-search").await else { return };
    let admin = app.login_as("admin.s").await;
    let (id, _, title) = a_need(&app, &admin, "submitted").await;
    let by_number = app.get(&admin, &format!("/communities/{S}/needs?q=%23{id}")).await.text().await.unwrap();
    assert!(by_number.contains("共 1 条需求"), "one need by its number");
    assert!(by_number.contains(&format!("href=\"/needs/{id}\"")));

    let word: String = title.chars().take(4).collect();
    let q: String = form_urlencoded_q(&word);
    let by_words = app.get(&admin, &format!("/communities/{S}/needs?q={q}")).await.text().await.unwrap();
    assert!(by_words.contains(&format!("href=\"/needs/{id}\"")), "found by words of its title: {word}");
    let all = app.get(&admin, &format!("/communities/{S}/needs")).await.text().await.unwrap();
    let total = |html: &str| -> i64 {
        let at = html.find("共 ").expect("a total");
        html[at + "共 ".len()..].split(' ').next().unwrap().parse().unwrap()
    };
    assert!(total(&by_words) < total(&all), "words narrow the ledger");

    // Numbered pages, the current one marked, the filters kept in every link.
    assert!(all.contains("<nav class=\"pages\""));
    assert!(all.contains("<span aria-current=\"page\">1</span>"));
    let last = (total(&all) + 49) / 50;
    assert!(all.contains(&format!("page={last}\">{last}</a>")), "the last page is one tap away");
    let open = app.get(&admin, &format!("/communities/{S}/needs?status=open&q=%E6%A5%BC")).await.text().await.unwrap();
    if open.contains("<nav class=\"pages\"") {
        let nav = open.split("<nav class=\"pages\"").nth(1).unwrap();
        assert!(nav.contains("q=%E6%A5%BC&#38;status=open"), "page links keep the search and filters");
    }
    let nothing = app
        .get(&admin, &format!("/communities/{S}/needs?q=%E4%B8%8D%E5%AD%98%E5%9C%A8xyz"))
        .await
        .text()
        .await
        .unwrap();
    assert!(nothing.contains("id=\"no-needs\""), "an empty result says what to do");
}

fn form_urlencoded_q(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[tokio::test]
async fn a_street_officer_lands_on_the_street_with_its_communities_side_by_side() {
    let Some(app) = TestApp::spawn(Engine::Sqlite, "street-home").await else { return };
    let officer = app.login_as("street.s").await;
    let r = app.get(&officer, "/").await;
    assert_eq!(r.headers()["location"], "/streets/510104001");
    let page = app.get(&officer, "/streets/510104001").await;
    assert_eq!(page.status(), 200);
    let body = page.text().await.unwrap();
    assert!(body.contains(&format!("<a href=\"/communities/{S}\">")), "each community links into it");
    assert!(body.contains("id=\"street-communities\""));
    assert!(body.contains("href=\"/communities/510104001/needs/metrics\""), "street metrics in the navigation");
    // Another street's page is not theirs.
    assert_eq!(app.get(&officer, "/streets/310106001").await.status(), 404);
    // A community's admin has no street page.
    let admin = app.login_as("admin.s").await;
    assert_eq!(app.get(&admin, "/streets/510104001").await.status(), 404);
}

#[tokio::test]
async fn the_audit_log_reads_as_words_and_filters_by_action_and_date() {
    let Some(app) = TestApp::spawn(Engine::Sqlite, "audit-page").await else { return };
    let admin = app.login_as("admin.s").await;
    let (id, version, _) = a_need(&app, &admin, "submitted").await;
    let r = app
        .post_json(
            &admin,
            &format!("/api/v1/needs/{id}/events"),
            &serde_json::json!({"event": "accepted", "version": version}),
        )
        .await;
    assert!(r.status().is_success(), "{}", r.status());
    let all = app.get(&admin, &format!("/communities/{S}/audit")).await.text().await.unwrap();
    let table = all.split("id=\"audit\"").nth(1).expect("entries");
    // No cell holds a bare code such as `hours.verify`: every action the demo and this test wrote reads as words.
    let raw = table.split('>').filter_map(|cell| cell.split('<').next()).find(|text| {
        let mut parts = text.split('.');
        let (a, b) = (parts.next().unwrap_or(""), parts.next());
        parts.next().is_none()
            && !a.is_empty()
            && b.is_some_and(|b| !b.is_empty() && b.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
            && a.chars().all(|c| c.is_ascii_lowercase() || c == '_')
    });
    assert_eq!(raw, None, "no raw action codes");
    assert!(table.contains("需求：受理"), "readable names");
    let added = app.get(&admin, &format!("/communities/{S}/audit?action=user.add")).await.text().await.unwrap();
    assert!(added.split("id=\"audit\"").nth(1).unwrap().contains("新增账号"), "readable names");
    assert!(table.contains(&format!("<a href=\"/needs/{id}\">需求 #{id}</a>")), "the subject links to its page");
    let count = |html: &str| -> i64 {
        let at = html.find("共 ").unwrap();
        html[at + "共 ".len()..].split(' ').next().unwrap().parse().unwrap()
    };
    let accepted = app.get(&admin, &format!("/communities/{S}/audit?action=need.accepted")).await.text().await.unwrap();
    assert!(count(&accepted) == 1 && count(&accepted) < count(&all));
    let rows = accepted.split("id=\"audit\"").nth(1).unwrap();
    assert!(!rows.contains("新增账号"), "only the chosen action");
    if count(&all) > 50 {
        assert!(all.contains("<nav class=\"pages\""), "a long log is paged");
    }
    let future = app.get(&admin, &format!("/communities/{S}/audit?from=2099-01-01")).await.text().await.unwrap();
    assert_eq!(count(&future), 0);
    let bad = app.get(&admin, &format!("/communities/{S}/audit?from=tomorrow")).await.text().await.unwrap();
    assert!(bad.contains("id=\"form-errors\"") && bad.contains("开始日期"), "a bad date is named");
    // English names too.
    let en = app.get(&admin, "/prefs/lang/en").await;
    assert!(en.status().is_redirection());
    let all_en = app.get(&admin, &format!("/communities/{S}/audit")).await.text().await.unwrap();
    assert!(all_en.contains("Need: Accept") || all_en.contains("Need: "), "English names");
    let added_en = app.get(&admin, &format!("/communities/{S}/audit?action=user.add")).await.text().await.unwrap();
    assert!(added_en.contains("Account added"));
}

#[tokio::test]
async fn the_inbox_is_paged_with_unread_counts_and_can_be_read_at_once() {
    let Some(app) = TestApp::spawn(Engine::Sqlite, "inbox-page").await else { return };
    let admin = app.login_as("admin.s").await;
    let page = app.get(&admin, "/inbox").await.text().await.unwrap();
    assert!(page.contains("id=\"inbox-counts\""));
    let unread_before = app.get(&admin, "/inbox?unread=1").await.text().await.unwrap();
    let csrf = extract_csrf(&page);
    if page.contains("id=\"read-all\"") {
        let r = app.post_form(&admin, "/inbox/read-all", &[("csrf", csrf.as_str())]).await;
        assert_eq!(r.status(), 303);
        let after = app.get(&admin, "/inbox").await.text().await.unwrap();
        assert!(after.contains("id=\"flash\""), "the action is confirmed");
        assert!(after.contains("未读 0 条"), "nothing unread after");
        assert!(!after.contains("id=\"read-all\""));
        assert!(unread_before.contains("class=\"unread\""));
    }
    let empty = app.get(&admin, "/inbox?unread=1").await.text().await.unwrap();
    assert!(empty.contains("没有未读消息"), "an empty list says so");
}

#[tokio::test]
async fn the_need_page_masks_the_requesters_phone_and_reveals_it_only_on_request_audited() {
    let Some(app) = TestApp::spawn(Engine::Sqlite, "contact").await else { return };
    let resident = app.login_as("resident.s").await;
    let form = app.get(&resident, "/my/needs/new").await.text().await.unwrap();
    let csrf = extract_csrf(&form);
    let r = app
        .post_form(
            &resident,
            "/my/needs",
            &[
                ("csrf", csrf.as_str()),
                ("category", "repairs"),
                ("title", "水管漏水"),
                ("description", "厨房水管一直在滴水。"),
                ("contact_phone", "13812345678"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let url = r.headers()["location"].to_str().unwrap().to_string();
    // The resident sees their own number; staff see it masked with a way to reveal it.
    let own = app.get(&resident, &url).await.text().await.unwrap();
    assert!(own.contains("13812345678") && !own.contains("id=\"reveal-form\""));
    let admin = app.login_as("admin.s").await;
    let page = app.get(&admin, &url).await.text().await.unwrap();
    assert!(page.contains("138****5678") && !page.contains("13812345678"), "masked for staff");
    assert!(page.contains("id=\"reveal-form\"") && page.contains("id=\"time-left\""));
    assert!(page.contains("id=\"next-actions\"") && page.contains("id=\"more-actions\""));
    // A street officer reads the need but never the full number.
    let street = app.login_as("street.s").await;
    let theirs = app.get(&street, &url).await.text().await.unwrap();
    assert!(theirs.contains("138****5678") && !theirs.contains("id=\"reveal-form\""));
    let csrf = extract_csrf(&theirs);
    let r = app.post_form(&street, &format!("{url}/contact"), &[("csrf", csrf.as_str())]).await;
    assert_eq!(r.status(), 403);
    // The admin asks: the full number, and the audit log says who saw it.
    let csrf = extract_csrf(&page);
    let r = app.post_form(&admin, &format!("{url}/contact"), &[("csrf", csrf.as_str())]).await;
    assert_eq!(r.status(), 200);
    let shown = r.text().await.unwrap();
    assert!(shown.contains("href=\"tel:13812345678\""), "a number to call");
    let audit =
        app.get(&admin, &format!("/communities/{S}/audit?action=need.contact_revealed")).await.text().await.unwrap();
    assert!(audit.contains("查看需求人完整号码"), "the reveal is audited");
}

#[tokio::test]
async fn a_grid_worker_picks_the_household_or_the_grid_instead_of_typing_codes() {
    let Some(app) = TestApp::spawn(Engine::Sqlite, "places").await else { return };
    let grid = app.login_as("grid.s1").await;
    let found = app.get(&grid, &format!("/communities/{S}/needs/new?find=1%E6%A0%8B%201%E5%8D%95%E5%85%83101")).await;
    let found = found.text().await.unwrap();
    assert!(
        found.contains(&format!("href=\"/communities/{S}/needs/new?household=510104001001010010001\"")),
        "1栋1单元101 is offered"
    );
    let chosen = app.get(&grid, &format!("/communities/{S}/needs/new?household=510104001001010010001")).await;
    let chosen = chosen.text().await.unwrap();
    assert!(
        chosen.contains("id=\"chosen-household\"")
            && chosen.contains("name=\"household_code\" value=\"510104001001010010001\"")
    );
    assert!(!chosen.contains("inputmode=\"numeric\""), "no code to type");
    // The situation map in picking mode links each of the worker's grids to the form.
    let map = app.get(&grid, &format!("/communities/{S}/map?pick=need")).await.text().await.unwrap();
    assert!(map.contains("id=\"pick-hint\""));
    assert!(map.contains(&format!("href=\"/communities/{S}/needs/new?area=51010400100101\"")), "its own grid");
    assert!(!map.contains("/needs/new?area=51010400100102"), "not another grid");
    let form = app.get(&grid, &format!("/communities/{S}/needs/new?area=51010400100101")).await.text().await.unwrap();
    assert!(form.contains("<option value=\"51010400100101\" selected>"), "the tapped grid is chosen");
}
