//! S2 pages: residents list (masked), person page with audited reveal, registration form.

use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::error::PageResult;
use crate::shell::error::WebError;
use crate::shell::extract::Id;
use crate::shell::extract::PageForm;
use crate::shell::layout::html;
use crate::shell::layout::{Layout, vul_key};
use crate::shell::registry::Registry;
use crate::shell::views::{PersonRow, person_row_for};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use wushe_app::people::{PersonForm, ResidentFilter};
use wushe_app::{AppError, areas, organizations, people};
use wushe_domain::access::Action;
use wushe_domain::areas::AreaKind;
use wushe_domain::ids::PersonId;
use wushe_domain::people::Vulnerability;

pub fn routes(r: &mut Registry) {
    r.page(Method::GET, "/communities/{code}/residents", Action::ResidentRead, list);
    r.page(Method::GET, "/communities/{code}/residents/new", Action::ResidentWrite, new_form);
    r.page(Method::POST, "/communities/{code}/residents", Action::ResidentWrite, create);
    r.page(Method::GET, "/people/{id}", Action::ResidentRead, show);
    r.page(Method::POST, "/people/{id}/reveal", Action::ResidentReadSensitive, reveal);
}

fn sees_full_names(ctx: &Ctx, path: &str) -> bool {
    ctx.actor.can(Action::ResidentReadSensitive, Some(path))
}

