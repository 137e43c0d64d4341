//! R1–R4 in the JSON API: the resource database, a need's matches, claiming from the list,
//! facility booking, and import of an HSDS directory file.

use crate::resources::forms::needed_at;
use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::error::{Problem, WebError};
use crate::shell::extract::ApiJson;
use crate::shell::registry::Registry;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use wushe_app::bookings::{self, Booking, BookingForm};
use wushe_app::resources::{self, Filter, Resource, ResourceForm};
use wushe_app::{AppError, areas, claims};
use wushe_domain::FieldError;
use wushe_domain::access::Action;
use wushe_domain::resources::{date_of, local_day_minute, parse_date};

pub fn routes(r: &mut Registry) {
    r.api(Method::GET, "/api/v1/communities/{code}/resources", Action::ResourceRead, list);
    r.api(Method::POST, "/api/v1/resources", Action::ResourceOwn, create);
    r.api(Method::GET, "/api/v1/resources/{id}", Action::ResourceRead, detail);
    r.api(Method::PUT, "/api/v1/resources/{id}", Action::ResourceOwn, update);
    r.api(Method::POST, "/api/v1/resources/{id}/stock", Action::ResourceOwn, stock);
    r.api(Method::POST, "/api/v1/resources/{id}/exceptions", Action::ResourceOwn, add_exception);
    r.api(Method::DELETE, "/api/v1/resources/{id}/exceptions/{exception}", Action::ResourceOwn, remove_exception);
    r.api(Method::GET, "/api/v1/needs/{id}/matches", Action::NeedManage, matches);
    r.api(Method::POST, "/api/v1/needs/{id}/listing", Action::NeedManage, list_need);
    r.api(Method::DELETE, "/api/v1/needs/{id}/listing", Action::NeedManage, unlist_need);
    r.api(Method::GET, "/api/v1/claims", Action::NeedClaim, claimable);
    r.api(Method::POST, "/api/v1/needs/{id}/claim", Action::NeedClaim, claim);
    r.api(Method::POST, "/api/v1/needs/{id}/claim/release", Action::OwnAccount, release);
    r.api(Method::GET, "/api/v1/communities/{code}/spaces", Action::Public, spaces);
    r.api(Method::GET, "/api/v1/spaces/{id}/slots", Action::Public, slots);
    r.api(Method::POST, "/api/v1/spaces/{id}/bookings", Action::FacilityBook, book);
    r.api(Method::GET, "/api/v1/my/bookings", Action::FacilityBook, my_bookings);
    r.api(Method::POST, "/api/v1/my/bookings/feed", Action::FacilityBook, new_feed);
    r.api(Method::GET, "/api/v1/communities/{code}/bookings/pending", Action::BookingManage, pending);
    r.api(Method::PUT, "/api/v1/bookings/{id}", Action::FacilityBook, change);
    r.api(Method::POST, "/api/v1/bookings/{id}/cancel", Action::FacilityBook, cancel);
    r.api(Method::POST, "/api/v1/bookings/{id}/decision", Action::BookingManage, decide);
    r.upload(
        crate::shell::route::Kind::Api,
        Method::POST,
        "/api/v1/communities/{code}/hsds/import",
        Action::ResourceManage,
        import_hsds,
    );
}

#[derive(OpenApi)]
#[openapi(paths(
    list,
    create,
    detail,
    update,
    stock,
    add_exception,
    remove_exception,
    matches,
    list_need,
    unlist_need,
    claimable,
    claim,
    release,
    spaces,
    slots,
    book,
    my_bookings,
    new_feed,
    pending,
    change,
    cancel,
    decide,
    import_hsds
))]
pub struct ResourcesApi;

type ApiResult = Result<Response, WebError>;

fn err(ctx: &Ctx) -> impl Fn(AppError) -> WebError + '_ {
    move |e| WebError::api(e, ctx.t())
}

/// Number fields accept a JSON number or the same digits as text (forms send text).
fn text_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        serde_json::Value::Null => Ok(String::new()),
        _ => Err(serde::de::Error::custom("expected a number")),
    }
}

