//! N1–N5 pages: the staff ledger, intake forms (resident, grid worker visit, hotline, walk-in,
//! joint meeting), a need with its timeline and next steps, whistle-and-report, a resident's
//! own needs, an assignee's tasks, and the metrics page.

use crate::shell::AppState;
use crate::shell::ctx::{Ctx, url_form_pairs};
use crate::shell::error::{WebError, field_problems};
use crate::shell::files::{download, read_form};
use crate::shell::i18n::{Lang, T};
use crate::shell::i18n::{en_label, zh_label};
use crate::shell::layout::html;
use crate::shell::layout::{Layout, local_time};
use crate::shell::registry::Registry;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use wushe_app::needs::metrics::{self as needs_metrics, Figures, Month};
use wushe_app::needs::{self, Category, Filter, Need, NeedForm, Relation, Step};
use wushe_app::{AppError, areas, organizations};
use wushe_domain::access::{Action, Decision, Role};
use wushe_domain::areas::AreaKind;
use wushe_domain::needs::{Channel, EventKind, NeedStatus, note_required};

pub fn routes(r: &mut Registry) {
    r.page(Method::GET, "/communities/{code}/needs", Action::NeedRead, ledger);
    r.page(Method::GET, "/communities/{code}/needs/new", Action::NeedRecord, record_form);
    r.page(Method::POST, "/communities/{code}/needs/bulk-assign", Action::NeedManage, bulk_assign);
    r.page(Method::GET, "/communities/{code}/needs/categories", Action::AreaWrite, categories_page);
    r.page(Method::POST, "/communities/{code}/needs/categories", Action::AreaWrite, add_category);
    r.page(Method::POST, "/communities/{code}/needs/categories/{id}", Action::AreaWrite, update_category);
    r.page(Method::POST, "/communities/{code}/needs/calendar", Action::AreaWrite, set_calendar);
    r.page(Method::POST, "/communities/{code}/needs/views", Action::NeedRead, save_view);
    r.page(Method::POST, "/communities/{code}/needs/views/{id}/delete", Action::NeedRead, delete_view);
    r.upload(crate::shell::route::Kind::Page, Method::POST, "/communities/{code}/needs", Action::NeedRecord, record);
    r.page(Method::GET, "/communities/{code}/needs/metrics", Action::NeedMetricsRead, metrics);
    r.page(Method::GET, "/needs/{id}", Action::OwnAccount, show);
    r.page(Method::POST, "/needs/{id}/step", Action::OwnAccount, step);
    r.page(Method::POST, "/needs/{id}/whistle", Action::NeedManage, whistle);
    r.page(Method::POST, "/needs/{id}/report", Action::NeedWork, report);
    r.page(Method::POST, "/needs/{id}/group", Action::NeedManage, group);
    r.upload(crate::shell::route::Kind::Page, Method::POST, "/needs/{id}/photos", Action::OwnAccount, add_photo);
    r.page(Method::GET, "/needs/{id}/photos/{photo}", Action::OwnAccount, photo);
    r.page(Method::GET, "/my/needs", Action::NeedOwn, my_needs);
    r.page(Method::GET, "/my/needs/new", Action::NeedOwn, own_form);
    r.upload(crate::shell::route::Kind::Page, Method::POST, "/my/needs", Action::NeedOwn, submit_own);
    r.page(Method::GET, "/my/tasks", Action::NeedWork, my_tasks);
    r.page(Method::GET, "/communities/{code}/needs/export.csv", Action::NeedRead, export_csv);
    r.page(Method::GET, "/communities/{code}/needs/export.xlsx", Action::NeedRead, export_xlsx);
    r.page(Method::GET, "/communities/{code}/needs/import", Action::NeedManage, import_form);
    r.upload(
        crate::shell::route::Kind::Page,
        Method::POST,
        "/communities/{code}/needs/import",
        Action::NeedManage,
        import,
    );
}

/// The ledger rows matching the page's filters, for export (at most 100,000).
pub async fn export_table(
    s: &AppState,
    ctx: &Ctx,
    code: &str,
    q: &LedgerQuery,
) -> Result<wushe_app::needs::ledger::Table, AppError> {
    let area = areas::visible(&s.db, &ctx.actor, Action::NeedRead, code).await?;
    let cats = needs::categories(&s.db, area.community_id.unwrap_or(area.id)).await?;
    let f = filter_from(q, &cats, 100_000)?;
    let (list, _) = needs::ledger(&s.db, &ctx.actor, &area, &f).await?;
    wushe_app::needs::ledger::table(&s.db, &list, &zh_label).await
}

async fn export_csv(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<LedgerQuery>,
) -> Result<Response, WebError> {
    let t = ctx.t();
    let table = export_table(&s, &ctx, &code, &q).await.map_err(|e| WebError::page(e, t))?;
    let bytes = wushe_app::sheets::to_csv(&table).map_err(|e| WebError::page(e, t))?;
    Ok(download(bytes, "text/csv; charset=utf-8", &format!("需求台账-{code}.csv")))
}

async fn export_xlsx(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<LedgerQuery>,
) -> Result<Response, WebError> {
    let t = ctx.t();
    let table = export_table(&s, &ctx, &code, &q).await.map_err(|e| WebError::page(e, t))?;
    let bytes = tokio::task::spawn_blocking(move || wushe_app::needs::ledger::to_xlsx(&table))
        .await
        .map_err(|e| WebError::page(AppError::Internal(e.to_string()), t))?
        .map_err(|e| WebError::page(e, t))?;
    Ok(download(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("需求台账-{code}.xlsx"),
    ))
}

#[derive(Template)]
#[template(path = "needs_import.html")]
struct ImportPage {
    l: Layout,
    code: String,
    columns: Vec<(&'static str, &'static str)>,
    result: Option<String>,
    errors: Vec<(String, String, String)>,
}

fn import_page(
    ctx: &Ctx,
    community: &areas::Area,
    result: Option<String>,
    errors: Vec<(String, String, String)>,
) -> ImportPage {
    ImportPage {
        l: Layout::new(ctx, "page.import.title", Some(community.code.clone())),
        code: community.code.clone(),
        columns: wushe_app::needs::ledger::COLUMNS.iter().filter(|c| c.0 != "area_name").map(|c| (c.0, c.1)).collect(),
        result,
        errors,
    }
}

