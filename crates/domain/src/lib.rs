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
pub mod error;
pub mod matching;
pub mod metrics;
pub mod needs;
pub mod organizations;
pub mod people;
pub mod resources;

pub use error::{FieldError, FieldErrors};
