//! Organizations (S3) and the public service directory (S4).

pub mod api;
pub mod directory;
pub mod pages;

use crate::shell::manifest::{Href, Manifest, NavEntry, Shown, keyed};
use crate::shell::registry::Registry;
use wushe_domain::access::Action;

pub static MANIFEST: Manifest = Manifest {
    name: "organizations",
    routes,
    openapi: || <api::OrganizationsApi as utoipa::OpenApi>::openapi(),
    nav: &[
        NavEntry {
            rank: 40,
            label: "nav.organizations",
            href: Href::Community("/communities/{c}/organizations"),
            shown: Shown::Allowed(Action::OrganizationRead),
        },
        NavEntry { rank: 160, label: "nav.directory", href: Href::Fixed("/directory"), shown: Shown::Always },
    ],
    start: &[],
    jobs: &[],
    catalogue: &["kind.org.", "post."],
    keys: || {
        use wushe_domain::organizations::{OrganizationKind, Post};
        keyed("kind.org.", OrganizationKind::ALL.iter().map(|k| k.code()))
            .chain(keyed("post.", Post::ALL.iter().map(|p| p.code())))
            .collect()
    },
};

fn routes(r: &mut Registry) {
    pages::routes(r);
    directory::routes(r);
    api::routes(r);
}
