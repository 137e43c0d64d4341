//! `wushe bench volunteers`: a generated city of volunteers and their records; a street's
//! retention page and API, one person's balance and history, and rounds of concurrent
//! redemptions that must end with exactly the stock (or the balance) redeemed.

use super::load::{measure, ms, temp_sqlite};
use axum::body::Body;
use axum::http::{Request, header};
use std::sync::Arc;
use std::time::Instant;
use tower::ServiceExt;
use wushe_app::{Actor, Clock, Db, SystemClock, demo};

pub(crate) async fn volunteers_bench(
    database: &str,
    volunteers: usize,
    records: usize,
    iterations: usize,
    concurrent: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let pg = database.starts_with("postgres");
    let (url, dir) = if pg {
        (database.to_string(), std::env::temp_dir().join("wushe-bench-none"))
    } else {
        temp_sqlite("volunteers")
    };
    println!("engine: {}", if pg { "PostgreSQL" } else { "SQLite (temporary file)" });
    let db = Db::connect(&url).await?;
    db.migrate().await?;
    let now = SystemClock.now_millis();
    demo::seed_papers(&db, now, 2026).await?;
    let t = Instant::now();
    let scale = demo::CityScale { volunteers, records, streets: 100, communities_per_street: 10 };
    let g = demo::generate_city(&db, scale, 13, now, 2026).await?;
    println!(
        "loaded a city of {} volunteers in {} communities with {} verified records and {} points entries in {:.0} s",
        g.volunteers,
        g.communities,
        g.records,
        g.entries,
        t.elapsed().as_secs_f64()
    );
    let op = Actor::operator();
    let officer = wushe_app::accounts::NewUser {
        username: "bench.street".into(),
        display_name: "压测街道干部".into(),
        password: "bench-password-1".into(),
        phone: None,
        person_id: None,
    };
    wushe_app::accounts::add_user(&db, &op, now, officer).await?;
    wushe_app::accounts::grant(&db, &op, now, "bench.street", "street_officer", &g.street).await?;
    let state = wushe_web::AppState::new(db.clone(), Arc::new(SystemClock));
    let app = wushe_web::app(state.clone());
    let cookie = |user: &'static str, password: &'static str| {
        let state = state.clone();
        async move {
            let (_, c) = wushe_web::accounts::sign_in(&state, user, password, "bench").await?;
            Ok::<String, Box<dyn std::error::Error>>(c.to_str()?.split(';').next().unwrap_or_default().to_string())
        }
    };
    let street = cookie("bench.street", "bench-password-1").await?;
    let volunteer = cookie("volunteer.s", demo::DEMO_PASSWORD).await?;
    let in_street: (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM volunteers v JOIN areas a ON a.code = $1 WHERE v.area_path >= a.path AND v.area_path < a.path || '~'",
    )
    .bind(&g.street)
    .fetch_one(&db.pool)
    .await?;
    let (b50, b95) = measure(&app, "/healthz", &street, iterations).await?;
    println!("baseline GET /healthz: p50 {:.2} ms, p95 {:.2} ms", ms(b50), ms(b95));
    let pages: [(&str, &str, String); 4] = [
        ("street retention page ", "street", format!("/areas/{}/volunteers/retention", g.street)),
        ("street retention API  ", "street", format!("/api/v1/areas/{}/volunteers/retention", g.street)),
        ("my points (balance and 500 newest entries)", "volunteer", "/api/v1/my/points".into()),
        ("my hours page (records, totals by month and year)", "volunteer", "/my/volunteer/hours".into()),
    ];
    for (label, who, uri) in &pages {
        let c = if *who == "street" { &street } else { &volunteer };
        let (p50, p95) = measure(&app, uri, c, iterations).await?;
        let target = if *who == "street" { 200.0 } else { 20.0 };
        println!(
            "{label} GET {uri}: p50 {:.2} ms, p95 {:.2} ms (×{:.1} baseline p50; target < {target} ms){}",
            ms(p50),
            ms(p95),
            ms(p50) / ms(b50).max(1e-6),
            if *who == "street" { format!(" — {} volunteers in the street", in_street.0) } else { String::new() }
        );
    }
    let ok = redemptions(&db, &app, now, concurrent).await?;
    let (accounts, wrong) = wushe_app::volunteers::verify_points(&db).await?;
    println!("points verify: {accounts} accounts, {} differ from their ledgers", wrong.len());
    drop(app);
    db.pool.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    if ok && wrong.is_empty() { Ok(()) } else { Err("a redemption round or the ledger check failed".into()) }
}

