//! Intake pages (resident, grid worker visit, hotline, walk-in, joint meeting), my needs and my tasks.

use super::ledger::{NeedRow, category_name, rows};
use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::error::PageResult;
use crate::shell::error::WebError;
use crate::shell::files::read_typed_form;
use crate::shell::layout::Layout;
use crate::shell::layout::html;
use crate::shell::scope::{community_of, own_community};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use wushe_app::needs::{self, NeedForm};
use wushe_app::{AppError, areas};
use wushe_domain::access::Action;
use wushe_domain::needs::Channel;

pub struct FormValues {
    channel: String,
    household_code: String,
    area_code: String,
    category: String,
    title: String,
    description: String,
    urgency: String,
    scope: String,
    contact_phone: String,
}

/// A place the need may be about, picked by name: (code, name).
type Place = (String, String);

#[derive(Template)]
#[template(path = "need_form.html")]
struct FormPage {
    l: Layout,
    action: String,
    staff: bool,
    f: FormValues,
    /// The household the need comes from, by name: the resident's own, or the one a grid
    /// worker found; empty when none is chosen yet.
    home: String,
    /// The community itself, its grids and its buildings, for a need about somewhere else.
    community_place: Place,
    grids: Vec<Place>,
    buildings: Vec<Place>,
    /// The staff's household finder: what was asked and what it found.
    find: String,
    found: Vec<wushe_app::people::HouseholdHit>,
    /// The record form's own address, for the finder and "choose another household".
    form_href: String,
    /// The situation map opened to tap the grid the need is in.
    map_href: String,
    channel_options: Vec<(&'static str, String)>,
    category_options: Vec<(String, String)>,
    errors: Vec<crate::shell::error::FormError>,
}

async fn form_page(
    s: &AppState,
    ctx: &Ctx,
    community: &areas::Area,
    staff: bool,
    f: &NeedForm,
    find: &str,
    errors: Vec<crate::shell::error::FormError>,
) -> Result<FormPage, AppError> {
    let t = ctx.t();
    let cats = needs::active_categories(&s.db, community.id).await?;
    // Where the reader may file: all the community for a resident, their own areas for staff.
    let reach = ctx.actor.subtrees(Action::NeedRecord);
    let mine = |a: &areas::Area| reach.iter().any(|r| a.path.starts_with(r.as_str()));
    let (mut grids, mut buildings) = (Vec::new(), Vec::new());
    for p in areas::places_in(&s.db, community).await? {
        if staff && !reach.iter().any(|r| p.path.starts_with(r.as_str())) {
            continue;
        }
        match p.kind {
            wushe_domain::areas::AreaKind::Grid => grids.push((p.code, p.name)),
            _ => buildings.push((p.code, p.name)),
        }
    }
    let home = if staff {
        match areas::by_code_cached(&s.db, f.household_code.trim()).await {
            Ok(h) if h.kind == wushe_domain::areas::AreaKind::Household && mine(&h) => h.name,
            _ => String::new(),
        }
    } else {
        let homes = wushe_app::needs::own_households(&ctx.actor);
        match homes.iter().find(|p| p.starts_with(&community.path)) {
            Some(p) => areas::by_code_cached(&s.db, p.trim_end_matches('/').rsplit('/').next().unwrap_or(""))
                .await
                .map(|h| h.name)
                .unwrap_or_default(),
            None => String::new(),
        }
    };
    let found = if staff && !find.trim().is_empty() {
        wushe_app::people::find_households(&s.db, &ctx.actor, community, find, 20).await?
    } else {
        vec![]
    };
    let staff_channels = [Channel::Visit, Channel::Hotline, Channel::WalkIn, Channel::JointMeeting];
    Ok(FormPage {
        l: Layout::new(ctx, if staff { "page.needs.record" } else { "page.needs.new_own" }),
        action: if staff { format!("/communities/{}/needs", community.code) } else { "/my/needs".to_string() },
        staff,
        f: FormValues {
            channel: if f.channel.is_empty() { "visit".into() } else { f.channel.clone() },
            household_code: f.household_code.clone(),
            area_code: f.area_code.clone(),
            category: f.category.clone(),
            title: f.title.clone(),
            description: f.description.clone(),
            urgency: f.urgency.clone(),
            scope: f.scope.clone(),
            contact_phone: f.contact_phone.clone(),
        },
        channel_options: staff_channels
            .iter()
            .map(|c| (c.code(), t.t(&format!("channel.{}", c.code())).to_string()))
            .collect(),
        category_options: cats.iter().map(|c| (c.code.clone(), category_name(c, t))).collect(),
        home,
        community_place: (community.code.clone(), community.name.clone()),
        grids,
        buildings,
        find: find.to_string(),
        found,
        form_href: format!("/communities/{}/needs/new", community.code),
        map_href: format!("/communities/{}/map?pick=need", community.code),
        errors,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PrefillQuery {
    household: String,
    /// The household finder: building, unit and room, or a resident's name.
    find: String,
    /// A place chosen on the situation map.
    area: String,
}

pub(crate) async fn record_form(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<PrefillQuery>,
) -> PageResult {
    let c = areas::visible(&s.db, &ctx.actor, Action::NeedRecord, &code).await?;
    // A visit starts from a household page: the form comes pre-filled with it.
    let c = community_of(&s, &c).await?;
    let f = NeedForm { household_code: q.household, area_code: q.area, ..Default::default() };
    Ok(html(&form_page(&s, &ctx, &c, true, &f, &q.find, vec![]).await?))
}

async fn intake(
    s: &AppState,
    ctx: &Ctx,
    community: &areas::Area,
    staff: bool,
    req: axum::extract::Request,
) -> PageResult {
    let t = ctx.t();
    let e = |e| WebError::page(e, t);
    let (mut f, photos): (NeedForm, _) = read_typed_form(req).await?;
    if !staff {
        f.channel = if f.channel == "suggestion" { "suggestion".into() } else { "online".into() };
        f.household_code.clear();
    }
    let result = async {
        let new = needs::parse_form(&s.db, &ctx.actor, community, &f).await?;
        // Photos are checked before anything is written.
        for p in &photos {
            wushe_app::needs::photos::check(p)?;
        }
        if photos.len() as i64 > wushe_app::needs::photos::MAX_PER_NEED {
            return Err(wushe_domain::FieldError::new("photo", "errors.photo.too_many").into());
        }
        let n = s.submissions.submit(&ctx.actor, s.now(), new).await?;
        for p in &photos {
            wushe_app::needs::photos::attach(&s.db, &ctx.actor, s.now(), &s.data_dir, n.id, p).await?;
        }
        Ok(n)
    }
    .await;
    match result {
        Ok(n) => Ok(crate::shell::flash::redirect(
            &format!("/needs/{}", n.id),
            crate::shell::flash::Flash::success(t.f("flash.need.submitted", &[&n.id.get()])),
        )),
        Err(err @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let msgs = crate::shell::error::form_errors(&err, t);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&form_page(s, ctx, community, staff, &f, "", msgs).await?))
                .into_response())
        }
        Err(err) => Err(e(err)),
    }
}

pub(crate) async fn record(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    body: axum::extract::Request,
) -> PageResult {
    let c = areas::visible(&s.db, &ctx.actor, Action::NeedRecord, &code).await?;
    let c = community_of(&s, &c).await?;
    intake(&s, &ctx, &c, true, body).await
}

pub(crate) async fn own_form(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    let c = own_community(&s, &ctx).await?;
    Ok(html(&form_page(&s, &ctx, &c, false, &NeedForm::default(), "", vec![]).await?))
}

pub(crate) async fn submit_own(State(s): State<AppState>, ctx: Ctx, body: axum::extract::Request) -> PageResult {
    let c = own_community(&s, &ctx).await?;
    intake(&s, &ctx, &c, false, body).await
}

#[derive(Template)]
#[template(path = "my_needs.html")]
struct MyNeedsPage {
    l: Layout,
    rows: Vec<NeedRow>,
    can_submit: bool,
}

pub(crate) async fn my_needs(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    let t = ctx.t();
    let list = needs::mine(&s.db, &ctx.actor).await?;
    let c = own_community(&s, &ctx).await?;
    let cats = needs::categories(&s.db, c.id).await?;
    Ok(html(&MyNeedsPage {
        l: Layout::new(&ctx, "page.needs.mine"),
        rows: rows(&s, t, &list, &cats).await?,
        can_submit: true,
    }))
}

pub(crate) async fn my_tasks(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    let t = ctx.t();
    let list = needs::assigned_to_me(&s.db, &ctx.actor).await?;
    let mut all_rows = Vec::new();
    for n in &list {
        let cats = needs::categories(&s.db, n.community_id).await?;
        all_rows.extend(rows(&s, t, std::slice::from_ref(n), &cats).await?);
    }
    Ok(html(&MyNeedsPage { l: Layout::new(&ctx, "page.needs.tasks"), rows: all_rows, can_submit: false }))
}
