//! The volunteers' pages as people use them, without script: an organizer publishes an
//! activity and shows its QR code, a volunteer signs up, checks in with the code and out when
//! it ends, the social worker verifies the hours in bulk, and the volunteer sees them on their
//! hours, points and certificate; a resident registers and staff approve; bad input is named.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use wushe_app::clock::ManualClock;
use wushe_testkit::{Engine, TestApp, next_wednesday_10};

const S: &str = "510104001001";
const MINUTE: i64 = 60_000;

/// The first number after `before` in `html`.
fn number_after(html: &str, before: &str) -> Option<i64> {
    let at = html.find(before)? + before.len();
    html[at..].chars().take_while(|c| c.is_ascii_digit()).collect::<String>().parse().ok()
}

/// The text of the page's error summary, empty when there is none.
fn errors(html: &str) -> String {
    html.split("id=\"form-errors\"").nth(1).and_then(|s| s.split("</div>").next()).unwrap_or("").to_string()
}

/// A form posted as a browser does: with the CSRF token, following the 303 to the page that
/// shows the outcome (the status is the final page's).
async fn post(app: &TestApp, c: &reqwest::Client, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let csrf = app.csrf(c).await;
    let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    let r = app.post_form(c, path, &form).await;
    if r.status() == 303 {
        return page(app, c, r.headers()["location"].to_str().unwrap()).await;
    }
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

/// A page read as a browser does, following redirects.
async fn page(app: &TestApp, c: &reqwest::Client, path: &str) -> (u16, String) {
    let mut path = path.to_string();
    for _ in 0..5 {
        let r = app.get(c, &path).await;
        if r.status().is_redirection() {
            path = r.headers()["location"].to_str().unwrap().to_string();
            continue;
        }
        let status = r.status().as_u16();
        return (status, r.text().await.unwrap());
    }
    panic!("too many redirects from {path}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_activity_runs_from_sign_up_to_verified_hours_on_the_pages() {
    let start = next_wednesday_10();
    let clock = Arc::new(ManualClock(std::sync::atomic::AtomicI64::new(start - 10 * MINUTE)));
    let Some(app) = TestApp::spawn_clocked(Engine::Sqlite, "volunteer_pages", clock.clone()).await else { return };
    let social = app.login_as("social.s").await;
    let vol = app.login_as("volunteer.s").await;
    let date = wushe_app::clock::local_text(start, "%Y-%m-%d");

    // Bad input is named field by field, nothing is published.
    let (status, page) = post(
        &app,
        &social,
        &format!("/communities/{S}/activities"),
        &[
            ("kind", "service"),
            ("title", ""),
            ("place", "活动室"),
            ("date", &date),
            ("from", "10:00"),
            ("to", "09:00"),
            ("slots", "0"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    let e = errors(&page);
    assert!(e.contains("标题") && e.contains("名额"), "{e}");

    let (status, page) = post(
        &app,
        &social,
        &format!("/communities/{S}/activities"),
        &[
            ("kind", "service"),
            ("title", "测试助老活动"),
            ("place", "S社区活动室"),
            ("date", &date),
            ("from", "10:00"),
            ("to", "12:00"),
            ("slots", "2"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{}", errors(&page));
    let id = number_after(&page, "/activities/").expect("the activity's page");
    let poster = app.get(&social, &format!("/activities/{id}")).await.text().await.unwrap();
    assert!(poster.contains("id=\"checkin-qr\"") && poster.contains("<path"), "the organizer sees the QR code");
    let code: String = poster
        .split("签到码：")
        .nth(1)
        .expect("the code in words")
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    assert!(!code.is_empty());
    // The volunteer does not see the code, only the form to type it.
    let public = app.get(&vol, &format!("/activities/{id}")).await.text().await.unwrap();
    assert!(!public.contains(&code) && public.contains("id=\"sign-up\""));
    // Its places are on the claim list beside needs, until the volunteer holds one.
    let claims = app.get(&vol, "/claims").await.text().await.unwrap();
    assert!(claims.contains(&format!("action=\"/activities/{id}/signup\"")));

    let (_, page) = post(&app, &vol, &format!("/activities/{id}/signup"), &[]).await;
    assert!(page.contains("id=\"check-in\""), "signed up, the check-in form shows");
    let claims = app.get(&vol, "/claims").await.text().await.unwrap();
    assert!(!claims.contains(&format!("action=\"/activities/{id}/signup\"")), "a held place leaves the list");
    let (status, page) = post(&app, &vol, &format!("/activities/{id}/check-in"), &[("code", "WRONG9")]).await;
    assert_eq!(status, 422);
    assert!(errors(&page).contains("签到码"), "{}", errors(&page));
    // The QR code's address opens a one-button page with the code filled in.
    let scan = app.get(&vol, &format!("/activities/{id}/check-in?code={code}")).await.text().await.unwrap();
    assert!(scan.contains(&format!("value=\"{code}\"")));
    let (status, page) = post(&app, &vol, &format!("/activities/{id}/check-in"), &[("code", &code)]).await;
    assert_eq!(status, 200, "{}", errors(&page));
    assert!(page.contains("id=\"check-out\""));

    clock.0.store(start + 90 * MINUTE, Ordering::SeqCst);
    let (status, _) = post(&app, &vol, &format!("/activities/{id}/check-out"), &[]).await;
    assert_eq!(status, 200);
    let hours = app.get(&vol, "/my/volunteer/hours").await.text().await.unwrap();
    let record = number_after(&hours, "id=\"record-").expect("a record");
    let row =
        hours.split(&format!("id=\"record-{record}\"")).nth(1).unwrap().split("</tr>").next().unwrap().to_string();
    assert!(row.contains("测试助老活动") && row.contains("1.5") && row.contains("待核实"), "{row}");

    // Only social workers and organizers verify: the volunteer is refused.
    let (status, _) =
        post(&app, &vol, &format!("/communities/{S}/volunteers/hours"), &[("ids", &record.to_string())]).await;
    assert_eq!(status, 403);
    let queue = app.get(&social, &format!("/communities/{S}/volunteers/hours")).await.text().await.unwrap();
    assert!(queue.contains(&format!("id=\"waiting-{record}\"")));
    let (status, page) =
        post(&app, &social, &format!("/communities/{S}/volunteers/hours"), &[("decision", "verify")]).await;
    assert_eq!(status, 422, "nothing chosen is named");
    assert!(errors(&page).contains("请至少勾选一条记录"));
    let waiting: Vec<String> =
        queue.split("name=\"ids\" value=\"").skip(1).map(|s| s.split('"').next().unwrap().to_string()).collect();
    assert!(waiting.len() >= 2, "the demo's pending record waits too");
    let mut fields: Vec<(&str, &str)> = waiting.iter().map(|w| ("ids", w.as_str())).collect();
    fields.push(("decision", "verify"));
    let (status, page) = post(&app, &social, &format!("/communities/{S}/volunteers/hours"), &fields).await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("已核实 {} 条记录", waiting.len())), "one flash for the bulk");
    assert!(page.contains("id=\"none-waiting\""));
    let hours = app.get(&vol, "/my/volunteer/hours").await.text().await.unwrap();
    let row =
        hours.split(&format!("id=\"record-{record}\"")).nth(1).unwrap().split("</tr>").next().unwrap().to_string();
    assert!(row.contains("已核实"), "{row}");

    // The certificate names the person, the community and their verified hours.
    let cert = app.get(&vol, "/my/volunteer/certificate").await.text().await.unwrap();
    assert!(cert.contains("罗伟") && cert.contains("S社区") && cert.contains("志愿服务证明"));

    // Redeeming on the page: the balance falls by the item's points; a bad item is named.
    let points = app.get(&vol, "/my/volunteer/points").await.text().await.unwrap();
    let before = number_after(&points, "<li id=\"balance\"><span class=\"n\">").unwrap();
    let item = number_after(&points, "id=\"item-").unwrap();
    let (status, page) = post(&app, &vol, "/my/volunteer/points/redeem", &[("item_id", &item.to_string())]).await;
    assert_eq!(status, 200);
    assert!(page.contains("兑换成功"));
    assert_eq!(number_after(&page, "<li id=\"balance\"><span class=\"n\">").unwrap(), before - 50);
    let (status, page) = post(&app, &vol, "/my/volunteer/points/redeem", &[("item_id", "lots")]).await;
    assert_eq!(status, 422, "{}", errors(&page));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_registers_and_staff_approve_and_nobody_sees_what_is_not_theirs() {
    let Some(app) = TestApp::spawn(Engine::Sqlite, "volunteer_registration").await else { return };
    let resident = app.login_as("resident.s").await;
    // Not a volunteer yet: their hours page sends them to register.
    let (_, page) = page(&app, &resident, "/my/volunteer/hours").await;
    assert!(page.contains("id=\"register-form\""));
    let (status, page) = post(
        &app,
        &resident,
        "/my/volunteer",
        &[("skills", "陪诊 理发"), ("availability", "每天随时"), ("insurance_until", "明年")],
    )
    .await;
    assert_eq!(status, 422);
    let e = errors(&page);
    assert!(e.contains("可服务时间") && e.contains("保险到期日"), "{e}");
    let (status, page) =
        post(&app, &resident, "/my/volunteer", &[("skills", "陪诊 理发"), ("availability", "周六 09:00-12:00")]).await;
    assert_eq!(status, 200, "{}", errors(&page));
    assert!(page.contains("id=\"pending-note\""));
    let (status, _) = post(&app, &resident, "/my/volunteer", &[("skills", "陪诊")]).await;
    assert_eq!(status, 409, "one registration per person");

    let admin = app.login_as("admin.s").await;
    let list = app.get(&admin, &format!("/communities/{S}/volunteers")).await.text().await.unwrap();
    let pending = number_after(&list, "id=\"pending-").expect("the registration waits");
    let years =
        list.split("id=\"group-years\"").nth(1).expect("teams' hours by year").split("</table>").next().unwrap();
    assert!(years.contains("党员先锋队") && years.contains("<th scope=\"row\">20"), "{years}");
    let (status, page) =
        post(&app, &admin, &format!("/volunteers/{pending}/decision"), &[("decision", "approve")]).await;
    assert_eq!(status, 200);
    assert!(!page.contains(&format!("id=\"pending-{pending}\"")));
    let mine = app.get(&resident, "/my/volunteer").await.text().await.unwrap();
    assert!(mine.contains("在册") && mine.contains("id=\"my-figures\""));
    // Their skills are in the resource database now, as their skill resource.
    let found =
        app.get(&admin, &format!("/communities/{S}/resources?q=%E9%99%AA%E8%AF%8A")).await.text().await.unwrap();
    assert!(found.contains("志愿服务：陪诊、理发"), "the volunteer's skills are shared with the resource database");

    // A volunteer sees only their own: another's profile, the roster and the queue are refused.
    let vol = app.login_as("volunteer.s").await;
    assert_eq!(app.get(&vol, &format!("/volunteers/{pending}")).await.status(), 403);
    assert_eq!(app.get(&vol, &format!("/communities/{S}/volunteers")).await.status(), 403);
    assert_eq!(app.get(&vol, &format!("/areas/{S}/volunteers/retention")).await.status(), 403);
    // Another community's staff find nothing of S社区's volunteers.
    let other = app.login_as("admin.a").await;
    assert_eq!(app.get(&other, &format!("/volunteers/{pending}")).await.status(), 404);
    assert_eq!(app.get(&other, &format!("/communities/{S}/volunteers")).await.status(), 403);
    // The public list of activities is open to anyone, without personal data.
    let anon = TestApp::new_client();
    let public = app.get(&anon, &format!("/communities/{S}/activities")).await.text().await.unwrap();
    assert!(public.contains("id=\"activities\"") && !public.contains("罗伟"));
    // Staff record a mediation on an open need from its page, a note required.
    let ledger = app.get(&admin, &format!("/communities/{S}/needs?status=open")).await.text().await.unwrap();
    let need = number_after(&ledger, "href=\"/needs/").expect("an open need");
    let page = app.get(&admin, &format!("/needs/{need}")).await.text().await.unwrap();
    let form = page.split("id=\"step-mediated\"").nth(1).expect("the mediation form").split("</form>").next().unwrap();
    assert!(form.contains("name=\"note\" required"), "{form}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_retention_page_shows_the_figures_and_warns_of_drop_outs() {
    let Some(app) = TestApp::spawn(Engine::Sqlite, "retention_page").await else { return };
    let social = app.login_as("social.s").await;
    let page = app.get(&social, &format!("/areas/{S}/volunteers/retention")).await.text().await.unwrap();
    for id in ["tenure-chart", "growth-chart", "figures", "parts", "silent"] {
        assert!(page.contains(&format!("id=\"{id}\"")), "{id}");
    }
    let r = app.get(&social, &format!("/areas/{S}/volunteers/retention?weeks=0")).await;
    assert_eq!(r.status(), 422);
    assert!(errors(&r.text().await.unwrap()).contains("未服务周数"));
    // A street officer reads the roll-up of their street, community by community.
    let street = app.login_as("street.s").await;
    let page = app.get(&street, "/areas/510104001/volunteers/retention").await.text().await.unwrap();
    assert!(page.contains(&format!("href=\"/areas/{S}/volunteers/retention\"")), "the street's communities link down");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_shows_the_papers_volunteer_figures() {
    let Some(app) = TestApp::spawn(Engine::Sqlite, "retention_story").await else { return };
    let social = app.login_as("social.s").await;
    let f: serde_json::Value =
        app.get(&social, &format!("/api/v1/areas/{S}/volunteers/retention")).await.json().await.unwrap();
    let n = f["volunteers"].as_i64().unwrap();
    assert!(n >= 286 && f["hours"].as_i64().unwrap() >= 12_000, "{f}");
    let band = |code: &str| {
        f["tenure"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["band"] == code)
            .map(|b| b["volunteers"].as_i64().unwrap() * 1000 / n)
            .unwrap()
    };
    // About 28% over three years, 65% under six months, the top tenth carrying about 63%,
    // about 41% of council attendees under 35 (`004` §4, §5.2).
    assert!((260..=300).contains(&band("over_3y")), "{f}");
    assert!((630..=670).contains(&band("under_6m")), "{f}");
    assert!((600..=660).contains(&f["top_tenth_permille"].as_i64().unwrap()), "{f}");
    assert!((380..=440).contains(&f["deciders_under_35_permille"].as_i64().unwrap()), "{f}");
    assert!(f["inactive"].as_i64().unwrap() > 0, "a drop-out warning list to act on");
    // Mentor pairs at different months of the plan, one with its case report waiting.
    let growth = app.get(&social, &format!("/communities/{S}/volunteers/growth")).await.text().await.unwrap();
    let pairs = growth.split("id=\"pairs\"").nth(1).unwrap();
    for month in ["第1个月", "第3个月", "第6个月"] {
        assert!(pairs.contains(month), "{month}");
    }
    assert!(pairs.contains("已结业"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_roster_imports_whole_or_not_at_all_with_each_bad_cell_named() {
    let Some(app) = TestApp::spawn(Engine::Sqlite, "roster_page").await else { return };
    let admin = app.login_as("admin.s").await;
    let count = || async {
        let (n,): (i64,) =
            wushe_testkit::sqlx::query_as("SELECT COUNT(*) FROM volunteers").fetch_one(&app.db.pool).await.unwrap();
        n
    };
    let people: Vec<(String, String)> = wushe_testkit::sqlx::query_as(
        "SELECT p.name, p.phone FROM people p JOIN areas a ON a.id = p.community_id WHERE a.code = $1 AND p.phone IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM volunteers v WHERE v.person_id = p.id) ORDER BY p.id LIMIT 2",
    )
    .bind(S)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(people.len(), 2);
    let form = app.get(&admin, &format!("/communities/{S}/volunteers/import")).await.text().await.unwrap();
    assert!(form.contains("id=\"import-form\"") && form.contains("手机号"));
    let template = app.get(&admin, &format!("/communities/{S}/volunteers/roster-template.xlsx")).await;
    assert_eq!(template.status(), 200);
    assert!(template.bytes().await.unwrap().starts_with(b"PK"), "an .xlsx file");
    let csrf = app.csrf(&admin).await;
    let upload = |csv: String| {
        let form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("名册.csv".to_string()));
        admin.post(app.url(&format!("/communities/{S}/volunteers/import?csrf={csrf}"))).multipart(form).send()
    };
    let before = count().await;
    // One good row and one bad: nothing is written, the bad cells are named by row and column.
    let csv = format!(
        "姓名,手机号,服务队,技能,党员,保险到期,加入日期\r\n{},{},,陪诊,是,2027-06-30,2025-01-01\r\n无此人,1380013,,,,明年,\r\n",
        people[0].0, people[0].1
    );
    let r = upload(csv).await.unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    let report = page.split("id=\"import-errors\"").nth(1).expect("a report").to_string();
    assert!(report.contains("<td>3</td>") && report.contains("手机号") && report.contains("保险到期"), "{report}");
    assert_eq!(count().await, before, "all or nothing");
    // Both rows right: both are volunteers now, and the same roster again adds nobody.
    let csv = format!(
        "姓名,手机号,服务队,技能,党员,保险到期,加入日期\r\n{},{},,陪诊,是,2027-06-30,2025-01-01\r\n{},{},,,否,,\r\n",
        people[0].0, people[0].1, people[1].0, people[1].1
    );
    let r = upload(csv.clone()).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("id=\"import-done\""));
    assert_eq!(count().await, before + 2);
    assert_eq!(upload(csv).await.unwrap().status(), 200);
    assert_eq!(count().await, before + 2, "a re-imported roster adds nothing");
    // Only staff who manage volunteers import.
    let social = app.login_as("grid.s1").await;
    assert_eq!(app.get(&social, &format!("/communities/{S}/volunteers/import")).await.status(), 403);
}
