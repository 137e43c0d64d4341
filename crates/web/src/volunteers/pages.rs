//! V1–V3 pages of the volunteer, phone first: registering, my places and hours, my points and
//! the catalogue, my certificate; and the activities of a community with sign-up, check-in
//! (by the code or the QR code shown at the place) and check-out.

use super::views::{
    ActivityRow, RecordRow, activity_row, entry_label, hours, kind_label, record_row, span, status_label,
};
use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::error::{FormError, PageResult, WebError, refusal};
use crate::shell::extract::{Id, PageForm};
use crate::shell::flash::{Flash, redirect};
use crate::shell::layout::{Layout, html, local_time};
use crate::shell::registry::Registry;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use wushe_app::volunteers::{self, ActivityForm, CorrectionForm, HoursForm, ProfileForm, Volunteer};
use wushe_app::{AppError, areas};
use wushe_domain::access::Action;
use wushe_domain::areas::AreaKind;
use wushe_domain::volunteers::{ActivityKind, RecordRole, SignupStatus, VolunteerStatus};

pub fn routes(r: &mut Registry) {
    r.page(Method::GET, "/my/volunteer", Action::OwnAccount, home);
    r.page(Method::POST, "/my/volunteer", Action::OwnAccount, register);
    r.page(Method::GET, "/my/volunteer/hours", Action::OwnAccount, my_hours);
    r.page(Method::POST, "/my/volunteer/hours", Action::OwnAccount, enter_hours);
    r.page(Method::POST, "/my/volunteer/hours/{id}/correction", Action::OwnAccount, correct);
    r.page(Method::GET, "/my/volunteer/points", Action::OwnAccount, my_points);
    r.page(Method::POST, "/my/volunteer/points/redeem", Action::OwnAccount, redeem);
    r.page(Method::GET, "/my/volunteer/certificate", Action::OwnAccount, certificate);
    r.page(Method::GET, "/communities/{code}/activities", Action::Public, activities);
    r.page(Method::GET, "/communities/{code}/activities/new", Action::ActivityOrganize, new_activity);
    r.page(Method::POST, "/communities/{code}/activities", Action::ActivityOrganize, create_activity);
    r.page(Method::GET, "/activities/{id}", Action::Public, activity);
    r.page(Method::POST, "/activities/{id}/signup", Action::OwnAccount, sign_up);
    r.page(Method::POST, "/activities/{id}/release", Action::OwnAccount, release);
    r.page(Method::GET, "/activities/{id}/check-in", Action::OwnAccount, check_in_form);
    r.page(Method::POST, "/activities/{id}/check-in", Action::OwnAccount, check_in);
    r.page(Method::POST, "/activities/{id}/check-out", Action::OwnAccount, check_out);
}

/// One place the volunteer holds, on their home page.
pub struct PlaceRow {
    pub activity: ActivityRow,
    pub checked_in: bool,
    pub until: String,
}

#[derive(Template)]
#[template(path = "volunteer_home.html")]
struct HomePage {
    l: Layout,
    /// The community's code (for the activities link), if the reader belongs to one.
    code: String,
    me: Option<MeView>,
    places: Vec<PlaceRow>,
    upcoming: Vec<ActivityRow>,
    /// The reader's mentor pairings: (id, "as mentor"/"as mentee" in words, plan month).
    pairings: Vec<(i64, String, i64)>,
    groups: Vec<(i64, String)>,
    grids: Vec<(String, String)>,
    f: ProfileForm,
    errors: Vec<FormError>,
}

/// The volunteer's profile in short, for their own pages.
pub struct MeView {
    pub name: String,
    pub status: String,
    pub active: bool,
    pub pending: bool,
    pub group: String,
    pub hours: String,
    pub tasks: i64,
    pub balance: i64,
    pub insured_until: String,
    pub insured: bool,
    pub party: bool,
    pub skills: String,
    pub since: String,
}

