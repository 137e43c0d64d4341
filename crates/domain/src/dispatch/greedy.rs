//! The nearest-first dispatcher the solver is measured against: the most urgent tasks first,
//! each to its nearest candidate with a free place. It is what a coordinator does by hand,
//! and what a naive system would do.

use super::{Assignment, Candidates, Helper, Task};
use std::cmp::Reverse;

pub fn greedy(tasks: &[Task], helpers: &[Helper], cands: &Candidates) -> Assignment {
    let mut left: Vec<u32> = helpers.iter().map(|h| h.capacity).collect();
    let mut order: Vec<usize> = (0..tasks.len()).collect();
    order.sort_by_key(|&t| (Reverse(tasks[t].priority), t));
    let mut helper_of = vec![None; tasks.len()];
    for t in order {
        if let Some((h, _)) = cands.of(t).find(|(h, _)| left[*h as usize] > 0) {
            left[h as usize] -= 1;
            helper_of[t] = Some(h);
        }
    }
    Assignment { helper_of }
}
