//! Error pages drawn in the reader's layout, and the outer layer that gives bare errors from
//! layers and extractors (405, 413, bad paths) the same shape as ours. Apart from `error.rs`
//! so that errors need not know the request context or the layout.

use crate::shell::error::{ErrorText, lang_of, problem, size_text, too_large};
use crate::shell::route::Kind;
use askama::Template;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    l: crate::shell::layout::Layout,
    status: u16,
    messages: Vec<String>,
    signed_in: bool,
}

/// Draws an error page in the reader's layout: their navigation, a way home and, signed out,
/// the way to sign in.
async fn laid_out(
    state: &crate::shell::AppState,
    headers: &axum::http::HeaderMap,
    path: &str,
    status: StatusCode,
    text: ErrorText,
) -> Response {
    let ctx = match crate::shell::ctx::Ctx::load(state, headers, path).await {
        Ok(c) => c,
        Err(_) => crate::shell::ctx::Ctx::anonymous(lang_of(headers).0, path),
    };
    let page = ErrorPage {
        l: crate::shell::layout::Layout::with_title(&ctx, text.title.clone()),
        status: status.as_u16(),
        messages: text.messages,
        signed_in: ctx.user.is_some(),
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, text.title).into_response(),
    }
}

/// Errors produced by layers and extractors before a handler runs (405, 413, bad paths) come
/// without a body; give them the same shape as ours. Error pages are drawn here, in the
/// reader's layout.
pub async fn problem_for_bare_errors(
    axum::extract::State((state, uploads)): axum::extract::State<(
        crate::shell::AppState,
        std::sync::Arc<[&'static str]>,
    )>,
    req: Request,
    next: Next,
) -> Response {
    let t = lang_of(req.headers());
    let api = req.uri().path().starts_with("/api/") || req.uri().path().starts_with("/open311/");
    let headers = req.headers().clone();
    let path = req.uri().path().to_string();
    let route = req.extensions().get::<axum::extract::MatchedPath>().map(|m| m.as_str().to_string());
    let limit = if route.is_some_and(|r| uploads.contains(&r.as_str())) {
        crate::shell::route::UPLOAD_LIMIT
    } else {
        crate::shell::route::BODY_LIMIT
    };
    let mut res = next.run(req).await;
    let status = res.status();
    if let Some(text) = res.extensions_mut().remove::<ErrorText>() {
        let mut page = laid_out(&state, &headers, &path, status, text).await;
        if let Some(d) = res.headers().get("x-wushe-denied") {
            page.headers_mut().insert("x-wushe-denied", d.clone());
        }
        return page;
    }
    // Responses that already carry a body type (ours, Open311's) pass through; only bare
    // errors from layers and extractors (no type, or plain text) are reshaped.
    let typed = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|c| !c.starts_with("text/plain"));
    if !(status.is_client_error() || status.is_server_error()) || typed {
        return res;
    }
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        if api {
            return too_large(Kind::Api, t, limit);
        }
        let detail = t.f("errors.detail.payload_too_large", &[&size_text(limit)]);
        let text = ErrorText { title: t.t("errors.title.too_large").into(), messages: vec![detail] };
        return laid_out(&state, &headers, &path, status, text).await;
    }
    let (code, title) = match status {
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "errors.title.method_not_allowed"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", "errors.title.unsupported_media_type"),
        StatusCode::NOT_FOUND => ("not_found", "errors.title.not_found"),
        s if s.is_server_error() => ("internal", "errors.title.internal"),
        _ => ("bad_request", "errors.title.bad_request"),
    };
    if api {
        problem(status, code, t.t(title).into(), t.t(&format!("errors.detail.{code}")).into(), vec![])
    } else {
        laid_out(&state, &headers, &path, status, ErrorText { title: t.t(title).into(), messages: vec![] }).await
    }
}
