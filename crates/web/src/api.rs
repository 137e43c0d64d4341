//! The JSON API under `/api/v1` (X5), described by an OpenAPI 3 document generated from the
//! handlers' annotations and served at `/api/v1/openapi.json`. Errors are RFC 9457
//! `application/problem+json` with a stable `code` and the offending `field`s.

use crate::AppState;
use crate::ctx::Ctx;
use crate::directory::{DirectoryQuery, run_search};
use crate::error::{Problem, WebError};
pub use crate::extract::{ApiJson, ApiQuery};
use crate::routes::Registry;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use wushe_app::people::{Person, PersonForm, ResidentFilter};
use wushe_app::{AppError, accounts, areas, organizations, people};
use wushe_domain::access::{Action, Decision};
use wushe_domain::areas::AreaKind;
use wushe_domain::people::Vulnerability;

pub fn routes(r: &mut Registry) {
    r.api(Method::GET, "/api/v1/openapi.json", Action::Public, get(openapi));
    r.api(Method::POST, "/api/v1/session", Action::Public, post(create_session));
    r.api(Method::DELETE, "/api/v1/session", Action::OwnAccount, delete(end_session));
    r.api(Method::GET, "/api/v1/me", Action::OwnAccount, get(me));
    r.api(Method::PUT, "/api/v1/me/email", Action::OwnAccount, put(set_email));
    r.api(Method::GET, "/api/v1/communities", Action::OverviewRead, get(communities));
    r.api(Method::GET, "/api/v1/communities/{code}", Action::OverviewRead, get(community));
    r.api(Method::GET, "/api/v1/areas/{code}", Action::AreaRead, get(area));
    r.api(Method::POST, "/api/v1/areas", Action::AreaWrite, post(create_area));
    r.api(Method::GET, "/api/v1/areas/{code}/residents", Action::ResidentRead, get(residents));
    r.api(Method::POST, "/api/v1/residents", Action::ResidentWrite, post(register));
    r.api(Method::GET, "/api/v1/people/{id}", Action::ResidentRead, get(person));
    r.api(Method::PUT, "/api/v1/people/{id}", Action::ResidentWrite, put(update_person));
    r.api(Method::POST, "/api/v1/people/{id}/reveal", Action::ResidentReadSensitive, post(reveal));
    r.api(Method::GET, "/api/v1/areas/{code}/organizations", Action::OrganizationRead, get(area_organizations));
    r.api(Method::POST, "/api/v1/organizations", Action::OrganizationWrite, post(create_organization));
    r.api(Method::GET, "/api/v1/organizations/{id}", Action::OrganizationRead, get(organization));
    r.api(Method::POST, "/api/v1/organizations/{id}/members", Action::OrganizationWrite, post(add_member));
    r.api(Method::GET, "/api/v1/directory", Action::Public, get(directory));
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Wushe API",
        version = "1",
        description = "五社联动韧性社区平台 JSON API. Errors are application/problem+json (RFC 9457) with a stable `code`."
    ),
    paths(
        create_session,
        end_session,
        me,
        set_email,
        communities,
        community,
        area,
        create_area,
        residents,
        register,
        person,
        update_person,
        reveal,
        area_organizations,
        create_organization,
        organization,
        add_member,
        directory
    ),
    components(schemas(Problem, crate::error::FieldProblem))
)]
pub struct ApiDoc;

/// The whole API's document: the foundation's paths merged with each capability's.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::needs_api::NeedsApi::openapi());
    doc.merge(crate::inbox::InboxApi::openapi());
    doc.merge(crate::outbox::OutboxApi::openapi());
    doc.merge(crate::resources_api::ResourcesApi::openapi());
    doc
}

async fn openapi(State(s): State<AppState>) -> Response {
    let specs = crate::routes::ROUTES.get().map(Vec::as_slice).unwrap_or(&[]);
    Json(crate::openapi::published(specs, s.this_year())).into_response()
}

type ApiResult = Result<Response, WebError>;

fn err(ctx: &Ctx) -> impl Fn(AppError) -> WebError + '_ {
    move |e| WebError::api(e, ctx.t())
}

#[derive(Deserialize, ToSchema)]
pub struct LoginBody {
    /// Username or mobile number.
    username: String,
    password: String,
}

