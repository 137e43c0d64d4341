//! `wushe bench resources`: ranking among N resources, matches over HTTP, concurrent bookings.

use super::import::resident_of;
use super::load::{LoadConn, generator_runtime, hammer, ms, percentile, report, request_bytes, temp_sqlite};
use std::sync::Arc;
use std::time::Instant;
use wushe_app::{Clock, Db, SystemClock, demo};

pub(crate) async fn resources_bench(
    database: &str,
    n: usize,
    seconds: u64,
    attempts: usize,
    rounds: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let pg = database.starts_with("postgres");
    let (url, dir) = if pg {
        (database.to_string(), std::env::temp_dir().join("wushe-bench-none"))
    } else {
        temp_sqlite("resources")
    };
    println!("engine: {}", if pg { "PostgreSQL" } else { "SQLite (temporary file)" });
    let db = Db::connect(&url).await?;
    db.migrate().await?;
    let now = SystemClock.now_millis();
    demo::seed_papers(&db, now, 2026).await?;
    let t = Instant::now();
    demo::generate_resources(&db, "510104001001", n, 11, now).await?;
    let community = wushe_app::areas::by_code(&db, "510104001001").await?;
    let street = wushe_app::areas::by_code(&db, "510104001").await?;
    let total = wushe_app::resources::count_in(&db, &street.path).await?;
    println!("loaded {n} resources in {:.1} s; the street holds {total}", t.elapsed().as_secs_f64());
    // One need in grid 1, as a resident files it.
    let resident = resident_of(&db).await?;
    let form = wushe_app::needs::NeedForm {
        category: "repairs".into(),
        title: "家里水管漏水".into(),
        description: "厨房水管漏水，需要维修师傅。".into(),
        channel: "online".into(),
        ..Default::default()
    };
    let new = wushe_app::needs::parse_form(&db, &resident, &community, &form).await?;
    let need = wushe_app::needs::submit(&db, &resident, now, new).await?;
    // The snapshot behind the ranking, built once (and again in the background when stale).
    let t = Instant::now();
    let snap = wushe_app::resources::build_snapshot(&db, &community).await?;
    println!("matching snapshot of {} active resources built in {:.0} ms", snap.items.len(), ms(t.elapsed()));
    // The pure ranking, against a trivial baseline over the same items (counting fits).
    let terms = wushe_app::directory::terms(&format!("{} {}", need.title, need.description));
    let mut pure = Vec::new();
    let mut base = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let fits = snap.items.iter().filter(|s| s.categories.iter().any(|c| c == "repairs")).count();
        base.push(t.elapsed());
        std::hint::black_box(fits);
        let t = Instant::now();
        let r = wushe_app::resources::rank_for(&snap, "repairs", &terms, &need.area_path, now, 20);
        pure.push(t.elapsed());
        std::hint::black_box(r);
    }
    pure.sort();
    base.sort();
    println!(
        "rank {} resources for one need (pure): p50 {:.2} ms, p99 {:.2} ms (×{:.1} of a scan counting fits, p50 {:.2} ms)",
        snap.items.len(),
        ms(percentile(&pure, 0.5)),
        ms(percentile(&pure, 0.99)),
        ms(percentile(&pure, 0.5)) / ms(percentile(&base, 0.5)).max(1e-6),
        ms(percentile(&base, 0.5))
    );
    drop(snap);
    // Through HTTP, one request at a time, against GET /healthz one at a time.
    let state = wushe_web::AppState::new(db.clone(), Arc::new(SystemClock));
    let app = wushe_web::service(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?.to_string();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let op = wushe_app::Actor::operator();
    let token = wushe_app::accounts::create_api_token(&db, &op, now, "admin.s", "bench").await?;
    let generator = generator_runtime()?;
    let load_rt = generator.handle().clone();
    let health =
        hammer(&load_rt, &addr, 1, seconds.min(5), 200, |_, _| request_bytes("GET", "/healthz", None, None)).await;
    let b = report("baseline GET /healthz, 1 client", &health, None);
    let path = format!("/api/v1/needs/{}/matches?limit=20", need.id);
    let warm = hammer(&load_rt, &addr, 1, 1, 200, {
        let (path, token) = (path.clone(), token.clone());
        move |_, _| request_bytes("GET", &path, Some(&token), None)
    })
    .await;
    if warm.ok == 0 {
        return Err("the matching endpoint failed".into());
    }
    let matches = hammer(&load_rt, &addr, 1, seconds, 200, {
        let (path, token) = (path.clone(), token.clone());
        move |_, _| request_bytes("GET", &path, Some(&token), None)
    })
    .await;
    report(
        &format!("GET /api/v1/needs/{{id}}/matches among {total} resources, 1 client (target p99 < 10 ms)"),
        &matches,
        Some(b),
    );
    let p50 = percentile(&health.latencies, 0.5);
    println!(
        "  latency ×{:.1} of the baseline's p50 ({:.2} ms)",
        ms(percentile(&matches.latencies, 0.5)) / ms(p50).max(1e-6),
        ms(p50)
    );
    let matches4 = hammer(&load_rt, &addr, 4, seconds, 200, {
        let (path, token) = (path.clone(), token.clone());
        move |_, _| request_bytes("GET", &path, Some(&token), None)
    })
    .await;
    report("  the same, 4 clients", &matches4, Some(b));
    // Rounds of concurrent attempts at one slot of the activity room, each from its own
    // connection, all sent at once.
    let room = wushe_app::resources::bookable_in(&db, &community)
        .await?
        .into_iter()
        .find(|r| r.name == "社区活动室")
        .ok_or("no activity room")?
        .id;
    let tz = wushe_app::clock::local();
    let mut all_ok = true;
    for round in 0..rounds {
        let day = (chrono::Utc::now().with_timezone(&tz) + chrono::Duration::days(1 + round as i64))
            .format("%Y-%m-%d")
            .to_string();
        let body =
            serde_json::json!({"date": day, "from": "14:00", "to": "16:00", "purpose": "压测", "attendees": "10"})
                .to_string();
        let request = request_bytes("POST", &format!("/api/v1/spaces/{room}/bookings"), Some(&token), Some(&body));
        let mut conns = Vec::with_capacity(attempts);
        for _ in 0..attempts {
            conns.push(LoadConn::connect(&addr).await?);
        }
        let barrier = Arc::new(tokio::sync::Barrier::new(attempts));
        let t = Instant::now();
        let mut tasks = Vec::new();
        for mut c in conns {
            let (barrier, request) = (barrier.clone(), request.clone());
            tasks.push(load_rt.spawn(async move {
                barrier.wait().await;
                let status = c.send(&request).await.ok();
                (status, String::from_utf8_lossy(&c.last).to_string())
            }));
        }
        let (mut created, mut taken, mut other) = (0, 0, Vec::new());
        for task in tasks {
            match task.await? {
                (Some(201), _) => created += 1,
                (Some(409), b) if b.contains("errors.booking.taken") => taken += 1,
                (s, b) => other.push(format!("{s:?} {}", b.chars().take(120).collect::<String>())),
            }
        }
        let took = t.elapsed();
        let held = wushe_app::bookings::of_space(&db, room.get(), now, now + 400 * 86_400_000)
            .await?
            .iter()
            .filter(|b| b.purpose == "压测" && b.status.holds())
            .count();
        all_ok &= created == 1 && taken == attempts - 1 && other.is_empty() && held == round + 1;
        println!(
            "booking round {}: {attempts} concurrent attempts for {day} 14:00–16:00 in {:.0} ms: {created} booked, {taken} told \"taken\", {} other answers; bookings held so far {held}",
            round + 1,
            ms(took),
            other.len()
        );
        for o in other.iter().take(3) {
            println!("  other: {o}");
        }
    }
    println!(
        "bookings: {}",
        if all_ok { "every round ended with exactly one booking and only \"taken\" refusals" } else { "FAILED" }
    );
    generator.shutdown_background();
    db.pool.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    if all_ok { Ok(()) } else { Err("a booking round did not end with exactly one booking".into()) }
}
