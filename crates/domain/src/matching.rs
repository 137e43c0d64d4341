//! R2 — which resources can serve a need, best first, and why.
//!
//! The order is lexicographic so that the rules a person can check by eye always hold: first the
//! tier — whether it can serve when the need is (its schedule is open and it is not already
//! carrying all it can), only later (it opens within two weeks), or not at present — then how
//! well it fits the need (its categories name the need's category before only its skill tags
//! meet the need's words), and only then a score that weighs place, load and past ratings.
//! Pages show the tiers as headed groups, so a higher score below a lower one is explained by
//! its group. A resource that fits nothing is never listed.

use crate::resources::{Availability, local_day_minute};

/// What the ranking needs to know about a need.
#[derive(Debug, Clone)]
pub struct NeedProfile<'a> {
    pub category: &'a str,
    /// Segmented words of the need's title and description.
    pub terms: &'a [String],
    pub area_path: &'a str,
    /// When help is needed (UTC ms): usually now.
    pub at: i64,
}

/// What the ranking needs to know about a resource.
#[derive(Debug, Clone)]
pub struct Candidate<'a> {
    pub id: i64,
    pub categories: &'a [String],
    pub tags: &'a [String],
    pub area_path: &'a str,
    pub active: bool,
    /// Whether it does work that occupies it (a skill, a service); a stockpile or a space does
    /// not carry a load of needs, so load neither helps nor hurts it.
    pub carries_load: bool,
    pub availability: &'a Availability,
    /// How many needs it can carry at once.
    pub capacity: i64,
    /// Open needs already assigned to its owner.
    pub load: i64,
    pub rating_sum: i64,
    pub rating_count: i64,
    /// Last local day it may be used (a stockpile's expiry); after it the resource is not offered.
    pub expires: Option<i64>,
}

/// When a resource can serve the need; the outermost group of the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    /// Closed for good, or carrying all it can: not at present.
    Unavailable,
    /// Closed at the time but open again within two weeks: by appointment.
    Later,
    /// Open and with room: it can serve at once.
    Now,
}

impl Tier {
    pub fn code(self) -> &'static str {
        match self {
            Tier::Now => "now",
            Tier::Later => "later",
            Tier::Unavailable => "unavailable",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fit {
    /// Only skill tags meet the need's words.
    Tags,
    /// The resource serves the need's category.
    Category,
}

/// One reason shown beside a ranked resource; the web layer words it.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    Category,
    Tags(Vec<String>),
    /// Deepest level of the area tree the resource shares with the need (see [`place_level`]).
    Place(PlaceLevel),
    Available,
    /// Outside its hours at the time; when it next opens (UTC ms) within two weeks.
    Closed {
        next: Option<i64>,
    },
    Full {
        load: i64,
        capacity: i64,
    },
    Load {
        load: i64,
        capacity: i64,
    },
    Rated {
        average_tenths: i64,
        count: i64,
    },
    NotRated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PlaceLevel {
    Farther,
    Street,
    Community,
    Grid,
    /// Same micro-grid, building or household.
    Near,
}

impl PlaceLevel {
    pub fn code(self) -> &'static str {
        match self {
            PlaceLevel::Farther => "farther",
            PlaceLevel::Street => "street",
            PlaceLevel::Community => "community",
            PlaceLevel::Grid => "grid",
            PlaceLevel::Near => "near",
        }
    }

    fn score(self) -> f64 {
        match self {
            PlaceLevel::Near => 1.0,
            PlaceLevel::Grid => 0.8,
            PlaceLevel::Community => 0.5,
            PlaceLevel::Street => 0.2,
            PlaceLevel::Farther => 0.0,
        }
    }
}

/// Number of leading path segments two materialised area paths share (`51/5101/…/`, each
/// segment closed by `/`): the `/`s in their common byte prefix, which ends a shared segment
/// only where both have a `/`.
pub fn shared_depth(a: &str, b: &str) -> usize {
    let common = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    a.as_bytes()[..common].iter().filter(|&&c| c == b'/').count()
}

/// Area-tree depth → level: province 1, city 2, district 3, street 4, community 5, grid 6, and
/// micro-grid, building, household below. A resource placed on the community itself (an
/// organization's service for everyone) shares depth 5 with every need of the community.
pub fn place_level(shared: usize) -> PlaceLevel {
    match shared {
        0..=3 => PlaceLevel::Farther,
        4 => PlaceLevel::Street,
        5 => PlaceLevel::Community,
        6 => PlaceLevel::Grid,
        _ => PlaceLevel::Near,
    }
}

/// A ranked resource with the figures behind its place in the list.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    pub id: i64,
    pub tier: Tier,
    pub fit: Fit,
    pub available: bool,
    pub place: PlaceLevel,
    pub score: f64,
    pub reasons: Vec<Reason>,
}

