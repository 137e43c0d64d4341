//! A deterministic district to measure dispatch on: housing in clusters (compounds of a few
//! hundred vulnerable residents each, some large and some small), volunteers living mostly
//! in compounds of their own weight — so an old compound with many elderly residents may have
//! few volunteers — medical skill scarce, capacities 2–6. The same seed gives the same
//! district on every machine.

use super::{Helper, Priority, Skill, Skills, Task};
use crate::rng::Rng;

/// Uniform in `0..n` by multiply-shift (how these districts were first drawn; the figures in
/// docs/benchmarks.md are for them).
fn below(rng: &mut Rng, n: u64) -> u64 {
    ((u128::from(rng.next_u64()) * u128::from(n)) >> 64) as u64
}

/// Roughly normal, mean 0, deviation 1 (sum of four uniforms).
fn normalish(rng: &mut Rng) -> f64 {
    (rng.unit() + rng.unit() + rng.unit() + rng.unit() - 2.0) * 1.732
}

/// One generated district.
pub struct District {
    pub tasks: Vec<Task>,
    pub helpers: Vec<Helper>,
}

struct Compound {
    x: f64,
    y: f64,
    radius: f64,
}

/// A district with `tasks` vulnerable residents and `helpers` volunteers, about 250 of the
/// former per compound, spread so that density stays that of a city district at any size
/// (100,000 tasks cover 10 km × 10 km).
pub fn district(tasks: usize, helpers: usize, seed: u64) -> District {
    let mut rng = Rng::new(seed);
    let side = (10_000.0 * (tasks.max(1) as f64 / 100_000.0).sqrt()).max(600.0);
    let compounds: Vec<Compound> = (0..(tasks / 250).max(2))
        .map(|_| Compound { x: rng.unit() * side, y: rng.unit() * side, radius: 60.0 + rng.unit() * 190.0 })
        .collect();
    // Two independent weightings: where the vulnerable live, and where the volunteers do.
    let need_weight = cumulative(&mut rng, compounds.len());
    let help_weight = cumulative(&mut rng, compounds.len());

    let place = |rng: &mut Rng, weights: &[f64]| -> (i32, i32) {
        let c = &compounds[pick(rng, weights)];
        let x = (c.x + normalish(rng) * c.radius).clamp(0.0, side);
        let y = (c.y + normalish(rng) * c.radius).clamp(0.0, side);
        (x as i32, y as i32)
    };
    let tasks = (0..tasks)
        .map(|_| {
            let (x, y) = place(&mut rng, &need_weight);
            let skill = match below(&mut rng, 100) {
                0..70 => Skill::General,
                70..85 => Skill::Mobility,
                85..95 => Skill::Medical,
                _ => Skill::Language,
            };
            let priority = match below(&mut rng, 10) {
                0..2 => Priority::HIGH,
                2..5 => Priority(2),
                _ => Priority::LOW,
            };
            Task { x, y, skill, priority }
        })
        .collect();
    let helpers = (0..helpers)
        .map(|_| {
            // One in ten lives outside the compounds (shops, schools, offices).
            let (x, y) = if below(&mut rng, 10) == 0 {
                ((rng.unit() * side) as i32, (rng.unit() * side) as i32)
            } else {
                place(&mut rng, &help_weight)
            };
            let mut skills = Vec::new();
            if below(&mut rng, 100) < 90 {
                skills.push(Skill::General);
            }
            if below(&mut rng, 100) < 20 {
                skills.push(Skill::Mobility);
            }
            if below(&mut rng, 100) < 6 {
                skills.push(Skill::Medical);
            }
            if below(&mut rng, 100) < 8 {
                skills.push(Skill::Language);
            }
            Helper { x, y, capacity: 2 + below(&mut rng, 5) as u32, skills: Skills::of(&skills) }
        })
        .collect();
    District { tasks, helpers }
}

/// Heavy-tailed weights (a few big compounds), as running sums for `pick`.
fn cumulative(rng: &mut Rng, n: usize) -> Vec<f64> {
    let mut sum = 0.0;
    (0..n)
        .map(|_| {
            sum += 1.0 / (0.05 + rng.unit()).sqrt();
            sum
        })
        .collect()
}

fn pick(rng: &mut Rng, cumulative: &[f64]) -> usize {
    let total = *cumulative.last().unwrap_or(&1.0);
    let r = rng.unit() * total;
    cumulative.partition_point(|&c| c <= r).min(cumulative.len() - 1)
}
