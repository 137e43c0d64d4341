//! The request context: who is asking (session cookie or bearer token), in which language and
//! display mode, and the guard that applies the coarse policy and the CSRF check to every route.

use crate::shell::AppState;
use crate::shell::cookies::{LANG_COOKIE, LARGE_COOKIE, LOGIN_CSRF_COOKIE, SESSION_COOKIE, cookies};
use crate::shell::error::{WebError, render_deferred};
use crate::shell::i18n::{Lang, T};
pub use crate::shell::next::safe_next;
use crate::shell::route::{BODY_LIMIT, Kind};
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderMap, Method, header, request::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;
use std::sync::Mutex;
use wushe_app::accounts::{self, User};
use wushe_app::{Actor, AppError};
use wushe_domain::access::{Action, Decision};

#[derive(Clone)]
pub struct Ctx {
    pub actor: Actor,
    pub user: Option<User>,
    /// The session's CSRF token (forms carry it in a hidden `csrf` field).
    pub csrf: String,
    pub lang: Lang,
    pub large_text: bool,
    pub path: String,
    pub via_token: bool,
    /// The message left by the action just taken, shown once on this page.
    pub flash: Option<crate::shell::flash::Flash>,
    /// Incidents active in the reader's community (E2): every page shows their banner.
    pub emergency: Vec<Banner>,
}

/// An active incident as the banner on every page names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Banner {
    pub incident_id: i64,
    pub title: String,
    pub drill: bool,
}

impl Ctx {
    pub fn t(&self) -> T {
        T(self.lang)
    }

    /// Someone not signed in, for pages drawn when reading the session failed.
    pub fn anonymous(lang: Lang, path: &str) -> Ctx {
        Ctx {
            actor: Actor::anonymous(),
            user: None,
            csrf: String::new(),
            lang,
            large_text: false,
            path: path.to_string(),
            via_token: false,
            flash: None,
            emergency: Vec::new(),
        }
    }

    pub(crate) async fn load(state: &AppState, headers: &HeaderMap, path: &str) -> Result<Ctx, AppError> {
        let cookies = cookies(headers);
        let lang = cookies
            .get(LANG_COOKIE)
            .and_then(|l| Lang::parse(l))
            .or_else(|| headers.get(header::ACCEPT_LANGUAGE).and_then(|h| h.to_str().ok()).map(Lang::from_accept))
            .unwrap_or_default();
        let large_text = cookies.get(LARGE_COOKIE).is_some_and(|v| v == "1");
        let mut ctx = Ctx {
            actor: Actor::anonymous(),
            user: None,
            csrf: String::new(),
            lang,
            large_text,
            path: path.to_string(),
            via_token: false,
            flash: cookies.get(crate::shell::flash::FLASH_COOKIE).and_then(|v| crate::shell::flash::Flash::decode(v)),
            emergency: Vec::new(),
        };
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim);
        let user = if let Some(token) = bearer {
            ctx.via_token = true;
            accounts::token_user(&state.db, token).await?
        } else if let Some(token) = cookies.get(SESSION_COOKIE) {
            match accounts::session(&state.db, token, state.now()).await? {
                Some((u, csrf, grants)) => {
                    ctx.csrf = csrf;
                    Some((u, grants))
                }
                None => None,
            }
        } else {
            None
        };
        if let Some((u, grants)) = user {
            ctx.actor = Actor { user_id: Some(u.id), grants, operator: false };
            ctx.user = Some(u);
            ctx.emergency = banners(state, &ctx.actor).await?;
        }
        Ok(ctx)
    }
}

