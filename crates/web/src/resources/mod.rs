//! The resource database (R1–R2): resources, schedules and stock, sheets and HSDS imports, and
//! matching needs to resources.

pub mod api;
pub mod forms;
mod matches;
pub mod pages;
mod sheets;
pub mod views;

use crate::shell::manifest::{Href, Manifest, NavEntry, Shown, keyed};
use crate::shell::registry::Registry;
use wushe_domain::access::Action;

pub static MANIFEST: Manifest = Manifest {
    name: "resources",
    routes,
    openapi: || <api::ResourcesApi as utoipa::OpenApi>::openapi(),
    nav: &[
        NavEntry {
            rank: 70,
            label: "nav.resources",
            href: Href::Community("/communities/{c}/resources"),
            shown: Shown::Allowed(Action::ResourceRead),
        },
        NavEntry {
            rank: 140,
            label: "nav.my_resources",
            href: Href::Fixed("/my/resources"),
            shown: Shown::AllowedNot(Action::ResourceOwn, Action::ResourceManage),
        },
    ],
    start: &[],
    jobs: &[],
    catalogue: &["resource.kind.", "resource.status.", "resource.owner.", "match."],
    keys: || {
        use wushe_domain::resources::{ResourceKind, ResourceStatus};
        keyed("resource.kind.", ResourceKind::ALL.iter().map(|k| k.code()))
            .chain(keyed("resource.status.", ResourceStatus::ALL.iter().map(|s| s.code())))
            .collect()
    },
};

fn routes(r: &mut Registry) {
    pages::routes(r);
    sheets::routes(r);
    matches::routes(r);
    api::routes(r);
}
