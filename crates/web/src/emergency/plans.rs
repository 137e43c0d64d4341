//! E1 — writing a community's plan for one hazard: duties and who holds them, the volunteer
//! groups to call out, supplies to prepare, the check-in rules and the alert's words.

use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::error::{FormError, PageResult, WebError};
use crate::shell::extract::PageForm;
use crate::shell::flash::{Flash, redirect};
use crate::shell::layout::{Layout, html};
use crate::shell::registry::Registry;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::IntoResponse;
use wushe_app::AppError;
use wushe_app::emergency::{self, PlanForm};
use wushe_domain::access::Action;
use wushe_domain::emergency::{CheckinRules, Hazard};
use wushe_domain::people::Vulnerability;

pub fn routes(r: &mut Registry) {
    r.page(Method::GET, "/communities/{code}/emergency/plans/{hazard}", Action::EmergencyPlan, form_page);
    r.page(Method::POST, "/communities/{code}/emergency/plans/{hazard}", Action::EmergencyPlan, save);
}

#[derive(Template)]
#[template(path = "plan_form.html")]
struct PlanPage {
    l: Layout,
    code: String,
    hazard: String,
    f: PlanForm,
    groups: Vec<(String, String, bool)>,
    flags: Vec<(&'static str, String, bool)>,
    errors: Vec<FormError>,
}

async fn view(
    s: &AppState,
    ctx: &Ctx,
    code: &str,
    hazard: &str,
    f: Option<PlanForm>,
    errors: Vec<FormError>,
) -> Result<PlanPage, AppError> {
    let t = ctx.t();
    let community = emergency::community(&s.db, &ctx.actor, Action::EmergencyPlan, code).await?;
    ctx.actor.require(Action::EmergencyPlan, Some(&community.path))?;
    let hazard = Hazard::parse(hazard).map_err(|_| AppError::NotFound)?;
    let f = match f {
        Some(f) => f,
        None => match emergency::plan_for(&s.db, community.id, hazard).await? {
            Some(p) => PlanForm {
                hazard: hazard.code().into(),
                title: p.title.clone(),
                roles: p.roles.clone(),
                groups: p.groups().iter().map(|g| g.to_string()).collect(),
                supplies: p.supplies.clone(),
                flags: p.rules().flags.iter().map(|v| v.code().to_string()).collect(),
                every_hours: p.checkin_every_hours.to_string(),
                within_minutes: p.checkin_within_minutes.to_string(),
                per_volunteer: p.per_volunteer.to_string(),
                per_grid_worker: p.per_grid_worker.to_string(),
                headline_zh: p.headline_zh.clone(),
                headline_en: p.headline_en.clone(),
                instruction_zh: p.instruction_zh.clone(),
                instruction_en: p.instruction_en.clone(),
                version: p.version.to_string(),
            },
            None => {
                let d = CheckinRules::default();
                PlanForm {
                    hazard: hazard.code().into(),
                    every_hours: d.every_hours.to_string(),
                    within_minutes: d.within_minutes.to_string(),
                    per_volunteer: d.per_volunteer.to_string(),
                    per_grid_worker: d.per_grid_worker.to_string(),
                    ..PlanForm::default()
                }
            }
        },
    };
    let groups = wushe_app::volunteers::groups(&s.db, community.id)
        .await?
        .into_iter()
        .map(|(g, _, _)| {
            let id = g.id.to_string();
            let on = f.groups.contains(&id);
            (id, g.name, on)
        })
        .collect();
    let flags = Vulnerability::ALL
        .iter()
        .map(|v| (v.code(), t.t(&format!("vul.{}", v.code())).to_string(), f.flags.iter().any(|x| x == v.code())))
        .collect();
    let name = t.t(&format!("hazard.{}", hazard.code())).to_string();
    Ok(PlanPage {
        l: Layout::with_title(ctx, t.f("page.plan.title", &[&name])),
        code: community.code,
        hazard: hazard.code().into(),
        f,
        groups,
        flags,
        errors,
    })
}

async fn form_page(State(s): State<AppState>, ctx: Ctx, Path((code, hazard)): Path<(String, String)>) -> PageResult {
    Ok(html(&view(&s, &ctx, &code, &hazard, None, vec![]).await?))
}

async fn save(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((code, hazard)): Path<(String, String)>,
    PageForm(mut f): PageForm<PlanForm>,
) -> PageResult {
    let t = ctx.t();
    f.hazard = hazard.clone();
    let community = emergency::community(&s.db, &ctx.actor, Action::EmergencyPlan, &code).await?;
    match emergency::save_plan(&s.db, &ctx.actor, s.now(), &community, &f).await {
        Ok(_) => Ok(redirect(&format!("/communities/{code}/emergency"), Flash::success(t.t("flash.plan.saved")))),
        Err(err @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let (status, msgs) = crate::shell::error::form_problems(&err, t);
            Ok((status, html(&view(&s, &ctx, &code, &hazard, Some(f), msgs).await?)).into_response())
        }
        Err(err) => Err(WebError::page(err, t)),
    }
}
