//! S1 — the area tree: city > district > street > community > grid > micro-grid > building >
//! household, any depth.
//!
//! An area's code follows China's statistical division codes (统计用区划代码): 2 digits province,
//! 4 city, 6 county/district, 9 street, 12 community. Below a community every level appends a
//! fixed-width segment (see [`AreaKind::segment_width`]), so a code always starts with its
//! parent's code. The storage layer keeps a materialised path of codes for roll-up queries.

use crate::error::FieldError;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AreaKind {
    Province,
    City,
    District,
    Street,
    Community,
    Grid,
    MicroGrid,
    Building,
    Household,
}

/// Stored codes read back (`#[sqlx(try_from = "String")]` on a row's field).
impl TryFrom<String> for AreaKind {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, FieldError> {
        Self::parse(&s)
    }
}

impl AreaKind {
    pub const ALL: [AreaKind; 9] = [
        AreaKind::Province,
        AreaKind::City,
        AreaKind::District,
        AreaKind::Street,
        AreaKind::Community,
        AreaKind::Grid,
        AreaKind::MicroGrid,
        AreaKind::Building,
        AreaKind::Household,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AreaKind::Province => "province",
            AreaKind::City => "city",
            AreaKind::District => "district",
            AreaKind::Street => "street",
            AreaKind::Community => "community",
            AreaKind::Grid => "grid",
            AreaKind::MicroGrid => "micro_grid",
            AreaKind::Building => "building",
            AreaKind::Household => "household",
        }
    }

    pub fn parse(s: &str) -> Result<Self, FieldError> {
        Self::ALL.into_iter().find(|k| k.code() == s).ok_or(FieldError::new("kind", "errors.area_kind.invalid"))
    }

    /// Depth rank: a child must rank strictly below its parent. Grids may nest (the 5-level
    /// grid of [002 §4.1] has grids inside grids), so grid ranks equal to grid are allowed.
    fn rank(self) -> u8 {
        match self {
            AreaKind::Province => 0,
            AreaKind::City => 1,
            AreaKind::District => 2,
            AreaKind::Street => 3,
            AreaKind::Community => 4,
            AreaKind::Grid => 5,
            AreaKind::MicroGrid => 6,
            AreaKind::Building => 7,
            AreaKind::Household => 8,
        }
    }

    /// Whether an area of kind `child` may sit directly below one of kind `self`.
    pub fn may_contain(self, child: AreaKind) -> bool {
        if self == AreaKind::Household {
            return false;
        }
        child.rank() > self.rank() || (self == AreaKind::Grid && child == AreaKind::Grid)
    }

    /// Total code length for the statutory levels; below a community, the width of the
    /// segment this kind appends to its parent's code.
    pub fn segment_width(self) -> usize {
        match self {
            AreaKind::Province => 2,
            AreaKind::City => 2,
            AreaKind::District => 2,
            AreaKind::Street => 3,
            AreaKind::Community => 3,
            AreaKind::Grid => 2,
            AreaKind::MicroGrid => 2,
            AreaKind::Building => 3,
            AreaKind::Household => 4,
        }
    }

    /// Whether records of this kind belong to one community (the tenant key).
    pub fn is_within_community(self) -> bool {
        self.rank() >= AreaKind::Community.rank()
    }
}

impl fmt::Display for AreaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A digits-only hierarchical area code such as `510104001001`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AreaCode(String);

impl AreaCode {
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(FieldError::new("code", "errors.required"));
        }
        if s.len() < 2 || s.len() > 40 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldError::new("code", "errors.area_code.invalid"));
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code of the `n`-th child (1-based) of this area when the child has `kind`.
    pub fn child(&self, kind: AreaKind, n: u32) -> Result<AreaCode, FieldError> {
        let w = kind.segment_width();
        let seg = format!("{n:0w$}");
        if seg.len() != w || n == 0 {
            return Err(FieldError::new("code", "errors.area_code.segment_overflow"));
        }
        Ok(AreaCode(format!("{}{}", self.0, seg)))
    }

    /// Checks that `self` is a well-formed child code of `parent` for `kind`.
    pub fn check_child_of(&self, parent: &AreaCode, kind: AreaKind) -> Result<(), FieldError> {
        let ok = self.0.starts_with(&parent.0) && self.0.len() == parent.0.len() + kind.segment_width();
        if ok { Ok(()) } else { Err(FieldError::new("code", "errors.area_code.not_child")) }
    }
}

impl fmt::Display for AreaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A materialised path: the codes from the root to the area, each followed by `/`.
/// `a` is in the subtree of `b` exactly when `a.path` starts with `b.path`; the storage
/// layer turns that into the index-friendly range `[path, path + "~")`.
pub fn child_path(parent_path: &str, code: &AreaCode) -> String {
    format!("{parent_path}{}/", code.0)
}

/// The exclusive upper bound of a subtree range for [`child_path`] paths.
pub fn subtree_upper_bound(path: &str) -> String {
    format!("{path}~")
}

/// A longitude/latitude polygon ring used by the situation map; kept as GeoJSON text in
/// storage. Here only the rule that a name is required and short.
pub fn parse_area_name(raw: &str) -> Result<String, FieldError> {
    crate::error::text("name", raw, 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_parse_digits_only() {
        assert!(AreaCode::parse("510104001001").is_ok());
        assert_eq!(AreaCode::parse("51a").unwrap_err().key, "errors.area_code.invalid");
        assert_eq!(AreaCode::parse("  ").unwrap_err().key, "errors.required");
    }

    #[test]
    fn child_codes_extend_the_parent() {
        let c = AreaCode::parse("510104001001").unwrap();
        let g = c.child(AreaKind::Grid, 3).unwrap();
        assert_eq!(g.as_str(), "51010400100103");
        assert!(g.check_child_of(&c, AreaKind::Grid).is_ok());
        assert!(g.check_child_of(&c, AreaKind::Building).is_err());
        assert!(c.child(AreaKind::Grid, 100).is_err());
        assert!(c.child(AreaKind::Grid, 0).is_err());
    }

    #[test]
    fn nesting_rules_allow_both_papers_layouts() {
        // [000 §4.1]: community > grid > building > household
        assert!(AreaKind::Community.may_contain(AreaKind::Grid));
        assert!(AreaKind::Grid.may_contain(AreaKind::Building));
        // [002 §4.1]: grids within grids, then micro-grids (building groups)
        assert!(AreaKind::Grid.may_contain(AreaKind::Grid));
        assert!(AreaKind::Grid.may_contain(AreaKind::MicroGrid));
        assert!(AreaKind::MicroGrid.may_contain(AreaKind::Building));
        assert!(!AreaKind::Building.may_contain(AreaKind::Grid));
        assert!(!AreaKind::Household.may_contain(AreaKind::Household));
    }

    #[test]
    fn subtree_range_contains_descendants_only() {
        let p = "51/5101/";
        let child = child_path(p, &AreaCode::parse("510104").unwrap());
        let upper = subtree_upper_bound(p);
        assert!(child.as_str() >= p && child.as_str() < upper.as_str());
        let sibling = "52/";
        assert!(!(sibling >= p && sibling < upper.as_str()));
    }
}
