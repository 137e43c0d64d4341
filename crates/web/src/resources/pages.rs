//! R1 pages: the resource database with its filters, a resource, its form, stock and exceptions.

use super::forms::{ExceptionForm, ResourcePageForm, StockForm};
use crate::resources::views::kind_label;
use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::error::PageResult;
use crate::shell::error::WebError;
use crate::shell::extract::Id;
use crate::shell::extract::PageForm;
use crate::shell::i18n::{Lang, T};
use crate::shell::layout::html;
use crate::shell::layout::{Layout, local_time};
use crate::shell::registry::Registry;
use crate::shell::views::schedule_text;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use wushe_app::resources::{self, Filter, Resource, ResourceForm};
use wushe_app::{AppError, areas, needs, organizations};
use wushe_domain::access::Action;
use wushe_domain::areas::AreaKind;
use wushe_domain::ids::ResourceId;
use wushe_domain::policy::Ask;
use wushe_domain::resources::{Exception, ResourceKind, ResourceStatus, clock, date_of, weekday};

pub fn routes(r: &mut Registry) {
    r.page(Method::GET, "/communities/{code}/resources", Action::ResourceRead, list);
    r.page(Method::GET, "/communities/{code}/resources/new", Action::ResourceOwn, new_form);
    r.page(Method::POST, "/communities/{code}/resources", Action::ResourceOwn, create);
    r.page(Method::GET, "/resources/{id}", Action::ResourceRead, show);
    r.page(Method::GET, "/resources/{id}/edit", Action::ResourceOwn, edit_form);
    r.page(Method::POST, "/resources/{id}", Action::ResourceOwn, update);
    r.page(Method::POST, "/resources/{id}/stock", Action::ResourceOwn, stock);
    r.page(Method::POST, "/resources/{id}/exceptions", Action::ResourceOwn, add_exception);
    r.page(Method::POST, "/resources/{id}/exceptions/{exception}/delete", Action::ResourceOwn, remove_exception);
    r.page(Method::GET, "/my/resources", Action::ResourceOwn, mine);
}

pub fn status_label(t: T, s: ResourceStatus) -> String {
    t.t(&format!("resource.status.{}", s.code())).to_string()
}

pub struct ResourceRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub categories: String,
    pub tags: String,
    pub place: String,
    pub stock: String,
    pub status: String,
    pub schedule: String,
    pub expired: bool,
}

/// Past its expiry date (a stockpile to replace): shown, and no longer offered by matching.
fn expired(s: &AppState, r: &Resource) -> bool {
    let today = wushe_domain::resources::local_day_minute(s.now()).0;
    r.expires_on.as_deref().and_then(wushe_domain::resources::parse_date).is_some_and(|d| d < today)
}

pub(crate) async fn rows(s: &AppState, t: T, list: &[Resource]) -> Result<Vec<ResourceRow>, AppError> {
    let ids: Vec<i64> = list.iter().map(|r| r.area_id).collect();
    let places = areas::by_ids(&s.db, &ids).await?;
    let cats = category_names(s, t, list.first().and_then(|r| r.community_id)).await?;
    Ok(list
        .iter()
        .map(|r| ResourceRow {
            id: r.id.get(),
            name: r.name.clone(),
            kind: kind_label(t, r.kind),
            categories: r
                .categories
                .iter()
                .map(|c| cats.get(c).cloned().unwrap_or_else(|| c.clone()))
                .collect::<Vec<_>>()
                .join("、"),
            tags: r.tags.join(" "),
            place: places.get(&r.area_id).map(|a| a.name.clone()).unwrap_or_default(),
            stock: r.quantity.map(|q| format!("{q} {}", r.unit)).unwrap_or_default(),
            status: status_label(t, r.status),
            schedule: schedule_text(t, &r.schedule),
            expired: expired(s, r),
        })
        .collect())
}

/// Category code → name in the reader's language, for a community (defaults above one).
/// A community's categories; above communities (a street's resource), the defaults.
async fn categories_of(s: &AppState, community: Option<i64>) -> Result<Vec<needs::Category>, AppError> {
    Ok(match community {
        Some(c) => needs::categories(&s.db, c).await?,
        None => wushe_domain::needs::DEFAULT_CATEGORIES
            .iter()
            .map(|(code, zh, en, respond, resolve)| needs::Category {
                id: 0,
                code: code.to_string(),
                name_zh: zh.to_string(),
                name_en: en.to_string(),
                respond_hours: *respond,
                resolve_hours: *resolve,
                active: true,
            })
            .collect(),
    })
}

