//! S1 pages: the community overview and the area tree drill-down (street → household).

use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::error::PageResult;
use crate::shell::error::WebError;
use crate::shell::layout::html;
use crate::shell::layout::{Layout, kind_key, vul_key};
use crate::shell::registry::Registry;
use crate::shell::views::{PersonRow, person_row};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use wushe_app::{AppError, areas, organizations, people};
use wushe_domain::access::Action;
use wushe_domain::areas::AreaKind;
use wushe_domain::organizations::{OrganizationKind, Post};

pub fn routes(r: &mut Registry) {
    r.page(Method::GET, "/communities/{code}", Action::OverviewRead, overview);
    r.page(Method::GET, "/areas/{code}", Action::AreaRead, area_page);
    r.page(Method::POST, "/areas/{code}/children", Action::AreaWrite, add_child);
}

pub struct DivisionRow {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub households: i64,
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    l: Layout,
    code: String,
    parent_name: String,
    figures: Vec<(String, i64)>,
    vulnerable: Vec<(String, i64)>,
    divisions: Vec<DivisionRow>,
    can_browse: bool,
    /// Channels failing now (community admins), linking to the outbox.
    failing: Vec<String>,
    /// What the reader comes to do, first the primary (see `Manifest::start`).
    start: Vec<crate::shell::layout::NavItem>,
    /// A resident's needs that are resolved and wait for their confirmation: (id, title).
    awaiting: Vec<(i64, String)>,
}

/// The figures of a community overview; shared with the API.
pub struct Overview {
    pub community: areas::Area,
    pub households: i64,
    pub residents: i64,
    pub vulnerable: i64,
    pub by_vulnerability: Vec<(wushe_domain::people::Vulnerability, i64)>,
    pub organizations: i64,
    pub party_members: i64,
    pub party_branches: i64,
    pub volunteers: i64,
    pub grid_workers: i64,
    pub divisions: Vec<areas::AreaSummary>,
}

pub async fn overview_of(s: &AppState, ctx: &Ctx, code: &str) -> Result<Overview, AppError> {
    let c = areas::visible(&s.db, &ctx.actor, Action::OverviewRead, code).await?;
    if c.kind != AreaKind::Community {
        return Err(AppError::NotFound);
    }
    let db = &s.db;
    let (residents, vulnerable) = people::counts_in(db, &c.path).await?;
    // Overview counts are aggregates, so everyone with a grant in the community sees all
    // divisions here; drilling into them still needs AreaRead.
    let divisions = areas::divisions(db, &c).await?;
    Ok(Overview {
        households: areas::count_in_subtree(db, &c.path, AreaKind::Household).await?,
        residents,
        vulnerable,
        by_vulnerability: people::vulnerability_counts(db, &c.path).await?,
        organizations: organizations::count_in_community(db, c.id).await?,
        party_members: organizations::count_posts(db, &c.path, Post::PartyMember).await?,
        party_branches: organizations::count_kind(db, &c.path, OrganizationKind::PartyBranch).await?,
        volunteers: organizations::count_posts(db, &c.path, Post::Volunteer).await?,
        grid_workers: organizations::count_posts(db, &c.path, Post::GridWorker).await?,
        divisions,
        community: c,
    })
}

