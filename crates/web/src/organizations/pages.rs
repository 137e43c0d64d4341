//! S3 pages: organizations of a community grouped by kind, an organization with its members,
//! and the forms to create organizations and add members.

use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::error::PageResult;
use crate::shell::error::WebError;
use crate::shell::extract::Id;
use crate::shell::layout::html;
use crate::shell::layout::{Layout, org_kind_key, post_key};
use crate::shell::registry::Registry;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use serde::Deserialize;
use wushe_app::organizations::{Organization, OrganizationForm};
use wushe_app::{AppError, areas, organizations};
use wushe_domain::FieldError;
use wushe_domain::access::Action;
use wushe_domain::ids::OrganizationId;
use wushe_domain::organizations::{OrganizationKind, Post};

pub fn routes(r: &mut Registry) {
    r.page(Method::GET, "/communities/{code}/organizations", Action::OrganizationRead, list);
    r.page(Method::GET, "/communities/{code}/organizations/new", Action::OrganizationWrite, new_form);
    r.page(Method::POST, "/communities/{code}/organizations", Action::OrganizationWrite, create);
    r.page(Method::GET, "/organizations/{id}", Action::OrganizationRead, show);
    r.page(Method::POST, "/organizations/{id}/members", Action::OrganizationWrite, add_member);
}

/// id, name, services of one organization in a list.
type OrgItem = (i64, String, String);

#[derive(Template)]
#[template(path = "organizations.html")]
struct ListPage {
    l: Layout,
    code: String,
    groups: Vec<(String, Vec<OrgItem>)>,
    can_write: bool,
}

async fn list(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> PageResult {
    let t = ctx.t();
    let c = areas::visible(&s.db, &ctx.actor, Action::OrganizationRead, &code).await?;
    let orgs = organizations::in_area(&s.db, &ctx.actor, &c).await?;
    let mut groups: Vec<(String, Vec<OrgItem>)> = Vec::new();
    for k in OrganizationKind::ALL {
        let items: Vec<(i64, String, String)> =
            orgs.iter().filter(|o| o.kind == *k).map(|o| (o.id.get(), o.name.clone(), o.services.clone())).collect();
        if !items.is_empty() {
            groups.push((t.t(&org_kind_key(*k)).to_string(), items));
        }
    }
    Ok(html(&ListPage {
        l: Layout::new(&ctx, "page.organizations.title"),
        code: c.code,
        groups,
        can_write: ctx.actor.can(Action::OrganizationWrite, None),
    }))
}

#[derive(Template)]
#[template(path = "organization.html")]
struct OrgPage {
    l: Layout,
    id: i64,
    kind: String,
    parent: String,
    area: String,
    description: String,
    services: String,
    phone: String,
    children: Vec<(i64, String)>,
    members_label: String,
    members: Vec<(String, String, String)>,
    can_write: bool,
    post_options: Vec<(&'static str, String)>,
    errors: Vec<crate::shell::error::FormError>,
}

async fn org_page(
    s: &AppState,
    ctx: &Ctx,
    o: Organization,
    errors: Vec<crate::shell::error::FormError>,
) -> Result<OrgPage, AppError> {
    let t = ctx.t();
    let area = areas::by_id(&s.db, o.area_id).await?;
    let parent = match o.parent_id {
        Some(p) => {
            organizations::get(&s.db, &ctx.actor, OrganizationId::from(p)).await.map(|p| p.name).unwrap_or_default()
        }
        None => String::new(),
    };
    let members = organizations::members(&s.db, &ctx.actor, &o).await?;
    let children = organizations::children(&s.db, &o).await?;
    Ok(OrgPage {
        l: Layout::with_title(ctx, o.name.clone()),
        id: o.id.get(),
        kind: t.t(&org_kind_key(o.kind)).to_string(),
        parent,
        area: area.name,
        description: o.description.clone(),
        services: o.services.clone(),
        phone: o.phone.clone().unwrap_or_default(),
        children: children.into_iter().map(|c| (c.id.get(), c.name)).collect(),
        members_label: t.f("page.organization.members", &[&members.len()]),
        members: members
            .into_iter()
            .map(|m| {
                (
                    m.person_name,
                    t.t(&post_key(m.post)).to_string(),
                    m.since_year.map(|y| y.to_string()).unwrap_or_default(),
                )
            })
            .collect(),
        can_write: ctx.actor.can(Action::OrganizationWrite, Some(&o.area_path)),
        post_options: Post::ALL.iter().map(|p| (p.code(), t.t(&post_key(*p)).to_string())).collect(),
        errors,
    })
}

async fn show(State(s): State<AppState>, ctx: Ctx, Id(id): Id<OrganizationId>) -> PageResult {
    let o = organizations::get(&s.db, &ctx.actor, id).await?;
    Ok(html(&org_page(&s, &ctx, o, vec![]).await?))
}

#[derive(Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    person_id: String,
    #[serde(default)]
    post: String,
    #[serde(default)]
    since_year: String,
}

async fn add_member(
    State(s): State<AppState>,
    ctx: Ctx,
    Id(id): Id<OrganizationId>,
    Form(f): Form<MemberForm>,
) -> PageResult {
    let t = ctx.t();
    let e = |e| WebError::page(e, t);
    let result = async {
        let person =
            f.person_id.trim().parse::<i64>().map_err(|_| FieldError::new("person_id", "errors.person.unknown"))?;
        let since = wushe_domain::people::parse_birth_year(&f.since_year, s.this_year())
            .map_err(|_| FieldError::new("since_year", "errors.since_year.invalid"))?;
        organizations::add_member(&s.db, &ctx.actor, s.now(), id, person, &f.post, since.map(i64::from)).await
    }
    .await;
    match result {
        Ok(_) => Ok(crate::shell::flash::redirect(
            &format!("/organizations/{id}"),
            crate::shell::flash::Flash::success(t.t("flash.organizations.member_added")),
        )),
        Err(err @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let o = organizations::get(&s.db, &ctx.actor, id).await?;
            let msgs = crate::shell::error::form_errors(&err, t);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&org_page(&s, &ctx, o, msgs).await?)).into_response())
        }
        Err(err) => Err(e(err)),
    }
}

