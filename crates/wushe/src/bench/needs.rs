//! `wushe bench needs`: submissions at many clients and the ledger's reads, with N needs loaded.

use super::load::{generator_runtime, hammer, ms, percentile, report, request_bytes, temp_sqlite};
use std::sync::Arc;
use std::time::Instant;
use wushe_app::{Clock, Db, SystemClock, demo};

/// Load `n` closed or open needs into S社区 in bulk (demo histories), reporting the rate.
async fn load_needs(db: &Db, n: usize) -> Result<(), Box<dyn std::error::Error>> {
    let t = Instant::now();
    let scale = demo::Scale { communities: 1, households: 6328, needs: n };
    let g = demo::generate(db, scale, 7, SystemClock.now_millis(), 2026).await?;
    println!("loaded a community with {} needs in {:.1} s", g.needs, t.elapsed().as_secs_f64());
    Ok(())
}

pub(crate) async fn needs_bench(
    n: usize,
    clients: usize,
    seconds: u64,
    full: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let (url, dir) = temp_sqlite("needs");
    let durability = if full { wushe_app::db::Durability::Full } else { wushe_app::db::Durability::Normal };
    let db = Db::connect_with(&url, durability).await?;
    db.migrate().await?;
    demo::seed_papers(&db, SystemClock.now_millis(), 2026).await?;
    load_needs(&db, n).await?;
    println!("durability: {}", if full { "FULL (fsync every commit)" } else { "NORMAL (WAL; survives kill -9)" });
    let state = wushe_web::AppState::new(db.clone(), Arc::new(SystemClock));
    let app = wushe_web::service(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    // The loaded ledger is the generated community's; an admin of it submits and reads.
    let op = wushe_app::Actor::operator();
    let now = SystemClock.now_millis();
    wushe_app::accounts::add_user(
        &db,
        &op,
        now,
        wushe_app::accounts::NewUser::parse("bench", "", "bench-password", "")?,
    )
    .await?;
    wushe_app::accounts::grant(&db, &op, now, "bench", "community_admin", "440199001001").await?;
    // …and, as a street officer, reads the street's metrics.
    wushe_app::accounts::grant(&db, &op, now, "bench", "street_officer", "440199001").await?;
    let token = wushe_app::accounts::create_api_token(&db, &op, now, "bench", "bench").await?;
    let http = reqwest::Client::builder().pool_max_idle_per_host(clients).build()?;
    let addr = base.trim_start_matches("http://").to_string();
    let generator = generator_runtime()?;
    println!("load generator: {clients} keep-alive connections on 2 threads of their own at nice 10");
    let load_rt = generator.handle().clone();
    let health =
        hammer(&load_rt, &addr, clients, seconds.min(5), 200, |_, _| request_bytes("GET", "/healthz", None, None))
            .await;
    let baseline = report(&format!("baseline GET /healthz, {clients} clients"), &health, None);
    let get_one = |path: String| {
        let (http, base, token) = (http.clone(), base.clone(), token.clone());
        async move {
            let mut lat = Vec::new();
            for _ in 0..50 {
                let t = Instant::now();
                let ok = http
                    .get(format!("{base}{path}"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                lat.push(t.elapsed());
                if !ok {
                    return Err(format!("{path} failed"));
                }
            }
            lat.sort();
            Ok::<_, String>((percentile(&lat, 0.5), percentile(&lat, 0.95)))
        }
    };
    let reads = [
        (
            "grid open needs  GET /api/v1/communities/44019900100101/needs?status=open",
            "/api/v1/communities/44019900100101/needs?status=open&limit=50",
        ),
        (
            "month metrics    GET /api/v1/communities/440199001001/needs/metrics",
            "/api/v1/communities/440199001001/needs/metrics",
        ),
        (
            "metrics page     GET /communities/440199001001/needs/metrics (HTML, with the trend)",
            "/communities/440199001001/needs/metrics",
        ),
        (
            "12-month trend   GET /api/v1/communities/440199001001/needs/metrics/trend",
            "/api/v1/communities/440199001001/needs/metrics/trend",
        ),
        (
            "street metrics   GET /api/v1/communities/440199001/needs/metrics",
            "/api/v1/communities/440199001/needs/metrics",
        ),
    ];
    let read_all = |when: &'static str| async move {
        let (b50, _) = get_one("/healthz".into()).await?;
        println!("{when} (baseline GET /healthz one at a time: p50 {:.2} ms)", ms(b50));
        for (label, path) in reads {
            let (p50, p95) = get_one(path.into()).await?;
            println!(
                "  {label}: p50 {:.2} ms, p95 {:.2} ms (×{:.1} baseline p50; target < 50 ms)",
                ms(p50),
                ms(p95),
                ms(p50) / ms(b50).max(1e-6)
            );
        }
        Ok::<_, String>(())
    };
    read_all("reads on the loaded ledger").await?;
    // Submissions come from the community's households in turn, as a real intake spreads
    // over its grids.
    let community = wushe_app::areas::by_code(&db, "440199001001").await?;
    let homes: Arc<Vec<String>> = Arc::new(
        wushe_app::areas::in_subtree(&db, &community.path, wushe_domain::areas::AreaKind::Household, 100_000, 0)
            .await?
            .into_iter()
            .map(|a| a.code)
            .collect(),
    );
    let submit = {
        let token = token.clone();
        hammer(&load_rt, &addr, clients, seconds, 201, move |c, i| {
            let home = &homes[(c * 7919 + i as usize * 104_729) % homes.len()];
            let body = serde_json::json!({
                "community_code": "440199001001",
                "household_code": home,
                "category": "repairs",
                "title": format!("压测 {c}-{i}"),
                "description": "楼道灯不亮，老人上下楼容易摔倒。",
                "channel": "hotline"
            });
            request_bytes("POST", "/api/v1/needs", Some(&token), Some(&body.to_string()))
        })
        .await
    };
    report(&format!("POST /api/v1/needs, {clients} clients (target 5,000/s, p99 < 25 ms)"), &submit, Some(baseline));
    read_all("reads again, after the submissions above (filed across the community this month)").await?;
    generator.shutdown_background();
    db.pool.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
