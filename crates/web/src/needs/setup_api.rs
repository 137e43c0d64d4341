//! A community's need categories and working-hours calendar in the JSON API.

use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::ctx::api_err as err;
use crate::shell::error::ApiResult;
use crate::shell::error::Problem;
use crate::shell::extract::ApiJson;
use crate::shell::registry::Registry;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use wushe_app::needs::{self};
use wushe_app::{AppError, areas};
use wushe_domain::access::Action;

pub fn routes(r: &mut Registry) {
    r.api(Method::GET, "/api/v1/communities/{code}/needs/categories", Action::OverviewRead, list_categories);
    r.api(Method::POST, "/api/v1/communities/{code}/needs/categories", Action::AreaWrite, add_category);
    r.api(Method::PUT, "/api/v1/communities/{code}/needs/categories/{id}", Action::AreaWrite, update_category);
    r.api(Method::GET, "/api/v1/communities/{code}/needs/calendar", Action::OverviewRead, get_calendar);
    r.api(Method::PUT, "/api/v1/communities/{code}/needs/calendar", Action::AreaWrite, put_calendar);
}

#[derive(OpenApi)]
#[openapi(paths(list_categories, add_category, update_category, get_calendar, put_calendar))]
pub struct SetupApi;

#[derive(Serialize, ToSchema)]
pub struct CategoryDto {
    id: i64,
    code: String,
    name_zh: String,
    name_en: String,
    /// Working hours (clock hours for urgent needs).
    respond_hours: i64,
    resolve_hours: i64,
    active: bool,
}

fn category_dto(c: needs::Category) -> CategoryDto {
    CategoryDto {
        id: c.id,
        code: c.code,
        name_zh: c.name_zh,
        name_en: c.name_en,
        respond_hours: c.respond_hours,
        resolve_hours: c.resolve_hours,
        active: c.active,
    }
}

async fn community_for(s: &AppState, ctx: &Ctx, code: &str, action: Action) -> Result<areas::Area, AppError> {
    let area = areas::visible(&s.db, &ctx.actor, action, code).await?;
    let c = areas::by_id(&s.db, area.community_id.ok_or(AppError::NotFound)?).await?;
    Ok(c)
}

/// The community's need categories with their service levels (retired ones included).
#[utoipa::path(get, path = "/api/v1/communities/{code}/needs/categories", params(("code" = String, Path)), responses((status = 200, body = Vec<CategoryDto>)))]
async fn list_categories(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> ApiResult {
    let c = community_for(&s, &ctx, &code, Action::OverviewRead).await?;
    let list = needs::categories(&s.db, c.id).await?;
    Ok(Json(list.into_iter().map(category_dto).collect::<Vec<_>>()).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct CategoryBody {
    /// Only when adding: 2–32 of a–z, 0–9, `_`.
    #[serde(default)]
    code: String,
    name_zh: String,
    name_en: String,
    respond_hours: i64,
    resolve_hours: i64,
    #[serde(default = "yes")]
    active: bool,
}

fn yes() -> bool {
    true
}

fn form_of(b: &CategoryBody) -> needs::CategoryForm {
    needs::CategoryForm {
        code: b.code.clone(),
        name_zh: b.name_zh.clone(),
        name_en: b.name_en.clone(),
        respond_hours: b.respond_hours.to_string(),
        resolve_hours: b.resolve_hours.to_string(),
        active: b.active,
    }
}

/// Adds a category (community committee).
#[utoipa::path(post, path = "/api/v1/communities/{code}/needs/categories", params(("code" = String, Path)), request_body = CategoryBody,
    responses((status = 201, body = CategoryDto), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn add_category(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<CategoryBody>,
) -> ApiResult {
    let c = community_for(&s, &ctx, &code, Action::AreaWrite).await?;
    let cat = needs::add_category(&s.db, &ctx.actor, s.now(), &c, &form_of(&b)).await?;
    Ok((StatusCode::CREATED, Json(category_dto(cat))).into_response())
}

/// Renames, re-times or retires a category.
#[utoipa::path(put, path = "/api/v1/communities/{code}/needs/categories/{id}", params(("code" = String, Path), ("id" = i64, Path)), request_body = CategoryBody,
    responses((status = 204, description = "Saved"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn update_category(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((code, id)): Path<(String, String)>,
    ApiJson(b): ApiJson<CategoryBody>,
) -> ApiResult {
    let e = err(&ctx);
    let c = community_for(&s, &ctx, &code, Action::AreaWrite).await?;
    let id = id.parse::<i64>().map_err(|_| e(AppError::NotFound))?;
    needs::update_category(&s.db, &ctx.actor, s.now(), &c, id, &form_of(&b)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct CalendarDto {
    start_hour: u32,
    end_hour: u32,
    /// Monday first.
    workdays: [bool; 7],
    /// `YYYY-MM-DD` dates.
    holidays: Vec<String>,
    extra_workdays: Vec<String>,
}

/// The community's working hours, weekdays, holidays and make-up days.
#[utoipa::path(get, path = "/api/v1/communities/{code}/needs/calendar", params(("code" = String, Path)), responses((status = 200, body = CalendarDto)))]
async fn get_calendar(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> ApiResult {
    let c = community_for(&s, &ctx, &code, Action::OverviewRead).await?;
    let cal = needs::calendar_for(&s.db, c.id).await?;
    let dates = |d: &[i64]| needs::calendar_dates(d).lines().map(str::to_string).collect::<Vec<_>>();
    Ok(Json(CalendarDto {
        start_hour: cal.start_hour,
        end_hour: cal.end_hour,
        workdays: cal.workdays,
        holidays: dates(&cal.holidays),
        extra_workdays: dates(&cal.extra_workdays),
    })
    .into_response())
}

/// Replaces the community's calendar (community committee); later needs use it.
#[utoipa::path(put, path = "/api/v1/communities/{code}/needs/calendar", params(("code" = String, Path)), request_body = CalendarDto,
    responses((status = 204, description = "Saved"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn put_calendar(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<CalendarDto>,
) -> ApiResult {
    let c = community_for(&s, &ctx, &code, Action::AreaWrite).await?;
    let f = needs::CalendarForm {
        start_hour: b.start_hour.to_string(),
        end_hour: b.end_hour.to_string(),
        workdays: b.workdays,
        holidays: b.holidays.join(","),
        extra_workdays: b.extra_workdays.join(","),
    };
    needs::set_calendar(&s.db, &ctx.actor, s.now(), &c, &f).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
