//! Test support shared by every crate's integration tests: fresh databases on both engines
//! (seeded once per test binary with the demo communities, then copied per test), a running
//! server on port 0 with a cookie-keeping client, and a minimal WebDriver client for Chromium.
//!
//! PostgreSQL and Chromium tests skip, loudly, when the service is missing, unless
//! `WUSHE_REQUIRE_PG=1` / `WUSHE_REQUIRE_BROWSER=1` (set by `.ci/run`) makes them required.
//! Skips are appended to `target/wushe-skipped.txt`, which `scripts/test` prints at the end.

pub mod webdriver;

pub use sqlx;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use tokio::sync::{Mutex, OnceCell};
use wushe_app::{Db, SystemClock, demo};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub const BOTH: [Engine; 2] = [Engine::Sqlite, Engine::Postgres];
}

pub fn pg_admin_url() -> String {
    std::env::var("WUSHE_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A quick TCP probe of the PostgreSQL host, so a missing server is reported at once rather
/// than after the pool's connect timeout.
fn pg_reachable() -> Result<(), String> {
    let url = pg_admin_url();
    let rest = url.split("://").nth(1).unwrap_or("");
    let host_port = rest.rsplit('@').next().unwrap_or("").split('/').next().unwrap_or("");
    let host_port = if host_port.contains(':') { host_port.to_string() } else { format!("{host_port}:5432") };
    use std::net::ToSocketAddrs;
    let addr = host_port
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| format!("cannot resolve {host_port}"))?;
    std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_secs(2))
        .map(|_| ())
        .map_err(|e| format!("PostgreSQL not reachable at {url} ({e})"))
}

fn required(var: &str) -> bool {
    std::env::var(var).is_ok_and(|v| v == "1" || v == "true")
}

/// Records a skipped test where `scripts/test` will print it, and on stderr.
pub fn record_skip(test: &str, why: &str) {
    let line = format!("SKIPPED {test}: {why}\n");
    eprint!("{line}");
    let path = target_dir().join("wushe-skipped.txt");
    if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
        use std::io::Write;
        let _ = f.write_all(line.as_bytes());
    }
}

pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"))
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique(prefix: &str) -> String {
    format!("{prefix}_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst))
}

/// The seeded SQLite file of this test binary (created on first use).
static SQLITE_SEED: OnceCell<PathBuf> = OnceCell::const_new();
/// The seeded PostgreSQL template database name, or why PostgreSQL is unavailable.
static PG_SEED: OnceCell<Result<String, String>> = OnceCell::const_new();
static PG_CREATE: Mutex<()> = Mutex::const_new(());

fn now() -> i64 {
    use wushe_app::Clock;
    SystemClock.now_millis()
}

/// Removes temporary databases and data directories left by earlier test runs (not this
/// process's), so repeated runs do not fill the disk.
fn sweep_temp() {
    let mine = format!("_{}_", std::process::id());
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else { return };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let ours = ["wushe_t_", "wushe_seed_", "wushe_data_", "wushe-cli-", "wushe-chrome-"]
            .iter()
            .any(|p| name.starts_with(p));
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|d| d.as_secs() > 600);
        if ours && old && !name.contains(&mine) {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

async fn sqlite_seed() -> PathBuf {
    SQLITE_SEED
        .get_or_init(|| async {
            sweep_temp();
            let dir = std::env::temp_dir().join(unique("wushe_seed"));
            std::fs::create_dir_all(&dir).expect("temp dir");
            let path = dir.join("seed.db");
            let db = Db::connect(&format!("sqlite://{}", path.display())).await.expect("sqlite");
            db.migrate().await.expect("migrate");
            demo::seed_papers(&db, now(), 2026).await.expect("seed");
            // Fold the WAL into the main file so a plain copy carries everything.
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&db.pool).await.expect("checkpoint");
            db.pool.close().await;
            path
        })
        .await
        .clone()
}

async fn pg_seed() -> Result<String, String> {
    PG_SEED
        .get_or_init(|| async {
            pg_reachable()?;
            let admin = match Db::connect(&pg_admin_url()).await {
                Ok(a) => a,
                Err(e) => return Err(format!("PostgreSQL not reachable at {} ({e})", pg_admin_url())),
            };
            // Drop databases left by earlier runs of any test binary (not this one).
            let mine = format!("wushe_%_{}_%", std::process::id());
            let stale: Vec<(String,)> = sqlx::query_as("SELECT datname::text FROM pg_database WHERE (datname LIKE 'wushe_t_%' OR datname LIKE 'wushe_seed_%') AND datname NOT LIKE $1")
                .bind(&mine)
                .fetch_all(&admin.pool)
                .await
                .map_err(|e| e.to_string())?;
            for (d,) in stale {
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS \"{d}\" WITH (FORCE)"))).execute(&admin.pool).await;
            }
            let name = unique("wushe_seed");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\""))).execute(&admin.pool).await.map_err(|e| e.to_string())?;
            let db = Db::connect(&db_url(&name)).await.map_err(|e| e.to_string())?;
            db.migrate().await.map_err(|e| e.to_string())?;
            demo::seed_papers(&db, now(), 2026).await.map_err(|e| e.to_string())?;
            db.pool.close().await;
            admin.pool.close().await;
            Ok(name)
        })
        .await
        .clone()
}

