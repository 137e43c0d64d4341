//! Open Referral HSDS 3.1 (S4, X5): the public directory of organizations, services, locations
//! and schedules under `/hsds/`, following the HSDS API reference — `/`, `/services`,
//! `/services/{id}`, `/organizations`, `/organizations/{id}`, `/service_at_locations`,
//! `/service_at_locations/{id}`, `/taxonomies`, `/taxonomy_terms` (and their `{id}`s) — with its
//! paged response (`total_items` … `contents`), `search`, `page`, `per_page`, `organization_id`,
//! `taxonomy_term_id` and `format=ndjson`; a whole-directory export file; and import from one.
//!
//! Public services are resources of kind service or space that no person owns; every HSDS id is
//! a UUID (version 8, RFC 9562) that carries our record's kind and id, so it is stable and can
//! be read back. Addresses are left out: HSDS requires a postal code, which we do not hold;
//! the location's name carries the address text instead.

use crate::shell::AppState;
use crate::shell::error::PageResult;
use crate::shell::error::WebError;
use crate::shell::i18n::{Lang, T};
use crate::shell::registry::Registry;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{Method, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use wushe_app::organizations::Organization;
use wushe_app::resources::Resource;
use wushe_app::{AppError, areas, directory, organizations, resources};
use wushe_domain::access::Action;
use wushe_domain::ids::ResourceId;
use wushe_domain::resources::{ResourceStatus, clock};

pub fn routes(r: &mut Registry) {
    r.page(Method::GET, "/hsds", Action::Public, root);
    r.page(Method::GET, "/hsds/", Action::Public, root);
    r.page(Method::GET, "/hsds/services", Action::Public, services);
    r.page(Method::GET, "/hsds/services/{id}", Action::Public, service);
    r.page(Method::GET, "/hsds/organizations", Action::Public, orgs);
    r.page(Method::GET, "/hsds/organizations/{id}", Action::Public, org);
    r.page(Method::GET, "/hsds/service_at_locations", Action::Public, sals);
    r.page(Method::GET, "/hsds/service_at_locations/{id}", Action::Public, sal);
    r.page(Method::GET, "/hsds/taxonomies", Action::Public, taxonomies);
    r.page(Method::GET, "/hsds/taxonomies/{id}", Action::Public, taxonomy);
    r.page(Method::GET, "/hsds/taxonomy_terms", Action::Public, terms);
    r.page(Method::GET, "/hsds/taxonomy_terms/{id}", Action::Public, term);
    r.page(Method::GET, "/hsds/export.json", Action::Public, export);
    r.page(Method::GET, "/hsds/{*rest}", Action::Public, unknown);
    r.page(Method::GET, "/directory/hsds/organizations.json", Action::Public, old_export);
}

/// Record kinds carried in our UUIDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Organization = 1,
    Service = 2,
    Location = 3,
    ServiceAtLocation = 4,
    Schedule = 5,
    Phone = 6,
    Taxonomy = 7,
    TaxonomyTerm = 8,
    Attribute = 9,
    OrganizationLocation = 10,
}

/// `57534800-000K-8000-8000-IIIIIIIIIIII`: a "WS" tag, kind K, id I; version 8, variant 10.
pub fn uuid(kind: Entity, id: i64) -> String {
    format!("57534800-{:04x}-8000-8000-{:012x}", kind as u16, id)
}

/// Reads back one of our UUIDs of the given kind.
pub fn parse_uuid(kind: Entity, raw: &str) -> Option<i64> {
    let want = format!("57534800-{:04x}-8000-8000-", kind as u16);
    let rest = raw.trim().to_ascii_lowercase();
    let tail = rest.strip_prefix(&want)?;
    if tail.len() != 12 {
        return None;
    }
    i64::from_str_radix(tail, 16).ok()
}

/// Category codes as taxonomy term ids: the first 48 bits of the code's SHA-256, so every code
/// (a community may add its own) has its own stable id.
fn term_id(code: &str) -> i64 {
    use sha2::Digest;
    let d = sha2::Sha256::digest(code.as_bytes());
    d[..6].iter().fold(0i64, |acc, b| (acc << 8) | i64::from(*b))
}