async fn category_names(
    s: &AppState,
    t: T,
    community: Option<i64>,
) -> Result<std::collections::HashMap<String, String>, AppError> {
    let list = categories_of(s, community).await?;
    Ok(list.into_iter().map(|c| (c.code, if t.0 == Lang::En { c.name_en } else { c.name_zh })).collect())
}

#[derive(Template)]
#[template(path = "resources.html")]
struct ListPage {
    l: Layout,
    code: String,
    f: Filter,
    kinds: Vec<(&'static str, String)>,
    categories: Vec<(String, String)>,
    count_label: String,
    rows: Vec<ResourceRow>,
    can_add: bool,
    can_import: bool,
    can_export: bool,
    prev: Option<i64>,
    next: Option<i64>,
    export_query: String,
}

pub(crate) async fn list(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(f): Query<Filter>,
) -> PageResult {
    let t = ctx.t();
    let e = |e| WebError::page(e, t);
    let c = areas::by_code(&s.db, &code).await.map_err(|_| e(AppError::NotFound))?;
    let (list, total) = resources::list(&s.db, &ctx.actor, &c, &f).await?;
    let page = f.page.unwrap_or(1).clamp(1, 100_000);
    let cats = needs::categories(&s.db, c.id).await?;
    let rows = rows(&s, t, &list).await?;
    Ok(html(&ListPage {
        l: Layout::new(&ctx, "page.resources.title"),
        code: c.code.clone(),
        kinds: ResourceKind::ALL.iter().map(|k| (k.code(), kind_label(t, *k))).collect(),
        categories: cats.into_iter().map(|x| (x.code, if t.0 == Lang::En { x.name_en } else { x.name_zh })).collect(),
        count_label: t.f("page.resources.count", &[&total]),
        rows,
        // Adding, importing and exporting are the community's, offered on its own page.
        can_add: c.kind == AreaKind::Community && ctx.actor.grants.member_of(Action::ResourceOwn, &c.path),
        can_import: c.kind == AreaKind::Community && ctx.actor.can(Action::ResourceManage, Some(&c.path)),
        can_export: c.kind == AreaKind::Community && ctx.actor.can(Action::ResourceRead, Some(&c.path)),
        prev: (page > 1).then_some(page - 1),
        next: (page * resources::PAGE_SIZE < total).then_some(page + 1),
        export_query: format!(
            "kind={}&category={}&status={}&q={}",
            crate::shell::ctx::urlencode(&f.kind),
            crate::shell::ctx::urlencode(&f.category),
            crate::shell::ctx::urlencode(&f.status),
            crate::shell::ctx::urlencode(&f.q)
        ),
        f,
    }))
}

async fn mine(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    let t = ctx.t();
    let list = resources::owned_by(&s.db, &ctx.actor).await?;
    let home = crate::shell::layout::home_community(&s, &ctx).await;
    Ok(html(&MinePage {
        l: Layout::new(&ctx, "page.my_resources.title"),
        code: home.unwrap_or_default(),
        can_claim: ctx.actor.can(Action::NeedClaim, None),
        rows: rows(&s, t, &list).await?,
    }))
}

#[derive(Template)]
#[template(path = "my_resources.html")]
struct MinePage {
    l: Layout,
    code: String,
    /// Volunteers and organization members may also take needs from the claim list.
    can_claim: bool,
    rows: Vec<ResourceRow>,
}

#[derive(Template)]
#[template(path = "resource.html")]
struct ShowPage {
    l: Layout,
    id: i64,
    kind: String,
    status: String,
    place: String,
    owner: String,
    description: String,
    categories: String,
    tags: String,
    capacity: i64,
    stock: Option<String>,
    expires_on: String,
    expired: bool,
    schedule: String,
    conditions: String,
    contact_name: String,
    contact_phone: String,
    address: String,
    bookable: bool,
    booking_rules: String,
    exceptions: Vec<(i64, String, String, String)>,
    moves: Vec<(String, String, String, String)>,
    can_edit: bool,
    errors: Vec<crate::shell::error::FormError>,
}

async fn owner_label(s: &AppState, t: T, r: &Resource) -> String {
    if let Some(o) = r.owner_org_id {
        return crate::shell::views::organization_name(s, o).await;
    }
    if let Some(u) = r.owner_user_id {
        let names = wushe_app::accounts::display_names(&s.db, &[u]).await.unwrap_or_default();
        return names.get(&u).map(|n| wushe_domain::people::mask_name(n)).unwrap_or_default();
    }
    t.t("resource.owner.community").to_string()
}

async fn show_page(
    s: &AppState,
    ctx: &Ctx,
    id: ResourceId,
    errors: Vec<crate::shell::error::FormError>,
) -> Result<ShowPage, AppError> {
    let t = ctx.t();
    let (r, rec) = resources::get(&s.db, &ctx.actor, id).await?;
    let full = ctx.actor.may(&rec, Ask::ResourceContact);
    let area = areas::by_id(&s.db, r.area_id).await?;
    let cats = category_names(s, t, r.community_id).await?;
    let (contact_name, contact_phone) = resources::shown_contact(&r, full);
    let address = resources::shown_address(&r, full);
    let exceptions = resources::exceptions(&s.db, r.id.get()).await?;
    let moves = if r.kind.has_stock() { resources::stock_moves(&s.db, &r).await? } else { vec![] };
    Ok(ShowPage {
        l: Layout::with_title(ctx, r.name.clone()),
        id: r.id.get(),
        kind: kind_label(t, r.kind),
        status: status_label(t, r.status),
        place: area.name,
        owner: owner_label(s, t, &r).await,
        description: r.description.clone(),
        categories: r
            .categories
            .iter()
            .map(|c| cats.get(c).cloned().unwrap_or_else(|| c.clone()))
            .collect::<Vec<_>>()
            .join("、"),
        tags: r.tags.join(" "),
        capacity: r.capacity,
        stock: r.quantity.map(|q| format!("{q} {}", r.unit)),
        expires_on: r.expires_on.clone().unwrap_or_default(),
        expired: expired(s, &r),
        schedule: schedule_text(t, &r.schedule),
        conditions: r.conditions.clone(),
        contact_name,
        contact_phone,
        address,
        bookable: r.kind.bookable(),
        booking_rules: t.f(
            "page.resource.booking_rules",
            &[
                &t.t(&format!("booking.who.{}", r.rules.who.code())),
                &r.rules.max_minutes,
                &t.t(if r.rules.approval { "booking.approval.yes" } else { "booking.approval.no" }),
            ],
        ),
        exceptions: exceptions
            .into_iter()
            .map(|x| {
                let Exception { day, start, end, open } = x.exception;
                (
                    x.id,
                    format!("{} {}", date_of(day), t.t(&format!("weekday.{}", weekday(day) - 1))),
                    format!(
                        "{}–{} {}",
                        clock(start),
                        clock(end),
                        t.t(if open { "resource.exception.open" } else { "resource.exception.closed" })
                    ),
                    x.note,
                )
            })
            .collect(),
        moves: moves
            .into_iter()
            .map(|m| (local_time(m.at), format!("{:+}", m.delta), m.balance.to_string(), m.reason))
            .collect(),
        can_edit: ctx.actor.may(&rec, Ask::ResourceEdit),
        errors,
    })
}

pub(crate) fn parse_id(raw: &str) -> Result<i64, AppError> {
    raw.parse::<i64>().map_err(|_| AppError::NotFound)
}

async fn show(State(s): State<AppState>, ctx: Ctx, Id(id): Id<ResourceId>) -> PageResult {
    Ok(html(&show_page(&s, &ctx, id, vec![]).await?))
}

/// Back to the resource page, or the page again with the problems.
async fn after_write(s: &AppState, ctx: &Ctx, id: ResourceId, r: Result<(), AppError>) -> PageResult {
    let t = ctx.t();
    match r {
        Ok(()) => Ok(crate::shell::flash::redirect(
            &format!("/resources/{id}"),
            crate::shell::flash::Flash::success(t.t("flash.resources.saved")),
        )),
        Err(err @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let (status, msgs) = crate::shell::error::form_problems(&err, t);
            let page = show_page(s, ctx, id, msgs).await?;
            Ok((status, html(&page)).into_response())
        }
        Err(err) => Err(WebError::page(err, t)),
    }
}

#[derive(Template)]
#[template(path = "resource_form.html")]
struct FormPage {
    l: Layout,
    action: String,
    f: ResourceForm,
    version: i64,
    kinds: Vec<(&'static str, String)>,
    statuses: Vec<(&'static str, String)>,
    who: Vec<(&'static str, String)>,
    owners: Vec<(String, String)>,
    categories: Vec<(String, String, bool)>,
    areas: Vec<(String, String)>,
    errors: Vec<crate::shell::error::FormError>,
}

async fn form_page(
    s: &AppState,
    ctx: &Ctx,
    community: &areas::Area,
    action: String,
    f: ResourceForm,
    version: i64,
    errors: Vec<crate::shell::error::FormError>,
) -> Result<FormPage, AppError> {
    let t = ctx.t();
    let manage = ctx.actor.can(Action::ResourceManage, Some(&community.path));
    let mut owners: Vec<(String, String)> = vec![("self".into(), t.t("resource.owner.self").to_string())];
    if manage {
        owners.insert(0, (String::new(), t.t("resource.owner.community").to_string()));
        for o in organizations::in_area(&s.db, &ctx.actor, community).await? {
            owners.push((format!("org:{}", o.id), o.name));
        }
    } else if let Some(uid) = ctx.actor.user_id
        && let Some(p) = wushe_app::accounts::person_of(&s.db, uid).await?
    {
        for (o, _) in organizations::posts_of(&s.db, p).await? {
            owners.push((format!("org:{}", o.id), o.name));
        }
    }
    if !f.owner.is_empty() && !owners.iter().any(|o| o.0 == f.owner) {
        owners.push((f.owner.clone(), f.owner.clone()));
    }
    let chosen: Vec<String> = f.categories.split([' ', ',']).map(str::to_string).collect();
    let cats = categories_of(s, community.community_id).await?;
    let mut places = vec![(community.code.clone(), community.name.clone())];
    for g in areas::divisions(&s.db, community).await? {
        places.push((g.area.code.clone(), format!("{} · {}", community.name, g.area.name)));
    }
    // The resource's own place, wherever it is, so saving never moves it by accident.
    if !f.area_code.is_empty() && !places.iter().any(|p| p.0 == f.area_code) {
        let here = areas::by_code(&s.db, &f.area_code).await?;
        places.push((here.code, here.name));
    }
    Ok(FormPage {
        l: Layout::new(ctx, "page.resource_form.title"),
        action,
        version,
        kinds: ResourceKind::ALL.iter().map(|k| (k.code(), kind_label(t, *k))).collect(),
        statuses: ResourceStatus::ALL.iter().map(|k| (k.code(), status_label(t, *k))).collect(),
        who: wushe_domain::resources::BookerClass::ALL
            .iter()
            .map(|w| (w.code(), t.t(&format!("booking.who.{}", w.code())).to_string()))
            .collect(),
        owners,
        categories: cats
            .into_iter()
            .map(|c| {
                let on = chosen.contains(&c.code);
                (c.code, if t.0 == Lang::En { c.name_en } else { c.name_zh }, on)
            })
            .collect(),
        areas: places,
        f,
        errors,
    })
}

async fn community_for(s: &AppState, ctx: &Ctx, code: &str) -> Result<areas::Area, AppError> {
    let c = areas::by_code(&s.db, code).await.map_err(|_| AppError::NotFound)?;
    if c.kind != wushe_domain::areas::AreaKind::Community {
        return Err(AppError::NotFound);
    }
    if ctx.actor.operator || ctx.actor.grants.member_of(Action::ResourceOwn, &c.path) {
        Ok(c)
    } else {
        Err(AppError::NotFound)
    }
}

async fn new_form(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> PageResult {
    let c = community_for(&s, &ctx, &code).await?;
    let f = ResourceForm {
        area_code: c.code.clone(),
        kind: "skill".into(),
        owner: "self".into(),
        capacity: "1".into(),
        ..Default::default()
    };
    Ok(html(&form_page(&s, &ctx, &c, format!("/communities/{code}/resources"), f, 0, vec![]).await?))
}

async fn create(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(f): PageForm<ResourcePageForm>,
) -> PageResult {
    let t = ctx.t();
    let e = |e| WebError::page(e, t);
    let c = community_for(&s, &ctx, &code).await?;
    let f = f.into_form();
    let r = async { resources::create(&s.db, &ctx.actor, s.now(), f.parse()?).await }.await;
    match r {
        Ok(r) => Ok(crate::shell::flash::redirect(
            &format!("/resources/{}", r.id),
            crate::shell::flash::Flash::success(t.f("flash.resources.added", &[&r.name])),
        )),
        Err(err @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let msgs = crate::shell::error::form_errors(&err, t);
            let page = form_page(&s, &ctx, &c, format!("/communities/{code}/resources"), f, 0, msgs).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response())
        }
        Err(err) => Err(e(err)),
    }
}

async fn editable(s: &AppState, ctx: &Ctx, id: ResourceId) -> Result<(Resource, areas::Area), AppError> {
    let r = resources::editable(&s.db, &ctx.actor, id).await?;
    let home = match r.community_id {
        Some(c) => areas::by_id(&s.db, c).await?,
        None => areas::by_id(&s.db, r.area_id).await?,
    };
    Ok((r, home))
}

async fn edit_form(State(s): State<AppState>, ctx: Ctx, Id(id): Id<ResourceId>) -> PageResult {
    let (r, home) = editable(&s, &ctx, id).await?;
    let mut f = ResourceForm::from(&r);
    f.area_code = areas::by_id(&s.db, r.area_id).await?.code;
    Ok(html(&form_page(&s, &ctx, &home, format!("/resources/{}", r.id), f, r.version, vec![]).await?))
}

async fn update(
    State(s): State<AppState>,
    ctx: Ctx,
    Id(id): Id<ResourceId>,
    PageForm(f): PageForm<ResourcePageForm>,
) -> PageResult {
    let t = ctx.t();
    let e = |e| WebError::page(e, t);
    let (r, home) = editable(&s, &ctx, id).await?;
    let version = f.version.trim().parse().unwrap_or(-1);
    let f = f.into_form();
    let result = async { resources::update(&s.db, &ctx.actor, s.now(), r.id, version, f.parse()?).await }.await;
    match result {
        Ok(r) => Ok(crate::shell::flash::redirect(
            &format!("/resources/{}", r.id),
            crate::shell::flash::Flash::success(t.f("flash.resources.added", &[&r.name])),
        )),
        Err(err @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let (status, msgs) = crate::shell::error::form_problems(&err, t);
            let page = form_page(&s, &ctx, &home, format!("/resources/{}", r.id), f, r.version, msgs).await?;
            Ok((status, html(&page)).into_response())
        }
        Err(err) => Err(e(err)),
    }
}

async fn stock(
    State(s): State<AppState>,
    ctx: Ctx,
    Id(id): Id<ResourceId>,
    PageForm(f): PageForm<StockForm>,
) -> PageResult {
    let r = resources::move_stock(&s.db, &ctx.actor, s.now(), id, &f.delta, &f.reason).await.map(|_| ());
    after_write(&s, &ctx, id, r).await
}

async fn add_exception(
    State(s): State<AppState>,
    ctx: Ctx,
    Id(id): Id<ResourceId>,
    PageForm(f): PageForm<ExceptionForm>,
) -> PageResult {
    resources::editable(&s.db, &ctx.actor, id).await?;
    let r = async {
        let x = Exception::parse(&f.date, &f.from, &f.to, f.open == "1")?;
        resources::add_exception(&s.db, &ctx.actor, s.now(), id, x, &f.note).await
    }
    .await;
    after_write(&s, &ctx, id, r).await
}

async fn remove_exception(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((id, exception)): Path<(String, String)>,
) -> PageResult {
    let (id, ex) = (ResourceId::parse(&id).ok_or(AppError::NotFound)?, parse_id(&exception)?);
    let r = resources::remove_exception(&s.db, &ctx.actor, s.now(), id, ex).await;
    after_write(&s, &ctx, id, r).await
}