/// `concurrent` redemptions sent at once, each its own request through the whole service: first
/// against an item with stock 100 (the balance covers all), then against a balance that covers
/// ten (the stock covers all). Returns whether both ended exactly so.
async fn redemptions(
    db: &Db,
    app: &axum::Router,
    now: i64,
    concurrent: usize,
) -> Result<bool, Box<dyn std::error::Error>> {
    let op = Actor::operator();
    let s = wushe_app::areas::by_code(db, "510104001001").await?;
    let (vol, _) = balance_of(db).await?;
    let token = wushe_app::accounts::create_api_token(db, &op, now, "volunteer.s", "bench").await?;
    let mut ok = true;
    // Round 1: the stock runs out.
    wushe_app::volunteers::correct_points(db, &op, now, vol, 1_000_000, "压测：足够的积分").await?;
    let item = wushe_app::volunteers::add_item(db, &op, now, &s, "压测物品（库存100）", 1, 100).await?;
    let (created, refused, other, took) = round(app, &token, item, concurrent).await?;
    let left = wushe_app::volunteers::item(db, item).await?.stock;
    let good = created == 100 && refused == concurrent - 100 && other == 0 && left == 0;
    ok &= good;
    println!(
        "redemptions against stock 100: {concurrent} at once in {:.0} ms: {created} redeemed, {refused} refused (409), {other} other; stock left {left} — {}",
        ms(took),
        if good { "exactly 100" } else { "FAILED" }
    );
    // Round 2: the balance runs out (set to 500 by a correction, 50 points each).
    let (_, balance) = balance_of(db).await?;
    wushe_app::volunteers::correct_points(db, &op, now + 1, vol, 500 - balance, "压测：余额500").await?;
    let item = wushe_app::volunteers::add_item(db, &op, now, &s, "压测物品（50积分）", 50, 1_000_000).await?;
    let (created, refused, other, took) = round(app, &token, item, concurrent).await?;
    let (_, balance) = balance_of(db).await?;
    let good = created == 10 && refused == concurrent - 10 && other == 0 && balance == 0;
    ok &= good;
    println!(
        "redemptions against a balance of 500 (50 each): {concurrent} at once in {:.0} ms: {created} redeemed, {refused} refused (409), {other} other; balance left {balance} — {}",
        ms(took),
        if good { "exactly 10" } else { "FAILED" }
    );
    Ok(ok)
}

/// `volunteer.s`'s profile id and balance, read as the bench's own check.
async fn balance_of(db: &Db) -> Result<(i64, i64), Box<dyn std::error::Error>> {
    Ok(sqlx::query_as(
        "SELECT v.id, v.balance FROM volunteers v JOIN users u ON u.id = v.user_id WHERE u.username = 'volunteer.s'",
    )
    .fetch_one(&db.pool)
    .await?)
}

async fn round(
    app: &axum::Router,
    token: &str,
    item: i64,
    n: usize,
) -> Result<(usize, usize, usize, std::time::Duration), Box<dyn std::error::Error>> {
    let barrier = Arc::new(tokio::sync::Barrier::new(n));
    let body = serde_json::json!({ "item_id": item }).to_string();
    let t = Instant::now();
    let mut tasks = Vec::with_capacity(n);
    for _ in 0..n {
        let (app, barrier, body, auth) = (app.clone(), barrier.clone(), body.clone(), format!("Bearer {token}"));
        tasks.push(tokio::spawn(async move {
            let req = Request::post("/api/v1/points/redemptions")
                .header(header::AUTHORIZATION, auth)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))
                .expect("request");
            barrier.wait().await;
            app.oneshot(req).await.map(|r| r.status().as_u16()).unwrap_or(0)
        }));
    }
    let (mut created, mut refused, mut other) = (0, 0, 0);
    for task in tasks {
        match task.await? {
            201 => created += 1,
            409 => refused += 1,
            _ => other += 1,
        }
    }
    Ok((created, refused, other, t.elapsed()))
}
