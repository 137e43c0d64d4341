//! The staff ledger page: filters, rows, bulk assignment, saved views, and the ledger as sheets.

use super::forms::{BulkAssignForm, ViewForm};
use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::error::PageResult;
use crate::shell::error::{WebError, field_problems};
use crate::shell::extract::PageForm;
use crate::shell::files::download;
use crate::shell::i18n::{Lang, T};
use crate::shell::i18n::{en_label, zh_label};
use crate::shell::layout::html;
use crate::shell::layout::{Layout, local_time};
use crate::shell::scope::{community_of, managed_community};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use wushe_app::needs::{self, Category, Filter, Need};
use wushe_app::{AppError, areas, organizations};
use wushe_domain::access::Action;
use wushe_domain::needs::NeedStatus;

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

pub(crate) async fn export_csv(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<LedgerQuery>,
) -> PageResult {
    let table = export_table(&s, &ctx, &code, &q).await?;
    let bytes = wushe_app::sheets::to_csv(&table)?;
    Ok(download(bytes, "text/csv; charset=utf-8", &format!("需求台账-{code}.csv")))
}

pub(crate) async fn export_xlsx(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<LedgerQuery>,
) -> PageResult {
    let t = ctx.t();
    let table = export_table(&s, &ctx, &code, &q).await?;
    let bytes = tokio::task::spawn_blocking(move || wushe_app::needs::ledger::to_xlsx(&table))
        .await
        .map_err(|e| WebError::page(AppError::Internal(e.to_string()), t))??;
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
        l: Layout::new(ctx, "page.import.title"),
        code: community.code.clone(),
        columns: wushe_app::needs::ledger::COLUMNS.iter().filter(|c| c.0 != "area_name").map(|c| (c.0, c.1)).collect(),
        result,
        errors,
    }
}

