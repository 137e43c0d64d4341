//! Shared web plumbing: the request context, errors and their renderings, message catalogues,
//! page layout, extractors, uploads and downloads, the route registry and the capability
//! manifest type. Capabilities import it; it never imports a capability.

pub mod cookies;
pub mod ctx;
pub mod design;
pub mod error;
pub mod error_pages;
pub mod extract;
pub mod files;
pub mod flash;
pub mod i18n;
pub mod ical;
pub mod json;
pub mod layout;
pub mod manifest;
pub mod next;
pub mod openapi;
pub mod pager;
pub mod registry;
pub mod route;
pub mod scope;
pub mod state;
pub mod uploads;
pub mod views;

pub use state::AppState;