fn ms_iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    search: Option<String>,
    #[serde(default)]
    page: Option<String>,
    #[serde(default)]
    per_page: Option<String>,
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    organization_id: Option<String>,
    #[serde(default)]
    taxonomy_term_id: Option<String>,
    #[serde(default)]
    full: Option<String>,
    #[serde(default)]
    full_service: Option<String>,
    #[serde(default)]
    modified_after: Option<String>,
    /// Only each service's `id` and `modified_date`, all in one page unless `per_page` says.
    #[serde(default)]
    minimal: Option<String>,
    /// Extension: limit to one community (its code).
    #[serde(default)]
    community: Option<String>,
}

fn flag(v: &Option<String>) -> bool {
    v.as_deref().is_some_and(|v| v == "true" || v == "1")
}

fn bad(field: &'static str) -> AppError {
    wushe_domain::FieldError::new(field, "errors.number.invalid").into()
}

/// `Page` of the API reference around `items`, `page` 1-based.
fn paged(items: Vec<Value>, q: &ListQuery) -> Result<Response, AppError> {
    let page: usize = match q.page.as_deref() {
        None | Some("") => 1,
        Some(p) => p.parse().ok().filter(|p| (1..=1_000_000).contains(p)).ok_or_else(|| bad("page"))?,
    };
    let per: usize = match q.per_page.as_deref() {
        None | Some("") => 50,
        Some(p) => p.parse().ok().filter(|p| (1..=1000).contains(p)).ok_or_else(|| bad("per_page"))?,
    };
    if q.format.as_deref() == Some("ndjson") {
        let mut body = String::new();
        for i in &items {
            body.push_str(&i.to_string());
            body.push('\n');
        }
        return Ok(([(header::CONTENT_TYPE, "application/x-ndjson")], body).into_response());
    }
    let total = items.len();
    let pages = total.div_ceil(per).max(1);
    let contents: Vec<Value> = items.into_iter().skip((page - 1) * per).take(per).collect();
    Ok(Json(json!({
        "total_items": total,
        "total_pages": pages,
        "page_number": page,
        "size": contents.len(),
        "first_page": page == 1,
        "last_page": page >= pages,
        "empty": contents.is_empty(),
        "contents": contents,
    }))
    .into_response())
}

/// Everything a page of the directory needs, read once per request.
struct Directory {
    orgs: HashMap<i64, Organization>,
    services: Vec<Resource>,
    area_names: HashMap<i64, String>,
    categories: HashMap<String, (String, String)>,
}

async fn load(s: &AppState, community: Option<&str>) -> Result<Directory, AppError> {
    let within = match community.map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => {
            areas::by_code(&s.db, code)
                .await
                .map_err(|_| AppError::from(wushe_domain::FieldError::new("community", "errors.area.unknown")))?
                .path
        }
        None => String::new(),
    };
    let orgs = directory::browse(&s.db, &within, 10_000).await?;
    let services = resources::public_services(&s.db, &within).await?;
    complete(s, orgs, services).await
}

/// One public service with what its full form needs, without reading the whole directory.
async fn load_service(s: &AppState, id: i64) -> Result<Directory, AppError> {
    let r = resources::public_get(&s.db, ResourceId::from(id)).await?;
    complete(s, vec![], vec![r]).await
}

/// Adds the public organizations the services name, drops services whose organization is not
/// public, and reads the places and category names.
async fn complete(s: &AppState, orgs: Vec<Organization>, mut services: Vec<Resource>) -> Result<Directory, AppError> {
    let mut orgs: HashMap<i64, Organization> = orgs.into_iter().map(|o| (o.id.get(), o)).collect();
    let missing: Vec<i64> = services.iter().filter_map(|r| r.owner_org_id).filter(|o| !orgs.contains_key(o)).collect();
    for o in organizations::by_ids(&s.db, &missing).await? {
        if o.kind.is_public() {
            orgs.insert(o.id.get(), o);
        }
    }
    services.retain(|r| r.owner_org_id.is_none_or(|o| orgs.contains_key(&o)));
    let ids: Vec<i64> = services.iter().map(|r| r.area_id).chain(orgs.values().map(|o| o.area_id)).collect();
    let area_names = areas::by_ids(&s.db, &ids).await?.into_iter().map(|(id, a)| (id, a.name)).collect();
    let mut categories = HashMap::new();
    for (code, zh, en, _, _) in wushe_domain::needs::DEFAULT_CATEGORIES {
        categories.insert(code.to_string(), (zh.to_string(), en.to_string()));
    }
    // Codes a community added itself are terms too, named by their code.
    for r in &services {
        for c in &r.categories {
            categories.entry(c.clone()).or_insert_with(|| (c.clone(), c.clone()));
        }
    }
    Ok(Directory { orgs, services, area_names, categories })
}