/// Ratings are averaged with two imagined 4-star ratings, so one 5-star answer does not outrank
/// twenty 4.8s; the result is scaled to 0..1.
fn rating_score(sum: i64, count: i64) -> f64 {
    let avg = (sum as f64 + 8.0) / (count as f64 + 2.0);
    ((avg - 1.0) / 4.0).clamp(0.0, 1.0)
}

fn fit_of(need: &NeedProfile<'_>, c: &Candidate<'_>) -> Option<Fit> {
    if c.categories.iter().any(|x| x == need.category) {
        Some(Fit::Category)
    } else if c.tags.iter().any(|t| need.terms.contains(t)) {
        Some(Fit::Tags)
    } else {
        None
    }
}

struct Scored {
    index: usize,
    tier: Tier,
    fit: Fit,
    available: bool,
    score: f64,
    id: i64,
}

fn order(a: &Scored, b: &Scored) -> std::cmp::Ordering {
    b.tier.cmp(&a.tier).then(b.fit.cmp(&a.fit)).then(b.score.total_cmp(&a.score)).then(a.id.cmp(&b.id))
}

/// Ranks `candidates` for `need` and returns the best `limit`, each with its reasons.
/// Retired or paused resources are not candidates.
pub fn rank(need: &NeedProfile<'_>, candidates: &[Candidate<'_>], limit: usize) -> Vec<Ranked> {
    let (day, minute) = local_day_minute(need.at);
    let mut scored: Vec<Scored> = Vec::new();
    for (index, c) in candidates.iter().enumerate() {
        if !c.active || c.expires.is_some_and(|last| last < day) {
            continue;
        }
        let Some(fit) = fit_of(need, c) else { continue };
        let capacity = c.capacity.max(1);
        let load = if c.carries_load { c.load } else { 0 };
        let open = c.availability.covers(day, minute, minute + 1);
        let available = open && load < capacity;
        let tier = if available {
            Tier::Now
        } else if load < capacity && c.availability.next_open(need.at).is_some() {
            Tier::Later
        } else {
            Tier::Unavailable
        };
        let place = place_level(shared_depth(need.area_path, c.area_path));
        let free = 1.0 - (load as f64 / capacity as f64).clamp(0.0, 1.0);
        let score = 0.5 * place.score() + 0.3 * free + 0.2 * rating_score(c.rating_sum, c.rating_count);
        scored.push(Scored { index, tier, fit, available, score, id: c.id });
    }
    if scored.len() > limit && limit > 0 {
        scored.select_nth_unstable_by(limit - 1, order);
        scored.truncate(limit);
    }
    scored.sort_by(order);
    scored.truncate(limit);
    scored
        .into_iter()
        .map(|s| {
            let c = &candidates[s.index];
            let capacity = c.capacity.max(1);
            let load = if c.carries_load { c.load } else { 0 };
            let place = place_level(shared_depth(need.area_path, c.area_path));
            let mut reasons = Vec::new();
            match s.fit {
                Fit::Category => reasons.push(Reason::Category),
                Fit::Tags => {
                    reasons.push(Reason::Tags(c.tags.iter().filter(|t| need.terms.contains(t)).cloned().collect()))
                }
            }
            reasons.push(Reason::Place(place));
            if !c.availability.available_at(need.at) {
                reasons.push(Reason::Closed { next: c.availability.next_open(need.at) });
            } else if load >= capacity {
                reasons.push(Reason::Full { load, capacity });
            } else {
                reasons.push(Reason::Available);
            }
            if c.carries_load && load < capacity {
                reasons.push(Reason::Load { load, capacity });
            }
            if c.rating_count > 0 {
                let tenths = (c.rating_sum * 10 + c.rating_count / 2) / c.rating_count;
                reasons.push(Reason::Rated { average_tenths: tenths, count: c.rating_count });
            } else {
                reasons.push(Reason::NotRated);
            }
            Ranked { id: s.id, tier: s.tier, fit: s.fit, available: s.available, place, score: s.score, reasons }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::{WeeklySchedule, parse_date, utc_of};

    const GRID1: &str = "51/5101/510104/510104001/510104001001/510104001001010/";
    const GRID2: &str = "51/5101/510104/510104001/510104001001/510104001001020/";
    const BUILDING1: &str = "51/5101/510104/510104001/510104001001/510104001001010/510104001001010010/";
    const COMMUNITY: &str = "51/5101/510104/510104001/510104001001/";
    const OTHER_STREET: &str = "51/5101/510104/510104002/510104002001/";

    struct Owned {
        id: i64,
        categories: Vec<String>,
        tags: Vec<String>,
        path: &'static str,
        active: bool,
        availability: Availability,
        capacity: i64,
        load: i64,
        rating: (i64, i64),
        expires: Option<i64>,
    }

    impl Owned {
        fn new(id: i64, category: &str, path: &'static str) -> Self {
            Self {
                id,
                categories: vec![category.to_string()],
                tags: vec![],
                path,
                active: true,
                availability: Availability::default(),
                capacity: 3,
                load: 0,
                rating: (0, 0),
                expires: None,
            }
        }

        fn candidate(&self) -> Candidate<'_> {
            Candidate {
                id: self.id,
                categories: &self.categories,
                tags: &self.tags,
                area_path: self.path,
                active: self.active,
                carries_load: true,
                availability: &self.availability,
                capacity: self.capacity,
                load: self.load,
                rating_sum: self.rating.0,
                rating_count: self.rating.1,
                expires: self.expires,
            }
        }
    }

    fn ranked(need: &NeedProfile<'_>, owned: &[Owned]) -> Vec<i64> {
        let c: Vec<Candidate<'_>> = owned.iter().map(Owned::candidate).collect();
        rank(need, &c, 100).into_iter().map(|r| r.id).collect()
    }

    /// Monday 2026-11-23, 10:00 in Shanghai.
    fn monday_10() -> i64 {
        utc_of(parse_date("2026-11-23").unwrap(), 600)
    }

    fn need<'a>(terms: &'a [String]) -> NeedProfile<'a> {
        NeedProfile { category: "elder_care", terms, area_path: BUILDING1, at: monday_10() }
    }

    #[test]
    fn category_fit_beats_tags_and_unfit_resources_are_left_out() {
        let terms = vec!["电工".to_string()];
        let mut tagged = Owned::new(1, "repair", BUILDING1);
        tagged.tags = vec!["电工".into()];
        let fits = Owned::new(2, "elder_care", OTHER_STREET);
        let unfit = Owned::new(3, "legal", BUILDING1);
        assert_eq!(ranked(&need(&terms), &[tagged, fits, unfit]), vec![2, 1]);
    }

    #[test]
    fn nearer_less_loaded_and_better_rated_rank_higher() {
        let terms = vec![];
        let n = need(&terms);
        let near = Owned::new(1, "elder_care", GRID1);
        let community = Owned::new(2, "elder_care", COMMUNITY);
        let other_grid = Owned::new(3, "elder_care", GRID2);
        assert_eq!(ranked(&n, &[other_grid, community, near]), vec![1, 2, 3]);

        let mut busy = Owned::new(1, "elder_care", GRID1);
        busy.load = 2;
        let idle = Owned::new(2, "elder_care", GRID1);
        assert_eq!(ranked(&n, &[busy, idle]), vec![2, 1]);

        let mut good = Owned::new(1, "elder_care", GRID1);
        good.rating = (48, 10);
        let mut once = Owned::new(2, "elder_care", GRID1);
        once.rating = (5, 1);
        assert_eq!(ranked(&n, &[once, good]), vec![1, 2], "ten 4.8s beat one 5");
    }

    #[test]
    fn closed_or_full_resources_follow_available_ones_and_say_why() {
        let terms = vec![];
        let n = need(&terms);
        let mut closed = Owned::new(1, "elder_care", BUILDING1);
        closed.availability.weekly = WeeklySchedule::parse("6-7 09:00-17:00").unwrap();
        let mut full = Owned::new(2, "elder_care", BUILDING1);
        full.load = 3;
        let far = Owned::new(3, "elder_care", OTHER_STREET);
        let owned = [closed, full, far];
        let c: Vec<Candidate<'_>> = owned.iter().map(Owned::candidate).collect();
        let r = rank(&n, &c, 10);
        assert_eq!(r.iter().map(|x| x.id).collect::<Vec<_>>(), vec![3, 1, 2]);
        assert_eq!(r.iter().map(|x| x.tier).collect::<Vec<_>>(), vec![Tier::Now, Tier::Later, Tier::Unavailable]);
        assert!(r[0].available && r[0].reasons.contains(&Reason::Available));
        assert!(r[0].reasons.contains(&Reason::Place(PlaceLevel::Farther)));
        let saturday_9 = utc_of(parse_date("2026-11-28").unwrap(), 540);
        assert!(r[1].reasons.contains(&Reason::Closed { next: Some(saturday_9) }), "{:?}", r[1].reasons);
        assert!(r[2].reasons.contains(&Reason::Full { load: 3, capacity: 3 }));
        assert!(r[2].reasons.contains(&Reason::Place(PlaceLevel::Near)));
    }

    #[test]
    fn the_tier_comes_first_and_category_fit_leads_within_it() {
        let terms = vec!["陪护".to_string()];
        let n = need(&terms);
        let mut closed_fit = Owned::new(1, "elder_care", BUILDING1);
        closed_fit.availability.weekly = WeeklySchedule::parse("6-7 09:00-17:00").unwrap();
        let mut open_tagged = Owned::new(2, "legal", BUILDING1);
        open_tagged.tags = vec!["陪护".into()];
        let open_fit = Owned::new(3, "elder_care", OTHER_STREET);
        let owned = [closed_fit, open_tagged, open_fit];
        let c: Vec<Candidate<'_>> = owned.iter().map(Owned::candidate).collect();
        let r = rank(&n, &c, 10);
        assert_eq!(
            r.iter().map(|x| (x.id, x.tier, x.fit)).collect::<Vec<_>>(),
            vec![(3, Tier::Now, Fit::Category), (2, Tier::Now, Fit::Tags), (1, Tier::Later, Fit::Category)]
        );
        assert!(r[1].score > r[0].score, "the nearer tag fit scores higher yet follows the category fit");
    }

    #[test]
    fn expired_supplies_are_not_offered() {
        let terms = vec![];
        let today = parse_date("2026-11-23").unwrap();
        let mut stale = Owned::new(1, "elder_care", BUILDING1);
        stale.expires = Some(today - 1);
        let mut fresh = Owned::new(2, "elder_care", BUILDING1);
        fresh.expires = Some(today);
        assert_eq!(ranked(&need(&terms), &[stale, fresh]), vec![2], "usable through its last day");
    }

    #[test]
    fn inactive_resources_are_never_ranked_and_limit_keeps_the_best() {
        let terms = vec![];
        let mut paused = Owned::new(1, "elder_care", BUILDING1);
        paused.active = false;
        let rest: Vec<Owned> = (2..50).map(|i| Owned::new(i, "elder_care", COMMUNITY)).collect();
        let mut all = vec![paused];
        all.extend(rest);
        all.push(Owned::new(99, "elder_care", GRID1));
        let c: Vec<Candidate<'_>> = all.iter().map(Owned::candidate).collect();
        let top = rank(&need(&terms), &c, 3);
        assert_eq!(top.iter().map(|r| r.id).collect::<Vec<_>>(), vec![99, 2, 3]);
    }

    #[test]
    fn paths_share_segments() {
        assert_eq!(shared_depth(BUILDING1, GRID1), 6);
        assert_eq!(shared_depth(GRID1, GRID2), 5);
        assert_eq!(shared_depth(GRID1, OTHER_STREET), 3);
        assert_eq!(place_level(shared_depth(BUILDING1, BUILDING1)), PlaceLevel::Near);
        // A segment that only begins alike is not shared.
        assert_eq!(shared_depth("51/5101/510104/", "51/5101/5101049/"), 2);
        assert_eq!(shared_depth("", GRID1), 0);
    }

    /// SplitMix64: a small deterministic generator for the property below.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// Property: over many random resource sets, an unavailable resource is never ranked above an
    /// available one, a tag fit never above a category fit in the same tier, and the output is
    /// the same whatever order the candidates come in.
    #[test]
    fn property_unavailable_never_above_available_with_the_same_fit() {
        let paths = [GRID1, GRID2, BUILDING1, COMMUNITY, OTHER_STREET];
        let schedules = ["", "1-5 09:00-12:00", "6-7 09:00-17:00", "1 10:00-10:30", "2-4 08:00-20:00"];
        let categories = ["elder_care", "repair", "legal"];
        let terms = vec!["电工".to_string(), "陪护".to_string()];
        let tag_pool = ["电工", "陪护", "法律", "驾驶"];
        let mut rng = Rng(42);
        for round in 0..500 {
            let n = 1 + rng.below(40) as usize;
            let owned: Vec<Owned> = (0..n)
                .map(|i| {
                    let mut o =
                        Owned::new(i as i64 + 1, categories[rng.below(3) as usize], paths[rng.below(5) as usize]);
                    o.tags = (0..rng.below(3)).map(|_| tag_pool[rng.below(4) as usize].to_string()).collect();
                    o.availability.weekly = WeeklySchedule::parse(schedules[rng.below(5) as usize]).unwrap();
                    o.capacity = 1 + rng.below(4) as i64;
                    o.load = rng.below(5) as i64;
                    o.active = rng.below(10) > 0;
                    let count = rng.below(20) as i64;
                    o.rating = (count * (1 + rng.below(5) as i64), count);
                    o
                })
                .collect();
            let at = monday_10() + rng.below(7 * 24) as i64 * 3_600_000;
            let need = NeedProfile { category: "elder_care", terms: &terms, area_path: BUILDING1, at };
            let c: Vec<Candidate<'_>> = owned.iter().map(Owned::candidate).collect();
            let r = rank(&need, &c, n);
            for (i, a) in r.iter().enumerate() {
                for b in &r[i + 1..] {
                    assert!(a.tier >= b.tier, "round {round}: {a:?} above {b:?}");
                    assert!(
                        a.available || !b.available,
                        "round {round}: unavailable {} above available {}",
                        a.id,
                        b.id
                    );
                    assert_eq!(a.available, a.tier == Tier::Now);
                    if a.tier == b.tier {
                        assert!(a.fit >= b.fit, "round {round}: {a:?} above {b:?}");
                    }
                }
            }
            let mut reversed = c.clone();
            reversed.reverse();
            assert_eq!(rank(&need, &reversed, n), r, "round {round}: order of input matters");
            let k = 1 + rng.below(n as u64) as usize;
            assert_eq!(rank(&need, &c, k), r[..k.min(r.len())].to_vec(), "round {round}: top {k} is a prefix");
        }
    }
}
