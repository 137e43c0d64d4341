//! Request extractors of the JSON API that name what is wrong: a JSON body and a query
//! string, each parsed with the path of any bad field, so a problem can say which one.

use crate::shell::error::problem;
use crate::shell::i18n::T;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde::de::DeserializeOwned;

/// A page form deserialised into a typed struct (`#[serde(default)]`, raw `String` fields,
/// repeated keys into `Vec`s), so handlers name fields once; the domain parses the values.
/// The guard has already checked the CSRF token and the size.
pub struct PageForm<T>(pub T);

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for PageForm<T> {
    type Rejection = std::convert::Infallible;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.unwrap_or_default();
        // Every field defaults, so only a body that is no form at all fails; it reads as empty
        // and the domain names the missing fields.
        Ok(PageForm(serde_html_form::from_bytes(&bytes).unwrap_or_default()))
    }
}

/// A JSON body read now and judged later: an item route first finds its record, so a
/// stranger is told 404 whatever they sent, and only then what is wrong with the body.
pub struct LaterJson<T>(Result<T, Response>);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for LaterJson<T> {
    type Rejection = std::convert::Infallible;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Ok(LaterJson(ApiJson::<T>::from_request(req, state).await.map(|ApiJson(v)| v)))
    }
}

impl<T> LaterJson<T> {
    /// The body, or the problem with it, in the error type every handler returns.
    #[allow(clippy::result_large_err)]
    pub fn body(self) -> Result<T, crate::shell::error::WebError> {
        self.0.map_err(crate::shell::error::WebError::from_problem)
    }
}

/// A JSON body parsed with the path of any wrong field, so problems can name it.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let t = T_(lang(req.headers()));
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|h| h.to_str().ok())
            .is_some_and(|c| c.starts_with("application/json"));
        if !is_json {
            return Err(problem(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                t.0.t("errors.title.unsupported_media_type").into(),
                t.0.t("errors.detail.unsupported_media_type").into(),
                vec![],
            ));
        }
        let bytes = match Bytes::from_request(req, state).await {
            Ok(b) => b,
            Err(_) => {
                return Err(crate::shell::error::too_large(
                    crate::shell::route::Kind::Api,
                    t.0,
                    crate::shell::route::BODY_LIMIT,
                ));
            }
        };
        let mut value: serde_json::Value = match serde_json::from_slice(&bytes) {
            Ok(v) => v,
            Err(inner) => {
                return Err(problem(
                    StatusCode::BAD_REQUEST,
                    "malformed_json",
                    t.0.t("errors.title.malformed_json").into(),
                    inner.to_string(),
                    vec![],
                ));
            }
        };
        integral_numbers(&mut value);
        match serde_path_to_error::deserialize::<_, T>(value) {
            Ok(v) => Ok(ApiJson(v)),
            Err(e) => {
                let path = e.path().to_string();
                let inner = e.into_inner();
                // A missing field has the parent's path; serde names the field in backticks.
                let msg = inner.to_string();
                let (field, key) = match msg.strip_prefix("missing field `").and_then(|r| r.split('`').next()) {
                    Some(f) => (if path == "." { f.to_string() } else { format!("{path}.{f}") }, "errors.required"),
                    None => (path, "errors.wrong_type"),
                };
                let label = t.0.t(&format!("field.{field}")).to_string();
                let label = if label.starts_with("field.") { field.clone() } else { label };
                let f = crate::shell::error::FieldProblem {
                    field: field.clone(),
                    code: key.into(),
                    message: format!("{label}: {}", t.0.t(key)),
                };
                Err(problem(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_input",
                    t.0.t("errors.title.invalid").into(),
                    msg,
                    vec![f],
                ))
            }
        }
    }
}

/// JSON does not tell `2` from `2.0` (JSON Schema counts both as integers), so numbers
/// without a fraction are read as integers wherever an integer is asked for.
fn integral_numbers(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| !n.is_i64() && !n.is_u64())
                && f.fract() == 0.0
                && f.abs() < 9.0e15
            {
                *v = serde_json::Value::from(f as i64);
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(integral_numbers),
        serde_json::Value::Object(o) => o.values_mut().for_each(integral_numbers),
        _ => {}
    }
}

/// A query string parsed with the name of any wrong parameter, so `limit=abc` answers 422
/// naming `limit` rather than a bare 400.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        let t = lang(&parts.headers);
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize::<_, T>(de).map(ApiQuery).map_err(|e| {
            let field = e.path().to_string();
            let msg = e.into_inner().to_string();
            let (field, key) = match msg.strip_prefix("missing field `").and_then(|r| r.split('`').next()) {
                Some(f) => (f.to_string(), "errors.required"),
                None => (field, "errors.wrong_type"),
            };
            let label = t.t(&format!("field.{field}")).to_string();
            let label = if label.starts_with("field.") { field.clone() } else { label };
            let f = crate::shell::error::FieldProblem {
                field,
                code: key.into(),
                message: format!("{label}: {}", t.t(key)),
            };
            problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", t.t("errors.title.invalid").into(), msg, vec![f])
        })
    }
}

struct T_(T);

fn lang(h: &HeaderMap) -> T {
    let c = crate::shell::cookies::cookies(h);
    T(c.get(crate::shell::cookies::LANG_COOKIE)
        .and_then(|l| crate::shell::i18n::Lang::parse(l))
        .or_else(|| {
            h.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).map(crate::shell::i18n::Lang::from_accept)
        })
        .unwrap_or_default())
}

/// A record id from the path; anything that is not a number names no record (404).
pub fn parse_id(raw: &str) -> Result<i64, wushe_app::AppError> {
    raw.parse::<i64>().map_err(|_| wushe_app::AppError::NotFound)
}

/// Number fields accept a JSON number or the same digits as text (forms send text).
pub fn text_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    use serde::Deserialize;
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        serde_json::Value::Null => Ok(String::new()),
        _ => Err(serde::de::Error::custom("expected a number")),
    }
}

/// What a path segment may name: a typed record id (`NeedId`, `ResourceId`) or, for the
/// capabilities that have no typed id yet, a bare `i64`.
pub trait PathId: Sized {
    fn from_segment(raw: &str) -> Option<Self>;
}

impl PathId for i64 {
    fn from_segment(raw: &str) -> Option<Self> {
        parse_id(raw).ok()
    }
}

/// Every typed id parses its path segment the same way.
macro_rules! path_ids {
    ($($t:ty),+) => {$(
        impl PathId for $t {
            fn from_segment(raw: &str) -> Option<Self> {
                Self::parse(raw)
            }
        }
    )+};
}

path_ids!(
    wushe_domain::ids::NeedId,
    wushe_domain::ids::ResourceId,
    wushe_domain::ids::PersonId,
    wushe_domain::ids::BookingId,
    wushe_domain::ids::OrganizationId,
    wushe_domain::ids::PlanId,
    wushe_domain::ids::IncidentId,
    wushe_domain::ids::CheckinId
);

/// A record id from a route's single path parameter (`/needs/{id}`). Anything that is not an
/// id names no record: 404, rendered as the route's kind like every other error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Id<T = i64>(pub T);

impl<T: PathId, S: Send + Sync> axum::extract::FromRequestParts<S> for Id<T> {
    type Rejection = crate::shell::error::WebError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw) = axum::extract::Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| wushe_app::AppError::NotFound)?;
        Ok(Id(T::from_segment(&raw).ok_or(wushe_app::AppError::NotFound)?))
    }
}
