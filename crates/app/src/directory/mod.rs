//! S4 — the public directory of organizations and their services, searched in Chinese.
//! Owns table `search_terms`: an inverted index of jieba search-mode terms, identical on both
//! engines (no FTS5/tsvector split). Terms are lower-cased; weight counts name hits thrice.

mod index;
mod search;

pub(crate) use index::on_organization_created;
pub use index::{index_organization, terms};
pub use search::{Hit, browse, search};
