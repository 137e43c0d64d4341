//! R3 pages: the list of needs open for claiming with the claimant's own claims, claiming and
//! releasing; and the staff forms that put a need on the list or take it off.

use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::error::PageResult;
use crate::shell::error::WebError;
use crate::shell::extract::{Id, PageForm};
use crate::shell::layout::html;
use crate::shell::layout::{Layout, local_time};
use crate::shell::registry::Registry;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::Method;
use axum::response::IntoResponse;
use serde::Deserialize;
use wushe_app::{AppError, claims, needs, organizations};
use wushe_domain::access::Action;
use wushe_domain::ids::NeedId;

pub fn routes(r: &mut Registry) {
    r.page(Method::GET, "/claims", Action::NeedClaim, list);
    r.page(Method::POST, "/claims/{id}", Action::NeedClaim, claim);
    r.page(Method::POST, "/claims/{id}/release", Action::OwnAccount, release);
    r.page(Method::POST, "/needs/{id}/listing", Action::NeedManage, list_need);
    r.page(Method::POST, "/needs/{id}/listing/delete", Action::NeedManage, unlist_need);
}

pub struct ClaimRow {
    pub id: i64,
    pub title: String,
    pub category: String,
    pub place: String,
    pub fits: bool,
    pub hours: String,
    pub created: String,
}

pub struct MineRow {
    pub need_id: i64,
    pub title: String,
    pub status: String,
    pub expires: String,
}

#[derive(Template)]
#[template(path = "claims.html")]
struct ListPage {
    l: Layout,
    all: bool,
    /// Nothing fitted the person's skills, so every listed need is shown instead.
    widened: bool,
    rows: Vec<ClaimRow>,
    mine: Vec<MineRow>,
    /// Activity places open to a volunteer, claimed the same way (V2).
    places: Vec<crate::shell::views::ActivityRow>,
    orgs: Vec<(i64, String)>,
    errors: Vec<crate::shell::error::FormError>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    all: String,
}

async fn page(
    s: &AppState,
    ctx: &Ctx,
    all: bool,
    errors: Vec<crate::shell::error::FormError>,
) -> Result<ListPage, AppError> {
    let t = ctx.t();
    let mut list = claims::claimable(&s.db, &ctx.actor, all).await?;
    // An empty list of fitting needs is no answer: show every listed need instead, saying so.
    let widened = !all && list.is_empty();
    if widened {
        list = claims::claimable(&s.db, &ctx.actor, true).await?;
    }
    let mut rows = Vec::new();
    let mut cats_of: std::collections::HashMap<i64, Vec<needs::Category>> = Default::default();
    for c in &list {
        if let std::collections::hash_map::Entry::Vacant(v) = cats_of.entry(c.need.community_id) {
            v.insert(needs::categories(&s.db, c.need.community_id).await?);
        }
        let category = cats_of[&c.need.community_id]
            .iter()
            .find(|x| x.id == c.need.category_id)
            .map(|x| if t.0 == crate::shell::i18n::Lang::En { x.name_en.clone() } else { x.name_zh.clone() })
            .unwrap_or_default();
        rows.push(ClaimRow {
            id: c.need.id.get(),
            title: c.need.title.clone(),
            category,
            place: crate::shell::views::place_text(t, c.place),
            fits: c.fits,
            hours: t.f("page.claims.hours", &[&c.claim_hours]),
            created: local_time(c.need.created_at),
        });
    }
    let mine = claims::mine(&s.db, &ctx.actor)
        .await?
        .into_iter()
        .map(|(c, n)| MineRow {
            need_id: n.id.get(),
            title: n.title,
            status: t.t(&format!("status.{}", n.status.code())).to_string(),
            expires: if c.expires_at > 9_000_000_000_000 {
                t.t("page.claims.started").to_string()
            } else {
                local_time(c.expires_at)
            },
        })
        .collect();
    let mut orgs = Vec::new();
    if let Some(uid) = ctx.actor.user_id
        && let Some(p) = wushe_app::accounts::person_of(&s.db, uid).await?
    {
        orgs = organizations::posts_of(&s.db, p).await?.into_iter().map(|(o, _)| (o.id.get(), o.name)).collect();
    }
    let places = crate::shell::views::open_places(s, ctx).await?;
    Ok(ListPage { l: Layout::new(ctx, "page.claims.title"), all, widened, rows, mine, places, orgs, errors })
}

