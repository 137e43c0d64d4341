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
    LazyLock::new(|| parse(include_str!("../locales/zh-CN.txt")));
pub static EN: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| parse(include_str!("../locales/en.txt")));

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

    pub fn lang(&self) -> &'static str {
        self.0.code()
    }
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
    fn every_key_used_in_code_and_templates_exists() {
        let mut used = Vec::new();
        for dir in ["src", "templates", "../app/src", "../domain/src"] {
            collect_keys(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir), &mut used);
        }
        let missing: Vec<&String> = used.iter().filter(|k| !ZH.contains_key(k.as_str())).collect();
        assert!(missing.is_empty(), "keys used but not in the catalogue: {missing:#?}");
    }

    fn collect_keys(dir: &std::path::Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).expect("source dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                collect_keys(&p, out);
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            // Message keys appear as quoted dotted lower-case identifiers with a known prefix.
            for prefix in [
                "\"errors.",
                "\"nav.",
                "\"page.",
                "\"field.",
                "\"kind.",
                "\"post.",
                "\"role.",
                "\"vul.",
                "\"msg.",
                "\"metrics.",
                "\"urgency.",
                "\"scope.",
                "\"channel.",
                "\"status.",
                "\"event.",
                "\"action.",
                "\"resource.kind.",
                "\"resource.status.",
                "\"resource.owner.",
                "\"booking.who.",
                "\"booking.live.",
                "\"booking.status.",
                "\"booking.approval.",
                "\"booking.short.",
                "\"match.",
                "\"weekday.",
                "\"notify.",
            ] {
                let mut rest = text.as_str();
                while let Some(i) = rest.find(prefix) {
                    let tail = &rest[i + 1..];
                    let end = tail.find('"').unwrap_or(0);
                    let key = &tail[..end];
                    if !key.is_empty()
                        && key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_')
                        && !key.ends_with('.')
                    {
                        out.push(key.to_string());
                    }
                    rest = &tail[end..];
                }
            }
        }
    }

    #[test]
    fn every_need_code_has_a_label() {
        use wushe_domain::needs::{Channel, EventKind, NeedStatus, Scope, Urgency};
        let mut keys: Vec<String> = Vec::new();
        keys.extend(Channel::ALL.iter().map(|c| format!("channel.{}", c.code())));
        keys.extend(NeedStatus::ALL.iter().map(|c| format!("status.{}", c.code())));
        keys.extend(EventKind::ALL.iter().map(|c| format!("event.{}", c.code())));
        keys.extend(Scope::ALL.iter().map(|c| format!("scope.{}", c.code())));
        keys.extend(Urgency::ALL.iter().map(|c| format!("urgency.{}", c.code())));
        for s in NeedStatus::ALL {
            keys.extend(s.next_events().iter().map(|e| format!("action.{}", e.code())));
        }
        keys.extend(["assigned", "resolved", "reopened", "whistled", "overdue"].iter().map(|k| format!("notify.{k}")));
        let missing: Vec<&String> = keys.iter().filter(|k| !ZH.contains_key(k.as_str())).collect();
        assert!(missing.is_empty(), "{missing:?}");
    }

    #[test]
    fn substitution_fills_placeholders() {
        let t = T(Lang::En);
        assert_eq!(t.f("page.residents.total", &[&42]), "42 residents");
    }
}
