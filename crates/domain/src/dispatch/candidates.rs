//! The candidate graph: for each task, the helpers who may take it, nearest first.
//!
//! Helpers are bucketed by skill into square cells as wide as the reach, so a task looks at
//! the 3 × 3 cells around its own and measures only those. The cells are found by binary
//! search in a sorted key list rather than a dense grid, so coordinates far apart (a typo in a
//! file) cost nothing extra.
//!
//! `Reach::All` keeps every helper in reach: the graph the exact optimum is defined on.
//! `Reach::Sectors(k)` keeps, around each task, the nearest `k` in each of 24 sectors (8
//! directions × 3 rings: under 200 m, under 500 m, to 800 m). Plain k-nearest would be worse:
//! in a crowded compound a task's nearest helpers are all its own compound's, which are all
//! taken, and the helpers with room one compound over would not be candidates at all. Sectors
//! keep a way out in every direction, so chains of moves can still reach spare places.

use super::{Helper, REACH_M, Skill, Task, distance};

/// Tasks' candidate helpers in compressed rows: task `t`'s are `helper[start[t]..start[t+1]]`.
#[derive(Debug, Clone, Default)]
pub struct Candidates {
    start: Vec<u32>,
    helper: Vec<u32>,
    cost: Vec<i32>,
}

fn cell(v: i32) -> i64 {
    i64::from(v).div_euclid(REACH_M)
}

/// A bucket key: skill, then cell column, then cell row, packed so that sorting groups them.
fn key(skill: Skill, cx: i64, cy: i64) -> u64 {
    const OFFSET: i64 = 1 << 23;
    ((skill as u64) << 48) | (((cx + OFFSET) as u64) << 24) | ((cy + OFFSET) as u64)
}

/// Which helpers in reach become a task's candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    All,
    Sectors(usize),
}

const SECTORS: usize = 24;

/// The sector of a helper at offset (dx, dy) and distance d from a task.
fn sector(dx: i64, dy: i64, d: i64) -> usize {
    let octant = (usize::from(dx < 0) << 2) | (usize::from(dy < 0) << 1) | usize::from(dx.abs() < dy.abs());
    let ring = if d < 200 {
        0
    } else if d < 500 {
        1
    } else {
        2
    };
    octant * 3 + ring
}

impl Candidates {
    pub fn build(tasks: &[Task], helpers: &[Helper], reach: Reach) -> Self {
        // (key, helper) for every skill of every helper with room for at least one task.
        let mut entries: Vec<(u64, u32)> = Vec::with_capacity(helpers.len() * 2);
        for (i, h) in helpers.iter().enumerate() {
            if h.capacity == 0 {
                continue;
            }
            for &s in Skill::ALL.iter().filter(|s| h.skills.has(**s)) {
                entries.push((key(s, cell(h.x), cell(h.y)), i as u32));
            }
        }
        entries.sort_unstable();
        let keys: Vec<u64> = {
            let mut k: Vec<u64> = entries.iter().map(|e| e.0).collect();
            k.dedup();
            k
        };
        let mut bucket_start = Vec::with_capacity(keys.len() + 1);
        let mut e = 0;
        for k in &keys {
            bucket_start.push(e as u32);
            while e < entries.len() && entries[e].0 == *k {
                e += 1;
            }
        }
        bucket_start.push(entries.len() as u32);

        let mut out = Candidates { start: Vec::with_capacity(tasks.len() + 1), ..Default::default() };
        let mut near: Vec<(i32, u32)> = Vec::new();
        let per = match reach {
            Reach::All => 0,
            Reach::Sectors(k) => k.max(1),
        };
        // Each sector's nearest `per` so far, as (distance, helper), nearest first.
        let mut kept: Vec<(i32, u32)> = vec![(i32::MAX, 0); SECTORS * per];
        let mut count = [0usize; SECTORS];
        for t in tasks {
            out.start.push(out.helper.len() as u32);
            near.clear();
            let (cx, cy) = (cell(t.x), cell(t.y));
            for dx in -1..=1 {
                for dy in -1..=1 {
                    let Ok(b) = keys.binary_search(&key(t.skill, cx + dx, cy + dy)) else { continue };
                    for &(_, h) in &entries[bucket_start[b] as usize..bucket_start[b + 1] as usize] {
                        let hp = &helpers[h as usize];
                        let d = distance(t.x, t.y, hp.x, hp.y);
                        if d > REACH_M {
                            continue;
                        }
                        if per == 0 {
                            near.push((d as i32, h));
                            continue;
                        }
                        let b = sector(i64::from(hp.x) - i64::from(t.x), i64::from(hp.y) - i64::from(t.y), d);
                        let slot = &mut kept[b * per..b * per + per];
                        let n = count[b];
                        let item = (d as i32, h);
                        if n < per || item < slot[per - 1] {
                            // Insertion into a list of at most `per`, kept sorted.
                            let mut k = n.min(per - 1);
                            slot[k] = item;
                            while k > 0 && slot[k] < slot[k - 1] {
                                slot.swap(k, k - 1);
                                k -= 1;
                            }
                            count[b] = (n + 1).min(per);
                        }
                    }
                }
            }
            if per > 0 {
                for (b, n) in count.iter_mut().enumerate() {
                    near.extend_from_slice(&kept[b * per..b * per + *n]);
                    *n = 0;
                }
            }
            near.sort_unstable();
            let p = t.priority.get() as i32;
            for &(d, h) in &near {
                out.helper.push(h);
                out.cost.push(d * p);
            }
        }
        out.start.push(out.helper.len() as u32);
        out
    }

    pub fn tasks(&self) -> usize {
        self.start.len().saturating_sub(1)
    }

    pub fn edges(&self) -> usize {
        self.helper.len()
    }

    /// Task `t`'s candidates as (helper, cost), cheapest first.
    pub fn of(&self, t: usize) -> impl Iterator<Item = (u32, i64)> + '_ {
        let r = self.start[t] as usize..self.start[t + 1] as usize;
        self.helper[r.clone()].iter().copied().zip(self.cost[r].iter().map(|&c| i64::from(c)))
    }

    /// How many tasks name each helper, for sizing the helpers' lists.
    pub fn in_degree(&self, helpers: usize) -> Vec<u32> {
        let mut deg = vec![0u32; helpers];
        for &h in &self.helper {
            deg[h as usize] += 1;
        }
        deg
    }
}
