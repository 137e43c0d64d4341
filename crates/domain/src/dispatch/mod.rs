//! Dispatch (E3, 调度/派单): who checks on which vulnerable resident when an incident starts.
//!
//! The problem, in integers: each check-in task goes to one helper (a volunteer or a grid
//! worker) who has the task's skill, lives within `REACH_M` metres (Manhattan: people walk
//! along streets) and still has capacity, or stays unassigned. The cost of an assigned task is
//! its walking distance × its priority; an unassigned one costs `UNASSIGNED_PER_PRIORITY` ×
//! priority, more than any walk, so a task is left over only when nobody can take it. The
//! solver is an exact auction (`auction`), proved optimal by its own dual bound (`bound`);
//! `greedy` is the nearest-first dispatcher it is measured against, and `synthetic` the
//! deterministic district the benchmarks run on. The same code serves `wushe dispatch solve`
//! and the product's emergency dispatch.

mod auction;
mod bound;
mod candidates;
mod greedy;
pub mod synthetic;

pub use auction::{solve, solve_within};
pub use bound::lower_bound;
pub use candidates::{Candidates, Reach};
pub use greedy::greedy;

use crate::error::FieldError;

/// The farthest a helper is sent, in metres of Manhattan distance.
pub const REACH_M: i64 = 800;
/// The cost of leaving a task unassigned, per unit of priority.
pub const UNASSIGNED_PER_PRIORITY: i64 = 10_000;

code_enum!(
    /// What a check-in needs of its helper (`DIR/tasks.csv` and helpers' skills use the codes).
    Skill, "skill", "errors.dispatch.skill" {
    General => "general",
    Medical => "medical",
    Mobility => "mobility",
    Language => "language",
});

impl Skill {
    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A helper's skills as a set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Skills(u8);

impl Skills {
    pub fn of(skills: &[Skill]) -> Self {
        Skills(skills.iter().fold(0, |acc, s| acc | s.bit()))
    }
    /// Parses `;`-joined codes (`general;medical`); an empty text is no skill.
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let mut set = Skills::default();
        for code in s.split(';').map(str::trim).filter(|c| !c.is_empty()) {
            set.0 |= Skill::parse(code)?.bit();
        }
        Ok(set)
    }
    pub fn has(self, skill: Skill) -> bool {
        self.0 & skill.bit() != 0
    }

    /// What a volunteer's own words for their skills (V1 keeps them as written) mean for a
    /// check-in: anyone can make a general one; the words below add medical, mobility or
    /// language help.
    pub fn from_words<'a>(words: impl IntoIterator<Item = &'a str>) -> Skills {
        let mut set = Skills::of(&[Skill::General]);
        for w in words {
            let w = w.trim().to_lowercase();
            for (skill, known) in WORDS {
                if known.iter().any(|k| w.contains(k)) {
                    set.0 |= skill.bit();
                }
            }
        }
        set
    }
}

/// Words in volunteers' skill lists that make them fit for a skilled check-in.
const WORDS: [(Skill, &[&str]); 3] = [
    (Skill::Medical, &["急救", "医疗", "医生", "护士", "护理", "陪诊", "medical", "first aid", "nurse", "doctor"]),
    (Skill::Mobility, &["搬运", "轮椅", "助行", "驾驶", "背运", "mobility", "wheelchair", "driving"]),
    (Skill::Language, &["外语", "英语", "手语", "方言", "翻译", "language", "sign", "interpret"]),
];

/// How urgent a task is: 1 to 3, 3 most urgent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Priority(u8);

impl Priority {
    pub const LOW: Priority = Priority(1);
    pub const HIGH: Priority = Priority(3);
    pub fn new(p: i64) -> Result<Self, FieldError> {
        match p {
            1..=3 => Ok(Priority(p as u8)),
            _ => Err(FieldError::new("priority", "errors.dispatch.priority")),
        }
    }
    pub fn get(self) -> i64 {
        i64::from(self.0)
    }
}