async fn import_form(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> Result<Response, WebError> {
    let t = ctx.t();
    let c = managed_community(&s, &ctx, &code).await.map_err(|e| WebError::page(e, t))?;
    Ok(html(&import_page(&ctx, &c, None, vec![])))
}

/// Reads, checks and imports an uploaded ledger; shows each bad cell, or how many were added.
pub async fn run_import(
    s: &AppState,
    ctx: &Ctx,
    community: &areas::Area,
    bytes: &[u8],
    mapping: &std::collections::HashMap<String, String>,
) -> Result<wushe_app::sheets::Imported, wushe_app::sheets::ImportError> {
    let table = wushe_app::sheets::parse(bytes.to_vec(), s.sheet_limits).await?;
    let labels: [wushe_app::needs::ledger::Labels; 2] = [&zh_label, &en_label];
    let up = wushe_app::needs::ledger::Upload { table: &table, mapping, labels: &labels };
    let cal = needs::calendar_for(&s.db, community.id).await?;
    wushe_app::needs::ledger::import(&s.db, &ctx.actor, s.now(), &cal, community, up).await
}

async fn import(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    mut mp: axum::extract::Multipart,
) -> Result<Response, WebError> {
    let t = ctx.t();
    let e = |e| WebError::page(e, t);
    let c = managed_community(&s, &ctx, &code).await.map_err(e)?;
    let mut bytes = Vec::new();
    let mut mapping = std::collections::HashMap::new();
    while let Ok(Some(field)) = mp.next_field().await {
        let name = field.name().unwrap_or("").to_string();
        let data = field
            .bytes()
            .await
            .map_err(|_| e(wushe_domain::FieldError::new("file", "errors.import.unreadable").into()))?;
        if name == "file" {
            bytes = data.to_vec();
        } else if let Some(f) = name.strip_prefix("map_") {
            mapping.insert(f.to_string(), String::from_utf8_lossy(&data).trim().to_string());
        }
    }
    match run_import(&s, &ctx, &c, &bytes, &mapping).await {
        Ok(n) => Ok(html(&import_page(&ctx, &c, Some(t.f("page.import.done", &[&n.added, &n.skipped])), vec![]))),
        Err(err) => {
            let list = crate::shell::uploads::page_lines(err, t).map_err(e)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&import_page(&ctx, &c, None, list))).into_response())
        }
    }
}

pub fn status_label(s: NeedStatus, t: T) -> String {
    t.t(&format!("status.{}", s.code())).to_string()
}

pub fn category_name(c: &Category, t: T) -> String {
    if t.0 == Lang::En { c.name_en.clone() } else { c.name_zh.clone() }
}

pub struct NeedRow {
    pub id: i64,
    pub version: i64,
    pub title: String,
    pub category: String,
    pub area: String,
    pub status: String,
    pub overdue: bool,
    pub urgent: bool,
    pub created: String,
    pub due: String,
}