async fn overview(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> PageResult {
    let t = ctx.t();
    let o = overview_of(&s, &ctx, &code).await?;
    let parent = match o.community.parent_id {
        Some(p) => areas::by_id(&s.db, p).await.map(|a| a.name).unwrap_or_default(),
        None => String::new(),
    };
    let figures = vec![
        (t.t("page.overview.households").to_string(), o.households),
        (t.t("page.overview.residents").to_string(), o.residents),
        (t.t("page.overview.divisions_count").to_string(), o.divisions.len() as i64),
        (t.t("page.overview.organizations").to_string(), o.organizations),
        (t.t("page.overview.party_branches").to_string(), o.party_branches),
        (t.t("page.overview.party_members").to_string(), o.party_members),
        (t.t("page.overview.volunteers").to_string(), o.volunteers),
        (t.t("page.overview.grid_workers").to_string(), o.grid_workers),
    ];
    let mut vulnerable = vec![(t.t("page.overview.vulnerable_total").to_string(), o.vulnerable)];
    vulnerable.extend(o.by_vulnerability.iter().map(|(v, n)| (t.t(&vul_key(*v)).to_string(), *n)));
    let can_browse = ctx.actor.can(Action::AreaRead, None);
    let failing = if ctx.actor.can(Action::OutboxManage, Some(&o.community.path)) {
        crate::shell::views::failing_lines(&s, &ctx, o.community.id).await.unwrap_or_default()
    } else {
        vec![]
    };
    let at_home = ctx.actor.grants.home().community.as_deref() == Some(o.community.code.as_str());
    let start = if at_home { crate::shell::layout::start_actions(&ctx) } else { vec![] };
    let awaiting = if at_home && ctx.actor.can(Action::NeedOwn, None) {
        wushe_app::needs::mine(&s.db, &ctx.actor)
            .await?
            .into_iter()
            .filter(|n| n.status == wushe_domain::needs::NeedStatus::Resolved)
            .map(|n| (n.id.get(), n.title))
            .collect()
    } else {
        vec![]
    };
    let page = OverviewPage {
        start,
        awaiting,
        failing,
        l: Layout::with_title(&ctx, o.community.name.clone()),
        code: o.community.code.clone(),
        parent_name: parent,
        figures,
        vulnerable,
        divisions: o
            .divisions
            .iter()
            .map(|d| DivisionRow {
                code: d.area.code.clone(),
                name: d.area.name.clone(),
                kind: t.t(&kind_key(d.area.kind)).to_string(),
                households: d.households,
            })
            .collect(),
        can_browse,
    };
    Ok(html(&page))
}

pub struct Crumb {
    pub code: String,
    pub name: String,
    pub link: bool,
}

pub struct ChildRow {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub children: i64,
    pub households: i64,
}

#[derive(Template)]
#[template(path = "area.html")]
struct AreaPage {
    l: Layout,
    crumbs: Vec<Crumb>,
    kind: String,
    code: String,
    households: i64,
    households_label: String,
    children: Vec<ChildRow>,
    more_children: bool,
    is_household: bool,
    is_community: bool,
    members: Vec<PersonRow>,
    can_add: bool,
    visit_link: Option<String>,
    kind_options: Vec<(&'static str, String)>,
    errors: Vec<crate::shell::error::FormError>,
}

/// Children shown on one page; a building has at most a few hundred households.
const MAX_CHILDREN: usize = 500;

async fn area_page(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> PageResult {
    let page = area_view(&s, &ctx, &code, vec![]).await?;
    Ok(html(&page))
}

#[derive(Deserialize)]
pub struct ChildForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    code: String,
}

async fn add_child(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Form(f): Form<ChildForm>,
) -> PageResult {
    let t = ctx.t();
    let e = |e| WebError::page(e, t);
    let parent = areas::visible(&s.db, &ctx.actor, Action::AreaRead, &code).await?;
    let form = areas::AreaForm { parent_code: parent.code.clone(), kind: f.kind, code: f.code, name: f.name };
    match areas::create(&s.db, &ctx.actor, s.now(), form).await {
        Ok(a) => Ok(crate::shell::flash::redirect(
            &format!("/areas/{}", a.code),
            crate::shell::flash::Flash::success(t.f("flash.areas.added", &[&a.name])),
        )),
        Err(err @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let msgs = crate::shell::error::form_errors(&err, t);
            let page = area_view(&s, &ctx, &parent.code, msgs).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response())
        }
        Err(err) => Err(e(err)),
    }
}

async fn area_view(
    s: &AppState,
    ctx: &Ctx,
    code: &str,
    errors: Vec<crate::shell::error::FormError>,
) -> Result<AreaPage, AppError> {
    let t = ctx.t();
    let area = areas::visible(&s.db, &ctx.actor, Action::AreaRead, code).await?;
    let chain = areas::ancestors(&s.db, &area).await?;
    let crumbs = chain
        .iter()
        .map(|a| Crumb {
            code: a.code.clone(),
            name: a.name.clone(),
            link: a.code != area.code && ctx.actor.grants.reaches(Action::AreaRead, &a.path),
        })
        .collect();
    let mut children = areas::children(&s.db, &ctx.actor, Action::AreaRead, &area).await?;
    let more_children = children.len() > MAX_CHILDREN;
    children.truncate(MAX_CHILDREN);
    let is_household = area.kind == AreaKind::Household;
    let members = if is_household {
        people::household_members(&s.db, &ctx.actor, &area).await?.iter().map(|p| person_row(p, t)).collect()
    } else {
        Vec::new()
    };
    let households =
        if is_household { 0 } else { areas::count_in_subtree(&s.db, &area.path, AreaKind::Household).await? };
    let community = chain.iter().find(|a| a.kind == AreaKind::Community).map(|a| a.code.clone());
    let can_add = area.kind != AreaKind::Household && ctx.actor.can(Action::AreaWrite, Some(&area.path));
    let kind_options = AreaKind::ALL
        .iter()
        .filter(|k| area.kind.may_contain(**k))
        .map(|k| (k.code(), t.t(&kind_key(*k)).to_string()))
        .collect();
    Ok(AreaPage {
        l: Layout::with_title(ctx, area.name.clone()),
        crumbs,
        kind: t.t(&kind_key(area.kind)).to_string(),
        code: area.code.clone(),
        households,
        households_label: t.f("page.area.households_total", &[&households]),
        children: children
            .iter()
            .map(|c| ChildRow {
                code: c.area.code.clone(),
                name: c.area.name.clone(),
                kind: t.t(&kind_key(c.area.kind)).to_string(),
                children: c.children,
                households: c.households,
            })
            .collect(),
        more_children,
        is_household,
        is_community: area.kind == AreaKind::Community,
        members,
        can_add,
        visit_link: match community.as_deref() {
            Some(c) if ctx.actor.can(Action::NeedRecord, Some(&area.path)) => crate::shell::views::visit_link(c, &area),
            _ => None,
        },
        kind_options,
        errors,
    })
}
