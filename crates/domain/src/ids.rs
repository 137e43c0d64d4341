//! Typed record ids: a need's id cannot be passed where a resource's is wanted. They parse
//! from a path segment (a positive integer and nothing else), so anything else in an address
//! reads as a record that does not exist.

use std::fmt;

macro_rules! record_id {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(i64);

        impl $name {
            /// The id as stored (and bound in queries).
            pub fn get(self) -> i64 {
                self.0
            }

            /// A path segment or form value: digits only, positive, no sign or spaces.
            pub fn parse(s: &str) -> Option<Self> {
                if s.is_empty() || s.len() > 18 || !s.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                s.parse::<i64>().ok().filter(|n| *n > 0).map($name)
            }
        }

        /// Read back from a stored row (`#[sqlx(try_from = "i64")]`) or a JSON number; an id
        /// that names nothing is found missing by the lookup.
        impl From<i64> for $name {
            fn from(n: i64) -> Self {
                $name(n)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

record_id!(
    /// A need of the ledger (N1).
    NeedId
);
record_id!(
    /// A resource of the database (R1).
    ResourceId
);

record_id!(
    /// A resident (S2).
    PersonId
);
record_id!(
    /// A booking of a space (R4).
    BookingId
);
record_id!(
    /// An organization (S3).
    OrganizationId
);
record_id!(
    /// An emergency plan (E1).
    PlanId
);
record_id!(
    /// An incident or a drill (E2, E6).
    IncidentId
);
record_id!(
    /// A check-in on a vulnerable resident (E3).
    CheckinId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_positive_numbers_are_ids() {
        assert_eq!(NeedId::parse("42").map(NeedId::get), Some(42));
        for bad in ["", "0", "-3", "+3", " 3", "3 ", "3a", "1e3", "99999999999999999999"] {
            assert_eq!(NeedId::parse(bad), None, "{bad:?}");
        }
        assert_eq!(ResourceId::from(7).to_string(), "7");
    }
}