fn org_scalars(o: &Organization) -> Value {
    let mut v = json!({
        "id": uuid(Entity::Organization, o.id.get()),
        "name": o.name,
        "description": if o.description.is_empty() { o.name.clone() } else { o.description.clone() },
    });
    if let Some(p) = o.parent_id {
        v["parent_organization_id"] = json!(uuid(Entity::Organization, p));
    }
    v
}

fn org_full(d: &Directory, o: &Organization, t: T) -> Value {
    let mut v = org_scalars(o);
    let mut phones = vec![];
    if let Some(p) = &o.phone {
        phones.push(json!({ "id": uuid(Entity::Phone, o.id.get() * 2 + 1), "number": p, "type": "voice" }));
    }
    v["phones"] = json!(phones);
    let area = d.area_names.get(&o.area_id).cloned().unwrap_or_default();
    v["locations"] = json!([{
        "id": uuid(Entity::OrganizationLocation, o.id.get()),
        "location_type": "physical",
        "name": if o.address.is_empty() { area } else { format!("{area} {}", o.address) },
    }]);
    let _ = t;
    v
}

fn status(r: &Resource) -> &'static str {
    match r.status {
        ResourceStatus::Active => "active",
        ResourceStatus::Paused => "temporarily closed",
        ResourceStatus::Retired => "defunct",
    }
}

use wushe_app::resources::hsds::DAYS;

/// One HSDS schedule per opening period (start, end), listing the weekdays it applies to.
fn schedules(r: &Resource, t: T) -> Vec<Value> {
    let mut periods: Vec<((u16, u16), Vec<u8>)> = Vec::new();
    for w in r.schedule.windows() {
        match periods.iter_mut().find(|(p, _)| *p == (w.start, w.end)) {
            Some((_, days)) => days.push(w.weekday),
            None => periods.push(((w.start, w.end), vec![w.weekday])),
        }
    }
    periods
        .into_iter()
        .enumerate()
        .map(|(i, ((start, end), days))| {
            let byday: Vec<&str> = days.iter().map(|d| DAYS[usize::from(*d) - 1]).collect();
            json!({
                "id": uuid(Entity::Schedule, r.id.get() * 100 + i as i64),
                "freq": "WEEKLY",
                "wkst": "MO",
                "byday": byday.join(","),
                "opens_at": format!("{}+08:00", clock(start)),
                "closes_at": format!("{}+08:00", clock(end.min(23 * 60 + 59))),
                "timezone": 8,
                "description": format!(
                    "{} {}–{}",
                    days.iter().map(|d| t.t(&format!("weekday.{}", d - 1)).to_string()).collect::<Vec<_>>().join(if t.0 == Lang::En { ", " } else { "、" }),
                    clock(start),
                    clock(end)
                ),
            })
        })
        .collect()
}

fn location(d: &Directory, r: &Resource) -> Value {
    let area = d.area_names.get(&r.area_id).cloned().unwrap_or_default();
    json!({
        "id": uuid(Entity::Location, r.id.get()),
        "location_type": "physical",
        "name": if r.address.is_empty() { area } else { format!("{area} {}", r.address) },
    })
}

fn service_scalars(d: &Directory, r: &Resource) -> Value {
    let mut v = json!({
        "id": uuid(Entity::Service, r.id.get()),
        "name": r.name,
        "description": r.description,
        "status": status(r),
        "last_modified": ms_iso(r.updated_at),
    });
    if let Some(o) = r.owner_org_id {
        v["organization_id"] = json!(uuid(Entity::Organization, o));
    }
    if !r.conditions.is_empty() {
        v["eligibility_description"] = json!(r.conditions);
    }
    let _ = d;
    v
}

fn term_value(d: &Directory, code: &str, t: T) -> Value {
    let (zh, en) = d.categories.get(code).cloned().unwrap_or_else(|| (code.to_string(), code.to_string()));
    json!({
        "id": uuid(Entity::TaxonomyTerm, term_id(code)),
        "code": code,
        "name": if t.0 == Lang::En { en.clone() } else { zh.clone() },
        "description": format!("{zh} / {en}"),
        "taxonomy_id": uuid(Entity::Taxonomy, 1),
    })
}

