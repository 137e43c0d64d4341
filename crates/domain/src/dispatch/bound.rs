//! The dual bound: a floor under the cost of every possible assignment, from any prices.
//!
//! The linear relaxation's dual gives each helper a price λ ≥ 0 for a place. Whatever the
//! prices, a task can do no better than its cheapest candidate's cost plus that helper's
//! price, or being unassigned; summing that over tasks and taking back the price of every
//! place gives a value no assignment can beat:
//!
//!   LB(λ) = Σ_tasks min(unassigned, min_h (cost(t, h) + λ_h)) − Σ_helpers capacity_h · λ_h
//!
//! With the exact solver's prices and its own graph, LB equals the optimum (strong duality
//! of network flows; the auction's prices come in finer units, rounded up at the end), which
//! the tests check. With prices from a solve on a thinned graph and
//! `cands` the full one, LB bounds the true optimum, so `(cost − LB) / LB` is a proved gap.

use super::{Candidates, Helper, Prices, Task};

pub fn lower_bound(tasks: &[Task], helpers: &[Helper], cands: &Candidates, prices: &Prices) -> i64 {
    let scale = i128::from(prices.scale.max(1));
    let price = |h: u32| i128::from(prices.per_helper[h as usize].max(0));
    let deg = cands.in_degree(helpers.len());
    let mut bound: i128 = 0;
    for (t, task) in tasks.iter().enumerate() {
        let leave = i128::from(task.unassigned_cost()) * scale;
        let best = cands.of(t).map(|(h, c)| i128::from(c) * scale + price(h)).min();
        bound += best.map_or(leave, |b| b.min(leave));
    }
    for (h, (helper, d)) in helpers.iter().zip(deg).enumerate() {
        bound -= i128::from(helper.capacity.min(d)) * price(h as u32);
    }
    // The optimum is a whole number at or above bound / scale.
    let whole = bound.div_euclid(scale) + i128::from(bound.rem_euclid(scale) != 0);
    whole.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}
