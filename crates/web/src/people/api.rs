//! The JSON API of residents (masked unless revealed).

use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::ctx::api_err as err;
use crate::shell::error::{ApiResult, Problem};
use crate::shell::extract::{ApiJson, Id, LaterJson};
use crate::shell::registry::Registry;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use wushe_app::people::{Person, PersonForm, ResidentFilter};
use wushe_app::{AppError, areas, people};
use wushe_domain::access::Action;
use wushe_domain::ids::PersonId;
use wushe_domain::people::Vulnerability;

pub fn routes(r: &mut Registry) {
    r.api(Method::GET, "/api/v1/areas/{code}/residents", Action::ResidentRead, residents);
    r.api(Method::POST, "/api/v1/residents", Action::ResidentWrite, register);
    r.api(Method::GET, "/api/v1/people/{id}", Action::ResidentRead, person);
    r.api(Method::PUT, "/api/v1/people/{id}", Action::ResidentWrite, update_person);
    r.api(Method::POST, "/api/v1/people/{id}/reveal", Action::ResidentReadSensitive, reveal);
}

#[derive(OpenApi)]
#[openapi(paths(residents, register, person, update_person, reveal))]
pub struct PeopleApi;

#[derive(Serialize, ToSchema)]
pub struct PersonDto {
    id: i64,
    /// Full name for roles with a purpose, otherwise masked (张**).
    name: String,
    household_code: Option<String>,
    gender: Option<String>,
    birth_year: Option<i32>,
    /// Always masked (138****1234); use the reveal call for the full value.
    phone: Option<String>,
    /// Always masked; use the reveal call for the full value.
    id_number: Option<String>,
    vulnerability: Vec<String>,
    is_household_head: bool,
    /// Pass back on update: a stale version is refused with 409.
    version: i64,
}

async fn person_dto(s: &AppState, ctx: &Ctx, p: &Person) -> Result<PersonDto, AppError> {
    let (code, path) = match p.household_id {
        Some(h) => {
            let a = areas::by_id(&s.db, h).await?;
            (Some(a.code), a.path)
        }
        None => (None, areas::by_id(&s.db, p.community_id).await?.path),
    };
    let full = ctx.actor.can(Action::ResidentReadSensitive, Some(&path));
    Ok(PersonDto {
        id: p.id.get(),
        name: if full { p.name.clone() } else { p.masked_name() },
        household_code: code,
        gender: p.gender.map(|g| g.code().into()),
        birth_year: p.birth_year,
        phone: p.phone.as_ref().map(|x| x.masked()),
        id_number: p.id_number.as_ref().map(|x| x.masked()),
        vulnerability: p.vulnerability.iter().map(|v| v.code().into()).collect(),
        is_household_head: p.is_household_head,
        version: p.version,
    })
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResidentQuery {
    /// A vulnerability flag code, e.g. `elderly_alone`.
    vulnerability: Option<String>,
    /// Words anywhere in the name.
    name: Option<String>,
    /// Page size, 1–500 (default 50).
    limit: Option<i64>,
    offset: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct PersonPage {
    total: i64,
    items: Vec<PersonDto>,
}

/// Residents in an area's subtree that the caller may see (masked).
#[utoipa::path(get, path = "/api/v1/areas/{code}/residents", params(("code" = String, Path), ResidentQuery), responses((status = 200, body = PersonPage), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn residents(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    crate::shell::extract::ApiQuery(q): crate::shell::extract::ApiQuery<ResidentQuery>,
) -> ApiResult {
    let e = err(&ctx);
    let a = areas::visible(&s.db, &ctx.actor, Action::ResidentRead, &code).await?;
    let vulnerability = q
        .vulnerability
        .as_deref()
        .filter(|v| !v.is_empty())
        .map(Vulnerability::parse)
        .transpose()
        .map_err(|x| e(x.into()))?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(e(wushe_domain::FieldError::new("limit", "errors.limit.range").into()));
    }
    let offset = q.offset.unwrap_or(0);
    if offset < 0 {
        return Err(e(wushe_domain::FieldError::new("offset", "errors.offset.range").into()));
    }
    let f = ResidentFilter { vulnerability, name: q.name.filter(|n| !n.trim().is_empty()), limit, offset };
    let (list, total) = people::residents_in(&s.db, &ctx.actor, &a, &f).await?;
    let mut items = Vec::with_capacity(list.len());
    for p in &list {
        items.push(person_dto(&s, &ctx, p).await?);
    }
    Ok(Json(PersonPage { total, items }).into_response())
}

