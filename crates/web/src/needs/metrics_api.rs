//! N5 in the JSON API: a month's figures and the trend over months.

use crate::needs::metrics::month_or_now;
use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::error::ApiResult;
use crate::shell::error::Problem;
use crate::shell::layout::local_time;
use crate::shell::registry::Registry;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use wushe_app::needs::metrics::{self as needs_metrics, Figures, Month};
use wushe_app::needs::{self};
use wushe_app::{AppError, areas};
use wushe_domain::FieldError;
use wushe_domain::access::Action;

pub fn routes(r: &mut Registry) {
    r.api(Method::GET, "/api/v1/communities/{code}/needs/metrics", Action::NeedMetricsRead, metrics);
    r.api(Method::GET, "/api/v1/communities/{code}/needs/metrics/trend", Action::NeedMetricsRead, trend);
}

#[derive(OpenApi)]
#[openapi(paths(metrics, trend))]
pub struct MetricsApi;

#[derive(Serialize, ToSchema)]
pub struct FiguresDto {
    /// Group key: category code, division code, or `org:ID`/`user:ID`; empty for overall.
    key: String,
    needs: i64,
    response_rate: Option<f64>,
    on_time_rate: Option<f64>,
    respond_median_hours: Option<f64>,
    respond_p90_hours: Option<f64>,
    resolve_median_hours: Option<f64>,
    resolve_p90_hours: Option<f64>,
    satisfaction: Option<f64>,
    reopen_rate: Option<f64>,
}

fn fig(key: String, f: &Figures) -> FiguresDto {
    FiguresDto {
        key,
        needs: f.counts.needs,
        response_rate: f.response_rate(),
        on_time_rate: f.on_time_rate(),
        respond_median_hours: f.respond_median_h,
        respond_p90_hours: f.respond_p90_h,
        resolve_median_hours: f.resolve_median_h,
        resolve_p90_hours: f.resolve_p90_h,
        satisfaction: f.satisfaction(),
        reopen_rate: f.reopen_rate(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct MetricsDto {
    month: String,
    from: String,
    to: String,
    overall: FiguresDto,
    by_category: Vec<FiguresDto>,
    by_division: Vec<FiguresDto>,
    by_assignee: Vec<FiguresDto>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthParams {
    /// `YYYY-MM` in China Standard Time; default this month.
    month: Option<String>,
}

/// N5 metrics of needs created in one month, for a community or street.
#[utoipa::path(get, path = "/api/v1/communities/{code}/needs/metrics", params(("code" = String, Path, description = "community or street code"), MonthParams),
    responses((status = 200, body = MetricsDto), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn metrics(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    crate::shell::extract::ApiQuery(q): crate::shell::extract::ApiQuery<MonthParams>,
) -> ApiResult {
    let area = areas::visible(&s.db, &ctx.actor, Action::NeedMetricsRead, &code).await?;
    let month = month_or_now(q.month.as_deref().unwrap_or(""), s.now())?;
    let m = needs_metrics::metrics(&s.db, &ctx.actor, &area, month).await?;
    let cats = needs::categories(&s.db, area.community_id.unwrap_or(area.id)).await.unwrap_or_default();
    Ok(Json(MetricsDto {
        month: month.to_string(),
        from: local_time(month.start()),
        to: local_time(month.next().start()),
        overall: fig(String::new(), &m.overall),
        by_category: m
            .by_category
            .iter()
            .map(|(id, f)| {
                fig(cats.iter().find(|c| c.id == *id).map(|c| c.code.clone()).unwrap_or_else(|| id.to_string()), f)
            })
            .collect(),
        by_division: m.by_division.iter().map(|(k, f)| fig(k.clone(), f)).collect(),
        by_assignee: m.by_assignee.iter().map(|(k, f)| fig(k.clone(), f)).collect(),
    })
    .into_response())
}

#[derive(Serialize, ToSchema)]
pub struct TrendMonthDto {
    /// `YYYY-MM`.
    month: String,
    /// The month's figures; `key` is empty.
    figures: FiguresDto,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrendParams {
    /// First month, `YYYY-MM`; default eleven months before `to`.
    from: Option<String>,
    /// Last month, `YYYY-MM`; default this month.
    to: Option<String>,
}

/// N5 month by month: the overall figures of each month in `[from, to]` (at most 60 months),
/// oldest first, months without needs included.
#[utoipa::path(get, path = "/api/v1/communities/{code}/needs/metrics/trend", params(("code" = String, Path, description = "community or street code"), TrendParams),
    responses((status = 200, body = Vec<TrendMonthDto>), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn trend(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    crate::shell::extract::ApiQuery(q): crate::shell::extract::ApiQuery<TrendParams>,
) -> ApiResult {
    let area = areas::visible(&s.db, &ctx.actor, Action::NeedMetricsRead, &code).await?;
    let (first, last) = trend_range(q.from.as_deref(), q.to.as_deref(), s.now())?;
    let months = needs_metrics::trend(&s.db, &ctx.actor, &area, first, last).await?;
    Ok(Json(
        months
            .iter()
            .map(|(m, f)| TrendMonthDto { month: m.to_string(), figures: fig(String::new(), f) })
            .collect::<Vec<_>>(),
    )
    .into_response())
}

/// `[from, to]` of a trend: both optional, `to` not before `from`, at most 60 months.
pub fn trend_range(from: Option<&str>, to: Option<&str>, now: i64) -> Result<(Month, Month), AppError> {
    let last = month_or_now(to.unwrap_or(""), now).map_err(|e| match e {
        AppError::Invalid(_) => FieldError::new("to", "errors.month.invalid").into(),
        e => e,
    })?;
    let first = match from.map(str::trim).filter(|f| !f.is_empty()) {
        Some(f) => Month::parse(f).map_err(|_| FieldError::new("from", "errors.month.invalid"))?,
        None => last.back(11),
    };
    if first > last || first < last.back(59) {
        return Err(FieldError::new("from", "errors.month.range").into());
    }
    Ok((first, last))
}
