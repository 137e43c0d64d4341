//! `wushe` — the one binary: serve, migrate, demo data, users, tokens, audit, benchmarks.

mod bench;
mod dispatch;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};
use std::io::Read;
use std::sync::Arc;
use std::time::Instant;
use wushe_app::{Actor, Clock, Db, SystemClock, accounts, audit, demo};

#[derive(Parser)]
#[command(name = "wushe", version, about = "五社联动韧性社区平台 · Five-Social Linkage community platform")]
struct Cli {
    /// sqlite://PATH (default sqlite://wushe.db) or postgres://USER@HOST/DB
    #[arg(long, global = true, env = "WUSHE_DATABASE_URL", default_value = "sqlite://wushe.db")]
    database: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (pages, JSON API).
    Serve {
        #[arg(long, env = "WUSHE_ADDR", default_value = "127.0.0.1:8080")]
        addr: String,
        /// Seed the demo communities (S社区, A社区) when the database has none.
        #[arg(long)]
        demo: bool,
        /// Mark cookies Secure (behind HTTPS).
        #[arg(long, env = "WUSHE_SECURE_COOKIES")]
        secure_cookies: bool,
        /// SQLite: `normal` survives a crash of the process (kill -9, a panic, OOM);
        /// `full` syncs every commit to disk and survives power loss too, at some speed
        /// (docs/benchmarks.md). PostgreSQL syncs every commit either way.
        #[arg(long, env = "WUSHE_DURABILITY", default_value = "normal", value_parser = ["normal", "full"])]
        durability: String,
        /// Behind a reverse proxy: take the client's address from the last X-Forwarded-For
        /// entry (the login limit counts failures per account and address).
        #[arg(long, env = "WUSHE_TRUST_FORWARDED_FOR")]
        trust_forwarded_for: bool,
        /// Most data rows an imported spreadsheet may hold.
        #[arg(long, env = "WUSHE_IMPORT_MAX_ROWS", default_value_t = 100_000)]
        import_max_rows: usize,
        /// Most columns an imported spreadsheet may hold.
        #[arg(long, env = "WUSHE_IMPORT_MAX_COLUMNS", default_value_t = 64)]
        import_max_columns: usize,
        /// Most filled cells an imported spreadsheet may hold.
        #[arg(long, env = "WUSHE_IMPORT_MAX_CELLS", default_value_t = 2_000_000)]
        import_max_cells: usize,
        /// Most megabytes an imported .xlsx may unzip to.
        #[arg(long, env = "WUSHE_IMPORT_MAX_UNZIPPED_MB", default_value_t = 256)]
        import_max_unzipped_mb: u64,
    },
    /// Apply database migrations.
    Migrate,
    /// Generate deterministic synthetic communities (scale tests).
    Demo {
        #[arg(long, default_value_t = 1)]
        communities: usize,
        #[arg(long, default_value_t = 2000)]
        households_per_community: usize,
        /// Needs with their histories per community (the ledger's scale tests use 1,000,000).
        #[arg(long, default_value_t = 200)]
        needs_per_community: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Seed the papers' S社区 and A社区 (with demo accounts) as well.
        #[arg(long)]
        papers: bool,
    },
    /// Manage the area tree.
    Area {
        #[command(subcommand)]
        command: AreaCommand,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Open311 GeoReport v2 api_keys.
    Open311 {
        #[command(subcommand)]
        command: Open311Command,
    },
    /// Manage API bearer tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Audit log tools.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Volunteers' points ledger tools.
    Points {
        #[command(subcommand)]
        command: PointsCommand,
    },
    /// Open Referral HSDS directory files.
    Hsds {
        #[command(subcommand)]
        command: HsdsCommand,
    },
    /// The dispatch optimiser on instance files (issue 14): solve, generate.
    Dispatch {
        #[command(subcommand)]
        command: dispatch::DispatchCommand,
    },
    /// Measure speed; prints figures with their ratio to a trivial baseline.
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; the password is read from standard input.
    Add {
        username: String,
        #[arg(long)]
        password_stdin: bool,
        #[arg(long, default_value = "")]
        name: String,
        #[arg(long, default_value = "")]
        phone: String,
        /// Where e-mail notifications go.
        #[arg(long, default_value = "")]
        email: String,
    },
    /// Grant ROLE over the area AREA_CODE (e.g. community_admin 510104001001).
    Grant { username: String, role: String, area_code: String },
}

#[derive(Subcommand)]
enum AreaCommand {
    /// Add an area under PARENT_CODE (e.g. a grid under a community); the code is the next
    /// free number unless --code is given.
    Add {
        parent_code: String,
        kind: String,
        name: String,
        #[arg(long, default_value = "")]
        code: String,
    },
}

#[derive(Subcommand)]
enum Open311Command {
    /// api_keys for Open311 clients.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Create a key for a community; it is printed once and stored hashed.
    Add {
        name: String,
        #[arg(long)]
        community: String,
    },
    /// List keys (names, communities, when created or revoked).
    List,
    /// Revoke a key.
    Revoke {
        name: String,
        #[arg(long)]
        community: String,
    },
}

#[derive(Subcommand)]
enum HsdsCommand {
    /// Import services from an HSDS 3 JSON file (array, page or NDJSON) into a community's
    /// resource database; all or nothing, services already imported are skipped.
    Import {
        file: std::path::PathBuf,
        #[arg(long)]
        community: String,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a bearer token for USERNAME; printed once.
    Create {
        username: String,
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

#[derive(Subcommand)]
enum PointsCommand {
    /// Checks that every balance equals the sum of its ledger entries and none is negative;
    /// exits non-zero naming each account that differs.
    Verify,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain; exits non-zero if it is broken.
    Verify,
}

fn this_year() -> i32 {
    use chrono::Datelike;
    chrono::Utc::now().year()
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("WUSHE_LOG").unwrap_or_else(|_| "info".into()))
        .init();
    let cli = Cli::parse();
    if let Err(e) = run(cli).await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn open(url: &str) -> Result<Db, Box<dyn std::error::Error>> {
    let db = Db::connect(url).await?;
    db.migrate().await?;
    Ok(db)
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let clock = SystemClock;
    match cli.command {
        Command::Serve {
            addr,
            demo: with_demo,
            secure_cookies,
            durability,
            trust_forwarded_for,
            import_max_rows,
            import_max_columns,
            import_max_cells,
            import_max_unzipped_mb,
        } => {
            let started = Instant::now();
            let durability =
                if durability == "full" { wushe_app::db::Durability::Full } else { wushe_app::db::Durability::Normal };
            let db = Db::connect_with(&cli.database, durability).await?;
            db.migrate().await?;
            if with_demo {
                if let Some(g) = demo::seed_papers(&db, clock.now_millis(), this_year()).await? {
                    println!(
                        "demo data: {} communities, {} households, {} residents, {} organizations, {} needs, {} resources",
                        g.communities, g.households, g.residents, g.organizations, g.needs, g.resources
                    );
                }
                println!("demo accounts (password: {}):", demo::DEMO_PASSWORD);
                for (user, display, role, area) in demo::DEMO_ACCOUNTS {
                    println!("  {user:<14} {role:<19} {area:<15} {display}");
                }
            }
            let mut state = wushe_web::AppState::new(db, Arc::new(SystemClock));
            state.secure_cookies = secure_cookies;
            state.trust_forwarded_for = trust_forwarded_for;
            state.sheet_limits = wushe_app::sheets::Limits {
                max_rows: import_max_rows,
                max_columns: import_max_columns,
                max_cells: import_max_cells,
                max_unzipped_bytes: import_max_unzipped_mb * 1024 * 1024,
            };
            // Every capability's background jobs (overdue needs, claim and booking expiry,
            // notification delivery): each reads its work from the tables, so a restart resumes.
            wushe_web::capabilities::spawn_jobs(state.clone());
            let app = wushe_web::service(state);
            let listener = tokio::net::TcpListener::bind(&addr).await?;
            let local = listener.local_addr()?;
            println!("ready in {:.1} s", started.elapsed().as_secs_f64());
            println!("listening on http://{local}");
            axum::serve(listener, app).with_graceful_shutdown(shutdown()).await?;
            println!("stopped");
        }
        Command::Migrate => {
            let db = Db::connect(&cli.database).await?;
            let applied = db.migrate().await?;
            println!("migrations applied: {applied:?}");
        }
        Command::Demo { communities, households_per_community, needs_per_community, seed, papers } => {
            let db = open(&cli.database).await?;
            let t = Instant::now();
            if papers && let Some(g) = demo::seed_papers(&db, clock.now_millis(), this_year()).await? {
                println!("papers' communities: {g:?}");
            }
            let scale = demo::Scale { communities, households: households_per_community, needs: needs_per_community };
            let g = demo::generate(&db, scale, seed, clock.now_millis(), this_year()).await?;
            println!(
                "generated {} communities, {} households, {} residents, {} organizations, {} needs in {:.1} s",
                g.communities,
                g.households,
                g.residents,
                g.organizations,
                g.needs,
                t.elapsed().as_secs_f64()
            );
        }
        Command::User { command } => {
            let db = open(&cli.database).await?;
            match command {
                UserCommand::Add { username, password_stdin, name, phone, email } => {
                    if !password_stdin {
                        return Err("pass the password on standard input with --password-stdin".into());
                    }
                    let mut pw = String::new();
                    std::io::stdin().read_to_string(&mut pw)?;
                    let pw = pw.trim_end_matches(['\n', '\r']);
                    let new = accounts::NewUser::parse(&username, &name, pw, &phone).map_err(describe)?;
                    let email = wushe_domain::people::parse_email(&email).map_err(|e| describe(e.into()))?;
                    let u =
                        accounts::add_user(&db, &Actor::operator(), clock.now_millis(), new).await.map_err(describe)?;
                    if email.is_some() {
                        accounts::set_email(&db, &Actor::operator(), clock.now_millis(), u.id, email)
                            .await
                            .map_err(describe)?;
                    }
                    println!("user {} created", u.username);
                }
                UserCommand::Grant { username, role, area_code } => {
                    accounts::grant(&db, &Actor::operator(), clock.now_millis(), &username, &role, &area_code)
                        .await
                        .map_err(describe)?;
                    println!("granted {role} over {area_code} to {username}");
                }
            }
        }
        Command::Area { command: AreaCommand::Add { parent_code, kind, name, code } } => {
            let db = open(&cli.database).await?;
            let form = wushe_app::areas::AreaForm { parent_code, kind, code, name };
            let a =
                wushe_app::areas::create(&db, &Actor::operator(), clock.now_millis(), form).await.map_err(describe)?;
            println!("area {} {} created", a.code, a.name);
        }
        Command::Open311 { command: Open311Command::Key { command } } => {
            let db = open(&cli.database).await?;
            let op = Actor::operator();
            match command {
                KeyCommand::Add { name, community } => {
                    let key = wushe_app::open311::add_key(&db, &op, clock.now_millis(), &community, &name)
                        .await
                        .map_err(describe)?;
                    println!("{key}");
                }
                KeyCommand::List => {
                    for k in wushe_app::open311::keys(&db).await? {
                        let state = if k.revoked_at.is_some() { "revoked" } else { "active" };
                        println!("{}\t{}\t{}", k.community_code, k.name, state);
                    }
                }
                KeyCommand::Revoke { name, community } => {
                    wushe_app::open311::revoke_key(&db, &op, clock.now_millis(), &community, &name)
                        .await
                        .map_err(describe)?;
                    println!("revoked {name}");
                }
            }
        }
        Command::Hsds { command: HsdsCommand::Import { file, community } } => {
            let db = open(&cli.database).await?;
            let bytes = std::fs::read(&file)?;
            let c = wushe_app::areas::by_code(&db, &community).await.map_err(describe)?;
            match wushe_app::resources::hsds::import_directory(&db, clock.now_millis(), &Actor::operator(), &c, &bytes)
                .await
            {
                Ok((added, skipped)) => println!("imported {added} services ({skipped} already present)"),
                Err(wushe_app::resources::hsds::DirectoryError::Entries(list)) => {
                    for (n, field) in &list {
                        eprintln!("entry {n}: {field}");
                    }
                    return Err(format!("{} problems; nothing imported", list.len()).into());
                }
                Err(wushe_app::resources::hsds::DirectoryError::App(e)) => return Err(describe(e)),
            }
        }
        Command::Token { command: TokenCommand::Create { username, name } } => {
            let db = open(&cli.database).await?;
            let token = accounts::create_api_token(&db, &Actor::operator(), clock.now_millis(), &username, &name)
                .await
                .map_err(describe)?;
            println!("{token}");
        }
        Command::Audit { command: AuditCommand::Verify } => {
            let db = open(&cli.database).await?;
            match audit::verify(&db).await? {
                audit::Verification::Intact { entries, chains } => {
                    println!("audit chain intact: {entries} entries in {chains} chains")
                }
                audit::Verification::Broken { chain, seq, reason } => {
                    let whose = match chain {
                        0 => "above communities".to_string(),
                        id => match wushe_app::areas::by_id(&db, id).await {
                            Ok(a) => format!("of community {} {}", a.code, a.name),
                            Err(_) => format!("of community #{id}"),
                        },
                    };
                    return Err(format!("audit chain broken at entry {seq} {whose} ({reason})").into());
                }
            }
        }
        Command::Points { command: PointsCommand::Verify } => {
            let db = open(&cli.database).await?;
            let (accounts, wrong) = wushe_app::volunteers::verify_points(&db).await?;
            if wrong.is_empty() {
                println!("points ledger consistent: {accounts} accounts, every balance the sum of its entries");
            } else {
                for m in &wrong {
                    eprintln!(
                        "volunteer {} of community {}: balance {} but its entries sum to {}",
                        m.volunteer_id, m.community_code, m.balance, m.ledger
                    );
                }
                return Err(format!("{} of {accounts} points accounts differ from their ledgers", wrong.len()).into());
            }
        }
        Command::Dispatch { command } => dispatch::run(command)?,
        Command::Bench { command } => bench::run(&cli.database, command).await?,
    }
    Ok(())
}

/// Field errors named in English for the console.
fn describe(e: wushe_app::AppError) -> Box<dyn std::error::Error> {
    match e {
        wushe_app::AppError::Invalid(errs) => {
            errs.0.iter().map(|f| format!("{}: {}", f.field, f.key)).collect::<Vec<_>>().join("; ").into()
        }
        wushe_app::AppError::Conflict(f) => format!("{}: {}", f.field, f.key).into(),
        e => e.to_string().into(),
    }
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