fn service_full(d: &Directory, r: &Resource, t: T) -> Value {
    let mut v = service_scalars(d, r);
    if let Some(o) = r.owner_org_id.and_then(|o| d.orgs.get(&o)) {
        v["organization"] = org_full(d, o, t);
    }
    let mut phones = vec![];
    if let Some(p) = &r.contact_phone {
        phones.push(json!({ "id": uuid(Entity::Phone, r.id.get() * 2), "number": p, "type": "voice" }));
    }
    v["phones"] = json!(phones);
    v["schedules"] = json!(schedules(r, t));
    v["service_at_locations"] =
        json!([{ "id": uuid(Entity::ServiceAtLocation, r.id.get()), "location": location(d, r) }]);
    v["attributes"] = json!(
        r.categories
            .iter()
            .enumerate()
            .map(|(i, c)| json!({
                "id": uuid(Entity::Attribute, r.id.get() * 100 + i as i64),
                "link_entity": "service",
                "link_id": uuid(Entity::Service, r.id.get()),
                "taxonomy_term_id": uuid(Entity::TaxonomyTerm, term_id(c)),
                "taxonomy_term": term_value(d, c, t),
            }))
            .collect::<Vec<_>>()
    );
    v
}

/// A record matches a search when every word of it appears in the record's text, or the
/// whole search does. A search of no words (punctuation, `%`, `_`) matches only where it
/// appears as written: characters are never wildcards.
fn matches_search(text: &[&str], q: &Option<String>) -> bool {
    match q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        None => true,
        Some(q) => {
            let words: Vec<String> = directory::terms(q);
            let hay = text.join(" ").to_lowercase();
            let q = q.to_lowercase();
            (!words.is_empty() && words.iter().all(|w| hay.contains(&w.to_lowercase()))) || hay.contains(&q)
        }
    }
}

fn filtered_services<'a>(d: &'a Directory, q: &ListQuery) -> Result<Vec<&'a Resource>, AppError> {
    let org = q
        .organization_id
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|u| parse_uuid(Entity::Organization, u).unwrap_or(-1));
    let term = q.taxonomy_term_id.as_deref().filter(|s| !s.is_empty());
    let after = match q.modified_after.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(
            chrono::DateTime::parse_from_rfc3339(s)
                .map(|d| d.timestamp_millis())
                .or_else(|_| {
                    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                        .map(|d| d.and_hms_opt(0, 0, 0).map(|x| x.and_utc().timestamp_millis()).unwrap_or(0))
                })
                .map_err(|_| AppError::from(wushe_domain::FieldError::new("modified_after", "errors.date.invalid")))?,
        ),
        None => None,
    };
    Ok(d.services
        .iter()
        .filter(|r| org.is_none_or(|o| r.owner_org_id == Some(o)))
        .filter(|r| term.is_none_or(|t| r.categories.iter().any(|c| uuid(Entity::TaxonomyTerm, term_id(c)) == t)))
        .filter(|r| after.is_none_or(|a| r.updated_at >= a))
        .filter(|r| {
            let org_name = r.owner_org_id.and_then(|o| d.orgs.get(&o)).map(|o| o.name.as_str()).unwrap_or("");
            matches_search(&[&r.name, &r.description, &r.tags.join(" "), org_name], &q.search)
        })
        .collect())
}

type Res = PageResult;

fn api_err(t: T) -> impl Fn(AppError) -> WebError {
    move |e| WebError::api(e, t)
}

async fn root() -> Response {
    Json(json!({
        "version": "3.1",
        "profile": "https://docs.openreferral.org/en/latest/hsds/overview.html",
        "openapi_url": "https://raw.githubusercontent.com/openreferral/specification/3.1/schema/openapi.json",
        "description": "五社联动韧性社区平台 community service directory (Open Referral HSDS 3.1)",
        "publisher": { "name": "Wushe" },
    }))
    .into_response()
}

async fn services(State(s): State<AppState>, ctx: crate::shell::ctx::Ctx, Query(q): Query<ListQuery>) -> Res {
    let t = ctx.t();
    let e = api_err(t);
    let d = load(&s, q.community.as_deref()).await.map_err(&e)?;
    let full = flag(&q.full) || q.format.as_deref() == Some("ndjson");
    let minimal = flag(&q.minimal);
    let items = filtered_services(&d, &q)
        .map_err(&e)?
        .into_iter()
        .map(|r| {
            if minimal {
                json!({ "id": uuid(Entity::Service, r.id.get()), "modified_date": ms_iso(r.updated_at) })
            } else if full {
                service_full(&d, r, t)
            } else {
                let mut v = service_scalars(&d, r);
                if let Some(o) = r.owner_org_id.and_then(|o| d.orgs.get(&o)) {
                    v["organization"] = org_scalars(o);
                }
                v
            }
        })
        .collect::<Vec<Value>>();
    if minimal && q.per_page.as_deref().is_none_or(str::is_empty) {
        let all = ListQuery { per_page: Some(items.len().clamp(1, 1000).to_string()), ..q };
        return paged(items, &all).map_err(&e);
    }
    paged(items, &q).map_err(&e)
}