async fn me_view(s: &AppState, v: &Volunteer) -> Result<MeView, AppError> {
    let groups = volunteers::groups(&s.db, v.community_id).await?;
    let group = groups.iter().find(|g| Some(g.0.id) == v.group_id).map(|g| g.0.name.clone()).unwrap_or_default();
    Ok(MeView {
        name: v.name.clone(),
        status: String::new(),
        active: v.status == VolunteerStatus::Active,
        pending: v.status == VolunteerStatus::Pending,
        group,
        hours: hours(v.minutes),
        tasks: v.tasks,
        balance: v.balance,
        insured_until: v.insurance_until.map(|u| local_time(u)[..10].to_string()).unwrap_or_default(),
        insured: v.insured(s.now()),
        party: v.party(),
        skills: v.skill_list().join("、"),
        since: local_time(v.joined_at)[..10].to_string(),
    })
}

async fn home_page(s: &AppState, ctx: &Ctx, f: ProfileForm, errors: Vec<FormError>) -> Result<HomePage, AppError> {
    let t = ctx.t();
    let community = volunteers::home_of(&s.db, &ctx.actor).await?;
    let mine = volunteers::mine(&s.db, &ctx.actor).await?;
    let now = s.now();
    let mut places = Vec::new();
    let mut me = None;
    if let Some(v) = &mine {
        for (signup, a) in volunteers::my_places(&s.db, v, now).await? {
            let taken = volunteers::taken(&s.db, a.id).await?;
            places.push(PlaceRow {
                activity: activity_row(t, &a, taken),
                checked_in: signup.checkin_at.is_some(),
                until: local_time(signup.expires_at),
            });
        }
        let mut view = me_view(s, v).await?;
        view.status = status_label(t, v.status);
        me = Some(view);
    }
    let (mut upcoming, mut groups, mut grids, mut pairings) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    if let (Some(c), Some(v)) = (&community, &mine) {
        for m in volunteers::pairs(&s.db, &ctx.actor, c).await? {
            if m.mentor_id == v.id || m.mentee_id == v.id {
                let role = if m.mentor_id == v.id { "page.volunteers.as_mentor" } else { "page.volunteers.as_mentee" };
                pairings.push((
                    m.id,
                    t.t(role).to_string(),
                    wushe_domain::volunteers::plan_month(m.started_at, now).min(6),
                ));
            }
        }
    }
    if let Some(c) = &community {
        let held: Vec<i64> = places.iter().map(|p| p.activity.id).collect();
        upcoming = volunteers::upcoming(&s.db, c.id, now, 6)
            .await?
            .iter()
            .filter(|(a, _)| !held.contains(&a.id))
            .map(|(a, taken)| activity_row(t, a, *taken))
            .collect();
        groups = volunteers::groups(&s.db, c.id).await?.into_iter().map(|(g, _, _)| (g.id, g.name)).collect();
        grids = areas::in_subtree(&s.db, &c.path, AreaKind::Grid, 200, 0)
            .await?
            .into_iter()
            .map(|a| (a.code, a.name))
            .collect();
    }
    Ok(HomePage {
        l: Layout::new(ctx, "page.volunteers.home_title"),
        code: community.map(|c| c.code).unwrap_or_default(),
        me,
        places,
        upcoming,
        pairings,
        groups,
        grids,
        f,
        errors,
    })
}

async fn home(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    Ok(html(&home_page(&s, &ctx, ProfileForm::default(), vec![]).await?))
}

async fn register(State(s): State<AppState>, ctx: Ctx, PageForm(f): PageForm<ProfileForm>) -> PageResult {
    let t = ctx.t();
    // Self-registration is always oneself, whatever the form says.
    let form = ProfileForm { person_id: String::new(), joined_on: String::new(), ..f.clone() };
    let r = async { volunteers::register(&s.db, &ctx.actor, s.now(), form.parse()?).await }.await;
    match r {
        Ok(_) => Ok(redirect("/my/volunteer", Flash::success(t.t("flash.volunteers.registered")))),
        Err(err) => {
            let (status, msgs) = refusal(err, ctx.t())?;
            Ok((status, html(&home_page(&s, &ctx, f, msgs).await?)).into_response())
        }
    }
}