async fn rows(s: &AppState, t: T, list: &[Need], cats: &[Category]) -> Result<Vec<NeedRow>, AppError> {
    let places = areas::by_ids(&s.db, &list.iter().map(|n| n.area_id).collect::<Vec<_>>()).await?;
    let mut out = Vec::with_capacity(list.len());
    for n in list {
        let area = places.get(&n.area_id).cloned().ok_or(AppError::NotFound)?;
        out.push(NeedRow {
            id: n.id,
            version: n.version,
            title: n.title.clone(),
            category: cats.iter().find(|c| c.id == n.category_id).map(|c| category_name(c, t)).unwrap_or_default(),
            area: area.name,
            status: status_label(n.status, t),
            overdue: n.overdue > 0 && n.status.is_open(),
            urgent: n.urgency == wushe_domain::needs::Urgency::Urgent,
            created: local_time(n.created_at),
            due: local_time(n.resolve_due),
        });
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "needs_ledger.html")]
struct LedgerPage {
    l: Layout,
    code: String,
    status: String,
    category: String,
    overdue: bool,
    status_options: Vec<(&'static str, String)>,
    category_options: Vec<(String, String)>,
    total_label: String,
    rows: Vec<NeedRow>,
    prev: Option<String>,
    next: Option<String>,
    can_record: bool,
    can_manage: bool,
    can_configure: bool,
    assignee_options: Vec<(String, String)>,
    /// (id, query, name) of the person's saved views.
    views: Vec<(i64, String, String)>,
    notices: Vec<String>,
}

#[derive(Deserialize, Default)]
pub struct LedgerQuery {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub overdue: String,
    #[serde(default)]
    pub page: Option<String>,
}

/// Parses ledger filters shared by the page, the API and exports.
pub fn filter_from(q: &LedgerQuery, cats: &[Category], limit: i64) -> Result<Filter, AppError> {
    let mut f = Filter { limit, ..Default::default() };
    match q.status.trim() {
        "" => {}
        "open" => f.open_only = true,
        s => f.statuses = vec![NeedStatus::parse(s)?],
    }
    if !q.category.trim().is_empty() {
        f.category_id = Some(
            cats.iter()
                .find(|c| c.code == q.category.trim())
                .map(|c| c.id)
                .ok_or(wushe_domain::FieldError::new("category", "errors.category.unknown"))?,
        );
    }
    f.overdue_only = q.overdue == "1" || q.overdue == "true";
    let page: i64 = q.page.as_deref().unwrap_or("1").parse::<i64>().unwrap_or(1).clamp(1, 1_000_000);
    f.offset = (page - 1) * limit;
    Ok(f)
}

async fn ledger(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<LedgerQuery>,
) -> Result<Response, WebError> {
    let t = ctx.t();
    Ok(html(&ledger_page(&s, &ctx, &code, &q, vec![]).await.map_err(|e| WebError::page(e, t))?))
}

async fn ledger_page(
    s: &AppState,
    ctx: &Ctx,
    code: &str,
    q: &LedgerQuery,
    notices: Vec<String>,
) -> Result<LedgerPage, AppError> {
    let t = ctx.t();
    let area = areas::visible(&s.db, &ctx.actor, Action::NeedRead, code).await?;
    let community_id = area.community_id.ok_or(AppError::NotFound)?;
    let cats = needs::categories(&s.db, community_id).await?;
    let f = filter_from(q, &cats, 50)?;
    let (list, total) = needs::ledger(&s.db, &ctx.actor, &area, &f).await?;
    let page = f.offset / 50 + 1;
    let link = |p: i64| {
        format!("/communities/{code}/needs?status={}&category={}&overdue={}&page={p}", q.status, q.category, q.overdue)
    };
    let community = areas::by_id(&s.db, community_id).await?;
    let rows = rows(s, t, &list, &cats).await?;
    let can_manage = ctx.actor.grants.decide(Action::NeedManage, Some(&area.path)) == Decision::Allow;
    let assignee_options = if can_manage { assignee_choices(s, &community).await? } else { vec![] };
    let views =
        needs::views(&s.db, &ctx.actor, &community).await?.into_iter().map(|v| (v.id, v.query, v.name)).collect();
    Ok(LedgerPage {
        l: Layout::new(ctx, "page.needs.ledger", Some(community.code.clone())),
        code: area.code.clone(),
        status: q.status.clone(),
        category: q.category.clone(),
        overdue: f.overdue_only,
        status_options: NeedStatus::ALL.iter().map(|x| (x.code(), status_label(*x, t))).collect(),
        category_options: cats.iter().map(|c| (c.code.clone(), category_name(c, t))).collect(),
        total_label: t.f("page.needs.total", &[&total]),
        rows,
        prev: (page > 1).then(|| link(page - 1)),
        next: (page * 50 < total).then(|| link(page + 1)),
        can_record: ctx.actor.grants.decide(Action::NeedRecord, Some(&area.path)) == Decision::Allow,
        can_manage,
        can_configure: ctx.actor.grants.decide(Action::AreaWrite, Some(&community.path)) == Decision::Allow,
        assignee_options,
        views,
        notices,
    })
}

/// Who a need of this community can be assigned to: its organizations, its street's
/// departments, and its staff.
async fn assignee_choices(s: &AppState, community: &areas::Area) -> Result<Vec<(String, String)>, AppError> {
    let orgs = organizations::in_area(&s.db, &wushe_app::Actor::operator(), community).await?;
    let street_orgs = match community.parent_id {
        Some(p) => {
            let street = areas::by_id(&s.db, p).await?;
            wushe_app::directory::browse(&s.db, &street.path, 500)
                .await?
                .into_iter()
                .filter(|o| o.area_id == street.id)
                .collect::<Vec<_>>()
        }
        None => vec![],
    };
    let mut out: Vec<(String, String)> = orgs
        .iter()
        .chain(street_orgs.iter())
        .filter(|o| !matches!(o.kind, wushe_domain::organizations::OrganizationKind::PartyGroup))
        .map(|o| (format!("org:{}", o.id), o.name.clone()))
        .collect();
    out.extend(
        wushe_app::accounts::users_in(&s.db, &community.path)
            .await?
            .into_iter()
            .map(|(id, name)| (format!("user:{id}"), name)),
    );
    Ok(out)
}

async fn bulk_assign(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let t = ctx.t();
    let e = |e| WebError::page(e, t);
    let pairs = url_form_pairs(&body);
    let items: Vec<(i64, i64)> = pairs
        .iter()
        .filter(|(k, _)| k == "needs")
        .filter_map(|(_, v)| v.split_once(':').and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?))))
        .collect();
    let assignee = pairs.iter().find(|(k, _)| k == "assignee").map(|(_, v)| v.clone()).unwrap_or_default();
    let q = LedgerQuery::default();
    if items.is_empty() {
        let page = ledger_page(&s, &ctx, &code, &q, vec![t.t("errors.bulk.none").to_string()]).await.map_err(e)?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response());
    }
    let assignee = needs::Assignee::parse(&assignee).map_err(|x| e(x.into()))?;
    let results = needs::bulk_assign(&s.db, &ctx.actor, s.now(), &items, assignee).await;
    let done = results.iter().filter(|(_, r)| r.is_ok()).count();
    let mut notices = vec![t.f("page.needs.bulk_done", &[&done])];
    for (id, r) in results {
        if let Err(err) = r {
            let why = match &err {
                AppError::Invalid(_) | AppError::Conflict(_) => {
                    field_problems(&err, t).into_iter().map(|f| f.message).collect::<Vec<_>>().join("；")
                }
                other => t.t(crate::shell::error::classify(other).2).to_string(),
            };
            notices.push(t.f("page.needs.bulk_failed", &[&id, &why]));
        }
    }
    Ok(html(&ledger_page(&s, &ctx, &code, &q, notices).await.map_err(e)?))
}

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
    errors: Vec<String>,
}

/// The community a committee configures; a community reached only in part reads as missing.
async fn configured_community(s: &AppState, ctx: &Ctx, code: &str) -> Result<areas::Area, AppError> {
    let area = areas::visible(&s.db, &ctx.actor, Action::AreaWrite, code).await?;
    let community = community_of(s, &area).await?;
    if ctx.actor.grants.decide(Action::AreaWrite, Some(&community.path)) != Decision::Allow {
        return Err(AppError::NotFound);
    }
    Ok(community)
}

async fn categories_view(
    s: &AppState,
    ctx: &Ctx,
    community: &areas::Area,
    errors: Vec<String>,
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
        l: Layout::new(ctx, "page.categories.title", Some(community.code.clone())),
        code: community.code.clone(),
        rows,
        calendar,
        errors,
    })
}

async fn categories_page(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> Result<Response, WebError> {
    let t = ctx.t();
    let e = |e| WebError::page(e, t);
    let c = configured_community(&s, &ctx, &code).await.map_err(e)?;
    Ok(html(&categories_view(&s, &ctx, &c, vec![]).await.map_err(e)?))
}

fn category_form(pairs: &[(String, String)]) -> needs::CategoryForm {
    let get = |k: &str| pairs.iter().find(|(x, _)| x == k).map(|(_, v)| v.clone()).unwrap_or_default();
    needs::CategoryForm {
        code: get("code"),
        name_zh: get("name_zh"),
        name_en: get("name_en"),
        respond_hours: get("respond_hours"),
        resolve_hours: get("resolve_hours"),
        active: get("active") == "1",
    }
}

async fn after_category(
    s: &AppState,
    ctx: &Ctx,
    c: &areas::Area,
    r: Result<(), AppError>,
) -> Result<Response, WebError> {
    let t = ctx.t();
    let e = |e| WebError::page(e, t);
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/communities/{}/needs/categories", c.code)).into_response()),
        Err(err @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let msgs = field_problems(&err, t).into_iter().map(|f| f.message).collect();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&categories_view(s, ctx, c, msgs).await.map_err(e)?))
                .into_response())
        }
        Err(err) => Err(e(err)),
    }
}

