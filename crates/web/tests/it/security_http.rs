//! What an attacker tries from outside: guessing passwords from many addresses, framing and
//! sniffing, open redirects, cross-site writes, filing for someone else, oversized input.

use super::http::{person_in, problem_fields};
use reqwest::StatusCode;
use serde_json::{Value, json};
use wushe_testkit::{Engine, TestApp, extract_csrf, sqlx};

fn client_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(ip.parse::<std::net::IpAddr>().unwrap())
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_login_limit_counts_an_account_per_address_in_every_spelling() {
    let app = TestApp::spawn(Engine::Sqlite, "login_spellings").await.unwrap();
    let (id, phone): (i64, String) =
        sqlx::query_as("SELECT id, phone FROM users WHERE username = 'donor.s'").fetch_one(&app.db.pool).await.unwrap();
    let (a, b, c) = (&phone[..3], &phone[3..7], &phone[7..]);
    let spellings =
        [format!("+86{phone}"), format!("{a} {b} {c}"), format!("{a}-{b}-{c}"), phone.clone(), "Donor.S".into()];
    let sign_in = |c: reqwest::Client, name: String, password: &'static str| {
        let url = app.url("/api/v1/session");
        async move { c.post(url).json(&json!({"username": name, "password": password})).send().await.unwrap().status() }
    };
    // Each spelling names the same account and signs in.
    for s in &spellings {
        assert_eq!(sign_in(client_from("127.0.0.3"), s.clone(), "wushe-demo").await, StatusCode::OK, "{s}");
    }
    // Five wrong passwords, each in another spelling, from one address lock the account there.
    let attacker = client_from("127.0.0.2");
    for s in &spellings {
        assert_eq!(sign_in(attacker.clone(), s.clone(), "guess").await, StatusCode::UNPROCESSABLE_ENTITY, "{s}");
    }
    for s in &spellings {
        assert_eq!(sign_in(attacker.clone(), s.clone(), "wushe-demo").await, StatusCode::TOO_MANY_REQUESTS, "{s}");
    }
    // The owner, elsewhere, is not locked out (page and API).
    assert_eq!(sign_in(client_from("127.0.0.1"), "donor.s".into(), "wushe-demo").await, StatusCode::OK);
    let owner = client_from("127.0.0.4");
    let html = owner.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let r = app
        .post_form(
            &owner,
            "/login",
            &[("csrf", extract_csrf(&html).as_str()), ("username", &phone), ("password", "wushe-demo")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Every failure is in the audit log with the account and the address.
    let failed: Vec<(String, String)> =
        sqlx::query_as("SELECT subject, detail FROM audit_log WHERE action = 'account.login_failed'")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(failed.len(), 5);
    assert!(failed.iter().all(|(s, d)| *s == format!("user:{id}") && d == "127.0.0.2"), "{failed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::spawn(Engine::Sqlite, "security_headers").await.unwrap();
    let admin = app.login_as("admin.s").await;
    for path in ["/", "/login", "/communities/510104001001", "/api/v1/openapi.json", "/static/app.css", "/no/such/page"]
    {
        let r = admin.get(app.url(path)).send().await.unwrap();
        let h = r.headers();
        let csp = h.get("content-security-policy").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn next_addresses_never_leave_the_site() {
    let app = TestApp::spawn(Engine::Sqlite, "open_redirect").await.unwrap();
    let c = client_from("127.0.0.1");
    for next in [
        "/%09/evil.example/",
        "/%0a",
        "/%0d%0a/evil.example",
        "/%5Cevil.example",
        "//evil.example",
        "https://evil.example",
    ] {
        let r = c.get(app.url(&format!("/prefs/lang/en?next={next}"))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{next}");
        assert_eq!(r.headers()["location"], "/", "{next}");
        let html = c.get(app.url(&format!("/login?next={next}"))).send().await.unwrap().text().await.unwrap();
        assert!(html.contains(r#"name="next" value="/""#), "{next}: the login form keeps no foreign next");
    }
    let r = c.get(app.url("/prefs/lang/en?next=/areas/510104001001")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/areas/510104001001");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookie_authenticated_api_writes_must_come_from_this_site() {
    let app = TestApp::spawn(Engine::Sqlite, "api_csrf").await.unwrap();
    let admin = app.login_as("admin.s").await;
    let person = person_in(&app, "510104001001010010001").await;
    let reveal = app.url(&format!("/api/v1/people/{person}/reveal"));
    let own = app.addr.clone();
    let cases: [(&[(&str, &str)], StatusCode); 6] = [
        (&[("origin", "http://evil.example")], StatusCode::FORBIDDEN),
        (&[("origin", "null")], StatusCode::FORBIDDEN),
        (&[("sec-fetch-site", "cross-site")], StatusCode::FORBIDDEN),
        (&[("origin", own.as_str())], StatusCode::OK),
        (&[("sec-fetch-site", "same-origin")], StatusCode::OK),
        (&[], StatusCode::OK),
    ];
    for (headers, want) in cases {
        let mut rq = admin.post(&reveal);
        for (k, v) in headers {
            rq = rq.header(*k, *v);
        }
        let r = rq.send().await.unwrap();
        assert_eq!(r.status(), want, "{headers:?}");
        if want == StatusCode::FORBIDDEN {
            let p: Value = r.json().await.unwrap();
            assert_eq!(p["code"], "cross_origin");
        }
    }
    let reveals: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE action = 'person.reveal'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(reveals.0, 3, "refused writes did nothing");
    // A bearer token is no ambient credential: another site cannot make a browser send it.
    let token =
        wushe_app::accounts::create_api_token(&app.db, &wushe_app::Actor::operator(), 0, "admin.s", "t").await.unwrap();
    let r = TestApp::new_client()
        .post(&reveal)
        .bearer_auth(&token)
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_need_is_filed_only_for_a_person_the_filer_may_speak_for() {
    let app = TestApp::spawn(Engine::Sqlite, "requester_person").await.unwrap();
    let resident = app.login_as("resident.s").await;
    let own = person_in(&app, "510104001001010010001").await;
    let other_community: (i64,) = sqlx::query_as(
        "SELECT id FROM people WHERE community_id <> (SELECT id FROM areas WHERE code = '510104001001') LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let neighbour: (i64,) = sqlx::query_as(
        "SELECT p.id FROM people p JOIN areas a ON a.id = p.household_id WHERE a.code LIKE '510104001001%' AND a.code <> '510104001001010010001' LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let before: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM needs").fetch_one(&app.db.pool).await.unwrap();
    for bad in [other_community.0, neighbour.0, 99_999_999] {
        let r = app
            .post_json(
                &resident,
                "/api/v1/needs",
                &json!({"category": "repairs", "title": "水管漏水", "description": "厨房", "requester_person_id": bad}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "person {bad}");
        let p: Value = r.json().await.unwrap();
        assert_eq!(problem_fields(&p), ["requester_person_id"], "{p}");
    }
    let after: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM needs").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(before, after);
    let r = app
        .post_json(
            &resident,
            "/api/v1/needs",
            &json!({"category": "repairs", "title": "水管漏水", "description": "厨房", "requester_person_id": own}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_and_query_parameters_are_named_in_the_answer() {
    let app = TestApp::spawn(Engine::Sqlite, "limits_named").await.unwrap();
    let admin = app.login_as("admin.s").await;
    let r = admin.get(app.url("/api/v1/areas/510104001001/residents?limit=abc")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p: Value = r.json().await.unwrap();
    assert_eq!(problem_fields(&p), ["limit"], "{p}");
    // Each route's 413 names its own limit. A client announcing a body past it hears so
    // before sending it.
    let token =
        wushe_app::accounts::create_api_token(&app.db, &wushe_app::Actor::operator(), 0, "admin.s", "t").await.unwrap();
    let answer = |path: &str, kind: &str, length: usize, body: Vec<u8>| {
        let host = app.addr.trim_start_matches("http://").to_string();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nContent-Type: {kind}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
        );
        async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let mut s = tokio::net::TcpStream::connect(&host).await.unwrap();
            s.write_all(head.as_bytes()).await.unwrap();
            let _ = s.write_all(&body).await;
            let mut out = Vec::new();
            let _ = s.read_to_end(&mut out).await;
            let text = String::from_utf8_lossy(&out).into_owned();
            let body = text.find("\r\n\r\n").map(|i| text[i + 4..].to_string()).unwrap_or_default();
            (text, body)
        }
    };
    let (text, body) = answer("/api/v1/communities/510104001001/needs/import", "text/csv", 21 << 20, vec![]).await;
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    let p: Value = serde_json::from_str(&body).unwrap();
    assert!(p["detail"].as_str().unwrap().contains("20 MB"), "{p}");
    let (text, body) = answer("/api/v1/residents", "application/json", 300 << 10, vec![b' '; 300 << 10]).await;
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    let p: Value = serde_json::from_str(&body).unwrap();
    assert!(p["detail"].as_str().unwrap().contains("256 KB"), "{p}");
}
