//! The design tokens' promises, kept where a test can hold them: every text colour of
//! `static/app.css` on the background it is drawn on meets WCAG 2.1 AA (4.5:1 for text) in
//! normal and in large-text mode, and large-text mode changes tokens only.

use crate::shell::ctx::Ctx;
use crate::shell::i18n::{Lang, T};
use crate::shell::layout::{Layout, html};
use askama::Template;
use axum::response::Response;

/// One rendering of the component gallery: a language and a display mode.
pub struct Gallery {
    pub t: T,
    /// Its `lang` attribute.
    pub lang: &'static str,
    /// Drawn with the large-text tokens.
    pub large: bool,
    /// Suffix that keeps the element ids of the four renderings apart.
    pub key: &'static str,
    pub title: String,
}

#[derive(Template)]
#[template(path = "design_system.html")]
struct DesignPage {
    l: Layout,
    galleries: Vec<Gallery>,
}

/// `/design`: every component of the design system in zh and en, normal and large text, drawn
/// by the same templates and stylesheet as the product's pages.
pub async fn page(ctx: Ctx) -> Response {
    let t = ctx.t();
    let g = |lang: Lang, large: bool, key: &'static str| {
        let gt = T(lang);
        let mode = gt.t(if large { "design.mode.large" } else { "design.mode.normal" });
        Gallery { t: gt, lang: lang.code(), large, key, title: format!("{} · {mode}", gt.t("design.lang")) }
    };
    let (first, second) = match t.0 {
        Lang::ZhCn => (Lang::ZhCn, Lang::En),
        Lang::En => (Lang::En, Lang::ZhCn),
    };
    html(&DesignPage {
        l: Layout::new(&ctx, "page.design.title"),
        galleries: vec![g(first, false, "a"), g(first, true, "b"), g(second, false, "c"), g(second, true, "d")],
    })
}

/// Text token on background token, as the stylesheet pairs them.
pub const TEXT_ON: &[(&str, &str)] = &[
    ("--text", "--bg"),
    ("--text", "--surface"),
    ("--text", "--surface-alt"),
    ("--muted", "--bg"),
    ("--muted", "--surface"),
    ("--muted", "--surface-alt"),
    ("--link", "--bg"),
    ("--link", "--surface"),
    ("--on-primary", "--primary"),
    ("--primary", "--surface"),
    ("--on-header", "--header-bg"),
    ("--success-fg", "--success-bg"),
    ("--warning-fg", "--warning-bg"),
    ("--danger-fg", "--danger-bg"),
    ("--info-fg", "--info-bg"),
    ("--neutral-fg", "--neutral-bg"),
    ("--danger-fg", "--surface"),
];

/// Interface boundaries (form fields, focus ring) against what surrounds them: 3:1 (WCAG 1.4.11).
pub const EDGE_ON: &[(&str, &str)] = &[("--field-line", "--surface"), ("--focus", "--header-bg")];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const CSS: &str = include_str!("../../static/app.css");

    /// The `--token: #rrggbb;` declarations of the first rule whose selector is `selector`.
    fn tokens(selector: &str) -> HashMap<String, String> {
        let start = CSS.find(&format!("{selector} {{")).unwrap_or_else(|| panic!("no {selector} rule"));
        let body = &CSS[start..][..CSS[start..].find('}').expect("rule ends")];
        body.split(['{', ';'])
            .filter_map(|d| d.trim().split_once(':'))
            .filter(|(k, _)| k.trim().starts_with("--"))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect()
    }

    fn luminance(hex: &str) -> f64 {
        let h = hex.trim_start_matches('#');
        assert_eq!(h.len(), 6, "colour tokens are #rrggbb: {hex}");
        let c = |i: usize| {
            let v = u8::from_str_radix(&h[i..i + 2], 16).expect("hex") as f64 / 255.0;
            if v <= 0.03928 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) }
        };
        0.2126 * c(0) + 0.7152 * c(2) + 0.0722 * c(4)
    }

    fn contrast(a: &str, b: &str) -> f64 {
        let (x, y) = (luminance(a), luminance(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    }

    #[test]
    fn the_contrast_formula_matches_the_wcag_examples() {
        assert!((contrast("#000000", "#ffffff") - 21.0).abs() < 0.01);
        assert!((contrast("#777777", "#ffffff") - 4.48).abs() < 0.01, "grey #777 just fails AA");
    }

    #[test]
    fn every_token_pair_meets_aa_in_both_modes() {
        let normal = tokens(":root");
        let mut large = normal.clone();
        large.extend(tokens(".large"));
        let mut failing = Vec::new();
        for (mode, t) in [("normal", &normal), ("large text", &large)] {
            for (pairs, need) in [(TEXT_ON, 4.5), (EDGE_ON, 3.0)] {
                for (fg, bg) in pairs {
                    let ratio = contrast(&t[*fg], &t[*bg]);
                    if ratio < need {
                        failing.push(format!("{mode}: {fg} on {bg} is {ratio:.2}:1, needs {need}:1"));
                    }
                }
            }
        }
        assert!(failing.is_empty(), "{failing:#?}");
    }

    #[test]
    fn large_text_mode_changes_tokens_only() {
        let start = CSS.find(".large {").expect(".large rule");
        let body = &CSS[start + ".large {".len()..][..CSS[start..].find('}').expect("ends") - ".large {".len()];
        let declarations: Vec<&str> = body.split(';').map(str::trim).filter(|d| !d.is_empty()).collect();
        assert!(declarations.iter().all(|d| d.starts_with("--")), "{declarations:?}");
        assert!(!CSS.contains("body.large"), "no rule outside the token block is for large text only");
    }
}