fn db_url(name: &str) -> String {
    let admin = pg_admin_url();
    match admin.rfind('/') {
        Some(i) => format!("{}/{name}", &admin[..i]),
        None => format!("{admin}/{name}"),
    }
}

/// A fresh database with the demo communities for one test, or `None` (skip recorded) when
/// the engine is unavailable and not required.
pub async fn seeded_db(engine: Engine, test: &str) -> Option<Db> {
    match engine {
        Engine::Sqlite => {
            let seed = sqlite_seed().await;
            let dir = std::env::temp_dir().join(unique("wushe_t"));
            std::fs::create_dir_all(&dir).expect("temp dir");
            let path = dir.join("test.db");
            std::fs::copy(&seed, &path).expect("copy seed");
            let db = Db::connect(&format!("sqlite://{}", path.display())).await.expect("sqlite");
            Some(db)
        }
        Engine::Postgres => match pg_seed().await {
            Ok(template) => {
                let name = unique("wushe_t");
                let _guard = PG_CREATE.lock().await;
                let admin = Db::connect(&pg_admin_url()).await.expect("admin connection");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"")))
                    .execute(&admin.pool)
                    .await
                    .expect("create test database");
                admin.pool.close().await;
                Some(Db::connect(&db_url(&name)).await.expect("postgres"))
            }
            Err(why) if required("WUSHE_REQUIRE_PG") => {
                panic!("{test}: PostgreSQL is required (WUSHE_REQUIRE_PG=1) but {why}")
            }
            Err(why) => {
                record_skip(&format!("{test} [postgres]"), &why);
                None
            }
        },
    }
}

/// An empty, migrated database (no demo data).
pub async fn empty_db(engine: Engine, test: &str) -> Option<Db> {
    match engine {
        Engine::Sqlite => {
            let dir = std::env::temp_dir().join(unique("wushe_t"));
            std::fs::create_dir_all(&dir).expect("temp dir");
            let db = Db::connect(&format!("sqlite://{}", dir.join("empty.db").display())).await.expect("sqlite");
            db.migrate().await.expect("migrate");
            Some(db)
        }
        Engine::Postgres => {
            let db = Db::connect(&fresh_pg_url(test).await?).await.expect("postgres");
            db.migrate().await.expect("migrate");
            Some(db)
        }
    }
}

/// A running server on 127.0.0.1:0 over a seeded database, and an HTTP client.
pub struct TestApp {
    pub addr: String,
    pub db: Db,
    pub client: reqwest::Client,
    pub state: wushe_web::AppState,
}

