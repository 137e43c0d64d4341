//! The one place where errors become HTTP: HTML error pages for people, RFC 9457
//! `application/problem+json` with a stable `code` and the offending fields for the API.
//! A 500 logs its cause and shows only a translated generic message.

use crate::shell::i18n::{Lang, T};
use crate::shell::route::Kind;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use wushe_app::AppError;

pub struct WebError {
    pub err: AppError,
    pub t: T,
    pub kind: Kind,
    /// A response already shaped (e.g. a problem listing many cells), sent as it is.
    pub ready: Option<Response>,
    /// Made by `?` from an `AppError`: the route's guard renders it, as a page or a problem,
    /// in the reader's language.
    deferred: bool,
}

impl From<AppError> for WebError {
    fn from(err: AppError) -> Self {
        Self { err, t: T(Lang::ZhCn), kind: Kind::Page, ready: None, deferred: true }
    }
}

/// An application error on its way out of a handler, rendered by the route's guard, which
/// knows whether the route is a page or an API and the reader's language.
#[derive(Clone)]
pub struct Deferred(std::sync::Arc<std::sync::Mutex<Option<AppError>>>);

/// Renders an error a handler left for its route (see [`Deferred`]); other responses pass.
pub fn render_deferred(mut res: Response, kind: Kind, t: T) -> Response {
    let Some(Deferred(slot)) = res.extensions_mut().remove::<Deferred>() else { return res };
    let err = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
    match err {
        Some(err) => WebError { err, t, kind, ready: None, deferred: false }.into_response(),
        None => res,
    }
}

impl WebError {
    pub fn page(err: AppError, t: T) -> Self {
        Self { err, t, kind: Kind::Page, ready: None, deferred: false }
    }
    pub fn api(err: AppError, t: T) -> Self {
        Self { err, t, kind: Kind::Api, ready: None, deferred: false }
    }
    pub fn from_problem(r: Response) -> Self {
        Self {
            err: AppError::Internal(String::new()),
            t: T(Lang::ZhCn),
            kind: Kind::Api,
            ready: Some(r),
            deferred: false,
        }
    }
}

