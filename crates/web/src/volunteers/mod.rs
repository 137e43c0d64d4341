//! Volunteers (V1–V6) on the web. This stop brings the JSON API of the points ledger (the
//! interface contract scripts rely on) and the retention figures of any area; the pages come
//! with the rest of the capability.

pub mod api;

use crate::shell::manifest::{Job, Manifest, keyed};
use crate::shell::registry::Registry;

pub static MANIFEST: Manifest = Manifest {
    name: "volunteers",
    routes,
    openapi: || <api::VolunteersApi as utoipa::OpenApi>::openapi(),
    nav: &[],
    start: &[],
    jobs: &[
        Job {
            name: "activity-places-expire",
            every_secs: 60,
            run: |s, now| Box::pin(async move { wushe_app::volunteers::expire_places(&s.db, now).await }),
        },
        Job {
            name: "points-expire",
            every_secs: 3600,
            run: |s, now| Box::pin(async move { wushe_app::volunteers::expire_points(&s.db, now).await }),
        },
    ],
    catalogue: &[],
    keys: || keyed("notify.", ["volunteer_registered", "volunteer_approved", "volunteer_declined"]).collect(),
};

fn routes(r: &mut Registry) {
    api::routes(r);
}
