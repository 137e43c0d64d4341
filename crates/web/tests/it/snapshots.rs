//! What outside clients read, held to files checked in under `tests/it/snapshots/`: Open311's
//! service list in JSON and XML, HSDS taxonomies and services, a space's iCalendar feed and the
//! header rows of the ledger and resource sheets. A change to any of them shows as a diff here
//! before a client notices; `WUSHE_UPDATE_SNAPSHOTS=1` rewrites the files after a deliberate one.

use wushe_testkit::{Engine, TestApp};

/// Compares `actual` with the stored snapshot `name`, times replaced by `<time>`.
fn snapshot(name: &str, actual: &str) {
    let actual = normalise(actual);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/snapshots").join(name);
    if std::env::var("WUSHE_UPDATE_SNAPSHOTS").as_deref() == Ok("1") {
        std::fs::write(&path, &actual).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("no snapshot {name}; run with WUSHE_UPDATE_SNAPSHOTS=1 and review it"));
    if expected != actual {
        let first = expected.lines().zip(actual.lines()).position(|(a, b)| a != b);
        panic!(
            "{name} differs from its snapshot (first differing line {:?}):\n--- expected\n{expected}\n--- actual\n{actual}",
            first.map(|i| i + 1)
        );
    }
}

/// Replaces ISO 8601 date-times (which depend on when the demo was seeded) with `<time>`.
fn normalise(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let digit = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_digit);
    while i < bytes.len() {
        let looks = (0..4).all(|k| digit(i + k))
            && bytes.get(i + 4) == Some(&b'-')
            && digit(i + 5)
            && bytes.get(i + 7) == Some(&b'-')
            && bytes.get(i + 10) == Some(&b'T');
        if looks {
            let mut j = i + 11;
            while j < bytes.len() && (bytes[j].is_ascii_digit() || b":+-Z.".contains(&bytes[j])) {
                j += 1;
            }
            out.push_str("<time>");
            i = j;
        } else {
            let c = text[i..].chars().next().expect("char");
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

async fn text(c: &reqwest::Client, url: String) -> String {
    let r = c.get(url).send().await.expect("request");
    assert!(r.status().is_success(), "{}", r.status());
    r.text().await.expect("body")
}

#[test]
fn times_are_normalised_and_the_rest_kept() {
    assert_eq!(normalise("a 2026-12-02T01:30:00+08:00 b 2026-12-02 c"), "a <time> b 2026-12-02 c");
    assert_eq!(normalise("DTSTAMP:20261202T013000Z"), "DTSTAMP:20261202T013000Z");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_outside_clients_read_stays_as_it_was() {
    let Some(app) = TestApp::spawn(Engine::Sqlite, "snapshots").await else { return };
    let anon = TestApp::new_client();
    const J: &str = "jurisdiction_id=510104001001";
    snapshot("open311_services.json", &text(&anon, app.url(&format!("/open311/v2/services.json?{J}"))).await);
    snapshot("open311_services.xml", &text(&anon, app.url(&format!("/open311/v2/services.xml?{J}"))).await);
    snapshot("hsds_taxonomies.json", &text(&anon, app.url("/hsds/taxonomies")).await);
    let services = text(&anon, app.url("/hsds/services?community=510104001001&per_page=3")).await;
    let pretty: serde_json::Value = serde_json::from_str(&services).expect("HSDS JSON");
    snapshot("hsds_services.json", &serde_json::to_string_pretty(&pretty).expect("json"));
    let spaces: serde_json::Value =
        serde_json::from_str(&text(&anon, app.url("/api/v1/communities/510104001001/spaces")).await).expect("spaces");
    let room = spaces.as_array().expect("list").first().expect("a space")["id"].as_i64().expect("id");
    snapshot("space_feed.ics", &text(&anon, app.url(&format!("/spaces/{room}/calendar.ics"))).await);
    let admin = app.login_as("admin.s").await;
    let ledger = text(&admin, app.url("/communities/510104001001/needs/export.csv")).await;
    let resources = text(&admin, app.url("/communities/510104001001/resources/export.csv")).await;
    let header = |csv: &str| csv.trim_start_matches('\u{feff}').lines().next().unwrap_or("").to_string() + "\n";
    snapshot("needs_sheet_header.csv", &header(&ledger));
    snapshot("resources_sheet_header.csv", &header(&resources));
}
