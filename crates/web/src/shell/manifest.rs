//! What a capability declares about itself, in one place: its routes, its OpenAPI paths, its
//! entries in the navigation, its background jobs and the prefixes of its message keys. The
//! router, the OpenAPI document, the navigation, the job runner and the catalogue test iterate
//! over the list in `crate::capabilities`; adding a capability adds one line there.

use crate::shell::AppState;
use crate::shell::registry::Registry;
use std::future::Future;
use std::pin::Pin;
use wushe_app::AppError;
use wushe_domain::access::Action;

pub struct Manifest {
    /// The capability's name, as its folders are named.
    pub name: &'static str,
    /// Registers every page and API route with its action.
    pub routes: fn(&mut Registry),
    /// The capability's part of the OpenAPI document.
    pub openapi: fn() -> utoipa::openapi::OpenApi,
    pub nav: &'static [NavEntry],
    /// The few things people come to do, offered as buttons at the top of their home page
    /// (the first one a reader may follow is the primary): one tap from signing in.
    pub start: &'static [NavEntry],
    pub jobs: &'static [Job],
    /// Prefixes (with the trailing dot) of the message keys the capability builds at run time
    /// or names in its code; the catalogue test checks each such key has both translations.
    pub catalogue: &'static [&'static str],
    /// Every key the capability builds at run time (from codes of its domain types), so the
    /// catalogue test sees them too.
    pub keys: fn() -> Vec<String>,
}

/// For capabilities that build no keys at run time.
pub fn no_keys() -> Vec<String> {
    Vec::new()
}

/// `prefix` + each code: the keys of a closed set of values.
pub fn keyed<'a>(prefix: &'a str, codes: impl IntoIterator<Item = &'a str> + 'a) -> impl Iterator<Item = String> + 'a {
    codes.into_iter().map(move |c| format!("{prefix}{c}"))
}

/// An OpenAPI document with no paths, for capabilities that publish none.
pub fn no_api() -> utoipa::openapi::OpenApi {
    utoipa::openapi::OpenApiBuilder::new().build()
}

/// One link in the navigation. `rank` orders links across capabilities.
pub struct NavEntry {
    pub rank: u16,
    pub label: &'static str,
    pub href: Href,
    pub shown: Shown,
}

/// Where a navigation link goes.
pub enum Href {
    /// Under the reader's home community: `{c}` is replaced by its code.
    Community(&'static str),
    /// For people whose grants stop at a street (street officers): `{s}` is its code.
    Street(&'static str),
    Fixed(&'static str),
}

/// Who sees a navigation link.
pub enum Shown {
    Always,
    SignedIn,
    /// Anyone whose grants allow the action somewhere.
    Allowed(Action),
    /// Allowed the first action but not the second (e.g. owners who are not managers).
    AllowedNot(Action, Action),
}

/// The future a job returns: how many records it touched.
pub type JobFuture = Pin<Box<dyn Future<Output = Result<usize, AppError>> + Send>>;

/// A background job `serve` runs every `every_secs`; it reads its work from the tables, so a
/// restart just resumes.
pub struct Job {
    pub name: &'static str,
    pub every_secs: u64,
    pub run: fn(AppState, i64) -> JobFuture,
}
