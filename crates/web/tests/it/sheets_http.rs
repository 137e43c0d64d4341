//! The ledger and the resource database as sheets over HTTP: export, re-import, bad cells,
//! inert formulas and typed cells, on both engines where it matters.

use reqwest::StatusCode;
use serde_json::{Value, json};
use wushe_testkit::{Engine, TestApp};

async fn upload(app: &TestApp, c: &reqwest::Client, community: &str, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    upload_to(app, c, &format!("/communities/{community}/needs/import"), name, bytes).await
}

/// Posts a file to an import page's form, as the browser would.
async fn upload_to(app: &TestApp, c: &reqwest::Client, path: &str, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let page = c.get(app.url(path)).send().await.unwrap().text().await.unwrap();
    let csrf = page.split("import?csrf=").nth(1).unwrap().split('"').next().unwrap().to_string();
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()));
    c.post(app.url(&format!("{path}?csrf={csrf}"))).multipart(form).send().await.unwrap()
}

fn rows_without_ids(csv_bytes: &[u8]) -> Vec<Vec<String>> {
    let t = wushe_app::sheets::read(csv_bytes, &Default::default()).unwrap();
    assert_eq!(t.headers[..4], ["编号", "标题", "内容", "类别"]);
    let mut rows: Vec<Vec<String>> = t
        .rows
        .into_iter()
        .map(|mut r| {
            r.remove(0);
            r
        })
        .collect();
    rows.sort();
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ledger_exported_and_reimported_into_an_empty_community_round_trips() {
    let source = TestApp::spawn(Engine::Sqlite, "ledger_source").await.unwrap();
    let admin = source.login_as("admin.s").await;
    let csv = admin.get(source.url("/communities/510104001001/needs/export.csv")).send().await.unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.bytes().await.unwrap().to_vec();
    assert!(csv.starts_with(&[0xEF, 0xBB, 0xBF]), "BOM for spreadsheet programs");
    let original = rows_without_ids(&csv);
    assert_eq!(original.len(), 1200, "the demo ledger of S社区");
    let xlsx = admin
        .get(source.url("/communities/510104001001/needs/export.xlsx?status=confirmed"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let sheet = wushe_app::sheets::read(&xlsx, &Default::default()).unwrap();
    assert!(!sheet.rows.is_empty() && sheet.rows.iter().all(|r| r[10] == "已确认"), "filters apply to exports");
    // Into the same community in a fresh database whose ledger is empty.
    let target = TestApp::spawn(Engine::Sqlite, "ledger_target").await.unwrap();
    for sql in ["DELETE FROM need_events", "DELETE FROM whistles", "DELETE FROM needs"] {
        wushe_testkit::sqlx::query(sql).execute(&target.db.pool).await.unwrap();
    }
    let admin2 = target.login_as("admin.s").await;
    let r = upload(&target, &admin2, "510104001001", "台账.csv", csv.clone()).await;
    let status = r.status();
    let page = r.text().await.unwrap();
    assert_eq!(
        status,
        StatusCode::OK,
        "{}",
        &page[page.find("import-errors").unwrap_or(0)..].chars().take(600).collect::<String>()
    );
    assert!(page.contains("已导入 1200 条需求"));
    let again = admin2
        .get(target.url("/communities/510104001001/needs/export.csv"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    assert_eq!(rows_without_ids(&again), original);
    // The community's own export imported again is matched by 编号: nothing is added twice.
    let r = upload(&target, &admin2, "510104001001", "again.csv", again).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("已导入 0 条需求，跳过已有的 1200 条"));
    let count: (i64,) =
        wushe_testkit::sqlx::query_as("SELECT COUNT(*) FROM needs").fetch_one(&target.db.pool).await.unwrap();
    assert_eq!(count.0, 1200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_ledger_names_each_bad_cell_and_imports_nothing() {
    for engine in Engine::BOTH {
        let Some(app) = TestApp::spawn(engine, "ledger_errors").await else { continue };
        let admin = app.login_as("admin.s").await;
        let before: (i64,) =
            wushe_testkit::sqlx::query_as("SELECT COUNT(*) FROM needs").fetch_one(&app.db.pool).await.unwrap();
        let csv = "标题,内容,类别,区域编码,提交时间,状态\n\
                   楼道堆物,楼道堆满杂物,楼道堆物,510104001001010010001,2026-11-01 10:00,已提交\n\
                   ,没有标题,楼道堆物,510104001001010010001,2026-11-01 10:00,已提交\n\
                   外星人,无,飞碟,310106001001,昨天,飞走了\n";
        let r = upload(&app, &admin, "510104001001", "bad.csv", csv.as_bytes().to_vec()).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = r.text().await.unwrap();
        let table = page.split("id=\"import-errors\"").nth(1).expect("error table");
        for (row, col) in [("3", "标题"), ("4", "类别"), ("4", "区域编码"), ("4", "提交时间"), ("4", "状态")]
        {
            assert!(table.contains(&format!("<td>{row}</td><td>{col}</td>")), "row {row} column {col} in {table}");
        }
        assert!(!table.contains("<td>2</td>"), "the good row is not reported");
        let after: (i64,) =
            wushe_testkit::sqlx::query_as("SELECT COUNT(*) FROM needs").fetch_one(&app.db.pool).await.unwrap();
        assert_eq!(before, after, "all or nothing ({engine:?})");
        // The API names the same cells.
        let r = admin
            .post(app.url("/api/v1/communities/510104001001/needs/import"))
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let p: Value = r.json().await.unwrap();
        let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert!(fields.contains(&"row:3:标题") && fields.contains(&"row:4:类别"), "{fields:?}");
        // A file that is no spreadsheet at all.
        let r = upload(&app, &admin, "510104001001", "x.xlsx", b"PK\x03\x04garbage".to_vec()).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        // Missing required columns are named on row 1.
        let r = upload(&app, &admin, "510104001001", "cols.csv", "标题\n只有标题\n".as_bytes().to_vec()).await;
        let page = r.text().await.unwrap();
        assert!(page.contains("<td>1</td><td>内容</td>") && page.contains("缺少此列"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_keep_formulas_inert_and_cells_typed() {
    let app = TestApp::spawn(Engine::Sqlite, "ledger_formulas").await.unwrap();
    let admin = app.login_as("admin.s").await;
    for title in [r#"=HYPERLINK("http://x","y")"#, "+cmd|' /C calc'!A0", "@SUM(1)"] {
        let r = app
            .post_json(
                &admin,
                "/api/v1/needs",
                &json!({"community_code": "510104001001", "channel": "hotline", "area_code": "51010400100101",
                          "category": "repairs", "title": title, "description": "-1"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    }
    let csv =
        admin.get(app.url("/communities/510104001001/needs/export.csv")).send().await.unwrap().bytes().await.unwrap();
    let text = String::from_utf8(csv.to_vec()).unwrap();
    assert!(text.contains(r#""'=HYPERLINK(""http://x"",""y"")""#), "CSV cells that would run are neutralised");
    assert!(text.contains("'+cmd|' /C calc'!A0") && text.contains("'@SUM(1)") && text.contains(",'-1,"));
    assert!(!text.replace("\r\n", "").contains('\n'), "every record ends in CRLF");
    // Reading it back undoes the neutralisation, so the round trip holds.
    let t = wushe_app::sheets::read(&csv, &Default::default()).unwrap();
    assert!(t.rows.iter().any(|r| r[1] == r#"=HYPERLINK("http://x","y")"# && r[2] == "-1"));
    let resources = admin
        .get(app.url("/communities/510104001001/resources/export.csv"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(resources.ends_with("\r\n") && !resources.replace("\r\n", "").contains('\n'));

    // In .xlsx, numbers and times are typed cells and text stays text.
    use calamine::{Data, Reader, Xlsx};
    let xlsx =
        admin.get(app.url("/communities/510104001001/needs/export.xlsx")).send().await.unwrap().bytes().await.unwrap();
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx.to_vec())).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<&[Data]> = range.rows().collect();
    let col = |h: &str| rows[0].iter().position(|c| matches!(c, Data::String(s) if s == h)).unwrap();
    let formula_row = rows.iter().find(|r| r[col("标题")].to_string().starts_with("=HYPERLINK")).unwrap();
    assert!(matches!(formula_row[col("标题")], Data::String(_)), "a formula-like title is a string cell");
    assert!(matches!(formula_row[col("编号")], Data::Float(_) | Data::Int(_)), "{:?}", formula_row[col("编号")]);
    assert!(matches!(formula_row[col("提交时间")], Data::DateTime(_)), "{:?}", formula_row[col("提交时间")]);
    assert!(matches!(formula_row[col("区域编码")], Data::String(_)), "codes stay text");
    let rated = rows.iter().find(|r| !matches!(r[col("满意度")], Data::Empty) && r != &&rows[0]).unwrap();
    assert!(matches!(rated[col("满意度")], Data::Float(_) | Data::Int(_)));
    // And an .xlsx reads back to the same text as the CSV.
    let back = wushe_app::sheets::read(&xlsx, &Default::default()).unwrap();
    // A time at exactly 00:00:00 is an integral date serial in .xlsx and reads back as the date
    // alone (the cell carries no "has a time" flag); the demo ledger's thousands of times hit a
    // midnight second now and then, so compare such cells as the date they are.
    let midnight = |r: &Vec<String>| r.iter().map(|c| c.strip_suffix(" 00:00:00").unwrap_or(c).to_string()).collect();
    let csv_rows: std::collections::BTreeSet<Vec<String>> = t.rows.iter().map(midnight).collect();
    let back = wushe_app::sheets::Table { rows: back.rows.iter().map(midnight).collect(), ..back };
    assert!(back.rows.iter().all(|r| csv_rows.contains(r)), "xlsx and csv exports read back alike");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resource_sheet_round_trips_booking_rules_and_names_categories() {
    let app = TestApp::spawn(Engine::Sqlite, "resources_round_trip").await.unwrap();
    let admin = app.login_as("admin.s").await;
    let csv = admin
        .get(app.url("/communities/510104001001/resources/export.csv"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let t = wushe_app::sheets::read(&csv, &Default::default()).unwrap();
    let col = |h: &str| t.headers.iter().position(|x| x == h).unwrap_or_else(|| panic!("column {h}"));
    let hall = t.rows.iter().find(|r| r[col("名称")] == "红色议事厅").unwrap().clone();
    assert_eq!(hall[col("可预约对象")], "社会组织、志愿者和社区工作人员");
    assert_eq!(hall[col("单次最长（分钟）")], "180");
    assert_eq!(hall[col("预约审核")], "需审核");
    let codes: Vec<String> = wushe_domain::needs::DEFAULT_CATEGORIES.iter().map(|c| c.0.to_string()).collect();
    let names: Vec<String> = wushe_domain::needs::DEFAULT_CATEGORIES.iter().map(|c| c.1.to_string()).collect();
    let with_categories: Vec<&Vec<String>> = t.rows.iter().filter(|r| !r[col("服务类别")].is_empty()).collect();
    assert!(!with_categories.is_empty());
    for r in with_categories {
        for word in r[col("服务类别")].split_whitespace() {
            assert!(names.contains(&word.to_string()) && !codes.contains(&word.to_string()), "{word}");
        }
    }
    // Imported back (renamed, so it is a new row), every field is what was exported.
    let mut copy = hall.clone();
    copy[col("名称")] = "红色议事厅副本".into();
    let sheet = wushe_app::sheets::Table { headers: t.headers.clone(), rows: vec![copy] };
    let r = upload_to(
        &app,
        &admin,
        "/communities/510104001001/resources/import",
        "r.csv",
        wushe_app::sheets::to_csv(&sheet).unwrap(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let again = admin
        .get(app.url("/communities/510104001001/resources/export.csv"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let t2 = wushe_app::sheets::read(&again, &Default::default()).unwrap();
    let mut copied = t2.rows.iter().find(|r| r[col("名称")] == "红色议事厅副本").unwrap().clone();
    copied[col("名称")] = "红色议事厅".into();
    assert_eq!(copied, hall);
}
