//! The board's parts after the first hours (E4, E5): supplies issued and offers of help,
//! functionality of key services with the resilience triangle drawn as SVG, situation reports
//! and the after-action review. Each form posts to its own route and comes back to the board.

use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::error::{PageResult, WebError};
use crate::shell::extract::{Id, PageForm};
use crate::shell::flash::{Flash, redirect};
use crate::shell::i18n::T;
use crate::shell::layout::local_time;
use crate::shell::registry::Registry;
use axum::extract::State;
use axum::http::Method;
use axum::response::IntoResponse;
use wushe_app::AppError;
use wushe_app::emergency::{self, Incident, IssueForm, MatchForm, OfferForm, ReadingForm, Recovery, ReviewForm};
use wushe_domain::access::Action;
use wushe_domain::emergency::{KeyService, OfferStatus};
use wushe_domain::ids::IncidentId;

pub fn routes(r: &mut Registry) {
    r.page(Method::POST, "/incidents/{id}/readings", Action::EmergencyDuty, reading);
    r.page(Method::POST, "/incidents/{id}/reports", Action::EmergencyDuty, report);
    r.page(Method::POST, "/incidents/{id}/review", Action::EmergencyPlan, review);
    r.page(Method::POST, "/incidents/{id}/supplies", Action::EmergencyDuty, issue);
    r.page(Method::POST, "/incidents/{id}/offers", Action::EmergencyDuty, offer);
    r.page(Method::POST, "/offers/{id}/match", Action::EmergencyDuty, match_offer);
}

/// One service's line on the chart.
pub struct Line {
    pub class: &'static str,
    pub label: String,
    pub points: String,
    pub loss: String,
    pub last: String,
}

/// The recovery part of the board.
pub struct RecoveryView {
    pub lines: Vec<Line>,
    pub loss: String,
    pub from: String,
    pub to: String,
    pub services: Vec<(&'static str, String)>,
    pub reports: Vec<(String, String, String)>,
    pub review: Option<(String, String, String)>,
    pub can_record: bool,
    pub can_review: bool,
}

pub const CHART_W: f64 = 320.0;
pub const CHART_H: f64 = 120.0;

/// The curves as SVG polylines over the window, 100% at the top.
pub fn lines(t: T, r: &Recovery) -> Vec<Line> {
    const CLASSES: [&str; 6] = ["line-0", "line-1", "line-2", "line-3", "line-4", "line-5"];
    let span = (r.end - r.start).max(1) as f64;
    let x = |at: i64| ((at - r.start).max(0) as f64 / span * CHART_W).min(CHART_W);
    let y = |p: f64| CHART_H - p / 100.0 * CHART_H;
    r.curves
        .iter()
        .enumerate()
        .map(|(k, c)| {
            // 100% before the first reading, held after the last: the triangle's outline.
            let mut pts = vec![(0.0, y(100.0))];
            for f in &c.readings {
                pts.push((x(f.at_ms), y(f.percent)));
            }
            let last = c.readings.last().map(|f| f.percent).unwrap_or(100.0);
            pts.push((CHART_W, y(last)));
            Line {
                class: CLASSES[k % CLASSES.len()],
                label: t.t(&format!("service.{}", c.service.code())).to_string(),
                points: pts.iter().map(|(a, b)| format!("{a:.1},{b:.1}")).collect::<Vec<_>>().join(" "),
                loss: t.f("page.recovery.loss", &[&format!("{:.0}", c.loss)]),
                last: format!("{last:.0}%"),
            }
        })
        .collect()
}

pub async fn view(s: &AppState, ctx: &Ctx, i: &Incident) -> Result<RecoveryView, AppError> {
    let t = ctx.t();
    let r = emergency::recovery(&s.db, &ctx.actor, s.now(), i.id).await?;
    let reports = emergency::reports(&s.db, i.id)
        .await?
        .into_iter()
        .map(|r| (local_time(r.at), r.by_name.unwrap_or_default(), r.body))
        .collect();
    let review = emergency::review_of(&s.db, i.id).await?.map(|r| (r.went_well, r.to_improve, r.lessons));
    Ok(RecoveryView {
        lines: lines(t, &r),
        loss: t.f("page.recovery.total", &[&format!("{:.0}", r.loss)]),
        from: local_time(r.start),
        to: local_time(r.end),
        services: KeyService::ALL
            .iter()
            .map(|k| (k.code(), t.t(&format!("service.{}", k.code())).to_string()))
            .collect(),
        reports,
        review,
        can_record: ctx.actor.can(Action::NeedRecord, Some(&i.area_path)),
        can_review: !i.active() && ctx.actor.can(Action::EmergencyPlan, Some(&i.area_path)),
    })
}

/// The supplies part of the board.
pub struct SuppliesView {
    pub stock: Vec<(i64, String, String)>,
    pub issued: Vec<(String, i64, String)>,
    pub offers: Vec<OfferRow>,
    pub can_issue: bool,
}

pub struct OfferRow {
    pub id: i64,
    pub from: String,
    pub what: String,
    pub status: String,
    pub open: bool,
    pub suggested: Vec<(i64, String)>,
    pub when: String,
}

pub async fn supplies(s: &AppState, ctx: &Ctx, i: &Incident) -> Result<SuppliesView, AppError> {
    let t = ctx.t();
    let stock = wushe_app::resources::stockpiles_in(&s.db, i.community_id).await?;
    let offers = emergency::offers(&s.db, i.id).await?;
    Ok(SuppliesView {
        stock: stock
            .iter()
            .map(|r| (r.id.get(), r.name.clone(), format!("{} {}", r.quantity.unwrap_or(0), r.unit)))
            .collect(),
        issued: emergency::issued(&s.db, i.id)
            .await?
            .into_iter()
            .map(|x| (x.resource, x.households, format!("{} {}", x.quantity, x.unit)))
            .collect(),
        offers: offers
            .iter()
            .map(|o| OfferRow {
                id: o.id,
                from: o.offered_by.clone(),
                what: format!("{} {} {}", o.what, o.quantity, o.unit),
                status: t.t(&format!("offer.status.{}", o.status.code())).to_string(),
                open: o.status == OfferStatus::Open,
                suggested: emergency::suggestions(o, &stock)
                    .into_iter()
                    .map(|r| (r.id.get(), r.name.clone()))
                    .collect(),
                when: local_time(o.at),
            })
            .collect(),
        can_issue: i.active() && ctx.actor.can(Action::NeedRecord, Some(&i.area_path)),
    })
}

/// After a form of the board: back to the board with the message, or the board again with the
/// problems at the top.
async fn back(s: &AppState, ctx: &Ctx, id: IncidentId, r: Result<(), AppError>, done: &str) -> PageResult {
    let t = ctx.t();
    match r {
        Ok(()) => Ok(redirect(&format!("/incidents/{id}"), Flash::success(t.t(done)))),
        Err(err @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let (status, msgs) = crate::shell::error::form_problems(&err, t);
            Ok((status, crate::shell::layout::html(&super::pages::board_view(s, ctx, id, msgs).await?)).into_response())
        }
        Err(err) => Err(WebError::page(err, t)),
    }
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
