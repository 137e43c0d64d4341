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

fn temp_sqlite(name: &str) -> (String, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("wushe-bench-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::create_dir_all(&dir);
    (format!("sqlite://{}", dir.join("bench.db").display()), dir)
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

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Load `n` closed or open needs into S社区 in bulk (demo histories), reporting the rate.
async fn load_needs(db: &Db, n: usize) -> Result<(), Box<dyn std::error::Error>> {
    let t = Instant::now();
    let scale = demo::Scale { communities: 1, households: 6328, needs: n };
    let g = demo::generate(db, scale, 7, SystemClock.now_millis(), 2026).await?;
    println!("loaded a community with {} needs in {:.1} s", g.needs, t.elapsed().as_secs_f64());
    Ok(())
}

struct Load {
    ok: usize,
    failed: usize,
    latencies: Vec<Duration>,
    elapsed: Duration,
}

/// One keep-alive HTTP/1.1 connection of the load generator. It writes a request made in
/// advance and reads the status line, the headers and a `Content-Length` body, nothing more:
/// the generator shares the machine's two cores with the server, and a full client (reqwest)
/// took a third of them, so the server's figures were the client's as much as its own.
struct LoadConn {
    stream: tokio::net::TcpStream,
    buf: Vec<u8>,
    /// The body of the last answer.
    last: Vec<u8>,
}

impl LoadConn {
    async fn connect(addr: &str) -> std::io::Result<LoadConn> {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(LoadConn { stream, buf: Vec::with_capacity(16 * 1024), last: Vec::new() })
    }

    /// Sends `request` and returns the answer's status code once its whole body has arrived.
    async fn send(&mut self, request: &[u8]) -> std::io::Result<u16> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string());
        self.stream.write_all(request).await?;
        loop {
            if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = std::str::from_utf8(&self.buf[..end]).map_err(|_| bad("header"))?;
                let status = head.get(9..12).and_then(|c| c.parse().ok()).ok_or_else(|| bad("status line"))?;
                let length = head
                    .lines()
                    .filter_map(|l| l.split_once(':'))
                    .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                    .and_then(|(_, v)| v.trim().parse::<usize>().ok())
                    .ok_or_else(|| bad("no content-length"))?;
                let total = end + 4 + length;
                while self.buf.len() < total {
                    if self.stream.read_buf(&mut self.buf).await? == 0 {
                        return Err(bad("closed mid-answer"));
                    }
                }
                self.last = self.buf[end + 4..total].to_vec();
                self.buf.drain(..total);
                return Ok(status);
            }
            if self.stream.read_buf(&mut self.buf).await? == 0 {
                return Err(bad("closed"));
            }
        }
    }
}

/// A request's bytes: `method path` with a bearer token and, for a body, JSON.
fn request_bytes(method: &str, path: &str, token: Option<&str>, body: Option<&str>) -> Vec<u8> {
    let mut r = format!("{method} {path} HTTP/1.1\r\nhost: bench\r\n");
    if let Some(t) = token {
        r.push_str(&format!("authorization: Bearer {t}\r\n"));
    }
    if let Some(b) = body {
        r.push_str(&format!("content-type: application/json\r\ncontent-length: {}\r\n\r\n{b}", b.len()));
    } else {
        r.push_str("\r\n");
    }
    r.into_bytes()
}

/// The load generator's own threads, at a lower priority than the server's (nice 10): on a
/// machine of its own the generator would take none of the server's CPU; here it shares the
/// two cores and gives way first.
fn generator_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("wushe-load")
        .enable_all()
        .on_thread_start(|| {
            // Linux keeps a nice value per thread; 0 names the calling thread. Raising one's
            // own nice value needs no privilege.
            #[cfg(target_os = "linux")]
            // SAFETY: setpriority takes plain integers and touches no memory of ours.
            unsafe {
                libc::setpriority(libc::PRIO_PROCESS, 0, 10);
            }
        })
        .build()
}

