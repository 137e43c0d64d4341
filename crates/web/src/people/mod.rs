//! Residents (S2): lists, records, registration and the audited reveal of full values.

pub mod api;
pub mod pages;

use crate::shell::manifest::{Href, Manifest, NavEntry, Shown, keyed};
use crate::shell::registry::Registry;
use wushe_domain::access::Action;

pub static MANIFEST: Manifest = Manifest {
    name: "people",
    routes,
    openapi: || <api::PeopleApi as utoipa::OpenApi>::openapi(),
    nav: &[NavEntry {
        rank: 30,
        label: "nav.residents",
        href: Href::Community("/communities/{c}/residents"),
        shown: Shown::Allowed(Action::ResidentRead),
    }],
    start: &[],
    jobs: &[],
    catalogue: &["vul."],
    keys: || keyed("vul.", wushe_domain::people::Vulnerability::ALL.iter().map(|v| v.code())).collect(),
};

fn routes(r: &mut Registry) {
    pages::routes(r);
    api::routes(r);
}
