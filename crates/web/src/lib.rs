//! Wushe's web layer: server-rendered pages, the JSON API under `/api/v1`, and the one place
//! where errors become HTTP. Handlers are thin: extract, call one app command or query, render.
//!
//! Every route is registered through [`routes::Registry`] with the [`Action`] it performs; a
//! guard middleware applies the coarse policy (sign-in, any grant allowing the action) and the
//! CSRF check for form posts, and the app layer applies the fine, per-record decision.

pub mod accounts;
pub mod api;
pub mod areas;
pub mod bookings;
pub mod claims;
pub mod ctx;
pub mod directory;
pub mod error;
pub mod extract;
pub mod hsds;
pub mod i18n;
pub mod ical;
pub mod inbox;
pub mod needs;
pub mod needs_api;
pub mod open311;
pub mod openapi;
pub mod organizations;
pub mod outbox;
pub mod people;
pub mod resources;
pub mod resources_api;
pub mod routes;
pub mod situation_map;
pub mod uploads;
pub mod view;

use axum::Router;
use std::sync::Arc;
use wushe_app::{Clock, Db};

pub use routes::{Kind, RouteSpec};

/// Shared state of a running server.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub limiter: Arc<ctx::LoginLimiter>,
    /// Whether the session cookie gets the `Secure` flag (off for plain-HTTP local use).
    pub secure_cookies: bool,
    /// Group commit of need submissions (N1 at volume).
    pub submissions: wushe_app::needs::SubmitQueue,
    /// Where files (need photos) are kept, outside the database.
    pub data_dir: std::path::PathBuf,
    /// Whether the client's address is the last `X-Forwarded-For` entry (behind a reverse
    /// proxy that sets it) rather than the connection's peer.
    pub trust_forwarded_for: bool,
    /// What an uploaded spreadsheet may hold (rows, columns, cells, unzipped bytes).
    pub sheet_limits: wushe_app::sheets::Limits,
}

impl AppState {
    pub fn new(db: Db, clock: Arc<dyn Clock>) -> Self {
        Self {
            submissions: wushe_app::needs::SubmitQueue::start(db.clone()),
            db,
            clock,
            limiter: Arc::new(ctx::LoginLimiter::default()),
            secure_cookies: false,
            data_dir: std::env::var_os("WUSHE_DATA_DIR").map(Into::into).unwrap_or_else(|| "data".into()),
            sheet_limits: wushe_app::sheets::Limits::default(),
            trust_forwarded_for: false,
        }
    }
    pub fn now(&self) -> i64 {
        self.clock.now_millis()
    }
    pub fn this_year(&self) -> i32 {
        use chrono::Datelike;
        chrono::DateTime::from_timestamp_millis(self.now()).map(|d| d.year()).unwrap_or(2026)
    }
}

/// The whole application: every capability's routes plus shared layers.
pub fn app(state: AppState) -> Router {
    let (router, _) = routes::build(state);
    router
}

/// The application as a service that knows each connection's address (the login limit keys
/// on it); what `serve` and the tests listen with.
pub fn service(
    state: AppState,
) -> axum::extract::connect_info::IntoMakeServiceWithConnectInfo<Router, std::net::SocketAddr> {
    app(state).into_make_service_with_connect_info::<std::net::SocketAddr>()
}

/// Every registered route with its action; the route × role test walks this list.
pub fn route_table(state: AppState) -> Vec<RouteSpec> {
    routes::build(state).1
}