async fn service(State(s): State<AppState>, ctx: crate::shell::ctx::Ctx, Path(id): Path<String>) -> Res {
    let t = ctx.t();
    let e = api_err(t);
    let rid = parse_uuid(Entity::Service, &id).ok_or_else(|| e(AppError::NotFound))?;
    let d = load_service(&s, rid).await.map_err(&e)?;
    let r = d.services.iter().find(|r| r.id.get() == rid).ok_or_else(|| e(AppError::NotFound))?;
    Ok(Json(service_full(&d, r, t)).into_response())
}

async fn orgs(State(s): State<AppState>, ctx: crate::shell::ctx::Ctx, Query(q): Query<ListQuery>) -> Res {
    let t = ctx.t();
    let e = api_err(t);
    let d = load(&s, q.community.as_deref()).await.map_err(&e)?;
    let mut list: Vec<&Organization> =
        d.orgs.values().filter(|o| matches_search(&[&o.name, &o.description, &o.services], &q.search)).collect();
    list.sort_by_key(|o| o.id);
    let full = flag(&q.full) || flag(&q.full_service) || q.format.as_deref() == Some("ndjson");
    let items = list
        .into_iter()
        .map(|o| if full { org_with_services(&d, o, t, flag(&q.full_service)) } else { org_scalars(o) })
        .collect();
    paged(items, &q).map_err(&e)
}

fn org_with_services(d: &Directory, o: &Organization, t: T, full_service: bool) -> Value {
    let mut v = org_full(d, o, t);
    let services: Vec<Value> = d
        .services
        .iter()
        .filter(|r| r.owner_org_id == Some(o.id.get()))
        .map(|r| {
            if full_service {
                let mut s = service_full(d, r, t);
                if let Some(m) = s.as_object_mut() {
                    m.remove("organization");
                }
                s
            } else {
                service_scalars(d, r)
            }
        })
        .collect();
    v["services"] = json!(services);
    v
}

async fn org(
    State(s): State<AppState>,
    ctx: crate::shell::ctx::Ctx,
    Path(id): Path<String>,
    Query(q): Query<ListQuery>,
) -> Res {
    let t = ctx.t();
    let e = api_err(t);
    let oid = parse_uuid(Entity::Organization, &id).ok_or_else(|| e(AppError::NotFound))?;
    let d = load(&s, None).await.map_err(&e)?;
    let o = d.orgs.get(&oid).ok_or_else(|| e(AppError::NotFound))?;
    Ok(Json(org_with_services(&d, o, t, q.full_service.as_deref() != Some("false"))).into_response())
}

fn sal_value(d: &Directory, r: &Resource, t: T, full: bool) -> Value {
    let mut svc = service_scalars(d, r);
    if let Some(o) = r.owner_org_id.and_then(|o| d.orgs.get(&o)) {
        svc["organization"] = org_scalars(o);
    }
    let mut v = json!({
        "id": uuid(Entity::ServiceAtLocation, r.id.get()),
        "service_id": uuid(Entity::Service, r.id.get()),
        "location_id": uuid(Entity::Location, r.id.get()),
        "location": location(d, r),
        "service": svc,
    });
    if full {
        v["schedules"] = json!(schedules(r, t));
    }
    v
}

async fn sals(State(s): State<AppState>, ctx: crate::shell::ctx::Ctx, Query(q): Query<ListQuery>) -> Res {
    let t = ctx.t();
    let e = api_err(t);
    let d = load(&s, q.community.as_deref()).await.map_err(&e)?;
    let full = flag(&q.full) || q.format.as_deref() == Some("ndjson");
    let items = filtered_services(&d, &q).map_err(&e)?.into_iter().map(|r| sal_value(&d, r, t, full)).collect();
    paged(items, &q).map_err(&e)
}

