//! The solver against two judges it shares no code with: every assignment of a tiny instance
//! tried one by one, and a textbook min-cost flow (Bellman–Ford on an explicit arc list) on
//! larger ones. Costs always come from `Assignment::cost`, which checks every rule.

use super::synthetic::district;
use super::*;
use crate::rng::Rng;
use proptest::prelude::*;

fn task(x: i32, y: i32, skill: Skill, p: i64) -> Task {
    Task { x, y, skill, priority: Priority::new(p).unwrap() }
}

fn helper(x: i32, y: i32, capacity: u32, skills: &[Skill]) -> Helper {
    Helper { x, y, capacity, skills: Skills::of(skills) }
}

/// The cheapest assignment by trying them all.
fn brute(tasks: &[Task], helpers: &[Helper]) -> i64 {
    fn go(i: usize, tasks: &[Task], helpers: &[Helper], left: &mut [u32], acc: i64, best: &mut i64) {
        if acc >= *best {
            return;
        }
        let Some(t) = tasks.get(i) else {
            *best = acc;
            return;
        };
        go(i + 1, tasks, helpers, left, acc + t.unassigned_cost(), best);
        for (h, hp) in helpers.iter().enumerate() {
            if left[h] > 0 && t.fits(hp) {
                left[h] -= 1;
                go(i + 1, tasks, helpers, left, acc + distance(t.x, t.y, hp.x, hp.y) * t.priority.get(), best);
                left[h] += 1;
            }
        }
    }
    let mut left: Vec<u32> = helpers.iter().map(|h| h.capacity).collect();
    let mut best = i64::MAX;
    go(0, tasks, helpers, &mut left, 0, &mut best);
    best
}

