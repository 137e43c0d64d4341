//! E2 for a street officer: the street's communities with their mode, and one declaration for
//! several of them at once (each gets its own incident on its own plan, in one batch).

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
use wushe_app::emergency::{self, DeclareForm};
use wushe_app::{AppError, areas};
use wushe_domain::access::Action;
use wushe_domain::areas::AreaKind;

pub fn routes(r: &mut Registry) {
    r.page(Method::GET, "/streets/{code}/emergency", Action::EmergencyDeclare, page);
    r.page(Method::POST, "/streets/{code}/emergency", Action::EmergencyDeclare, declare);
}

/// A community of the street with its active incidents: (id, title, drill, reached, total,
/// not reached or waiting).
pub struct CommunityMode {
    pub code: String,
    pub name: String,
    pub active: Vec<(i64, String, bool, i64, i64, i64)>,
}

#[derive(Template)]
#[template(path = "street_emergency.html")]
struct StreetPage {
    l: Layout,
    code: String,
    communities: Vec<CommunityMode>,
    hazards: Vec<(&'static str, String)>,
    severities: Vec<(&'static str, String)>,
    errors: Vec<FormError>,
}

async fn communities(s: &AppState, ctx: &Ctx, code: &str) -> Result<(areas::Area, Vec<areas::Area>), AppError> {
    let street = areas::visible(&s.db, &ctx.actor, Action::EmergencyDeclare, code).await?;
    // For people whose grants cover the whole street; a community's admin declares at home.
    if street.kind != AreaKind::Street || !ctx.actor.can(Action::EmergencyDeclare, Some(&street.path)) {
        return Err(AppError::NotFound);
    }
    let list = areas::divisions(&s.db, &street)
        .await?
        .into_iter()
        .map(|d| d.area)
        .filter(|a| a.kind == AreaKind::Community)
        .collect();
    Ok((street, list))
}

async fn view(s: &AppState, ctx: &Ctx, code: &str, errors: Vec<FormError>) -> Result<StreetPage, AppError> {
    let t = ctx.t();
    let (street, list) = communities(s, ctx, code).await?;
    let board = emergency::street_board(&s.db, &ctx.actor, &street).await?;
    let out = list
        .into_iter()
        .map(|c| {
            let active = board
                .iter()
                .filter(|l| l.incident.community_id == c.id)
                .map(|l| {
                    let p = &l.progress;
                    (
                        l.incident.id.get(),
                        l.incident.title.clone(),
                        l.incident.is_drill(),
                        p.reached(),
                        p.total,
                        p.total - p.reached(),
                    )
                })
                .collect();
            CommunityMode { code: c.code, name: c.name, active }
        })
        .collect();
    Ok(StreetPage {
        l: Layout::with_title(ctx, t.f("page.emergency.title", &[&street.name])),
        code: street.code,
        communities: out,
        hazards: super::pages::hazard_choices(t),
        severities: super::pages::severity_choices(t),
        errors,
    })
}

async fn page(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> PageResult {
    Ok(html(&view(&s, &ctx, &code, vec![]).await?))
}

async fn declare(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(f): PageForm<DeclareForm>,
) -> PageResult {
    let t = ctx.t();
    let (_, list) = communities(&s, &ctx, &code).await?;
    let chosen: Vec<areas::Area> =
        list.into_iter().filter(|c| f.communities.iter().any(|x| x.trim() == c.code)).collect();
    let r = if chosen.len() != f.communities.iter().filter(|c| !c.trim().is_empty()).count() {
        Err(AppError::Invalid(wushe_domain::FieldError::new("communities", "errors.area.unknown").into()))
    } else {
        emergency::declare(&s.db, &ctx.actor, s.now(), &chosen, &f).await
    };
    match r {
        Ok(out) => {
            let n = out.iter().map(|d| d.checkins).sum::<usize>();
            let sent = out.iter().map(|d| d.dispatched.assigned).sum::<usize>();
            let told = out.iter().map(|d| d.alerted).sum::<usize>();
            let text = t.f("flash.emergency.declared_street", &[&out.len(), &n, &sent, &told]);
            Ok(redirect(&format!("/streets/{code}/emergency"), Flash::success(text)))
        }
        Err(err @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let (status, msgs) = crate::shell::error::form_problems(&err, t);
            Ok((status, html(&view(&s, &ctx, &code, msgs).await?)).into_response())
        }
        Err(err) => Err(WebError::page(err, t)),
    }
}
