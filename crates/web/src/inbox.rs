//! A2 pages and API: a person's in-app inbox; and the text of outbound messages, taken from
//! the message catalogue.

use crate::AppState;
use crate::accounts::html;
use crate::ctx::Ctx;
use crate::error::WebError;
use crate::i18n::{Lang, T};
use crate::routes::Registry;
use crate::view::{Layout, local_time};
use askama::Template;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Serialize;
use wushe_app::{AppError, notifications};
use wushe_domain::access::Action;

pub fn routes(r: &mut Registry) {
    r.page(Method::GET, "/inbox", Action::OwnAccount, get(page));
    r.page(Method::POST, "/inbox/{id}/read", Action::OwnAccount, post(read));
    r.api(Method::GET, "/api/v1/inbox", Action::OwnAccount, get(api_list));
    r.api(Method::POST, "/api/v1/inbox/{id}/read", Action::OwnAccount, post(api_read));
}

/// Subject and text of an outbound message (e-mail, SMS) in Chinese, the platform's language.
pub fn render(kind: &str, title: &str, body: &str) -> (String, String) {
    let t = T(Lang::ZhCn);
    let subject = format!("【{}】{}", t.t(&format!("notify.{kind}")), title);
    let text = if body.is_empty() { subject.clone() } else { format!("{subject}\n{body}") };
    (subject, text)
}

pub struct Row {
    id: i64,
    kind: String,
    need_id: Option<i64>,
    title: String,
    body: String,
    at: String,
    unread: bool,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    l: Layout,
    rows: Vec<Row>,
}

fn user_of(ctx: &Ctx) -> Result<i64, AppError> {
    ctx.user.as_ref().map(|u| u.id).ok_or(AppError::Unauthenticated)
}

async fn page(State(s): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let t = ctx.t();
    let e = |e| WebError::page(e, t);
    let list = notifications::inbox(&s.db, user_of(&ctx).map_err(e)?, 200).await.map_err(e)?;
    let home = crate::view::home_community(&s, &ctx).await;
    Ok(html(&InboxPage {
        l: Layout::new(&ctx, "page.inbox.title", home),
        rows: list
            .into_iter()
            .map(|n| Row {
                id: n.id,
                kind: t.t(&format!("notify.{}", n.kind)).to_string(),
                need_id: n.need_id,
                title: n.title,
                body: n.body,
                at: local_time(n.created_at),
                unread: n.read_at.is_none(),
            })
            .collect(),
    }))
}

async fn read(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let t = ctx.t();
    let e = |e| WebError::page(e, t);
    let id = id.parse::<i64>().map_err(|_| e(AppError::NotFound))?;
    notifications::mark_read(&s.db, user_of(&ctx).map_err(e)?, id, s.now()).await.map_err(e)?;
    Ok(Redirect::to("/inbox").into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct NotificationDto {
    id: i64,
    /// assigned, resolved, reopened, whistled, overdue
    kind: String,
    need_id: Option<i64>,
    title: String,
    body: String,
    created_at: String,
    read: bool,
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(api_list, api_read))]
pub struct InboxApi;

/// The caller's messages, newest first.
#[utoipa::path(get, path = "/api/v1/inbox", responses((status = 200, body = Vec<NotificationDto>)))]
async fn api_list(State(s): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let e = |e| WebError::api(e, ctx.t());
    let list = notifications::inbox(&s.db, user_of(&ctx).map_err(e)?, 200).await.map_err(e)?;
    Ok(Json(
        list.into_iter()
            .map(|n| NotificationDto {
                id: n.id,
                kind: n.kind,
                need_id: n.need_id,
                title: n.title,
                body: n.body,
                created_at: local_time(n.created_at),
                read: n.read_at.is_some(),
            })
            .collect::<Vec<_>>(),
    )
    .into_response())
}

/// Marks one of the caller's messages read.
#[utoipa::path(post, path = "/api/v1/inbox/{id}/read", params(("id" = i64, Path)), responses((status = 204, description = "Read"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
async fn api_read(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let e = |e| WebError::api(e, ctx.t());
    let id = id.parse::<i64>().map_err(|_| e(AppError::NotFound))?;
    notifications::mark_read(&s.db, user_of(&ctx).map_err(e)?, id, s.now()).await.map_err(e)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
