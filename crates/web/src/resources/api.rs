//! R1–R2 in the JSON API: the resource database, a need's matches, and import of an HSDS
//! directory file.

use crate::resources::forms::needed_at;
use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::ctx::api_err as err;
use crate::shell::error::{ApiResult, Problem, WebError};
use crate::shell::extract::ApiJson;
use crate::shell::extract::{Id, LaterJson, parse_id, text_or_number};
use crate::shell::registry::Registry;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use wushe_app::resources::{self, Filter, Resource, ResourceForm};
use wushe_app::{AppError, areas};
use wushe_domain::FieldError;
use wushe_domain::access::Action;
use wushe_domain::ids::ResourceId;
use wushe_domain::policy::Ask;
use wushe_domain::resources::date_of;

pub fn routes(r: &mut Registry) {
    r.api(Method::GET, "/api/v1/communities/{code}/resources", Action::ResourceRead, list);
    r.api(Method::POST, "/api/v1/resources", Action::ResourceOwn, create);
    r.api(Method::GET, "/api/v1/resources/{id}", Action::ResourceRead, detail);
    r.api(Method::PUT, "/api/v1/resources/{id}", Action::ResourceOwn, update);
    r.api(Method::POST, "/api/v1/resources/{id}/stock", Action::ResourceOwn, stock);
    r.api(Method::POST, "/api/v1/resources/{id}/exceptions", Action::ResourceOwn, add_exception);
    r.api(Method::DELETE, "/api/v1/resources/{id}/exceptions/{exception}", Action::ResourceOwn, remove_exception);
    r.api(Method::GET, "/api/v1/needs/{id}/matches", Action::NeedManage, matches);
    r.upload(
        crate::shell::route::Kind::Api,
        Method::POST,
        "/api/v1/communities/{code}/hsds/import",
        Action::ResourceManage,
        import_hsds,
    );
}

#[derive(OpenApi)]
#[openapi(paths(list, create, detail, update, stock, add_exception, remove_exception, matches, import_hsds))]
pub struct ResourcesApi;

