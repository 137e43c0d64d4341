//! Wushe's web layer: server-rendered pages, the JSON API under `/api/v1`, and the one place
//! where errors become HTTP. Handlers are thin: extract, call one app command or query, render.
//!
//! Each capability is a folder with a `mod.rs` holding its [`shell::manifest::Manifest`];
//! `capabilities::ALL` lists them. Every route is registered through
//! [`shell::registry::Registry`] with the [`Action`] it performs; a
//! guard middleware applies the coarse policy (sign-in, any grant allowing the action) and the
//! CSRF check for form posts, and the app layer applies the fine, per-record decision.

pub mod accounts;
pub mod areas;
pub mod bookings;
pub mod capabilities;
pub mod claims;
pub mod emergency;
pub mod hsds;
pub mod needs;
pub mod notifications;
pub mod open311;
pub mod organizations;
pub mod people;
pub mod resources;
pub mod shell;
pub mod volunteers;

use axum::Router;

pub use shell::AppState;
pub use shell::ical;
pub use shell::route::{Kind, RouteSpec};

/// The whole application: every capability's routes plus shared layers.
pub fn app(state: AppState) -> Router {
    let (router, _) = capabilities::build(state);
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
    capabilities::build(state).1
}
