//! The candidate graph: for each task, the helpers who may take it, nearest first.
//!
//! Helpers are bucketed by skill into 100 m cells, and a task measures only the helpers in
//! the cells that the 800 m diamond around it touches (about 2.2 km² of cells for a 1.28 km²
//! diamond). Where the positions spread too far for a dense grid (a typo in a file, a region
//! instead of a district), 800 m cells found by binary search in a sorted key list take over,
//! so no input costs memory beyond its size.
//!
//! `Reach::All` keeps every helper in reach: the graph the exact optimum is defined on.
//! `Reach::Sectors(k)` keeps, around each task, the nearest `k` in each of 32 sectors: 8
//! directions × 4 rings of equal area (to 400, 566, 693 and 800 m). Plain k-nearest would be
//! worse: in a crowded compound a task's nearest helpers are all its own compound's, all taken,
//! and the helpers with room one compound over would not be candidates at all. Sectors keep a
//! way out in every direction and at every distance, so chains of moves reach spare places;
//! docs/benchmarks.md measures the layouts tried.

use super::{Helper, REACH_M, Skill, Task, distance};

/// Tasks' candidate helpers in compressed rows: task `t`'s are `helper[start[t]..start[t+1]]`.
#[derive(Debug, Clone, Default)]
pub struct Candidates {
    start: Vec<u32>,
    helper: Vec<u32>,
    cost: Vec<i32>,
}

/// Which helpers in reach become a task's candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    All,
    Sectors(usize),
}

const SECTORS: usize = 32;
/// The outer radius of each ring but the last, in metres: equal areas of the diamond.
const RINGS: [i64; 3] = [400, 566, 693];

/// The sector of a helper at offset (dx, dy) and distance d from a task.
fn sector(dx: i64, dy: i64, d: i64) -> usize {
    let octant = (usize::from(dx < 0) << 2) | (usize::from(dy < 0) << 1) | usize::from(dx.abs() < dy.abs());
    let ring = RINGS.iter().filter(|r| d >= **r).count();
    octant * 4 + ring
}

/// The dense grid's cell side; the sparse index uses the reach itself.
const FINE_M: i64 = 200;
/// Most cells (over the four skills) the dense grid may have.
const MAX_DENSE_CELLS: i64 = 1 << 24;

/// Helpers by skill and cell: `members[range]` for each (skill, cell), with their positions
/// beside them so a task's scan reads memory in order.
struct Index {
    members: Vec<(i32, i32, u32)>,
    side: i64,
    /// Cell offsets a task must look at.
    around: Vec<(i64, i64)>,
    kind: IndexKind,
}

enum IndexKind {
    Dense { x0: i64, y0: i64, w: i64, h: i64, start: Vec<u32> },
    Sparse { keys: Vec<u64>, start: Vec<u32> },
}

