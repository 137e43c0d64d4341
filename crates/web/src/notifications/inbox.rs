//! A2 pages and API: a person's in-app inbox; and the text of outbound messages, taken from
//! the message catalogue.

use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::error::PageResult;
use crate::shell::extract::Id;
use crate::shell::i18n::{Lang, T};
use crate::shell::layout::html;
use crate::shell::layout::{Layout, local_time};
use crate::shell::registry::Registry;
use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;
use wushe_app::{AppError, notifications};
use wushe_domain::access::Action;

pub fn routes(r: &mut Registry) {
    r.page(Method::GET, "/inbox", Action::OwnAccount, page);
    r.page(Method::POST, "/inbox/{id}/read", Action::OwnAccount, read);
    r.page(Method::POST, "/inbox/read-all", Action::OwnAccount, read_all);
    r.api(Method::GET, "/api/v1/inbox", Action::OwnAccount, api_list);
    r.api(Method::POST, "/api/v1/inbox/{id}/read", Action::OwnAccount, api_read);
    r.page(Method::GET, "/n/{id}", Action::Public, short_link);
}

/// What fits one SMS segment of Chinese text (UCS-2: 70 characters).
pub const SMS_CHARS: usize = 70;

/// Subject and text of an outbound message in Chinese, the platform's language: what
/// happened, the need's number and a link back to it. An e-mail carries the note in full; an
/// SMS is one segment — the news, shortened where it must be, and a short link
/// (`/n/{id}`) that opens the need.
pub fn render(o: &notifications::Outgoing<'_>) -> (String, String) {
    let t = T(Lang::ZhCn);
    if o.count > 1 {
        // A digest: how many, the first ones by number and title, and the inbox.
        let subject = t.f("notify.digest", &[&o.count]);
        let link = format!("{}/inbox", o.base_url);
        if o.channel == "sms" {
            let tail = format!(" {link}");
            let head = format!("【五社】{subject}：{}", o.title);
            let room = SMS_CHARS.saturating_sub(tail.chars().count());
            let head: String = if head.chars().count() > room {
                head.chars().take(room.saturating_sub(1)).chain(['…']).collect()
            } else {
                head
            };
            return (subject, format!("{head}{tail}"));
        }
        let list: Vec<&str> = o.body.lines().take(20).collect();
        let more = if o.count > list.len() { format!("\n…（{}）", o.count) } else { String::new() };
        return (
            format!("【五社】{subject}"),
            format!("{subject}\n{}{more}\n{}: {link}", list.join("\n"), t.t("notify.open")),
        );
    }
    let what = t.t(&format!("notify.{}", o.kind)).to_string();
    let number = o.need_id.map(|id| format!("#{id} ")).unwrap_or_default();
    // A note may be a code (`respond`, `resolve` on overdue needs): say it in words.
    let key = format!("notify.note.{}", o.body);
    let note = match t.t(&key) {
        k if k.starts_with("notify.note.") => o.body.to_string(),
        words => words.to_string(),
    };
    let subject = format!("【{what}】{number}{}", o.title);
    if o.channel == "sms" {
        let link = o.need_id.map(|id| format!(" {}/n/{id}", o.base_url)).unwrap_or_default();
        let head = format!("【五社】{what}：{number}{}", o.title);
        let room = SMS_CHARS.saturating_sub(link.chars().count());
        let head = if head.chars().count() > room {
            head.chars().take(room.saturating_sub(1)).chain(['…']).collect()
        } else {
            head
        };
        return (subject, format!("{head}{link}"));
    }
    let mut text = subject.clone();
    if !note.is_empty() {
        text.push_str(&format!("\n{note}"));
    }
    if let Some(id) = o.need_id {
        text.push_str(&format!("\n{}: {}/needs/{id}", t.t("notify.open"), o.base_url));
    }
    (subject, text)
}

/// The short link in an SMS: the need's page (which checks who may read it).
async fn short_link(Id(id): Id) -> Response {
    if id > 0 { Redirect::to(&format!("/needs/{id}")).into_response() } else { StatusCode::NOT_FOUND.into_response() }
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
    unread_only: bool,
    unread: i64,
    counts: String,
    pager: crate::shell::pager::Pager,
}

