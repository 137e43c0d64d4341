//! The JSON API of areas: communities, their overview and the area tree.

use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::error::{ApiResult, Problem};
use crate::shell::extract::ApiJson;
use crate::shell::registry::Registry;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use wushe_app::areas;
use wushe_domain::access::Action;
use wushe_domain::areas::AreaKind;

pub fn routes(r: &mut Registry) {
    r.api(Method::GET, "/api/v1/communities", Action::OverviewRead, communities);
    r.api(Method::GET, "/api/v1/communities/{code}", Action::OverviewRead, community);
    r.api(Method::GET, "/api/v1/areas/{code}", Action::AreaRead, area);
    r.api(Method::POST, "/api/v1/areas", Action::AreaWrite, create_area);
}

#[derive(OpenApi)]
#[openapi(paths(communities, community, area, create_area))]
pub struct AreasApi;

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
    let list = areas::communities(&s.db, &ctx.actor, Action::OverviewRead).await?;
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
    let o = crate::areas::pages::overview_of(&s, &ctx, &code).await?;
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
    let a = areas::visible(&s.db, &ctx.actor, Action::AreaRead, &code).await?;
    let chain = areas::ancestors(&s.db, &a).await?;
    let children = areas::children(&s.db, &ctx.actor, Action::AreaRead, &a).await?;
    let households = areas::count_in_subtree(&s.db, &a.path, AreaKind::Household).await?;
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
    let form = areas::AreaForm { parent_code: b.parent_code.clone(), kind: b.kind, code: b.code, name: b.name };
    let a = areas::create(&s.db, &ctx.actor, s.now(), form).await?;
    Ok((StatusCode::CREATED, Json(area_dto(&a, Some(b.parent_code)))).into_response())
}
