//! The claim list (R3): needs listed for volunteers and organizations to take, one holder each.

pub mod api;
pub mod pages;

use crate::shell::manifest::{Href, Job, Manifest, NavEntry, Shown, no_keys};
use crate::shell::registry::Registry;
use wushe_domain::access::Action;

pub static MANIFEST: Manifest = Manifest {
    name: "claims",
    routes,
    openapi: || <api::ClaimsApi as utoipa::OpenApi>::openapi(),
    nav: &[NavEntry {
        rank: 130,
        label: "nav.claims",
        href: Href::Fixed("/claims"),
        shown: Shown::Allowed(Action::NeedClaim),
    }],
    start: &[NavEntry {
        rank: 35,
        label: "start.claims",
        href: Href::Fixed("/claims"),
        shown: Shown::Allowed(Action::NeedClaim),
    }],
    jobs: &[Job {
        name: "claims-expire",
        every_secs: 60,
        run: |s, now| Box::pin(async move { wushe_app::claims::expire(&s.db, now).await }),
    }],
    catalogue: &[],
    keys: no_keys,
};

fn routes(r: &mut Registry) {
    pages::routes(r);
    api::routes(r);
}