const PER_PAGE: i64 = 30;

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct InboxQuery {
    unread: String,
    page: Option<String>,
}

fn user_of(ctx: &Ctx) -> Result<i64, AppError> {
    ctx.user.as_ref().map(|u| u.id).ok_or(AppError::Unauthenticated)
}

async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    axum::extract::Query(q): axum::extract::Query<InboxQuery>,
) -> PageResult {
    let t = ctx.t();
    let me = user_of(&ctx)?;
    let unread_only = q.unread == "1";
    let page: i64 = q.page.as_deref().and_then(|p| p.parse().ok()).unwrap_or(1).clamp(1, 1_000_000);
    let (list, total) = notifications::inbox_page(&s.db, me, unread_only, PER_PAGE, (page - 1) * PER_PAGE).await?;
    let unread = notifications::unread(&s.db, me).await?;
    let all = if unread_only { notifications::inbox_page(&s.db, me, false, 0, 0).await?.1 } else { total };
    let filter = if unread_only { "unread=1&" } else { "" };
    Ok(html(&InboxPage {
        l: Layout::new(&ctx, "page.inbox.title"),
        unread_only,
        unread,
        counts: t.f("page.inbox.counts", &[&unread, &all]),
        pager: crate::shell::pager::Pager::new(page, total, PER_PAGE, |p| format!("/inbox?{filter}page={p}")),
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

async fn read_all(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    let n = notifications::mark_all_read(&s.db, user_of(&ctx)?, s.now()).await?;
    Ok(crate::shell::flash::redirect(
        "/inbox",
        crate::shell::flash::Flash::success(ctx.t().f("flash.inbox.all_read", &[&n])),
    ))
}

async fn read(State(s): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    notifications::mark_read(&s.db, user_of(&ctx)?, id, s.now()).await?;
    Ok(crate::shell::flash::redirect("/inbox", crate::shell::flash::Flash::success(ctx.t().t("flash.inbox.read"))))
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
async fn api_list(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    let list = notifications::inbox(&s.db, user_of(&ctx)?, 200).await?;
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
#[utoipa::path(post, path = "/api/v1/inbox/{id}/read", params(("id" = i64, Path)), responses((status = 204, description = "Read"), (status = 404, body = crate::shell::error::Problem, content_type = "application/problem+json")))]
async fn api_read(State(s): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    notifications::mark_read(&s.db, user_of(&ctx)?, id, s.now()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_what_happened_with_the_number_and_a_way_back() {
        let o = |channel, kind, body| notifications::Outgoing {
            channel,
            kind,
            title: "楼道灯不亮，老人上下楼容易摔倒，请尽快派人维修".repeat(4).leak(),
            body,
            need_id: Some(1234),
            base_url: "https://wushe.example.cn",
            count: 1,
        };
        let (subject, text) = render(&o("email", "overdue", "resolve"));
        assert!(subject.starts_with("【需求超时预警】#1234 楼道灯不亮"), "{subject}");
        assert!(!text.contains("resolve") && text.contains("办结"), "{text}");
        assert!(text.ends_with("https://wushe.example.cn/needs/1234"), "{text}");
        let (_, sms) = render(&o("sms", "assigned", "请尽快维修"));
        assert!(sms.chars().count() <= SMS_CHARS, "{} characters: {sms}", sms.chars().count());
        assert!(sms.ends_with(" https://wushe.example.cn/n/1234") && sms.contains("#1234"), "{sms}");
        let (_, short) = render(&notifications::Outgoing { title: "灯坏了", ..o("sms", "assigned", "") });
        assert_eq!(short, "【五社】新分派的需求：#1234 灯坏了 https://wushe.example.cn/n/1234");
        let (subject, digest) = render(&notifications::Outgoing {
            count: 246,
            kind: "digest",
            body: "#1 楼道灯不亮\n#2 水管漏水",
            need_id: None,
            ..o("sms", "digest", "")
        });
        assert_eq!(subject, "您有 246 条新消息");
        assert!(digest.chars().count() <= SMS_CHARS && digest.ends_with(" https://wushe.example.cn/inbox"), "{digest}");
    }
}
