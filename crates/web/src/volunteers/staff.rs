//! V1–V3 pages of the staff: a community's volunteers with registrations to decide and its
//! groups, entering a volunteer, one volunteer's profile with records, trainings and points,
//! the hours waiting for verification (verified in bulk), and the points rules and catalogue.

use super::views::{RecordRow, entry_label, hours, record_row, status_label};
use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::error::{FormError, PageResult, WebError, refusal};
use crate::shell::extract::{Id, PageForm};
use crate::shell::flash::{Flash, redirect};
use crate::shell::layout::{Layout, html, local_time};
use crate::shell::registry::Registry;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::response::IntoResponse;
use serde::Deserialize;
use wushe_app::volunteers::{self, HoursForm, ItemForm, PointsCorrectionForm, ProfileForm, RuleForm, Volunteer};
use wushe_app::{AppError, areas};
use wushe_domain::access::Action;
use wushe_domain::areas::AreaKind;
use wushe_domain::volunteers::{RecordRole, Trigger, VolunteerStatus};

pub fn routes(r: &mut Registry) {
    r.page(Method::GET, "/communities/{code}/volunteers", Action::VolunteerRead, list);
    r.page(Method::GET, "/communities/{code}/volunteers/new", Action::VolunteerManage, new_form);
    r.page(Method::POST, "/communities/{code}/volunteers", Action::VolunteerManage, create);
    r.page(Method::POST, "/volunteers/{id}/decision", Action::VolunteerManage, decide);
    r.page(Method::GET, "/volunteers/{id}", Action::VolunteerRead, show);
    r.page(Method::POST, "/volunteers/{id}/trainings", Action::VolunteerManage, add_training);
    r.page(Method::POST, "/volunteers/{id}/hours", Action::ActivityOrganize, enter_hours);
    r.page(Method::POST, "/volunteers/{id}/points", Action::VolunteerManage, correct_points);
    r.page(Method::GET, "/communities/{code}/volunteers/hours", Action::ActivityOrganize, waiting);
    r.page(Method::POST, "/communities/{code}/volunteers/hours", Action::ActivityOrganize, decide_hours);
    r.page(Method::GET, "/communities/{code}/points", Action::VolunteerManage, points_admin);
    r.page(Method::POST, "/communities/{code}/points/rules", Action::VolunteerManage, add_rule);
    r.page(Method::POST, "/communities/{code}/points/rules/{rule}/end", Action::VolunteerManage, end_rule);
    r.page(Method::POST, "/communities/{code}/points/items", Action::VolunteerManage, add_item);
    r.page(Method::POST, "/communities/{code}/points/items/{item}/restock", Action::VolunteerManage, restock);
    r.page(Method::POST, "/communities/{code}/volunteer-groups", Action::VolunteerManage, add_group);
}

/// The community of a staff page, refused unless the reader holds `action` there.
pub(crate) async fn community(s: &AppState, ctx: &Ctx, code: &str, action: Action) -> Result<areas::Area, WebError> {
    let t = ctx.t();
    let c = areas::by_code(&s.db, code).await.map_err(|e| WebError::page(e, t))?;
    if c.kind != AreaKind::Community {
        return Err(WebError::page(AppError::NotFound, t));
    }
    ctx.actor.require(action, Some(&c.path)).map_err(|e| WebError::page(e, t))?;
    Ok(c)
}

pub struct VolunteerRow {
    pub id: i64,
    pub name: String,
    pub status: String,
    pub group: String,
    pub hours: String,
    pub tasks: i64,
    pub balance: i64,
    pub last: String,
    pub insured: bool,
    pub party: bool,
}