fn id_of(raw: &str) -> Result<i64, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

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
    let ids: Vec<i64> = list.iter().map(|r| r.id).collect();
    let mut exceptions = resources::exceptions_of(&s.db, &ids).await?;
    list.iter()
        .map(|r| {
            let area_code = places.get(&r.area_id).map(|a| a.code.clone()).ok_or(AppError::NotFound)?;
            Ok(one_dto(r, access.access(r), area_code, exceptions.remove(&r.id).unwrap_or_default()))
        })
        .collect()
}

fn one_dto(
    r: &Resource,
    a: resources::Access,
    area_code: String,
    stored: Vec<resources::StoredException>,
) -> ResourceDto {
    let (contact_name, contact_phone) = resources::shown_contact(r, &a);
    let address = resources::shown_address(r, &a);
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
        id: r.id,
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
    let (list, total) = resources::list(&s.db, &ctx.actor, &c, &f).await.map_err(&e)?;
    let items = dtos(&s, &ctx, &list).await.map_err(&e)?;
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
    let r = resources::create(&s.db, &ctx.actor, s.now(), new).await.map_err(&e)?;
    Ok((StatusCode::CREATED, Json(dto(&s, &ctx, &r).await.map_err(&e)?)).into_response())
}

#[utoipa::path(get, path = "/api/v1/resources/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = ResourceDto), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn detail(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> ApiResult {
    let e = err(&ctx);
    let (r, _) = resources::get(&s.db, &ctx.actor, id_of(&id).map_err(&e)?).await.map_err(&e)?;
    Ok(Json(dto(&s, &ctx, &r).await.map_err(&e)?).into_response())
}

/// Replaces a resource's fields at the version read (409 when someone changed it meanwhile).
/// Stock levels change only through stock moves.
#[utoipa::path(put, path = "/api/v1/resources/{id}", params(("id" = i64, Path)), request_body = ResourceBody,
    responses((status = 200, body = ResourceDto), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn update(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ResourceBody>,
) -> ApiResult {
    let e = err(&ctx);
    let id = id_of(&id).map_err(&e)?;
    let version = b.version.ok_or_else(|| e(FieldError::new("version", "errors.required").into()))?;
    let new = b.form().parse().map_err(|x| e(x.into()))?;
    let r = resources::update(&s.db, &ctx.actor, s.now(), id, version, new).await.map_err(&e)?;
    Ok(Json(dto(&s, &ctx, &r).await.map_err(&e)?).into_response())
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
    Path(id): Path<String>,
    ApiJson(b): ApiJson<StockBody>,
) -> ApiResult {
    let e = err(&ctx);
    let r = resources::move_stock(&s.db, &ctx.actor, s.now(), id_of(&id).map_err(&e)?, &b.delta, &b.reason)
        .await
        .map_err(&e)?;
    Ok(Json(dto(&s, &ctx, &r).await.map_err(&e)?).into_response())
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
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ExceptionBody>,
) -> ApiResult {
    let e = err(&ctx);
    let id = id_of(&id).map_err(&e)?;
    let x = wushe_domain::resources::Exception::parse(&b.date, &b.from, &b.to, b.open).map_err(|x| e(x.into()))?;
    resources::add_exception(&s.db, &ctx.actor, s.now(), id, x, &b.note).await.map_err(&e)?;
    let (r, _) = resources::get(&s.db, &ctx.actor, id).await.map_err(&e)?;
    Ok(Json(dto(&s, &ctx, &r).await.map_err(&e)?).into_response())
}

#[utoipa::path(delete, path = "/api/v1/resources/{id}/exceptions/{exception}", params(("id" = i64, Path), ("exception" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn remove_exception(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((id, exception)): Path<(String, String)>,
) -> ApiResult {
    let e = err(&ctx);
    resources::remove_exception(&s.db, &ctx.actor, s.now(), id_of(&id).map_err(&e)?, id_of(&exception).map_err(&e)?)
        .await
        .map_err(&e)?;
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
    Path(id): Path<String>,
    crate::shell::extract::ApiQuery(q): crate::shell::extract::ApiQuery<LimitQuery>,
) -> ApiResult {
    let e = err(&ctx);
    let t = ctx.t();
    let limit = q.limit.unwrap_or(20);
    if !(1..=200).contains(&limit) {
        return Err(e(FieldError::new("limit", "errors.limit.range").into()));
    }
    let at = needed_at(q.at.as_deref(), s.now()).map_err(|x| e(x.into()))?;
    let (_, list) = resources::matches(&s.db, &ctx.actor, id_of(&id).map_err(&e)?, at, limit).await.map_err(&e)?;
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

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct ListingBody {
    /// How long a claim may wait before work starts, 1–720 (default 48).
    #[serde(deserialize_with = "text_or_number")]
    claim_hours: String,
}

/// R3 — puts an open need on the community's list for claiming.
#[utoipa::path(post, path = "/api/v1/needs/{id}/listing", params(("id" = i64, Path)), request_body = ListingBody,
    responses((status = 204), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn list_need(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ListingBody>,
) -> ApiResult {
    let e = err(&ctx);
    claims::list_need(&s.db, &ctx.actor, s.now(), id_of(&id).map_err(&e)?, &b.claim_hours).await.map_err(&e)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Takes a need off the claim list.
#[utoipa::path(delete, path = "/api/v1/needs/{id}/listing", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn unlist_need(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> ApiResult {
    let e = err(&ctx);
    claims::unlist_need(&s.db, &ctx.actor, s.now(), id_of(&id).map_err(&e)?).await.map_err(&e)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Serialize, ToSchema)]
pub struct ClaimableDto {
    need_id: i64,
    title: String,
    /// Whether the claimant's own resources serve its category.
    fits: bool,
    place: String,
    claim_hours: i64,
}

/// The listed needs nobody holds, fitting ones and nearest first (`all=1`: also unfit ones).
#[utoipa::path(get, path = "/api/v1/claims", params(("all" = Option<String>, Query)),
    responses((status = 200, body = Vec<ClaimableDto>)))]