/// The active incidents of the reader's home community (both from short caches): a real one
/// for everyone there, a drill only for those on duty in it.
async fn banners(state: &AppState, actor: &Actor) -> Result<Vec<Banner>, AppError> {
    let Some(code) = actor.grants.home().community else { return Ok(vec![]) };
    let community = match wushe_app::areas::by_code_cached(&state.db, &code).await {
        Ok(c) => c,
        Err(AppError::NotFound) => return Ok(vec![]),
        Err(e) => return Err(e),
    };
    let on_duty = actor.grants.reaches(Action::EmergencyDuty, &community.path);
    Ok(wushe_app::emergency::active_in(&state.db, community.id)
        .await?
        .into_iter()
        .filter(|i| !i.is_drill() || on_duty)
        .map(|i| Banner { incident_id: i.id.get(), drill: i.is_drill(), title: i.title })
        .collect())
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(c) = parts.extensions.get::<Ctx>() {
            return Ok(c.clone());
        }
        let c =
            Ctx::load(state, &parts.headers, parts.uri.path()).await.map_err(|e| WebError::page(e, T(Lang::ZhCn)))?;
        parts.extensions.insert(c.clone());
        Ok(c)
    }
}

/// Runs before every handler: coarse authorization and CSRF for form posts.
pub async fn guard(
    State((state, action, kind)): State<(AppState, Action, Kind)>,
    req: Request,
    next: Next,
) -> Response {
    let path_and_query = req.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_default();
    let ctx = match Ctx::load(&state, req.headers(), req.uri().path()).await {
        Ok(c) => c,
        Err(e) => return error_for(kind, e, T(Lang::ZhCn)),
    };
    let t = ctx.t();
    match ctx.actor.grants.decide(action, None) {
        Decision::Allow => {}
        Decision::NeedLogin => {
            return match kind {
                Kind::Page => Redirect::to(&format!("/login?next={}", urlencode(&path_and_query))).into_response(),
                Kind::Api | Kind::Open311 => error_for(kind, AppError::Unauthenticated, t),
            };
        }
        Decision::Deny => {
            // Marks a denial by the route's policy, as distinct from a record-level refusal
            // inside a handler (the route × role test tells them apart by it).
            let mut r = error_for(kind, AppError::Forbidden, t);
            r.headers_mut().insert("x-wushe-denied", axum::http::HeaderValue::from_static("policy"));
            return r;
        }
    }
    let (mut parts, body) = req.into_parts();
    parts.extensions.insert(ctx.clone());
    let writes = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    if kind == Kind::Api && writes && ctx.user.is_some() && !ctx.via_token && !same_origin(&parts.headers, &ctx.csrf) {
        return crate::shell::error::problem(
            axum::http::StatusCode::FORBIDDEN,
            "cross_origin",
            t.t("errors.title.forbidden").into(),
            t.t("errors.detail.cross_origin").into(),
            vec![],
        );
    }
    let is_form =
        parts.headers.get(header::CONTENT_TYPE).and_then(|h| h.to_str().ok()).is_some_and(|c| {
            c.starts_with("application/x-www-form-urlencoded") || c.starts_with("multipart/form-data")
        });
    if kind == Kind::Page && parts.method == Method::POST {
        if !is_form {
            return error_for(kind, AppError::Invalid(wushe_domain::FieldError::new("csrf", "errors.csrf").into()), t);
        }
        // Multipart uploads carry the token in the action URL's query, so the (large) body
        // stays a stream for the handler.
        let multipart = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|h| h.to_str().ok())
            .is_some_and(|c| c.starts_with("multipart/"));
        if multipart {
            let sent = form_field(parts.uri.query().unwrap_or("").as_bytes(), "csrf");
            if ctx.csrf.is_empty() || !constant_time_eq(sent.as_bytes(), ctx.csrf.as_bytes()) {
                return error_for(
                    kind,
                    AppError::Invalid(wushe_domain::FieldError::new("csrf", "errors.csrf").into()),
                    t,
                );
            }
            return render_deferred(next.run(Request::from_parts(parts, body)).await, kind, t);
        }
        let bytes = match axum::body::to_bytes(body, BODY_LIMIT).await {
            Ok(b) => b,
            Err(_) => return crate::shell::error::too_large(kind, t, BODY_LIMIT),
        };
        let sent = form_field(&bytes, "csrf");
        let expected = if ctx.user.is_some() {
            ctx.csrf.clone()
        } else {
            cookies(&parts.headers).get(LOGIN_CSRF_COOKIE).cloned().unwrap_or_default()
        };
        if expected.is_empty() || !constant_time_eq(sent.as_bytes(), expected.as_bytes()) {
            return error_for(kind, AppError::Invalid(wushe_domain::FieldError::new("csrf", "errors.csrf").into()), t);
        }
        return render_deferred(next.run(Request::from_parts(parts, Body::from(bytes))).await, kind, t);
    }
    let mut res = render_deferred(next.run(Request::from_parts(parts, body)).await, kind, t);
    // A page that showed the last action's message clears it, so it is seen once.
    if kind == Kind::Page && ctx.flash.is_some() && res.status().is_success() {
        crate::shell::flash::clear(&mut res);
    }
    res
}

