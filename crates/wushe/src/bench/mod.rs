//! `wushe bench …`: speed figures named in the issues, each printed with its ratio to a trivial
//! baseline measured in the same run (ground rule 6). Results go to docs/benchmarks.md.

mod command;
mod dispatch;
mod emergency;
mod import;
mod load;
mod needs;
mod resources;
mod volunteers;

pub use command::{BenchCommand, run};