async fn claimable(
    State(s): State<AppState>,
    ctx: Ctx,
    crate::shell::extract::ApiQuery(q): crate::shell::extract::ApiQuery<AllQuery>,
) -> ApiResult {
    let e = err(&ctx);
    let list = claims::claimable(&s.db, &ctx.actor, q.all.as_deref() == Some("1")).await.map_err(&e)?;
    Ok(Json(
        list.into_iter()
            .map(|c| ClaimableDto {
                need_id: c.need.id,
                title: c.need.title,
                fits: c.fits,
                place: c.place.code().into(),
                claim_hours: c.claim_hours,
            })
            .collect::<Vec<_>>(),
    )
    .into_response())
}

#[derive(Deserialize)]
pub struct AllQuery {
    all: Option<String>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct ClaimBody {
    /// Claim for this organization (one is a member of) instead of oneself.
    org: Option<i64>,
    /// For a release: why.
    note: String,
}

/// Claims a listed need. Of two claims at once exactly one wins; the other gets 409
/// `errors.claim.taken`.
#[utoipa::path(post, path = "/api/v1/needs/{id}/claim", params(("id" = i64, Path)), request_body = ClaimBody,
    responses((status = 200, description = "The need, now assigned to the claimant"), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn claim(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ClaimBody>,
) -> ApiResult {
    let e = err(&ctx);
    let n = claims::claim(&s.db, &ctx.actor, s.now(), id_of(&id).map_err(&e)?, b.org).await.map_err(&e)?;
    Ok(Json(crate::needs::api::need_dto(&s, &n).await.map_err(&e)?).into_response())
}

/// Releases one's claim (or, for staff, anyone's): the need goes back on the list.
#[utoipa::path(post, path = "/api/v1/needs/{id}/claim/release", params(("id" = i64, Path)), request_body = ClaimBody,
    responses((status = 200, description = "The need, back on the list"), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn release(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ClaimBody>,
) -> ApiResult {
    let e = err(&ctx);
    let n = claims::release(&s.db, &ctx.actor, s.now(), id_of(&id).map_err(&e)?, &b.note).await.map_err(&e)?;
    Ok(Json(crate::needs::api::need_dto(&s, &n).await.map_err(&e)?).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct SpaceDto {
    id: i64,
    name: String,
    schedule: String,
    /// closed, free, booked or in_use, now.
    status: String,
    capacity: i64,
    booking_who: String,
    booking_max_minutes: u16,
    booking_approval: bool,
}

/// A community's bookable spaces with their live status (public).
#[utoipa::path(get, path = "/api/v1/communities/{code}/spaces", params(("code" = String, Path)),
    responses((status = 200, body = Vec<SpaceDto>)))]
async fn spaces(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> ApiResult {
    let e = err(&ctx);
    let c = areas::by_code(&s.db, &code).await.map_err(|_| e(AppError::NotFound))?;
    let now = s.now();
    let mut out = Vec::new();
    for r in resources::bookable_in(&s.db, &c).await.map_err(&e)? {
        let st = bookings::live_status(&s.db, &r, now).await.map_err(&e)?;
        out.push(SpaceDto {
            id: r.id,
            name: r.name.clone(),
            schedule: r.schedule.code(),
            status: st.code().into(),
            capacity: r.capacity,
            booking_who: r.rules.who.code().into(),
            booking_max_minutes: r.rules.max_minutes,
            booking_approval: r.rules.approval,
        });
    }
    Ok(Json(out).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct SlotDto {
    starts_at: String,
    status: String,
}

#[derive(Deserialize)]
pub struct DayQuery {
    date: Option<String>,
}

/// Half-hour slots of one local day (`date=YYYY-MM-DD`, default today) with their status.
#[utoipa::path(get, path = "/api/v1/spaces/{id}/slots", params(("id" = i64, Path), ("date" = Option<String>, Query)),
    responses((status = 200, body = Vec<SlotDto>)))]
async fn slots(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    crate::shell::extract::ApiQuery(q): crate::shell::extract::ApiQuery<DayQuery>,
) -> ApiResult {
    let e = err(&ctx);
    let r = resources::bookable(&s.db, id_of(&id).map_err(&e)?).await.map_err(&e)?;
    let day = match q.date.as_deref().filter(|d| !d.is_empty()) {
        Some(d) => parse_date(d).ok_or_else(|| e(FieldError::new("date", "errors.date.invalid").into()))?,
        None => local_day_minute(s.now()).0,
    };
    let list = bookings::day_slots(&s.db, &r, day, s.now()).await.map_err(&e)?;
    Ok(Json(
        list.into_iter()
            .map(|(at, st)| SlotDto { starts_at: crate::shell::layout::rfc3339(at), status: st.code().into() })
            .collect::<Vec<_>>(),
    )
    .into_response())
}

#[derive(Serialize, ToSchema)]
pub struct BookingDto {
    id: i64,
    space_id: i64,
    starts_at: String,
    ends_at: String,
    purpose: String,
    attendees: i64,
    /// requested, confirmed, rejected or cancelled.
    status: String,
    version: i64,
}

fn booking_dto(b: &Booking) -> BookingDto {
    BookingDto {
        id: b.id,
        space_id: b.resource_id,
        starts_at: crate::shell::layout::rfc3339(b.starts_at),
        ends_at: crate::shell::layout::rfc3339(b.ends_at),
        purpose: b.purpose.clone(),
        attendees: b.attendees,
        status: b.status.code().into(),
        version: b.version,
    }
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct BookingBody {
    /// Local date `YYYY-MM-DD` (China Standard Time).
    date: String,
    /// Local time `HH:MM`, on the half hour.
    from: String,
    to: String,
    purpose: String,
    #[serde(deserialize_with = "text_or_number")]
    attendees: String,
}

impl BookingBody {
    fn form(self) -> BookingForm {
        BookingForm { date: self.date, from: self.from, to: self.to, purpose: self.purpose, attendees: self.attendees }
    }
}

/// Books a space. A slot already held answers 409 `errors.booking.taken`; outside opening hours
/// or over the maximum, 422 naming the field.
#[utoipa::path(post, path = "/api/v1/spaces/{id}/bookings", params(("id" = i64, Path)), request_body = BookingBody,
    responses((status = 201, body = BookingDto), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn book(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<BookingBody>,
) -> ApiResult {
    let e = err(&ctx);
    let bk = bookings::book(&s.db, &ctx.actor, s.now(), id_of(&id).map_err(&e)?, &b.form()).await.map_err(&e)?;
    Ok((StatusCode::CREATED, Json(booking_dto(&bk))).into_response())
}

/// One's bookings from yesterday on.
#[utoipa::path(get, path = "/api/v1/my/bookings", responses((status = 200, body = Vec<BookingDto>)))]
async fn my_bookings(State(s): State<AppState>, ctx: Ctx) -> ApiResult {
    let e = err(&ctx);
    let list = bookings::mine(&s.db, &ctx.actor, s.now() - 86_400_000).await.map_err(&e)?;
    Ok(Json(list.iter().map(booking_dto).collect::<Vec<_>>()).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct FeedDto {
    /// The private iCalendar address of one's bookings; earlier addresses stop working.
    path: String,
}

/// Makes a new personal calendar feed address.
#[utoipa::path(post, path = "/api/v1/my/bookings/feed", responses((status = 200, body = FeedDto)))]
async fn new_feed(State(s): State<AppState>, ctx: Ctx) -> ApiResult {
    let e = err(&ctx);
    let token = bookings::new_feed_token(&s.db, &ctx.actor, s.now()).await.map_err(&e)?;
    Ok(Json(FeedDto { path: format!("/calendar/{token}.ics") }).into_response())
}

/// Bookings awaiting approval in a community's spaces.
#[utoipa::path(get, path = "/api/v1/communities/{code}/bookings/pending", params(("code" = String, Path)),
    responses((status = 200, body = Vec<BookingDto>), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn pending(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> ApiResult {
    let e = err(&ctx);
    let c = crate::resources::queries::curated_community(&s, &ctx, &code).await.map_err(&e)?;
    let list = bookings::pending(&s.db, &ctx.actor, &c).await.map_err(&e)?;
    Ok(Json(list.iter().map(booking_dto).collect::<Vec<_>>()).into_response())
}

/// Moves a booking to another time (all or nothing: a taken new time keeps the old booking).
#[utoipa::path(put, path = "/api/v1/bookings/{id}", params(("id" = i64, Path)), request_body = BookingBody,
    responses((status = 200, body = BookingDto), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn change(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<BookingBody>,
) -> ApiResult {
    let e = err(&ctx);
    let bk = bookings::change(&s.db, &ctx.actor, s.now(), id_of(&id).map_err(&e)?, &b.form()).await.map_err(&e)?;
    Ok(Json(booking_dto(&bk)).into_response())
}

#[utoipa::path(post, path = "/api/v1/bookings/{id}/cancel", params(("id" = i64, Path)),
    responses((status = 200, body = BookingDto), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn cancel(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> ApiResult {
    let e = err(&ctx);
    let bk = bookings::cancel(&s.db, &ctx.actor, s.now(), id_of(&id).map_err(&e)?).await.map_err(&e)?;
    Ok(Json(booking_dto(&bk)).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct DecisionBody {
    /// `approve` or `reject`.
    decision: String,
}

/// Approves or rejects a requested booking.
#[utoipa::path(post, path = "/api/v1/bookings/{id}/decision", params(("id" = i64, Path)), request_body = DecisionBody,
    responses((status = 200, body = BookingDto), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn decide(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<DecisionBody>,
) -> ApiResult {
    let e = err(&ctx);
    let approve = match b.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(e(FieldError::new("decision", "errors.booking.decision").into())),
    };
    let bk = bookings::decide(&s.db, &ctx.actor, s.now(), id_of(&id).map_err(&e)?, approve).await.map_err(&e)?;
    Ok(Json(booking_dto(&bk)).into_response())
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
    let c = crate::resources::queries::curated_community(&s, &ctx, &code).await.map_err(&e)?;
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