/// The reader's own active profile, or the page that says why there is none.
async fn me_or_home(s: &AppState, ctx: &Ctx) -> Result<Result<Volunteer, axum::response::Response>, AppError> {
    match volunteers::mine(&s.db, &ctx.actor).await? {
        Some(v) if v.status == VolunteerStatus::Active => Ok(Ok(v)),
        _ => Ok(Err(redirect("/my/volunteer", Flash::warning(ctx.t().t("flash.volunteers.not_active"))))),
    }
}

#[derive(Template)]
#[template(path = "volunteer_hours.html")]
struct HoursPage {
    l: Layout,
    total: String,
    rows: Vec<RecordRow>,
    months: Vec<(String, String)>,
    years: Vec<(String, String)>,
    /// Activities one took part in lately, to say what entered hours were for.
    recent: Vec<(i64, String)>,
    f: HoursForm,
    errors: Vec<FormError>,
}

async fn hours_page(
    s: &AppState,
    ctx: &Ctx,
    v: &Volunteer,
    f: HoursForm,
    errors: Vec<FormError>,
) -> Result<HoursPage, AppError> {
    let t = ctx.t();
    let records = volunteers::records_of(&s.db, v, 200).await?;
    let (months, years) = volunteers::totals(&s.db, v).await?;
    let recent = volunteers::past(&s.db, v.community_id, s.now(), 20).await?;
    Ok(HoursPage {
        l: Layout::new(ctx, "page.volunteers.hours_title"),
        total: hours(v.minutes),
        rows: records.iter().map(|(r, title)| record_row(t, r, title)).collect(),
        months: months.into_iter().map(|(m, n)| (m, hours(n))).collect(),
        years: years.into_iter().map(|(y, n)| (y, hours(n))).collect(),
        recent: recent.into_iter().map(|a| (a.id, format!("{} · {}", local_time(a.starts_at), a.title))).collect(),
        f,
        errors,
    })
}

async fn my_hours(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    let v = match me_or_home(&s, &ctx).await? {
        Ok(v) => v,
        Err(r) => return Ok(r),
    };
    Ok(html(&hours_page(&s, &ctx, &v, HoursForm::default(), vec![]).await?))
}

async fn enter_hours(State(s): State<AppState>, ctx: Ctx, PageForm(f): PageForm<HoursForm>) -> PageResult {
    let t = ctx.t();
    let v = match me_or_home(&s, &ctx).await? {
        Ok(v) => v,
        Err(r) => return Ok(r),
    };
    // A volunteer enters their own hours as a participant; organizers' hours come from staff.
    let form = HoursForm { role: RecordRole::Participant.code().into(), ..f.clone() };
    let r = async { volunteers::enter_hours(&s.db, &ctx.actor, s.now(), v.id, form.parse()?).await }.await;
    match r {
        Ok(_) => Ok(redirect("/my/volunteer/hours", Flash::success(t.t("flash.volunteers.hours_entered")))),
        Err(err) => {
            let (status, msgs) = refusal(err, ctx.t())?;
            Ok((status, html(&hours_page(&s, &ctx, &v, f, msgs).await?)).into_response())
        }
    }
}

async fn correct(State(s): State<AppState>, ctx: Ctx, Id(id): Id, PageForm(f): PageForm<CorrectionForm>) -> PageResult {
    let t = ctx.t();
    let v = match me_or_home(&s, &ctx).await? {
        Ok(v) => v,
        Err(r) => return Ok(r),
    };
    let r = async {
        let (minutes, note) = f.parse()?;
        volunteers::correct(&s.db, &ctx.actor, s.now(), id, minutes, &note).await
    }
    .await;
    match r {
        Ok(_) => Ok(redirect("/my/volunteer/hours", Flash::success(t.t("flash.volunteers.correction_asked")))),
        Err(err) => {
            let (status, msgs) = refusal(err, ctx.t())?;
            Ok((status, html(&hours_page(&s, &ctx, &v, HoursForm::default(), msgs).await?)).into_response())
        }
    }
}

