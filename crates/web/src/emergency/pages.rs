//! E1–E3 pages: a community's emergency page (its mode, the plans, declaring, the history), the
//! situation board of an incident with its live updates, switching back, and the phone page
//! of visits where a result is two taps.

use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::error::{FormError, PageResult, WebError};
use crate::shell::extract::{Id, PageForm};
use crate::shell::flash::{Flash, redirect};
use crate::shell::layout::{Layout, html, local_time};
use crate::shell::registry::Registry;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::IntoResponse;
use wushe_app::emergency::{self, Board, CloseForm, DeclareForm, Incident, Plan, ResultForm, Visit};
use wushe_app::{AppError, areas};
use wushe_domain::access::Action;
use wushe_domain::emergency::{Hazard, Severity};
use wushe_domain::ids::{CheckinId, IncidentId};

pub fn routes(r: &mut Registry) {
    r.page(Method::GET, "/communities/{code}/emergency", Action::EmergencyRead, community_page);
    r.page(Method::POST, "/communities/{code}/emergency", Action::EmergencyDeclare, declare);
    r.page(Method::GET, "/incidents/{id}", Action::EmergencyRead, board_page);
    r.page(Method::POST, "/incidents/{id}/close", Action::EmergencyDeclare, close);
    r.page(Method::POST, "/incidents/{id}/change", Action::EmergencyDeclare, change);
    r.page(Method::GET, "/checkins", Action::EmergencyDuty, visits_page);
    r.page(Method::POST, "/checkins/{id}", Action::EmergencyDuty, record);
    r.page(Method::POST, "/checkins/{id}/decline", Action::EmergencyDuty, decline);
}

/// An incident as a list shows it.
pub struct IncidentRow {
    pub id: i64,
    pub title: String,
    pub hazard: String,
    pub severity: String,
    pub tone: &'static str,
    pub drill: bool,
    pub active: bool,
    pub declared: String,
    pub closed: String,
}

/// The hazards as a declaration form offers them: (code, words).
pub(crate) fn hazard_choices(t: crate::shell::i18n::T) -> Vec<(&'static str, String)> {
    Hazard::ALL.iter().map(|h| (h.code(), t.t(&format!("hazard.{}", h.code())).to_string())).collect()
}

/// The severities as the forms offer them: (code, words).
pub(crate) fn severity_choices(t: crate::shell::i18n::T) -> Vec<(&'static str, String)> {
    Severity::ALL.iter().map(|v| (v.code(), t.t(&format!("severity.{}", v.code())).to_string())).collect()
}

fn tone(s: Severity) -> &'static str {
    match s {
        Severity::Minor => "info",
        Severity::Moderate => "warning",
        Severity::Severe | Severity::Extreme => "danger",
    }
}

fn row(ctx: &Ctx, i: &Incident) -> IncidentRow {
    let t = ctx.t();
    IncidentRow {
        id: i.id.get(),
        title: i.title.clone(),
        hazard: t.t(&format!("hazard.{}", i.hazard.code())).to_string(),
        severity: t.t(&format!("severity.{}", i.severity.code())).to_string(),
        tone: tone(i.severity),
        drill: i.is_drill(),
        active: i.active(),
        declared: local_time(i.declared_at),
        closed: i.closed_at.map(local_time).unwrap_or_default(),
    }
}

/// A plan as the community's page shows it.
pub struct PlanRow {
    pub code: &'static str,
    pub hazard: String,
    pub title: String,
    pub duties: Vec<(String, String)>,
    pub supplies: Vec<String>,
    pub rule: String,
}

