//! The route registry: each capability adds its pages and API routes with the action they
//! perform. A route cannot be added without an action; its method is named once, and the
//! handler is routed for exactly that method.

use crate::shell::AppState;
use crate::shell::ctx::guard;
use crate::shell::route::{Kind, RouteSpec, UPLOAD_LIMIT};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodFilter, MethodRouter};
use wushe_domain::access::Action;

pub struct Registry {
    state: AppState,
    router: Router<AppState>,
    pub specs: Vec<RouteSpec>,
    /// Paths that take uploads up to [`UPLOAD_LIMIT`]; every other body is held to [`BODY_LIMIT`].
    uploads: Vec<&'static str>,
}

impl Registry {
    pub fn new(state: AppState) -> Self {
        Registry { state, router: Router::new(), specs: Vec::new(), uploads: Vec::new() }
    }

    /// The router, the route table and the paths that take uploads.
    pub fn finish(self) -> (Router<AppState>, Vec<RouteSpec>, Vec<&'static str>) {
        (self.router, self.specs, self.uploads)
    }

    fn add(&mut self, kind: Kind, method: Method, path: &'static str, action: Action, route: MethodRouter<AppState>) {
        let layer = axum::middleware::from_fn_with_state((self.state.clone(), action, kind), guard);
        let r = std::mem::take(&mut self.router);
        self.router = r.route(path, route.route_layer(layer));
        self.specs.push(RouteSpec { method, path, action, kind });
    }

    /// One route of `kind`: the handler answers exactly `method` on `path`, behind the guard.
    pub fn route<H: Handler<T, AppState>, T: 'static>(
        &mut self,
        kind: Kind,
        method: Method,
        path: &'static str,
        action: Action,
        h: H,
    ) {
        let route = Self::on(&method, h);
        self.add(kind, method, path, action, route)
    }

    fn on<H: Handler<T, AppState>, T: 'static>(method: &Method, handler: H) -> MethodRouter<AppState> {
        let filter = MethodFilter::try_from(method.clone()).expect("a standard HTTP method");
        axum::routing::on(filter, handler)
    }

    /// A page (HTML, form posts with CSRF).
    pub fn page<H: Handler<T, AppState>, T: 'static>(&mut self, m: Method, p: &'static str, a: Action, h: H) {
        self.route(Kind::Page, m, p, a, h)
    }

    /// A JSON endpoint under `/api/v1`.
    pub fn api<H: Handler<T, AppState>, T: 'static>(&mut self, m: Method, p: &'static str, a: Action, h: H) {
        self.route(Kind::Api, m, p, a, h)
    }

    /// An Open311 GeoReport v2 endpoint (its own error format).
    pub fn open311<H: Handler<T, AppState>, T: 'static>(&mut self, m: Method, p: &'static str, a: Action, h: H) {
        self.route(Kind::Open311, m, p, a, h)
    }

    /// A route that takes a file: its body may be up to [`UPLOAD_LIMIT`], and a 413 says so.
    pub fn upload<H: Handler<T, AppState>, T: 'static>(
        &mut self,
        kind: Kind,
        method: Method,
        path: &'static str,
        action: Action,
        h: H,
    ) {
        self.uploads.push(path);
        let route = Self::on(&method, h).layer(DefaultBodyLimit::max(UPLOAD_LIMIT));
        self.add(kind, method, path, action, route)
    }
}

/// No page may run inline or foreign script, load anything from elsewhere, be framed, or
/// have its responses sniffed into another type; on HTTPS, browsers keep to HTTPS.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub async fn security_headers(
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