#[derive(Template)]
#[template(path = "residents.html")]
struct ResidentsPage {
    l: Layout,
    code: String,
    vul_options: Vec<(&'static str, String)>,
    selected: String,
    name: String,
    total_label: String,
    rows: Vec<PersonRow>,
    prev: Option<String>,
    next: Option<String>,
    can_write: bool,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    vulnerability: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    page: Option<String>,
}

pub const PAGE_SIZE: i64 = 50;

async fn list(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>, Query(q): Query<ListQuery>) -> PageResult {
    let t = ctx.t();
    let e = |e| WebError::page(e, t);
    let community = areas::visible(&s.db, &ctx.actor, Action::ResidentRead, &code).await?;
    if community.kind != AreaKind::Community {
        return Err(e(AppError::NotFound));
    }
    let vulnerability = if q.vulnerability.is_empty() {
        None
    } else {
        Some(Vulnerability::parse(&q.vulnerability).map_err(|x| e(x.into()))?)
    };
    let page: i64 = q.page.as_deref().unwrap_or("1").parse::<i64>().unwrap_or(1).clamp(1, 100_000);
    let filter = ResidentFilter {
        vulnerability,
        name: Some(q.name.trim().to_string()).filter(|n| !n.is_empty()),
        limit: PAGE_SIZE,
        offset: (page - 1) * PAGE_SIZE,
    };
    let (list, total) = people::residents_in(&s.db, &ctx.actor, &community, &filter).await?;
    let mut rows = Vec::with_capacity(list.len());
    for p in &list {
        let hh = match p.household_id {
            Some(h) => areas::by_id(&s.db, h).await.map(|a| a.name).unwrap_or_default(),
            None => String::new(),
        };
        rows.push(person_row_for(
            p,
            t,
            sees_full_names(&ctx, p.household_path.as_deref().unwrap_or(&community.path)),
            hh,
        ));
    }
    let link = |p: i64| {
        format!(
            "/communities/{code}/residents?vulnerability={}&name={}&page={p}",
            q.vulnerability,
            crate::shell::ctx::urlencode(&q.name)
        )
    };
    let page_view = ResidentsPage {
        l: Layout::new(&ctx, "page.residents.title"),
        code: community.code.clone(),
        vul_options: Vulnerability::ALL.iter().map(|v| (v.code(), t.t(&vul_key(*v)).to_string())).collect(),
        selected: q.vulnerability.clone(),
        name: q.name.clone(),
        total_label: t.f("page.residents.total", &[&total]),
        rows,
        prev: (page > 1).then(|| link(page - 1)),
        next: (page * PAGE_SIZE < total).then(|| link(page + 1)),
        can_write: ctx.actor.can(Action::ResidentWrite, None),
    };
    Ok(html(&page_view))
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    l: Layout,
    p: PersonRow,
    household_code: String,
    phone: String,
    id_number: String,
    revealed: bool,
    can_reveal: bool,
    posts: Vec<(String, String)>,
}

async fn person_page(s: &AppState, ctx: &Ctx, id: PersonId, reveal: bool) -> Result<Response, AppError> {
    let t = ctx.t();
    let p = people::get(&s.db, &ctx.actor, id).await?;
    let (household_code, household_name, path) = match p.household_id {
        Some(h) => {
            let a = areas::by_id(&s.db, h).await?;
            (a.code, a.name, a.path)
        }
        None => {
            let c = areas::by_id(&s.db, p.community_id).await?;
            (String::new(), c.name, c.path)
        }
    };
    let (phone, id_number) = if reveal {
        let r = people::reveal(&s.db, &ctx.actor, s.now(), id).await?;
        (r.phone.unwrap_or_default(), r.id_number.unwrap_or_default())
    } else {
        (
            p.phone.as_ref().map(|x| x.masked()).unwrap_or_default(),
            p.id_number.as_ref().map(|x| x.masked()).unwrap_or_default(),
        )
    };
    let full = sees_full_names(ctx, &path);
    let posts = organizations::posts_of(&s.db, p.id.get())
        .await?
        .into_iter()
        .map(|(o, post)| (o.name, t.t(&crate::shell::layout::post_key(post)).to_string()))
        .collect();
    let row = person_row_for(&p, t, full, household_name);
    Ok(html(&PersonPage {
        l: Layout::with_title(ctx, row.name.clone()),
        p: row,
        household_code,
        phone,
        id_number,
        revealed: reveal,
        can_reveal: ctx.actor.can(Action::ResidentReadSensitive, Some(&path)),
        posts,
    }))
}

async fn show(State(s): State<AppState>, ctx: Ctx, Id(id): Id<PersonId>) -> PageResult {
    person_page(&s, &ctx, id, false).await.map_err(|e| WebError::page(e, ctx.t()))
}

async fn reveal(State(s): State<AppState>, ctx: Ctx, Id(id): Id<PersonId>) -> PageResult {
    person_page(&s, &ctx, id, true).await.map_err(|e| WebError::page(e, ctx.t()))
}

pub struct FormValues {
    household_code: String,
    name: String,
    gender: String,
    birth_year: String,
    phone: String,
    id_number: String,
    is_household_head: bool,
}

#[derive(Template)]
#[template(path = "person_form.html")]
struct PersonFormPage {
    l: Layout,
    code: String,
    f: FormValues,
    vul_options: Vec<(&'static str, String, bool)>,
    errors: Vec<crate::shell::error::FormError>,
}

fn form_page(ctx: &Ctx, code: &str, form: &PersonForm, errors: Vec<crate::shell::error::FormError>) -> PersonFormPage {
    let t = ctx.t();
    PersonFormPage {
        l: Layout::new(ctx, "page.residents.new"),
        code: code.to_string(),
        f: FormValues {
            household_code: form.household_code.clone(),
            name: form.name.clone(),
            gender: form.gender.clone(),
            birth_year: form.birth_year.clone(),
            phone: form.phone.clone(),
            id_number: form.id_number.clone(),
            is_household_head: form.is_household_head,
        },
        vul_options: Vulnerability::ALL
            .iter()
            .map(|v| (v.code(), t.t(&vul_key(*v)).to_string(), form.vulnerability.iter().any(|x| x == v.code())))
            .collect(),
        errors,
    }
}

async fn new_form(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> PageResult {
    let c = areas::visible(&s.db, &ctx.actor, Action::ResidentWrite, &code).await?;
    Ok(html(&form_page(&ctx, &c.code, &PersonForm::default(), vec![])))
}

/// The registration form as a page posts it: vulnerabilities as repeated checkboxes, the
/// household head as a checkbox.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct PersonPageForm {
    household_code: String,
    name: String,
    gender: String,
    birth_year: String,
    phone: String,
    id_number: String,
    vulnerability: Vec<String>,
    is_household_head: String,
}

impl PersonPageForm {
    fn into_form(self) -> PersonForm {
        PersonForm {
            household_code: self.household_code,
            name: self.name,
            gender: self.gender,
            birth_year: self.birth_year,
            phone: self.phone,
            id_number: self.id_number,
            vulnerability: self.vulnerability,
            is_household_head: matches!(self.is_household_head.as_str(), "1" | "on" | "true"),
        }
    }
}

async fn create(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(f): PageForm<PersonPageForm>,
) -> PageResult {
    let t = ctx.t();
    let c = areas::visible(&s.db, &ctx.actor, Action::ResidentWrite, &code).await?;
    let form = f.into_form();
    let result = match form.parse(s.this_year()) {
        Ok(new) => people::register(&s.db, &ctx.actor, s.now(), new).await,
        Err(errs) => Err(AppError::Invalid(errs)),
    };
    match result {
        Ok(p) => Ok(crate::shell::flash::redirect(
            &format!("/people/{}", p.id),
            crate::shell::flash::Flash::success(t.t("flash.people.registered")),
        )),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let msgs = crate::shell::error::form_errors(&e, t);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&form_page(&ctx, &c.code, &form, msgs))).into_response())
        }
        Err(e) => Err(WebError::page(e, t)),
    }
}