/// `clients` connections send requests for `seconds`, each waiting for its answer before the
/// next; `make(client, i)` gives the i-th request's bytes and `expect` the status that counts
/// as success.
async fn hammer<F>(
    load_rt: &tokio::runtime::Handle,
    addr: &str,
    clients: usize,
    seconds: u64,
    expect: u16,
    make: F,
) -> Load
where
    F: Fn(usize, u64) -> Vec<u8> + Send + Sync + Clone + 'static,
{
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (make, addr) = (make.clone(), addr.to_string());
        tasks.push(load_rt.spawn(async move {
            let (mut ok, mut failed, mut lat) = (0, 0, Vec::new());
            let mut conn = LoadConn::connect(&addr).await.ok();
            let mut i = 0u64;
            while Instant::now() < deadline {
                let request = make(c, i);
                let t = Instant::now();
                let status = match conn.as_mut() {
                    Some(k) => k.send(&request).await.ok(),
                    None => None,
                };
                if status == Some(expect) {
                    ok += 1
                } else {
                    failed += 1;
                    if status.is_none() {
                        conn = LoadConn::connect(&addr).await.ok();
                    }
                }
                lat.push(t.elapsed());
                i += 1;
            }
            (ok, failed, lat)
        }));
    }
    let mut load = Load { ok: 0, failed: 0, latencies: Vec::new(), elapsed: Duration::ZERO };
    for t in tasks {
        if let Ok((o, f, l)) = t.await {
            load.ok += o;
            load.failed += f;
            load.latencies.extend(l);
        }
    }
    load.elapsed = start.elapsed();
    load.latencies.sort();
    load
}

fn report(label: &str, l: &Load, baseline: Option<f64>) -> f64 {
    let rate = l.ok as f64 / l.elapsed.as_secs_f64();
    let p50 = percentile(&l.latencies, 0.5);
    let p99 = percentile(&l.latencies, 0.99);
    let ratio = baseline.map(|b| format!(" (×{:.2} of baseline throughput)", rate / b)).unwrap_or_default();
    println!("{label}: {rate:.0}/s ok, {} failed, p50 {:.2} ms, p99 {:.2} ms{ratio}", l.failed, ms(p50), ms(p99));
    rate
}