pub struct EntryRow {
    pub when: String,
    pub kind: String,
    pub points: i64,
    pub reason: String,
    pub expires: String,
}

pub struct ItemRow {
    pub id: i64,
    pub name: String,
    pub points: i64,
    pub stock: i64,
    pub affordable: bool,
}

#[derive(Template)]
#[template(path = "volunteer_points.html")]
struct PointsPage {
    l: Layout,
    code: String,
    balance: i64,
    entries: Vec<EntryRow>,
    items: Vec<ItemRow>,
    redeemed: Vec<(String, String, i64)>,
    expiry_months: Option<i64>,
    errors: Vec<FormError>,
}

async fn points_page(s: &AppState, ctx: &Ctx, v: &Volunteer, errors: Vec<FormError>) -> Result<PointsPage, AppError> {
    let t = ctx.t();
    let (v, entries) = volunteers::account(&s.db, &ctx.actor, v.id, 200).await?;
    let community = areas::by_id(&s.db, v.community_id).await?;
    let items = volunteers::catalogue(&s.db, &community).await?;
    let redeemed = volunteers::redemptions_of(&s.db, &v).await?;
    Ok(PointsPage {
        l: Layout::new(ctx, "page.volunteers.points_title"),
        code: community.code.clone(),
        balance: v.balance,
        entries: entries
            .iter()
            .map(|e| EntryRow {
                when: local_time(e.created_at),
                kind: entry_label(t, e.kind),
                points: e.points,
                reason: e.reason.clone(),
                expires: e.expires_at.map(|x| local_time(x)[..10].to_string()).unwrap_or_default(),
            })
            .collect(),
        items: items
            .into_iter()
            .map(|i| ItemRow {
                affordable: i.points <= v.balance && i.stock > 0,
                id: i.id,
                name: i.name,
                points: i.points,
                stock: i.stock,
            })
            .collect(),
        redeemed: redeemed.into_iter().map(|(r, name)| (local_time(r.created_at), name, r.points)).collect(),
        expiry_months: volunteers::expiry_months(&s.db, &community).await?,
        errors,
    })
}

