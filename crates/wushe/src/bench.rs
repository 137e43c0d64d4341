//! `wushe bench …`: speed figures named in the issues, each printed with its ratio to a trivial
//! baseline measured in the same run (ground rule 6). Results go to docs/benchmarks.md.

use axum::body::Body;
use axum::http::{Request, header};
use clap::Subcommand;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::ServiceExt;
use wushe_app::{Clock, Db, SystemClock, demo};

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Time `serve --demo` start-up work on an empty SQLite file (migrate + seed S社区 and A社区).
    Startup,
    /// Server time of the area-tree pages with N demo-size communities loaded.
    Pages {
        #[arg(long, default_value_t = 10)]
        communities: usize,
        #[arg(long, default_value_t = 6328)]
        households_per_community: usize,
        #[arg(long, default_value_t = 200)]
        iterations: usize,
    },
}

fn temp_sqlite(name: &str) -> (String, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("wushe-bench-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::create_dir_all(&dir);
    (format!("sqlite://{}", dir.join("bench.db").display()), dir)
}

pub async fn run(database: &str, cmd: BenchCommand) -> Result<(), Box<dyn std::error::Error>> {
    match cmd {
        BenchCommand::Startup => startup().await,
        BenchCommand::Pages { communities, households_per_community, iterations } => {
            pages(database, communities, households_per_community, iterations).await
        }
    }
}

async fn startup() -> Result<(), Box<dyn std::error::Error>> {
    let (url, dir) = temp_sqlite("baseline");
    let t = Instant::now();
    let db = Db::connect(&url).await?;
    db.migrate().await?;
    let baseline = t.elapsed();
    drop(db);
    let _ = std::fs::remove_dir_all(&dir);
    let (url, dir) = temp_sqlite("startup");
    let t = Instant::now();
    let db = Db::connect(&url).await?;
    db.migrate().await?;
    let g = demo::seed_papers(&db, SystemClock.now_millis(), 2026).await?.ok_or("database not empty")?;
    let full = t.elapsed();
    let _ = std::fs::remove_dir_all(&dir);
    println!("startup baseline (connect + migrate, empty file): {:.3} s", baseline.as_secs_f64());
    println!(
        "startup with demo ({} residents, {} households): {:.3} s  (×{:.1} baseline; target < 10 s)",
        g.residents,
        g.households,
        full.as_secs_f64(),
        full.as_secs_f64() / baseline.as_secs_f64().max(1e-9)
    );
    Ok(())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn measure(
    app: &axum::Router,
    uri: &str,
    cookie: &str,
    n: usize,
) -> Result<(Duration, Duration), Box<dyn std::error::Error>> {
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let req = Request::get(uri).header(header::COOKIE, cookie).body(Body::empty())?;
        let t = Instant::now();
        let res = app.clone().oneshot(req).await?;
        let status = res.status();
        let _ = axum::body::to_bytes(res.into_body(), usize::MAX).await?;
        times.push(t.elapsed());
        if !status.is_success() {
            return Err(format!("{uri} answered {status}").into());
        }
    }
    times.sort();
    Ok((percentile(&times, 0.5), percentile(&times, 0.95)))
}

/// On SQLite a temporary file is used; a `postgres://` database given with `--database` must be
/// empty and is filled by the run.
async fn pages(
    database: &str,
    communities: usize,
    households: usize,
    n: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let (url, dir) = if database.starts_with("postgres") {
        (database.to_string(), std::env::temp_dir().join("wushe-bench-none"))
    } else {
        temp_sqlite("pages")
    };
    println!("engine: {}", if database.starts_with("postgres") { "PostgreSQL" } else { "SQLite (temporary file)" });
    let db = Db::connect(&url).await?;
    db.migrate().await?;
    let t = Instant::now();
    demo::seed_papers(&db, SystemClock.now_millis(), 2026).await?;
    let scale = demo::Scale { communities: communities.saturating_sub(2), households, needs: 1000 };
    let g = demo::generate(&db, scale, 1, SystemClock.now_millis(), 2026).await?;
    println!(
        "loaded {} communities ({} generated + S社区 + A社区) in {:.1} s",
        g.communities + 2,
        g.communities,
        t.elapsed().as_secs_f64()
    );
    let state = wushe_web::AppState::new(db.clone(), Arc::new(SystemClock));
    let app = wushe_web::app(state.clone());
    let (_, cookie) = wushe_web::accounts::sign_in(&state, "admin.s", demo::DEMO_PASSWORD).await?;
    let cookie = cookie.to_str()?.split(';').next().unwrap_or_default().to_string();
    let (b50, b95) = measure(&app, "/healthz", &cookie, n).await?;
    println!("baseline GET /healthz: p50 {:.2} ms, p95 {:.2} ms", ms(b50), ms(b95));
    for (label, uri) in [
        ("community area tree  GET /areas/510104001001", "/areas/510104001001"),
        ("grid (33 buildings)  GET /areas/51010400100101", "/areas/51010400100101"),
        ("grid residents page  GET /communities/510104001001/residents", "/communities/510104001001/residents"),
        ("community overview   GET /communities/510104001001", "/communities/510104001001"),
        (
            "grid households API  GET /api/v1/areas/51010400100101/residents?limit=50",
            "/api/v1/areas/51010400100101/residents?limit=50",
        ),
    ] {
        let (p50, p95) = measure(&app, uri, &cookie, n).await?;
        println!(
            "{label}: p50 {:.2} ms, p95 {:.2} ms (×{:.1} baseline p50; target < 50 ms)",
            ms(p50),
            ms(p95),
            ms(p50) / ms(b50).max(1e-6)
        );
    }
    drop(app);
    db.pool.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
