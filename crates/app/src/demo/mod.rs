//! §12 — the demo communities and the deterministic synthetic data generator.
//!
//! S社区 follows `[000 §4.1–4.2]` (6,328 households, 4 grids, 7 self-governance groups,
//! 5 party branches with 198 party members, 286 volunteers, 14 two-committee members, 4
//! situation messengers, 4 integrity supervisors, a foundation with ¥3.2 M for 18 micro-renewal
//! projects); A社区 follows `[002 §3.1, §4.1–4.2]` (118 buildings, 2,716 households, ~6,300
//! residents, 40% elderly, 7 micro-grids each led by a party-branch secretary and a social
//! worker, 7 volunteer groups). Names of people and of organizations the papers leave unnamed
//! are synthetic. The same seed always yields the same data.

mod accounts;
mod city;
mod communities;
mod emergency;
mod emergency_scale;
mod needs;
mod organizations;
pub(crate) mod papers;
mod resources;
mod rng;
mod synthetic;
mod volunteer_story;
mod volunteers;

pub use accounts::{DEMO_ACCOUNTS, DEMO_PASSWORD};
pub use city::{CityGenerated, CityScale, generate_city};
pub use communities::{CommunitySpec, Generated};
pub use emergency_scale::{Helpers, emergency_helpers};
pub use organizations::Flavour;
pub use papers::{DemoRun, DemoStep, STEPS, seed_papers};
pub use resources::generate_resources;
pub use rng::Rng;
pub use synthetic::{Scale, generate};