/// Whether a write authenticated by the session cookie comes from this site's own pages (or
/// from a program that is no browser). A browser names the requesting site in
/// `Sec-Fetch-Site` and sends `Origin` with every cross-origin write, so a page elsewhere
/// cannot ride a resident's session; a script of ours may also send the session's CSRF token
/// as `X-CSRF-Token`. Requests with a bearer token carry no ambient credential and skip this.
pub fn same_origin(headers: &HeaderMap, csrf: &str) -> bool {
    let text = |name: &str| headers.get(name).and_then(|h| h.to_str().ok());
    if let Some(sent) = text("x-csrf-token") {
        return !csrf.is_empty() && constant_time_eq(sent.as_bytes(), csrf.as_bytes());
    }
    if let Some(site) = text("sec-fetch-site") {
        return matches!(site, "same-origin" | "none");
    }
    if let Some(origin) = text("origin") {
        let Some(host) = text("host") else { return false };
        return origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")) == Some(host);
    }
    true
}

fn error_for(kind: Kind, e: AppError, t: T) -> Response {
    match kind {
        Kind::Page => WebError::page(e, t).into_response(),
        Kind::Api | Kind::Open311 => WebError::api(e, t).into_response(),
    }
}

fn form_field(body: &[u8], name: &str) -> String {
    url_form_pairs(body).into_iter().find(|(k, _)| k == name).map(|(_, v)| v).unwrap_or_default()
}

pub fn url_form_pairs(body: &[u8]) -> Vec<(String, String)> {
    let s = String::from_utf8_lossy(body);
    s.split('&').filter_map(|kv| kv.split_once('=')).map(|(k, v)| (urldecode(k), urldecode(v))).collect()
}

fn urldecode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The client's address, as the login limit keys it: the connection's peer, or behind a
/// trusted reverse proxy the last `X-Forwarded-For` entry it appended.
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if state.trust_forwarded_for
            && let Some(last) = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|h| h.to_str().ok())
                .and_then(|h| h.rsplit(',').next())
                .and_then(|a| a.trim().parse::<std::net::IpAddr>().ok())
        {
            return Ok(ClientAddr(last.to_string()));
        }
        let peer = parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
        Ok(ClientAddr(peer.map(|ip| ip.to_string()).unwrap_or_else(|| "unknown".into())))
    }
}

/// Failed-sign-in counters by key (an account at an address, or an address): past its
/// maximum within the window, a key is locked until the window has passed.
#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, (u32, i64)>>,
}

impl LoginLimiter {
    /// Wrong passwords for one account from one address.
    pub const MAX_FAILURES: u32 = 5;
    /// Wrong passwords from one address, whatever the accounts.
    pub const MAX_FAILURES_PER_CLIENT: u32 = 30;
    pub const WINDOW_MILLIS: i64 = 15 * 60 * 1000;
    const MAX_TRACKED: usize = 10_000;

