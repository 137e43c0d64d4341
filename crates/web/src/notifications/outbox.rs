//! A2 for admins: a community's outbox of e-mail and SMS — what waits, what failed and why,
//! what was sent — with "send again", as a page and in the API.

use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::error::PageResult;
use crate::shell::error::WebError;
use crate::shell::extract::ApiQuery;
use crate::shell::layout::html;
use crate::shell::layout::{Layout, local_time};
use crate::shell::registry::Registry;
use crate::shell::views::failing_lines;
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use wushe_app::{AppError, areas, notifications};
use wushe_domain::access::Action;

pub fn routes(r: &mut Registry) {
    r.page(Method::GET, "/communities/{code}/outbox", Action::OutboxManage, page);
    r.page(Method::POST, "/communities/{code}/outbox/{id}/retry", Action::OutboxManage, retry_page);
    r.api(Method::GET, "/api/v1/communities/{code}/outbox", Action::OutboxManage, api_list);
    r.api(Method::POST, "/api/v1/communities/{code}/outbox/{id}/retry", Action::OutboxManage, api_retry);
}

const PER_PAGE: i64 = 50;

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// pending, sending, sent, failed or skipped; all when empty.
    #[serde(default)]
    status: Option<String>,
    /// 1 for the newest 50.
    #[serde(default)]
    page: Option<i64>,
}

async fn community(s: &AppState, ctx: &Ctx, code: &str) -> Result<areas::Area, AppError> {
    let c = areas::visible(&s.db, &ctx.actor, Action::OutboxManage, code).await?;
    if c.kind != wushe_domain::areas::AreaKind::Community {
        return Err(AppError::NotFound);
    }
    Ok(c)
}

pub struct Row {
    id: i64,
    channel: String,
    destination: String,
    status: String,
    status_code: String,
    attempts: i64,
    error: String,
    at: String,
    next: String,
    title: String,
    need_id: Option<i64>,
    retry: bool,
}

#[derive(Template)]
#[template(path = "outbox.html")]
struct OutboxPage {
    l: Layout,
    code: String,
    rows: Vec<Row>,
    failing: Vec<String>,
    filters: Vec<(String, String, bool)>,
    page: i64,
    pages: i64,
    status: String,
}

async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<OutboxQuery>,
) -> PageResult {
    let t = ctx.t();
    let c = community(&s, &ctx, &code).await?;
    let status = q.status.clone().unwrap_or_default();
    let page = q.page.unwrap_or(1).max(1);
    let (list, total) =
        notifications::outbox(&s.db, &ctx.actor, &c, Some(&status), PER_PAGE, (page - 1) * PER_PAGE).await?;
    let failing = failing_lines(&s, &ctx, c.id).await?;
    let mut filters = vec![(String::new(), t.t("page.outbox.all").to_string(), status.is_empty())];
    filters.extend(
        notifications::OUTBOX_STATUSES
            .iter()
            .map(|k| (k.to_string(), t.t(&format!("outbox.status.{k}")).to_string(), status == *k)),
    );
    Ok(html(&OutboxPage {
        l: Layout::new(&ctx, "page.outbox.title"),
        code: c.code,
        rows: list
            .into_iter()
            .map(|r| Row {
                id: r.id,
                channel: t.t(&format!("outbox.channel.{}", r.channel)).to_string(),
                destination: r.destination,
                status: t.t(&format!("outbox.status.{}", r.status)).to_string(),
                retry: matches!(r.status.as_str(), "pending" | "failed" | "skipped"),
                status_code: r.status,
                attempts: r.attempts,
                error: r.last_error.unwrap_or_default(),
                at: local_time(r.sent_at.unwrap_or(r.created_at)),
                next: local_time(r.next_attempt_at),
                title: r.title,
                need_id: r.need_id,
            })
            .collect(),
        failing,
        filters,
        page,
        pages: (total + PER_PAGE - 1) / PER_PAGE,
        status,
    }))
}

async fn retry_page(State(s): State<AppState>, ctx: Ctx, Path((code, id)): Path<(String, String)>) -> PageResult {
    let t = ctx.t();
    let e = |e| WebError::page(e, t);
    let c = community(&s, &ctx, &code).await?;
    let id = id.parse::<i64>().map_err(|_| e(AppError::NotFound))?;
    notifications::retry(&s.db, &ctx.actor, s.now(), &c, id).await?;
    Ok(crate::shell::flash::redirect(
        &format!("/communities/{}/outbox", c.code),
        crate::shell::flash::Flash::success(t.t("flash.outbox.retried")),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct OutboxDto {
    id: i64,
    /// email or sms
    channel: String,
    /// Masked: 139****0004, l***@example.org.
    destination: String,
    /// pending, sending, sent, failed or skipped
    status: String,
    attempts: i64,
    last_error: Option<String>,
    created_at: String,
    next_attempt_at: String,
    sent_at: Option<String>,
    title: String,
    need_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct OutboxPageDto {
    total: i64,
    items: Vec<OutboxDto>,
}

fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map(|d| d.to_rfc3339()).unwrap_or_default()
}

/// A community's outbound messages, newest first, 50 a page (community admins).
#[utoipa::path(get, path = "/api/v1/communities/{code}/outbox", params(("code" = String, Path), OutboxQuery),
    responses((status = 200, body = OutboxPageDto)))]
async fn api_list(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<OutboxQuery>,
) -> PageResult {
    let c = community(&s, &ctx, &code).await?;
    let page = q.page.unwrap_or(1).max(1);
    let (list, total) =
        notifications::outbox(&s.db, &ctx.actor, &c, q.status.as_deref(), PER_PAGE, (page - 1) * PER_PAGE).await?;
    let items = list
        .into_iter()
        .map(|r| OutboxDto {
            id: r.id,
            channel: r.channel,
            destination: r.destination,
            status: r.status,
            attempts: r.attempts,
            last_error: r.last_error,
            created_at: iso(r.created_at),
            next_attempt_at: iso(r.next_attempt_at),
            sent_at: r.sent_at.map(iso),
            title: r.title,
            need_id: r.need_id,
        })
        .collect();
    Ok(Json(OutboxPageDto { total, items }).into_response())
}

/// Sends a pending, failed or skipped message again at the next round.
#[utoipa::path(post, path = "/api/v1/communities/{code}/outbox/{id}/retry",
    params(("code" = String, Path), ("id" = i64, Path)), responses((status = 204, description = "Queued again")))]
async fn api_retry(State(s): State<AppState>, ctx: Ctx, Path((code, id)): Path<(String, String)>) -> PageResult {
    let t = ctx.t();
    let e = |e| WebError::api(e, t);
    let c = community(&s, &ctx, &code).await?;
    let id = id.parse::<i64>().map_err(|_| e(AppError::NotFound))?;
    notifications::retry(&s.db, &ctx.actor, s.now(), &c, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(OpenApi)]
#[openapi(paths(api_list, api_retry), components(schemas(OutboxDto, OutboxPageDto)))]
pub struct OutboxApi;