#[derive(Template)]
#[template(path = "emergency.html")]
struct CommunityPage {
    l: Layout,
    code: String,
    can_declare: bool,
    active: Vec<IncidentRow>,
    history: Vec<IncidentRow>,
    plans: Vec<PlanRow>,
    hazards: Vec<(&'static str, String)>,
    severities: Vec<(&'static str, String)>,
    grids: Vec<(String, String)>,
    can_plan: bool,
    /// Hazards without a plan yet: (code, name).
    unplanned: Vec<(&'static str, String)>,
    /// Each incident's and drill's timings: title, drill, to first check-in, to all, to close.
    timings: Vec<(i64, String, bool, String, String, String)>,
    /// The archive of lessons: incident, title, drill, lessons.
    archive: Vec<(i64, String, bool, String)>,
    errors: Vec<FormError>,
}

async fn community_view(
    s: &AppState,
    ctx: &Ctx,
    code: &str,
    errors: Vec<FormError>,
) -> Result<CommunityPage, AppError> {
    let community = emergency::community(&s.db, &ctx.actor, Action::EmergencyRead, code).await?;
    let t = ctx.t();
    let list = emergency::incidents(&s.db, &ctx.actor, &community, 50).await?;
    let (active, history): (Vec<&Incident>, Vec<&Incident>) = list.iter().partition(|i| i.active());
    let plans = emergency::plans(&s.db, &ctx.actor, &community).await?;
    let plan_row = |p: &Plan| {
        let r = p.rules();
        PlanRow {
            code: p.hazard.code(),
            hazard: t.t(&format!("hazard.{}", p.hazard.code())).to_string(),
            title: p.title.clone(),
            duties: p.duties(),
            supplies: p.supply_list(),
            rule: t.f("page.emergency.rule", &[&r.every_hours, &r.within_minutes, &r.per_volunteer]),
        }
    };
    let grids = areas::places_in(&s.db, &community)
        .await?
        .into_iter()
        .filter(|p| p.kind == wushe_domain::areas::AreaKind::Grid)
        .map(|p| (p.code, p.name))
        .collect();
    // Everything awaited first: the page's text holds references that must not cross an await.
    let timings = emergency::timings_of(&s.db, &ctx.actor, &community).await?;
    let archive = emergency::archive(&s.db, &ctx.actor, &community).await?;
    Ok(CommunityPage {
        l: Layout::with_title(ctx, t.f("page.emergency.title", &[&community.name])),
        code: community.code.clone(),
        can_declare: ctx.actor.can(Action::EmergencyDeclare, Some(&community.path)),
        active: active.into_iter().map(|i| row(ctx, i)).collect(),
        history: history.into_iter().map(|i| row(ctx, i)).collect(),
        plans: plans.iter().map(plan_row).collect(),
        hazards: hazard_choices(t),
        severities: severity_choices(t),
        grids,
        can_plan: ctx.actor.can(Action::EmergencyPlan, Some(&community.path)),
        unplanned: Hazard::ALL
            .iter()
            .filter(|h| !plans.iter().any(|p| p.hazard == **h))
            .map(|h| (h.code(), t.t(&format!("hazard.{}", h.code())).to_string()))
            .collect(),
        timings: timings
            .into_iter()
            .map(|(i, tm)| {
                (
                    i.id.get(),
                    i.title.clone(),
                    i.is_drill(),
                    minutes(t, tm.to_first_checkin_ms),
                    minutes(t, tm.to_all_reached_ms),
                    minutes(t, tm.to_close_ms),
                )
            })
            .collect(),
        archive: archive.into_iter().map(|r| (r.incident_id, r.title, r.drill != 0, r.lessons)).collect(),
        errors,
    })
}

async fn community_page(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> PageResult {
    Ok(html(&community_view(&s, &ctx, &code, vec![]).await?))
}

async fn declare(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(f): PageForm<DeclareForm>,
) -> PageResult {
    let t = ctx.t();
    let community = emergency::community(&s.db, &ctx.actor, Action::EmergencyRead, &code).await?;
    match emergency::declare(&s.db, &ctx.actor, s.now(), std::slice::from_ref(&community), &f).await {
        Ok(out) => {
            let d = &out[0];
            let text = t.f("flash.emergency.declared", &[&d.checkins, &d.dispatched.assigned, &d.alerted]);
            Ok(redirect(&format!("/incidents/{}", d.incident.id), Flash::success(text)))
        }
        Err(err @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let (status, msgs) = crate::shell::error::form_problems(&err, t);
            Ok((status, html(&community_view(&s, &ctx, &code, msgs).await?)).into_response())
        }
        Err(err) => Err(WebError::page(err, t)),
    }
}

/// One grid on the board: name, figures, and the share reached as a bar.
pub struct GridLine {
    pub name: String,
    pub total: i64,
    pub reached: i64,
    pub dispatched: i64,
    pub open: i64,
    pub unreached: i64,
    pub needs_help: i64,
    pub percent: i64,
}

#[derive(Template)]
#[template(path = "incident.html")]
pub(crate) struct BoardPage {
    l: Layout,
    i: IncidentRow,
    community: String,
    areas: String,
    grids: Vec<GridLine>,
    total: GridLine,
    breakdown: String,
    needs: Vec<(i64, String, String)>,
    on_duty: Vec<(String, String)>,
    unreached: Vec<VisitRow>,
    on_duty_reader: bool,
    can_close: bool,
    severities: Vec<(&'static str, String)>,
    log: Vec<(String, String, String, String)>,
    alerts: Vec<(String, String, String)>,
    timings: Vec<(String, String)>,
    stamp: i64,
    recovery: super::parts::RecoveryView,
    supplies: super::parts::SuppliesView,
    chart_w: f64,
    chart_h: f64,
    errors: Vec<FormError>,
}

fn grid_line(name: String, g: &emergency::GridProgress) -> GridLine {
    GridLine {
        name,
        total: g.total,
        reached: g.reached(),
        dispatched: g.dispatched,
        open: g.open,
        unreached: g.unreached,
        needs_help: g.needs_help,
        percent: g.percent(),
    }
}

fn minutes(t: crate::shell::i18n::T, ms: Option<i64>) -> String {
    match ms {
        Some(ms) => t.f("page.incident.minutes", &[&(ms / 60_000)]),
        None => t.t("page.incident.not_yet").to_string(),
    }
}

pub(crate) async fn board_view(
    s: &AppState,
    ctx: &Ctx,
    id: IncidentId,
    errors: Vec<FormError>,
) -> Result<BoardPage, AppError> {
    let t = ctx.t();
    let b: Board = emergency::board(&s.db, &ctx.actor, s.now(), id).await?;
    let community = areas::by_id(&s.db, b.incident.community_id).await?;
    let log = emergency::log_of(&s.db, id)
        .await?
        .into_iter()
        .map(|e| {
            (
                local_time(e.at),
                t.t(&format!("page.incident.log.{}", e.kind)).to_string(),
                e.by_name.unwrap_or_default(),
                e.detail,
            )
        })
        .collect();
    let alerts = emergency::alerts_of(&s.db, id)
        .await?
        .into_iter()
        .map(|a| {
            let headline = if t.0 == crate::shell::i18n::Lang::En { a.headline_en } else { a.headline_zh };
            (local_time(a.sent_at), t.t(&format!("alert.kind.{}", a.kind.code())).to_string(), headline)
        })
        .collect();
    let timings = vec![
        (t.t("page.incident.to_first").to_string(), minutes(t, b.timings.to_first_checkin_ms)),
        (t.t("page.incident.to_all").to_string(), minutes(t, b.timings.to_all_reached_ms)),
        (t.t("page.incident.to_close").to_string(), minutes(t, b.timings.to_close_ms)),
    ];
    let recovery = super::parts::view(s, ctx, &b.incident).await?;
    let supplies = super::parts::supplies(s, ctx, &b.incident).await?;
    Ok(BoardPage {
        l: Layout::with_title(ctx, b.incident.title.clone()),
        i: row(ctx, &b.incident),
        community: community.code,
        areas: b.areas.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join("、"),
        grids: b.grids.iter().map(|g| grid_line(g.name.clone(), g)).collect(),
        total: grid_line(t.t("page.incident.all_grids").to_string(), &b.total),
        breakdown: t.f(
            "page.incident.breakdown",
            &[&b.total.dispatched, &b.total.open, &b.total.unreached, &b.total.needs_help],
        ),
        needs: b.needs.iter().map(|(id, title, _, at)| (*id, title.clone(), local_time(*at))).collect(),
        on_duty: b.on_duty.iter().map(|d| (d.name.clone(), t.f("page.incident.visits", &[&d.visits]))).collect(),
        unreached: b.unreached.iter().map(|v| visit_row(ctx, v)).collect(),
        on_duty_reader: b.on_duty_reader,
        can_close: b.incident.active() && ctx.actor.can(Action::EmergencyDeclare, Some(&b.incident.area_path)),
        severities: severity_choices(t),
        log,
        alerts,
        timings,
        stamp: b.stamp,
        recovery,
        supplies,
        chart_w: super::parts::CHART_W,
        chart_h: super::parts::CHART_H,
        errors,
    })
}

async fn board_page(State(s): State<AppState>, ctx: Ctx, Id(id): Id<IncidentId>) -> PageResult {
    Ok(html(&board_view(&s, &ctx, id, vec![]).await?))
}

/// After a form of the board: back to the board with the message, or the board again with
/// its problems at the top.
pub(crate) async fn back_to_board(
    s: &AppState,
    ctx: &Ctx,
    id: IncidentId,
    r: Result<(), AppError>,
    done: &str,
) -> PageResult {
    let t = ctx.t();
    match r {
        Ok(()) => Ok(redirect(&format!("/incidents/{id}"), Flash::success(t.t(done)))),
        Err(err @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let (status, msgs) = crate::shell::error::form_problems(&err, t);
            Ok((status, html(&board_view(s, ctx, id, msgs).await?)).into_response())
        }
        Err(err) => Err(WebError::page(err, t)),
    }
}

async fn close(
    State(s): State<AppState>,
    ctx: Ctx,
    Id(id): Id<IncidentId>,
    PageForm(f): PageForm<CloseForm>,
) -> PageResult {
    let r = emergency::close(&s.db, &ctx.actor, s.now(), id, &f).await.map(|_| ());
    back_to_board(&s, &ctx, id, r, "flash.emergency.closed").await
}

async fn change(
    State(s): State<AppState>,
    ctx: Ctx,
    Id(id): Id<IncidentId>,
    PageForm(f): PageForm<wushe_app::emergency::ChangeForm>,
) -> PageResult {
    let r = emergency::change(&s.db, &ctx.actor, s.now(), id, &f).await.map(|_| ());
    back_to_board(&s, &ctx, id, r, "flash.emergency.changed").await
}

/// A visit as the phone page lists it.
pub struct VisitRow {
    pub id: i64,
    pub name: String,
    pub phone: String,
    pub place: String,
    pub flags: String,
    pub skill: String,
    pub urgent: bool,
    pub incident: String,
    pub drill: bool,
    pub status: String,
}

fn visit_row(ctx: &Ctx, v: &Visit) -> VisitRow {
    let t = ctx.t();
    let flags = v
        .flags
        .split(',')
        .filter(|f| !f.is_empty())
        .map(|f| t.t(&format!("vul.{f}")).to_string())
        .collect::<Vec<_>>()
        .join("、");
    let status = match v.checkin.result() {
        Some(r) => t.t(&format!("checkin.result.{}", r.code())).to_string(),
        None => t.t(&format!("checkin.status.{}", v.checkin.status.code())).to_string(),
    };
    VisitRow {
        id: v.checkin.id.get(),
        name: v.name.clone(),
        phone: v.phone.clone().unwrap_or_default(),
        place: v.place.clone(),
        flags,
        skill: t.t(&format!("skill.{}", v.checkin.skill.code())).to_string(),
        urgent: v.checkin.priority >= 3,
        incident: v.incident_title.clone(),
        drill: v.drill,
        status,
    }
}

#[derive(Template)]
#[template(path = "checkins.html")]
struct VisitsPage {
    l: Layout,
    visits: Vec<VisitRow>,
    errors: Vec<FormError>,
}

async fn visits_view(s: &AppState, ctx: &Ctx, errors: Vec<FormError>) -> Result<VisitsPage, AppError> {
    let list = emergency::mine(&s.db, &ctx.actor, s.now()).await?;
    Ok(VisitsPage {
        l: Layout::new(ctx, "page.checkins.title"),
        visits: list.iter().map(|v| visit_row(ctx, v)).collect(),
        errors,
    })
}

async fn visits_page(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    Ok(html(&visits_view(&s, &ctx, vec![]).await?))
}

/// Where a result form came from: the board (`back=incident`) or the visits page.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct Back {
    back: String,
}

async fn record(
    State(s): State<AppState>,
    ctx: Ctx,
    Id(id): Id<CheckinId>,
    PageForm(f): PageForm<ResultForm>,
) -> PageResult {
    let t = ctx.t();
    match emergency::record(&s.db, &ctx.actor, s.now(), id, &f).await {
        Ok(c) => {
            let mut flash =
                Flash::success(t.t(&format!("flash.checkin.{}", c.result().map(|r| r.code()).unwrap_or("safe"))));
            if let Some(n) = c.need_id {
                flash = flash.link(format!("/needs/{n}"), t.t("flash.see_need"));
            }
            Ok(redirect("/checkins", flash))
        }
        Err(err @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let (status, msgs) = crate::shell::error::form_problems(&err, t);
            Ok((status, html(&visits_view(&s, &ctx, msgs).await?)).into_response())
        }
        Err(err) => Err(WebError::page(err, t)),
    }
}

async fn decline(
    State(s): State<AppState>,
    ctx: Ctx,
    Id(id): Id<CheckinId>,
    PageForm(_b): PageForm<Back>,
) -> PageResult {
    let t = ctx.t();
    match emergency::decline(&s.db, &ctx.actor, s.now(), id).await {
        Ok(_) => Ok(redirect("/checkins", Flash::success(t.t("flash.checkin.declined")))),
        Err(err @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let (status, msgs) = crate::shell::error::form_problems(&err, t);
            Ok((status, html(&visits_view(&s, &ctx, msgs).await?)).into_response())
        }
        Err(err) => Err(WebError::page(err, t)),
    }
}