pub(crate) async fn import_form(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> PageResult {
    let c = managed_community(&s, &ctx, &code).await?;
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

pub(crate) async fn import(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    mut mp: axum::extract::Multipart,
) -> PageResult {
    let t = ctx.t();
    let e = |e| WebError::page(e, t);
    let c = managed_community(&s, &ctx, &code).await?;
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
            let list = crate::shell::uploads::page_lines(err, t)?;
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
    /// The status tag's colour (`tag-…`); the words are in `status`.
    pub tone: &'static str,
    pub overdue: bool,
    pub urgent: bool,
    pub created: String,
    pub due: String,
}

/// The colour of a status tag: new needs call for attention, work under way is in progress,
/// done is done, a reopened need is a warning sign.
pub fn status_tone(s: NeedStatus) -> &'static str {
    match s {
        NeedStatus::Submitted => "info",
        NeedStatus::Accepted | NeedStatus::Assigned | NeedStatus::InProgress => "warning",
        NeedStatus::Reopened => "danger",
        NeedStatus::Resolved => "success",
        _ => "neutral",
    }
}

pub(crate) async fn rows(s: &AppState, t: T, list: &[Need], cats: &[Category]) -> Result<Vec<NeedRow>, AppError> {
    let places = areas::by_ids(&s.db, &list.iter().map(|n| n.area_id).collect::<Vec<_>>()).await?;
    let mut out = Vec::with_capacity(list.len());
    for n in list {
        let area = places.get(&n.area_id).cloned().ok_or(AppError::NotFound)?;
        out.push(NeedRow {
            id: n.id.get(),
            version: n.version,
            title: n.title.clone(),
            category: cats.iter().find(|c| c.id == n.category_id).map(|c| category_name(c, t)).unwrap_or_default(),
            area: area.name,
            status: status_label(n.status, t),
            tone: status_tone(n.status),
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
    /// The community's code (imports and settings are the community's, even on a grid's page).
    community_code: String,
    q: String,
    status: String,
    category: String,
    overdue: bool,
    /// The filters as an address query.
    query: String,
    filtered: bool,
    status_options: Vec<(&'static str, String)>,
    category_options: Vec<(String, String)>,
    total_label: String,
    rows: Vec<NeedRow>,
    pager: crate::shell::pager::Pager,
    can_record: bool,
    can_import: bool,
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
    /// Words or a need's number.
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub page: Option<String>,
}

impl LedgerQuery {
    /// The filters as an address query, for links that keep them (pages, exports, views).
    pub fn query(&self) -> String {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("q", self.q.trim())
            .append_pair("status", &self.status)
            .append_pair("category", &self.category)
            .append_pair("overdue", if self.overdue == "1" || self.overdue == "true" { "1" } else { "" })
            .finish()
    }
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
    // A NUL byte is no text PostgreSQL can compare; control characters never match a title.
    f.text = Some(q.q.trim().chars().filter(|c| !c.is_control()).collect::<String>()).filter(|q| !q.is_empty());
    let page: i64 = q.page.as_deref().unwrap_or("1").parse::<i64>().unwrap_or(1).clamp(1, 1_000_000);
    f.offset = (page - 1) * limit;
    Ok(f)
}

pub(crate) async fn ledger(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<LedgerQuery>,
) -> PageResult {
    Ok(html(&ledger_page(&s, &ctx, &code, &q, vec![]).await?))
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
    let query = q.query();
    let link = |p: i64| format!("/communities/{code}/needs?{query}&page={p}");
    let community = areas::by_id(&s.db, community_id).await?;
    let rows = rows(s, t, &list, &cats).await?;
    let can_manage = ctx.actor.can(Action::NeedManage, Some(&area.path));
    let assignee_options = if can_manage { assignee_choices(s, &community).await? } else { vec![] };
    let views =
        needs::views(&s.db, &ctx.actor, &community).await?.into_iter().map(|v| (v.id, v.query, v.name)).collect();
    Ok(LedgerPage {
        l: Layout::new(ctx, "page.needs.ledger"),
        code: area.code.clone(),
        community_code: community.code.clone(),
        q: q.q.trim().to_string(),
        status: q.status.clone(),
        category: q.category.clone(),
        overdue: f.overdue_only,
        filtered: f.text.is_some() || !q.status.is_empty() || f.category_id.is_some() || f.overdue_only,
        status_options: NeedStatus::ALL.iter().map(|x| (x.code(), status_label(*x, t))).collect(),
        category_options: cats.iter().map(|c| (c.code.clone(), category_name(c, t))).collect(),
        total_label: t.f("page.needs.total", &[&total]),
        rows,
        pager: crate::shell::pager::Pager::new(page, total, 50, link),
        query,
        can_record: ctx.actor.can(Action::NeedRecord, Some(&area.path)),
        can_import: ctx.actor.can(Action::NeedManage, Some(&community.path)),
        can_manage,
        can_configure: ctx.actor.can(Action::AreaWrite, Some(&community.path)),
        assignee_options,
        views,
        notices,
    })
}

/// Who a need of this community can be assigned to: its organizations, its street's
/// departments, and its staff.
/// The organizations a need here can be given or whistled to: the community's own and its
/// street's departments (party groups work through their branch).
pub(crate) async fn work_organizations(
    s: &AppState,
    community: &areas::Area,
) -> Result<Vec<organizations::Organization>, AppError> {
    let mut orgs = organizations::listed_in(&s.db, community).await?;
    if let Some(p) = community.parent_id {
        let street = areas::by_id(&s.db, p).await?;
        orgs.extend(
            wushe_app::directory::browse(&s.db, &street.path, 500)
                .await?
                .into_iter()
                .filter(|o| o.area_id == street.id),
        );
    }
    orgs.retain(|o| !matches!(o.kind, wushe_domain::organizations::OrganizationKind::PartyGroup));
    Ok(orgs)
}

pub(crate) async fn assignee_choices(s: &AppState, community: &areas::Area) -> Result<Vec<(String, String)>, AppError> {
    assignees_among(s, community, &work_organizations(s, community).await?).await
}

/// The assignee choices: these organizations, then the community's staff accounts.
pub(crate) async fn assignees_among(
    s: &AppState,
    community: &areas::Area,
    orgs: &[organizations::Organization],
) -> Result<Vec<(String, String)>, AppError> {
    let mut out: Vec<(String, String)> = orgs.iter().map(|o| (format!("org:{}", o.id), o.name.clone())).collect();
    out.extend(
        wushe_app::accounts::users_in(&s.db, &community.path)
            .await?
            .into_iter()
            .map(|(id, name)| (format!("user:{id}"), name)),
    );
    Ok(out)
}

pub(crate) async fn bulk_assign(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(f): PageForm<BulkAssignForm>,
) -> PageResult {
    let t = ctx.t();
    let e = |e| WebError::page(e, t);
    let items = f.items();
    let q = LedgerQuery::default();
    if items.is_empty() {
        let page = ledger_page(&s, &ctx, &code, &q, vec![t.t("errors.bulk.none").to_string()]).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response());
    }
    let assignee = needs::Assignee::parse(&f.assignee).map_err(|x| e(x.into()))?;
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
    Ok(html(&ledger_page(&s, &ctx, &code, &q, notices).await?))
}

pub(crate) async fn save_view(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(f): PageForm<ViewForm>,
) -> PageResult {
    let t = ctx.t();
    let e = |e| WebError::page(e, t);
    let area = areas::visible(&s.db, &ctx.actor, Action::NeedRead, &code).await?;
    let community = community_of(&s, &area).await?;
    match needs::save_view(&s.db, &ctx.actor, s.now(), &community, &f.name, &f.query).await {
        Ok(v) => Ok(crate::shell::flash::redirect(
            &format!("/communities/{code}/needs?{}", v.query),
            crate::shell::flash::Flash::success(t.f("flash.views.saved", &[&v.name])),
        )),
        Err(err @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let msgs = crate::shell::error::form_errors(&err, t).into_iter().map(|e| e.text).collect();
            let page = ledger_page(&s, &ctx, &code, &LedgerQuery::default(), msgs).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response())
        }
        Err(err) => Err(e(err)),
    }
}

pub(crate) async fn delete_view(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((code, id)): Path<(String, String)>,
) -> PageResult {
    let t = ctx.t();
    let e = |e| WebError::page(e, t);
    let id = id.parse::<i64>().map_err(|_| e(AppError::NotFound))?;
    needs::delete_view(&s.db, &ctx.actor, s.now(), id).await?;
    Ok(crate::shell::flash::redirect(
        &format!("/communities/{code}/needs"),
        crate::shell::flash::Flash::success(t.t("flash.views.deleted")),
    ))
}
