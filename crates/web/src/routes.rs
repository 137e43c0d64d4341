//! The route registry: each capability module adds its pages and API routes with the action
//! they perform. A route cannot be added without an action, and `route_table` lists them all.

use crate::ctx::{Ctx, guard};
use crate::{AppState, accounts, api, areas, directory, error, needs, organizations, people};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::MethodRouter;
use wushe_domain::access::Action;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Page,
    Api,
    /// Open311 GeoReport v2: its own error format; POST requires an api_key (403 without).
    Open311,
}

#[derive(Debug, Clone)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub action: Action,
    pub kind: Kind,
}

pub struct Registry {
    state: AppState,
    router: Router<AppState>,
    pub specs: Vec<RouteSpec>,
    /// Paths that take uploads up to [`UPLOAD_LIMIT`]; every other body is held to [`BODY_LIMIT`].
    uploads: Vec<&'static str>,
}

impl Registry {
    /// Registers one method on one path; the guard runs before the handler.
    pub fn add(
        &mut self,
        kind: Kind,
        method: Method,
        path: &'static str,
        action: Action,
        handler: MethodRouter<AppState>,
    ) {
        let layer = axum::middleware::from_fn_with_state((self.state.clone(), action, kind), guard);
        let r = std::mem::take(&mut self.router);
        self.router = r.route(path, handler.route_layer(layer));
        self.specs.push(RouteSpec { method, path, action, kind });
    }
    /// A route that takes a file: its body may be up to [`UPLOAD_LIMIT`], and a 413 says so.
    pub fn upload(
        &mut self,
        kind: Kind,
        method: Method,
        path: &'static str,
        action: Action,
        handler: MethodRouter<AppState>,
    ) {
        self.uploads.push(path);
        self.add(kind, method, path, action, handler.layer(DefaultBodyLimit::max(UPLOAD_LIMIT)))
    }
    pub fn page(&mut self, method: Method, path: &'static str, action: Action, handler: MethodRouter<AppState>) {
        self.add(Kind::Page, method, path, action, handler)
    }
    pub fn api(&mut self, method: Method, path: &'static str, action: Action, handler: MethodRouter<AppState>) {
        self.add(Kind::Api, method, path, action, handler)
    }
    /// One Open311 path may answer several methods; the router gets it once, the table
    /// lists each method.
    pub fn open311(&mut self, method: Method, path: &'static str, action: Action, handler: MethodRouter<AppState>) {
        if self.specs.iter().any(|s| s.path == path) {
            self.specs.push(RouteSpec { method, path, action, kind: Kind::Open311 });
        } else {
            self.add(Kind::Open311, method, path, action, handler)
        }
    }
}

/// The route table of this process, for the OpenAPI document (each operation's security).
pub static ROUTES: std::sync::OnceLock<Vec<RouteSpec>> = std::sync::OnceLock::new();

/// Request bodies above this size are refused with 413 before any parsing.
pub const BODY_LIMIT: usize = 256 * 1024;
/// File uploads (ledger imports) may be larger; only routes that opt in accept them.
pub const UPLOAD_LIMIT: usize = 20 * 1024 * 1024;

pub fn build(state: AppState) -> (Router, Vec<RouteSpec>) {
    let mut reg = Registry { state: state.clone(), router: Router::new(), specs: Vec::new(), uploads: Vec::new() };
    accounts::routes(&mut reg);
    areas::routes(&mut reg);
    people::routes(&mut reg);
    organizations::routes(&mut reg);
    directory::routes(&mut reg);
    needs::routes(&mut reg);
    crate::needs_api::routes(&mut reg);
    crate::inbox::routes(&mut reg);
    crate::outbox::routes(&mut reg);
    crate::open311::routes(&mut reg);
    crate::situation_map::routes(&mut reg);
    crate::resources::routes(&mut reg);
    crate::resources_api::routes(&mut reg);
    crate::claims::routes(&mut reg);
    crate::bookings::routes(&mut reg);
    crate::hsds::routes(&mut reg);
    api::routes(&mut reg);
    let specs = reg.specs;
    let _ = ROUTES.set(specs.clone());
    let uploads: std::sync::Arc<[&'static str]> = reg.uploads.into();
    let router = reg
        .router
        .fallback(error::not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(UPLOAD_LIMIT))
        .layer(axum::middleware::from_fn_with_state(uploads, error::problem_for_bare_errors))
        .layer(axum::middleware::map_response_with_state(state.secure_cookies, security_headers))
        .with_state(state);
    (router, specs)
}

/// No page may run inline or foreign script, load anything from elsewhere, be framed, or
/// have its responses sniffed into another type; on HTTPS, browsers keep to HTTPS.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

async fn security_headers(
    axum::extract::State(https): axum::extract::State<bool>,
    mut res: axum::response::Response,
) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if https {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    res
}

/// Helper for handlers that only need the context.
pub type C = Ctx;
