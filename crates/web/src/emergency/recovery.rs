//! The board's forms after the first hours (E4, E5): issuing supplies and recording and
//! matching offers, recovery readings, situation reports and the after-action review. Each
//! posts to its own route and comes back to the board (drawn by `pages`, its parts by `parts`).

use super::pages::back_to_board as back;
use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::error::{PageResult, WebError};
use crate::shell::extract::{Id, PageForm};
use crate::shell::flash::{Flash, redirect};
use crate::shell::registry::Registry;
use axum::extract::State;
use axum::http::Method;
use wushe_app::emergency::{self, IssueForm, MatchForm, OfferForm, ReadingForm, ReviewForm};
use wushe_domain::access::Action;
use wushe_domain::ids::IncidentId;

pub fn routes(r: &mut Registry) {
    r.page(Method::POST, "/incidents/{id}/readings", Action::EmergencyDuty, reading);
    r.page(Method::POST, "/incidents/{id}/reports", Action::EmergencyDuty, report);
    r.page(Method::POST, "/incidents/{id}/review", Action::EmergencyPlan, review);
    r.page(Method::POST, "/incidents/{id}/supplies", Action::EmergencyDuty, issue);
    r.page(Method::POST, "/incidents/{id}/offers", Action::EmergencyDuty, offer);
    r.page(Method::POST, "/offers/{id}/match", Action::EmergencyDuty, match_offer);
}

async fn reading(
    State(s): State<AppState>,
    ctx: Ctx,
    Id(id): Id<IncidentId>,
    PageForm(f): PageForm<ReadingForm>,
) -> PageResult {
    let r = emergency::record_reading(&s.db, &ctx.actor, s.now(), id, &f).await;
    back(&s, &ctx, id, r, "flash.recovery.reading").await
}

/// A situation report's text.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ReportForm {
    body: String,
}

async fn report(
    State(s): State<AppState>,
    ctx: Ctx,
    Id(id): Id<IncidentId>,
    PageForm(f): PageForm<ReportForm>,
) -> PageResult {
    let r = emergency::add_report(&s.db, &ctx.actor, s.now(), id, &f.body).await;
    back(&s, &ctx, id, r, "flash.recovery.report").await
}

async fn review(
    State(s): State<AppState>,
    ctx: Ctx,
    Id(id): Id<IncidentId>,
    PageForm(f): PageForm<ReviewForm>,
) -> PageResult {
    let r = emergency::save_review(&s.db, &ctx.actor, s.now(), id, &f).await;
    back(&s, &ctx, id, r, "flash.recovery.review").await
}

async fn issue(
    State(s): State<AppState>,
    ctx: Ctx,
    Id(id): Id<IncidentId>,
    PageForm(f): PageForm<IssueForm>,
) -> PageResult {
    let r = emergency::issue(&s.db, &ctx.actor, s.now(), id, &f).await;
    back(&s, &ctx, id, r, "flash.supplies.issued").await
}

async fn offer(
    State(s): State<AppState>,
    ctx: Ctx,
    Id(id): Id<IncidentId>,
    PageForm(f): PageForm<OfferForm>,
) -> PageResult {
    let r = emergency::record_offer(&s.db, &ctx.actor, s.now(), id, &f).await.map(|_| ());
    back(&s, &ctx, id, r, "flash.supplies.offer").await
}

/// Where the match form came from: the offer's incident, to return to it.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct OfferMatch {
    incident: String,
    resource: String,
    need: String,
    decline: String,
}

async fn match_offer(
    State(s): State<AppState>,
    ctx: Ctx,
    Id(id): Id<i64>,
    PageForm(f): PageForm<OfferMatch>,
) -> PageResult {
    let form = MatchForm { resource: f.resource, need: f.need, decline: f.decline };
    let r = emergency::match_offer(&s.db, &ctx.actor, s.now(), id, &form).await;
    let incident = IncidentId::parse(f.incident.trim());
    match (r, incident) {
        (r, Some(i)) => back(&s, &ctx, i, r, "flash.supplies.matched").await,
        (Ok(()), None) => Ok(redirect("/", Flash::success(ctx.t().t("flash.supplies.matched")))),
        (Err(e), None) => Err(WebError::page(e, ctx.t())),
    }
}
