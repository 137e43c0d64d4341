//! Areas (S1): the community overview, the area tree, and the community audit log (X1).

pub mod api;
pub mod audit;
pub mod pages;

use crate::shell::manifest::{Href, Manifest, NavEntry, Shown, keyed};
use crate::shell::registry::Registry;
use wushe_domain::access::Action;

pub static MANIFEST: Manifest = Manifest {
    name: "areas",
    routes,
    openapi: || <api::AreasApi as utoipa::OpenApi>::openapi(),
    nav: &[
        NavEntry {
            rank: 10,
            label: "nav.overview",
            href: Href::Community("/communities/{c}"),
            shown: Shown::Allowed(Action::OverviewRead),
        },
        NavEntry {
            rank: 20,
            label: "nav.areas",
            href: Href::Community("/areas/{c}"),
            shown: Shown::Allowed(Action::AreaRead),
        },
        NavEntry {
            rank: 90,
            label: "nav.audit",
            href: Href::Community("/communities/{c}/audit"),
            shown: Shown::Allowed(Action::AuditRead),
        },
    ],
    start: &[],
    jobs: &[],
    catalogue: &["kind.area.", "audit.action.", "audit.subject.", "audit.need_step"],
    keys: || {
        keyed("kind.area.", wushe_domain::areas::AreaKind::ALL.iter().map(|k| k.code()))
            .chain(keyed("audit.action.", audit::NAMED_ACTIONS.iter().copied()))
            .collect()
    },
};

fn routes(r: &mut Registry) {
    pages::routes(r);
    audit::routes(r);
    api::routes(r);
}