/// A resource as the API shows it; a person's contact is masked unless the reader may see it.
#[derive(Serialize, ToSchema)]
pub struct ResourceDto {
    id: i64,
    kind: String,
    name: String,
    description: String,
    area_code: String,
    categories: Vec<String>,
    tags: Vec<String>,
    /// `org:ID`, `user:ID` or null (the community's own).
    owner: Option<String>,
    capacity: i64,
    quantity: Option<i64>,
    unit: String,
    expires_on: Option<String>,
    /// Weekly schedule in its canonical text (`1 09:00-12:00;3 14:00-18:00`); empty: by arrangement.
    schedule: String,
    conditions: String,
    contact_name: String,
    contact_phone: String,
    address: String,
    booking_who: String,
    booking_max_minutes: u16,
    booking_approval: bool,
    status: String,
    /// Dated changes to the weekly schedule.
    exceptions: Vec<ExceptionDto>,
    /// Pass back when updating: a stale version is refused with 409.
    version: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ExceptionDto {
    id: i64,
    /// Local date `YYYY-MM-DD`.
    date: String,
    from: String,
    to: String,
    /// true: an extra opening; false: closed.
    open: bool,
    note: String,
}

async fn dto(s: &AppState, ctx: &Ctx, r: &Resource) -> Result<ResourceDto, AppError> {
    dtos(s, ctx, std::slice::from_ref(r)).await?.pop().ok_or(AppError::NotFound)
}

/// DTOs of a list with one read each of the reader's organizations, the places and the
/// exceptions, whatever its length.
async fn dtos(s: &AppState, ctx: &Ctx, list: &[Resource]) -> Result<Vec<ResourceDto>, AppError> {
    let access = resources::Accessor::new(&s.db, &ctx.actor).await?;
    let places = areas::by_ids(&s.db, &list.iter().map(|r| r.area_id).collect::<Vec<_>>()).await?;
    let ids: Vec<i64> = list.iter().map(|r| r.id.get()).collect();
    let mut exceptions = resources::exceptions_of(&s.db, &ids).await?;
    list.iter()
        .map(|r| {
            let area_code = places.get(&r.area_id).map(|a| a.code.clone()).ok_or(AppError::NotFound)?;
            Ok(one_dto(
                r,
                ctx.actor.may(&access.record(r), Ask::ResourceContact),
                area_code,
                exceptions.remove(&r.id.get()).unwrap_or_default(),
            ))
        })
        .collect()
}

fn one_dto(
    r: &Resource,
    full_contact: bool,
    area_code: String,
    stored: Vec<resources::StoredException>,
) -> ResourceDto {
    let (contact_name, contact_phone) = resources::shown_contact(r, full_contact);
    let address = resources::shown_address(r, full_contact);
    let exceptions = stored
        .into_iter()
        .map(|x| ExceptionDto {
            id: x.id,
            date: date_of(x.exception.day),
            from: wushe_domain::resources::clock(x.exception.start),
            to: wushe_domain::resources::clock(x.exception.end),
            open: x.exception.open,
            note: x.note,
        })
        .collect();
    ResourceDto {
        exceptions,
        id: r.id.get(),
        kind: r.kind.code().into(),
        name: r.name.clone(),
        description: r.description.clone(),
        area_code,
        categories: r.categories.clone(),
        tags: r.tags.clone(),
        owner: r.assignee().map(|x| match x {
            wushe_app::needs::Assignee::Organization(o) => format!("org:{o}"),
            wushe_app::needs::Assignee::User(u) => format!("user:{u}"),
        }),
        capacity: r.capacity,
        quantity: r.quantity,
        unit: r.unit.clone(),
        expires_on: r.expires_on.clone(),
        schedule: r.schedule.code(),
        conditions: r.conditions.clone(),
        contact_name,
        contact_phone,
        address,
        booking_who: r.rules.who.code().into(),
        booking_max_minutes: r.rules.max_minutes,
        booking_approval: r.rules.approval,
        status: r.status.code().into(),
        version: r.version,
    }
}

#[derive(Serialize, ToSchema)]
pub struct ResourcePage {
    total: i64,
    items: Vec<ResourceDto>,
}

/// The resources of a community (and those placed on its street), filtered; 50 per page.
#[utoipa::path(get, path = "/api/v1/communities/{code}/resources",
    params(("code" = String, Path), ("kind" = Option<String>, Query), ("category" = Option<String>, Query),
        ("status" = Option<String>, Query), ("q" = Option<String>, Query), ("mine" = Option<String>, Query), ("page" = Option<i64>, Query)),
    responses((status = 200, body = ResourcePage), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn list(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    crate::shell::extract::ApiQuery(f): crate::shell::extract::ApiQuery<Filter>,
) -> ApiResult {
    let e = err(&ctx);
    let c = areas::by_code(&s.db, &code).await.map_err(|_| e(AppError::NotFound))?;
    let (list, total) = resources::list(&s.db, &ctx.actor, &c, &f).await?;
    let items = dtos(&s, &ctx, &list).await?;
    Ok(Json(ResourcePage { total, items }).into_response())
}

/// A resource form: every field is text, as on the page. `area_code` says where it is.
#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct ResourceBody {
    area_code: String,
    /// skill, service, space, supply, stockpile, equipment or fund.
    kind: String,
    name: String,
    description: String,
    /// Need category codes separated by spaces.
    categories: String,
    tags: String,
    /// `self`, `org:ID`, `user:ID` (staff) or empty for the community's own.
    owner: String,
    #[serde(deserialize_with = "text_or_number")]
    capacity: String,
    #[serde(deserialize_with = "text_or_number")]
    quantity: String,
    unit: String,
    expires_on: String,
    schedule: String,
    conditions: String,
    contact_name: String,
    contact_phone: String,
    address: String,
    booking_who: String,
    #[serde(deserialize_with = "text_or_number")]
    booking_max_minutes: String,
    booking_approval: String,
    status: String,
    /// For updates: the version read.
    version: Option<i64>,
}

impl ResourceBody {
    fn form(self) -> ResourceForm {
        ResourceForm {
            area_code: self.area_code,
            kind: self.kind,
            name: self.name,
            description: self.description,
            categories: self.categories,
            tags: self.tags,
            owner: self.owner,
            capacity: self.capacity,
            quantity: self.quantity,
            unit: self.unit,
            expires_on: self.expires_on,
            schedule: self.schedule,
            conditions: self.conditions,
            contact_name: self.contact_name,
            contact_phone: self.contact_phone,
            address: self.address,
            booking_who: self.booking_who,
            booking_max_minutes: self.booking_max_minutes,
            booking_approval: self.booking_approval,
            status: self.status,
        }
    }
}

/// Adds a resource: staff for their area, volunteers and organization members their own.
#[utoipa::path(post, path = "/api/v1/resources", request_body = ResourceBody,
    responses((status = 201, body = ResourceDto), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create(State(s): State<AppState>, ctx: Ctx, ApiJson(b): ApiJson<ResourceBody>) -> ApiResult {
    let e = err(&ctx);
    let new = b.form().parse().map_err(|x| e(x.into()))?;
    let r = resources::create(&s.db, &ctx.actor, s.now(), new).await?;
    Ok((StatusCode::CREATED, Json(dto(&s, &ctx, &r).await?)).into_response())
}

#[utoipa::path(get, path = "/api/v1/resources/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = ResourceDto), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn detail(State(s): State<AppState>, ctx: Ctx, Id(id): Id<ResourceId>) -> ApiResult {
    let (r, _) = resources::get(&s.db, &ctx.actor, id).await?;
    Ok(Json(dto(&s, &ctx, &r).await?).into_response())
}

/// Replaces a resource's fields at the version read (409 when someone changed it meanwhile).
/// Stock levels change only through stock moves.
#[utoipa::path(put, path = "/api/v1/resources/{id}", params(("id" = i64, Path)), request_body = ResourceBody,
    responses((status = 200, body = ResourceDto), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn update(State(s): State<AppState>, ctx: Ctx, Id(id): Id<ResourceId>, b: LaterJson<ResourceBody>) -> ApiResult {
    resources::editable(&s.db, &ctx.actor, id).await?;
    let b = b.body()?;
    let e = err(&ctx);
    let version = b.version.ok_or_else(|| e(FieldError::new("version", "errors.required").into()))?;
    let new = b.form().parse().map_err(|x| e(x.into()))?;
    let r = resources::update(&s.db, &ctx.actor, s.now(), id, version, new).await?;
    Ok(Json(dto(&s, &ctx, &r).await?).into_response())
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct StockBody {
    /// Units in (positive) or out (negative).
    #[serde(deserialize_with = "text_or_number")]
    delta: String,
    reason: String,
}

/// Moves stock in or out; a move that would take it below zero is refused (422, `delta`).
#[utoipa::path(post, path = "/api/v1/resources/{id}/stock", params(("id" = i64, Path)), request_body = StockBody,
    responses((status = 200, body = ResourceDto), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn stock(
    State(s): State<AppState>,
    ctx: Ctx,
    Id(id): Id<ResourceId>,
    ApiJson(b): ApiJson<StockBody>,
) -> ApiResult {
    let r = resources::move_stock(&s.db, &ctx.actor, s.now(), id, &b.delta, &b.reason).await?;
    Ok(Json(dto(&s, &ctx, &r).await?).into_response())
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct ExceptionBody {
    /// Local date `YYYY-MM-DD`.
    date: String,
    /// `HH:MM`; both empty for the whole day.
    from: String,
    to: String,
    /// true: an extra opening; false (default): closed.
    open: bool,
    note: String,
}

/// Adds a dated change to a resource's schedule (closed for a holiday, or an extra opening).
#[utoipa::path(post, path = "/api/v1/resources/{id}/exceptions", params(("id" = i64, Path)), request_body = ExceptionBody,
    responses((status = 200, body = ResourceDto), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn add_exception(
    State(s): State<AppState>,
    ctx: Ctx,
    Id(id): Id<ResourceId>,
    b: LaterJson<ExceptionBody>,
) -> ApiResult {
    resources::editable(&s.db, &ctx.actor, id).await?;
    let b = b.body()?;
    let e = err(&ctx);
    let x = wushe_domain::resources::Exception::parse(&b.date, &b.from, &b.to, b.open).map_err(|x| e(x.into()))?;
    resources::add_exception(&s.db, &ctx.actor, s.now(), id, x, &b.note).await?;
    let (r, _) = resources::get(&s.db, &ctx.actor, id).await?;
    Ok(Json(dto(&s, &ctx, &r).await?).into_response())
}

#[utoipa::path(delete, path = "/api/v1/resources/{id}/exceptions/{exception}", params(("id" = i64, Path), ("exception" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn remove_exception(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((id, exception)): Path<(String, String)>,
) -> ApiResult {
    let id = ResourceId::parse(&id).ok_or(AppError::NotFound)?;
    resources::remove_exception(&s.db, &ctx.actor, s.now(), id, parse_id(&exception)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Serialize, ToSchema)]
pub struct MatchDto {
    rank: usize,
    resource_id: i64,
    name: String,
    kind: String,
    /// `category` or `tags`.
    fit: String,
    available: bool,
    /// The group it is listed in: `now` (can serve at once), `later` (opens within two
    /// weeks) or `unavailable`; the list is ordered by tier first.
    tier: String,
    /// near, grid, community, street or farther.
    place: String,
    score: f64,
    /// Why it ranks here, in the request's language.
    reasons: Vec<String>,
    /// What to send as `assignee` to assign the need to it; null when nobody answers for it.
    assignee: Option<String>,
}

/// R2 — the resources that can serve a need, best first, each with its reasons. `at` is when
/// help is needed (`YYYY-MM-DDTHH:MM` local time or RFC 3339; default now).
#[utoipa::path(get, path = "/api/v1/needs/{id}/matches", params(("id" = i64, Path), ("limit" = Option<usize>, Query), ("at" = Option<String>, Query)),
    responses((status = 200, body = Vec<MatchDto>), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn matches(
    State(s): State<AppState>,
    ctx: Ctx,
    Id(id): Id<wushe_domain::ids::NeedId>,
    crate::shell::extract::ApiQuery(q): crate::shell::extract::ApiQuery<LimitQuery>,
) -> ApiResult {
    let e = err(&ctx);
    let t = ctx.t();
    let limit = q.limit.unwrap_or(20);
    if !(1..=200).contains(&limit) {
        return Err(e(FieldError::new("limit", "errors.limit.range").into()));
    }
    let at = needed_at(q.at.as_deref(), s.now()).map_err(|x| e(x.into()))?;
    let (_, list) = resources::matches(&s.db, &ctx.actor, id, at, limit).await?;
    let rows = crate::resources::views::match_rows(t, &list);
    let out: Vec<MatchDto> = list
        .iter()
        .zip(rows)
        .map(|(m, r)| MatchDto {
            rank: r.rank,
            resource_id: m.ranked.id,
            name: m.name.clone(),
            kind: m.kind.code().into(),
            fit: match m.ranked.fit {
                wushe_domain::matching::Fit::Category => "category".into(),
                wushe_domain::matching::Fit::Tags => "tags".into(),
            },
            available: m.ranked.available,
            tier: m.ranked.tier.code().into(),
            place: m.ranked.place.code().into(),
            score: (m.ranked.score * 1000.0).round() / 1000.0,
            reasons: r.reasons,
            assignee: (!r.assignee.is_empty()).then_some(r.assignee),
        })
        .collect();
    Ok(Json(out).into_response())
}

#[derive(Deserialize)]
pub struct LimitQuery {
    limit: Option<usize>,
    at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct HsdsImportDto {
    added: usize,
    skipped: usize,
}

/// Imports an Open Referral HSDS file (a JSON array of services, a page of them, or NDJSON)
/// into the community's resource database; all or nothing. Problems name `entry:N:field`.
#[utoipa::path(post, path = "/api/v1/communities/{code}/hsds/import", params(("code" = String, Path)),
    request_body(content = Vec<u8>, content_type = "application/json"),
    responses((status = 200, body = HsdsImportDto), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn import_hsds(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult {
    let e = err(&ctx);
    let t = ctx.t();
    let c = crate::shell::scope::curated_community(&s, &ctx, &code).await?;
    let (added, skipped) = wushe_app::resources::hsds::import_directory(&s.db, s.now(), &ctx.actor, &c, &body)
        .await
        .map_err(|x| match x {
            wushe_app::resources::hsds::DirectoryError::Entries(list) => {
                WebError::from_problem(crate::shell::error::problem(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_input",
                    t.t("errors.title.invalid").into(),
                    t.t("page.import.failed").into(),
                    list.into_iter()
                        .map(|(n, f)| crate::shell::error::FieldProblem {
                            field: format!("entry:{n}:{f}"),
                            code: "errors.hsds.entry".into(),
                            message: t.f("errors.hsds.entry", &[&n, &f]),
                        })
                        .collect(),
                ))
            }
            wushe_app::resources::hsds::DirectoryError::App(a) => e(a),
        })?;
    Ok(Json(HsdsImportDto { added, skipped }).into_response())
}
