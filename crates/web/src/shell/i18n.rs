//! X4 — message catalogues. zh-CN is the default; English is complete (a test fails on any key
//! missing in either). Catalogues are `key = value` lines in `locales/*.txt`, compiled in.

use std::collections::HashMap;
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    ZhCn,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "zh-CN" | "zh" | "zh-cn" => Some(Lang::ZhCn),
            "en" | "en-US" | "en-GB" => Some(Lang::En),
            _ => None,
        }
    }
    /// Picks from an Accept-Language header; Chinese unless English is preferred.
    pub fn from_accept(h: &str) -> Lang {
        let first = h.split(',').next().unwrap_or("").trim().to_ascii_lowercase();
        if first.starts_with("en") { Lang::En } else { Lang::ZhCn }
    }
}

fn parse(src: &'static str) -> HashMap<&'static str, &'static str> {
    src.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(" = "))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

pub static ZH: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| parse(include_str!("../../locales/zh-CN.txt")));
pub static EN: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| parse(include_str!("../../locales/en.txt")));

/// A translator bound to one language, handed to every template.
#[derive(Debug, Clone, Copy)]
pub struct T(pub Lang);

impl T {
    /// The message for `key`; a missing key shows the key itself so it is noticed, never blank.
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        let cat = match self.0 {
            Lang::ZhCn => &*ZH,
            Lang::En => &*EN,
        };
        cat.get(key).copied().unwrap_or(key)
    }

    /// `{0}`-style substitution for messages with figures.
    pub fn f(&self, key: &str, args: &[&dyn std::fmt::Display]) -> String {
        let mut s = self.t(key).to_string();
        for (i, a) in args.iter().enumerate() {
            s = s.replace(&format!("{{{i}}}"), &a.to_string());
        }
        s
    }

    /// [`T::f`] with one argument, as templates call it.
    pub fn f1(&self, key: &str, a: impl std::fmt::Display) -> String {
        self.f(key, &[&a])
    }

    /// [`T::f`] with two arguments, as templates call it.
    pub fn f2(&self, key: &str, a: impl std::fmt::Display, b: impl std::fmt::Display) -> String {
        self.f(key, &[&a, &b])
    }

    pub fn lang(&self) -> &'static str {
        self.0.code()
    }
}

/// Labels for ledger cells in both languages: export writes Chinese; import accepts either.
pub fn zh_label(key: &str) -> String {
    T(Lang::ZhCn).t(key).to_string()
}

pub fn en_label(key: &str) -> String {
    T(Lang::En).t(key).to_string()
}

/// Prefixes of message keys every capability uses (page texts, fields, errors, navigation);
/// each capability's manifest adds its own.
pub const SHARED_PREFIXES: &[&str] = &["errors.", "nav.", "start.", "page.", "field.", "flash.", "design."];

/// Whether the catalogue has `key` (in both languages: a test checks they match).
pub fn has(key: &str) -> bool {
    ZH.contains_key(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogues_have_the_same_keys() {
        let mut missing: Vec<String> =
            ZH.keys().filter(|k| !EN.contains_key(*k)).map(|k| format!("en lacks {k}")).collect();
        missing.extend(EN.keys().filter(|k| !ZH.contains_key(*k)).map(|k| format!("zh-CN lacks {k}")));
        missing.sort();
        assert!(missing.is_empty(), "{missing:#?}");
        assert!(ZH.len() > 100, "catalogue suspiciously small: {}", ZH.len());
    }

    #[test]
    fn substitution_fills_placeholders() {
        let t = T(Lang::En);
        assert_eq!(t.f("page.residents.total", &[&42]), "42 residents");
    }
}
