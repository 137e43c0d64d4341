//! Open311 GeoReport v2 (X5) — the keys that let outside clients post service requests, and
//! the queries the GeoReport endpoints need. Owns table `open311_keys`; service requests are
//! needs (channel `open311`), created through [`crate::needs::submit`].
//!
//! Privacy (X1): the public request list shows a household-level place as its building, and
//! shows descriptions only of common needs and of requests that came in through Open311.

mod keys;
mod places;
mod requests;

pub use keys::{Key, add_key, check_key, keys, revoke_key};
pub use places::{centroid, jurisdiction, locate};
pub use requests::{PublicRequest, RequestQuery, requests};
