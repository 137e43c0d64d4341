//! S2 — residents and households, and the personal data rules of X1.
//!
//! Phone numbers and ID numbers are parsed here and can only leave this module masked unless
//! the caller asks for [`PhoneNumber::reveal`] / [`IdNumber::reveal`], which the app layer does
//! only for roles that need the full value (and then writes an audit entry).

use crate::error::FieldError;

/// A mainland mobile number: 11 digits starting with 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s: String = raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let s = s.strip_prefix("+86").unwrap_or(&s).to_string();
        if s.len() == 11 && s.starts_with('1') && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(s))
        } else {
            Err(FieldError::new("phone", "errors.phone.invalid"))
        }
    }

    /// `138****1234`: the form every page and API shows by default.
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }

    pub fn reveal(&self) -> &str {
        &self.0
    }
}

/// A resident identity card number (GB 11643-1999): 17 digits and a check character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdNumber(String);

impl IdNumber {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim().to_ascii_uppercase();
        let bytes = s.as_bytes();
        if bytes.len() != 18 || !bytes[..17].iter().all(u8::is_ascii_digit) {
            return Err(FieldError::new("id_number", "errors.id_number.invalid"));
        }
        if check_char(&bytes[..17]) != bytes[17] as char {
            return Err(FieldError::new("id_number", "errors.id_number.checksum"));
        }
        Ok(Self(s))
    }

    /// Builds a valid number from 17 digits by computing the check character; used by the
    /// synthetic demo generator.
    pub fn from_body(body17: &str) -> Result<Self, FieldError> {
        let b = body17.as_bytes();
        if b.len() != 17 || !b.iter().all(u8::is_ascii_digit) {
            return Err(FieldError::new("id_number", "errors.id_number.invalid"));
        }
        Ok(Self(format!("{body17}{}", check_char(b))))
    }

    /// `510104********1234`: region kept, birth date hidden.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }

    pub fn reveal(&self) -> &str {
        &self.0
    }
}

fn check_char(body: &[u8]) -> char {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const C: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    let sum: u32 = body.iter().zip(W).map(|(d, w)| u32::from(d - b'0') * w).sum();
    C[(sum % 11) as usize]
}

/// An e-mail address for notifications: empty means none; otherwise `local@domain` with a
/// dotted domain, no spaces or control characters, at most 254 characters (RFC 5321). Kept
/// as written, the domain in lower case.
pub fn parse_email(raw: &str) -> Result<Option<String>, FieldError> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let bad = || FieldError::new("email", "errors.email.invalid");
    let (local, domain) = t.rsplit_once('@').ok_or_else(bad)?;
    let ok_chars = |s: &str| {
        !s.is_empty() && s.chars().all(|c| !c.is_whitespace() && !c.is_control() && !"<>()[],;:\\\"@".contains(c))
    };
    let labels_ok = domain.split('.').count() >= 2
        && domain.split('.').all(|l| !l.is_empty() && l.chars().all(|c| c.is_alphanumeric() || c == '-'));
    if t.len() > 254 || local.len() > 64 || !ok_chars(local) || !labels_ok {
        return Err(bad());
    }
    Ok(Some(format!("{local}@{}", domain.to_lowercase())))
}

/// A person's name as written: 1–30 characters.
pub fn parse_person_name(raw: &str) -> Result<String, FieldError> {
    crate::error::text("name", raw, 30)
}

/// Masks a name for lists seen by roles without a purpose: 张三丰 → 张**.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => {
            let rest = chars.count();
            format!("{first}{}", "*".repeat(rest.max(1)))
        }
        None => String::new(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gender {
    Female,
    Male,
}

impl Gender {
    pub fn code(self) -> &'static str {
        match self {
            Gender::Female => "female",
            Gender::Male => "male",
        }
    }
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        match s {
            "female" => Ok(Gender::Female),
            "male" => Ok(Gender::Male),
            _ => Err(FieldError::new("gender", "errors.gender.invalid")),
        }
    }
}

/// Vulnerability flags used by emergency mode and check-in tasks `[004 §4.2.1]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Vulnerability {
    ElderlyAlone,
    Elderly,
    Disabled,
    ChronicIllness,
    ChildAlone,
    LowIncome,
    Pregnant,
}

