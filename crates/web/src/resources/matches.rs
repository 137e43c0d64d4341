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
    /// The ranked resources in their tiers, in order; empty tiers left out.
    groups: Vec<MatchGroup>,
    /// Whether any resource matched at all.
    any: bool,
    /// When help is needed, as the form shows it.
    date: String,
    time: String,
}

/// One tier of the list with its heading and what it means.
struct MatchGroup {
    code: &'static str,
    title: String,
    hint: String,
    rows: Vec<MatchRow>,
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
        any: !list.is_empty(),
        groups: groups(t, match_rows(t, &list)),
        date: date_of(wushe_domain::resources::local_day_minute(at).0),
        time: clock(wushe_domain::resources::local_day_minute(at).1),
    }))
}

/// The rows under their tiers' headings, keeping the ranking's order.
fn groups(t: crate::shell::i18n::T, rows: Vec<MatchRow>) -> Vec<MatchGroup> {
    let mut out: Vec<MatchGroup> = ["now", "later", "unavailable"]
        .into_iter()
        .map(|code| MatchGroup {
            code,
            title: t.t(&format!("page.matches.tier.{code}")).to_string(),
            hint: t.t(&format!("page.matches.tier_hint.{code}")).to_string(),
            rows: vec![],
        })
        .collect();
    for r in rows {
        if let Some(g) = out.iter_mut().find(|g| g.code == r.tier) {
            g.rows.push(r);
        }
    }
    out.retain(|g| !g.rows.is_empty());
    out
}