async fn needs_bench(n: usize, clients: usize, seconds: u64, full: bool) -> Result<(), Box<dyn std::error::Error>> {
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

async fn resources_bench(
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
        let held = wushe_app::bookings::of_space(&db, room, now, now + 400 * 86_400_000)
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

/// The resident of S社区's first household (the demo's `resident.s`), as an actor.
async fn resident_of(db: &Db) -> Result<wushe_app::Actor, wushe_app::AppError> {
    Ok(wushe_app::Actor {
        user_id: None,
        grants: wushe_domain::access::Grants {
            signed_in: true,
            grants: vec![wushe_domain::access::Grant {
                role: wushe_domain::access::Role::Resident,
                area_path: wushe_app::areas::by_code(db, "510104001001010010001").await?.path,
            }],
        },
        operator: false,
    })
}

/// Submissions of S社区's resident, one after another from each of `clients` tasks, until
/// `stop`; their latencies.
async fn submit_until(
    db: &Db,
    queue: &wushe_app::needs::SubmitQueue,
    clients: usize,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> Result<Vec<Duration>, Box<dyn std::error::Error>> {
    let community = wushe_app::areas::by_code(db, "510104001001").await?;
    let resident = resident_of(db).await?;
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (db, queue, community, resident, stop) =
            (db.clone(), queue.clone(), community.clone(), resident.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let form = wushe_app::needs::NeedForm {
                    category: "repairs".into(),
                    title: format!("导入期间的需求{c}-{i}"),
                    description: "楼道灯坏了".into(),
                    channel: "online".into(),
                    ..Default::default()
                };
                let t = Instant::now();
                let new = wushe_app::needs::parse_form(&db, &resident, &community, &form).await?;
                queue.submit(&resident, SystemClock.now_millis(), new).await?;
                lat.push(t.elapsed());
                i += 1;
            }
            Ok::<_, wushe_app::AppError>(lat)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    all.sort();
    Ok(all)
}

async fn import_bench(
    database: &str,
    rows: usize,
    clients: usize,
    seconds: u64,
) -> Result<(), Box<dyn std::error::Error>> {
    use std::sync::atomic::{AtomicBool, Ordering};
    let pg = database.starts_with("postgres");
    let (url, _dir) =
        if pg { (database.to_string(), std::env::temp_dir().join("wushe-bench-none")) } else { temp_sqlite("import") };
    println!("engine: {}", if pg { "PostgreSQL" } else { "SQLite (temporary file)" });
    let db = Db::connect(&url).await?;
    db.migrate().await?;
    let now = SystemClock.now_millis();
    demo::seed_papers(&db, now, 2026).await?;
    let a = wushe_app::areas::by_code(&db, "310106001001").await?;
    let grids =
        wushe_app::areas::children(&db, &wushe_app::Actor::operator(), wushe_domain::access::Action::AreaRead, &a)
            .await?;
    // A ledger of `rows` needs of A社区, as a street office would bring from its spreadsheets.
    let mut sheet = wushe_app::sheets::Table {
        headers: ["标题", "内容", "类别", "区域编码", "提交时间", "状态"].map(String::from).to_vec(),
        rows: Vec::with_capacity(rows),
    };
    for i in 0..rows {
        sheet.rows.push(vec![
            format!("历史台账第{i}条"),
            "楼道堆物，已清理".into(),
            "stairwell_clutter".into(),
            grids[i % grids.len()].area.code.clone(),
            format!("2025-{:02}-{:02} 10:00", 1 + i % 12, 1 + i % 28),
            "submitted".into(),
        ]);
    }
    let admin = wushe_app::Actor::operator();
    let cal = wushe_app::needs::calendar_for(&db, a.id).await?;
    let queue = wushe_app::needs::SubmitQueue::start(db.clone());
    // Baseline: S社区's submissions alone.
    let stop = Arc::new(AtomicBool::new(false));
    let timer = {
        let stop = stop.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(seconds)).await;
            stop.store(true, Ordering::Relaxed);
        })
    };
    let alone = submit_until(&db, &queue, clients, stop).await?;
    timer.await?;
    println!(
        "S社区 submissions alone ({clients} clients, {seconds} s): {} done, p50 {:.1} ms, p99 {:.1} ms, slowest {:.0} ms",
        alone.len(),
        ms(percentile(&alone, 0.5)),
        ms(percentile(&alone, 0.99)),
        ms(percentile(&alone, 1.0))
    );
    // The same while A社区's import runs; measured for as long as the import takes.
    let stop = Arc::new(AtomicBool::new(false));
    let import = {
        let (db, stop, cal, a, admin) = (db.clone(), stop.clone(), cal.clone(), a.clone(), admin.clone());
        tokio::spawn(async move {
            let t = Instant::now();
            let zh = |k: &str| k.to_string();
            let labels: [wushe_app::sheets::Labels; 1] = [&zh];
            let mapping = Default::default();
            let up = wushe_app::needs::ledger::Upload { table: &sheet, mapping: &mapping, labels: &labels };
            let r = wushe_app::needs::ledger::import(&db, &admin, SystemClock.now_millis(), &cal, &a, up).await;
            stop.store(true, Ordering::Relaxed);
            (r.map(|n| n.added).map_err(|e| format!("{e:?}")), t.elapsed())
        })
    };
    let during = submit_until(&db, &queue, clients, stop).await?;
    let (imported, took) = import.await?;
    let imported = imported?;
    println!("A社区 import: {imported} rows in {:.1} s", took.as_secs_f64());
    let (p99_alone, p99_during) = (ms(percentile(&alone, 0.99)), ms(percentile(&during, 0.99)));
    println!(
        "S社区 submissions during the import: {} done, p50 {:.1} ms, p99 {:.1} ms, slowest {:.0} ms (+{:.1} ms at p99 over alone, ×{:.2})",
        during.len(),
        ms(percentile(&during, 0.5)),
        p99_during,
        ms(percentile(&during, 1.0)),
        p99_during - p99_alone,
        p99_during / p99_alone.max(1e-6)
    );
    Ok(())
}