impl Vulnerability {
    pub const ALL: [Vulnerability; 7] = [
        Vulnerability::ElderlyAlone,
        Vulnerability::Elderly,
        Vulnerability::Disabled,
        Vulnerability::ChronicIllness,
        Vulnerability::ChildAlone,
        Vulnerability::LowIncome,
        Vulnerability::Pregnant,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Vulnerability::ElderlyAlone => "elderly_alone",
            Vulnerability::Elderly => "elderly",
            Vulnerability::Disabled => "disabled",
            Vulnerability::ChronicIllness => "chronic_illness",
            Vulnerability::ChildAlone => "child_alone",
            Vulnerability::LowIncome => "low_income",
            Vulnerability::Pregnant => "pregnant",
        }
    }

    pub fn parse(s: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|v| v.code() == s)
            .ok_or(FieldError::new("vulnerability", "errors.vulnerability.invalid"))
    }
}

/// A set of flags stored as a comma-separated list of codes (stable across engines).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vulnerabilities(Vec<Vulnerability>);

impl Vulnerabilities {
    pub fn new(mut v: Vec<Vulnerability>) -> Self {
        v.sort();
        v.dedup();
        Self(v)
    }
    pub fn parse_list(s: &str) -> Result<Self, FieldError> {
        let v = s
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(Vulnerability::parse)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::new(v))
    }
    pub fn to_list(&self) -> String {
        self.0.iter().map(|v| v.code()).collect::<Vec<_>>().join(",")
    }
    pub fn iter(&self) -> impl Iterator<Item = Vulnerability> + '_ {
        self.0.iter().copied()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Birth year, checked against a plausible range given the current year.
pub fn parse_birth_year(raw: &str, this_year: i32) -> Result<Option<i32>, FieldError> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<i32>() {
        Ok(y) if (this_year - 120..=this_year).contains(&y) => Ok(Some(y)),
        _ => Err(FieldError::new("birth_year", "errors.birth_year.invalid")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e_mail_addresses_parse() {
        assert_eq!(parse_email("  ").unwrap(), None);
        assert_eq!(parse_email("Li.Hua@Example.ORG").unwrap().unwrap(), "Li.Hua@example.org");
        assert_eq!(parse_email("网格员@社区.中国").unwrap().unwrap(), "网格员@社区.中国");
        for bad in ["no-at", "a@b", "a b@c.org", "a@c..org", "<a@c.org>", "a@c.org\r\nBcc: x@y.org", "@c.org"] {
            assert!(parse_email(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn phones_parse_and_mask() {
        let p = PhoneNumber::parse("138 0013 1234").unwrap();
        assert_eq!(p.masked(), "138****1234");
        assert_eq!(p.reveal(), "13800131234");
        assert_eq!(PhoneNumber::parse("+8613800131234").unwrap().reveal(), "13800131234");
        assert!(PhoneNumber::parse("23800131234").is_err());
        assert!(PhoneNumber::parse("1380013123").is_err());
    }

    #[test]
    fn id_numbers_check_their_check_character() {
        // 11010519491231002X is the standard's worked example.
        let id = IdNumber::parse("11010519491231002x").unwrap();
        assert_eq!(id.reveal(), "11010519491231002X");
        assert_eq!(id.masked(), "110105********002X");
        assert_eq!(IdNumber::parse("110105194912310021").unwrap_err().key, "errors.id_number.checksum");
        let built = IdNumber::from_body("51010419800101123").unwrap();
        assert!(IdNumber::parse(built.reveal()).is_ok());
    }

    #[test]
    fn names_mask_all_but_the_family_name() {
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_name("李"), "李*");
    }

    #[test]
    fn vulnerability_lists_round_trip_sorted() {
        let v = Vulnerabilities::parse_list("low_income, elderly_alone").unwrap();
        assert_eq!(v.to_list(), "elderly_alone,low_income");
        assert!(Vulnerabilities::parse_list("rich").is_err());
    }

    #[test]
    fn birth_years_are_plausible() {
        assert_eq!(parse_birth_year("1950", 2026).unwrap(), Some(1950));
        assert_eq!(parse_birth_year("", 2026).unwrap(), None);
        assert!(parse_birth_year("2030", 2026).is_err());
        assert!(parse_birth_year("abc", 2026).is_err());
    }
}
