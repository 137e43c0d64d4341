//! Emergency mode through the pages: the admin declares, the banner is on every page and the
//! board is home, the grid worker records in one tap, the street officer sees figures and no
//! names, others cannot switch, the drill never reaches the public feed, and the CAP documents
//! are written to `target/cap-samples/` for `scripts/standards` to check against the OASIS
//! schema.

use wushe_testkit::{Engine, TestApp, extract_csrf};

/// A Saturday at 10:00 in Chengdu, when the demo's weekend volunteer is free too.
const SATURDAY_10: i64 = 1_800_064_800_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declaring_switches_the_community_and_publishes_cap() {
    let Some(app) = TestApp::spawn_at(Engine::Sqlite, "emergency_http", SATURDAY_10).await else { return };
    let admin = app.login_as("admin.s").await;
    let page = app.get(&admin, "/communities/510104001001/emergency").await.text().await.unwrap();
    assert!(page.contains("id=\"mode-normal\"") && page.contains("id=\"declare-form\""), "{page}");
    let csrf = extract_csrf(&page);
    // A grid worker has no declare form and is refused the post.
    let grid = app.login_as("grid.s1").await;
    let gpage = app.get(&grid, "/communities/510104001001/emergency").await.text().await.unwrap();
    assert!(!gpage.contains("id=\"declare-form\""));
    let gcsrf = extract_csrf(&gpage);
    let r = app
        .post_form(
            &grid,
            "/communities/510104001001/emergency",
            &[("csrf", gcsrf.as_str()), ("hazard", "rainstorm"), ("severity", "severe")],
        )
        .await;
    assert_eq!(r.status(), 403);
    // Bad input names its field.
    let r = app
        .post_form(
            &admin,
            "/communities/510104001001/emergency",
            &[("csrf", csrf.as_str()), ("hazard", "flood!"), ("severity", "severe")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("href=\"#hazard\""));
    // A drill first: flagged, and never in the public feed.
    let r = app
        .post_form(
            &admin,
            "/communities/510104001001/emergency",
            &[
                ("csrf", csrf.as_str()),
                ("hazard", "fire"),
                ("severity", "moderate"),
                ("title", "消防演练"),
                ("drill", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let r = app
        .post_form(
            &admin,
            "/communities/510104001001/emergency",
            &[
                ("csrf", csrf.as_str()),
                ("hazard", "rainstorm"),
                ("severity", "severe"),
                ("title", "暴雨内涝"),
                ("areas", "51010400100101"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let board_at = r.headers()["location"].to_str().unwrap().to_string();
    assert!(board_at.starts_with("/incidents/"), "{board_at}");
    // Every page carries the banner, and the home page is the board.
    let home = app.get(&grid, "/").await;
    assert_eq!(home.headers()["location"].to_str().unwrap(), board_at);
    let resident = app.login_as("resident.s").await;
    let needs = app.get(&resident, "/my/needs").await.text().await.unwrap();
    assert!(needs.contains("class=\"emergency-banner\""), "the resident sees the banner");
    assert!(!needs.contains("消防演练"), "the drill's banner is for those on duty");
    // The board: figures for all; names only for the grid worker on duty.
    let board = app.get(&grid, &board_at).await.text().await.unwrap();
    assert!(board.contains("id=\"grid-progress\"") && board.contains("id=\"unreached\""), "{board}");
    let street = app.login_as("street.s").await;
    let sboard = app.get(&street, &board_at).await.text().await.unwrap();
    assert!(sboard.contains("id=\"grid-progress\"") && !sboard.contains("id=\"unreached\""));
    // One tap records a result.
    let visits = app.get(&grid, "/checkins").await.text().await.unwrap();
    let id = visits.split("id=\"visit-").nth(1).and_then(|s| s.split('"').next()).expect("a visit for the grid worker");
    let gcsrf = extract_csrf(&visits);
    let r = app.post_form(&grid, &format!("/checkins/{id}"), &[("csrf", gcsrf.as_str()), ("result", "safe")]).await;
    assert_eq!(r.status(), 303);
    let r = app.post_form(&grid, &format!("/checkins/{id}"), &[("csrf", gcsrf.as_str()), ("result", "safe")]).await;
    assert_eq!(r.status(), 409, "a result is recorded once");
    // The feed lists the real alert only; its document is CAP 1.2.
    let anon = reqwest::Client::new();
    let feed = app.get(&anon, "/cap/alerts.atom").await.text().await.unwrap();
    assert!(feed.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\">") && !feed.contains("消防演练"), "{feed}");
    let href =
        feed.split("href=\"/cap/alerts/").nth(1).and_then(|s| s.split('"').next()).expect("an alert").to_string();
    let close_csrf = extract_csrf(&app.get(&admin, &board_at).await.text().await.unwrap());
    // Worse than thought: an update goes out, referring to the alert.
    let r = app
        .post_form(
            &admin,
            &format!("{board_at}/change"),
            &[("csrf", close_csrf.as_str()), ("severity", "extreme"), ("note", "水位继续上涨")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = app
        .post_form(&admin, &format!("{board_at}/change"), &[("csrf", close_csrf.as_str()), ("severity", "awful")])
        .await;
    assert_eq!(r.status(), 422);
    let r =
        app.post_form(&admin, &format!("{board_at}/close"), &[("csrf", close_csrf.as_str()), ("summary", "短")]).await;
    assert_eq!(r.status(), 422);
    let r = app
        .post_form(
            &admin,
            &format!("{board_at}/close"),
            &[("csrf", close_csrf.as_str()), ("summary", "积水已退，独居老人均已确认平安。")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let feed = app.get(&anon, "/cap/alerts.atom").await.text().await.unwrap();
    let out = wushe_testkit::target_dir().join("cap-samples");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let mut written = 0;
    for part in feed.split("href=\"/cap/alerts/").skip(1) {
        let file = part.split('"').next().unwrap();
        let r = app.get(&anon, &format!("/cap/alerts/{file}")).await;
        assert_eq!(r.status(), 200);
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/cap+xml"));
        let xml = r.text().await.unwrap();
        assert!(xml.contains("<status>Actual</status>") && xml.contains("<language>en</language>"), "{xml}");
        std::fs::write(out.join(file), xml).unwrap();
        written += 1;
    }
    // This incident's alert, update and cancel, and the demo's 2023 rainstorm's two.
    assert_eq!(written, 5, "{feed}");
    assert!(feed.contains(&href));
    let cancel = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
        .find(|x| x.contains("<msgType>Cancel</msgType>"))
        .expect("a cancel");
    assert!(cancel.contains("<references>"), "{cancel}");
    let update = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
        .find(|x| x.contains("<msgType>Update</msgType>"))
        .expect("an update");
    assert!(update.contains("<severity>Extreme</severity>") && update.contains(&href.replace(".xml", ",")), "{update}");
    assert_eq!(app.get(&anon, "/cap/alerts/nothing.xml").await.status(), 404);
    // Back to normal: the banner is gone, the home page is the community again.
    let after = app.get(&grid, "/").await;
    assert_ne!(after.headers()["location"].to_str().unwrap(), board_at);
}
