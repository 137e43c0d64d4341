//! `wushe dispatch …`: the dispatch optimiser as a tool on instance files, so it can be
//! checked against other solvers on the same instances (issue 14), and the generator of the
//! benchmark districts. The solving is `wushe_domain::dispatch`, the code the product runs.

use clap::Subcommand;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;
use wushe_domain::dispatch::{self, Assignment, Candidates, Helper, Priority, Reach, Skill, Skills, Task};

#[derive(Subcommand)]
pub enum DispatchCommand {
    /// Solves DIR/volunteers.csv (`id,x,y,capacity,skills`) × DIR/tasks.csv
    /// (`id,x,y,skill,priority`) into DIR/assignment.csv (`task_id,volunteer_id`); the last
    /// line printed is `cost=… unassigned=… seconds=…`. By default as the product dispatches:
    /// exactly up to 2,000 tasks, beyond that on the sector graph within 0.1% of its optimum.
    Solve {
        dir: PathBuf,
        /// The exact optimum over every helper in reach, whatever the size.
        #[arg(long)]
        exact: bool,
        /// The exact optimum on the graph of each task's nearest K helpers in each of 32
        /// sectors around it.
        #[arg(long)]
        per_sector: Option<usize>,
        /// Nearest-first instead of optimal (the baseline).
        #[arg(long)]
        greedy: bool,
    },
    /// Writes a generated district (clustered housing, scarce medical skill) to DIR.
    Generate {
        dir: PathBuf,
        #[arg(long, default_value_t = 1000)]
        tasks: usize,
        #[arg(long, default_value_t = 250)]
        volunteers: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

pub fn run(cmd: DispatchCommand) -> Result<(), Box<dyn std::error::Error>> {
    match cmd {
        DispatchCommand::Solve { dir, exact, per_sector, greedy } => {
            let started = Instant::now();
            let inst = Instance::read(&dir)?;
            let (tasks, helpers) = (&inst.tasks, &inst.helpers);
            let reach = |default| per_sector.map_or(default, Reach::Sectors);
            let assignment = if greedy {
                dispatch::greedy(tasks, helpers, &Candidates::build(tasks, helpers, reach(Reach::All)))
            } else if exact || per_sector.is_some() {
                dispatch::solve(tasks, helpers, &Candidates::build(tasks, helpers, reach(Reach::All))).assignment
            } else {
                dispatch::plan(tasks, helpers).assignment
            };
            let seconds = started.elapsed().as_secs_f64();
            let cost = assignment.cost(tasks, helpers).map_err(|e| format!("infeasible: {e:?}"))?;
            inst.write_assignment(&dir, &assignment)?;
            println!("tasks={} volunteers={}", tasks.len(), helpers.len());
            println!("cost={cost} unassigned={} seconds={seconds:.6}", assignment.unassigned());
        }
        DispatchCommand::Generate { dir, tasks, volunteers, seed } => {
            let d = dispatch::synthetic::district(tasks, volunteers, seed);
            let ids = |prefix: &str, n: usize| (0..n).map(|i| format!("{prefix}{i}")).collect::<Vec<_>>();
            let inst = Instance {
                task_ids: ids("t", tasks),
                helper_ids: ids("v", volunteers),
                tasks: d.tasks,
                helpers: d.helpers,
            };
            inst.write(&dir)?;
            println!("wrote {} tasks and {} volunteers to {}", tasks, volunteers, dir.display());
        }
    }
    Ok(())
}

/// An instance as read from or written to its two files.
pub struct Instance {
    pub task_ids: Vec<String>,
    pub helper_ids: Vec<String>,
    pub tasks: Vec<Task>,
    pub helpers: Vec<Helper>,
}

/// A bad line, named by file, line and column so the author can fix it.
fn bad(file: &str, line: u64, column: &str, why: &str) -> Box<dyn std::error::Error> {
    format!("{file} line {line}, column {column}: {why}").into()
}

fn records(path: &Path, header: &[&str]) -> Result<Vec<(u64, csv::StringRecord)>, Box<dyn std::error::Error>> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let got: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
    if got != header {
        return Err(format!("{name}: the first line must be `{}`, not `{}`", header.join(","), got.join(",")).into());
    }
    let mut out = Vec::new();
    for r in reader.records() {
        let r = r.map_err(|e| format!("{name}: {e}"))?;
        let line = r.position().map_or(0, |p| p.line());
        out.push((line, r));
    }
    Ok(out)
}

fn number<T: std::str::FromStr>(file: &str, line: u64, column: &str, s: &str) -> Result<T, Box<dyn std::error::Error>> {
    s.parse().map_err(|_| bad(file, line, column, &format!("`{s}` is not a whole number in range")))
}

impl Instance {
    pub fn read(dir: &Path) -> Result<Self, Box<dyn std::error::Error>> {
        let mut inst =
            Instance { task_ids: Vec::new(), helper_ids: Vec::new(), tasks: Vec::new(), helpers: Vec::new() };
        const V: &str = "volunteers.csv";
        for (line, r) in records(&dir.join(V), &["id", "x", "y", "capacity", "skills"])? {
            let skills = Skills::parse(&r[4]).map_err(|_| {
                bad(V, line, "skills", "skills are general, medical, mobility or language, joined by ;")
            })?;
            inst.helper_ids.push(r[0].to_string());
            inst.helpers.push(Helper {
                x: number(V, line, "x", &r[1])?,
                y: number(V, line, "y", &r[2])?,
                capacity: number(V, line, "capacity", &r[3])?,
                skills,
            });
        }
        const T: &str = "tasks.csv";
        for (line, r) in records(&dir.join(T), &["id", "x", "y", "skill", "priority"])? {
            let skill = Skill::parse(&r[3])
                .map_err(|_| bad(T, line, "skill", "a skill is general, medical, mobility or language"))?;
            let priority = Priority::new(number(T, line, "priority", &r[4])?)
                .map_err(|_| bad(T, line, "priority", "priority is 1, 2 or 3"))?;
            inst.task_ids.push(r[0].to_string());
            inst.tasks.push(Task { x: number(T, line, "x", &r[1])?, y: number(T, line, "y", &r[2])?, skill, priority });
        }
        if inst.helpers.len() >= u32::MAX as usize / 2 || inst.tasks.len() >= u32::MAX as usize / 2 {
            return Err("too many rows".into());
        }
        // An id names one row: the assignment file would be ambiguous otherwise.
        for (file, ids) in [(V, &inst.helper_ids), (T, &inst.task_ids)] {
            let mut seen = std::collections::HashSet::new();
            if let Some(dup) = ids.iter().find(|id| !seen.insert(id.as_str())) {
                return Err(format!("{file}: the id `{dup}` appears more than once").into());
            }
        }
        Ok(inst)
    }

    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let mut v = String::from("id,x,y,capacity,skills\n");
        for (id, h) in self.helper_ids.iter().zip(&self.helpers) {
            let skills: Vec<&str> = Skill::ALL.iter().filter(|s| h.skills.has(**s)).map(|s| s.code()).collect();
            let _ = writeln!(v, "{id},{},{},{},{}", h.x, h.y, h.capacity, skills.join(";"));
        }
        std::fs::write(dir.join("volunteers.csv"), v)?;
        let mut t = String::from("id,x,y,skill,priority\n");
        for (id, task) in self.task_ids.iter().zip(&self.tasks) {
            let _ = writeln!(t, "{id},{},{},{},{}", task.x, task.y, task.skill.code(), task.priority.get());
        }
        std::fs::write(dir.join("tasks.csv"), t)
    }

    pub fn write_assignment(&self, dir: &Path, a: &Assignment) -> std::io::Result<()> {
        let mut out = String::from("task_id,volunteer_id\n");
        for (id, h) in self.task_ids.iter().zip(&a.helper_of) {
            let _ = writeln!(out, "{id},{}", h.map_or("", |h| self.helper_ids[h as usize].as_str()));
        }
        std::fs::write(dir.join("assignment.csv"), out)
    }
}
