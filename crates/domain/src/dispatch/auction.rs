//! The solver: a forward–reverse auction with ε-scaling (Bertsekas) over helpers' places.
//!
//! Each helper has one price for its places; each task is a bidder that wants the helper
//! where walking cost plus price is lowest, or to stay unassigned at its fixed cost. A free
//! task bids for its best helper by how much better it is than its second choice plus ε; a
//! full helper keeps its highest bids, and its price is the lowest bid it keeps. In a crowded
//! compound prices climb fast to where the least urgent, farthest tasks prefer to be left
//! over: the crowd is settled by prices, not by searching every alternative for every
//! newcomer. One price per helper (not one per place) keeps the places of one helper from
//! outbidding each other by ε at a time.
//!
//! There are more places than tasks, so a helper may end with room to spare; its price must
//! then be 0, or the prices would not prove optimality. The reverse step does that: a helper
//! with room and a price offers a place to the task that gains most from it, lowering its price
//! to what the second keenest would pay, or to 0 if nobody gains.
//!
//! Every round ends with ε-complementary slackness (no task could save more than ε by moving)
//! and every helper with room at price 0. Costs are multiplied by (tasks + 1) and the last
//! round runs at ε = 1, so the total is within tasks / (tasks + 1) < 1 of the optimum: exact,
//! as costs are integers. `bound::lower_bound` on the final prices checks it.

use super::{Assignment, Candidates, Helper, Prices, Solution, Task};

const FREE: u32 = u32::MAX;
const DROPPED: u32 = u32::MAX - 1;
const HIGH: i64 = i64::MAX / 4;
/// How much ε shrinks between rounds.
const SHRINK: i64 = 8;

struct Auction<'a> {
    cands: &'a Candidates,
    scale: i64,
    eps: i64,
    /// Helper `h`'s kept bids are `bid[start[h]..start[h] + fill[h]]`, by `bidder`.
    start: Vec<u32>,
    fill: Vec<u32>,
    bid: Vec<i64>,
    bidder: Vec<u32>,
    /// Each helper's price: the lowest bid it keeps once full.
    level: Vec<i64>,
    /// The helper each task is with, FREE or DROPPED, and its walking cost there (scaled).
    held: Vec<u32>,
    walk: Vec<i64>,
    drop_cost: Vec<i64>,
    /// Helpers' candidate tasks with costs (the candidate graph transposed).
    rev_start: Vec<u32>,
    rev: Vec<(u32, i64)>,
}

/// The optimum on `cands`, exactly.
pub fn solve(tasks: &[Task], helpers: &[Helper], cands: &Candidates) -> Solution {
    solve_within(tasks, helpers, cands, 0)
}

/// An assignment at most `ppm` millionths of its cost above the optimum on `cands` (0: the
/// optimum). Each round ends ε-optimal, within tasks × ε (scaled) of the optimum, so the
/// rounds that would only shave less than that are skipped.
pub fn solve_within(tasks: &[Task], helpers: &[Helper], cands: &Candidates, ppm: i64) -> Solution {
    assert_eq!(cands.tasks(), tasks.len(), "candidates built for these tasks");
    let mut a = Auction::new(tasks, helpers, cands);
    let mut free: Vec<u32> = (0..tasks.len() as u32).rev().collect();
    loop {
        a.forward(&mut free);
        a.reverse();
        let slack = i128::from(a.eps) * tasks.len() as i128 * 1_000_000;
        if a.eps == 1 || slack <= i128::from(ppm) * a.scaled_cost() {
            // Confirm at this ε that nobody is left unhappy: then the guarantee holds.
            a.unhappy(&mut free);
            if free.is_empty() {
                break;
            }
            continue;
        }
        a.eps = (a.eps / SHRINK).max(1);
        // Sets free whoever is not within the new ε; and when the prices already prove the
        // assignment optimal (their bound meets its cost), there is nothing left to do.
        if a.unhappy(&mut free) {
            break;
        }
    }
    let helper_of = a.held.iter().map(|&h| (h < DROPPED).then_some(h)).collect();
    let assignment = Assignment { helper_of };
    let cost = assignment.cost(tasks, helpers).expect("the auction respects every rule");
    let prices = Prices { per_helper: a.level, scale: a.scale };
    Solution { assignment, cost, prices }
}

