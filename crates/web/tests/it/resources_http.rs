//! Resources, matching, claiming, booking, iCalendar and HSDS through pages and the API.

use reqwest::StatusCode;
use serde_json::{Value, json};
use wushe_testkit::{Engine, TestApp, extract_csrf, sqlx};

async fn resource_id(app: &TestApp, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM resources WHERE name = $1").bind(name).fetch_one(&app.db.pool).await.unwrap()
}

/// Tomorrow in Shanghai, `YYYY-MM-DD`.
fn tomorrow() -> String {
    let tz = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    (chrono::Utc::now().with_timezone(&tz) + chrono::Duration::days(1)).format("%Y-%m-%d").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_volunteer_registers_a_skill_and_staff_assign_a_need_from_its_matches() {
    let app = TestApp::spawn(Engine::Sqlite, "resources_pages").await.unwrap();
    let vol = app.login_as("volunteer.s").await;
    let form = vol.get(app.url("/communities/510104001001/resources/new")).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("id=\"resource-form\"") && form.contains("设施维修"));
    let csrf = extract_csrf(&form);
    // Bad input: each problem named, nothing written.
    let r = app
        .post_form(
            &vol,
            "/communities/510104001001/resources",
            &[
                ("csrf", csrf.as_str()),
                ("kind", "skill"),
                ("name", ""),
                ("owner", "self"),
                ("area_code", "510104001001"),
                ("schedule", "周八 9点"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("名称：必填") && body.contains("开放时间：开放时间格式不对"), "{body}");
    let r = app
        .post_form(
            &vol,
            "/communities/510104001001/resources",
            &[
                ("csrf", csrf.as_str()),
                ("kind", "skill"),
                ("name", "疏通下水道"),
                ("owner", "self"),
                ("area_code", "51010400100101"),
                ("categories", "repairs"),
                ("tags", "水管 疏通"),
                ("capacity", "2"),
                ("contact_name", "李师傅"),
                ("contact_phone", "13900001111"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    let url = r.headers()["location"].to_str().unwrap().to_string();
    let page = vol.get(app.url(&url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("疏通下水道") && page.contains("13900001111"), "the owner sees the contact");
    let mine = vol.get(app.url("/my/resources")).send().await.unwrap().text().await.unwrap();
    assert!(mine.contains("疏通下水道") && mine.contains("老党员电器维修便民小站"));
    // An organization member sees it masked; the API says the same.
    let org = app.login_as("org.s").await;
    let page = org.get(app.url(&url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("139****1111") && !page.contains("13900001111"), "{page}");
    let id = url.trim_start_matches("/resources/");
    let dto: Value = org.get(app.url(&format!("/api/v1/resources/{id}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(dto["contact_phone"], "139****1111");
    // A resident files a need; staff open its matching list and assign in one click.
    let resident = app.login_as("resident.s").await;
    let n: Value = app
        .post_json(
            &resident,
            "/api/v1/needs",
            &json!({"category": "repairs", "title": "厨房下水道堵了", "description": "厨房水池下水道堵塞，需要疏通。"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let nid = n["id"].as_i64().unwrap();
    let admin = app.login_as("admin.s").await;
    let matches: Value =
        admin.get(app.url(&format!("/api/v1/needs/{nid}/matches"))).send().await.unwrap().json().await.unwrap();
    let list = matches.as_array().unwrap();
    let ours = list.iter().find(|m| m["name"] == "疏通下水道").expect("the new skill is matched");
    assert_eq!(ours["fit"], "category");
    assert!(ours["reasons"].as_array().unwrap().iter().any(|r| r == "服务类别对口"), "{ours}");
    let page = admin.get(app.url(&format!("/needs/{nid}/matches"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("疏通下水道") && page.contains("id=\"tier-now\"") && page.contains("同网格"), "{page}");
    // Grouped by tier: what can serve now comes before what needs an appointment.
    let now_at = page.find("id=\"tier-now\"").unwrap();
    assert!(page.find("id=\"tier-later\"").is_none_or(|later| later > now_at));
    let csrf = extract_csrf(&page);
    let assignee = ours["assignee"].as_str().unwrap().to_string();
    let r = app
        .post_form(
            &admin,
            &format!("/needs/{nid}/step"),
            &[
                ("csrf", csrf.as_str()),
                ("event", "assigned"),
                ("version", &n["version"].to_string()),
                ("assignee", &assignee),
                ("note", "疏通下水道"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let after: Value = admin.get(app.url(&format!("/api/v1/needs/{nid}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(after["need"]["status"], "assigned", "{after}");
    // The English page reads in English; unknown resources answer 404, other communities too.
    let en = app.login_as("admin.s").await;
    en.get(app.url("/prefs/lang/en")).send().await.unwrap();
    let page = en.get(app.url("/communities/510104001001/resources")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Community resources") && page.contains("Add a resource"), "{page}");
    let other = app.login_as("admin.a").await;
    assert_eq!(other.get(app.url(&url)).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(
        other.get(app.url("/api/v1/communities/510104001001/resources")).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    // Stock moves through the API refuse to go below zero, naming the field.
    let kits = resource_id(&app, "急救包").await;
    let r = app
        .post_json(&admin, &format!("/api/v1/resources/{kits}/stock"), &json!({"delta": "-31", "reason": "发放"}))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "delta");
    assert_eq!(p["errors"][0]["code"], "errors.stock.negative");
    // Export lists the community's resources with Chinese headers.
    let csv = admin
        .get(app.url("/communities/510104001001/resources/export.csv"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.contains("名称,类型,区域编码") && csv.contains("疏通下水道"));
    assert!(csv.contains("139****1111") || csv.contains("13900001111"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_from_the_list_and_the_loser_is_told() {
    let app = TestApp::spawn(Engine::Sqlite, "claims_pages").await.unwrap();
    let resident = app.login_as("resident.s").await;
    let n: Value = app
        .post_json(
            &resident,
            "/api/v1/needs",
            &json!({"category": "repairs", "title": "楼道灯坏了", "description": "三楼楼道灯不亮。"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let nid = n["id"].as_i64().unwrap();
    let admin = app.login_as("admin.s").await;
    let page = admin.get(app.url(&format!("/needs/{nid}/matches"))).send().await.unwrap().text().await.unwrap();
    let csrf = extract_csrf(&page);
    let r = app
        .post_form(&admin, &format!("/needs/{nid}/listing"), &[("csrf", csrf.as_str()), ("claim_hours", "24")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let vol = app.login_as("volunteer.s").await;
    let list = vol.get(app.url("/claims")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("楼道灯坏了") && list.contains("与您的技能对口"), "{list}");
    let csrf = extract_csrf(&list);
    let r = vol.post(app.url(&format!("/claims/{nid}"))).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let org = app.login_as("org.s").await;
    let r = org.post(app.url(&format!("/api/v1/needs/{nid}/claim"))).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["errors"][0]["code"], "errors.claim.taken");
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("已被他人认领"));
    let mine = vol.get(app.url("/claims")).send().await.unwrap().text().await.unwrap();
    assert!(mine.contains("id=\"my-claims\"") && mine.contains("楼道灯坏了"));
    // The need page tells staff who holds it and links to the matching list.
    let need_page = admin.get(app.url(&format!("/needs/{nid}"))).send().await.unwrap().text().await.unwrap();
    assert!(
        need_page.contains("id=\"claim\"")
            && need_page.contains("S社区志愿者")
            && need_page.contains("id=\"matches-link\""),
        "{need_page}"
    );
    // Releasing puts it back for others.
    let r = vol.post(app.url(&format!("/claims/{nid}/release"))).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let open: Value = org.get(app.url("/api/v1/claims?all=1")).send().await.unwrap().json().await.unwrap();
    assert!(open.as_array().unwrap().iter().any(|c| c["need_id"] == nid), "{open}");
    // Residents have no claim list.
    assert_eq!(resident.get(app.url("/claims")).send().await.unwrap().status(), StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_books_a_space_without_javascript_and_subscribes_to_the_feed() {
    let app = TestApp::spawn(Engine::Sqlite, "booking_pages").await.unwrap();
    let room = resource_id(&app, "社区活动室").await;
    let anon = TestApp::new_client();
    let spaces = anon.get(app.url("/communities/510104001001/spaces")).send().await.unwrap().text().await.unwrap();
    assert!(spaces.contains("社区活动室") && spaces.contains("红色议事厅"));
    let day = tomorrow();
    let page = anon.get(app.url(&format!("/spaces/{room}?date={day}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("空闲") && page.contains("登录后预约") && !page.contains("id=\"booking-form\""));
    let resident = app.login_as("resident.s").await;
    let page = resident.get(app.url(&format!("/spaces/{room}?date={day}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"booking-form\""));
    let csrf = extract_csrf(&page);
    let book = |from: &'static str, to: &'static str| {
        let (c, csrf, day, url) =
            (resident.clone(), csrf.clone(), day.clone(), app.url(&format!("/spaces/{room}/bookings")));
        async move {
            c.post(url)
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("date", day.as_str()),
                    ("from", from),
                    ("to", to),
                    ("purpose", "楼组长例会"),
                    ("attendees", "12"),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(book("14:00", "16:00").await.status(), StatusCode::SEE_OTHER);
    let r = book("15:00", "16:00").await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("该时段已被预约"));
    let r = book("20:00", "22:00").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("所选时间不在开放时间内"));
    let page = anon.get(app.url(&format!("/spaces/{room}?date={day}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("live-booked"), "the calendar shows the booking");
    assert!(page.contains("id=\"week\"") && page.contains("一周概览"), "and the week ahead");
    // The API: a taken slot is 409, the slots show it, bad input is 422 with the field.
    let admin = app.login_as("admin.s").await;
    let r = app
        .post_json(
            &admin,
            &format!("/api/v1/spaces/{room}/bookings"),
            &json!({"date": day, "from": "14:30", "to": "15:00", "purpose": "x", "attendees": 3}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = app
        .post_json(
            &admin,
            &format!("/api/v1/spaces/{room}/bookings"),
            &json!({"date": "2026-13-40", "from": "14:30", "to": "15:00", "purpose": "x"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json::<Value>().await.unwrap()["errors"][0]["field"], "date");
    let slots: Value = anon
        .get(app.url(&format!("/api/v1/spaces/{room}/slots?date={day}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(slots.as_array().unwrap().iter().any(|s| s["status"] == "booked"));
    // The space's public feed and the personal feed are valid iCalendar.
    let r = anon.get(app.url(&format!("/spaces/{room}/calendar.ics"))).send().await.unwrap();
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"));
    let ics = r.text().await.unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:") && ics.ends_with("END:VCALENDAR\r\n"));
    assert!(
        ics.contains("BEGIN:VEVENT") && ics.contains("STATUS:CONFIRMED") && !ics.contains("楼组长例会"),
        "no purposes in public"
    );
    let lines = wushe_web::ical::unfold(&ics);
    assert!(lines.iter().any(|l| l.starts_with("UID:")));
    assert!(lines.iter().any(|l| l.starts_with("DTSTAMP:") && l.ends_with('Z')), "DTSTAMP is UTC");
    for key in ["DTSTART;TZID=Asia/Shanghai:", "DTEND;TZID=Asia/Shanghai:"] {
        assert!(lines.iter().any(|l| l.starts_with(key) && !l.ends_with('Z')), "{key}: local times as booked");
    }
    assert!(lines.contains(&"TZID:Asia/Shanghai".to_string()) && !lines.iter().any(|l| l.starts_with("METHOD:")));
    let page = resident.get(app.url("/my/bookings")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("楼组长例会") && page.contains("已确认"));
    let r = resident.post(app.url("/my/bookings/feed")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    let page = r.text().await.unwrap();
    let start = page.find("/calendar/").unwrap();
    let feed_url: String = page[start..].chars().take_while(|c| *c != '<').collect();
    let ics = anon.get(app.url(&feed_url)).send().await.unwrap().text().await.unwrap();
    assert!(ics.contains("楼组长例会"), "{ics}");
    assert_eq!(
        anon.get(app.url(&format!("/calendar/{}.ics", "a".repeat(48)))).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    // Cancelling through the page frees the slot.
    let id: i64 =
        sqlx::query_scalar("SELECT id FROM bookings ORDER BY id LIMIT 1").fetch_one(&app.db.pool).await.unwrap();
    let r = app.post_form(&resident, &format!("/bookings/{id}/cancel"), &[("csrf", csrf.as_str())]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(book("15:00", "16:00").await.status(), StatusCode::SEE_OTHER);
}

/// Checks the fields HSDS 3.1 requires of a full service (schema/compiled/service.json):
/// service id, name, status (enum); organization id, name, description; location id and
/// location_type (enum); phone id and number; schedule id, freq (enum) and byday weekdays.
fn assert_hsds_service(s: &Value) {
    let uuid = |v: &Value| {
        let t = v.as_str().unwrap_or("");
        t.len() == 36
            && t.chars()
                .enumerate()
                .all(|(i, c)| if [8, 13, 18, 23].contains(&i) { c == '-' } else { c.is_ascii_hexdigit() })
    };
    assert!(uuid(&s["id"]) && s["name"].is_string(), "{s}");
    assert!(["active", "inactive", "defunct", "temporarily closed"].contains(&s["status"].as_str().unwrap()));
    if let Some(o) = s.get("organization") {
        assert!(uuid(&o["id"]) && o["name"].is_string() && o["description"].is_string(), "{o}");
    }
    for p in s["phones"].as_array().unwrap() {
        assert!(uuid(&p["id"]) && p["number"].is_string());
    }
    for sch in s["schedules"].as_array().unwrap() {
        assert!(uuid(&sch["id"]));
        assert!(["WEEKLY", "MONTHLY"].contains(&sch["freq"].as_str().unwrap()));
        assert!(
            sch["byday"].as_str().unwrap().split(',').all(|d| ["MO", "TU", "WE", "TH", "FR", "SA", "SU"].contains(&d))
        );
    }
    for sal in s["service_at_locations"].as_array().unwrap() {
        assert!(uuid(&sal["id"]) && uuid(&sal["location"]["id"]));
        assert!(["physical", "postal", "virtual"].contains(&sal["location"]["location_type"].as_str().unwrap()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_directory_is_served_as_hsds_and_an_export_imports_into_another_community() {
    let app = TestApp::spawn(Engine::Sqlite, "hsds").await.unwrap();
    let anon = TestApp::new_client();
    let root: Value = anon.get(app.url("/hsds/")).send().await.unwrap().json().await.unwrap();
    assert!(root["version"].as_str().unwrap().starts_with("3.") && root["openapi_url"].is_string());
    let page: Value = anon.get(app.url("/hsds/services?per_page=3&page=2")).send().await.unwrap().json().await.unwrap();
    for f in ["total_items", "total_pages", "page_number", "size"] {
        assert!(page[f].is_u64(), "{f}");
    }
    assert_eq!((page["page_number"].as_u64(), page["size"].as_u64()), (Some(2), Some(3)));
    assert_eq!((page["first_page"].as_bool(), page["empty"].as_bool()), (Some(false), Some(false)));
    let total = page["total_items"].as_u64().unwrap();
    assert!(total >= 10, "{page}");
    // Full services validate; one by id matches; a person's skill is never public.
    let full: Value =
        anon.get(app.url("/hsds/services?full=true&per_page=100")).send().await.unwrap().json().await.unwrap();
    for s in full["contents"].as_array().unwrap() {
        assert_hsds_service(s);
        assert!(s["name"] != "老党员电器维修便民小站" && s["name"] != "律师志愿咨询");
    }
    let court = full["contents"].as_array().unwrap().iter().find(|s| s["name"] == "乔法官工作室法律咨询").unwrap();
    assert_eq!(court["schedules"][0]["byday"], "TU");
    let one: Value = anon
        .get(app.url(&format!("/hsds/services/{}", court["id"].as_str().unwrap())))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(one["name"], "乔法官工作室法律咨询");
    assert_eq!(
        anon.get(app.url("/hsds/services/57534800-0002-8000-8000-00000000ffff")).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let org_id = court["organization"]["id"].as_str().unwrap();
    let by_org: Value = anon
        .get(app.url(&format!("/hsds/services?organization_id={org_id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(by_org["total_items"], 1);
    let org: Value =
        anon.get(app.url(&format!("/hsds/organizations/{org_id}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(org["services"][0]["name"], "乔法官工作室法律咨询");
    let found: Value = anon.get(app.url("/hsds/services?search=法律咨询")).send().await.unwrap().json().await.unwrap();
    assert!(found["contents"].as_array().unwrap().iter().any(|s| s["name"] == "乔法官工作室法律咨询"));
    let term = court["attributes"][0]["taxonomy_term_id"].as_str().unwrap();
    let by_term: Value = anon
        .get(app.url(&format!("/hsds/services?taxonomy_term_id={term}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(by_term["contents"].as_array().unwrap().iter().all(|s| s["name"] != "四点半课堂"));
    let nd = anon.get(app.url("/hsds/services?format=ndjson")).send().await.unwrap().text().await.unwrap();
    assert_eq!(nd.lines().count() as u64, total);
    let bad = anon.get(app.url("/hsds/services?per_page=0")).send().await.unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // The whole-directory file of S社区 imports into A社区: all services, then nothing new.
    let export =
        anon.get(app.url("/hsds/export.json?community=510104001001")).send().await.unwrap().bytes().await.unwrap();
    let services: Value = serde_json::from_slice(&export).unwrap();
    let n = services.as_array().unwrap().len();
    let admin_a = app.login_as("admin.a").await;
    let r = admin_a
        .post(app.url("/api/v1/communities/310106001001/hsds/import"))
        .body(export.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let out: Value = r.json().await.unwrap();
    assert_eq!((out["added"].as_u64(), out["skipped"].as_u64()), (Some(n as u64), Some(0)), "{out}");
    let again: Value = admin_a
        .post(app.url("/api/v1/communities/310106001001/hsds/import"))
        .body(export)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["added"], 0);
    let list: Value = admin_a
        .get(app.url("/api/v1/communities/310106001001/resources?q=四点半课堂"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1, "{list}");
    // A malformed file names the entry and field and writes nothing.
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM resources").fetch_one(&app.db.pool).await.unwrap();
    let r = admin_a
        .post(app.url("/api/v1/communities/310106001001/hsds/import"))
        .body(r#"[{"id":"x1","name":"好的服务","status":"active"},{"id":"x2","name":"","status":"unknown"}]"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p: Value = r.json().await.unwrap();
    let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"entry:2:name") && fields.contains(&"entry:2:status"), "{fields:?}");
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM resources").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(before, after);
    // The same through the import page, as a file upload.
    let page =
        admin_a.get(app.url("/communities/310106001001/resources/import")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"hsds-form\""));
    let csrf = extract_csrf(&page);
    let file = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(r#"[{"id":"y1","name":"助浴服务","status":"active"}]"#.as_bytes().to_vec())
            .file_name("d.json"),
    );
    let r = admin_a
        .post(app.url(&format!("/communities/310106001001/resources/import-hsds?csrf={csrf}")))
        .multipart(file)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("已导入 1 项服务"));
    // Only curators of that community import.
    let admin_s = app.login_as("admin.s").await;
    let r = admin_s.post(app.url("/api/v1/communities/310106001001/hsds/import")).body("[]").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn matching_ranks_for_the_time_help_is_needed_and_schedules_change_through_the_api() {
    let app = TestApp::spawn(Engine::Sqlite, "matching_time").await.unwrap();
    let resident = app.login_as("resident.s").await;
    let n: Value = app
        .post_json(
            &resident,
            "/api/v1/needs",
            &json!({"category": "repairs", "title": "电视机坏了", "description": "电视机没有图像，想请人修一修。"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let nid = n["id"].as_i64().unwrap();
    let admin = app.login_as("admin.s").await;
    let stall_for = |at: &'static str| {
        let (admin, url) = (admin.clone(), app.url(&format!("/api/v1/needs/{nid}/matches?at={at}")));
        async move {
            let list: Value = admin.get(url).send().await.unwrap().json().await.unwrap();
            list.as_array().unwrap().iter().find(|m| m["name"] == "老党员电器维修便民小站").cloned().unwrap()
        }
    };
    // The stall opens at weekends 09:00–17:00: available on a Saturday morning, not on a Monday.
    assert_eq!(stall_for("2030-01-12T10:00").await["available"], true);
    let monday = stall_for("2030-01-14T10:00").await;
    assert_eq!(monday["available"], false);
    assert!(
        monday["reasons"].as_array().unwrap().iter().any(|r| r.as_str().unwrap().contains("周六 09:00 起可提供")),
        "{monday}"
    );
    let r = admin.get(app.url(&format!("/api/v1/needs/{nid}/matches?at=someday"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = admin
        .get(app.url(&format!("/needs/{nid}/matches?date=2030-01-12&time=10:00")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"when-form\"") && page.contains("value=\"2030-01-12\""));
    // The volunteer closes the stall on that Saturday through the API; it is no longer available then.
    let vol = app.login_as("volunteer.s").await;
    let stall = resource_id(&app, "老党员电器维修便民小站").await;
    let r = app
        .post_json(
            &vol,
            &format!("/api/v1/resources/{stall}/exceptions"),
            &json!({"date": "2030-01-12", "note": "外出"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let dto: Value = r.json().await.unwrap();
    assert_eq!(dto["exceptions"][0]["date"], "2030-01-12");
    assert_eq!(stall_for("2030-01-12T10:00").await["available"], false);
    let bad =
        app.post_json(&vol, &format!("/api/v1/resources/{stall}/exceptions"), &json!({"date": "2030-02-30"})).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json::<Value>().await.unwrap()["errors"][0]["field"], "date");
    // Someone else's resource: no.
    let org = app.login_as("org.s").await;
    let r = app.post_json(&org, &format!("/api/v1/resources/{stall}/exceptions"), &json!({"date": "2030-01-13"})).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let ex = dto["exceptions"][0]["id"].as_i64().unwrap();
    let r = vol.delete(app.url(&format!("/api/v1/resources/{stall}/exceptions/{ex}"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(stall_for("2030-01-12T10:00").await["available"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odd_pages_and_deep_places_do_not_break_lists_or_forms() {
    let app = TestApp::spawn(Engine::Sqlite, "resources_edges").await.unwrap();
    let admin = app.login_as("admin.s").await;
    // A page far past the end is an empty page, not an error.
    let r =
        admin.get(app.url("/api/v1/communities/510104001001/resources?page=999999999999999999")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.json::<Value>().await.unwrap()["items"].as_array().unwrap().is_empty());
    let r = admin.get(app.url("/communities/510104001001/resources?page=999999999999999999")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        TestApp::new_client().get(app.url("/hsds/services?page=99999999999")).send().await.unwrap().status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // A resource in a building keeps its place when its form is saved unchanged.
    let vol = app.login_as("volunteer.s").await;
    let r: Value = app.post_json(&vol, "/api/v1/resources", &json!({"area_code": "51010400100101001", "kind": "skill", "name": "楼里的修车师傅", "owner": "self", "categories": "repairs", "address": "1栋101"})).await
        .json()
        .await
        .unwrap();
    let id = r["id"].as_i64().expect("created");
    let form = vol.get(app.url(&format!("/resources/{id}/edit"))).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("<option value=\"51010400100101001\" selected>"), "the building is offered and chosen");
    // Another volunteer-like reader does not see the volunteer's address.
    let org = app.login_as("org.s").await;
    let dto: Value = org.get(app.url(&format!("/api/v1/resources/{id}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(dto["address"], "");
    assert_eq!(r["address"], "1栋101", "the owner does");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hsds_searches_every_list_literally_and_answers_unknown_paths_in_json() {
    let app = TestApp::spawn(Engine::Sqlite, "hsds_search").await.unwrap();
    let anon = TestApp::new_client();
    let get = |path: &str| {
        let (anon, url) = (anon.clone(), app.url(path));
        async move {
            let r = anon.get(url).send().await.unwrap();
            (r.status(), r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (_, all_terms) = get("/hsds/taxonomy_terms?per_page=100").await;
    let total = all_terms["total_items"].as_u64().unwrap();
    assert!(total >= 15);
    for path in ["/hsds/taxonomy_terms?search=zzzz", "/hsds/taxonomies?search=zzzz", "/hsds/services?search=zzzz"] {
        assert_eq!(get(path).await.1["total_items"], 0, "{path}");
    }
    for (wildcard, lists) in [
        ("%25", &["services", "organizations", "taxonomy_terms"][..]),
        ("%25%25", &["services", "organizations", "taxonomy_terms"]),
        ("*", &["services", "organizations", "taxonomy_terms"]),
        // Term codes hold underscores (elderly_care); names of services and organizations do not.
        ("_", &["services", "organizations"]),
    ] {
        for list in lists {
            let (_, page) = get(&format!("/hsds/{list}?search={wildcard}")).await;
            assert_eq!(page["total_items"], 0, "{list}?search={wildcard} is no wildcard");
        }
    }
    let (_, legal) = get("/hsds/taxonomy_terms?search=%E8%80%81%E4%BA%BA").await;
    assert!(legal["total_items"].as_u64().unwrap() >= 1 && legal["total_items"].as_u64().unwrap() < total);
    assert_eq!(get("/hsds/taxonomies?search=Wushe").await.1["total_items"], 1);
    // minimal: every service, only its id and modified date, in one page.
    let (_, full) = get("/hsds/services").await;
    let (_, minimal) = get("/hsds/services?minimal=true").await;
    assert_eq!(minimal["total_items"], full["total_items"]);
    assert_eq!(minimal["total_pages"], 1);
    for s in minimal["contents"].as_array().unwrap() {
        let keys: Vec<&String> = s.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["id", "modified_date"], "{s}");
    }
    let (status, body) = get("/hsds/no_such_list").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["status"], 404, "JSON, like the rest of the API: {body}");
}