async fn sal(State(s): State<AppState>, ctx: crate::shell::ctx::Ctx, Path(id): Path<String>) -> Res {
    let t = ctx.t();
    let e = api_err(t);
    let rid = parse_uuid(Entity::ServiceAtLocation, &id).ok_or_else(|| e(AppError::NotFound))?;
    let d = load_service(&s, rid).await.map_err(&e)?;
    let r = d.services.iter().find(|r| r.id.get() == rid).ok_or_else(|| e(AppError::NotFound))?;
    Ok(Json(sal_value(&d, r, t, true)).into_response())
}

fn taxonomy_value() -> Value {
    json!({
        "id": uuid(Entity::Taxonomy, 1),
        "name": "Wushe need categories",
        "description": "社区需求类别 — the categories of the needs ledger that resources serve",
        "version": "1",
    })
}

async fn taxonomies(Query(q): Query<ListQuery>, ctx: crate::shell::ctx::Ctx) -> Res {
    let e = api_err(ctx.t());
    let t = taxonomy_value();
    let text = [t["name"].as_str().unwrap_or(""), t["description"].as_str().unwrap_or("")];
    let items = if matches_search(&text, &q.search) { vec![t] } else { vec![] };
    paged(items, &q).map_err(&e)
}

async fn taxonomy(Path(id): Path<String>, ctx: crate::shell::ctx::Ctx) -> Res {
    let e = api_err(ctx.t());
    if parse_uuid(Entity::Taxonomy, &id) == Some(1) {
        Ok(Json(taxonomy_value()).into_response())
    } else {
        Err(e(AppError::NotFound))
    }
}

async fn terms(State(s): State<AppState>, ctx: crate::shell::ctx::Ctx, Query(q): Query<ListQuery>) -> Res {
    let t = ctx.t();
    let e = api_err(t);
    let d = load(&s, None).await.map_err(&e)?;
    let mut codes: Vec<&String> = d.categories.keys().collect();
    codes.sort();
    let items = codes
        .into_iter()
        .filter(|c| {
            let (zh, en) = d.categories.get(*c).cloned().unwrap_or_default();
            matches_search(&[c, &zh, &en], &q.search)
        })
        .map(|c| term_value(&d, c, t))
        .collect();
    paged(items, &q).map_err(&e)
}

async fn term(State(s): State<AppState>, ctx: crate::shell::ctx::Ctx, Path(id): Path<String>) -> Res {
    let t = ctx.t();
    let e = api_err(t);
    let d = load(&s, None).await.map_err(&e)?;
    d.categories
        .keys()
        .find(|c| uuid(Entity::TaxonomyTerm, term_id(c)) == id.trim().to_ascii_lowercase())
        .map(|c| Json(term_value(&d, c, t)).into_response())
        .ok_or_else(|| e(AppError::NotFound))
}

/// The whole directory as one file: every public service, fully nested (with its organization,
/// phones, schedules, locations and category terms), as a JSON array — the form `wushe hsds
/// import` and the import API read back.
async fn export(State(s): State<AppState>, ctx: crate::shell::ctx::Ctx, Query(q): Query<ListQuery>) -> Res {
    let t = ctx.t();
    let e = api_err(t);
    let d = load(&s, q.community.as_deref()).await.map_err(&e)?;
    let items: Vec<Value> = d.services.iter().map(|r| service_full(&d, r, t)).collect();
    let body = serde_json::to_vec_pretty(&items).map_err(|x| e(AppError::Internal(x.to_string())))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"hsds-directory.json\"".to_string()),
        ],
        body,
    )
        .into_response())
}

/// Any other address under `/hsds/` answers like the rest of the API, in JSON.
async fn unknown(ctx: crate::shell::ctx::Ctx) -> Res {
    Err(api_err(ctx.t())(AppError::NotFound))
}

/// The earlier export address: the organizations with their services, in HSDS 3 form.
async fn old_export(Query(q): Query<ListQuery>) -> Response {
    let c = q.community.unwrap_or_default();
    Redirect::permanent(&format!(
        "/hsds/organizations?full_service=true&community={}",
        crate::shell::ctx::urlencode(&c)
    ))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_uuids_read_back_and_terms_do_not_collide() {
        let u = uuid(Entity::Service, 12345);
        assert_eq!(parse_uuid(Entity::Service, &u), Some(12345));
        assert_eq!(parse_uuid(Entity::Organization, &u), None);
        assert_ne!(term_id("elderly_care"), term_id("elderly_meals"));
        assert_ne!(term_id("street_order"), term_id("street_lights"));
    }
}
