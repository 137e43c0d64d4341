//! The points ledger's interface contract over HTTP: the signed-in volunteer's points, the
//! public catalogue, redemptions answered 201 or 409 problem+json, and retention figures by role.

use serde_json::{Value, json};
use wushe_testkit::{Engine, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn points_catalogue_and_redemption_keep_their_contract() {
    let app = TestApp::spawn(Engine::Sqlite, "points_contract").await.unwrap();
    let vol = app.login_as("volunteer.s").await;
    let mine: Value = app.get(&vol, "/api/v1/my/points").await.json().await.unwrap();
    let balance = mine["balance"].as_i64().unwrap();
    assert!(balance >= 200, "{mine}");
    let entries = mine["entries"].as_array().unwrap();
    assert_eq!(entries.iter().map(|e| e["points"].as_i64().unwrap()).sum::<i64>(), balance);
    // The catalogue is public, with the paper's defaults.
    let anon = reqwest::Client::new();
    let cat: Value = app.get(&anon, "/api/v1/communities/510104001001/points/catalogue").await.json().await.unwrap();
    let items = cat.as_array().unwrap();
    let points: Vec<i64> = items.iter().map(|i| i["points"].as_i64().unwrap()).collect();
    assert_eq!(points, vec![50, 100, 200], "{cat}");
    for i in items {
        assert!(i["id"].is_i64() && i["name"].is_string() && i["stock"].is_i64(), "{i}");
    }
    let voucher = items[0]["id"].as_i64().unwrap();
    let r = app.post_json(&vol, "/api/v1/points/redemptions", &json!({"item_id": voucher})).await;
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["balance"].as_i64().unwrap(), balance - 50, "{body}");
    // Redeeming past the balance: 409 problem+json naming the field.
    let priority = items[2]["id"].as_i64().unwrap();
    let mut last = None;
    for _ in 0..10 {
        let r = app.post_json(&vol, "/api/v1/points/redemptions", &json!({"item_id": priority})).await;
        if r.status() != 201 {
            last = Some(r);
            break;
        }
    }
    let r = last.expect("the balance runs out");
    assert_eq!(r.status(), 409);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let p: Value = r.json().await.unwrap();
    assert!(p.to_string().contains("item_id"), "{p}");
    // A bad body is 422, a stranger to the ledger gets 404, nobody signed in gets 401.
    let r = app.post_json(&vol, "/api/v1/points/redemptions", &json!({"item_id": "many"})).await;
    assert_eq!(r.status(), 422);
    let resident = app.login_as("resident.s").await;
    assert_eq!(app.get(&resident, "/api/v1/my/points").await.status(), 404);
    assert_eq!(app.get(&anon, "/api/v1/my/points").await.status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_figures_follow_the_readers_area() {
    let app = TestApp::spawn(Engine::Sqlite, "retention_http").await.unwrap();
    let social = app.login_as("social.s").await;
    let f: Value = app.get(&social, "/api/v1/areas/510104001001/volunteers/retention").await.json().await.unwrap();
    assert!(f["volunteers"].as_i64().unwrap() >= 1, "{f}");
    assert_eq!(f["growth"].as_array().unwrap().len(), 12);
    let street = app.login_as("street.s").await;
    let r = app.get(&street, "/api/v1/areas/510104001/volunteers/retention?weeks=4").await;
    assert_eq!(r.status(), 200);
    assert_eq!(app.get(&street, "/api/v1/areas/510104001/volunteers/retention?weeks=0").await.status(), 422);
    // Another street's community is not theirs; a volunteer reads no one's figures.
    assert_eq!(app.get(&street, "/api/v1/areas/310106001001/volunteers/retention").await.status(), 404);
    let vol = app.login_as("volunteer.s").await;
    assert_eq!(app.get(&vol, "/api/v1/areas/510104001001/volunteers/retention").await.status(), 403);
}