async fn list(State(s): State<AppState>, ctx: Ctx, Query(q): Query<ListQuery>) -> PageResult {
    Ok(html(&page(&s, &ctx, q.all == "1", vec![]).await?))
}

async fn after(s: &AppState, ctx: &Ctx, r: Result<(), AppError>, done: crate::shell::flash::Flash) -> PageResult {
    let t = ctx.t();
    match r {
        Ok(()) => Ok(crate::shell::flash::redirect("/claims", done)),
        Err(err @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let (status, msgs) = crate::shell::error::form_problems(&err, t);
            Ok((status, html(&page(s, ctx, false, msgs).await?)).into_response())
        }
        Err(err) => Err(WebError::page(err, t)),
    }
}

/// Claiming a listed need, for oneself or for one's organization (`org`).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ClaimForm {
    org: String,
}

/// Releasing a claim; `back=need` returns to the need's page.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ReleaseForm {
    note: String,
    back: String,
}

/// Putting a need on the claim list with the hours a claim may wait.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ListingForm {
    claim_hours: String,
}

async fn claim(
    State(s): State<AppState>,
    ctx: Ctx,
    Id(id): Id<NeedId>,
    PageForm(f): PageForm<ClaimForm>,
) -> PageResult {
    let org = f.org.trim().parse::<i64>().ok();
    let r = async { claims::claim(&s.db, &ctx.actor, s.now(), id, org).await.map(|_| ()) }.await;
    let t = ctx.t();
    let done = crate::shell::flash::Flash::success(t.f("flash.claims.claimed", &[&id.get()]))
        .link(format!("/needs/{id}"), t.t("flash.see_need"));
    after(&s, &ctx, r, done).await
}

async fn release(
    State(s): State<AppState>,
    ctx: Ctx,
    Id(id): Id<NeedId>,
    PageForm(f): PageForm<ReleaseForm>,
) -> PageResult {
    let back = f.back == "need";
    let r = async { claims::release(&s.db, &ctx.actor, s.now(), id, &f.note).await.map(|_| ()) }.await;
    let done = crate::shell::flash::Flash::success(ctx.t().f("flash.claims.released", &[&id.get()]));
    match (r, back) {
        (Ok(()), true) => Ok(crate::shell::flash::redirect(&format!("/needs/{id}"), done)),
        (r, _) => after(&s, &ctx, r, done).await,
    }
}

async fn list_need(
    State(s): State<AppState>,
    ctx: Ctx,
    Id(id): Id<NeedId>,
    PageForm(f): PageForm<ListingForm>,
) -> PageResult {
    let nid = id;
    claims::list_need(&s.db, &ctx.actor, s.now(), nid, &f.claim_hours).await?;
    let done =
        crate::shell::flash::Flash::success(ctx.t().t("flash.claims.listed")).link("/claims", ctx.t().t("nav.claims"));
    Ok(crate::shell::flash::redirect(&format!("/needs/{nid}/matches"), done))
}

async fn unlist_need(State(s): State<AppState>, ctx: Ctx, Id(id): Id<NeedId>) -> PageResult {
    let nid = id;
    claims::unlist_need(&s.db, &ctx.actor, s.now(), nid).await?;
    Ok(crate::shell::flash::redirect(
        &format!("/needs/{nid}/matches"),
        crate::shell::flash::Flash::success(ctx.t().t("flash.claims.unlisted")),
    ))
}