    pub fn allowed(&self, key: &str, max: u32, now: i64) -> bool {
        let map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(key) {
            Some((n, since)) => *n < max || now - since > Self::WINDOW_MILLIS,
            None => true,
        }
    }

    pub fn failed(&self, key: &str, now: i64) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        // Guessing many names must not grow the map without bound: forget stale entries.
        if map.len() >= Self::MAX_TRACKED {
            map.retain(|_, (_, since)| now - *since <= Self::WINDOW_MILLIS);
        }
        let e = map.entry(key.to_string()).or_insert((0, now));
        if now - e.1 > Self::WINDOW_MILLIS {
            *e = (0, now);
        }
        e.0 += 1;
    }

    pub fn succeeded(&self, key: &str) {
        self.failures.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }
}

/// Maps an application error to the API's problem+json in the reader's language.
pub fn api_err(ctx: &Ctx) -> impl Fn(AppError) -> WebError + '_ {
    move |e| WebError::api(e, ctx.t())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limiter_locks_after_five_failures_and_reopens_later() {
        let l = LoginLimiter::default();
        let max = LoginLimiter::MAX_FAILURES;
        for _ in 0..5 {
            assert!(l.allowed("admin.s", max, 0));
            l.failed("admin.s", 0);
        }
        assert!(!l.allowed("admin.s", max, 1000));
        assert!(l.allowed("other", max, 1000));
        assert!(l.allowed("admin.s", max, LoginLimiter::WINDOW_MILLIS + 1));
    }

    #[test]
    fn stale_entries_are_forgotten_when_many_names_are_tried() {
        let l = LoginLimiter::default();
        for i in 0..LoginLimiter::MAX_TRACKED {
            l.failed(&format!("name{i}"), 0);
        }
        l.failed("late", LoginLimiter::WINDOW_MILLIS + 1);
        assert_eq!(l.failures.lock().unwrap().len(), 1);
    }

    #[test]
    fn next_urls_stay_on_this_site() {
        assert_eq!(safe_next(Some("/areas/1")), "/areas/1");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        // What a browser makes of these is another origin, or a header that cannot be sent.
        for evil in ["/\t/evil.example/", "/\n/evil.example", "/\r\n", "/\\evil.example", "/ /x", "/\u{0}"] {
            assert_eq!(safe_next(Some(evil)), "/", "{evil:?}");
        }
        assert_eq!(safe_next(Some("/areas/1?q=1栋")), "/areas/1?q=1%E6%A0%8B");
    }

    #[test]
    fn cookie_writes_must_come_from_this_site() {
        let h = |pairs: &[(&'static str, &'static str)]| {
            let mut m = HeaderMap::new();
            for (k, v) in pairs {
                m.insert(*k, v.parse().unwrap());
            }
            m
        };
        assert!(same_origin(&h(&[("host", "127.0.0.1:8080"), ("origin", "http://127.0.0.1:8080")]), "t"));
        assert!(!same_origin(&h(&[("host", "127.0.0.1:8080"), ("origin", "http://evil.example")]), "t"));
        assert!(!same_origin(&h(&[("host", "127.0.0.1:8080"), ("origin", "null")]), "t"));
        assert!(!same_origin(&h(&[("sec-fetch-site", "cross-site"), ("origin", "http://127.0.0.1:8080")]), "t"));
        assert!(!same_origin(&h(&[("sec-fetch-site", "same-site")]), "t"));
        assert!(same_origin(&h(&[("sec-fetch-site", "same-origin")]), "t"));
        assert!(same_origin(&h(&[("x-csrf-token", "t"), ("origin", "http://evil.example")]), "t"));
        assert!(!same_origin(&h(&[("x-csrf-token", "x")]), "t"));
        assert!(same_origin(&h(&[]), "t"), "a program that is no browser sends neither");
    }

    #[test]
    fn form_fields_decode() {
        assert_eq!(form_field(b"a=1&csrf=ab%2Bc+d", "csrf"), "ab+c d");
    }
}
