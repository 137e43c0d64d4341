//! The `wushe` binary as operators use it: migrate, users and grants, tokens, the demo
//! generator, audit verification, and `serve` starting, answering and stopping on SIGTERM.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};
use wushe_testkit::sqlx;

fn wushe(db: &str, args: &[&str], stdin: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wushe"));
    c.arg("--database")
        .arg(db)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("WUSHE_LOG", "warn");
    let mut child = c.spawn().expect("run wushe");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("wushe output")
}

fn out(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn temp_db(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("wushe-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    format!("sqlite://{}", dir.join("cli.db").display())
}

fn operator_story(db: &str) {
    let o = wushe(db, &["migrate"], None);
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("migrations applied: [1, 2, 3"), "{}", out(&o));
    assert!(out(&wushe(db, &["migrate"], None)).contains("[]"), "second run applies nothing");
    let o = wushe(db, &["demo", "--communities", "2", "--households-per-community", "120", "--seed", "7"], None);
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("generated 2 communities, 240 households"), "{}", out(&o));
    let o = wushe(db, &["area", "add", "440199001001", "grid", "第九网格"], None);
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("area 44019900100105 第九网格 created"), "{}", out(&o));
    let o = wushe(db, &["area", "add", "440199001001", "street", "错层"], None);
    assert!(!o.status.success() && out(&o).contains("kind: errors.area.bad_nesting"), "{}", out(&o));
    let o = wushe(db, &["user", "add", "Alice", "--password-stdin", "--name", "爱丽丝"], Some("long enough secret\n"));
    assert!(o.status.success(), "{}", out(&o));
    let o = wushe(db, &["user", "add", "x", "--password-stdin"], Some("short\n"));
    assert!(!o.status.success());
    assert!(
        out(&o).contains("username: errors.username.invalid")
            && out(&o).contains("password: errors.password.too_short"),
        "{}",
        out(&o)
    );
    let o = wushe(db, &["user", "grant", "alice", "community_admin", "440199001001"], None);
    assert!(o.status.success(), "{}", out(&o));
    let o = wushe(db, &["user", "grant", "alice", "emperor", "440199001001"], None);
    assert!(!o.status.success() && out(&o).contains("role"), "{}", out(&o));
    let o = wushe(db, &["user", "grant", "alice", "grid_worker", "999"], None);
    assert!(!o.status.success() && out(&o).contains("area_code"), "{}", out(&o));
    let o = wushe(db, &["token", "create", "alice", "--name", "nightly export"], None);
    assert!(o.status.success(), "{}", out(&o));
    let token = String::from_utf8_lossy(&o.stdout).trim().to_string();
    assert_eq!(token.len(), 64);
    let o = wushe(db, &["audit", "verify"], None);
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("audit chain intact: 4 entries"), "{}", out(&o));
    let o = wushe(db, &["open311", "key", "add", "city-app", "--community", "440199001001"], None);
    assert!(o.status.success(), "{}", out(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim().len(), 48);
    let o = wushe(db, &["open311", "key", "add", "city-app", "--community", "440199001001"], None);
    assert!(!o.status.success() && out(&o).contains("name: errors.open311.key_exists"), "{}", out(&o));
    assert!(out(&wushe(db, &["open311", "key", "list"], None)).contains("440199001001\tcity-app\tactive"));
    assert!(wushe(db, &["open311", "key", "revoke", "city-app", "--community", "440199001001"], None).status.success());
    assert!(out(&wushe(db, &["open311", "key", "list"], None)).contains("city-app\trevoked"));
}

#[test]
fn an_operator_sets_up_a_community_from_the_command_line() {
    let db = temp_db("operator");
    operator_story(&db);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_commands_work_on_postgresql() {
    let Some(url) = wushe_testkit::fresh_pg_url("cli_on_postgres").await else {
        return;
    };
    let u = url.clone();
    tokio::task::spawn_blocking(move || operator_story(&u)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_generator_is_deterministic_and_tampering_is_detected() {
    let a = temp_db("det-a");
    let b = temp_db("det-b");
    for db in [&a, &b] {
        let o = wushe(db, &["demo", "--communities", "1", "--households-per-community", "80", "--seed", "42"], None);
        assert!(o.status.success(), "{}", out(&o));
    }
    let mut digests = Vec::new();
    for db in [&a, &b] {
        let conn = wushe_app::Db::connect(db).await.unwrap();
        let rows: Vec<(String, String)> = sqlx::query_as("SELECT name, COALESCE(phone, '') FROM people ORDER BY id")
            .fetch_all(&conn.pool)
            .await
            .unwrap();
        assert!(rows.len() > 150);
        digests.push(rows);
        conn.pool.close().await;
    }
    assert_eq!(digests[0], digests[1], "same seed, same residents");
    let conn = wushe_app::Db::connect(&a).await.unwrap();
    let o = wushe(&a, &["user", "add", "bob", "--password-stdin"], Some("long enough secret"));
    assert!(o.status.success());
    sqlx::query("UPDATE audit_log SET subject = 'user:mallory'").execute(&conn.pool).await.unwrap();
    conn.pool.close().await;
    let o = wushe(&a, &["audit", "verify"], None);
    assert!(!o.status.success());
    assert!(out(&o).contains("audit chain broken at entry 1"), "{}", out(&o));
}

#[test]
fn serve_starts_answers_health_checks_and_stops_on_sigterm() {
    let db = temp_db("serve");
    let mut child = Command::new(env!("CARGO_BIN_EXE_wushe"))
        .args(["--database", &db, "serve", "--addr", "127.0.0.1:0"])
        .env("WUSHE_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("serve printed nothing").unwrap();
        if let Some(rest) = line.strip_prefix("listening on http://") {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut resp = String::new();
    std::io::Read::read_to_string(&mut s, &mut resp).unwrap();
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "clean exit on SIGTERM: {exit:?}");
    assert_eq!(lines.next().map(|l| l.unwrap()), Some("stopped".to_string()));
}