#[derive(Deserialize, ToSchema, Default)]
pub struct PersonBody {
    household_code: String,
    name: String,
    #[serde(default)]
    gender: Option<String>,
    #[serde(default)]
    birth_year: Option<i64>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    id_number: Option<String>,
    #[serde(default)]
    vulnerability: Vec<String>,
    #[serde(default)]
    is_household_head: bool,
    /// Required on update.
    #[serde(default)]
    version: Option<i64>,
}

impl PersonBody {
    fn form(&self) -> PersonForm {
        PersonForm {
            household_code: self.household_code.clone(),
            name: self.name.clone(),
            gender: self.gender.clone().unwrap_or_default(),
            birth_year: self.birth_year.map(|y| y.to_string()).unwrap_or_default(),
            phone: self.phone.clone().unwrap_or_default(),
            id_number: self.id_number.clone().unwrap_or_default(),
            vulnerability: self.vulnerability.clone(),
            is_household_head: self.is_household_head,
        }
    }
}

/// Registers a resident in a household.
#[utoipa::path(post, path = "/api/v1/residents", request_body = PersonBody, responses(
    (status = 201, body = PersonDto), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn register(State(s): State<AppState>, ctx: Ctx, ApiJson(b): ApiJson<PersonBody>) -> ApiResult {
    let e = err(&ctx);
    let new = b.form().parse(s.this_year()).map_err(|x| e(x.into()))?;
    let p = people::register(&s.db, &ctx.actor, s.now(), new).await?;
    Ok((StatusCode::CREATED, Json(person_dto(&s, &ctx, &p).await?)).into_response())
}

/// One person (masked).
#[utoipa::path(get, path = "/api/v1/people/{id}", params(("id" = i64, Path)), responses((status = 200, body = PersonDto), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn person(State(s): State<AppState>, ctx: Ctx, Id(id): Id<PersonId>) -> ApiResult {
    let p = people::get(&s.db, &ctx.actor, id).await?;
    Ok(Json(person_dto(&s, &ctx, &p).await?).into_response())
}

/// Updates a person; `version` must match the stored one.
#[utoipa::path(put, path = "/api/v1/people/{id}", params(("id" = i64, Path)), request_body = PersonBody, responses(
    (status = 200, body = PersonDto), (status = 409, description = "Changed by someone else since read", body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn update_person(
    State(s): State<AppState>,
    ctx: Ctx,
    Id(id): Id<PersonId>,
    b: LaterJson<PersonBody>,
) -> ApiResult {
    people::get(&s.db, &ctx.actor, id).await?;
    let b = b.body()?;
    let e = err(&ctx);
    let version = b.version.ok_or_else(|| e(wushe_domain::FieldError::new("version", "errors.required").into()))?;
    let new = b.form().parse(s.this_year()).map_err(|x| e(x.into()))?;
    let p = people::update(&s.db, &ctx.actor, s.now(), id, version, new).await?;
    Ok(Json(person_dto(&s, &ctx, &p).await?).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct RevealedDto {
    phone: Option<String>,
    id_number: Option<String>,
}

/// Full phone and ID number; the read is written to the audit log.
#[utoipa::path(post, path = "/api/v1/people/{id}/reveal", params(("id" = i64, Path)), responses((status = 200, body = RevealedDto), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn reveal(State(s): State<AppState>, ctx: Ctx, Id(id): Id<PersonId>) -> ApiResult {
    let r = people::reveal(&s.db, &ctx.actor, s.now(), id).await?;
    Ok(Json(RevealedDto { phone: r.phone, id_number: r.id_number }).into_response())
}
