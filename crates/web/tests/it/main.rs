//! The web crate's integration tests, one binary: HTTP stories per capability, the route ×
//! role table, Open311, and the pages in Chromium.

mod browser;
mod crawl;
mod emergency_http;
mod emergency_pages;
mod http;
mod journeys;
mod needs_http;
mod open311;
mod pages_http;
mod records;
mod resources_http;
mod routes;
mod security_http;
mod sheets_http;
mod snapshots;
mod volunteer_pages;
mod volunteers_http;