async fn my_points(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    let v = match me_or_home(&s, &ctx).await? {
        Ok(v) => v,
        Err(r) => return Ok(r),
    };
    Ok(html(&points_page(&s, &ctx, &v, vec![]).await?))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RedeemForm {
    item_id: String,
}

async fn redeem(State(s): State<AppState>, ctx: Ctx, PageForm(f): PageForm<RedeemForm>) -> PageResult {
    let t = ctx.t();
    let v = match me_or_home(&s, &ctx).await? {
        Ok(v) => v,
        Err(r) => return Ok(r),
    };
    let r = async {
        let id = f
            .item_id
            .trim()
            .parse::<i64>()
            .map_err(|_| AppError::Invalid(wushe_domain::FieldError::new("item_id", "errors.id.invalid").into()))?;
        let item = volunteers::item(&s.db, id).await?;
        volunteers::redeem(&s.db, &ctx.actor, s.now(), id).await.map(|_| item)
    }
    .await;
    match r {
        Ok(item) => Ok(redirect("/my/volunteer/points", Flash::success(t.f1("flash.volunteers.redeemed", &item.name)))),
        Err(err) => {
            let (status, msgs) = refusal(err, ctx.t())?;
            Ok((status, html(&points_page(&s, &ctx, &v, msgs).await?)).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "volunteer_certificate.html")]
struct CertificatePage {
    l: Layout,
    community: String,
    me: MeView,
    years: Vec<(String, String)>,
    trainings: Vec<(String, String, String)>,
    courses: Vec<String>,
    issued: String,
    serial: String,
}

/// V2 — the personal service certificate: a page that prints as the certificate (the print
/// style drops the chrome), with its verified hours and trainings.
async fn certificate(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    let t = ctx.t();
    let v = match me_or_home(&s, &ctx).await? {
        Ok(v) => v,
        Err(r) => return Ok(r),
    };
    let community = areas::by_id(&s.db, v.community_id).await?;
    let (_, years) = volunteers::totals(&s.db, &v).await?;
    let trainings = volunteers::trainings(&s.db, v.id).await?;
    let courses = volunteers::completed(&s.db, &v).await?;
    let mut me = me_view(&s, &v).await?;
    me.status = status_label(t, v.status);
    let issued = local_time(s.now())[..10].to_string();
    Ok(html(&CertificatePage {
        l: Layout::new(&ctx, "page.volunteers.certificate_title"),
        community: community.name,
        serial: format!("{}-{:06}-{}", community.code, v.id, issued.replace('-', "")),
        me,
        years: years.into_iter().map(|(y, n)| (y, hours(n))).collect(),
        trainings: trainings
            .into_iter()
            .map(|x| (local_time(x.taken_on)[..10].to_string(), x.name, x.certificate))
            .collect(),
        courses: courses.into_iter().map(|c| c.title).collect(),
        issued,
    }))
}

#[derive(Template)]
#[template(path = "activities.html")]
struct ActivitiesPage {
    l: Layout,
    code: String,
    rows: Vec<ActivityRow>,
    past: Vec<ActivityRow>,
    can_create: bool,
}

async fn community_of(s: &AppState, ctx: &Ctx, code: &str) -> Result<areas::Area, WebError> {
    let c = areas::by_code(&s.db, code).await.map_err(|e| WebError::page(e, ctx.t()))?;
    if c.kind != AreaKind::Community {
        return Err(WebError::page(AppError::NotFound, ctx.t()));
    }
    Ok(c)
}

/// The public list of a community's activities: titles, places, times and free places, no
/// personal data.
async fn activities(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> PageResult {
    let t = ctx.t();
    let c = community_of(&s, &ctx, &code).await?;
    let now = s.now();
    let rows = volunteers::upcoming(&s.db, c.id, now, 100).await?;
    let past = volunteers::past(&s.db, c.id, now, 20).await?;
    Ok(html(&ActivitiesPage {
        l: Layout::with_title(&ctx, t.f1("page.activities.title", &c.name)),
        can_create: ctx.actor.can(Action::ActivityOrganize, Some(&c.path)),
        code: c.code,
        rows: rows.iter().map(|(a, taken)| activity_row(t, a, *taken)).collect(),
        past: past.iter().map(|a| activity_row(t, a, a.slots)).collect(),
    }))
}

#[derive(Template)]
#[template(path = "activity_form.html")]
struct ActivityFormPage {
    l: Layout,
    code: String,
    kinds: Vec<(&'static str, String)>,
    groups: Vec<(i64, String)>,
    courses: Vec<(i64, String)>,
    f: ActivityForm,
    errors: Vec<FormError>,
}

async fn activity_form(
    s: &AppState,
    ctx: &Ctx,
    c: &areas::Area,
    f: ActivityForm,
    errors: Vec<FormError>,
) -> Result<ActivityFormPage, AppError> {
    let t = ctx.t();
    Ok(ActivityFormPage {
        l: Layout::new(ctx, "page.activities.new_title"),
        code: c.code.clone(),
        kinds: ActivityKind::ALL.iter().map(|k| (k.code(), kind_label(t, *k))).collect(),
        groups: volunteers::groups(&s.db, c.id).await?.into_iter().map(|(g, _, _)| (g.id, g.name)).collect(),
        courses: volunteers::courses(&s.db, c.id).await?.into_iter().map(|x| (x.id, x.title)).collect(),
        f,
        errors,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewActivityQuery {
    /// A session of this training-camp course.
    course_id: String,
}

async fn new_activity(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<NewActivityQuery>,
) -> PageResult {
    let c = community_of(&s, &ctx, &code).await?;
    ctx.actor.require(Action::ActivityOrganize, Some(&c.path)).map_err(|e| WebError::page(e, ctx.t()))?;
    let date = local_time(s.now() + wushe_domain::volunteers::DAY_MS)[..10].to_string();
    let course = q.course_id.trim().parse::<i64>().ok();
    let f = ActivityForm {
        kind: if course.is_some() { "training".into() } else { "service".into() },
        course_id: course.map(|c| c.to_string()).unwrap_or_default(),
        date,
        from: "09:00".into(),
        to: "11:00".into(),
        slots: "10".into(),
        ..Default::default()
    };
    Ok(html(&activity_form(&s, &ctx, &c, f, vec![]).await?))
}

async fn create_activity(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(f): PageForm<ActivityForm>,
) -> PageResult {
    let t = ctx.t();
    let c = community_of(&s, &ctx, &code).await?;
    let r = async { volunteers::create_activity(&s.db, &ctx.actor, s.now(), &c, f.parse()?).await }.await;
    match r {
        Ok(a) => {
            Ok(redirect(&format!("/activities/{}", a.id), Flash::success(t.f1("flash.activities.created", &a.title))))
        }
        Err(err) => {
            let (status, msgs) = refusal(err, ctx.t())?;
            Ok((status, html(&activity_form(&s, &ctx, &c, f, msgs).await?)).into_response())
        }
    }
}

/// The organizer's view of one place taken.
pub struct SignupRow {
    pub slot: i64,
    pub name: String,
    pub status: String,
    pub checkin: String,
    pub checkout: String,
}

#[derive(Template)]
#[template(path = "activity.html")]
struct ActivityPage {
    l: Layout,
    a: ActivityRow,
    description: String,
    code: String,
    signed_in: bool,
    /// The reader is an active volunteer of the community (may sign up).
    volunteer: bool,
    /// The reader's place: held, checked in, checked out.
    held: bool,
    checked_in: bool,
    checked_out: bool,
    ended: bool,
    /// The organizer's (or staff's) view: the check-in code, its QR code and who signed up.
    runs: bool,
    checkin_code: String,
    qr_svg: String,
    checkin_url: String,
    signups: Vec<SignupRow>,
    errors: Vec<FormError>,
}

/// The check-in code drawn as an SVG QR code of the address that checks in.
fn qr(url: &str, label: &str) -> String {
    match qrcode::QrCode::new(url.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(220, 220)
            .quiet_zone(true)
            .build()
            .replacen(
                "<svg ",
                &format!("<svg role=\"img\" aria-label=\"{}\" id=\"checkin-qr\" ", label.replace('"', "")),
                1,
            )
            .replace("<?xml version=\"1.0\" standalone=\"yes\"?>", ""),
        Err(_) => String::new(),
    }
}

async fn activity_page(
    s: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    id: i64,
    errors: Vec<FormError>,
) -> Result<ActivityPage, AppError> {
    let t = ctx.t();
    let a = volunteers::activity(&s.db, id).await?;
    let taken = volunteers::taken(&s.db, a.id).await?;
    let mine = volunteers::mine(&s.db, &ctx.actor).await?;
    let volunteer =
        mine.as_ref().is_some_and(|v| v.status == VolunteerStatus::Active && v.community_id == a.community_id);
    let place = match &mine {
        Some(v) if volunteer => volunteers::my_place(&s.db, v, a.id).await?,
        _ => None,
    };
    let runs = ctx.actor.may(&volunteers::activity_record(&ctx.actor, &a), wushe_domain::policy::Ask::ActivityRun);
    let (mut signups, mut qr_svg, mut checkin_url) = (Vec::new(), String::new(), String::new());
    if runs {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1:8080");
        checkin_url = format!("http://{host}/activities/{}/check-in?code={}", a.id, a.checkin_code);
        qr_svg = qr(&checkin_url, t.t("page.activities.qr_label"));
        signups = volunteers::signups(&s.db, a.id)
            .await?
            .into_iter()
            .map(|(sg, name)| SignupRow {
                slot: sg.slot,
                name,
                status: t.t(&format!("signup.status.{}", sg.status.code())).to_string(),
                checkin: sg.checkin_at.map(local_time).unwrap_or_default(),
                checkout: sg.checkout_at.map(local_time).unwrap_or_default(),
            })
            .collect();
    }
    let held = place.as_ref().is_some_and(|p| matches!(p.status, SignupStatus::Active | SignupStatus::Done));
    Ok(ActivityPage {
        l: Layout::with_title(ctx, a.title.clone()),
        a: activity_row(t, &a, taken),
        description: a.description.clone(),
        code: areas::by_id(&s.db, a.community_id).await?.code,
        signed_in: ctx.actor.user_id.is_some(),
        volunteer,
        held,
        checked_in: place.as_ref().is_some_and(|p| p.checkin_at.is_some()),
        checked_out: place.as_ref().is_some_and(|p| p.checkout_at.is_some()),
        ended: a.ends_at <= s.now(),
        runs,
        checkin_code: if runs { a.checkin_code.clone() } else { String::new() },
        qr_svg,
        checkin_url,
        signups,
        errors,
    })
}

async fn activity(State(s): State<AppState>, ctx: Ctx, headers: HeaderMap, Id(id): Id) -> PageResult {
    Ok(html(&activity_page(&s, &ctx, &headers, id, vec![]).await?))
}

/// After a volunteer's act on an activity: back to it with a message, or the page with the refusal.
async fn after(
    s: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    id: i64,
    r: Result<(), AppError>,
    done: &str,
) -> PageResult {
    match r {
        Ok(()) => Ok(redirect(&format!("/activities/{id}"), Flash::success(ctx.t().t(done)))),
        Err(err) => {
            let (status, msgs) = refusal(err, ctx.t())?;
            Ok((status, html(&activity_page(s, ctx, headers, id, msgs).await?)).into_response())
        }
    }
}

async fn sign_up(State(s): State<AppState>, ctx: Ctx, headers: HeaderMap, Id(id): Id) -> PageResult {
    let r = volunteers::sign_up(&s.db, &ctx.actor, s.now(), id).await.map(|_| ());
    after(&s, &ctx, &headers, id, r, "flash.activities.signed_up").await
}

async fn release(State(s): State<AppState>, ctx: Ctx, headers: HeaderMap, Id(id): Id) -> PageResult {
    let r = volunteers::release(&s.db, &ctx.actor, s.now(), id).await;
    after(&s, &ctx, &headers, id, r, "flash.activities.released").await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CodeForm {
    code: String,
}

#[derive(Template)]
#[template(path = "activity_checkin.html")]
struct CheckInPage {
    l: Layout,
    id: i64,
    title: String,
    when: String,
    place: String,
    code: String,
}

/// Where the QR code at the place leads: one button to check in (a GET never writes).
async fn check_in_form(State(s): State<AppState>, ctx: Ctx, Id(id): Id, Query(q): Query<CodeForm>) -> PageResult {
    let a = volunteers::activity(&s.db, id).await?;
    Ok(html(&CheckInPage {
        l: Layout::new(&ctx, "page.activities.checkin_title"),
        id: a.id,
        title: a.title.clone(),
        when: span(a.starts_at, a.ends_at),
        place: a.place.clone(),
        code: q.code.chars().filter(|c| c.is_ascii_alphanumeric()).take(16).collect(),
    }))
}

async fn check_in(
    State(s): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Id(id): Id,
    PageForm(f): PageForm<CodeForm>,
) -> PageResult {
    let r = async {
        // A code belongs to one activity: a code from another activity's poster is refused here,
        // before anything is written.
        let a = volunteers::activity(&s.db, id).await?;
        if !a.checkin_code.eq_ignore_ascii_case(f.code.trim()) {
            return Err(AppError::Invalid(wushe_domain::FieldErrors(vec![wushe_domain::FieldError::new(
                "code",
                "errors.checkin.code",
            )])));
        }
        volunteers::check_in(&s.db, &ctx.actor, s.now(), &a.checkin_code).await.map(|_| ())
    }
    .await;
    after(&s, &ctx, &headers, id, r, "flash.activities.checked_in").await
}

async fn check_out(State(s): State<AppState>, ctx: Ctx, headers: HeaderMap, Id(id): Id) -> PageResult {
    let r = volunteers::check_out(&s.db, &ctx.actor, s.now(), id).await.map(|_| ());
    after(&s, &ctx, &headers, id, r, "flash.activities.checked_out").await
}
