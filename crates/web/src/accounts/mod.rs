//! Accounts: sign-in and out, the account page, language and large-text preferences, and the
//! session API.

pub mod api;
pub mod pages;

use crate::shell::manifest::{Href, Manifest, NavEntry, Shown, keyed};
use crate::shell::registry::Registry;

pub use pages::sign_in;

pub static MANIFEST: Manifest = Manifest {
    name: "accounts",
    routes,
    openapi: || <api::AccountsApi as utoipa::OpenApi>::openapi(),
    nav: &[NavEntry { rank: 180, label: "nav.account", href: Href::Fixed("/account"), shown: Shown::SignedIn }],
    start: &[],
    jobs: &[],
    catalogue: &["role."],
    keys: || keyed("role.", wushe_domain::access::Role::ALL.iter().map(|r| r.code())).collect(),
};

fn routes(r: &mut Registry) {
    pages::routes(r);
    api::routes(r);
}
