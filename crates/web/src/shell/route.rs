//! What a route is, below the registry that adds them: its kind (page, API, Open311) and the
//! limits on request bodies.

use axum::http::Method;
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

/// The route table of this process, for the OpenAPI document (each operation's security).
pub static ROUTES: std::sync::OnceLock<Vec<RouteSpec>> = std::sync::OnceLock::new();

/// Request bodies above this size are refused with 413 before any parsing.
pub const BODY_LIMIT: usize = 256 * 1024;
/// File uploads (ledger imports) may be larger; only routes that opt in accept them.
pub const UPLOAD_LIMIT: usize = 20 * 1024 * 1024;