/// Status and stable problem code of an application error.
pub fn classify(e: &AppError) -> (StatusCode, &'static str, &'static str) {
    match e {
        AppError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", "errors.title.invalid"),
        AppError::NotFound => (StatusCode::NOT_FOUND, "not_found", "errors.title.not_found"),
        AppError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated", "errors.title.unauthenticated"),
        AppError::Forbidden => (StatusCode::FORBIDDEN, "forbidden", "errors.title.forbidden"),
        AppError::Conflict(_) => (StatusCode::CONFLICT, "conflict", "errors.title.conflict"),
        AppError::RateLimited => (StatusCode::TOO_MANY_REQUESTS, "rate_limited", "errors.title.rate_limited"),
        AppError::Db(_) | AppError::Internal(_) => {
            (StatusCode::INTERNAL_SERVER_ERROR, "internal", "errors.title.internal")
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    /// The request field, as named in the form or JSON body.
    pub field: String,
    /// Stable message key, e.g. `errors.phone.invalid`.
    pub code: String,
    /// The message in the request's language.
    pub message: String,
}

/// RFC 9457 problem details with Wushe's `code` and `errors` extensions.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub code: String,
    pub errors: Vec<FieldProblem>,
}

pub fn field_problems(e: &AppError, t: T) -> Vec<FieldProblem> {
    let list = match e {
        AppError::Invalid(errs) => errs.0.clone(),
        AppError::Conflict(f) => vec![f.clone()],
        _ => Vec::new(),
    };
    list.into_iter()
        .map(|f| FieldProblem {
            field: f.field.to_string(),
            code: f.key.to_string(),
            message: format!(
                "{}{}{}",
                t.t(&format!("field.{}", f.field)),
                if t.0 == Lang::En { ": " } else { "：" },
                t.t(f.key)
            ),
        })
        .collect()
}

/// A form's problems for showing it again: 409 when someone acted first (a stale version, a
/// taken slot), 422 for bad input, with each message in the reader's language.
pub fn form_problems(err: &AppError, t: T) -> (StatusCode, Vec<FormError>) {
    let status =
        if matches!(err, AppError::Conflict(_)) { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
    (status, form_errors(err, t))
}

/// One line of a failed form's error summary: the message, and the field it is about, which the
/// summary links to (`#field`, the input's id) so a person goes straight to what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormError {
    /// The field's name and the id of its input; empty for a problem with the whole form.
    pub field: String,
    pub text: String,
}

impl std::fmt::Display for FormError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// A message about the whole form, not one field.
impl From<String> for FormError {
    fn from(text: String) -> Self {
        FormError { field: String::new(), text }
    }
}

/// The error summary's lines for `e`, each naming its field.
pub fn form_errors(e: &AppError, t: T) -> Vec<FormError> {
    field_problems(e, t).into_iter().map(|f| FormError { field: f.field, text: f.message }).collect()
}

pub fn problem(status: StatusCode, code: &str, title: String, detail: String, errors: Vec<FieldProblem>) -> Response {
    let body = Problem {
        type_: format!("urn:wushe:problem:{code}"),
        title,
        status: status.as_u16(),
        detail,
        code: code.to_string(),
        errors,
    };
    let mut r = (status, axum::Json(body)).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/problem+json"));
    r
}

/// What an error page says, carried on the response so that the outer layer, which knows
/// who is reading, can draw it inside the page layout with their navigation.
#[derive(Clone)]
pub struct ErrorText {
    pub title: String,
    pub messages: Vec<String>,
}

/// An HTML error page. Its text travels with it ([`ErrorText`]) and [`problem_for_bare_errors`]
/// draws it in the reader's layout; the body here is only what a layer-less caller sees.
pub fn error_page(status: StatusCode, title: &str, messages: Vec<String>) -> Response {
    let body = format!("{} · {}", status.as_u16(), title);
    let mut r = (status, body).into_response();
    r.extensions_mut().insert(ErrorText { title: title.to_string(), messages });
    r
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let Some(r) = self.ready {
            return r;
        }
        let (status, code, title_key) = classify(&self.err);
        if self.deferred {
            let mut r = status.into_response();
            r.extensions_mut().insert(Deferred(std::sync::Arc::new(std::sync::Mutex::new(Some(self.err)))));
            return r;
        }
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = ?self.err, "request failed");
        }
        let t = self.t;
        let fields = field_problems(&self.err, t);
        match self.kind {
            Kind::Api | Kind::Open311 => problem(
                status,
                code,
                t.t(title_key).to_string(),
                t.t(&format!("errors.detail.{code}")).to_string(),
                fields,
            ),
            Kind::Page => error_page(status, t.t(title_key), fields.into_iter().map(|f| f.message).collect()),
        }
    }
}

/// A 413 that names the limit of the route it came from.
pub fn too_large(kind: Kind, t: T, limit: usize) -> Response {
    let detail = t.f("errors.detail.payload_too_large", &[&size_text(limit)]);
    match kind {
        Kind::Api | Kind::Open311 => problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            t.t("errors.title.too_large").into(),
            detail,
            vec![],
        ),
        Kind::Page => error_page(StatusCode::PAYLOAD_TOO_LARGE, t.t("errors.title.too_large"), vec![detail]),
    }
}

/// `256 KB`, `20 MB`.
pub(crate) fn size_text(bytes: usize) -> String {
    if bytes >= 1024 * 1024 { format!("{} MB", bytes / (1024 * 1024)) } else { format!("{} KB", bytes / 1024) }
}

pub(crate) fn lang_of(req_headers: &axum::http::HeaderMap) -> T {
    let c = crate::shell::cookies::cookies(req_headers);
    T(c.get(crate::shell::cookies::LANG_COOKIE).and_then(|l| Lang::parse(l)).unwrap_or_default())
}

pub async fn not_found(req: Request) -> Response {
    let t = lang_of(req.headers());
    let kind = if req.uri().path().starts_with("/api/") || req.uri().path().starts_with("/open311/") {
        Kind::Api
    } else {
        Kind::Page
    };
    WebError { err: AppError::NotFound, t, kind, ready: None, deferred: false }.into_response()
}

/// What a JSON handler answers.
pub type ApiResult = Result<Response, WebError>;

/// What a page handler returns: the page, or an error its route's guard renders as a page.
pub type PageResult = Result<Response, WebError>;

/// A failed form post's outcome: its problems to show with the form again (422 or 409), or the
/// error itself when it is not about the input (not found, forbidden), for the error page.
pub fn refusal(err: AppError, t: T) -> Result<(StatusCode, Vec<FormError>), AppError> {
    match err {
        err @ (AppError::Invalid(_) | AppError::Conflict(_)) => Ok(form_problems(&err, t)),
        err => Err(err),
    }
}