async fn add_category(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let t = ctx.t();
    let c = configured_community(&s, &ctx, &code).await.map_err(|e| WebError::page(e, t))?;
    let f = category_form(&url_form_pairs(&body));
    let r = needs::add_category(&s.db, &ctx.actor, s.now(), &c, &f).await.map(|_| ());
    after_category(&s, &ctx, &c, r).await
}

/// Reads the calendar form: hours, the seven weekday boxes, dates one per line.
pub fn calendar_form(pairs: &[(String, String)]) -> needs::CalendarForm {
    let get = |k: &str| pairs.iter().find(|(x, _)| x == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let mut workdays = [false; 7];
    for (_, v) in pairs.iter().filter(|(k, _)| k == "workday") {
        if let Ok(i) = v.parse::<usize>()
            && i < 7
        {
            workdays[i] = true;
        }
    }
    needs::CalendarForm {
        start_hour: get("start_hour"),
        end_hour: get("end_hour"),
        workdays,
        holidays: get("holidays"),
        extra_workdays: get("extra_workdays"),
    }
}

async fn set_calendar(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let t = ctx.t();
    let c = configured_community(&s, &ctx, &code).await.map_err(|e| WebError::page(e, t))?;
    let f = calendar_form(&url_form_pairs(&body));
    let r = needs::set_calendar(&s.db, &ctx.actor, s.now(), &c, &f).await.map(|_| ());
    after_category(&s, &ctx, &c, r).await
}

async fn update_category(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((code, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, WebError> {
    let t = ctx.t();
    let c = configured_community(&s, &ctx, &code).await.map_err(|e| WebError::page(e, t))?;
    let id = id.parse::<i64>().map_err(|_| WebError::page(AppError::NotFound, t))?;
    let f = category_form(&url_form_pairs(&body));
    let r = needs::update_category(&s.db, &ctx.actor, s.now(), &c, id, &f).await;
    after_category(&s, &ctx, &c, r).await
}

async fn save_view(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let t = ctx.t();
    let e = |e| WebError::page(e, t);
    let pairs = url_form_pairs(&body);
    let get = |k: &str| pairs.iter().find(|(x, _)| x == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let area = areas::visible(&s.db, &ctx.actor, Action::NeedRead, &code).await.map_err(e)?;
    let community = community_of(&s, &area).await.map_err(e)?;
    match needs::save_view(&s.db, &ctx.actor, s.now(), &community, &get("name"), &get("query")).await {
        Ok(v) => Ok(Redirect::to(&format!("/communities/{code}/needs?{}", v.query)).into_response()),
        Err(err @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let msgs = field_problems(&err, t).into_iter().map(|f| f.message).collect();
            let page = ledger_page(&s, &ctx, &code, &LedgerQuery::default(), msgs).await.map_err(e)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response())
        }
        Err(err) => Err(e(err)),
    }
}

async fn delete_view(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((code, id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let t = ctx.t();
    let e = |e| WebError::page(e, t);
    let id = id.parse::<i64>().map_err(|_| e(AppError::NotFound))?;
    needs::delete_view(&s.db, &ctx.actor, s.now(), id).await.map_err(e)?;
    Ok(Redirect::to(&format!("/communities/{code}/needs")).into_response())
}

pub struct FormValues {
    channel: String,
    household_code: String,
    area_code: String,
    category: String,
    title: String,
    description: String,
    urgency: String,
    scope: String,
    contact_phone: String,
}

#[derive(Template)]
#[template(path = "need_form.html")]
struct FormPage {
    l: Layout,
    action: String,
    staff: bool,
    f: FormValues,
    channel_options: Vec<(&'static str, String)>,
    category_options: Vec<(String, String)>,
    errors: Vec<String>,
}

fn need_form_from(pairs: Vec<(String, String)>) -> NeedForm {
    let mut f = NeedForm::default();
    for (k, v) in pairs {
        match k.as_str() {
            "area_code" => f.area_code = v,
            "household_code" => f.household_code = v,
            "category" => f.category = v,
            "title" => f.title = v,
            "description" => f.description = v,
            "urgency" => f.urgency = v,
            "scope" => f.scope = v,
            "channel" => f.channel = v,
            "contact_phone" => f.contact_phone = v,
            _ => {}
        }
    }
    f
}

async fn form_page(
    s: &AppState,
    ctx: &Ctx,
    community: &areas::Area,
    staff: bool,
    f: &NeedForm,
    errors: Vec<String>,
) -> Result<FormPage, AppError> {
    let t = ctx.t();
    let cats = needs::active_categories(&s.db, community.id).await?;
    let staff_channels = [Channel::Visit, Channel::Hotline, Channel::WalkIn, Channel::JointMeeting];
    Ok(FormPage {
        l: Layout::new(
            ctx,
            if staff { "page.needs.record" } else { "page.needs.new_own" },
            Some(community.code.clone()),
        ),
        action: if staff { format!("/communities/{}/needs", community.code) } else { "/my/needs".to_string() },
        staff,
        f: FormValues {
            channel: if f.channel.is_empty() { "visit".into() } else { f.channel.clone() },
            household_code: f.household_code.clone(),
            area_code: f.area_code.clone(),
            category: f.category.clone(),
            title: f.title.clone(),
            description: f.description.clone(),
            urgency: f.urgency.clone(),
            scope: f.scope.clone(),
            contact_phone: f.contact_phone.clone(),
        },
        channel_options: staff_channels
            .iter()
            .map(|c| (c.code(), t.t(&format!("channel.{}", c.code())).to_string()))
            .collect(),
        category_options: cats.iter().map(|c| (c.code.clone(), category_name(c, t))).collect(),
        errors,
    })
}

#[derive(Deserialize, Default)]
pub struct PrefillQuery {
    #[serde(default)]
    household: String,
}

async fn record_form(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<PrefillQuery>,
) -> Result<Response, WebError> {
    let t = ctx.t();
    let e = |e| WebError::page(e, t);
    let c = areas::visible(&s.db, &ctx.actor, Action::NeedRecord, &code).await.map_err(e)?;
    // A visit starts from a household page: the form comes pre-filled with it.
    let f = NeedForm { household_code: q.household.clone(), area_code: q.household, ..Default::default() };
    Ok(html(&form_page(&s, &ctx, &c, true, &f, vec![]).await.map_err(e)?))
}

async fn intake(
    s: &AppState,
    ctx: &Ctx,
    community: &areas::Area,
    staff: bool,
    req: axum::extract::Request,
) -> Result<Response, WebError> {
    let t = ctx.t();
    let e = |e| WebError::page(e, t);
    let (pairs, photos) = read_form(req).await.map_err(e)?;
    let mut f = need_form_from(pairs);
    if !staff {
        f.channel = if f.channel == "suggestion" { "suggestion".into() } else { "online".into() };
        f.household_code.clear();
    }
    let result = async {
        let new = needs::parse_form(&s.db, &ctx.actor, community, &f).await?;
        // Photos are checked before anything is written.
        for p in &photos {
            wushe_app::needs::photos::check(p)?;
        }
        if photos.len() as i64 > wushe_app::needs::photos::MAX_PER_NEED {
            return Err(wushe_domain::FieldError::new("photo", "errors.photo.too_many").into());
        }
        let n = s.submissions.submit(&ctx.actor, s.now(), new).await?;
        for p in &photos {
            wushe_app::needs::photos::attach(&s.db, &ctx.actor, s.now(), &s.data_dir, n.id, p).await?;
        }
        Ok(n)
    }
    .await;
    match result {
        Ok(n) => Ok(Redirect::to(&format!("/needs/{}", n.id)).into_response()),
        Err(err @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let msgs = field_problems(&err, t).into_iter().map(|f| f.message).collect();
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                html(&form_page(s, ctx, community, staff, &f, msgs).await.map_err(e)?),
            )
                .into_response())
        }
        Err(err) => Err(e(err)),
    }
}

async fn record(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    body: axum::extract::Request,
) -> Result<Response, WebError> {
    let t = ctx.t();
    let c = areas::visible(&s.db, &ctx.actor, Action::NeedRecord, &code).await.map_err(|e| WebError::page(e, t))?;
    let c = community_of(&s, &c).await.map_err(|e| WebError::page(e, t))?;
    intake(&s, &ctx, &c, true, body).await
}

/// The community whose whole ledger the person manages (imports); a community they reach
/// only in part reads as missing, like any area outside their grants.
pub async fn managed_community(s: &AppState, ctx: &Ctx, code: &str) -> Result<areas::Area, AppError> {
    let area = areas::visible(&s.db, &ctx.actor, Action::NeedManage, code).await?;
    let community = community_of(s, &area).await?;
    if ctx.actor.grants.decide(Action::NeedManage, Some(&community.path)) != Decision::Allow {
        return Err(AppError::NotFound);
    }
    Ok(community)
}

async fn community_of(s: &AppState, a: &areas::Area) -> Result<areas::Area, AppError> {
    match a.community_id {
        Some(id) => areas::by_id(&s.db, id).await,
        None => Err(AppError::NotFound),
    }
}

/// The community of a resident's own household grant.
async fn own_community(s: &AppState, ctx: &Ctx) -> Result<areas::Area, AppError> {
    let home = ctx.actor.grants.grants.iter().find(|g| g.role == Role::Resident).ok_or(AppError::Forbidden)?;
    let code = home.area_path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    let area = areas::by_code(&s.db, code).await?;
    community_of(s, &area).await
}

async fn own_form(State(s): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let t = ctx.t();
    let e = |e| WebError::page(e, t);
    let c = own_community(&s, &ctx).await.map_err(e)?;
    Ok(html(&form_page(&s, &ctx, &c, false, &NeedForm::default(), vec![]).await.map_err(e)?))
}

async fn submit_own(State(s): State<AppState>, ctx: Ctx, body: axum::extract::Request) -> Result<Response, WebError> {
    let t = ctx.t();
    let c = own_community(&s, &ctx).await.map_err(|e| WebError::page(e, t))?;
    intake(&s, &ctx, &c, false, body).await
}

#[derive(Template)]
#[template(path = "my_needs.html")]
struct MyNeedsPage {
    l: Layout,
    rows: Vec<NeedRow>,
    can_submit: bool,
}

async fn my_needs(State(s): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let t = ctx.t();
    let e = |e| WebError::page(e, t);
    let list = needs::mine(&s.db, &ctx.actor).await.map_err(e)?;
    let c = own_community(&s, &ctx).await.map_err(e)?;
    let cats = needs::categories(&s.db, c.id).await.map_err(e)?;
    Ok(html(&MyNeedsPage {
        l: Layout::new(&ctx, "page.needs.mine", Some(c.code)),
        rows: rows(&s, t, &list, &cats).await.map_err(e)?,
        can_submit: true,
    }))
}

async fn my_tasks(State(s): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let t = ctx.t();
    let e = |e| WebError::page(e, t);
    let list = needs::assigned_to_me(&s.db, &ctx.actor).await.map_err(e)?;
    let mut all_rows = Vec::new();
    for n in &list {
        let cats = needs::categories(&s.db, n.community_id).await.map_err(e)?;
        all_rows.extend(rows(&s, t, std::slice::from_ref(n), &cats).await.map_err(e)?);
    }
    let home = crate::shell::layout::home_community(&s, &ctx).await;
    Ok(html(&MyNeedsPage { l: Layout::new(&ctx, "page.needs.tasks", home), rows: all_rows, can_submit: false }))
}

pub struct ActionView {
    code: &'static str,
    label: String,
    note_required: bool,
}

pub struct WhistleView {
    org_id: i64,
    name: String,
    deadline: String,
    reported: String,
    can_report: bool,
}

#[derive(Template)]
#[template(path = "need.html")]
struct NeedPage {
    l: Layout,
    n: NeedRow,
    version: i64,
    channel: String,
    urgency: String,
    scope: String,
    description: String,
    assignee: String,
    respond_due: String,
    rating: String,
    actions: Vec<ActionView>,
    assignee_options: Vec<(String, String)>,
    can_whistle: bool,
    whistle_options: Vec<(i64, String)>,
    whistles: Vec<WhistleView>,
    timeline: Vec<(String, String, String, String)>,
    /// Similar open individual needs (id, title, similarity), offered to managers (N6).
    similar: Vec<(i64, String, String)>,
    /// The members of a common need (id, title, status).
    members: Vec<(i64, String, String)>,
    photos: Vec<i64>,
    can_add_photo: bool,
    /// Staff may open the ranked resources and the claim list (R2, R3).
    can_match: bool,
    /// Who holds a claim on it and until when, if anyone (R3).
    claim: Option<String>,
    can_release: bool,
    errors: Vec<String>,
}

/// Which steps this person may take now.
fn allowed_events(n: &Need, rel: &Relation) -> Vec<EventKind> {
    let mut v = needs::workflow_steps(n, rel);
    if rel.may(EventKind::Merged) && n.status.apply(EventKind::Merged).is_ok() {
        v.push(EventKind::Merged);
    }
    if !n.status.is_closed() {
        v.push(EventKind::Commented);
    }
    v
}

pub async fn assignee_label(s: &AppState, n: &Need) -> String {
    if let Some(o) = n.assignee_org_id {
        return organizations::by_ids(&s.db, &[o])
            .await
            .ok()
            .and_then(|v| v.into_iter().next())
            .map(|o| o.name)
            .unwrap_or_default();
    }
    if let Some(u) = n.assignee_user_id {
        return wushe_app::accounts::display_name(&s.db, u).await.unwrap_or_default();
    }
    String::new()
}

async fn need_page(s: &AppState, ctx: &Ctx, id: &str, errors: Vec<String>) -> Result<NeedPage, AppError> {
    let t = ctx.t();
    let id = id.parse::<i64>().map_err(|_| AppError::NotFound)?;
    let (n, rel) = needs::get(&s.db, &ctx.actor, id).await?;
    let cats = needs::categories(&s.db, n.community_id).await?;
    let community = areas::by_id(&s.db, n.community_id).await?;
    let row = rows(s, t, std::slice::from_ref(&n), &cats).await?.remove(0);
    let assignee_options = assignee_choices(s, &community).await?;
    // Whistles go to organizations: the community's and its street's departments.
    let whistle_options: Vec<(i64, String)> =
        assignee_options.iter().filter_map(|(k, n)| Some((k.strip_prefix("org:")?.parse().ok()?, n.clone()))).collect();
    let whistle_list = needs::whistles(&s.db, &n).await?;
    let person_orgs = wushe_app::accounts::member_org_ids(&s.db, ctx.actor.user_id).await?;
    let timeline = needs::timeline(&s.db, &n)
        .await?
        .into_iter()
        .map(|e| {
            let mut text = e.note.clone().unwrap_or_default();
            if let Some(r) = e.data.strip_prefix("rating:") {
                text = format!("{} {r}/5 {text}", t.t("field.rating"));
            }
            (t.t(&format!("event.{}", e.kind.code())).to_string(), local_time(e.at), e.actor.unwrap_or_default(), text)
        })
        .collect();
    let similar = if rel.manage && n.scope == wushe_domain::needs::Scope::Individual && !n.status.is_closed() {
        needs::similar(&s.db, &ctx.actor, &n, 10)
            .await?
            .into_iter()
            .map(|(x, score)| (x.id, x.title, format!("{:.0}%", score.min(1.0) * 100.0)))
            .collect()
    } else {
        vec![]
    };
    let members =
        needs::members_of(&s.db, &n).await?.into_iter().map(|m| (m.id, m.title, status_label(m.status, t))).collect();
    let photos = wushe_app::needs::photos::of_need(&s.db, &n).await?.into_iter().map(|p| p.id).collect();
    let active_claim = wushe_app::claims::active_claim(&s.db, n.id).await?;
    let listed = wushe_app::claims::listing(&s.db, n.id).await?.is_some();
    let claim = match &active_claim {
        Some(c) => {
            let who =
                wushe_app::accounts::display_names(&s.db, &[c.user_id]).await?.remove(&c.user_id).unwrap_or_default();
            let until = if c.expires_at > 9_000_000_000_000 {
                t.t("page.claims.started").to_string()
            } else {
                format!("{} {}", t.t("page.claims.until"), local_time(c.expires_at))
            };
            Some(t.f("page.need.claimed_by", &[&who, &until]))
        }
        None if listed => Some(t.t("page.matches.listed").to_string()),
        None => None,
    };
    let can_release = active_claim.as_ref().is_some_and(|c| rel.manage || ctx.actor.user_id == Some(c.user_id));
    Ok(NeedPage {
        can_match: rel.manage && !n.status.is_closed(),
        claim,
        can_release,
        l: Layout::with_title(ctx, format!("#{} {}", n.id, n.title), Some(community.code.clone())),
        similar,
        members,
        photos,
        can_add_photo: (rel.requester || rel.manage || rel.assignee) && !n.status.is_closed(),
        version: n.version,
        channel: t.t(&format!("channel.{}", n.channel.code())).to_string(),
        urgency: t.t(&format!("urgency.{}", n.urgency.code())).to_string(),
        scope: t.t(&format!("scope.{}", n.scope.code())).to_string(),
        description: n.description.clone(),
        assignee: assignee_label(s, &n).await,
        respond_due: local_time(n.respond_due),
        rating: n.rating.map(|r| format!("{r}/5")).unwrap_or_default(),
        actions: allowed_events(&n, &rel)
            .into_iter()
            .map(|e| ActionView {
                code: e.code(),
                label: t.t(&format!("action.{}", e.code())).to_string(),
                note_required: note_required(e),
            })
            .collect(),
        assignee_options,
        can_whistle: rel.manage && !n.status.is_closed(),
        whistle_options,
        whistles: whistle_list
            .into_iter()
            .map(|w| WhistleView {
                org_id: w.organization_id,
                reported: match w.reported_at {
                    Some(at) => t.f(
                        "page.need.reported_after",
                        &[&local_time(at), &format!("{:.1}", (at - w.created_at) as f64 / 3_600_000.0)],
                    ),
                    None if s.now() > w.deadline => t.t("page.need.not_reported_late").to_string(),
                    None => t.t("page.need.not_reported").to_string(),
                },
                can_report: w.reported_at.is_none() && (rel.manage || person_orgs.contains(&w.organization_id)),
                name: w.organization_name,
                deadline: local_time(w.deadline),
            })
            .collect(),
        timeline,
        errors,
        n: row,
    })
}

async fn show(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let t = ctx.t();
    Ok(html(&need_page(&s, &ctx, &id, vec![]).await.map_err(|e| WebError::page(e, t))?))
}

/// Re-renders the need with the problems, or reports the error page.
async fn after_write(s: &AppState, ctx: &Ctx, id: &str, r: Result<(), AppError>) -> Result<Response, WebError> {
    let t = ctx.t();
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/needs/{id}")).into_response()),
        Err(err @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let (status, msgs) = crate::shell::error::form_problems(&err, t);
            let page = need_page(s, ctx, id, msgs).await.map_err(|e| WebError::page(e, t))?;
            Ok((status, html(&page)).into_response())
        }
        Err(err) => Err(WebError::page(err, t)),
    }
}

pub fn step_from(pairs: &[(String, String)]) -> Result<Step, AppError> {
    let get = |k: &str| pairs.iter().find(|(x, _)| x == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let event = EventKind::parse(&get("event"))?;
    let version = get("version")
        .trim()
        .parse::<i64>()
        .map_err(|_| wushe_domain::FieldError::new("version", "errors.required"))?;
    let assignee = match get("assignee").trim() {
        "" => None,
        a => Some(needs::Assignee::parse(a)?),
    };
    let merge_into = match get("merge_into").trim().trim_start_matches('#') {
        "" => None,
        m => Some(m.parse::<i64>().map_err(|_| wushe_domain::FieldError::new("merge_into", "errors.need.unknown"))?),
    };
    Ok(Step { event, version, note: get("note"), assignee, rating: get("rating"), merge_into })
}

async fn step(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>, body: Bytes) -> Result<Response, WebError> {
    let pairs = url_form_pairs(&body);
    let r = async {
        let nid = id.parse::<i64>().map_err(|_| AppError::NotFound)?;
        let st = step_from(&pairs)?;
        needs::step(&s.db, &ctx.actor, s.now(), nid, st).await.map(|_| ())
    }
    .await;
    after_write(&s, &ctx, &id, r).await
}

async fn whistle(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let pairs = url_form_pairs(&body);
    let r = async {
        let nid = id.parse::<i64>().map_err(|_| AppError::NotFound)?;
        let get = |k: &str| pairs.iter().find(|(x, _)| x == k).map(|(_, v)| v.clone()).unwrap_or_default();
        let orgs: Vec<i64> =
            pairs.iter().filter(|(k, _)| k == "organizations").filter_map(|(_, v)| v.parse().ok()).collect();
        let hours = get("hours")
            .trim()
            .parse::<i64>()
            .map_err(|_| wushe_domain::FieldError::new("hours", "errors.hours.range"))?;
        let version = get("version")
            .trim()
            .parse::<i64>()
            .map_err(|_| wushe_domain::FieldError::new("version", "errors.required"))?;
        let w = needs::Whistling { version, organizations: orgs, hours, note: get("note") };
        needs::whistle(&s.db, &ctx.actor, s.now(), nid, w).await.map(|_| ())
    }
    .await;
    after_write(&s, &ctx, &id, r).await
}

async fn group(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>, body: Bytes) -> Result<Response, WebError> {
    let pairs = url_form_pairs(&body);
    let r = async {
        let nid = id.parse::<i64>().map_err(|_| AppError::NotFound)?;
        let mut ids: Vec<i64> = vec![nid];
        ids.extend(pairs.iter().filter(|(k, _)| k == "needs").filter_map(|(_, v)| v.parse::<i64>().ok()));
        let title = pairs.iter().find(|(k, _)| k == "title").map(|(_, v)| v.clone()).unwrap_or_default();
        needs::group(&s.db, &ctx.actor, s.now(), &title, &ids).await
    }
    .await;
    match r {
        Ok(common) => Ok(Redirect::to(&format!("/needs/{}", common.id)).into_response()),
        Err(e) => after_write(&s, &ctx, &id, Err(e)).await,
    }
}

async fn add_photo(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> Result<Response, WebError> {
    let r = async {
        let nid = id.parse::<i64>().map_err(|_| AppError::NotFound)?;
        let (_, files) = read_form(req).await?;
        let photo = files.first().ok_or(wushe_domain::FieldError::new("photo", "errors.photo.empty"))?;
        wushe_app::needs::photos::attach(&s.db, &ctx.actor, s.now(), &s.data_dir, nid, photo).await.map(|_| ())
    }
    .await;
    after_write(&s, &ctx, &id, r).await
}

/// A photo, to people who may read its need; never cached by shared caches.
async fn photo(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((id, photo)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let t = ctx.t();
    let e = |e| WebError::page(e, t);
    let (nid, pid) = (
        id.parse::<i64>().map_err(|_| e(AppError::NotFound))?,
        photo.parse::<i64>().map_err(|_| e(AppError::NotFound))?,
    );
    let (ct, bytes) = wushe_app::needs::photos::read(&s.db, &ctx.actor, &s.data_dir, nid, pid).await.map_err(e)?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, ct),
            (axum::http::header::CACHE_CONTROL, "private, max-age=3600".to_string()),
            (axum::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        bytes,
    )
        .into_response())
}

async fn report(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let pairs = url_form_pairs(&body);
    let r = async {
        let nid = id.parse::<i64>().map_err(|_| AppError::NotFound)?;
        let get = |k: &str| pairs.iter().find(|(x, _)| x == k).map(|(_, v)| v.clone()).unwrap_or_default();
        let org = get("organization_id")
            .trim()
            .parse::<i64>()
            .map_err(|_| wushe_domain::FieldError::new("organization", "errors.organization.unknown"))?;
        needs::report(&s.db, &ctx.actor, s.now(), nid, org, &get("note")).await
    }
    .await;
    after_write(&s, &ctx, &id, r).await
}

#[derive(Template)]
#[template(path = "need_metrics.html")]
struct MetricsPage {
    l: Layout,
    month: String,
    overall: Vec<(String, String)>,
    trend: Vec<MetricRow>,
    /// Bars of the trend chart: (x, y, height, month, needs).
    bars: Vec<(i64, i64, i64, String, i64)>,
    groups: Vec<(String, Vec<MetricRow>)>,
}

/// One row of a metrics table: a label (linked where there is a page to drill into) and
/// its figures.
struct MetricRow {
    label: String,
    href: Option<String>,
    cells: Vec<String>,
}

#[derive(Deserialize, Default)]
pub struct MonthQuery {
    #[serde(default)]
    pub month: String,
}

/// The month named by `raw` (`YYYY-MM`), or the current one when it is empty.
pub fn month_or_now(raw: &str, now: i64) -> Result<Month, AppError> {
    if raw.trim().is_empty() { Ok(Month::of(now)) } else { Ok(Month::parse(raw)?) }
}

fn pct(x: Option<f64>) -> String {
    x.map(|v| format!("{:.1}%", v * 100.0)).unwrap_or_else(|| "—".into())
}

fn hours(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.1} h")).unwrap_or_else(|| "—".into())
}

fn figure_row(label: String, href: Option<String>, f: &Figures) -> MetricRow {
    MetricRow {
        label,
        href,
        cells: vec![
            f.counts.needs.to_string(),
            pct(f.response_rate()),
            pct(f.on_time_rate()),
            hours(f.respond_median_h),
            hours(f.resolve_median_h),
            hours(f.resolve_p90_h),
            f.satisfaction().map(|v| format!("{v:.2}")).unwrap_or_else(|| "—".into()),
            pct(f.reopen_rate()),
        ],
    }
}

/// N5 page: one month's figures for a community or street, the twelve months up to it, and
/// the breakdowns; a street's divisions are its communities, side by side.
async fn metrics(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<MonthQuery>,
) -> Result<Response, WebError> {
    let t = ctx.t();
    let e = |e| WebError::page(e, t);
    let area = areas::visible(&s.db, &ctx.actor, Action::NeedMetricsRead, &code).await.map_err(e)?;
    let month = month_or_now(&q.month, s.now()).map_err(e)?;
    let m = needs_metrics::metrics(&s.db, &ctx.actor, &area, month).await.map_err(e)?;
    let months = needs_metrics::trend(&s.db, &ctx.actor, &area, month.back(11), month).await.map_err(e)?;
    let o = &m.overall;
    let overall = vec![
        (t.t("metrics.needs").to_string(), o.counts.needs.to_string()),
        (t.t("metrics.response_rate").to_string(), pct(o.response_rate())),
        (t.t("metrics.on_time").to_string(), pct(o.on_time_rate())),
        (t.t("metrics.respond_median").to_string(), hours(o.respond_median_h)),
        (t.t("metrics.respond_p90").to_string(), hours(o.respond_p90_h)),
        (t.t("metrics.resolve_median").to_string(), hours(o.resolve_median_h)),
        (t.t("metrics.resolve_p90").to_string(), hours(o.resolve_p90_h)),
        (
            t.t("metrics.satisfaction").to_string(),
            o.satisfaction().map(|v| format!("{v:.2}")).unwrap_or_else(|| "—".into()),
        ),
        (t.t("metrics.reopen_rate").to_string(), pct(o.reopen_rate())),
    ];
    let self_link = |m: Month| Some(format!("/communities/{}/needs/metrics?month={m}", area.code));
    let trend: Vec<MetricRow> = months.iter().map(|(m, f)| figure_row(m.to_string(), self_link(*m), f)).collect();
    let top = months.iter().map(|(_, f)| f.counts.needs).max().unwrap_or(0).max(1);
    let bars = months
        .iter()
        .enumerate()
        .map(|(i, (m, f))| {
            let h = f.counts.needs * 100 / top;
            (i as i64 * 40 + 4, 110 - h, h, m.to_string(), f.counts.needs)
        })
        .collect();
    let community_id = area.community_id.unwrap_or(area.id);
    let cats = needs::categories(&s.db, community_id).await.unwrap_or_default();
    let by_cat = m
        .by_category
        .iter()
        .map(|(id, f)| {
            figure_row(
                cats.iter().find(|c| c.id == *id).map(|c| category_name(c, t)).unwrap_or_else(|| id.to_string()),
                None,
                f,
            )
        })
        .collect();
    // Labels for every row with three queries, however many rows there are.
    let codes: Vec<String> = m.by_division.iter().map(|d| d.0.clone()).filter(|c| !c.is_empty()).collect();
    let divisions = areas::by_codes(&s.db, &codes).await.map_err(e)?;
    let by_div = m
        .by_division
        .iter()
        .map(|(code_part, f)| {
            let (name, href) = match divisions.iter().find(|a| &a.code == code_part) {
                Some(a) => (a.name.clone(), Some(format!("/communities/{}/needs/metrics?month={month}", a.code))),
                None => (t.t("metrics.whole_area").to_string(), None),
            };
            figure_row(name, href, f)
        })
        .collect();
    let who: Vec<(&String, Option<needs::Assignee>)> =
        m.by_assignee.iter().map(|(a, _)| (a, needs::Assignee::parse(a).ok())).collect();
    let org_ids: Vec<i64> = who
        .iter()
        .filter_map(|(_, a)| match a {
            Some(needs::Assignee::Organization(o)) => Some(*o),
            _ => None,
        })
        .collect();
    let user_ids: Vec<i64> = who
        .iter()
        .filter_map(|(_, a)| match a {
            Some(needs::Assignee::User(u)) => Some(*u),
            _ => None,
        })
        .collect();
    let orgs = organizations::by_ids(&s.db, &org_ids).await.map_err(e)?;
    let users = wushe_app::accounts::display_names(&s.db, &user_ids).await.map_err(e)?;
    let by_assignee = m
        .by_assignee
        .iter()
        .zip(&who)
        .map(|((_, f), (_, a))| {
            let label = match a {
                Some(needs::Assignee::Organization(o)) => {
                    orgs.iter().find(|x| x.id == *o).map(|x| x.name.clone()).unwrap_or_default()
                }
                Some(needs::Assignee::User(u)) => users.get(u).cloned().unwrap_or_default(),
                None => t.t("page.needs.unassigned").to_string(),
            };
            figure_row(label, None, f)
        })
        .collect();
    let division_title = if area.kind <= AreaKind::Street { "metrics.by_community" } else { "metrics.by_division" };
    let community = community_of(&s, &area).await.ok().map(|c| c.code);
    Ok(html(&MetricsPage {
        l: Layout::with_title(&ctx, format!("{} · {}", t.t("nav.metrics"), area.name), community),
        month: month.to_string(),
        overall,
        trend,
        bars,
        groups: vec![
            (t.t(division_title).to_string(), by_div),
            (t.t("metrics.by_category").to_string(), by_cat),
            (t.t("metrics.by_assignee").to_string(), by_assignee),
        ],
    }))
}
