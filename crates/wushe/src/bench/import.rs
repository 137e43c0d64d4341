//! `wushe bench import`: one community's import beside another's submissions.

use super::load::{ms, percentile, temp_sqlite};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wushe_app::{Clock, Db, SystemClock, demo};

/// The resident of S社区's first household (the demo's `resident.s`), as an actor.
pub(crate) async fn resident_of(db: &Db) -> Result<wushe_app::Actor, wushe_app::AppError> {
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

pub(crate) async fn import_bench(
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