/// Someone who can be sent: where they are, how many tasks they take, what they can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Helper {
    pub x: i32,
    pub y: i32,
    pub capacity: u32,
    pub skills: Skills,
}

/// A check-in to be made: where, what it needs, how urgent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Task {
    pub x: i32,
    pub y: i32,
    pub skill: Skill,
    pub priority: Priority,
}

/// The candidate graph the product solves on: every helper in reach for a community-sized
/// incident (the exact optimum), the nearest few per sector beyond that (docs/benchmarks.md
/// measures what it gives up).
pub fn reach_for(tasks: usize) -> Reach {
    if tasks <= EXACT_UP_TO { Reach::All } else { Reach::Sectors(2) }
}

/// Up to this many tasks the product dispatches exactly; beyond, on the sector graph and to
/// within `NEAR_PPM` of its optimum.
pub const EXACT_UP_TO: usize = 2_000;
pub const NEAR_PPM: i64 = 1_000;

/// How the product dispatches: the candidate graph for the size, then the solver.
pub fn plan(tasks: &[Task], helpers: &[Helper]) -> Solution {
    let reach = reach_for(tasks.len());
    let cands = Candidates::build(tasks, helpers, reach);
    let ppm = if reach == Reach::All { 0 } else { NEAR_PPM };
    solve_within(tasks, helpers, &cands, ppm)
}

/// Walking distance in metres along a street grid.
pub fn distance(ax: i32, ay: i32, bx: i32, by: i32) -> i64 {
    (i64::from(ax) - i64::from(bx)).abs() + (i64::from(ay) - i64::from(by)).abs()
}

impl Task {
    /// Whether `h` may take this task at all (skill and reach; capacity is the solver's).
    pub fn fits(&self, h: &Helper) -> bool {
        h.capacity > 0 && h.skills.has(self.skill) && distance(self.x, self.y, h.x, h.y) <= REACH_M
    }
    pub fn unassigned_cost(&self) -> i64 {
        UNASSIGNED_PER_PRIORITY * self.priority.get()
    }
}

/// An assignment: for each task, the index of its helper or `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub helper_of: Vec<Option<u32>>,
}

/// Why an assignment breaks the rules (a helper over capacity, a task out of reach…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Infeasible {
    Length,
    UnknownHelper { task: usize },
    Unfit { task: usize },
    OverCapacity { helper: usize },
}

impl Assignment {
    pub fn unassigned(&self) -> usize {
        self.helper_of.iter().filter(|h| h.is_none()).count()
    }

    /// The objective, after checking every rule: the one judge of any solver's answer.
    pub fn cost(&self, tasks: &[Task], helpers: &[Helper]) -> Result<i64, Infeasible> {
        if self.helper_of.len() != tasks.len() {
            return Err(Infeasible::Length);
        }
        let mut load = vec![0u32; helpers.len()];
        let mut cost = 0;
        for (i, (task, h)) in tasks.iter().zip(&self.helper_of).enumerate() {
            match h {
                None => cost += task.unassigned_cost(),
                Some(h) => {
                    let helper = helpers.get(*h as usize).ok_or(Infeasible::UnknownHelper { task: i })?;
                    if !task.fits(helper) {
                        return Err(Infeasible::Unfit { task: i });
                    }
                    load[*h as usize] += 1;
                    if load[*h as usize] > helper.capacity {
                        return Err(Infeasible::OverCapacity { helper: *h as usize });
                    }
                    cost += distance(task.x, task.y, helper.x, helper.y) * task.priority.get();
                }
            }
        }
        Ok(cost)
    }
}

/// What the exact solver returns: the assignment, its cost and the dual prices that prove it.
#[derive(Debug, Clone)]
pub struct Solution {
    pub assignment: Assignment,
    pub cost: i64,
    /// The price of one more place with each helper (the capacity constraints' duals).
    pub prices: Prices,
}

/// Helpers' prices in units of 1/`scale` of a cost (the auction works in finer units).
#[derive(Debug, Clone)]
pub struct Prices {
    pub per_helper: Vec<i64>,
    pub scale: i64,
}

#[cfg(test)]
mod tests;
