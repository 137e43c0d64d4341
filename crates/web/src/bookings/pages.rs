//! R4 pages: a community's spaces with their live status, a space's day calendar with the
//! booking form, one's own bookings (change, cancel, personal calendar feed), staff decisions
//! on bookings that need approval, and the iCalendar feeds per space and per person.

use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::error::PageResult;
use crate::shell::error::WebError;
use crate::shell::extract::{Id, PageForm};
use crate::shell::i18n::T;
use crate::shell::layout::html;
use crate::shell::layout::{Layout, local_time};
use crate::shell::registry::Registry;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{Method, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use wushe_app::bookings::{self, Booking, BookingForm};
use wushe_app::resources::{self, Resource};
use wushe_app::{AppError, areas};
use wushe_domain::access::Action;
use wushe_domain::ids::BookingId;
use wushe_domain::ids::ResourceId;
use wushe_domain::resources::{BookingStatus, LiveStatus, date_of, local_day_minute, parse_date, weekday};

pub fn routes(r: &mut Registry) {
    r.page(Method::GET, "/communities/{code}/spaces", Action::Public, spaces);
    r.page(Method::GET, "/communities/{code}/bookings", Action::BookingManage, pending);
    r.page(Method::GET, "/spaces/{id}", Action::Public, space);
    r.page(Method::GET, "/spaces/{id}/calendar.ics", Action::Public, space_feed);
    r.page(Method::POST, "/spaces/{id}/bookings", Action::FacilityBook, book);
    r.page(Method::GET, "/my/bookings", Action::FacilityBook, mine);
    r.page(Method::POST, "/my/bookings/feed", Action::FacilityBook, new_feed);
    r.page(Method::POST, "/bookings/{id}/cancel", Action::FacilityBook, cancel);
    r.page(Method::POST, "/bookings/{id}/change", Action::FacilityBook, change);
    r.page(Method::POST, "/bookings/{id}/decision", Action::BookingManage, decide);
    r.page(Method::GET, "/calendar/{token}", Action::Public, personal_feed);
}

pub fn live_label(t: T, s: LiveStatus) -> String {
    t.t(&format!("booking.live.{}", s.code())).to_string()
}

pub fn status_label(t: T, s: BookingStatus) -> String {
    t.t(&format!("booking.status.{}", s.code())).to_string()
}

/// A space or piece of equipment as the list shows it, with today's next free slots.
pub struct SpaceCard {
    id: i64,
    name: String,
    schedule: String,
    live: &'static str,
    live_label: String,
    /// The next free half hours today (up to six), each a link to book it.
    free: Vec<String>,
    today: String,
}

#[derive(Template)]
#[template(path = "spaces.html")]
struct SpacesPage {
    l: Layout,
    code: String,
    /// Rooms and halls, booked by the half hour.
    spaces: Vec<SpaceCard>,
    /// Equipment lent out by the half hour (a projector, a tent), listed apart from rooms.
    equipment: Vec<SpaceCard>,
    can_manage: bool,
}

/// How many free slots a card offers to tap.
const FREE_SHOWN: usize = 6;

async fn spaces(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> PageResult {
    let t = ctx.t();
    let e = |e| WebError::page(e, t);
    let c = areas::by_code(&s.db, &code).await.map_err(|_| e(AppError::NotFound))?;
    if c.kind != wushe_domain::areas::AreaKind::Community {
        return Err(e(AppError::NotFound));
    }
    let now = s.now();
    let today = local_day_minute(now).0;
    let (mut spaces, mut equipment) = (Vec::new(), Vec::new());
    for r in resources::bookable_in(&s.db, &c).await? {
        // One read of today's half hours gives both the status now and the free slots ahead.
        let slot_ms = i64::from(wushe_domain::resources::SLOT_MINUTES) * 60_000;
        let day = bookings::slots(&s.db, &r, today, 1, now).await?;
        let live = day.iter().find(|(at, _)| *at <= now && now < at + slot_ms).map_or(LiveStatus::Closed, |x| x.1);
        let free = day
            .into_iter()
            .filter(|(at, st)| *st == LiveStatus::Free && *at + slot_ms > now)
            .take(FREE_SHOWN)
            .map(|(at, _)| local_time(at)[11..].to_string())
            .collect();
        let card = SpaceCard {
            id: r.id.get(),
            name: r.name.clone(),
            schedule: crate::shell::views::schedule_text(t, &r.schedule),
            live: live.code(),
            live_label: live_label(t, live),
            free,
            today: date_of(today),
        };
        if r.kind == wushe_domain::resources::ResourceKind::Space { spaces.push(card) } else { equipment.push(card) }
    }
    Ok(html(&SpacesPage {
        l: Layout::with_title(&ctx, t.f("page.spaces.title", &[&c.name])),
        can_manage: ctx.actor.can(Action::BookingManage, Some(&c.path)),
        code: c.code,
        spaces,
        equipment,
    }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DayQuery {
    date: String,
    /// A tapped free slot: the form opens beside it, starting then.
    from: String,
}

pub struct SlotRow {
    pub time: String,
    pub code: &'static str,
    pub label: String,
    /// The form is drawn beside this slot: it was tapped, or the form failed for it.
    pub chosen: bool,
}

/// One day of the week ahead: its date, weekday and how many half hours are free.
pub struct DayRow {
    date: String,
    weekday: String,
    free: usize,
    open: bool,
    current: bool,
}

#[derive(Template)]
#[template(path = "space.html")]
struct SpacePage {
    l: Layout,
    id: i64,
    day_label: String,
    prev: String,
    next: String,
    rules: String,
    schedule: String,
    capacity: i64,
    slots: Vec<SlotRow>,
    /// The week from this day: (date, weekday) headers and, per half hour open on any of the
    /// days, its time and each day's status code.
    week: Vec<DayRow>,
    /// Some slot has the form beside it; otherwise the form follows the slots.
    chosen: bool,
    /// Equipment is lent, a space is booked: the words differ.
    equipment: bool,
    /// Start and end times offered by the form: the open half hours of the day.
    from_options: Vec<String>,
    to_options: Vec<String>,
    signed_in: bool,
    form: BookingForm,
    errors: Vec<crate::shell::error::FormError>,
}

async fn space_page(
    s: &AppState,
    ctx: &Ctx,
    r: &Resource,
    day: i64,
    form: BookingForm,
    errors: Vec<crate::shell::error::FormError>,
) -> Result<SpacePage, AppError> {
    let t = ctx.t();
    let now = s.now();
    // One read for the week; its first day is the day shown.
    let week = bookings::slots(&s.db, r, day, 7, now).await?;
    let per_day = week.len() / 7;
    let slots: Vec<SlotRow> = week[..per_day]
        .iter()
        .filter(|(_, st)| *st != LiveStatus::Closed)
        .map(|(at, st)| {
            let time = local_time(*at)[11..].to_string();
            SlotRow {
                chosen: form.date == date_of(day) && form.from == time,
                time,
                code: st.code(),
                label: live_label(t, *st),
            }
        })
        .collect();
    let week_days: Vec<DayRow> = week
        .chunks(per_day.max(1))
        .zip(day..day + 7)
        .map(|(cells, d)| DayRow {
            date: date_of(d),
            weekday: t.t(&format!("weekday.{}", weekday(d) - 1)).to_string(),
            free: cells.iter().filter(|(_, st)| *st == LiveStatus::Free).count(),
            open: cells.iter().any(|(_, st)| *st != LiveStatus::Closed),
            current: d == day,
        })
        .collect();
    let from_options: Vec<String> = slots.iter().map(|s| s.time.clone()).collect();
    let to_options: Vec<String> = from_options
        .iter()
        .filter_map(|f| wushe_domain::resources::parse_clock(f))
        .map(|m| wushe_domain::resources::clock(m + wushe_domain::resources::SLOT_MINUTES))
        .collect();
    Ok(SpacePage {
        l: Layout::with_title(ctx, r.name.clone()),
        id: r.id.get(),
        day_label: format!("{} {}", date_of(day), t.t(&format!("weekday.{}", weekday(day) - 1))),
        prev: date_of(day - 1),
        next: date_of(day + 1),
        rules: t.f(
            "page.resource.booking_rules",
            &[
                &t.t(&format!("booking.who.{}", r.rules.who.code())),
                &r.rules.max_minutes,
                &t.t(if r.rules.approval { "booking.approval.yes" } else { "booking.approval.no" }),
            ],
        ),
        schedule: crate::shell::views::schedule_text(t, &r.schedule),
        capacity: r.capacity,
        chosen: slots.iter().any(|x| x.chosen),
        slots,
        week: week_days,
        equipment: r.kind != wushe_domain::resources::ResourceKind::Space,
        from_options,
        to_options,
        signed_in: ctx.user.is_some(),
        form,
        errors,
    })
}

async fn space(State(s): State<AppState>, ctx: Ctx, Id(id): Id<ResourceId>, Query(q): Query<DayQuery>) -> PageResult {
    let r = resources::bookable(&s.db, id).await?;
    let day = parse_date(&q.date).unwrap_or_else(|| local_day_minute(s.now()).0);
    // A tapped slot fills the form: that half hour, which the person may lengthen.
    let (from, to) = match wushe_domain::resources::parse_clock(q.from.trim()) {
        Some(m) => (
            wushe_domain::resources::clock(m),
            wushe_domain::resources::clock(m + wushe_domain::resources::SLOT_MINUTES),
        ),
        None => (String::new(), String::new()),
    };
    let form = BookingForm { date: date_of(day), from, to, ..Default::default() };
    Ok(html(&space_page(&s, &ctx, &r, day, form, vec![]).await?))
}

async fn book(
    State(s): State<AppState>,
    ctx: Ctx,
    Id(id): Id<ResourceId>,
    PageForm(f): PageForm<BookingForm>,
) -> PageResult {
    let t = ctx.t();
    let e = |e| WebError::page(e, t);
    let r = resources::bookable(&s.db, id).await?;
    match bookings::book(&s.db, &ctx.actor, s.now(), r.id, &f).await {
        Ok(_) => Ok(crate::shell::flash::redirect(
            "/my/bookings",
            crate::shell::flash::Flash::success(t.f("flash.bookings.booked", &[&r.name])),
        )),
        Err(err @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let (status, msgs) = crate::shell::error::form_problems(&err, t);
            let day = parse_date(&f.date).unwrap_or_else(|| local_day_minute(s.now()).0);
            Ok((status, html(&space_page(&s, &ctx, &r, day, f, msgs).await?)).into_response())
        }
        Err(err) => Err(e(err)),
    }
}

pub struct BookingRow {
    pub id: i64,
    pub space_id: i64,
    pub space: String,
    pub date: String,
    pub from: String,
    pub to: String,
    pub purpose: String,
    pub status: String,
    pub holds: bool,
    pub requested: bool,
}

async fn booking_rows(s: &AppState, t: T, list: &[Booking]) -> Result<Vec<BookingRow>, AppError> {
    let mut names = std::collections::HashMap::new();
    let mut out = Vec::new();
    for b in list {
        if let std::collections::hash_map::Entry::Vacant(e) = names.entry(b.resource_id) {
            e.insert(
                resources::booked_space(&s.db, ResourceId::from(b.resource_id))
                    .await
                    .map(|r| r.name)
                    .unwrap_or_default(),
            );
        }
        let start = local_time(b.starts_at);
        let end = local_time(b.ends_at);
        out.push(BookingRow {
            id: b.id.get(),
            space_id: b.resource_id,
            space: names[&b.resource_id].clone(),
            date: start[..10].to_string(),
            from: start[11..].to_string(),
            to: end[11..].to_string(),
            purpose: b.purpose.clone(),
            status: status_label(t, b.status),
            holds: b.status.holds(),
            requested: b.status == BookingStatus::Requested,
        });
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "my_bookings.html")]
struct MinePage {
    l: Layout,
    rows: Vec<BookingRow>,
    feed: Option<String>,
    errors: Vec<crate::shell::error::FormError>,
}

async fn mine_page(
    s: &AppState,
    ctx: &Ctx,
    feed: Option<String>,
    errors: Vec<crate::shell::error::FormError>,
) -> Result<MinePage, AppError> {
    let t = ctx.t();
    let list = bookings::mine(&s.db, &ctx.actor, s.now() - 24 * 3_600_000).await?;
    Ok(MinePage { l: Layout::new(ctx, "page.my_bookings.title"), rows: booking_rows(s, t, &list).await?, feed, errors })
}

async fn mine(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    Ok(html(&mine_page(&s, &ctx, None, vec![]).await?))
}

async fn new_feed(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    let token = bookings::new_feed_token(&s.db, &ctx.actor, s.now()).await?;
    Ok(html(&mine_page(&s, &ctx, Some(format!("/calendar/{token}.ics")), vec![]).await?))
}

async fn after_mine(s: &AppState, ctx: &Ctx, r: Result<(), AppError>, back: &str) -> PageResult {
    let t = ctx.t();
    match r {
        Ok(()) => {
            Ok(crate::shell::flash::redirect(back, crate::shell::flash::Flash::success(t.t("flash.bookings.changed"))))
        }
        Err(err @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let (status, msgs) = crate::shell::error::form_problems(&err, t);
            Ok((status, html(&mine_page(s, ctx, None, msgs).await?)).into_response())
        }
        Err(err) => Err(WebError::page(err, t)),
    }
}

async fn cancel(State(s): State<AppState>, ctx: Ctx, Id(id): Id<BookingId>) -> PageResult {
    let r = async { bookings::cancel(&s.db, &ctx.actor, s.now(), id).await.map(|_| ()) }.await;
    after_mine(&s, &ctx, r, "/my/bookings").await
}

async fn change(
    State(s): State<AppState>,
    ctx: Ctx,
    Id(id): Id<BookingId>,
    PageForm(f): PageForm<BookingForm>,
) -> PageResult {
    let r = async { bookings::change(&s.db, &ctx.actor, s.now(), id, &f).await.map(|_| ()) }.await;
    after_mine(&s, &ctx, r, "/my/bookings").await
}

/// An approval or rejection of a booking.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct DecisionForm {
    decision: String,
}

async fn decide(
    State(s): State<AppState>,
    ctx: Ctx,
    Id(id): Id<BookingId>,
    PageForm(decision): PageForm<DecisionForm>,
) -> PageResult {
    let approve = decision.decision == "approve";
    let b = bookings::decide(&s.db, &ctx.actor, s.now(), id, approve).await?;
    let code = match b.community_id {
        Some(c) => areas::by_id(&s.db, c).await.map(|a| a.code).unwrap_or_default(),
        None => String::new(),
    };
    let said = if approve { "flash.bookings.approved" } else { "flash.bookings.declined" };
    Ok(crate::shell::flash::redirect(
        &format!("/communities/{code}/bookings"),
        crate::shell::flash::Flash::success(ctx.t().t(said)),
    ))
}

#[derive(Template)]
#[template(path = "bookings_pending.html")]
struct PendingPage {
    l: Layout,
    rows: Vec<BookingRow>,
}

async fn pending(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> PageResult {
    let t = ctx.t();
    let c = crate::shell::scope::curated_community(&s, &ctx, &code).await?;
    let list = bookings::pending(&s.db, &ctx.actor, &c).await?;
    Ok(html(&PendingPage {
        l: Layout::new(&ctx, "page.bookings_pending.title"),
        rows: booking_rows(&s, t, &list).await?,
    }))
}

fn ics(body: String, filename: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{filename}\"")),
        ],
        body,
    )
        .into_response()
}

fn ical_status(s: BookingStatus) -> &'static str {
    match s {
        BookingStatus::Confirmed => "CONFIRMED",
        BookingStatus::Requested => "TENTATIVE",
        BookingStatus::Rejected | BookingStatus::Cancelled => "CANCELLED",
    }
}

