//! S4 pages: the public, searchable service directory (its Open Referral HSDS form is the
//! `hsds` capability).

use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::error::PageResult;
use crate::shell::extract::Id;
use crate::shell::layout::html;
use crate::shell::layout::{Layout, org_kind_key};
use crate::shell::registry::Registry;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::Method;
use serde::Deserialize;
use wushe_app::{AppError, areas, directory, organizations};
use wushe_domain::access::Action;
use wushe_domain::ids::OrganizationId;

pub fn routes(r: &mut Registry) {
    r.page(Method::GET, "/directory", Action::Public, search_page);
    r.page(Method::GET, "/directory/{id}", Action::Public, entry);
}

pub struct HitRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub services: String,
    pub matched: String,
}

#[derive(Template)]
#[template(path = "directory.html")]
struct DirectoryPage {
    l: Layout,
    q: String,
    community: String,
    communities: Vec<(String, String)>,
    count_label: String,
    hits: Vec<HitRow>,
}

#[derive(Deserialize, Default)]
pub struct DirectoryQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub community: String,
}

/// Search shared by page and API: query terms within an optional community.
pub async fn run_search(
    s: &AppState,
    q: &DirectoryQuery,
) -> Result<Vec<(organizations::Organization, Vec<String>)>, AppError> {
    if q.q.chars().count() > 100 {
        return Err(wushe_domain::FieldError::new("q", "errors.too_long").into());
    }
    let within = if q.community.trim().is_empty() {
        None
    } else {
        let c = areas::by_code(&s.db, q.community.trim())
            .await
            .map_err(|_| wushe_domain::FieldError::new("community", "errors.area.unknown"))?;
        Some(c.path)
    };
    if q.q.trim().is_empty() {
        let root = within.clone().unwrap_or_default();
        return Ok(directory::browse(&s.db, &root, 200).await?.into_iter().map(|o| (o, vec![])).collect());
    }
    Ok(directory::search(&s.db, &q.q, within.as_deref(), 100)
        .await?
        .into_iter()
        .map(|h| (h.organization, h.matched))
        .collect())
}

async fn search_page(State(s): State<AppState>, ctx: Ctx, Query(q): Query<DirectoryQuery>) -> PageResult {
    let t = ctx.t();
    let hits = run_search(&s, &q).await?;
    let communities = areas::all_communities(&s.db).await?;
    Ok(html(&DirectoryPage {
        l: Layout::new(&ctx, "page.directory.title"),
        q: q.q.clone(),
        community: q.community.clone(),
        communities: communities.into_iter().map(|c| (c.code, c.name)).collect(),
        count_label: t.f("page.directory.count", &[&hits.len()]),
        hits: hits
            .into_iter()
            .map(|(o, m)| HitRow {
                id: o.id.get(),
                name: o.name,
                kind: t.t(&org_kind_key(o.kind)).to_string(),
                services: o.services,
                matched: m.join(" "),
            })
            .collect(),
    }))
}

#[derive(Template)]
#[template(path = "directory_entry.html")]
struct EntryPage {
    l: Layout,
    kind: String,
    area: String,
    description: String,
    services: String,
    phone: String,
    address: String,
}

async fn entry(State(s): State<AppState>, ctx: Ctx, Id(id): Id<OrganizationId>) -> PageResult {
    let t = ctx.t();
    let o = organizations::public_get(&s.db, id).await?;
    let area = areas::by_id(&s.db, o.area_id).await?;
    Ok(html(&EntryPage {
        l: Layout::with_title(&ctx, o.name.clone()),
        kind: t.t(&org_kind_key(o.kind)).to_string(),
        area: area.name,
        description: o.description,
        services: o.services,
        phone: o.phone.unwrap_or_default(),
        address: o.address,
    }))
}
