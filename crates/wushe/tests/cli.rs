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
    let o = wushe(
        db,
        &["user", "add", "Alice", "--password-stdin", "--name", "爱丽丝", "--email", "alice@Example.org"],
        Some("long enough secret\n"),
    );
    assert!(o.status.success(), "{}", out(&o));
    let o = wushe(db, &["user", "add", "eve", "--password-stdin", "--email", "eve@"], Some("long enough secret\n"));
    assert!(!o.status.success() && out(&o).contains("email: errors.email.invalid"), "{}", out(&o));
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
    assert!(out(&o).contains("audit chain intact: 5 entries"), "{}", out(&o));
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
    sqlx::query("UPDATE audit_entries SET subject = 'user:mallory'").execute(&conn.pool).await.unwrap();
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

/// A running `wushe serve` on a fresh SQLite file, with one community and an admin token.
struct Served {
    child: std::process::Child,
    base: String,
    token: String,
}

impl Served {
    fn start(name: &str, env: &[(&str, &str)]) -> Served {
        let db = temp_db(name);
        let o = wushe(&db, &["demo", "--communities", "1", "--households-per-community", "20", "--seed", "3"], None);
        assert!(o.status.success(), "{}", out(&o));
        let o = wushe(&db, &["user", "add", "importer", "--password-stdin"], Some("long enough secret\n"));
        assert!(o.status.success(), "{}", out(&o));
        assert!(wushe(&db, &["user", "grant", "importer", "community_admin", "440199001001"], None).status.success());
        let o = wushe(&db, &["token", "create", "importer", "--name", "uploads"], None);
        let token = String::from_utf8_lossy(&o.stdout).trim().to_string();
        let mut child = Command::new(env!("CARGO_BIN_EXE_wushe"))
            .args(["--database", &db, "serve", "--addr", "127.0.0.1:0"])
            .env("WUSHE_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let base = loop {
            let line = lines.next().expect("serve printed nothing").unwrap();
            if let Some(rest) = line.strip_prefix("listening on ") {
                break rest.split_whitespace().next().unwrap().to_string();
            }
        };
        Served { child, base, token }
    }

