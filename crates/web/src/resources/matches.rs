//! R2: the page of resources that match a need, with the reasons for their order.

use crate::resources::views::{MatchRow, match_rows};
use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::error::PageResult;
use crate::shell::error::WebError;
use crate::shell::extract::Id;
use crate::shell::layout::Layout;
use crate::shell::layout::html;
use crate::shell::registry::Registry;
use askama::Template;
use axum::extract::State;
use axum::http::Method;
use wushe_app::claims;
use wushe_app::resources::{self};
use wushe_domain::access::Action;
use wushe_domain::ids::NeedId;
use wushe_domain::resources::{clock, date_of};

pub fn routes(r: &mut Registry) {
    r.page(Method::GET, "/needs/{id}/matches", Action::NeedManage, matches);
}

#[derive(Template)]
#[template(path = "matches.html")]
struct MatchesPage {
    l: Layout,
    need_id: i64,
    need_title: String,
    version: i64,
    can_assign: bool,
    listed: bool,
    listable: bool,
    rows: Vec<MatchRow>,
    /// When help is needed, as the form shows it.
    date: String,
    time: String,
}

#[derive(serde::Deserialize, Default)]
struct WhenQuery {
    #[serde(default)]
    date: String,
    #[serde(default)]
    time: String,
}

async fn matches(
    State(s): State<AppState>,
    ctx: Ctx,
    Id(id): Id<NeedId>,
    axum::extract::Query(q): axum::extract::Query<WhenQuery>,
) -> PageResult {
    let t = ctx.t();
    let e = |e| WebError::page(e, t);
    let raw = if q.date.trim().is_empty() {
        String::new()
    } else {
        format!("{} {}", q.date.trim(), if q.time.trim().is_empty() { "09:00" } else { q.time.trim() })
    };
    let at = crate::resources::forms::needed_at(Some(&raw), s.now()).map_err(|x| e(x.into()))?;
    let (need, list) = resources::matches(&s.db, &ctx.actor, id, at, 20).await?;
    let listed = claims::listing(&s.db, need.id).await?.is_some();
    let can_assign =
        wushe_domain::needs::NeedStatus::apply(need.status, wushe_domain::needs::EventKind::Assigned).is_ok();
    Ok(html(&MatchesPage {
        l: Layout::with_title(&ctx, t.f("page.matches.title", &[&need.title])),
        need_id: need.id.get(),
        need_title: need.title.clone(),
        version: need.version,
        can_assign,
        listed,
        listable: matches!(
            need.status,
            wushe_domain::needs::NeedStatus::Submitted
                | wushe_domain::needs::NeedStatus::Accepted
                | wushe_domain::needs::NeedStatus::Reopened
        ),
        rows: match_rows(t, &list),
        date: date_of(wushe_domain::resources::local_day_minute(at).0),
        time: clock(wushe_domain::resources::local_day_minute(at).1),
    }))
}