#[derive(Serialize, ToSchema)]
pub struct GrantDto {
    role: String,
    area_code: String,
    area_name: String,
}

#[derive(Serialize, ToSchema)]
pub struct MeDto {
    username: String,
    display_name: String,
    /// Where e-mail notifications go, if anywhere.
    email: Option<String>,
    grants: Vec<GrantDto>,
}

async fn me_dto(s: &AppState, user: &accounts::User) -> Result<MeDto, AppError> {
    let grants = accounts::grant_list(&s.db, user.id).await?;
    Ok(MeDto {
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        email: accounts::email_of(&s.db, user.id).await?,
        grants: grants
            .into_iter()
            .map(|(r, code, name)| GrantDto { role: r.code().into(), area_code: code, area_name: name })
            .collect(),
    })
}

/// Signs in; the answer sets the `wushe_session` cookie.
#[utoipa::path(post, path = "/api/v1/session", request_body = LoginBody, responses(
    (status = 200, description = "Signed in; Set-Cookie carries the session", body = MeDto),
    (status = 422, description = "Wrong login or password", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "Too many failed attempts", body = Problem, content_type = "application/problem+json")))]
async fn create_session(
    State(s): State<AppState>,
    ctx: Ctx,
    client: crate::ctx::ClientAddr,
    ApiJson(b): ApiJson<LoginBody>,
) -> ApiResult {
    let (user, cookie) = crate::accounts::sign_in(&s, &b.username, &b.password, &client.0).await.map_err(err(&ctx))?;
    let mut r = Json(me_dto(&s, &user).await.map_err(err(&ctx))?).into_response();
    r.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(r)
}