    /// The most memory the server has held at once (VmHWM), in MiB.
    fn peak_mib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() / 1024
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in parts {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// A minimal workbook of one sheet whose XML is `sheet`.
fn workbook(sheet: &[u8]) -> Vec<u8> {
    const TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
    const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
    const BOOK: &str = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
    const BOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
    zip_of(&[
        ("[Content_Types].xml", TYPES.as_bytes()),
        ("_rels/.rels", RELS.as_bytes()),
        ("xl/workbook.xml", BOOK.as_bytes()),
        ("xl/_rels/workbook.xml.rels", BOOK_RELS.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet),
    ])
}

const NS: &str = r#"xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main""#;

fn inline(cell: &str, text: &str) -> String {
    format!(r#"<c r="{cell}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

/// A sheet with the ledger's required headers and `rows` (each a title and a description).
fn ledger_sheet(head: &str, rows: &[(&str, &str)], tail: &str) -> Vec<u8> {
    let mut x = format!(r#"<?xml version="1.0" encoding="UTF-8"?>{head}<worksheet {NS}><sheetData><row r="1">"#);
    for (c, h) in ["A1", "B1", "C1", "D1", "E1"].iter().zip(["标题", "内容", "类别", "区域编码", "提交时间"])
    {
        x.push_str(&inline(c, h));
    }
    x.push_str("</row>");
    for (i, (title, description)) in rows.iter().enumerate() {
        let r = i + 2;
        x.push_str(&format!(r#"<row r="{r}">"#));
        x.push_str(&inline(&format!("A{r}"), title));
        x.push_str(&inline(&format!("B{r}"), description));
        x.push_str(&inline(&format!("C{r}"), "老人照护"));
        x.push_str(&inline(&format!("D{r}"), "440199001001"));
        x.push_str(&inline(&format!("E{r}"), "2026-11-02 10:00:00"));
        x.push_str("</row>");
    }
    x.push_str(tail);
    x.push_str("</sheetData></worksheet>");
    x.into_bytes()
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_spreadsheets_get_a_4xx_in_bounded_memory_and_the_server_stays_up() {
    let served = Served::start("uploads", &[("WUSHE_IMPORT_MAX_UNZIPPED_MB", "32")]);
    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/communities/440199001001/needs/import", served.base);
    let post = |bytes: Vec<u8>, kind: &'static str| {
        client.post(&url).bearer_auth(&served.token).header("content-type", kind).body(bytes).send()
    };
    let healthy = || async {
        let r = client.get(format!("{}/healthz", served.base)).send().await.expect("server still answers");
        assert!(r.status().is_success());
    };
    // The fixtures are real workbooks: a good one imports, so a refusal below is the file's doing.
    let good = workbook(&ledger_sheet("", &[("楼道灯坏了", "三单元二楼")], ""));
    let r = post(good.clone(), XLSX).await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let before = served.peak_mib();

    let dimension_bomb = |cell: &str| {
        let row: String = cell.chars().filter(char::is_ascii_digit).collect();
        let tail = format!(r#"<row r="{row}"><c r="{cell}"><v>1</v></c></row>"#);
        let sheet = ledger_sheet("", &[("a", "b")], &tail)
            .replace_first(b"<sheetData>", br#"<dimension ref="A1:XFD1048576"/><sheetData>"#);
        workbook(&sheet)
    };
    let zip_bomb = workbook(&vec![b' '; 64 * 1024 * 1024]);
    let laughs = {
        let mut dtd = String::from(r#"<!DOCTYPE worksheet [<!ENTITY lol "lol">"#);
        for i in 1..10 {
            let prev = if i == 1 { "lol".to_string() } else { format!("lol{}", i - 1) };
            dtd.push_str(&format!(r#"<!ENTITY lol{i} "{}">"#, format!("&{prev};").repeat(10)));
        }
        dtd.push(']');
        dtd.push('>');
        workbook(&ledger_sheet(&dtd, &[("&lol9;", "&lol9;")], ""))
    };
    let xxe = workbook(&ledger_sheet(
        r#"<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>"#,
        &[("&xxe;", "&xxe;")],
        "",
    ));
    let truncated = good[..good.len() / 2].to_vec();
    let rows_csv = {
        let mut c = String::from("标题,内容,类别,区域编码,提交时间\n");
        for _ in 0..100_001 {
            c.push_str("t,d,老人照护,440199001001,2026-11-02 10:00\n");
        }
        c.into_bytes()
    };
    let cases: Vec<(&str, Vec<u8>, &str, u16, &str)> = vec![
        ("dimension bomb A1 + XFD1048576", dimension_bomb("XFD1048576"), XLSX, 413, "100000"),
        ("a cell in column XFD", dimension_bomb("XFD3"), XLSX, 413, "64"),
        ("dimension bomb A1 + T1048576", dimension_bomb("T1048576"), XLSX, 413, "100000"),
        ("zip bomb", zip_bomb, XLSX, 413, "32 MB"),
        ("billion laughs", laughs, XLSX, 422, ""),
        ("external entity", xxe, XLSX, 422, ""),
        ("truncated archive", truncated, XLSX, 422, ""),
        ("100,001 rows of CSV", rows_csv, "text/csv", 413, "100000"),
    ];
    for (name, bytes, kind, status, names) in cases {
        let r = post(bytes, kind).await.unwrap_or_else(|e| panic!("{name}: the server went away: {e}"));
        let got = r.status().as_u16();
        let body = r.text().await.unwrap();
        assert_eq!(got, status, "{name}: {body}");
        assert!(body.contains(names), "{name}: the answer names the limit {names}: {body}");
        assert!(!body.contains("root:"), "{name}: nothing of the server's files leaks: {body}");
        healthy().await;
    }
    let peak = served.peak_mib();
    assert!(peak < before + 200, "memory stayed bounded: {before} MiB before, {peak} MiB at the peak");

    // A file of many bad rows answers with the first 200 problems and their count.
    let bad: Vec<(&str, &str)> = (0..1000).map(|_| ("", "没有标题")).collect();
    let r = post(workbook(&ledger_sheet("", &bad, "")), XLSX).await.unwrap();
    assert_eq!(r.status(), 422);
    let p: serde_json::Value = r.json().await.unwrap();
    assert_eq!(p["errors"].as_array().unwrap().len(), 200, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("1000"), "{p}");
    healthy().await;
}

trait ReplaceFirst {
    fn replace_first(self, from: &[u8], to: &[u8]) -> Vec<u8>;
}

impl ReplaceFirst for Vec<u8> {
    fn replace_first(self, from: &[u8], to: &[u8]) -> Vec<u8> {
        match self.windows(from.len()).position(|w| w == from) {
            Some(i) => [&self[..i], to, &self[i + from.len()..]].concat(),
            None => self,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn points_verify_names_an_account_that_differs_from_its_ledger() {
    let db = temp_db("points");
    let conn = wushe_app::Db::connect(&db).await.unwrap();
    conn.migrate().await.unwrap();
    wushe_app::demo::seed_papers(&conn, 1_780_000_000_000, 2026).await.unwrap();
    let o = wushe(&db, &["points", "verify"], None);
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("points ledger consistent"), "{}", out(&o));
    let id: i64 = sqlx::query_scalar(
        "SELECT v.id FROM volunteers v JOIN users u ON u.id = v.user_id WHERE u.username = 'volunteer.s'",
    )
    .fetch_one(&conn.pool)
    .await
    .unwrap();
    sqlx::query("UPDATE volunteers SET balance = balance - 5 WHERE id = $1")
        .bind(id)
        .execute(&conn.pool)
        .await
        .unwrap();
    conn.pool.close().await;
    let o = wushe(&db, &["points", "verify"], None);
    assert!(!o.status.success());
    assert!(out(&o).contains(&format!("volunteer {id} of community 510104001001")), "{}", out(&o));
}

/// `wushe dispatch solve DIR` as the interface contract of issue 14 states it: the files it
/// reads and writes, its last line, and a clear message naming line and column for bad input.
#[test]
fn dispatch_solve_reads_an_instance_and_writes_the_assignment() {
    let dir = std::env::temp_dir().join(format!("wushe-cli-{}-dispatch", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let d = dir.display().to_string();
    // Two tasks near one medical volunteer with one place: the urgent one is served; the
    // language task has nobody who speaks it; the far task is out of reach.
    std::fs::write(
        dir.join("volunteers.csv"),
        "id,x,y,capacity,skills\nv-a,0,0,1,general;medical\nv-b,300,0,2,general\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("tasks.csv"),
        "id,x,y,skill,priority\nt1,10,0,medical,1\nt2,0,20,medical,3\nt3,5,5,language,2\nt4,5000,0,general,1\nt5,290,0,general,2\n",
    )
    .unwrap();
    let o = wushe("sqlite://unused.db", &["dispatch", "solve", &d], None);
    assert!(o.status.success(), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    let last = text.lines().last().unwrap();
    // t2 to v-a (20 m × 3), t5 to v-b (10 m × 2); t1, t3, t4 unassigned: 10,000 × (1 + 2 + 1).
    assert!(last.starts_with("cost=40080 unassigned=3 seconds="), "{last}");
    let seconds: f64 = last.rsplit('=').next().unwrap().parse().unwrap();
    assert!(seconds >= 0.0);
    let assignment = std::fs::read_to_string(dir.join("assignment.csv")).unwrap();
    assert_eq!(assignment, "task_id,volunteer_id\nt1,\nt2,v-a\nt3,\nt4,\nt5,v-b\n");

    let o = wushe("sqlite://unused.db", &["dispatch", "solve", &d, "--greedy"], None);
    assert!(o.status.success(), "{}", out(&o));
    // Nearest-first serves t2 (urgent) first here too, so greedy happens to match.
    assert!(String::from_utf8_lossy(&o.stdout).lines().last().unwrap().starts_with("cost=40080 unassigned=3"));

    std::fs::write(dir.join("tasks.csv"), "id,x,y,skill,priority\nt1,10,0,medical,4\n").unwrap();
    let o = wushe("sqlite://unused.db", &["dispatch", "solve", &d], None);
    assert!(!o.status.success());
    assert!(out(&o).contains("tasks.csv line 2, column priority"), "{}", out(&o));
    std::fs::write(dir.join("tasks.csv"), "id,x,y,skill,priority\nt1,ten,0,medical,1\n").unwrap();
    assert!(out(&wushe("sqlite://unused.db", &["dispatch", "solve", &d], None)).contains("tasks.csv line 2, column x"));
    std::fs::write(dir.join("tasks.csv"), "id,x,y,skill,priority\nt1,1,0,cooking,1\n").unwrap();
    assert!(
        out(&wushe("sqlite://unused.db", &["dispatch", "solve", &d], None)).contains("tasks.csv line 2, column skill")
    );
    std::fs::write(dir.join("tasks.csv"), "id,x,y,skill,priority\nt1,1,0,general,1\nt1,2,0,general,1\n").unwrap();
    assert!(
        out(&wushe("sqlite://unused.db", &["dispatch", "solve", &d], None))
            .contains("the id `t1` appears more than once")
    );
    std::fs::write(dir.join("tasks.csv"), "id,x,y,skill\n").unwrap();
    assert!(out(&wushe("sqlite://unused.db", &["dispatch", "solve", &d], None)).contains("the first line must be"));
    std::fs::write(dir.join("volunteers.csv"), "id,x,y,capacity,skills\nv,1,1,-1,general\n").unwrap();
    std::fs::write(dir.join("tasks.csv"), "id,x,y,skill,priority\n").unwrap();
    assert!(
        out(&wushe("sqlite://unused.db", &["dispatch", "solve", &d], None))
            .contains("volunteers.csv line 2, column capacity")
    );

    // The generator writes instances the solver reads back.
    let o = wushe(
        "sqlite://unused.db",
        &["dispatch", "generate", &d, "--tasks", "400", "--volunteers", "100", "--seed", "3"],
        None,
    );
    assert!(o.status.success(), "{}", out(&o));
    let o = wushe("sqlite://unused.db", &["dispatch", "solve", &d], None);
    assert!(o.status.success(), "{}", out(&o));
    assert_eq!(std::fs::read_to_string(dir.join("assignment.csv")).unwrap().lines().count(), 401);
    let _ = std::fs::remove_dir_all(&dir);
}
