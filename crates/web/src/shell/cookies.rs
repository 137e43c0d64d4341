//! The cookies of a session: names and reading them from a request.

use axum::http::{HeaderMap, header};
use std::collections::HashMap;

pub const SESSION_COOKIE: &str = "wushe_session";
pub const LOGIN_CSRF_COOKIE: &str = "wushe_login_csrf";
pub const LANG_COOKIE: &str = "wushe_lang";
pub const LARGE_COOKIE: &str = "wushe_large";

pub fn cookies(headers: &HeaderMap) -> HashMap<String, String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .flat_map(|h| h.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
