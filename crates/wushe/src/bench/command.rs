//! The `wushe bench` subcommands, start-up time and the area pages.

use super::dispatch::dispatch_bench;
use super::emergency::emergency_bench;
use super::import::import_bench;
use super::load::{measure, ms, temp_sqlite};
use super::needs::needs_bench;
use super::resources::resources_bench;
use super::volunteers::volunteers_bench;
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
    /// Volunteers (issue 13): a generated city of N volunteers in 1,000 communities with M
    /// verified records; a street's retention page and API, one person's balance and history,
    /// and concurrent redemptions against a stock of 100 and against a balance.
    /// `--database postgres://…` (empty) runs on PostgreSQL.
    Volunteers {
        #[arg(long, default_value_t = 1_000_000)]
        volunteers: usize,
        #[arg(long, default_value_t = 10_000_000)]
        records: usize,
        #[arg(long, default_value_t = 50)]
        iterations: usize,
        #[arg(long, default_value_t = 1000)]
        concurrent: usize,
    },
    /// Dispatch (issue 14): the optimiser on generated districts against the exact optimum,
    /// greedy nearest-first and, with `--ortools PYTHON` (scripts/bench-dispatch), OR-Tools.
    Dispatch {
        #[arg(long, value_delimiter = ',', default_value = "1000,10000,100000")]
        sizes: Vec<usize>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// A Python with the `ortools` package, to compare against its min-cost flow.
        #[arg(long)]
        ortools: Option<String>,
    },
    /// Emergency mode (issue 14): a generated street of N communities of M households with
    /// volunteers and grid workers; declare → dispatched, the alert by SMS through a 50 ms
    /// gateway stub (each number once), the situation boards, and live updates.
    Emergency {
        #[arg(long, default_value_t = 10)]
        communities: usize,
        #[arg(long, default_value_t = 4_220)]
        households_per_community: usize,
        #[arg(long, default_value_t = 20)]
        iterations: usize,
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
        BenchCommand::Volunteers { volunteers, records, iterations, concurrent } => {
            volunteers_bench(database, volunteers, records, iterations, concurrent).await
        }
        BenchCommand::Dispatch { sizes, seed, ortools } => dispatch_bench(&sizes, seed, ortools.as_deref()),
        BenchCommand::Emergency { communities, households_per_community, iterations } => {
            emergency_bench(communities, households_per_community, iterations).await
        }
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
    let mut cookies = std::collections::HashMap::new();
    for user in ["admin.s", "grid.s1", "resident.s", "street.s"] {
        let (_, cookie) = wushe_web::accounts::sign_in(&state, user, demo::DEMO_PASSWORD, "bench").await?;
        cookies.insert(user, cookie.to_str()?.split(';').next().unwrap_or_default().to_string());
    }
    let (b50, b95) = measure(&app, "/healthz", &cookies["admin.s"], n).await?;
    println!("baseline GET /healthz: p50 {:.2} ms, p95 {:.2} ms", ms(b50), ms(b95));
    // A submitted need of S社区 with its history, the page staff open most.
    let (need,): (i64,) = sqlx::query_as(
        "SELECT n.id FROM needs n JOIN areas a ON a.id = n.community_id WHERE a.code = '510104001001' \
         AND n.status = 'submitted' ORDER BY n.id LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await?;
    let need_page = format!("/needs/{need}");
    let matches_page = format!("/needs/{need}/matches");
    let pages: [(&str, &str, &str); 17] = [
        ("community area tree  ", "admin.s", "/areas/510104001001"),
        ("grid (33 buildings)  ", "admin.s", "/areas/51010400100101"),
        ("grid residents page  ", "admin.s", "/communities/510104001001/residents"),
        ("community overview   ", "admin.s", "/communities/510104001001"),
        ("grid households API  ", "admin.s", "/api/v1/areas/51010400100101/residents?limit=50"),
        ("resident's home      ", "resident.s", "/communities/510104001001"),
        ("resident's need form ", "resident.s", "/my/needs/new"),
        ("household finder     ", "grid.s1", "/communities/510104001001/needs/new?find=1%E6%A0%8B%20101"),
        ("needs ledger         ", "admin.s", "/communities/510104001001/needs"),
        ("ledger search        ", "admin.s", "/communities/510104001001/needs?q=%E6%A5%BC%E9%81%93"),
        ("need page            ", "admin.s", &need_page),
        ("matches by tier      ", "admin.s", &matches_page),
        ("spaces and equipment ", "admin.s", "/communities/510104001001/spaces"),
        ("space with its slots ", "admin.s", "/spaces/7"),
        ("audit log            ", "admin.s", "/communities/510104001001/audit"),
        ("street overview      ", "street.s", "/streets/510104001"),
        ("design system        ", "admin.s", "/design"),
    ];
    for (label, user, uri) in pages {
        let (p50, p95) = measure(&app, uri, &cookies[user], n).await?;
        println!(
            "{label}GET {uri} ({user}): p50 {:.2} ms, p95 {:.2} ms (×{:.1} baseline p50; target < 50 ms)",
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
