//! The `wushe bench` subcommands, start-up time and the area pages.

use super::import::import_bench;
use super::load::{measure, ms, temp_sqlite};
use super::needs::needs_bench;
use super::resources::resources_bench;
use clap::Subcommand;
use std::sync::Arc;
use std::time::Instant;
use wushe_app::{Clock, Db, SystemClock, demo};

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Time `serve --demo` start-up work on an empty SQLite file (migrate + seed S社区 and A社区).
    Startup,
    /// Needs ledger: submissions per second through the JSON API at many concurrent clients
    /// (each with its event, audit and outbox rows, committed before the answer), and the
    /// grid list and monthly metrics, with a ledger of N needs loaded.
    Needs {
        #[arg(long, default_value_t = 1_000_000)]
        needs: usize,
        #[arg(long, default_value_t = 64)]
        clients: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// fsync every commit (SQLite synchronous=FULL): survives power loss.
        #[arg(long)]
        full_durability: bool,
    },
    /// Resources (issue 4): ranking the resources for one need among N resources of a street
    /// (the pure ranking and `GET /api/v1/needs/{id}/matches`), and rounds of 200 concurrent
    /// booking attempts for one slot. `--database postgres://…` (empty) runs on PostgreSQL.
    Resources {
        #[arg(long, default_value_t = 100_000)]
        resources: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        #[arg(long, default_value_t = 200)]
        attempts: usize,
        #[arg(long, default_value_t = 5)]
        rounds: usize,
    },
    /// An import of N ledger rows into A社区 while residents of S社区 submit needs: S社区's
    /// submission latency with and without the import running beside it (per-community audit
    /// chains: neither waits for the other). `--database postgres://…` (empty) for PostgreSQL.
    Import {
        #[arg(long, default_value_t = 60_000)]
        rows: usize,
        #[arg(long, default_value_t = 4)]
        clients: usize,
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
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

pub async fn run(database: &str, cmd: BenchCommand) -> Result<(), Box<dyn std::error::Error>> {
    match cmd {
        BenchCommand::Startup => startup().await,
        BenchCommand::Needs { needs, clients, seconds, full_durability } => {
            needs_bench(needs, clients, seconds, full_durability).await
        }
        BenchCommand::Resources { resources, seconds, attempts, rounds } => {
            resources_bench(database, resources, seconds, attempts, rounds).await
        }
        BenchCommand::Import { rows, clients, seconds } => import_bench(database, rows, clients, seconds).await,
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
    let (_, cookie) = wushe_web::accounts::sign_in(&state, "admin.s", demo::DEMO_PASSWORD, "bench").await?;
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
