//! A new area's form and what it parses into.

use wushe_domain::areas::{AreaCode, AreaKind};

/// What a new area needs, with its code already decided (demo generator, bulk loads).
#[derive(Debug, Clone)]
pub struct NewArea {
    pub parent_code: Option<String>,
    pub kind: AreaKind,
    pub code: AreaCode,
    pub name: String,
    pub geojson: Option<String>,
}

/// Raw fields of the "add a sub-area" form, API body and `wushe area add`. An empty code means
/// "the next free number at this level".
#[derive(Debug, Clone, Default)]
pub struct AreaForm {
    pub parent_code: String,
    pub kind: String,
    pub code: String,
    pub name: String,
}
