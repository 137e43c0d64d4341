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
}

impl LoadConn {
    async fn connect(addr: &str) -> std::io::Result<LoadConn> {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(LoadConn { stream, buf: Vec::with_capacity(16 * 1024) })
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
    let app = wushe_web::app(state);
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