/// A plain min-cost flow: source → task (1) → helper (cost) → sink (capacity), and
/// task → sink (unassigned). Augments one unit at a time along a Bellman–Ford shortest path.
fn reference(tasks: &[Task], helpers: &[Helper]) -> i64 {
    struct Arc {
        to: usize,
        cap: i64,
        cost: i64,
    }
    let (s, k) = (0, 1);
    let node_t = |t: usize| 2 + t;
    let node_h = |h: usize| 2 + tasks.len() + h;
    let n = 2 + tasks.len() + helpers.len();
    let mut arcs: Vec<Arc> = Vec::new();
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut add = |arcs: &mut Vec<Arc>, a: usize, b: usize, cap: i64, cost: i64| {
        out[a].push(arcs.len());
        arcs.push(Arc { to: b, cap, cost });
        out[b].push(arcs.len());
        arcs.push(Arc { to: a, cap: 0, cost: -cost });
    };
    for (t, task) in tasks.iter().enumerate() {
        add(&mut arcs, s, node_t(t), 1, 0);
        add(&mut arcs, node_t(t), k, 1, task.unassigned_cost());
        for (h, hp) in helpers.iter().enumerate() {
            if task.fits(hp) {
                add(&mut arcs, node_t(t), node_h(h), 1, distance(task.x, task.y, hp.x, hp.y) * task.priority.get());
            }
        }
    }
    for (h, hp) in helpers.iter().enumerate() {
        add(&mut arcs, node_h(h), k, i64::from(hp.capacity), 0);
    }
    let mut total = 0;
    for _ in 0..tasks.len() {
        let mut dist = vec![i64::MAX; n];
        let mut prev = vec![usize::MAX; n];
        dist[s] = 0;
        for _ in 0..n {
            let mut changed = false;
            for a in 0..n {
                if dist[a] == i64::MAX {
                    continue;
                }
                for &e in &out[a] {
                    if arcs[e].cap > 0 && dist[a] + arcs[e].cost < dist[arcs[e].to] {
                        dist[arcs[e].to] = dist[a] + arcs[e].cost;
                        prev[arcs[e].to] = e;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        let mut v = k;
        while v != s {
            let e = prev[v];
            arcs[e].cap -= 1;
            arcs[e ^ 1].cap += 1;
            v = arcs[e ^ 1].to;
        }
        total += dist[k];
    }
    total
}

fn exact(tasks: &[Task], helpers: &[Helper]) -> Solution {
    let cands = Candidates::build(tasks, helpers, Reach::All);
    let sol = solve(tasks, helpers, &cands);
    assert_eq!(sol.assignment.cost(tasks, helpers), Ok(sol.cost));
    assert_eq!(lower_bound(tasks, helpers, &cands, &sol.prices), sol.cost, "the dual bound proves the optimum");
    sol
}

#[test]
fn an_urgent_task_takes_the_place_and_the_other_walks_further() {
    use Skill::*;
    // One place next door, one 500 m away: the priority-3 task gets the near one.
    let tasks = [task(0, 0, General, 1), task(10, 0, General, 3)];
    let helpers = [helper(5, 0, 1, &[General]), helper(500, 0, 1, &[General])];
    let sol = exact(&tasks, &helpers);
    assert_eq!(sol.assignment.helper_of, vec![Some(1), Some(0)]);
    assert_eq!(sol.cost, 500 + 5 * 3);
}

#[test]
fn a_task_stays_unassigned_only_when_nobody_can_take_it() {
    use Skill::*;
    let tasks = [
        task(0, 0, Medical, 2),    // only a general helper near: unassigned
        task(0, 0, General, 1),    // takes the general helper
        task(2000, 0, General, 3), // out of everyone's reach
    ];
    let helpers = [helper(100, 100, 3, &[General]), helper(900, 0, 1, &[Medical])];
    let sol = exact(&tasks, &helpers);
    assert_eq!(sol.assignment.helper_of, vec![None, Some(0), None]);
    assert_eq!(sol.cost, 20_000 + 200 + 30_000);
    assert_eq!(sol.assignment.unassigned(), 2);
}

#[test]
fn nothing_to_dispatch_and_nobody_to_send_are_answers_too() {
    use Skill::*;
    assert_eq!(exact(&[], &[helper(0, 0, 3, &[General])]).cost, 0);
    let sol = exact(&[task(0, 0, General, 2)], &[]);
    assert_eq!((sol.cost, sol.assignment.unassigned()), (20_000, 1));
    // A helper with no places is nobody's candidate.
    let sol = exact(&[task(0, 0, General, 1)], &[helper(0, 0, 0, &[General])]);
    assert_eq!(sol.assignment.helper_of, vec![None]);
}

#[test]
fn coordinates_at_the_ends_of_the_range_do_not_overflow() {
    use Skill::*;
    let tasks = [task(i32::MAX, i32::MIN, General, 3), task(i32::MIN, i32::MAX, General, 1)];
    let helpers = [helper(i32::MAX - 100, i32::MIN + 100, 1, &[General]), helper(i32::MIN, i32::MAX, 1, &[General])];
    let sol = exact(&tasks, &helpers);
    assert_eq!(sol.assignment.helper_of, vec![Some(0), Some(1)]);
    assert_eq!(sol.cost, 200 * 3);
}

#[test]
fn reach_is_manhattan_and_inclusive() {
    use Skill::*;
    let tasks = [task(0, 0, General, 1), task(0, 0, General, 1)];
    let helpers = [helper(400, 400, 1, &[General]), helper(400, 401, 1, &[General])];
    let sol = exact(&tasks, &helpers);
    assert_eq!(sol.assignment.unassigned(), 1);
    assert_eq!(sol.cost, 800 + 10_000);
}

#[test]
fn a_chain_of_moves_frees_a_place_for_the_newcomer() {
    use Skill::*;
    // Helpers on a line, one place each; a task between every two. The last task can only be
    // served if every earlier one shifts one helper along.
    let helpers: Vec<Helper> = (0..6).map(|i| helper(i * 700, 0, 1, &[General])).collect();
    let mut tasks: Vec<Task> = (0..5).map(|i| task(i * 700 + 100, 0, General, 1)).collect();
    tasks.push(task(0, 300, General, 1));
    let sol = exact(&tasks, &helpers);
    assert_eq!(sol.assignment.unassigned(), 0);
    assert_eq!(sol.cost, brute(&tasks, &helpers));
}

#[test]
fn skills_parse_and_bad_codes_name_the_field() {
    let s = Skills::parse("general; medical;").unwrap();
    assert!(s.has(Skill::General) && s.has(Skill::Medical) && !s.has(Skill::Language));
    assert_eq!(Skills::parse("").unwrap(), Skills::default());
    assert_eq!(Skills::parse("general;cooking").unwrap_err().field, "skill");
    assert_eq!(Priority::new(4).unwrap_err().field, "priority");
    assert_eq!(Priority::new(0).unwrap_err().field, "priority");
}

#[test]
fn volunteers_own_words_become_dispatch_skills() {
    let s = Skills::from_words(["急救", "理发"]);
    assert!(s.has(Skill::General) && s.has(Skill::Medical) && !s.has(Skill::Mobility));
    let s = Skills::from_words(["手语翻译", "轮椅护送"]);
    assert!(s.has(Skill::Language) && s.has(Skill::Mobility) && !s.has(Skill::Medical));
    assert_eq!(Skills::from_words([]), Skills::of(&[Skill::General]));
    assert!(Skills::from_words(["First Aid"]).has(Skill::Medical));
}

#[test]
fn the_cost_judge_refuses_what_breaks_the_rules() {
    use Skill::*;
    let tasks = [task(0, 0, Medical, 1), task(0, 0, General, 1)];
    let helpers = [helper(0, 0, 1, &[General])];
    let over = Assignment { helper_of: vec![None, Some(0)] };
    assert_eq!(over.cost(&tasks, &helpers), Ok(10_000));
    assert_eq!(
        Assignment { helper_of: vec![Some(0), None] }.cost(&tasks, &helpers),
        Err(Infeasible::Unfit { task: 0 })
    );
    assert_eq!(
        Assignment { helper_of: vec![None, Some(3)] }.cost(&tasks, &helpers),
        Err(Infeasible::UnknownHelper { task: 1 })
    );
    let two = [task(0, 0, General, 1), task(0, 0, General, 1)];
    assert_eq!(
        Assignment { helper_of: vec![Some(0), Some(0)] }.cost(&two, &helpers),
        Err(Infeasible::OverCapacity { helper: 0 })
    );
}

fn small_instance(rng: &mut Rng) -> (Vec<Task>, Vec<Helper>) {
    let n_t = 1 + rng.below(7) as usize;
    let n_h = 1 + rng.below(4) as usize;
    let pos = |rng: &mut Rng| (rng.below(1200) as i32, rng.below(1200) as i32);
    let tasks = (0..n_t)
        .map(|_| {
            let (x, y) = pos(rng);
            task(x, y, Skill::ALL[rng.below(2) as usize], 1 + rng.below(3) as i64)
        })
        .collect();
    let helpers = (0..n_h)
        .map(|_| {
            let (x, y) = pos(rng);
            let skills: Vec<Skill> = Skill::ALL[..2].iter().copied().filter(|_| rng.below(3) > 0).collect();
            helper(x, y, rng.below(4) as u32, &skills)
        })
        .collect();
    (tasks, helpers)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn exact_on_tiny_instances_matches_trying_every_assignment(seed in any::<u64>()) {
        let (tasks, helpers) = small_instance(&mut Rng::new(seed));
        prop_assert_eq!(exact(&tasks, &helpers).cost, brute(&tasks, &helpers));
    }
}

#[test]
fn exact_on_generated_districts_matches_a_textbook_min_cost_flow() {
    for seed in 1..=4 {
        let d = district(300, 75, seed);
        let sol = exact(&d.tasks, &d.helpers);
        assert_eq!(sol.cost, reference(&d.tasks, &d.helpers), "seed {seed}");
        let cands = Candidates::build(&d.tasks, &d.helpers, Reach::All);
        let g = greedy(&d.tasks, &d.helpers, &cands);
        let g_cost = g.cost(&d.tasks, &d.helpers).unwrap();
        assert!(g_cost >= sol.cost);
    }
}

#[test]
fn a_thinned_graph_is_feasible_and_the_full_graph_bounds_its_gap() {
    let d = district(2000, 500, 7);
    let full = Candidates::build(&d.tasks, &d.helpers, Reach::All);
    let thin = Candidates::build(&d.tasks, &d.helpers, Reach::Sectors(1));
    assert!(thin.edges() < full.edges());
    let best = solve(&d.tasks, &d.helpers, &full).cost;
    let approx = solve(&d.tasks, &d.helpers, &thin);
    assert!(approx.cost >= best);
    let lb = lower_bound(&d.tasks, &d.helpers, &full, &approx.prices);
    assert!(lb <= best, "a lower bound: {lb} > {best}");
}

#[test]
fn the_generator_is_deterministic_and_clustered() {
    let a = district(1000, 250, 3);
    let b = district(1000, 250, 3);
    assert_eq!(a.tasks, b.tasks);
    assert_eq!(a.helpers, b.helpers);
    assert_ne!(a.tasks, district(1000, 250, 4).tasks);
    let medical = a.helpers.iter().filter(|h| h.skills.has(Skill::Medical)).count();
    assert!(medical < a.helpers.len() / 8, "medical skill is scarce: {medical}");
    assert!(a.helpers.iter().all(|h| (2..=6).contains(&h.capacity)));
}

#[test]
fn the_product_plan_is_exact_for_a_community_and_near_optimal_beyond() {
    let small = district(600, 150, 11);
    assert_eq!(plan(&small.tasks, &small.helpers).cost, exact(&small.tasks, &small.helpers).cost);
    let big = district(EXACT_UP_TO + 500, (EXACT_UP_TO + 500) / 4, 12);
    let sectors = Candidates::build(&big.tasks, &big.helpers, reach_for(big.tasks.len()));
    let best_on_sectors = solve(&big.tasks, &big.helpers, &sectors).cost;
    let planned = plan(&big.tasks, &big.helpers).cost;
    assert!(planned >= best_on_sectors);
    assert!((planned - best_on_sectors) * 1_000_000 <= NEAR_PPM * best_on_sectors, "{planned} vs {best_on_sectors}");
    let optimum = exact(&big.tasks, &big.helpers).cost;
    assert!(planned < optimum + optimum / 100, "within 1% of the optimum: {planned} vs {optimum}");
}
