//! Open311 GeoReport v2 at `/open311/v2/` (X5): discovery, services, service definitions,
//! `POST requests` (api_key), `GET requests` with its filters, one request, tokens. Every
//! document in XML (the required format) and JSON (the "Spark convention": no root element,
//! lists as bare arrays). `jurisdiction_id` is the community's 12-digit code. Errors are the
//! spec's `errors/error{code,description}` with 404 for missing resources, 403 for a missing
//! or wrong api_key and 400 for anything else.

use crate::shell::AppState;
use crate::shell::ctx::url_form_pairs;
use crate::shell::i18n::{Lang, T};
use crate::shell::registry::Registry;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use wushe_app::needs::{self, NeedForm};
use wushe_app::{Actor, AppError, areas, open311};
use wushe_domain::access::Action;
use wushe_domain::areas::AreaKind;
use wushe_domain::ids::NeedId;

pub fn routes(r: &mut Registry) {
    r.open311(Method::GET, "/open311/v2/{file}", Action::Public, root);
    r.open311(Method::POST, "/open311/v2/{file}", Action::Public, post_request);
    r.open311(Method::GET, "/open311/v2/services/{file}", Action::Public, service_definition);
    r.open311(Method::GET, "/open311/v2/requests/{file}", Action::Public, one_request);
    r.open311(Method::GET, "/open311/v2/tokens/{file}", Action::Public, token);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Xml,
    Json,
}

/// `services.json` → ("services", Json). Unknown suffixes answer in XML, the required format.
fn split(file: &str) -> (String, Option<Format>) {
    match file.rsplit_once('.') {
        Some((name, "xml")) => (name.to_string(), Some(Format::Xml)),
        Some((name, "json")) => (name.to_string(), Some(Format::Json)),
        _ => (file.to_string(), None),
    }
}

