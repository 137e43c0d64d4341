//! Small macros shared by the domain modules.

/// A closed set of values with a stable code each (stored, sent in forms and the API) and a
/// parser that names the field and message key when the code is unknown.
macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident, $field:literal, $err:literal { $($v:ident => $c:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($v),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            pub fn code(self) -> &'static str { match self { $($name::$v => $c),+ } }
            pub fn parse(s: &str) -> Result<Self, FieldError> {
                Self::ALL.iter().copied().find(|k| k.code() == s.trim())
                    .ok_or(FieldError::new($field, $err))
            }
        }
        /// Stored codes read back (`#[sqlx(try_from = "String")]` on a row's field).
        impl TryFrom<String> for $name {
            type Error = FieldError;
            fn try_from(s: String) -> Result<Self, FieldError> { Self::parse(&s) }
        }
    };
}
