//! Feedback after every action: a handler that acted redirects with a short message (success,
//! warning or error, with a link to what changed); the next page shows it once at its top and
//! the cookie that carried it is cleared. The message is written in the reader's language
//! when the action happens; the page escapes it like any text.

use crate::shell::next::safe_next;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};

pub const FLASH_COOKIE: &str = "wushe_flash";

/// Longest message kept; a cookie must stay small.
const MAX_TEXT: usize = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Success,
    Warning,
    Error,
}

impl Tone {
    pub fn code(self) -> &'static str {
        match self {
            Tone::Success => "success",
            Tone::Warning => "warning",
            Tone::Error => "error",
        }
    }
    fn parse(s: &str) -> Option<Tone> {
        match s {
            "success" => Some(Tone::Success),
            "warning" => Some(Tone::Warning),
            "error" => Some(Tone::Error),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub tone: Tone,
    pub text: String,
    /// A link to what changed: (address on this site, its words).
    pub link: Option<(String, String)>,
}

impl Flash {
    pub fn success(text: impl Into<String>) -> Flash {
        Flash { tone: Tone::Success, text: text.into(), link: None }
    }
    pub fn warning(text: impl Into<String>) -> Flash {
        Flash { tone: Tone::Warning, text: text.into(), link: None }
    }
    pub fn link(mut self, href: impl Into<String>, label: impl Into<String>) -> Flash {
        self.link = Some((href.into(), label.into()));
        self
    }

    fn encode(&self) -> String {
        let text: String = self.text.chars().take(MAX_TEXT).collect();
        let (href, label) = self.link.clone().unwrap_or_default();
        form_urlencoded::Serializer::new(String::new())
            .append_pair("t", self.tone.code())
            .append_pair("m", &text)
            .append_pair("h", &href)
            .append_pair("l", &label)
            .finish()
    }

    /// The message a cookie carries; anything malformed is no message, and a link that would
    /// leave this site is dropped.
    pub fn decode(raw: &str) -> Option<Flash> {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.as_bytes()).into_owned().collect();
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
        let tone = Tone::parse(&get("t"))?;
        let text: String = get("m").chars().take(MAX_TEXT).collect();
        if text.is_empty() {
            return None;
        }
        let href = get("h");
        let link = (!href.is_empty() && safe_next(Some(&href)) == href).then(|| (href, get("l")));
        Some(Flash { tone, text, link })
    }
}

/// Redirects to `to` (after a form post: 303, so a reload does not post again) with `flash`
/// shown once on the page there.
pub fn redirect(to: &str, flash: Flash) -> Response {
    let mut r = Redirect::to(to).into_response();
    let cookie = format!("{FLASH_COOKIE}={}; Path=/; Max-Age=120; HttpOnly; SameSite=Lax", flash.encode());
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

/// Clears the message once a page has shown it.
pub fn clear(r: &mut Response) {
    r.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("wushe_flash=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_survives_the_cookie_and_foreign_links_do_not() {
        let f = Flash::success("需求已提交 #12; 谢谢=好").link("/needs/12", "查看");
        let raw = f.encode();
        assert!(raw.bytes().all(|b| b.is_ascii_graphic() && b != b';' && b != b',' && b != b'"'), "{raw}");
        assert_eq!(Flash::decode(&raw), Some(f));
        let evil = Flash::warning("x").link("//evil.example", "y").encode();
        assert_eq!(Flash::decode(&evil).unwrap().link, None);
        assert_eq!(Flash::decode("t=nonsense&m=x"), None);
        assert_eq!(Flash::decode("garbage"), None);
    }
}
