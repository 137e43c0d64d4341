//! The JSON API of organizations and the public directory search.

use crate::organizations::directory::{DirectoryQuery, run_search};
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
use wushe_app::{AppError, areas, organizations};
use wushe_domain::access::Action;
use wushe_domain::ids::OrganizationId;

pub fn routes(r: &mut Registry) {
    r.api(Method::GET, "/api/v1/areas/{code}/organizations", Action::OrganizationRead, area_organizations);
    r.api(Method::POST, "/api/v1/organizations", Action::OrganizationWrite, create_organization);
    r.api(Method::GET, "/api/v1/organizations/{id}", Action::OrganizationRead, organization);
    r.api(Method::POST, "/api/v1/organizations/{id}/members", Action::OrganizationWrite, add_member);
    r.api(Method::GET, "/api/v1/directory", Action::Public, directory);
}

#[derive(OpenApi)]
#[openapi(paths(area_organizations, create_organization, organization, add_member, directory))]
pub struct OrganizationsApi;

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
        id: o.id.get(),
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
    let a = areas::visible(&s.db, &ctx.actor, Action::OrganizationRead, &code).await?;
    let list = organizations::in_area(&s.db, &ctx.actor, &a).await?;
    let mut out = Vec::with_capacity(list.len());
    for o in &list {
        out.push(org_dto(&s, o, None).await?);
    }
    Ok(Json(out).into_response())
}

/// One organization with its members (names masked unless the caller may see them).
#[utoipa::path(get, path = "/api/v1/organizations/{id}", params(("id" = i64, Path)), responses((status = 200, body = OrganizationDto), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn organization(State(s): State<AppState>, ctx: Ctx, Id(id): Id<OrganizationId>) -> ApiResult {
    let o = organizations::get(&s.db, &ctx.actor, id).await?;
    let members = organizations::members(&s.db, &ctx.actor, &o).await?;
    Ok(Json(org_dto(&s, &o, Some(members)).await?).into_response())
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
    let o = organizations::create(&s.db, &ctx.actor, s.now(), new).await?;
    Ok((StatusCode::CREATED, Json(org_dto(&s, &o, None).await?)).into_response())
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
    Id(id): Id<OrganizationId>,
    b: LaterJson<MemberBody>,
) -> ApiResult {
    // The record first: another community's staff learn nothing from what they sent.
    organizations::get(&s.db, &ctx.actor, id).await?;
    let b = b.body()?;
    let m = organizations::add_member(&s.db, &ctx.actor, s.now(), id, b.person_id, &b.post, b.since_year).await?;
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
    crate::shell::extract::ApiQuery(q): crate::shell::extract::ApiQuery<DirectoryParams>,
) -> ApiResult {
    let hits =
        run_search(&s, &DirectoryQuery { q: q.q.unwrap_or_default(), community: q.community.unwrap_or_default() })
            .await?;
    let mut out = Vec::with_capacity(hits.len());
    for (o, _) in &hits {
        out.push(org_dto(&s, o, None).await?);
    }
    Ok(Json(out).into_response())
}