fn volunteer_row(s: &AppState, ctx: &Ctx, v: &Volunteer, groups: &[(i64, String)]) -> VolunteerRow {
    VolunteerRow {
        id: v.id,
        name: v.name.clone(),
        status: status_label(ctx.t(), v.status),
        group: groups.iter().find(|g| Some(g.0) == v.group_id).map(|g| g.1.clone()).unwrap_or_default(),
        hours: hours(v.minutes),
        tasks: v.tasks,
        balance: v.balance,
        last: v.last_served_at.map(|x| local_time(x)[..10].to_string()).unwrap_or_default(),
        insured: v.insured(s.now()),
        party: v.party(),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    status: String,
    group: String,
    q: String,
    page: Option<i64>,
}

const PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "volunteers.html")]
struct ListPage {
    l: Layout,
    code: String,
    q: ListQuery,
    statuses: Vec<(&'static str, String)>,
    groups: Vec<(i64, String, i64, String)>,
    /// The last three years' verified hours of each group: (year, hours in the groups' order).
    group_years: Vec<(String, Vec<String>)>,
    pending: Vec<VolunteerRow>,
    rows: Vec<VolunteerRow>,
    count: String,
    pager: crate::shell::pager::Pager,
    can_manage: bool,
    can_verify: bool,
    /// The community-wide pages (training camp and mentorship), for those who read all of it.
    whole: bool,
    errors: Vec<FormError>,
}

async fn list_page(
    s: &AppState,
    ctx: &Ctx,
    c: &areas::Area,
    q: ListQuery,
    errors: Vec<FormError>,
) -> Result<ListPage, AppError> {
    let t = ctx.t();
    let groups = volunteers::groups(&s.db, c.id).await?;
    let names: Vec<(i64, String)> = groups.iter().map(|(g, _, _)| (g.id, g.name.clone())).collect();
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let filter = volunteers::ListFilter {
        status: VolunteerStatus::parse(&q.status).ok(),
        group_id: q.group.trim().parse().ok(),
        name: Some(q.q.trim().to_string()).filter(|n| !n.is_empty()),
        offset: (page - 1) * PAGE,
        limit: PAGE,
    };
    let (list, total) = volunteers::list(&s.db, &ctx.actor, c, &filter).await?;
    let can_manage = ctx.actor.can(Action::VolunteerManage, Some(&c.path));
    let pending = if can_manage {
        volunteers::pending_registrations(&s.db, &ctx.actor, c)
            .await?
            .iter()
            .map(|v| volunteer_row(s, ctx, v, &names))
            .collect()
    } else {
        Vec::new()
    };
    let by_year = volunteers::group_years(&s.db, c.id).await?;
    let mut years: Vec<String> = by_year.iter().map(|x| x.1.clone()).collect();
    years.dedup();
    let group_years = years
        .into_iter()
        .take(3)
        .map(|y| {
            let cells = names
                .iter()
                .map(|(g, _)| hours(by_year.iter().filter(|x| x.0 == *g && x.1 == y).map(|x| x.2).sum()))
                .collect();
            (y, cells)
        })
        .collect();
    Ok(ListPage {
        l: Layout::with_title(ctx, t.f1("page.volunteers.list_title", &c.name)),
        group_years,
        code: c.code.clone(),
        statuses: VolunteerStatus::ALL.iter().map(|x| (x.code(), status_label(t, *x))).collect(),
        groups: groups.into_iter().map(|(g, n, m)| (g.id, g.name, n, hours(m))).collect(),
        pending,
        rows: list.iter().map(|v| volunteer_row(s, ctx, v, &names)).collect(),
        count: t.f1("page.volunteers.count", total),
        pager: crate::shell::pager::Pager::new(page, total, PAGE, |n| {
            format!(
                "?status={}&group={}&q={}&page={n}",
                crate::shell::ctx::urlencode(&q.status),
                crate::shell::ctx::urlencode(&q.group),
                crate::shell::ctx::urlencode(&q.q)
            )
        }),
        can_manage,
        can_verify: ctx.actor.can(Action::HoursVerify, Some(&c.path))
            || ctx.actor.can(Action::ActivityOrganize, Some(&c.path)),
        whole: ctx.actor.can(Action::VolunteerRead, Some(&c.path)),
        q,
        errors,
    })
}

/// The roster as far as the reader reaches: a grid worker sees their grid's volunteers.
async fn list(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>, Query(q): Query<ListQuery>) -> PageResult {
    let t = ctx.t();
    let c = areas::by_code(&s.db, &code).await.map_err(|e| WebError::page(e, t))?;
    if c.kind != AreaKind::Community {
        return Err(WebError::page(AppError::NotFound, t));
    }
    Ok(html(&list_page(&s, &ctx, &c, q, vec![]).await?))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct GroupForm {
    name: String,
    description: String,
}

async fn add_group(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(f): PageForm<GroupForm>,
) -> PageResult {
    let t = ctx.t();
    let c = community(&s, &ctx, &code, Action::VolunteerManage).await?;
    match volunteers::create_group(&s.db, &ctx.actor, s.now(), &c, &f.name, &f.description).await {
        Ok(_) => Ok(redirect(
            &format!("/communities/{code}/volunteers"),
            Flash::success(t.t("flash.volunteers.group_added")),
        )),
        Err(err) => {
            let (status, msgs) = refusal(err, ctx.t())?;
            Ok((status, html(&list_page(&s, &ctx, &c, ListQuery::default(), msgs).await?)).into_response())
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionForm {
    decision: String,
}

async fn decide(State(s): State<AppState>, ctx: Ctx, Id(id): Id, PageForm(f): PageForm<DecisionForm>) -> PageResult {
    let t = ctx.t();
    let approve = f.decision == "approve";
    let v = volunteers::decide_registration(&s.db, &ctx.actor, s.now(), id, approve).await?;
    let c = areas::by_id(&s.db, v.community_id).await?;
    let msg = if approve { "flash.volunteers.approved" } else { "flash.volunteers.declined" };
    Ok(redirect(&format!("/communities/{}/volunteers", c.code), Flash::success(t.f1(msg, &v.name))))
}

#[derive(Template)]
#[template(path = "volunteer_form.html")]
struct EnterPage {
    l: Layout,
    code: String,
    groups: Vec<(i64, String)>,
    grids: Vec<(String, String)>,
    f: ProfileForm,
    errors: Vec<FormError>,
}

async fn enter_page(
    s: &AppState,
    ctx: &Ctx,
    c: &areas::Area,
    f: ProfileForm,
    errors: Vec<FormError>,
) -> Result<EnterPage, AppError> {
    Ok(EnterPage {
        l: Layout::new(ctx, "page.volunteers.enter_title"),
        code: c.code.clone(),
        groups: volunteers::groups(&s.db, c.id).await?.into_iter().map(|(g, _, _)| (g.id, g.name)).collect(),
        grids: areas::in_subtree(&s.db, &c.path, AreaKind::Grid, 200, 0)
            .await?
            .into_iter()
            .map(|a| (a.code, a.name))
            .collect(),
        f,
        errors,
    })
}

async fn new_form(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> PageResult {
    let c = community(&s, &ctx, &code, Action::VolunteerManage).await?;
    let f = ProfileForm { joined_on: local_time(s.now())[..10].to_string(), ..Default::default() };
    Ok(html(&enter_page(&s, &ctx, &c, f, vec![]).await?))
}

async fn create(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(f): PageForm<ProfileForm>,
) -> PageResult {
    let t = ctx.t();
    let c = community(&s, &ctx, &code, Action::VolunteerManage).await?;
    let r = async { volunteers::enter(&s.db, &ctx.actor, s.now(), &c, f.parse()?).await }.await;
    match r {
        Ok(v) => {
            Ok(redirect(&format!("/volunteers/{}", v.id), Flash::success(t.f1("flash.volunteers.entered", &v.name))))
        }
        Err(err) => {
            let (status, msgs) = refusal(err, ctx.t())?;
            Ok((status, html(&enter_page(&s, &ctx, &c, f, msgs).await?)).into_response())
        }
    }
}

pub struct PointsRow {
    pub when: String,
    pub kind: String,
    pub points: i64,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "volunteer.html")]
struct ShowPage {
    l: Layout,
    id: i64,
    code: String,
    v: VolunteerRow,
    skills: String,
    availability: String,
    since: String,
    insurance: String,
    eligible_mentor: bool,
    records: Vec<RecordRow>,
    trainings: Vec<(String, String, String)>,
    points: Vec<PointsRow>,
    can_manage: bool,
    can_enter: bool,
    hours_form: HoursForm,
    errors: Vec<FormError>,
}

async fn show_page(s: &AppState, ctx: &Ctx, id: i64, errors: Vec<FormError>) -> Result<ShowPage, AppError> {
    let t = ctx.t();
    let (v, _) = volunteers::get(&s.db, &ctx.actor, id).await?;
    let c = areas::by_id(&s.db, v.community_id).await?;
    let names: Vec<(i64, String)> =
        volunteers::groups(&s.db, c.id).await?.into_iter().map(|(g, _, _)| (g.id, g.name)).collect();
    let records = volunteers::records_of(&s.db, &v, 100).await?;
    let (_, entries) = volunteers::account(&s.db, &ctx.actor, v.id, 100).await?;
    Ok(ShowPage {
        l: Layout::with_title(ctx, v.name.clone()),
        id: v.id,
        code: c.code.clone(),
        v: volunteer_row(s, ctx, &v, &names),
        skills: v.skill_list().join("、"),
        availability: v.availability.clone(),
        since: local_time(v.joined_at)[..10].to_string(),
        insurance: match v.insurance_until {
            Some(u) => t.f2("page.volunteers.insurance_is", &v.insurance_policy, &local_time(u)[..10]),
            None => String::new(),
        },
        eligible_mentor: volunteers::eligible(&v, s.now()),
        records: records.iter().map(|(r, title)| record_row(t, r, title)).collect(),
        trainings: volunteers::trainings(&s.db, v.id)
            .await?
            .into_iter()
            .map(|x| (local_time(x.taken_on)[..10].to_string(), x.name, x.certificate))
            .collect(),
        points: entries
            .iter()
            .map(|e| PointsRow {
                when: local_time(e.created_at),
                kind: entry_label(t, e.kind),
                points: e.points,
                reason: e.reason.clone(),
            })
            .collect(),
        can_manage: ctx.actor.can(Action::VolunteerManage, Some(&v.area_path)),
        can_enter: ctx.actor.can(Action::HoursVerify, Some(&v.area_path)),
        hours_form: HoursForm { date: local_time(s.now())[..10].to_string(), ..Default::default() },
        errors,
    })
}

async fn show(State(s): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    Ok(html(&show_page(&s, &ctx, id, vec![]).await?))
}

async fn after(s: &AppState, ctx: &Ctx, id: i64, r: Result<(), AppError>, done: &str) -> PageResult {
    match r {
        Ok(()) => Ok(redirect(&format!("/volunteers/{id}"), Flash::success(ctx.t().t(done)))),
        Err(err) => {
            let (status, msgs) = refusal(err, ctx.t())?;
            Ok((status, html(&show_page(s, ctx, id, msgs).await?)).into_response())
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TrainingForm {
    name: String,
    certificate: String,
    date: String,
}

async fn add_training(
    State(s): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    PageForm(f): PageForm<TrainingForm>,
) -> PageResult {
    let r = async {
        let on = volunteers::local_midnight(&f.date, "date")?;
        volunteers::add_training(&s.db, &ctx.actor, s.now(), id, &f.name, &f.certificate, on).await.map(|_| ())
    }
    .await;
    after(&s, &ctx, id, r, "flash.volunteers.training_added").await
}

/// Staff enter hours on a volunteer's behalf (a paper sign-in sheet, an organizer's own hours);
/// they still wait for verification like any entered record.
async fn enter_hours(State(s): State<AppState>, ctx: Ctx, Id(id): Id, PageForm(f): PageForm<HoursForm>) -> PageResult {
    let role =
        if f.role == RecordRole::Organizer.code() { f.role.clone() } else { RecordRole::Participant.code().into() };
    let form = HoursForm { role, ..f };
    let r = async { volunteers::enter_hours(&s.db, &ctx.actor, s.now(), id, form.parse()?).await.map(|_| ()) }.await;
    after(&s, &ctx, id, r, "flash.volunteers.hours_entered").await
}

async fn correct_points(
    State(s): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    PageForm(f): PageForm<PointsCorrectionForm>,
) -> PageResult {
    let r = async {
        let (points, reason) = f.parse()?;
        volunteers::correct_points(&s.db, &ctx.actor, s.now(), id, points, &reason).await.map(|_| ())
    }
    .await;
    after(&s, &ctx, id, r, "flash.volunteers.points_corrected").await
}

pub struct WaitingRow {
    pub id: i64,
    pub volunteer_id: i64,
    pub name: String,
    pub activity: String,
    pub when: String,
    pub hours: String,
    pub role: String,
    pub source: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "hours_queue.html")]
struct WaitingPage {
    l: Layout,
    code: String,
    rows: Vec<WaitingRow>,
    count: String,
    errors: Vec<FormError>,
}

async fn waiting_page(
    s: &AppState,
    ctx: &Ctx,
    c: &areas::Area,
    errors: Vec<FormError>,
) -> Result<WaitingPage, AppError> {
    let t = ctx.t();
    let (list, total) = volunteers::waiting(&s.db, &ctx.actor, c, 200).await?;
    Ok(WaitingPage {
        l: Layout::new(ctx, "page.volunteers.waiting_title"),
        code: c.code.clone(),
        count: t.f1("page.volunteers.waiting_count", total),
        rows: list
            .into_iter()
            .map(|w| WaitingRow {
                id: w.record.id,
                volunteer_id: w.volunteer.id,
                name: w.volunteer.name.clone(),
                activity: if w.activity.is_empty() { t.t("page.volunteers.entered").to_string() } else { w.activity },
                when: local_time(w.record.started_at),
                hours: hours(w.record.minutes),
                role: t.t(&format!("record.role.{}", w.record.role.code())).to_string(),
                source: t.t(&format!("record.source.{}", w.record.source.code())).to_string(),
                note: w.record.note,
            })
            .collect(),
        errors,
    })
}

async fn waiting(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> PageResult {
    let t = ctx.t();
    let c = areas::by_code(&s.db, &code).await.map_err(|e| WebError::page(e, t))?;
    if c.kind != AreaKind::Community {
        return Err(WebError::page(AppError::NotFound, t));
    }
    Ok(html(&waiting_page(&s, &ctx, &c, vec![]).await?))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BulkForm {
    ids: Vec<String>,
    decision: String,
}

/// Verifies or rejects the ticked records at once; each is checked again (only a social worker
/// of the place or the activity's organizer decides it), all in one transaction.
async fn decide_hours(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(f): PageForm<BulkForm>,
) -> PageResult {
    let t = ctx.t();
    let c = areas::by_code(&s.db, &code).await.map_err(|e| WebError::page(e, t))?;
    let r = async {
        let ids = f
            .ids
            .iter()
            .map(|i| i.trim().parse::<i64>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| AppError::Invalid(wushe_domain::FieldError::new("ids", "errors.id.invalid").into()))?;
        if ids.is_empty() {
            return Err(AppError::Invalid(wushe_domain::FieldErrors(vec![wushe_domain::FieldError::new(
                "ids",
                "errors.hours.none_chosen",
            )])));
        }
        volunteers::decide_hours(&s.db, &ctx.actor, s.now(), &ids, f.decision != "reject").await
    }
    .await;
    match r {
        Ok(n) => {
            let key = if f.decision == "reject" {
                "flash.volunteers.hours_rejected"
            } else {
                "flash.volunteers.hours_verified"
            };
            Ok(redirect(&format!("/communities/{code}/volunteers/hours"), Flash::success(t.f1(key, n))))
        }
        Err(err) => {
            let (status, msgs) = refusal(err, ctx.t())?;
            Ok((status, html(&waiting_page(&s, &ctx, &c, msgs).await?)).into_response())
        }
    }
}

pub struct RuleRow {
    pub id: i64,
    pub trigger: String,
    pub points: i64,
    pub party_only: bool,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "points_admin.html")]
struct PointsPage {
    l: Layout,
    code: String,
    rules: Vec<RuleRow>,
    triggers: Vec<(&'static str, String)>,
    items: Vec<(i64, String, i64, i64)>,
    expiry_months: Option<i64>,
    errors: Vec<FormError>,
}

async fn points_page(s: &AppState, ctx: &Ctx, c: &areas::Area, errors: Vec<FormError>) -> Result<PointsPage, AppError> {
    let t = ctx.t();
    let trigger = |code: &str| t.t(&format!("points.trigger.{code}")).to_string();
    Ok(PointsPage {
        l: Layout::new(ctx, "page.volunteers.points_admin_title"),
        code: c.code.clone(),
        rules: volunteers::rules(&s.db, c)
            .await?
            .into_iter()
            .map(|r| RuleRow {
                id: r.id,
                trigger: trigger(&r.trigger_code),
                points: r.points,
                party_only: r.party_only != 0,
                active: r.active != 0,
            })
            .collect(),
        triggers: Trigger::ALL.iter().map(|x| (x.code(), trigger(x.code()))).collect(),
        items: volunteers::catalogue(&s.db, c).await?.into_iter().map(|i| (i.id, i.name, i.points, i.stock)).collect(),
        expiry_months: volunteers::expiry_months(&s.db, c).await?,
        errors,
    })
}

async fn points_admin(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> PageResult {
    let c = community(&s, &ctx, &code, Action::VolunteerManage).await?;
    Ok(html(&points_page(&s, &ctx, &c, vec![]).await?))
}

async fn after_points(s: &AppState, ctx: &Ctx, c: &areas::Area, r: Result<(), AppError>) -> PageResult {
    match r {
        Ok(()) => Ok(redirect(
            &format!("/communities/{}/points", c.code),
            Flash::success(ctx.t().t("flash.volunteers.points_saved")),
        )),
        Err(err) => {
            let (status, msgs) = refusal(err, ctx.t())?;
            Ok((status, html(&points_page(s, ctx, c, msgs).await?)).into_response())
        }
    }
}

async fn add_rule(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(f): PageForm<RuleForm>,
) -> PageResult {
    let c = community(&s, &ctx, &code, Action::VolunteerManage).await?;
    let r = async { volunteers::add_rule(&s.db, &ctx.actor, s.now(), &c, f.parse()?).await.map(|_| ()) }.await;
    after_points(&s, &ctx, &c, r).await
}

async fn end_rule(State(s): State<AppState>, ctx: Ctx, Path((code, rule)): Path<(String, String)>) -> PageResult {
    let c = community(&s, &ctx, &code, Action::VolunteerManage).await?;
    let r = async {
        let id = crate::shell::extract::parse_id(&rule)?;
        volunteers::end_rule(&s.db, &ctx.actor, s.now(), &c, id).await
    }
    .await;
    after_points(&s, &ctx, &c, r).await
}

async fn add_item(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(f): PageForm<ItemForm>,
) -> PageResult {
    let c = community(&s, &ctx, &code, Action::VolunteerManage).await?;
    let r = async {
        let (name, points, stock) = f.parse()?;
        volunteers::add_item(&s.db, &ctx.actor, s.now(), &c, &name, points, stock).await.map(|_| ())
    }
    .await;
    after_points(&s, &ctx, &c, r).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RestockForm {
    stock: String,
}

async fn restock(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((code, item)): Path<(String, String)>,
    PageForm(f): PageForm<RestockForm>,
) -> PageResult {
    let c = community(&s, &ctx, &code, Action::VolunteerManage).await?;
    let r = async {
        let id = crate::shell::extract::parse_id(&item)?;
        let add = wushe_domain::volunteers::parse_stock(&f.stock)?;
        if volunteers::item(&s.db, id).await?.community_id != c.id {
            return Err(AppError::NotFound);
        }
        volunteers::restock(&s.db, &ctx.actor, s.now(), id, add).await
    }
    .await;
    after_points(&s, &ctx, &c, r).await
}
