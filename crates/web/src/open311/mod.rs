//! Open311 GeoReport v2 (N1 for outside clients): services, requests and tokens in JSON and XML.

pub mod api;

use crate::shell::manifest::{Manifest, no_api, no_keys};
use crate::shell::registry::Registry;

pub static MANIFEST: Manifest = Manifest {
    name: "open311",
    routes,
    openapi: no_api,
    nav: &[],
    start: &[],
    jobs: &[],
    catalogue: &[],
    keys: no_keys,
};

fn routes(r: &mut Registry) {
    api::routes(r);
}
