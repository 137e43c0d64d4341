//! The directory as Open Referral HSDS 3 (S4): services, organizations, locations, taxonomies.

pub mod api;

use crate::shell::manifest::{Manifest, no_api, no_keys};
use crate::shell::registry::Registry;

pub static MANIFEST: Manifest =
    Manifest { name: "hsds", routes, openapi: no_api, nav: &[], start: &[], jobs: &[], catalogue: &[], keys: no_keys };

fn routes(r: &mut Registry) {
    api::routes(r);
}
