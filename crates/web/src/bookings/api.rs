//! R4 in the JSON API: spaces and their free slots, booking, changing, cancelling, deciding,
//! and personal calendar feeds.

use crate::shell::AppState;
use crate::shell::ctx::{Ctx, api_err as err};
use crate::shell::error::{ApiResult, Problem};
use crate::shell::extract::{ApiJson, Id, text_or_number};
use crate::shell::registry::Registry;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use wushe_app::bookings::{self, Booking, BookingForm};
use wushe_app::resources::{self};
use wushe_app::{AppError, areas};
use wushe_domain::FieldError;
use wushe_domain::access::Action;
use wushe_domain::ids::BookingId;
use wushe_domain::ids::ResourceId;
use wushe_domain::resources::{local_day_minute, parse_date};

pub fn routes(r: &mut Registry) {
    r.api(Method::GET, "/api/v1/communities/{code}/spaces", Action::Public, spaces);
    r.api(Method::GET, "/api/v1/spaces/{id}/slots", Action::Public, slots);
    r.api(Method::POST, "/api/v1/spaces/{id}/bookings", Action::FacilityBook, book);
    r.api(Method::GET, "/api/v1/my/bookings", Action::FacilityBook, my_bookings);
    r.api(Method::POST, "/api/v1/my/bookings/feed", Action::FacilityBook, new_feed);
    r.api(Method::GET, "/api/v1/communities/{code}/bookings/pending", Action::BookingManage, pending);
    r.api(Method::PUT, "/api/v1/bookings/{id}", Action::FacilityBook, change);
    r.api(Method::POST, "/api/v1/bookings/{id}/cancel", Action::FacilityBook, cancel);
    r.api(Method::POST, "/api/v1/bookings/{id}/decision", Action::BookingManage, decide);
}

#[derive(OpenApi)]
#[openapi(paths(spaces, slots, book, my_bookings, new_feed, pending, change, cancel, decide))]
pub struct BookingsApi;

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
    for r in resources::bookable_in(&s.db, &c).await? {
        let st = bookings::live_status(&s.db, &r, now).await?;
        out.push(SpaceDto {
            id: r.id.get(),
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
    Id(id): Id<ResourceId>,
    crate::shell::extract::ApiQuery(q): crate::shell::extract::ApiQuery<DayQuery>,
) -> ApiResult {
    let e = err(&ctx);
    let r = resources::bookable(&s.db, id).await?;
    let day = match q.date.as_deref().filter(|d| !d.is_empty()) {
        Some(d) => parse_date(d).ok_or_else(|| e(FieldError::new("date", "errors.date.invalid").into()))?,
        None => local_day_minute(s.now()).0,
    };
    let list = bookings::day_slots(&s.db, &r, day, s.now()).await?;
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
        id: b.id.get(),
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
    Id(id): Id<ResourceId>,
    ApiJson(b): ApiJson<BookingBody>,
) -> ApiResult {
    let bk = bookings::book(&s.db, &ctx.actor, s.now(), id, &b.form()).await?;
    Ok((StatusCode::CREATED, Json(booking_dto(&bk))).into_response())
}

/// One's bookings from yesterday on.
#[utoipa::path(get, path = "/api/v1/my/bookings", responses((status = 200, body = Vec<BookingDto>)))]
async fn my_bookings(State(s): State<AppState>, ctx: Ctx) -> ApiResult {
    let list = bookings::mine(&s.db, &ctx.actor, s.now() - 86_400_000).await?;
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
    let token = bookings::new_feed_token(&s.db, &ctx.actor, s.now()).await?;
    Ok(Json(FeedDto { path: format!("/calendar/{token}.ics") }).into_response())
}

/// Bookings awaiting approval in a community's spaces.
#[utoipa::path(get, path = "/api/v1/communities/{code}/bookings/pending", params(("code" = String, Path)),
    responses((status = 200, body = Vec<BookingDto>), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn pending(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> ApiResult {
    let c = crate::shell::scope::curated_community(&s, &ctx, &code).await?;
    let list = bookings::pending(&s.db, &ctx.actor, &c).await?;
    Ok(Json(list.iter().map(booking_dto).collect::<Vec<_>>()).into_response())
}

/// Moves a booking to another time (all or nothing: a taken new time keeps the old booking).
#[utoipa::path(put, path = "/api/v1/bookings/{id}", params(("id" = i64, Path)), request_body = BookingBody,
    responses((status = 200, body = BookingDto), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn change(
    State(s): State<AppState>,
    ctx: Ctx,
    Id(id): Id<BookingId>,
    ApiJson(b): ApiJson<BookingBody>,
) -> ApiResult {
    let bk = bookings::change(&s.db, &ctx.actor, s.now(), id, &b.form()).await?;
    Ok(Json(booking_dto(&bk)).into_response())
}

#[utoipa::path(post, path = "/api/v1/bookings/{id}/cancel", params(("id" = i64, Path)),
    responses((status = 200, body = BookingDto), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn cancel(State(s): State<AppState>, ctx: Ctx, Id(id): Id<BookingId>) -> ApiResult {
    let bk = bookings::cancel(&s.db, &ctx.actor, s.now(), id).await?;
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
    Id(id): Id<BookingId>,
    ApiJson(b): ApiJson<DecisionBody>,
) -> ApiResult {
    let e = err(&ctx);
    let approve = match b.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(e(FieldError::new("decision", "errors.booking.decision").into())),
    };
    let bk = bookings::decide(&s.db, &ctx.actor, s.now(), id, approve).await?;
    Ok(Json(booking_dto(&bk)).into_response())
}
