//! S1 — the area tree. Owns table `areas`.
//!
//! Roll-ups use the materialised `path` (codes joined by `/`): a subtree is the range
//! `path >= P AND path < P || '~'`, which both engines answer from the `areas.path` index.

mod commands;
mod forms;
mod model;
mod queries;

pub use commands::{create, insert, insert_many, set_geojson};
pub use forms::{AreaForm, NewArea};
pub use model::{Area, AreaSummary};
pub use queries::{
    Place, all_communities, ancestors, by_code, by_code_cached, by_codes, by_id, by_ids, by_path_in, children,
    communities, count_in_subtree, divisions, in_subtree, places_in, visible,
};