#[derive(Deserialize, Default)]
pub struct OrgFormBody {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    area_code: String,
    #[serde(default)]
    parent_id: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    services: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    address: String,
}

pub struct OrgFormValues {
    name: String,
    area_code: String,
    description: String,
    services: String,
    phone: String,
    address: String,
}

#[derive(Template)]
#[template(path = "organization_form.html")]
struct OrgFormPage {
    l: Layout,
    code: String,
    f: OrgFormValues,
    kind_options: Vec<(&'static str, String, bool)>,
    parent_options: Vec<(i64, String)>,
    errors: Vec<crate::shell::error::FormError>,
}

async fn form_page(
    s: &AppState,
    ctx: &Ctx,
    community: &areas::Area,
    b: &OrgFormBody,
    errors: Vec<crate::shell::error::FormError>,
) -> Result<OrgFormPage, AppError> {
    let t = ctx.t();
    let parents = organizations::in_area(&s.db, &ctx.actor, community).await?;
    Ok(OrgFormPage {
        l: Layout::new(ctx, "page.organizations.new"),
        code: community.code.clone(),
        f: OrgFormValues {
            name: b.name.clone(),
            area_code: if b.area_code.is_empty() { community.code.clone() } else { b.area_code.clone() },
            description: b.description.clone(),
            services: b.services.clone(),
            phone: b.phone.clone(),
            address: b.address.clone(),
        },
        kind_options: OrganizationKind::ALL
            .iter()
            .map(|k| (k.code(), t.t(&org_kind_key(*k)).to_string(), k.code() == b.kind))
            .collect(),
        parent_options: parents.into_iter().map(|o| (o.id.get(), o.name)).collect(),
        errors,
    })
}

async fn new_form(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> PageResult {
    let c = areas::visible(&s.db, &ctx.actor, Action::OrganizationWrite, &code).await?;
    Ok(html(&form_page(&s, &ctx, &c, &OrgFormBody::default(), vec![]).await?))
}

pub fn org_form(b: &OrgFormBody) -> Result<OrganizationForm, AppError> {
    let parent_id = match b.parent_id.trim() {
        "" => None,
        p => Some(p.parse::<i64>().map_err(|_| FieldError::new("parent_id", "errors.organization.unknown"))?),
    };
    Ok(OrganizationForm {
        area_code: b.area_code.clone(),
        parent_id,
        kind: b.kind.clone(),
        name: b.name.clone(),
        description: b.description.clone(),
        services: b.services.clone(),
        phone: b.phone.clone(),
        address: b.address.clone(),
    })
}

async fn create(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Form(b): Form<OrgFormBody>,
) -> PageResult {
    let t = ctx.t();
    let e = |e| WebError::page(e, t);
    let c = areas::visible(&s.db, &ctx.actor, Action::OrganizationWrite, &code).await?;
    let result = async {
        let form = org_form(&b)?;
        let new = form.parse()?;
        organizations::create(&s.db, &ctx.actor, s.now(), new).await
    }
    .await;
    match result {
        Ok(o) => Ok(crate::shell::flash::redirect(
            &format!("/organizations/{}", o.id),
            crate::shell::flash::Flash::success(t.f("flash.organizations.added", &[&o.name])),
        )),
        Err(err @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let msgs = crate::shell::error::form_errors(&err, t);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&form_page(&s, &ctx, &c, &b, msgs).await?)).into_response())
        }
        Err(err) => Err(e(err)),
    }
}