impl Index {
    fn build(helpers: &[Helper]) -> Self {
        let skilled =
            || {
                helpers.iter().enumerate().filter(|(_, h)| h.capacity > 0).flat_map(|(i, h)| {
                    Skill::ALL.iter().filter(move |s| h.skills.has(**s)).map(move |s| (*s, i as u32, h))
                })
            };
        let (mut x0, mut y0, mut x1, mut y1) = (i64::MAX, i64::MAX, i64::MIN, i64::MIN);
        for (_, _, h) in skilled() {
            (x0, y0) = (x0.min(i64::from(h.x)), y0.min(i64::from(h.y)));
            (x1, y1) = (x1.max(i64::from(h.x)), y1.max(i64::from(h.y)));
        }
        let (w, h) = if x0 > x1 { (1, 1) } else { ((x1 - x0) / FINE_M + 1, (y1 - y0) / FINE_M + 1) };
        if w.saturating_mul(h).saturating_mul(4) <= MAX_DENSE_CELLS {
            let (x0, y0) = if x0 > x1 { (0, 0) } else { (x0, y0) };
            let slot = |s: Skill, hp: &Helper| {
                let (cx, cy) = ((i64::from(hp.x) - x0) / FINE_M, (i64::from(hp.y) - y0) / FINE_M);
                ((s as i64 * h + cy) * w + cx) as usize
            };
            let mut start = vec![0u32; (4 * w * h) as usize + 1];
            for (s, _, hp) in skilled() {
                start[slot(s, hp) + 1] += 1;
            }
            for k in 1..start.len() {
                start[k] += start[k - 1];
            }
            let mut next = start.clone();
            let mut members = vec![(0, 0, 0u32); start[start.len() - 1] as usize];
            for (s, i, hp) in skilled() {
                let k = slot(s, hp);
                members[next[k] as usize] = (hp.x, hp.y, i);
                next[k] += 1;
            }
            // A cell at offset (i, j) can hold a point within reach only if the gap to it is.
            let r = REACH_M / FINE_M + 1;
            let around = (-r..=r)
                .flat_map(|i| (-r..=r).map(move |j| (i, j)))
                .filter(|(i, j)| ((i.abs() - 1).max(0) + (j.abs() - 1).max(0)) * FINE_M <= REACH_M)
                .collect();
            return Index { members, side: FINE_M, around, kind: IndexKind::Dense { x0, y0, w, h, start } };
        }
        let mut entries: Vec<(u64, (i32, i32, u32))> =
            skilled().map(|(s, i, hp)| (key(s, cell(hp.x, REACH_M), cell(hp.y, REACH_M)), (hp.x, hp.y, i))).collect();
        entries.sort_unstable();
        let mut keys: Vec<u64> = Vec::new();
        let mut start = Vec::new();
        for (k, (key, _)) in entries.iter().enumerate() {
            if keys.last() != Some(key) {
                keys.push(*key);
                start.push(k as u32);
            }
        }
        start.push(entries.len() as u32);
        let members = entries.into_iter().map(|e| e.1).collect();
        let around = (-1..=1).flat_map(|i| (-1..=1).map(move |j| (i, j))).collect();
        Index { members, side: REACH_M, around, kind: IndexKind::Sparse { keys, start } }
    }

    /// Calls `f` with the helpers with `skill` in every cell a task at (x, y) must look at.
    fn near(&self, skill: Skill, x: i32, y: i32, mut f: impl FnMut(&[(i32, i32, u32)])) {
        match &self.kind {
            IndexKind::Dense { x0, y0, w, h, start } => {
                let (cx, cy) = ((i64::from(x) - x0).div_euclid(self.side), (i64::from(y) - y0).div_euclid(self.side));
                let base = skill as i64 * h;
                for &(i, j) in &self.around {
                    let (u, v) = (cx + i, cy + j);
                    if u < 0 || v < 0 || u >= *w || v >= *h {
                        continue;
                    }
                    let k = ((base + v) * w + u) as usize;
                    f(&self.members[start[k] as usize..start[k + 1] as usize]);
                }
            }
            IndexKind::Sparse { keys, start } => {
                for &(i, j) in &self.around {
                    let k = key(skill, cell(x, self.side) + i, cell(y, self.side) + j);
                    if let Ok(b) = keys.binary_search(&k) {
                        f(&self.members[start[b] as usize..start[b + 1] as usize]);
                    }
                }
            }
        }
    }
}

fn cell(v: i32, side: i64) -> i64 {
    i64::from(v).div_euclid(side)
}

/// A bucket key: skill, then cell column, then cell row, packed so that sorting groups them.
fn key(skill: Skill, cx: i64, cy: i64) -> u64 {
    const OFFSET: i64 = 1 << 23;
    ((skill as u64) << 48) | (((cx + OFFSET) as u64) << 24) | ((cy + OFFSET) as u64)
}

impl Candidates {
    pub fn build(tasks: &[Task], helpers: &[Helper], reach: Reach) -> Self {
        let index = Index::build(helpers);
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
            index.near(t.skill, t.x, t.y, |cell| {
                for &(hx, hy, h) in cell {
                    let d = distance(t.x, t.y, hx, hy);
                    if d > REACH_M {
                        continue;
                    }
                    if per == 0 {
                        near.push((d as i32, h));
                        continue;
                    }
                    let b = sector(i64::from(hx) - i64::from(t.x), i64::from(hy) - i64::from(t.y), d);
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
            });
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
