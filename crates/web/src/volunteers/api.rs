//! The points ledger and retention figures in the JSON API.

use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::error::{ApiResult, Problem};
use crate::shell::extract::{ApiJson, ApiQuery};
use crate::shell::registry::Registry;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use wushe_app::{AppError, areas, volunteers};
use wushe_domain::access::Action;

pub fn routes(r: &mut Registry) {
    r.api(Method::GET, "/api/v1/my/points", Action::OwnAccount, my_points);
    r.api(Method::GET, "/api/v1/communities/{code}/points/catalogue", Action::Public, catalogue);
    r.api(Method::POST, "/api/v1/points/redemptions", Action::OwnAccount, redeem);
    r.api(Method::GET, "/api/v1/areas/{code}/volunteers/retention", Action::VolunteerRead, retention);
}

#[derive(OpenApi)]
#[openapi(paths(my_points, catalogue, redeem, retention))]
pub struct VolunteersApi;

#[derive(Serialize, ToSchema)]
pub struct EntryDto {
    id: i64,
    /// earn, redeem, expire or correct.
    kind: String,
    /// Signed: earnings positive, redemptions and expiry negative.
    points: i64,
    /// What the entry comes from (`record:12`, `redemption:3`, `need:7:mediated:…`).
    source: String,
    reason: String,
    /// UTC milliseconds.
    created_at: i64,
    expires_at: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct PointsDto {
    balance: i64,
    /// Newest first, at most 500.
    entries: Vec<EntryDto>,
}

/// V3 — the signed-in volunteer's points: the balance and the entries it is the sum of.
#[utoipa::path(get, path = "/api/v1/my/points",
    responses((status = 200, body = PointsDto), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn my_points(State(s): State<AppState>, ctx: Ctx) -> ApiResult {
    let me = volunteers::mine(&s.db, &ctx.actor).await?.ok_or(AppError::NotFound)?;
    let (v, entries) = volunteers::account(&s.db, &ctx.actor, me.id, 500).await?;
    Ok(Json(PointsDto {
        balance: v.balance,
        entries: entries
            .into_iter()
            .map(|e| EntryDto {
                id: e.id,
                kind: e.kind.code().into(),
                points: e.points,
                source: e.source,
                reason: e.reason,
                created_at: e.created_at,
                expires_at: e.expires_at,
            })
            .collect(),
    })
    .into_response())
}

#[derive(Serialize, ToSchema)]
pub struct ItemDto {
    id: i64,
    name: String,
    points: i64,
    stock: i64,
}

/// V3 — a community's redemption catalogue (public).
#[utoipa::path(get, path = "/api/v1/communities/{code}/points/catalogue", params(("code" = String, Path)),
    responses((status = 200, body = Vec<ItemDto>), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn catalogue(State(s): State<AppState>, Path(code): Path<String>) -> ApiResult {
    let c = areas::by_code(&s.db, &code).await?;
    if c.kind != wushe_domain::areas::AreaKind::Community {
        return Err(AppError::NotFound.into());
    }
    let items = volunteers::catalogue(&s.db, &c).await?;
    Ok(Json(
        items
            .into_iter()
            .map(|i| ItemDto { id: i.id, name: i.name, points: i.points, stock: i.stock })
            .collect::<Vec<_>>(),
    )
    .into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct RedemptionBody {
    /// The catalogue item to redeem.
    item_id: i64,
}

#[derive(Serialize, ToSchema)]
pub struct RedemptionDto {
    id: i64,
    item_id: i64,
    points: i64,
    /// The balance after the redemption.
    balance: i64,
    created_at: i64,
}

/// V3 — redeems an item. Concurrent redemptions never overdraw the balance or the stock: a
/// request they do not cover gets 409 (`errors.points.balance` or `errors.points.stock`).
#[utoipa::path(post, path = "/api/v1/points/redemptions", request_body = RedemptionBody,
    responses((status = 201, body = RedemptionDto), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn redeem(State(s): State<AppState>, ctx: Ctx, ApiJson(b): ApiJson<RedemptionBody>) -> ApiResult {
    let r = volunteers::redeem(&s.db, &ctx.actor, s.now(), b.item_id).await?;
    let balance = volunteers::mine(&s.db, &ctx.actor).await?.map_or(0, |v| v.balance);
    let dto = RedemptionDto { id: r.id, item_id: r.item_id, points: r.points, balance, created_at: r.created_at };
    Ok((StatusCode::CREATED, Json(dto)).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RetentionQuery {
    /// Weeks without verified service after which an active volunteer is counted inactive
    /// (1–104, default 8).
    weeks: Option<String>,
}

/// One tenure band: how long people served (first service to last).
#[derive(Serialize, ToSchema)]
pub struct TenureBandDto {
    /// under_6m, 6_12m, 1_3y or over_3y.
    band: String,
    volunteers: i64,
}

/// One month of the last twelve.
#[derive(Serialize, ToSchema)]
pub struct MonthDto {
    /// YYYY-MM, local time.
    month: String,
    /// Volunteers registered by the month's end.
    volunteers: i64,
    /// Of them, those who served in the month.
    served: i64,
}

#[derive(Serialize, ToSchema)]
pub struct RetentionDto {
    volunteers: i64,
    active: i64,
    pending: i64,
    /// Verified hours.
    hours: i64,
    tasks: i64,
    /// Volunteers per tenure band, shortest first.
    tenure: Vec<TenureBandDto>,
    /// Share of tasks carried by the busiest tenth, in per mille.
    top_tenth_permille: i64,
    deciders: i64,
    /// Share of decision-makers (council attendees) under 35, in per mille.
    deciders_under_35_permille: i64,
    inactive: i64,
    weeks: i64,
    /// The last 12 months: (month, volunteers by its end, of them served in it).
    growth: Vec<MonthDto>,
}

/// V5, V6 — retention figures of a community, street, district or city.
#[utoipa::path(get, path = "/api/v1/areas/{code}/volunteers/retention", params(("code" = String, Path), ("weeks" = Option<i64>, Query)),
    responses((status = 200, body = RetentionDto), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn retention(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<RetentionQuery>,
) -> ApiResult {
    let area = areas::visible(&s.db, &ctx.actor, Action::VolunteerRead, &code).await?;
    let weeks = wushe_domain::volunteers::parse_weeks(q.weeks.as_deref()).map_err(AppError::from)?;
    let f = volunteers::figures(&s.db, &ctx.actor, &area, s.now(), weeks).await?;
    let total_share = wushe_domain::volunteers::permille(f.deciders_under_35, f.deciders);
    Ok(Json(RetentionDto {
        volunteers: f.volunteers,
        active: f.active,
        pending: f.pending,
        hours: f.minutes / 60,
        tasks: f.tasks,
        tenure: f.tenure.iter().map(|(t, n)| TenureBandDto { band: t.code().to_string(), volunteers: *n }).collect(),
        top_tenth_permille: f.top_tenth,
        deciders: f.deciders,
        deciders_under_35_permille: total_share,
        inactive: f.inactive,
        weeks: f.weeks,
        growth: f
            .growth
            .into_iter()
            .map(|(month, volunteers, served)| MonthDto { month, volunteers, served })
            .collect(),
    })
    .into_response())
}