/// A value of a GeoReport document.
enum V {
    S(String),
    I(i64),
    F(f64),
    B(bool),
    Null,
    Obj(Vec<(&'static str, V)>),
    /// A list: in XML each item is wrapped in the element named here.
    List(&'static str, Vec<V>),
}

fn opt(s: Option<String>) -> V {
    s.map(V::S).unwrap_or(V::Null)
}

fn json(v: &V) -> serde_json::Value {
    match v {
        V::S(s) => serde_json::Value::String(s.clone()),
        V::I(i) => serde_json::json!(i),
        V::F(f) => serde_json::json!(f),
        V::B(b) => serde_json::Value::Bool(*b),
        V::Null => serde_json::Value::Null,
        V::Obj(fields) => serde_json::Value::Object(fields.iter().map(|(k, v)| (k.to_string(), json(v))).collect()),
        V::List(_, items) => serde_json::Value::Array(items.iter().map(json).collect()),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

fn xml(v: &V, out: &mut String) {
    match v {
        V::S(s) => out.push_str(&escape(s)),
        V::I(i) => out.push_str(&i.to_string()),
        V::F(f) => out.push_str(&f.to_string()),
        V::B(b) => out.push_str(if *b { "true" } else { "false" }),
        V::Null => {}
        V::Obj(fields) => {
            for (k, v) in fields {
                out.push_str(&format!("<{k}>"));
                xml(v, out);
                out.push_str(&format!("</{k}>"));
            }
        }
        V::List(elem, items) => {
            for i in items {
                out.push_str(&format!("<{elem}>"));
                xml(i, out);
                out.push_str(&format!("</{elem}>"));
            }
        }
    }
}

fn render(status: StatusCode, fmt: Format, root: &str, v: V) -> Response {
    match fmt {
        Format::Json => {
            let body = serde_json::to_string(&json(&v)).unwrap_or_default();
            (status, [(header::CONTENT_TYPE, "application/json; charset=utf-8")], body).into_response()
        }
        Format::Xml => {
            let mut body = format!("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<{root}>");
            xml(&v, &mut body);
            body.push_str(&format!("</{root}>"));
            (status, [(header::CONTENT_TYPE, "text/xml; charset=utf-8")], body).into_response()
        }
    }
}

/// A GeoReport error; the body's code matches the HTTP status.
struct Problem(StatusCode, String);

fn t(h: &HeaderMap) -> T {
    T(h.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).map(Lang::from_accept).unwrap_or_default())
}

fn fail(fmt: Option<Format>, p: Problem) -> Response {
    let item = V::Obj(vec![("code", V::I(i64::from(p.0.as_u16()))), ("description", V::S(p.1))]);
    render(p.0, fmt.unwrap_or(Format::Xml), "errors", V::List("error", vec![item]))
}

fn bad(t: T, key: &str) -> Problem {
    Problem(StatusCode::BAD_REQUEST, t.t(key).to_string())
}

fn not_found(t: T, key: &str) -> Problem {
    Problem(StatusCode::NOT_FOUND, t.t(key).to_string())
}

fn internal(e: AppError) -> Problem {
    tracing::error!(error = ?e, "open311 request failed");
    Problem(StatusCode::BAD_REQUEST, "service error".into())
}

async fn community(s: &AppState, t: T, q: &HashMap<String, String>) -> Result<areas::Area, Problem> {
    let id = q
        .get("jurisdiction_id")
        .map(|x| x.trim())
        .filter(|x| !x.is_empty())
        .ok_or_else(|| bad(t, "open311.jurisdiction_missing"))?;
    match open311::jurisdiction(&s.db, id).await {
        Ok(c) => Ok(c),
        Err(AppError::NotFound) => Err(not_found(t, "open311.jurisdiction_unknown")),
        Err(e) => Err(internal(e)),
    }
}

fn iso(ms: i64) -> String {
    let tz = wushe_app::clock::local();
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.with_timezone(&tz).to_rfc3339_opts(chrono::SecondsFormat::Secs, false))
        .unwrap_or_default()
}

async fn root(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let t = t(&headers);
    let (name, fmt) = split(&file);
    let Some(f) = fmt else { return fail(None, not_found(t, "open311.not_found")) };
    let r = match name.as_str() {
        "discovery" => Ok(discovery(&headers, t, f)),
        "services" => services(&s, t, f, &q).await,
        "requests" => list_requests(&s, t, f, &q).await,
        _ => Err(not_found(t, "open311.not_found")),
    };
    r.unwrap_or_else(|p| fail(fmt, p))
}

fn discovery(headers: &HeaderMap, t: T, f: Format) -> Response {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1:8080");
    let endpoint = V::Obj(vec![
        ("specification", V::S("http://wiki.open311.org/GeoReport_v2".into())),
        ("url", V::S(format!("http://{host}/open311/v2"))),
        ("changeset", V::S("2026-11-23T00:00:00+08:00".into())),
        ("type", V::S("production".into())),
        ("formats", V::List("format", vec![V::S("text/xml".into()), V::S("application/json".into())])),
    ]);
    let doc = V::Obj(vec![
        ("changeset", V::S("2026-11-23T00:00:00+08:00".into())),
        ("contact", V::S(t.t("open311.contact").into())),
        ("key_service", V::S(t.t("open311.key_service").into())),
        ("endpoints", V::List("endpoint", vec![endpoint])),
    ]);
    render(StatusCode::OK, f, "discovery", doc)
}

async fn services(s: &AppState, t: T, f: Format, q: &HashMap<String, String>) -> Result<Response, Problem> {
    let c = community(s, t, q).await?;
    let cats = needs::active_categories(&s.db, c.id).await.map_err(internal)?;
    let items = cats
        .iter()
        .map(|cat| {
            V::Obj(vec![
                ("service_code", V::S(cat.code.clone())),
                ("service_name", V::S(cat.name_zh.clone())),
                (
                    "description",
                    V::S(t.f(
                        "open311.service_description",
                        &[
                            if t.0 == Lang::En { &cat.name_en } else { &cat.name_zh },
                            &cat.respond_hours,
                            &cat.resolve_hours,
                        ],
                    )),
                ),
                ("metadata", V::B(false)),
                ("type", V::S("realtime".into())),
                ("keywords", V::S(format!("{}, {}", cat.name_zh, cat.name_en))),
                ("group", V::S(t.t("open311.group").into())),
            ])
        })
        .collect();
    Ok(render(StatusCode::OK, f, "services", V::List("service", items)))
}

async fn service_definition(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let t = t(&headers);
    let (code, fmt) = split(&file);
    let Some(f) = fmt else { return fail(None, not_found(t, "open311.not_found")) };
    let r = async {
        let c = community(&s, t, &q).await?;
        let cats = needs::active_categories(&s.db, c.id).await.map_err(internal)?;
        let cat = cats.iter().find(|x| x.code == code).ok_or_else(|| not_found(t, "open311.service_unknown"))?;
        // No service needs extra attributes: the definition lists none.
        Ok::<_, Problem>(render(
            StatusCode::OK,
            f,
            "service_definition",
            V::Obj(vec![("service_code", V::S(cat.code.clone())), ("attributes", V::List("attribute", vec![]))]),
        ))
    }
    .await;
    r.unwrap_or_else(|p| fail(fmt, p))
}

async fn post_request(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
    body: Bytes,
) -> Response {
    let t = t(&headers);
    let (name, fmt) = split(&file);
    let Some(f) = fmt.filter(|_| name == "requests") else { return fail(fmt, not_found(t, "open311.not_found")) };
    let q: HashMap<String, String> = url_form_pairs(&body).into_iter().collect();
    let r = async {
        let c = community(&s, t, &q).await?;
        let key = q.get("api_key").map(String::as_str).unwrap_or("");
        let key_name = match open311::check_key(&s.db, &c, key).await.map_err(internal)? {
            Some(k) if !key.is_empty() => k,
            _ => return Err(Problem(StatusCode::FORBIDDEN, t.t("open311.api_key").into())),
        };
        let code = q
            .get("service_code")
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .ok_or_else(|| bad(t, "open311.service_missing"))?;
        let cats = needs::active_categories(&s.db, c.id).await.map_err(internal)?;
        let cat = cats.iter().find(|x| x.code == code).ok_or_else(|| not_found(t, "open311.service_unknown"))?.clone();
        let get = |k: &str| q.get(k).map(|x| x.trim().to_string()).filter(|x| !x.is_empty());
        let coord = |k: &str| get(k).map(|v| v.parse::<f64>().map_err(|_| bad(t, "open311.coordinates"))).transpose();
        let (lat, lon) = (coord("lat")?, coord("long")?);
        if lat.is_some() != lon.is_some()
            || lat.is_some_and(|x| !(-90.0..=90.0).contains(&x))
            || lon.is_some_and(|x| !(-180.0..=180.0).contains(&x))
        {
            return Err(bad(t, "open311.coordinates"));
        }
        let address_string = get("address_string");
        let address_id = get("address_id");
        if lat.is_none() && address_string.is_none() && address_id.is_none() {
            return Err(bad(t, "open311.location_missing"));
        }
        let area = match (&address_id, lat, lon) {
            (Some(id), _, _) => match areas::by_code(&s.db, id).await {
                Ok(a) if a.path.starts_with(&c.path) => a,
                _ => return Err(bad(t, "open311.address_unknown")),
            },
            (None, Some(la), Some(lo)) => open311::locate(&s.db, &c, la, lo).await.map_err(internal)?,
            _ => c.clone(),
        };
        let description = get("description").unwrap_or_else(|| cat.name_zh.clone());
        if description.chars().count() > 4000 {
            return Err(bad(t, "open311.description_long"));
        }
        let title: String = description.lines().next().unwrap_or("").chars().take(30).collect();
        let form = NeedForm {
            area_code: area.code.clone(),
            household_code: if area.kind == AreaKind::Household { area.code.clone() } else { String::new() },
            category: cat.code.clone(),
            title,
            description,
            channel: "open311".into(),
            contact_phone: get("phone").unwrap_or_default(),
            ..Default::default()
        };
        // The key speaks for its community only: a principal scoped to it, not the operator.
        let client = Actor::intake_client(&c.path);
        let mut new = needs::parse_form(&s.db, &client, &c, &form).await.map_err(|e| match e {
            AppError::Invalid(errs) => Problem(
                StatusCode::BAD_REQUEST,
                errs.0.iter().map(|x| format!("{}: {}", x.field, t.t(x.key))).collect::<Vec<_>>().join("; "),
            ),
            e => internal(e),
        })?;
        // The need and where the client says it is commit together.
        new.location = Some(needs::Location { lat, lon, address: address_string.clone(), media_url: get("media_url") });
        let n = s.submissions.submit(&client, s.now(), new).await.map_err(internal)?;
        tracing::info!(need = n.id.get(), key = %key_name, "open311 request");
        let item = V::Obj(vec![
            ("service_request_id", V::S(n.id.to_string())),
            ("service_notice", V::S(t.f("open311.notice", &[&cat.respond_hours, &cat.resolve_hours]))),
            ("account_id", V::Null),
        ]);
        Ok::<_, Problem>(render(StatusCode::OK, f, "service_requests", V::List("request", vec![item])))
    }
    .await;
    r.unwrap_or_else(|p| fail(Some(f), p))
}

fn request_value(r: &open311::PublicRequest) -> V {
    let n = &r.need;
    let open = !(n.status.is_closed() || n.status == wushe_domain::needs::NeedStatus::Resolved);
    V::Obj(vec![
        ("service_request_id", V::S(n.id.to_string())),
        ("status", V::S(if open { "open" } else { "closed" }.into())),
        ("status_notes", opt(r.status_notes.clone())),
        ("service_name", V::S(r.service_name.clone())),
        ("service_code", V::S(r.service_code.clone())),
        ("description", if r.show_description { V::S(n.description.clone()) } else { V::Null }),
        ("agency_responsible", opt(r.agency.clone())),
        ("service_notice", V::Null),
        ("requested_datetime", V::S(iso(n.created_at))),
        (
            "updated_datetime",
            V::S(iso(n.closed_at.or(n.resolved_at).unwrap_or(n.created_at).max(n.responded_at.unwrap_or(0)))),
        ),
        ("expected_datetime", V::S(iso(n.resolve_due))),
        ("address", V::S(r.address.clone())),
        ("address_id", V::S(r.address_id.clone())),
        ("zipcode", V::Null),
        ("lat", r.lat.map(V::F).unwrap_or(V::Null)),
        ("long", r.lon.map(V::F).unwrap_or(V::Null)),
        ("media_url", opt(r.media_url.clone())),
    ])
}

/// W3C-DTF dates and times: `YYYY`, `YYYY-MM`, `YYYY-MM-DD` (read in the jurisdiction's
/// time, China Standard Time), or a time with its zone, with or without seconds. A date alone
/// as `end_date` means the end of that year, month or day. A `+` offset that a client left
/// unencoded in the query string arrives as a space; it is read as the `+` it was.
fn parse_date(raw: &str, end: bool) -> Option<i64> {
    use chrono::{Datelike, NaiveDate, TimeZone};
    let t = raw.trim();
    let fixed = match t.rfind(' ') {
        Some(i) if t[i + 1..].len() == 5 && t.as_bytes()[i + 3] == b':' => format!("{}+{}", &t[..i], &t[i + 1..]),
        _ => t.to_string(),
    };
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(&fixed) {
        return Some(d.timestamp_millis());
    }
    if let Ok(d) = chrono::DateTime::parse_from_str(&fixed.replace('Z', "+00:00"), "%Y-%m-%dT%H:%M%:z") {
        return Some(d.timestamp_millis());
    }
    let parts: Vec<&str> = fixed.split('-').collect();
    let num = |s: &str, len: usize| if s.len() == len { s.parse::<u32>().ok() } else { None };
    let (first, next) = match parts.as_slice() {
        [y] => {
            let y = num(y, 4)? as i32;
            (NaiveDate::from_ymd_opt(y, 1, 1)?, NaiveDate::from_ymd_opt(y + 1, 1, 1)?)
        }
        [y, m] => {
            let first = NaiveDate::from_ymd_opt(num(y, 4)? as i32, num(m, 2)?, 1)?;
            let next = if first.month() == 12 {
                NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)?
            } else {
                NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)?
            };
            (first, next)
        }
        [y, m, d] => {
            let day = NaiveDate::from_ymd_opt(num(y, 4)? as i32, num(m, 2)?, num(d, 2)?)?;
            (day, day.succ_opt()?)
        }
        _ => return None,
    };
    let tz = wushe_app::clock::local();
    let at = tz.from_local_datetime(&(if end { next } else { first }).and_hms_opt(0, 0, 0)?).single()?;
    Some(at.timestamp_millis() - i64::from(end))
}

const DAY: i64 = 86_400_000;

async fn list_requests(s: &AppState, t: T, f: Format, q: &HashMap<String, String>) -> Result<Response, Problem> {
    let c = community(s, t, q).await?;
    let get = |k: &str| q.get(k).map(|x| x.trim().to_string()).filter(|x| !x.is_empty());
    let ids = match get("service_request_id") {
        Some(list) => list
            .split(',')
            .map(|x| x.trim().parse::<i64>().map(NeedId::from).map_err(|_| bad(t, "open311.request_id")))
            .collect::<Result<Vec<_>, _>>()?,
        None => vec![],
    };
    let codes: Vec<String> =
        get("service_code").map(|x| x.split(',').map(|c| c.trim().to_string()).collect()).unwrap_or_default();
    let date =
        |k: &str| get(k).map(|v| parse_date(&v, k == "end_date").ok_or_else(|| bad(t, "open311.date"))).transpose();
    let (start, end) = (date("start_date")?, date("end_date")?);
    let now = s.now();
    let (from, to) = match (start, end) {
        (Some(a), Some(b)) => (a, b),
        (Some(a), None) => (a, a + 90 * DAY),
        (None, Some(b)) => (b - 90 * DAY, b),
        (None, None) => (now - 90 * DAY, now + DAY),
    };
    if to < from || to - from > 90 * DAY + DAY {
        return Err(bad(t, "open311.date_range"));
    }
    let open = match get("status").as_deref() {
        None => None,
        Some(st) => {
            let parts: Vec<&str> = st.split(',').map(str::trim).collect();
            if parts.iter().any(|p| !matches!(*p, "open" | "closed")) {
                return Err(bad(t, "open311.status"));
            }
            match (parts.contains(&"open"), parts.contains(&"closed")) {
                (true, false) => Some(true),
                (false, true) => Some(false),
                _ => None,
            }
        }
    };
    let query = open311::RequestQuery { ids, service_codes: codes, from, to, open };
    let list = open311::requests(&s.db, &c, &query).await.map_err(internal)?;
    Ok(render(StatusCode::OK, f, "service_requests", V::List("request", list.iter().map(request_value).collect())))
}

async fn one_request(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let t = t(&headers);
    let (id, fmt) = split(&file);
    let Some(f) = fmt else { return fail(None, not_found(t, "open311.not_found")) };
    let r = async {
        let c = community(&s, t, &q).await?;
        let id = id.parse::<i64>().map(NeedId::from).map_err(|_| not_found(t, "open311.request_unknown"))?;
        let query = open311::RequestQuery { ids: vec![id], service_codes: vec![], from: 0, to: i64::MAX, open: None };
        let list = open311::requests(&s.db, &c, &query).await.map_err(internal)?;
        if list.is_empty() {
            return Err(not_found(t, "open311.request_unknown"));
        }
        Ok::<_, Problem>(render(
            StatusCode::OK,
            f,
            "service_requests",
            V::List("request", list.iter().map(request_value).collect()),
        ))
    }
    .await;
    r.unwrap_or_else(|p| fail(fmt, p))
}

/// Wushe creates requests in real time and never issues tokens, so every token is unknown.
async fn token(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let t = t(&headers);
    let (_, fmt) = split(&file);
    let r = async {
        community(&s, t, &q).await?;
        Err::<Response, _>(not_found(t, "open311.token_unknown"))
    }
    .await;
    r.unwrap_or_else(|p| fail(fmt, p))
}

#[cfg(test)]
mod tests {
    use super::parse_date;

