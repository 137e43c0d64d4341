//! R3 in the JSON API: listing a need for claiming, the claim list, claiming and releasing.

use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::error::{ApiResult, Problem};
use crate::shell::extract::{ApiJson, Id, text_or_number};
use crate::shell::registry::Registry;
use axum::Json;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use wushe_app::claims;
use wushe_domain::access::Action;
use wushe_domain::ids::NeedId;

pub fn routes(r: &mut Registry) {
    r.api(Method::POST, "/api/v1/needs/{id}/listing", Action::NeedManage, list_need);
    r.api(Method::DELETE, "/api/v1/needs/{id}/listing", Action::NeedManage, unlist_need);
    r.api(Method::GET, "/api/v1/claims", Action::NeedClaim, claimable);
    r.api(Method::POST, "/api/v1/needs/{id}/claim", Action::NeedClaim, claim);
    r.api(Method::POST, "/api/v1/needs/{id}/claim/release", Action::OwnAccount, release);
}

#[derive(OpenApi)]
#[openapi(paths(list_need, unlist_need, claimable, claim, release))]
pub struct ClaimsApi;

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct ListingBody {
    /// How long a claim may wait before work starts, 1–720 (default 48).
    #[serde(deserialize_with = "text_or_number")]
    claim_hours: String,
}

/// R3 — puts an open need on the community's list for claiming.
#[utoipa::path(post, path = "/api/v1/needs/{id}/listing", params(("id" = i64, Path)), request_body = ListingBody,
    responses((status = 204), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn list_need(
    State(s): State<AppState>,
    ctx: Ctx,
    Id(id): Id<NeedId>,
    ApiJson(b): ApiJson<ListingBody>,
) -> ApiResult {
    claims::list_need(&s.db, &ctx.actor, s.now(), id, &b.claim_hours).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Takes a need off the claim list.
#[utoipa::path(delete, path = "/api/v1/needs/{id}/listing", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn unlist_need(State(s): State<AppState>, ctx: Ctx, Id(id): Id<NeedId>) -> ApiResult {
    claims::unlist_need(&s.db, &ctx.actor, s.now(), id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Serialize, ToSchema)]
pub struct ClaimableDto {
    need_id: i64,
    title: String,
    /// Whether the claimant's own resources serve its category.
    fits: bool,
    place: String,
    claim_hours: i64,
}

/// The listed needs nobody holds, fitting ones and nearest first (`all=1`: also unfit ones).
#[utoipa::path(get, path = "/api/v1/claims", params(("all" = Option<String>, Query)),
    responses((status = 200, body = Vec<ClaimableDto>)))]
async fn claimable(
    State(s): State<AppState>,
    ctx: Ctx,
    crate::shell::extract::ApiQuery(q): crate::shell::extract::ApiQuery<AllQuery>,
) -> ApiResult {
    let list = claims::claimable(&s.db, &ctx.actor, q.all.as_deref() == Some("1")).await?;
    Ok(Json(
        list.into_iter()
            .map(|c| ClaimableDto {
                need_id: c.need.id.get(),
                title: c.need.title,
                fits: c.fits,
                place: c.place.code().into(),
                claim_hours: c.claim_hours,
            })
            .collect::<Vec<_>>(),
    )
    .into_response())
}

#[derive(Deserialize)]
pub struct AllQuery {
    all: Option<String>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct ClaimBody {
    /// Claim for this organization (one is a member of) instead of oneself.
    org: Option<i64>,
    /// For a release: why.
    note: String,
}

/// Claims a listed need. Of two claims at once exactly one wins; the other gets 409
/// `errors.claim.taken`.
#[utoipa::path(post, path = "/api/v1/needs/{id}/claim", params(("id" = i64, Path)), request_body = ClaimBody,
    responses((status = 200, description = "The need, now assigned to the claimant"), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn claim(State(s): State<AppState>, ctx: Ctx, Id(id): Id<NeedId>, ApiJson(b): ApiJson<ClaimBody>) -> ApiResult {
    let n = claims::claim(&s.db, &ctx.actor, s.now(), id, b.org).await?;
    Ok(Json(crate::shell::json::need_dto(&s, &n).await?).into_response())
}

/// Releases one's claim (or, for staff, anyone's): the need goes back on the list.
#[utoipa::path(post, path = "/api/v1/needs/{id}/claim/release", params(("id" = i64, Path)), request_body = ClaimBody,
    responses((status = 200, description = "The need, back on the list"), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn release(State(s): State<AppState>, ctx: Ctx, Id(id): Id<NeedId>, ApiJson(b): ApiJson<ClaimBody>) -> ApiResult {
    let n = claims::release(&s.db, &ctx.actor, s.now(), id, &b.note).await?;
    Ok(Json(crate::shell::json::need_dto(&s, &n).await?).into_response())
}
