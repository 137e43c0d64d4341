//! V4 pages: the resident leader training camp (courses, their sessions as activities, who
//! attended and completed) and mentorship — the mentors the data make eligible, pairing, and
//! one pairing's six-month plan with its notes, case report and assessment, visible to both
//! and to the social worker.

use super::staff::community;
use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::error::{FormError, PageResult, refusal};
use crate::shell::extract::{Id, PageForm};
use crate::shell::flash::{Flash, redirect};
use crate::shell::layout::{Layout, html, local_time};
use crate::shell::registry::Registry;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::IntoResponse;
use serde::Deserialize;
use wushe_app::{AppError, areas, volunteers};
use wushe_domain::access::Action;
use wushe_domain::volunteers::{self as v, MentorStage, MentorshipStatus, VolunteerStatus};

pub fn routes(r: &mut Registry) {
    r.page(Method::GET, "/communities/{code}/volunteers/growth", Action::VolunteerRead, page);
    r.page(Method::POST, "/communities/{code}/courses", Action::VolunteerManage, add_course);
    r.page(Method::POST, "/communities/{code}/mentorships", Action::VolunteerManage, pair);
    r.page(Method::GET, "/mentorships/{id}", Action::OwnAccount, show);
    r.page(Method::POST, "/mentorships/{id}/notes", Action::OwnAccount, add_note);
    r.page(Method::POST, "/mentorships/{id}/report", Action::OwnAccount, report);
    r.page(Method::POST, "/mentorships/{id}/assessment", Action::VolunteerManage, assess);
}

pub struct CourseRow {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub sessions: i64,
    pub attended: i64,
    pub completed: i64,
}

pub struct PairRow {
    pub id: i64,
    pub mentor: String,
    pub mentee: String,
    pub started: String,
    pub month: i64,
    pub stage: String,
    pub status: String,
}

#[derive(Template)]
#[template(path = "growth.html")]
struct GrowthPage {
    l: Layout,
    code: String,
    courses: Vec<CourseRow>,
    mentors: Vec<(i64, String, String, i64)>,
    mentees: Vec<(i64, String)>,
    pairs: Vec<PairRow>,
    can_manage: bool,
    errors: Vec<FormError>,
}

fn stage_label(ctx: &Ctx, s: MentorStage) -> String {
    ctx.t().t(&format!("mentor.stage.{}", s.code())).to_string()
}

async fn growth_page(s: &AppState, ctx: &Ctx, c: &areas::Area, errors: Vec<FormError>) -> Result<GrowthPage, AppError> {
    let t = ctx.t();
    let now = s.now();
    let mut courses = Vec::new();
    for course in volunteers::courses(&s.db, c.id).await? {
        let att = volunteers::attendance(&s.db, course.id).await?;
        courses.push(CourseRow {
            completed: att.iter().filter(|(_, n)| *n >= course.sessions).count() as i64,
            attended: att.len() as i64,
            id: course.id,
            title: course.title,
            description: course.description,
            sessions: course.sessions,
        });
    }
    let mentors = volunteers::mentors(&s.db, &ctx.actor, c, now).await?;
    let actives = volunteers::list(
        &s.db,
        &ctx.actor,
        c,
        &volunteers::ListFilter { status: Some(VolunteerStatus::Active), limit: 1000, ..Default::default() },
    )
    .await?
    .0;
    let name = |id: i64| actives.iter().find(|x| x.id == id).map(|x| x.name.clone());
    let mut pairs = Vec::new();
    for m in volunteers::pairs(&s.db, &ctx.actor, c).await? {
        let month = v::plan_month(m.started_at, now);
        let mentor = match name(m.mentor_id) {
            Some(n) => n,
            None => volunteers::get(&s.db, &ctx.actor, m.mentor_id).await?.0.name,
        };
        let mentee = match name(m.mentee_id) {
            Some(n) => n,
            None => volunteers::get(&s.db, &ctx.actor, m.mentee_id).await?.0.name,
        };
        pairs.push(PairRow {
            id: m.id,
            mentor,
            mentee,
            started: local_time(m.started_at)[..10].to_string(),
            month,
            stage: stage_label(ctx, v::stage(month)),
            status: t.t(&format!("mentorship.status.{}", m.status.code())).to_string(),
        });
    }
    let mentor_ids: Vec<i64> = mentors.iter().map(|m| m.id).collect();
    Ok(GrowthPage {
        l: Layout::new(ctx, "page.growth.title"),
        code: c.code.clone(),
        courses,
        mentors: mentors
            .iter()
            .map(|m| (m.id, m.name.clone(), local_time(m.joined_at)[..10].to_string(), m.led))
            .collect(),
        mentees: actives.iter().filter(|x| !mentor_ids.contains(&x.id)).map(|x| (x.id, x.name.clone())).collect(),
        pairs,
        can_manage: ctx.actor.can(Action::VolunteerManage, Some(&c.path)),
        errors,
    })
}