impl TestApp {
    pub async fn spawn(engine: Engine, test: &str) -> Option<TestApp> {
        let db = seeded_db(engine, test).await?;
        Some(Self::spawn_on(db).await)
    }

    /// A server whose clock stands still at `at` (UTC ms), for pages whose content depends on
    /// the hour (a space's free slots today).
    pub async fn spawn_at(engine: Engine, test: &str, at: i64) -> Option<TestApp> {
        let db = seeded_db(engine, test).await?;
        let clock = Arc::new(wushe_app::clock::ManualClock(std::sync::atomic::AtomicI64::new(at)));
        Some(Self::spawn_with(db, clock).await)
    }

    /// A server on a clock the test holds and moves (`clock.0.store(…)`), for stories that
    /// span time: checking in at an activity's start and out when it ends.
    pub async fn spawn_clocked(
        engine: Engine,
        test: &str,
        clock: Arc<wushe_app::clock::ManualClock>,
    ) -> Option<TestApp> {
        let db = seeded_db(engine, test).await?;
        Some(Self::spawn_with(db, clock).await)
    }

    pub async fn spawn_on(db: Db) -> TestApp {
        Self::spawn_with(db, Arc::new(SystemClock)).await
    }

    async fn spawn_with(db: Db, clock: Arc<dyn wushe_app::clock::Clock>) -> TestApp {
        let mut state = wushe_web::AppState::new(db.clone(), clock);
        state.data_dir = std::env::temp_dir().join(unique("wushe_data"));
        let app = wushe_web::service(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        TestApp { addr, db, client: Self::new_client(), state }
    }

    pub fn new_client() -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.addr)
    }

    /// A client signed in through the JSON API as one of the demo accounts.
    pub async fn login_as(&self, username: &str) -> reqwest::Client {
        let c = Self::new_client();
        let r = c
            .post(self.url("/api/v1/session"))
            .json(&serde_json::json!({ "username": username, "password": demo::DEMO_PASSWORD }))
            .send()
            .await
            .expect("login request");
        assert_eq!(r.status(), 200, "login as {username}");
        c
    }

    /// A story step: `c` posts a form to `path` (as a page does, CSRF token included by the caller).
    pub async fn post_form<F: serde::Serialize + ?Sized>(
        &self,
        c: &reqwest::Client,
        path: &str,
        form: &F,
    ) -> reqwest::Response {
        c.post(self.url(path)).form(form).send().await.expect("form post")
    }

    /// A story step: `c` posts a JSON body to `path` (as a client of the API does).
    pub async fn post_json<B: serde::Serialize + ?Sized>(
        &self,
        c: &reqwest::Client,
        path: &str,
        body: &B,
    ) -> reqwest::Response {
        c.post(self.url(path)).json(body).send().await.expect("JSON post")
    }

    /// A story step: `c` reads `path`.
    pub async fn get(&self, c: &reqwest::Client, path: &str) -> reqwest::Response {
        c.get(self.url(path)).send().await.expect("get")
    }

    /// The CSRF token of a signed-in client, read from a form on its account page.
    pub async fn csrf(&self, c: &reqwest::Client) -> String {
        let html = c.get(self.url("/account")).send().await.expect("account").text().await.expect("body");
        extract_csrf(&html)
    }
}

/// A demo account signed in, for stories told by role:
/// `app.as_resident().await.submit_need(json!({…}))`. Each method is one step a person takes
/// through the public interface (the JSON API or a page).
pub struct Person<'a> {
    app: &'a TestApp,
    pub client: reqwest::Client,
}