impl<'a> Auction<'a> {
    fn new(tasks: &[Task], helpers: &[Helper], cands: &'a Candidates) -> Self {
        let scale = tasks.len() as i64 + 1;
        let deg = cands.in_degree(helpers.len());
        let mut start = Vec::with_capacity(helpers.len() + 1);
        let mut rev_start = Vec::with_capacity(helpers.len() + 1);
        let (mut places, mut total) = (0u32, 0u32);
        for (helper, d) in helpers.iter().zip(&deg) {
            start.push(places);
            places += helper.capacity.min(*d);
            rev_start.push(total);
            total += d;
        }
        start.push(places);
        rev_start.push(total);
        let mut next = rev_start.clone();
        let mut rev = vec![(0u32, 0i64); total as usize];
        for t in 0..tasks.len() {
            for (h, c) in cands.of(t) {
                rev[next[h as usize] as usize] = (t as u32, c * scale);
                next[h as usize] += 1;
            }
        }
        let drop_cost: Vec<i64> = tasks.iter().map(|t| t.unassigned_cost() * scale).collect();
        Auction {
            cands,
            scale,
            eps: (drop_cost.iter().copied().max().unwrap_or(0) / 16).max(1),
            start,
            fill: vec![0; helpers.len()],
            bid: vec![0; places as usize],
            bidder: vec![FREE; places as usize],
            level: vec![0; helpers.len()],
            held: vec![FREE; tasks.len()],
            walk: vec![0; tasks.len()],
            drop_cost,
            rev_start,
            rev,
        }
    }

    fn room(&self, h: usize) -> u32 {
        self.start[h + 1] - self.start[h]
    }

    /// The assignment's cost, scaled.
    fn scaled_cost(&self) -> i128 {
        (0..self.held.len())
            .map(|t| {
                i128::from(match self.held[t] {
                    DROPPED | FREE => self.drop_cost[t],
                    _ => self.walk[t],
                })
            })
            .sum()
    }

    /// What task `t` pays now, scaled.
    fn pays(&self, t: usize) -> i64 {
        match self.held[t] {
            DROPPED => self.drop_cost[t],
            FREE => HIGH,
            h => self.walk[t] + self.level[h as usize],
        }
    }

    /// Takes `t` out of helper `h`'s kept bids.
    fn leave(&mut self, h: usize, t: u32) {
        let s = self.start[h] as usize;
        let n = self.fill[h] as usize;
        let k = (s..s + n).find(|&k| self.bidder[k] == t).expect("a kept bid");
        self.bid.swap(k, s + n - 1);
        self.bidder.swap(k, s + n - 1);
        self.fill[h] -= 1;
    }

    /// Free tasks bid until none is left.
    fn forward(&mut self, free: &mut Vec<u32>) {
        while let Some(t) = free.pop() {
            let t = t as usize;
            let (mut b1, mut b2, mut best, mut walk) = (self.drop_cost[t], HIGH, FREE, 0);
            for (h, c) in self.cands.of(t) {
                let c = c * self.scale;
                // Candidates come nearest first and prices are never negative.
                if c >= b2 {
                    break;
                }
                let v = c + self.level[h as usize];
                if v < b1 {
                    (b2, b1, best, walk) = (b1, v, h, c);
                } else if v < b2 {
                    b2 = v;
                }
            }
            self.held[t] = if best == FREE { DROPPED } else { best };
            if best == FREE {
                continue;
            }
            let h = best as usize;
            let offer = self.level[h] + (b2 - b1) + self.eps;
            self.walk[t] = walk;
            let s = self.start[h] as usize;
            let n = self.fill[h] as usize;
            if n < self.room(h) as usize {
                self.bid[s + n] = offer;
                self.bidder[s + n] = t as u32;
                self.fill[h] += 1;
                if self.fill[h] == self.room(h) {
                    self.level[h] = self.bid[s..s + n + 1].iter().copied().min().unwrap_or(0);
                }
            } else {
                let k = (s..s + n).min_by_key(|&k| self.bid[k]).expect("a full helper keeps bids");
                let out = self.bidder[k];
                self.bid[k] = offer;
                self.bidder[k] = t as u32;
                self.level[h] = self.bid[s..s + n].iter().copied().min().unwrap_or(0);
                self.held[out as usize] = FREE;
                free.push(out);
            }
        }
    }