async fn page(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> PageResult {
    let c = community(&s, &ctx, &code, Action::VolunteerRead).await?;
    Ok(html(&growth_page(&s, &ctx, &c, vec![]).await?))
}

async fn after(s: &AppState, ctx: &Ctx, c: &areas::Area, r: Result<(), AppError>, done: &str) -> PageResult {
    match r {
        Ok(()) => Ok(redirect(&format!("/communities/{}/volunteers/growth", c.code), Flash::success(ctx.t().t(done)))),
        Err(err) => {
            let (status, msgs) = refusal(err, ctx.t())?;
            Ok((status, html(&growth_page(s, ctx, c, msgs).await?)).into_response())
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CourseForm {
    title: String,
    description: String,
    sessions: String,
}

async fn add_course(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(f): PageForm<CourseForm>,
) -> PageResult {
    let c = community(&s, &ctx, &code, Action::VolunteerManage).await?;
    let r = volunteers::create_course(&s.db, &ctx.actor, s.now(), &c, &f.title, &f.description, &f.sessions).await;
    after(&s, &ctx, &c, r.map(|_| ()), "flash.growth.course_added").await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PairForm {
    mentor_id: String,
    mentee_id: String,
}

async fn pair(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(f): PageForm<PairForm>,
) -> PageResult {
    let c = community(&s, &ctx, &code, Action::VolunteerManage).await?;
    let r = async {
        let id = |field: &'static str, raw: &str| {
            raw.trim()
                .parse::<i64>()
                .map_err(|_| AppError::Invalid(wushe_domain::FieldError::new(field, "errors.id.invalid").into()))
        };
        let (mentor, mentee) = (id("mentor_id", &f.mentor_id)?, id("mentee_id", &f.mentee_id)?);
        volunteers::pair(&s.db, &ctx.actor, s.now(), mentor, mentee).await.map(|_| ())
    }
    .await;
    after(&s, &ctx, &c, r, "flash.growth.paired").await
}

pub struct StageRow {
    pub months: String,
    pub label: String,
    pub current: bool,
    pub notes: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "mentorship.html")]
struct MentorshipPage {
    l: Layout,
    id: i64,
    mentor: String,
    mentee: String,
    started: String,
    month: i64,
    status: String,
    active: bool,
    stages: Vec<StageRow>,
    case_report: String,
    /// The reader is the mentee (hands in the report), a party (writes notes), staff (assesses).
    is_mentee: bool,
    may_note: bool,
    may_assess: bool,
    report_due: bool,
    errors: Vec<FormError>,
}

async fn mentorship_page(s: &AppState, ctx: &Ctx, id: i64, errors: Vec<FormError>) -> Result<MentorshipPage, AppError> {
    let t = ctx.t();
    let (m, mentor, mentee, party) = volunteers::mentorship_visible(&s.db, &ctx.actor, id).await?;
    let now = s.now();
    let month = if m.status == MentorshipStatus::Active { v::plan_month(m.started_at, now) } else { 7 };
    let notes = volunteers::notes(&s.db, m.id).await?;
    let spans: [(MentorStage, i64, i64); 4] = [
        (MentorStage::CoParticipate, 1, 2),
        (MentorStage::LeadAlone, 3, 4),
        (MentorStage::Reflect, 5, 5),
        (MentorStage::Assess, 6, 7),
    ];
    let stages = spans
        .iter()
        .map(|(stage, from, to)| StageRow {
            months: if from == to || *from == 6 {
                t.f1("page.growth.month_n", from)
            } else {
                t.f2("page.growth.months_n", from, to)
            },
            label: stage_label(ctx, *stage),
            current: m.status == MentorshipStatus::Active && (*from..=*to).contains(&month),
            notes: notes
                .iter()
                .filter(|n| (*from..=*to).contains(&n.month))
                .map(|n| (local_time(n.created_at), n.note.clone()))
                .collect(),
        })
        .collect();
    let may_assess = ctx.actor.can(Action::VolunteerManage, Some(&mentor.area_path));
    Ok(MentorshipPage {
        l: Layout::new(ctx, "page.growth.mentorship_title"),
        id: m.id,
        mentor: mentor.name.clone(),
        mentee: mentee.name.clone(),
        started: local_time(m.started_at)[..10].to_string(),
        month: month.min(6),
        status: t.t(&format!("mentorship.status.{}", m.status.code())).to_string(),
        active: m.status == MentorshipStatus::Active,
        stages,
        case_report: m.case_report.clone(),
        is_mentee: ctx.actor.user_id.is_some() && ctx.actor.user_id == mentee.user_id,
        may_note: party || may_assess,
        may_assess,
        report_due: month >= 6,
        errors,
    })
}

async fn show(State(s): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    Ok(html(&mentorship_page(&s, &ctx, id, vec![]).await?))
}

async fn after_pair(s: &AppState, ctx: &Ctx, id: i64, r: Result<(), AppError>, done: &str) -> PageResult {
    match r {
        Ok(()) => Ok(redirect(&format!("/mentorships/{id}"), Flash::success(ctx.t().t(done)))),
        Err(err) => {
            let (status, msgs) = refusal(err, ctx.t())?;
            Ok((status, html(&mentorship_page(s, ctx, id, msgs).await?)).into_response())
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NoteForm {
    note: String,
}

async fn add_note(State(s): State<AppState>, ctx: Ctx, Id(id): Id, PageForm(f): PageForm<NoteForm>) -> PageResult {
    let r = volunteers::add_note(&s.db, &ctx.actor, s.now(), id, &f.note).await;
    after_pair(&s, &ctx, id, r, "flash.growth.noted").await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReportForm {
    case_report: String,
}

async fn report(State(s): State<AppState>, ctx: Ctx, Id(id): Id, PageForm(f): PageForm<ReportForm>) -> PageResult {
    let r = volunteers::submit_report(&s.db, &ctx.actor, s.now(), id, &f.case_report).await;
    after_pair(&s, &ctx, id, r, "flash.growth.reported").await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AssessForm {
    passed: String,
}

async fn assess(State(s): State<AppState>, ctx: Ctx, Id(id): Id, PageForm(f): PageForm<AssessForm>) -> PageResult {
    let r = volunteers::assess(&s.db, &ctx.actor, s.now(), id, f.passed == "1").await;
    after_pair(&s, &ctx, id, r, "flash.growth.assessed").await
}
