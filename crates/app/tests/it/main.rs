//! The app crate's integration tests, one binary: each file is the tests of one capability
//! or of storage, on both engines where a database is involved.

mod emergency;
mod needs;
mod notifications;
mod resources;
mod storage;
mod volunteers;