/// A space's feed: its holding bookings from 30 days ago, purposes left out (public).
async fn space_feed(State(s): State<AppState>, ctx: Ctx, Id(id): Id<ResourceId>) -> PageResult {
    let t = ctx.t();
    let r = resources::bookable(&s.db, id).await?;
    let now = s.now();
    let list = bookings::of_space(&s.db, r.id.get(), now - 30 * 86_400_000, now + 200 * 86_400_000).await?;
    let events: Vec<crate::shell::ical::Event> = list
        .iter()
        .filter(|b| b.status.holds())
        .map(|b| crate::shell::ical::Event {
            uid: format!("booking-{}@wushe", b.id),
            stamp: now,
            start: b.starts_at,
            end: b.ends_at,
            summary: format!("{} · {}", r.name, status_label(t, b.status)),
            location: r.name.clone(),
            description: String::new(),
            status: ical_status(b.status),
            sequence: b.version - 1,
        })
        .collect();
    Ok(ics(crate::shell::ical::calendar(&r.name, &events), &format!("space-{}.ics", r.id)))
}

/// A person's feed behind their secret address: their bookings with purposes, cancelled ones
/// marked so calendar apps remove them.
async fn personal_feed(State(s): State<AppState>, ctx: Ctx, Path(token): Path<String>) -> PageResult {
    let t = ctx.t();
    let e = |e| WebError::page(e, t);
    let token = token.strip_suffix(".ics").ok_or_else(|| e(AppError::NotFound))?;
    let now = s.now();
    let list = bookings::feed(&s.db, token, now).await?;
    let mut events = Vec::new();
    for b in &list {
        let space =
            resources::booked_space(&s.db, ResourceId::from(b.resource_id)).await.map(|r| r.name).unwrap_or_default();
        events.push(crate::shell::ical::Event {
            uid: format!("booking-{}@wushe", b.id),
            stamp: now,
            start: b.starts_at,
            end: b.ends_at,
            summary: format!("{space} · {}", b.purpose),
            location: space.clone(),
            description: status_label(t, b.status),
            status: ical_status(b.status),
            sequence: b.version - 1,
        });
    }
    Ok(ics(crate::shell::ical::calendar(t.t("page.my_bookings.title"), &events), "bookings.ics"))
}