/// Signs out the session of the cookie.
#[utoipa::path(delete, path = "/api/v1/session", responses((status = 204, description = "Signed out")))]
async fn end_session(State(s): State<AppState>, ctx: Ctx, headers: HeaderMap) -> ApiResult {
    if let Some(token) = crate::ctx::cookies(&headers).get(crate::ctx::SESSION_COOKIE) {
        accounts::end_session(&s.db, token, s.now()).await.map_err(err(&ctx))?;
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct EmailBody {
    /// An address for e-mail notifications; empty to stop them.
    email: String,
}

/// Sets where the signed-in account's e-mail notifications go.
#[utoipa::path(put, path = "/api/v1/me/email", request_body = EmailBody, responses(
    (status = 200, body = MeDto), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn set_email(State(s): State<AppState>, ctx: Ctx, ApiJson(b): ApiJson<EmailBody>) -> ApiResult {
    let e = err(&ctx);
    let user = ctx.user.clone().ok_or_else(|| e(AppError::Unauthenticated))?;
    let email = wushe_domain::people::parse_email(&b.email).map_err(|x| e(x.into()))?;
    accounts::set_email(&s.db, &ctx.actor, s.now(), user.id, email).await.map_err(&e)?;
    Ok(Json(me_dto(&s, &user).await.map_err(&e)?).into_response())
}

/// The signed-in account and its grants.
#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = MeDto), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn me(State(s): State<AppState>, ctx: Ctx) -> ApiResult {
    let user = ctx.user.clone().ok_or_else(|| err(&ctx)(AppError::Unauthenticated))?;
    Ok(Json(me_dto(&s, &user).await.map_err(err(&ctx))?).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct AreaDto {
    code: String,
    name: String,
    /// province, city, district, street, community, grid, micro_grid, building, household
    kind: String,
    parent_code: Option<String>,
    /// GeoJSON geometry of the area (situation map), when known.
    geometry: Option<serde_json::Value>,
}

fn area_dto(a: &areas::Area, parent_code: Option<String>) -> AreaDto {
    AreaDto {
        code: a.code.clone(),
        name: a.name.clone(),
        kind: a.kind.code().into(),
        parent_code,
        geometry: a.geojson.as_deref().and_then(|g| serde_json::from_str(g).ok()),
    }
}

/// Communities the caller can reach.
#[utoipa::path(get, path = "/api/v1/communities", responses((status = 200, body = Vec<AreaDto>)))]
async fn communities(State(s): State<AppState>, ctx: Ctx) -> ApiResult {
    let list = areas::communities(&s.db, &ctx.actor, Action::OverviewRead).await.map_err(err(&ctx))?;
    Ok(Json(list.iter().map(|a| area_dto(a, None)).collect::<Vec<_>>()).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct CountDto {
    key: String,
    count: i64,
}

#[derive(Serialize, ToSchema)]
pub struct SummaryDto {
    code: String,
    name: String,
    kind: String,
    children: i64,
    households: i64,
}

#[derive(Serialize, ToSchema)]
pub struct OverviewDto {
    community: AreaDto,
    households: i64,
    residents: i64,
    vulnerable: i64,
    by_vulnerability: Vec<CountDto>,
    organizations: i64,
    party_branches: i64,
    party_members: i64,
    volunteers: i64,
    grid_workers: i64,
    divisions: Vec<SummaryDto>,
}

fn summary(a: &areas::AreaSummary) -> SummaryDto {
    SummaryDto {
        code: a.area.code.clone(),
        name: a.area.name.clone(),
        kind: a.area.kind.code().into(),
        children: a.children,
        households: a.households,
    }
}

/// Community overview figures (S1, S2, S3 roll-ups).
#[utoipa::path(get, path = "/api/v1/communities/{code}", params(("code" = String, Path, description = "12-digit community code")),
    responses((status = 200, body = OverviewDto), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn community(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> ApiResult {
    let o = crate::areas::overview_of(&s, &ctx, &code).await.map_err(err(&ctx))?;
    Ok(Json(OverviewDto {
        community: area_dto(&o.community, None),
        households: o.households,
        residents: o.residents,
        vulnerable: o.vulnerable,
        by_vulnerability: o
            .by_vulnerability
            .iter()
            .map(|(v, n)| CountDto { key: v.code().into(), count: *n })
            .collect(),
        organizations: o.organizations,
        party_branches: o.party_branches,
        party_members: o.party_members,
        volunteers: o.volunteers,
        grid_workers: o.grid_workers,
        divisions: o.divisions.iter().map(summary).collect(),
    })
    .into_response())
}

#[derive(Serialize, ToSchema)]
pub struct AreaTreeDto {
    area: AreaDto,
    ancestors: Vec<AreaDto>,
    children: Vec<SummaryDto>,
    households: i64,
}

/// One area with its ancestors and visible children (drill-down).
#[utoipa::path(get, path = "/api/v1/areas/{code}", params(("code" = String, Path)), responses((status = 200, body = AreaTreeDto), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn area(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> ApiResult {
    let e = err(&ctx);
    let a = areas::visible(&s.db, &ctx.actor, Action::AreaRead, &code).await.map_err(&e)?;
    let chain = areas::ancestors(&s.db, &a).await.map_err(&e)?;
    let children = areas::children(&s.db, &ctx.actor, Action::AreaRead, &a).await.map_err(&e)?;
    let households = areas::count_in_subtree(&s.db, &a.path, AreaKind::Household).await.map_err(&e)?;
    let parent = chain.iter().rev().nth(1).map(|p| p.code.clone());
    Ok(Json(AreaTreeDto {
        ancestors: chain.iter().filter(|x| x.code != a.code).map(|x| area_dto(x, None)).collect(),
        area: area_dto(&a, parent),
        children: children.iter().map(summary).collect(),
        households,
    })
    .into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct AreaBody {
    /// Code of the parent area, e.g. a grid `51010400100101`.
    parent_code: String,
    /// grid, micro_grid, building, household… (must fit under the parent)
    kind: String,
    name: String,
    /// Optional; empty means the next free number under the parent.
    #[serde(default)]
    code: String,
}

/// Creates a sub-area under an area the caller administers.
#[utoipa::path(post, path = "/api/v1/areas", request_body = AreaBody, responses(
    (status = 201, body = AreaDto), (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create_area(State(s): State<AppState>, ctx: Ctx, ApiJson(b): ApiJson<AreaBody>) -> ApiResult {
    let e = err(&ctx);
    let form = areas::AreaForm { parent_code: b.parent_code.clone(), kind: b.kind, code: b.code, name: b.name };
    let a = areas::create(&s.db, &ctx.actor, s.now(), form).await.map_err(&e)?;
    Ok((StatusCode::CREATED, Json(area_dto(&a, Some(b.parent_code)))).into_response())
}

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
    let full = ctx.actor.grants.decide(Action::ResidentReadSensitive, Some(&path)) == Decision::Allow;
    Ok(PersonDto {
        id: p.id,
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
    /// Name prefix.
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
    crate::api::ApiQuery(q): crate::api::ApiQuery<ResidentQuery>,
) -> ApiResult {
    let e = err(&ctx);
    let a = areas::visible(&s.db, &ctx.actor, Action::ResidentRead, &code).await.map_err(&e)?;
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
    let f = ResidentFilter { vulnerability, name_prefix: q.name.filter(|n| !n.trim().is_empty()), limit, offset };
    let (list, total) = people::residents_in(&s.db, &ctx.actor, &a, &f).await.map_err(&e)?;
    let mut items = Vec::with_capacity(list.len());
    for p in &list {
        items.push(person_dto(&s, &ctx, p).await.map_err(&e)?);
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
    let p = people::register(&s.db, &ctx.actor, s.now(), new).await.map_err(&e)?;
    Ok((StatusCode::CREATED, Json(person_dto(&s, &ctx, &p).await.map_err(&e)?)).into_response())
}

fn parse_id(raw: &str) -> Result<i64, AppError> {
    raw.parse::<i64>().map_err(|_| AppError::NotFound)
}

/// One person (masked).
#[utoipa::path(get, path = "/api/v1/people/{id}", params(("id" = i64, Path)), responses((status = 200, body = PersonDto), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn person(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> ApiResult {
    let e = err(&ctx);
    let p = people::get(&s.db, &ctx.actor, parse_id(&id).map_err(&e)?).await.map_err(&e)?;
    Ok(Json(person_dto(&s, &ctx, &p).await.map_err(&e)?).into_response())
}

/// Updates a person; `version` must match the stored one.
#[utoipa::path(put, path = "/api/v1/people/{id}", params(("id" = i64, Path)), request_body = PersonBody, responses(
    (status = 200, body = PersonDto), (status = 409, description = "Changed by someone else since read", body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn update_person(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<PersonBody>,
) -> ApiResult {
    let e = err(&ctx);
    let id = parse_id(&id).map_err(&e)?;
    let version = b.version.ok_or_else(|| e(wushe_domain::FieldError::new("version", "errors.required").into()))?;
    let new = b.form().parse(s.this_year()).map_err(|x| e(x.into()))?;
    let p = people::update(&s.db, &ctx.actor, s.now(), id, version, new).await.map_err(&e)?;
    Ok(Json(person_dto(&s, &ctx, &p).await.map_err(&e)?).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct RevealedDto {
    phone: Option<String>,
    id_number: Option<String>,
}

/// Full phone and ID number; the read is written to the audit log.
#[utoipa::path(post, path = "/api/v1/people/{id}/reveal", params(("id" = i64, Path)), responses((status = 200, body = RevealedDto), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn reveal(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> ApiResult {
    let e = err(&ctx);
    let r = people::reveal(&s.db, &ctx.actor, s.now(), parse_id(&id).map_err(&e)?).await.map_err(&e)?;
    Ok(Json(RevealedDto { phone: r.phone, id_number: r.id_number }).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct MemberDto {
    person_id: i64,
    name: String,
    post: String,
    since_year: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct OrganizationDto {
    id: i64,
    kind: String,
    name: String,
    area_code: String,
    parent_id: Option<i64>,
    description: String,
    services: String,
    phone: Option<String>,
    address: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    members: Option<Vec<MemberDto>>,
}

async fn org_dto(
    s: &AppState,
    o: &organizations::Organization,
    members: Option<Vec<organizations::Membership>>,
) -> Result<OrganizationDto, AppError> {
    Ok(OrganizationDto {
        id: o.id,
        kind: o.kind.code().into(),
        name: o.name.clone(),
        area_code: areas::by_id(&s.db, o.area_id).await?.code,
        parent_id: o.parent_id,
        description: o.description.clone(),
        services: o.services.clone(),
        phone: o.phone.clone(),
        address: o.address.clone(),
        members: members.map(|ms| {
            ms.into_iter()
                .map(|m| MemberDto {
                    person_id: m.person_id,
                    name: m.person_name,
                    post: m.post.code().into(),
                    since_year: m.since_year,
                })
                .collect()
        }),
    })
}

/// Organizations located in an area's subtree.
#[utoipa::path(get, path = "/api/v1/areas/{code}/organizations", params(("code" = String, Path)), responses((status = 200, body = Vec<OrganizationDto>)))]
async fn area_organizations(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> ApiResult {
    let e = err(&ctx);
    let a = areas::visible(&s.db, &ctx.actor, Action::OrganizationRead, &code).await.map_err(&e)?;
    let list = organizations::in_area(&s.db, &ctx.actor, &a).await.map_err(&e)?;
    let mut out = Vec::with_capacity(list.len());
    for o in &list {
        out.push(org_dto(&s, o, None).await.map_err(&e)?);
    }
    Ok(Json(out).into_response())
}

/// One organization with its members (names masked unless the caller may see them).
#[utoipa::path(get, path = "/api/v1/organizations/{id}", params(("id" = i64, Path)), responses((status = 200, body = OrganizationDto), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn organization(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> ApiResult {
    let e = err(&ctx);
    let o = organizations::get(&s.db, &ctx.actor, parse_id(&id).map_err(&e)?).await.map_err(&e)?;
    let members = organizations::members(&s.db, &ctx.actor, &o).await.map_err(&e)?;
    Ok(Json(org_dto(&s, &o, Some(members)).await.map_err(&e)?).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct OrganizationBody {
    area_code: String,
    kind: String,
    name: String,
    #[serde(default)]
    parent_id: Option<i64>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    services: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    address: String,
}

/// Creates an organization in an area the caller administers.
#[utoipa::path(post, path = "/api/v1/organizations", request_body = OrganizationBody, responses((status = 201, body = OrganizationDto), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create_organization(State(s): State<AppState>, ctx: Ctx, ApiJson(b): ApiJson<OrganizationBody>) -> ApiResult {
    let e = err(&ctx);
    let form = organizations::OrganizationForm {
        area_code: b.area_code,
        parent_id: b.parent_id,
        kind: b.kind,
        name: b.name,
        description: b.description,
        services: b.services,
        phone: b.phone,
        address: b.address,
    };
    let new = form.parse().map_err(|x| e(x.into()))?;
    let o = organizations::create(&s.db, &ctx.actor, s.now(), new).await.map_err(&e)?;
    Ok((StatusCode::CREATED, Json(org_dto(&s, &o, None).await.map_err(&e)?)).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct MemberBody {
    person_id: i64,
    /// A post code, e.g. `party_member`, `volunteer`, `grid_worker`.
    post: String,
    #[serde(default)]
    since_year: Option<i64>,
}

/// Adds a person to an organization with a post.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/members", params(("id" = i64, Path)), request_body = MemberBody, responses((status = 201, body = MemberDto), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn add_member(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MemberBody>,
) -> ApiResult {
    let e = err(&ctx);
    let m = organizations::add_member(
        &s.db,
        &ctx.actor,
        s.now(),
        parse_id(&id).map_err(&e)?,
        b.person_id,
        &b.post,
        b.since_year,
    )
    .await
    .map_err(&e)?;
    Ok((
        StatusCode::CREATED,
        Json(MemberDto {
            person_id: m.person_id,
            name: m.person_name,
            post: m.post.code().into(),
            since_year: m.since_year,
        }),
    )
        .into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DirectoryParams {
    /// Words to search, in Chinese or English.
    q: Option<String>,
    /// Restrict to one community (or street) code.
    community: Option<String>,
}

/// Public directory search (Chinese word segmentation).
#[utoipa::path(get, path = "/api/v1/directory", params(DirectoryParams), responses((status = 200, body = Vec<OrganizationDto>)))]
async fn directory(
    State(s): State<AppState>,
    ctx: Ctx,
    crate::api::ApiQuery(q): crate::api::ApiQuery<DirectoryParams>,
) -> ApiResult {
    let e = err(&ctx);
    let hits =
        run_search(&s, &DirectoryQuery { q: q.q.unwrap_or_default(), community: q.community.unwrap_or_default() })
            .await
            .map_err(&e)?;
    let mut out = Vec::with_capacity(hits.len());
    for (o, _) in &hits {
        out.push(org_dto(&s, o, None).await.map_err(&e)?);
    }
    Ok(Json(out).into_response())
}