impl TestApp {
    pub async fn as_account(&self, username: &str) -> Person<'_> {
        Person { app: self, client: self.login_as(username).await }
    }
    /// A resident of household 1栋 in grid 1 of S社区.
    pub async fn as_resident(&self) -> Person<'_> {
        self.as_account("resident.s").await
    }
    /// S社区's two committees.
    pub async fn as_admin(&self) -> Person<'_> {
        self.as_account("admin.s").await
    }
    /// The grid worker of S社区's grid 1.
    pub async fn as_grid_worker(&self) -> Person<'_> {
        self.as_account("grid.s1").await
    }
    /// A社区's two committees: another community.
    pub async fn as_other_admin(&self) -> Person<'_> {
        self.as_account("admin.a").await
    }
}

impl Person<'_> {
    /// Files a need through the API (a resident's own, or recorded by staff).
    pub async fn submit_need(&self, body: serde_json::Value) -> reqwest::Response {
        self.app.post_json(&self.client, "/api/v1/needs", &body).await
    }
    /// Takes one workflow step on a need through the API.
    pub async fn step(&self, need: i64, body: serde_json::Value) -> reqwest::Response {
        self.app.post_json(&self.client, &format!("/api/v1/needs/{need}/events"), &body).await
    }
    /// Reads a need through the API.
    pub async fn need(&self, need: i64) -> reqwest::Response {
        self.app.get(&self.client, &format!("/api/v1/needs/{need}")).await
    }
    /// Reads `path` as JSON.
    pub async fn json(&self, path: &str) -> serde_json::Value {
        self.app.get(&self.client, path).await.json().await.expect("JSON")
    }
    /// Reads the page at `path` as text.
    pub async fn page(&self, path: &str) -> String {
        self.app.get(&self.client, path).await.text().await.expect("page")
    }
}

pub fn extract_csrf(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    html.find(marker).map(|i| html[i + marker.len()..].split('"').next().unwrap_or("").to_string()).unwrap_or_default()
}

pub fn require_browser() -> bool {
    required("WUSHE_REQUIRE_BROWSER")
}

/// The URL of a new, empty PostgreSQL database (for tests of the `wushe` binary), or `None`
/// with a recorded skip when PostgreSQL is unavailable and not required.
pub async fn fresh_pg_url(test: &str) -> Option<String> {
    let admin = match pg_reachable() {
        Ok(()) => Db::connect(&pg_admin_url()).await.map_err(|e| format!("PostgreSQL not reachable ({e})")),
        Err(e) => Err(e),
    };
    let admin = match admin {
        Ok(a) => a,
        Err(e) if required("WUSHE_REQUIRE_PG") => panic!("{test}: PostgreSQL is required but {e}"),
        Err(e) => {
            record_skip(&format!("{test} [postgres]"), &e);
            return None;
        }
    };
    let name = unique("wushe_t");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\""))).execute(&admin.pool).await.expect("create");
    admin.pool.close().await;
    Some(db_url(&name))
}

/// A test run on SQLite and on PostgreSQL, each with a freshly seeded database:
/// `both_engines!(name, body)` makes `#[tokio::test] async fn name()` that calls
/// `body(db, engine)` for every engine available (PostgreSQL is skipped, or required, as
/// [`seeded_db`] says).
#[macro_export]
macro_rules! both_engines {
    ($name:ident, $body:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            for engine in $crate::Engine::BOTH {
                if let Some(db) = $crate::seeded_db(engine, stringify!($name)).await {
                    $body(db, engine).await;
                }
            }
        }
    };
}

/// The next Wednesday at 10:00 in the communities' time after the real now: a working morning,
/// when the demo's spaces are open, close to the demo data's dates.
pub fn next_wednesday_10() -> i64 {
    const DAY: i64 = 86_400_000;
    // China Standard Time, UTC+8 all year.
    let offset = 8 * 3_600_000;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    let local_day = (now + offset).div_euclid(DAY) + 1;
    // 1970-01-01 was a Thursday: day 6 of every week from it is a Wednesday.
    let wednesday = local_day + (6 - local_day.rem_euclid(7)).rem_euclid(7);
    wednesday * DAY + 10 * 3_600_000 - offset
}