    /// Helpers with room and a price offer places until full or free of charge.
    fn reverse(&mut self) {
        let mut queue: Vec<u32> = (0..self.level.len() as u32)
            .filter(|&h| self.level[h as usize] > 0 && self.fill[h as usize] < self.room(h as usize))
            .collect();
        while let Some(h) = queue.pop() {
            let h = h as usize;
            if self.level[h] == 0 || self.fill[h] == self.room(h) {
                continue;
            }
            let (mut m1, mut m2, mut best, mut walk) = (i64::MIN, 0i64, FREE, 0);
            for &(t, c) in &self.rev[self.rev_start[h] as usize..self.rev_start[h + 1] as usize] {
                if self.held[t as usize] == h as u32 {
                    continue;
                }
                let m = self.pays(t as usize) - c;
                if m > m1 {
                    (m2, m1, best, walk) = (m2.max(m1), m, t, c);
                } else if m > m2 {
                    m2 = m;
                }
            }
            let s = self.start[h] as usize;
            let n = self.fill[h] as usize;
            if best == FREE || m1 <= self.eps {
                self.level[h] = 0;
                self.bid[s..s + n].iter_mut().for_each(|b| *b = 0);
                continue;
            }
            let level = (m2 - self.eps).max(0);
            self.level[h] = level;
            self.bid[s..s + n].iter_mut().for_each(|b| *b = level);
            let t = best as usize;
            let old = self.held[t];
            if old < DROPPED {
                self.leave(old as usize, best);
                if self.level[old as usize] > 0 {
                    queue.push(old);
                }
            }
            self.bid[s + n] = level;
            self.bidder[s + n] = best;
            self.fill[h] += 1;
            self.held[t] = h as u32;
            self.walk[t] = walk;
            if self.fill[h] < self.room(h) && level > 0 {
                queue.push(h as u32);
            }
        }
    }

    /// Tasks no longer within ε of their best option are set free to bid again. Returns
    /// whether the prices, as they stand, prove the assignment optimal.
    fn unhappy(&mut self, free: &mut Vec<u32>) -> bool {
        // The dual bound, summed on the way (see `bound`), in scaled units.
        let mut bound: i128 = 0;
        let mut cost: i64 = 0;
        for t in 0..self.held.len() {
            let here = self.held[t];
            let mut best = self.drop_cost[t];
            let mut elsewhere = if here == DROPPED { HIGH } else { self.drop_cost[t] };
            for (h, c) in self.cands.of(t) {
                let c = c * self.scale;
                if c >= best && c >= elsewhere {
                    break;
                }
                let v = c + self.level[h as usize];
                best = best.min(v);
                if h != here {
                    elsewhere = elsewhere.min(v);
                }
            }
            bound += i128::from(best);
            cost += match here {
                DROPPED => self.drop_cost[t],
                FREE => HIGH,
                _ => self.walk[t],
            } / self.scale;
            if here != FREE && self.pays(t) > elsewhere + self.eps {
                if here < DROPPED {
                    self.leave(here as usize, t as u32);
                }
                self.held[t] = FREE;
                free.push(t as u32);
            }
        }
        if !free.is_empty() {
            return false;
        }
        for (h, l) in self.level.iter().enumerate() {
            bound -= i128::from(self.room(h)) * i128::from(*l);
        }
        let scale = i128::from(self.scale);
        bound.div_euclid(scale) + i128::from(bound.rem_euclid(scale) != 0) >= i128::from(cost)
    }
}