    #[test]
    fn w3c_dtf_dates_of_every_precision_are_read() {
        let cst = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis();
        assert_eq!(parse_date("2026-10-01", false), Some(cst("2026-10-01T00:00:00+08:00")));
        assert_eq!(parse_date("2026-10-01", true), Some(cst("2026-10-02T00:00:00+08:00") - 1));
        assert_eq!(parse_date("2026-10", false), Some(cst("2026-10-01T00:00:00+08:00")));
        assert_eq!(parse_date("2026-12", true), Some(cst("2027-01-01T00:00:00+08:00") - 1));
        assert_eq!(parse_date("2026", false), Some(cst("2026-01-01T00:00:00+08:00")));
        assert_eq!(parse_date("2026-10-01T08:30+08:00", false), Some(cst("2026-10-01T08:30:00+08:00")));
        assert_eq!(parse_date("2026-10-01T00:30Z", false), Some(cst("2026-10-01T08:30:00+08:00")));
        assert_eq!(parse_date("2026-10-01T08:30:00 08:00", false), Some(cst("2026-10-01T08:30:00+08:00")));
        for bad in ["2026-13-01", "26-10-01", "2026-10-01T", "yesterday", "2026-02-30"] {
            assert_eq!(parse_date(bad, false), None, "{bad}");
        }
    }
}
