//! A community's need categories and working-hours calendar, for its admins.

use super::forms::{CalendarPageForm, CategoryPageForm};
use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::error::PageResult;
use crate::shell::error::WebError;
use crate::shell::extract::PageForm;
use crate::shell::layout::Layout;
use crate::shell::layout::html;
use crate::shell::scope::community_of;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use wushe_app::needs::{self};
use wushe_app::{AppError, areas};
use wushe_domain::access::Action;

pub struct CalendarView {
    start_hour: u32,
    end_hour: u32,
    workdays: Vec<(usize, String, bool)>,
    holidays: String,
    extra_workdays: String,
}

pub struct CategoryRow {
    id: i64,
    code: String,
    name_zh: String,
    name_en: String,
    respond_hours: i64,
    resolve_hours: i64,
    active: bool,
}

#[derive(Template)]
#[template(path = "need_categories.html")]
struct CategoriesPage {
    l: Layout,
    code: String,
    rows: Vec<CategoryRow>,
    calendar: CalendarView,
    errors: Vec<crate::shell::error::FormError>,
}

/// The community a committee configures; a community reached only in part reads as missing.
async fn configured_community(s: &AppState, ctx: &Ctx, code: &str) -> Result<areas::Area, AppError> {
    let area = areas::visible(&s.db, &ctx.actor, Action::AreaWrite, code).await?;
    let community = community_of(s, &area).await?;
    if !ctx.actor.can(Action::AreaWrite, Some(&community.path)) {
        return Err(AppError::NotFound);
    }
    Ok(community)
}

async fn categories_view(
    s: &AppState,
    ctx: &Ctx,
    community: &areas::Area,
    errors: Vec<crate::shell::error::FormError>,
) -> Result<CategoriesPage, AppError> {
    let rows = needs::categories(&s.db, community.id)
        .await?
        .into_iter()
        .map(|c| CategoryRow {
            id: c.id,
            code: c.code,
            name_zh: c.name_zh,
            name_en: c.name_en,
            respond_hours: c.respond_hours,
            resolve_hours: c.resolve_hours,
            active: c.active,
        })
        .collect();
    let t = ctx.t();
    let cal = needs::calendar_for(&s.db, community.id).await?;
    let calendar = CalendarView {
        start_hour: cal.start_hour,
        end_hour: cal.end_hour,
        workdays: (0..7).map(|i| (i, t.t(&format!("weekday.{i}")).to_string(), cal.workdays[i])).collect(),
        holidays: needs::calendar_dates(&cal.holidays),
        extra_workdays: needs::calendar_dates(&cal.extra_workdays),
    };
    Ok(CategoriesPage {
        l: Layout::new(ctx, "page.categories.title"),
        code: community.code.clone(),
        rows,
        calendar,
        errors,
    })
}

pub(crate) async fn categories_page(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> PageResult {
    let c = configured_community(&s, &ctx, &code).await?;
    Ok(html(&categories_view(&s, &ctx, &c, vec![]).await?))
}

async fn after_category(s: &AppState, ctx: &Ctx, c: &areas::Area, r: Result<(), AppError>) -> PageResult {
    let t = ctx.t();
    let e = |e| WebError::page(e, t);
    match r {
        Ok(()) => Ok(crate::shell::flash::redirect(
            &format!("/communities/{}/needs/categories", c.code),
            crate::shell::flash::Flash::success(t.t("flash.categories.saved")),
        )),
        Err(err @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let msgs = crate::shell::error::form_errors(&err, t);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&categories_view(s, ctx, c, msgs).await?)).into_response())
        }
        Err(err) => Err(e(err)),
    }
}

pub(crate) async fn add_category(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(f): PageForm<CategoryPageForm>,
) -> PageResult {
    let c = configured_community(&s, &ctx, &code).await?;
    let f = f.into_form();
    let r = needs::add_category(&s.db, &ctx.actor, s.now(), &c, &f).await.map(|_| ());
    after_category(&s, &ctx, &c, r).await
}

pub(crate) async fn set_calendar(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(f): PageForm<CalendarPageForm>,
) -> PageResult {
    let c = configured_community(&s, &ctx, &code).await?;
    let f = f.into_form();
    let r = needs::set_calendar(&s.db, &ctx.actor, s.now(), &c, &f).await.map(|_| ());
    after_category(&s, &ctx, &c, r).await
}

pub(crate) async fn update_category(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((code, id)): Path<(String, String)>,
    PageForm(f): PageForm<CategoryPageForm>,
) -> PageResult {
    let t = ctx.t();
    let c = configured_community(&s, &ctx, &code).await?;
    let id = id.parse::<i64>().map_err(|_| WebError::page(AppError::NotFound, t))?;
    let f = f.into_form();
    let r = needs::update_category(&s.db, &ctx.actor, s.now(), &c, id, &f).await;
    after_category(&s, &ctx, &c, r).await
}
