//! Wushe's domain core: the rules of the Five-Social Linkage platform with no I/O.
//!
//! Every value that enters the system is parsed here once into a type that cannot hold an
//! invalid value (`AreaCode`, `PhoneNumber`, `IdNumber`…). Parsing failures are `FieldError`s
//! that name the field and a message key, so pages and the API can say what is wrong in the
//! reader's language. The crate has no dependencies on HTTP, SQL or serialisation on purpose.

#[macro_use]
mod macros;

pub mod access;
pub mod areas;
pub mod dispatch;
pub mod emergency;
pub mod error;
pub mod geo;
pub mod ids;
pub mod matching;
pub mod metrics;
pub mod needs;
pub mod organizations;
pub mod people;
pub mod policy;
pub mod resources;
pub mod rng;
pub mod volunteers;

pub use error::{FieldError, FieldErrors};

/// The local time of every community: China Standard Time, UTC+8, without daylight saving
/// since 1991. Deadlines, opening hours, months and dates are counted in it; times are
/// stored in UTC. The one definition; `wushe_app::clock::local` is its chrono form.
pub const LOCAL_OFFSET_MS: i64 = 8 * 3_600_000;
