//! `wushe bench dispatch` (issue 14): the dispatch optimiser on generated districts of 1k, 10k
//! and 100k tasks, against the exact optimum on the full candidate graph, the greedy
//! nearest-first dispatcher and (with `--ortools PYTHON`) Google OR-Tools' min-cost flow on
//! the same full graph. `scripts/bench-dispatch` installs OR-Tools and runs it.

use std::io::Write as _;
use std::time::{Duration, Instant};
use wushe_domain::dispatch::{self, Candidates, Reach, synthetic};

pub fn dispatch_bench(sizes: &[usize], seed: u64, ortools: Option<&str>) -> Result<(), Box<dyn std::error::Error>> {
    println!("dispatch: generated districts (seed {seed}), volunteers = tasks / 4, capacities 2–6, reach 800 m");
    for &n in sizes {
        let d = synthetic::district(n, n / 4, seed);
        let (tasks, helpers) = (&d.tasks, &d.helpers);
        let reach = dispatch::reach_for(n);
        let reps = if n <= 10_000 { 7 } else { 1 };
        // Ours, as the product runs it: candidates for its reach, then the auction.
        let mut ours_time = Duration::MAX;
        let mut ours = None;
        for _ in 0..reps {
            let t = Instant::now();
            let sol = dispatch::plan(tasks, helpers);
            ours_time = ours_time.min(t.elapsed());
            ours = Some(sol);
        }
        let ours = ours.ok_or("no run")?;
        // The full graph: every helper in reach with the skill.
        let t = Instant::now();
        let full = Candidates::build(tasks, helpers, Reach::All);
        let full_build = t.elapsed();
        let t = Instant::now();
        let greedy = dispatch::greedy(tasks, helpers, &full);
        let greedy_time = full_build + t.elapsed();
        let greedy_cost = greedy.cost(tasks, helpers).map_err(|e| format!("{e:?}"))?;
        let t = Instant::now();
        let exact = dispatch::solve(tasks, helpers, &full);
        let exact_time = full_build + t.elapsed();
        let bound = dispatch::lower_bound(tasks, helpers, &full, &ours.prices);
        println!();
        println!("{} tasks / {} volunteers: full graph {} candidates, ours {:?}", n, n / 4, full.edges(), reach);
        let gap = |c: i64| 100.0 * (c - exact.cost) as f64 / exact.cost as f64;
        println!(
            "  exact (ours, full graph)   cost={} unassigned={} seconds={:.4}",
            exact.cost,
            exact.assignment.unassigned(),
            exact_time.as_secs_f64()
        );
        println!(
            "  ours (product)             cost={} unassigned={} seconds={:.4}  gap {:.3}%  proved gap ≤ {:.3}% (dual bound {})",
            ours.cost,
            ours.assignment.unassigned(),
            ours_time.as_secs_f64(),
            gap(ours.cost),
            100.0 * (ours.cost - bound) as f64 / bound.max(1) as f64,
            bound
        );
        println!(
            "  greedy nearest-first       cost={} unassigned={} seconds={:.4}  gap {:.3}%  (×{:.2} the time of ours)",
            greedy_cost,
            greedy.unassigned(),
            greedy_time.as_secs_f64(),
            gap(greedy_cost),
            greedy_time.as_secs_f64() / ours_time.as_secs_f64()
        );
        if let Some(python) = ortools {
            let dir = std::env::temp_dir().join(format!("wushe-dispatch-{n}"));
            std::fs::create_dir_all(&dir)?;
            let path = dir.join("arcs.bin");
            write_arcs(&path, &d, &full)?;
            let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/dispatch-ortools.py");
            let out = std::process::Command::new(python).arg(script).arg(&path).output()?;
            let _ = std::fs::remove_dir_all(&dir);
            let line = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if !out.status.success() {
                return Err(format!("OR-Tools: {}", String::from_utf8_lossy(&out.stderr)).into());
            }
            let field = |k: &str| {
                line.split_whitespace()
                    .find_map(|w| w.strip_prefix(k))
                    .and_then(|v| v.parse::<f64>().ok())
                    .unwrap_or(f64::NAN)
            };
            let (cost, build, solve) = (field("cost="), field("build_seconds="), field("solve_seconds="));
            println!(
                "  OR-Tools min-cost flow     cost={} unassigned={} seconds={:.4} (solve only; +{:.4} building its graph)  gap {:.3}%  ours ×{:.1} faster",
                cost,
                field("unassigned="),
                solve,
                build,
                gap(cost as i64),
                solve / ours_time.as_secs_f64()
            );
        }
    }
    Ok(())
}

/// The full candidate graph in the little-endian words `scripts/dispatch-ortools.py` reads.
fn write_arcs(path: &std::path::Path, d: &synthetic::District, full: &Candidates) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    let put = |v: i64, w: &mut std::io::BufWriter<std::fs::File>| w.write_all(&(v as i32).to_le_bytes());
    put(d.tasks.len() as i64, &mut w)?;
    put(d.helpers.len() as i64, &mut w)?;
    for t in &d.tasks {
        put(t.priority.get(), &mut w)?;
    }
    for h in &d.helpers {
        put(i64::from(h.capacity), &mut w)?;
    }
    for t in 0..d.tasks.len() {
        for (h, c) in full.of(t) {
            put(t as i64, &mut w)?;
            put(i64::from(h), &mut w)?;
            put(c, &mut w)?;
        }
    }
    w.flush()
}
