//! One need: its summary, timeline and next steps, whistles, reports, grouping and photos.

use super::forms::{GroupForm, ReportForm, StepForm, WhistleForm};
use super::ledger::{NeedRow, assignees_among, rows, status_label};
use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::error::PageResult;
use crate::shell::error::WebError;
use crate::shell::extract::{Id, PageForm};
use crate::shell::files::read_form;
use crate::shell::layout::html;
use crate::shell::layout::{Layout, local_time};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use wushe_app::Actor;
use wushe_app::needs::{self, Need};
use wushe_app::{AppError, areas};
use wushe_domain::ids::NeedId;
use wushe_domain::needs::{EventKind, note_required};
use wushe_domain::policy::{Ask, Record};

pub struct ActionView {
    code: &'static str,
    label: String,
    note_required: bool,
}

/// The requester as the page shows them (see [`needs::Contact`]).
pub struct ContactView {
    name: String,
    person: Option<i64>,
    phone: String,
    revealed: bool,
    may_reveal: bool,
}

/// One organization the need may be whistled to.
pub struct WhistleChoice {
    id: i64,
    name: String,
    kind: String,
}

/// The whistle's finder: organizations by name and kind, a few at a time, not all at once.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct NeedQuery {
    org_q: String,
    org_kind: String,
}

/// How many organizations the whistle form lists at once; a search narrows the rest.
const WHISTLE_SHOWN: usize = 8;

pub struct WhistleView {
    org_id: i64,
    name: String,
    deadline: String,
    reported: String,
    can_report: bool,
}

#[derive(Template)]
#[template(path = "need.html")]
struct NeedPage {
    l: Layout,
    n: NeedRow,
    version: i64,
    channel: String,
    urgency: String,
    scope: String,
    description: String,
    assignee: String,
    respond_due: String,
    rating: String,
    contact: ContactView,
    /// Time to the resolution deadline in words, for open needs.
    time_left: String,
    late: bool,
    /// The one or two steps that move the need on (the state machine's primary events).
    primary: Vec<ActionView>,
    /// The other steps the reader may take, behind "more actions".
    secondary: Vec<ActionView>,
    assignee_options: Vec<(String, String)>,
    can_whistle: bool,
    whistle_options: Vec<WhistleChoice>,
    /// How many organizations matched the finder, of which `whistle_options` are the first.
    whistle_found: usize,
    whistle_kinds: Vec<(&'static str, String)>,
    org_q: String,
    org_kind: String,
    whistles: Vec<WhistleView>,
    timeline: Vec<(String, String, String, String)>,
    /// Similar open individual needs (id, title, similarity), offered to managers (N6).
    similar: Vec<(NeedId, String, String)>,
    /// The members of a common need (id, title, status).
    members: Vec<(NeedId, String, String)>,
    photos: Vec<i64>,
    can_add_photo: bool,
    /// Staff may open the ranked resources and the claim list (R2, R3).
    can_match: bool,
    /// Who holds a claim on it and until when, if anyone (R3).
    claim: Option<String>,
    can_release: bool,
    errors: Vec<crate::shell::error::FormError>,
}

/// Which steps this person may take now.
fn allowed_events(n: &Need, actor: &Actor, rec: &Record) -> Vec<EventKind> {
    let mut v = needs::workflow_steps(n, actor, rec);
    if actor.may(rec, Ask::NeedStep(EventKind::Merged)) && n.status.apply(EventKind::Merged).is_ok() {
        v.push(EventKind::Merged);
    }
    // A dispute mediated on the need (V3: earns the mediator the mediation rule's points).
    if !n.status.is_closed() && actor.may(rec, Ask::NeedStep(EventKind::Mediated)) {
        v.push(EventKind::Mediated);
    }
    if !n.status.is_closed() {
        v.push(EventKind::Commented);
    }
    v
}

pub async fn assignee_label(s: &AppState, n: &Need) -> String {
    if let Some(o) = n.assignee_org_id {
        return crate::shell::views::organization_name(s, o).await;
    }
    if let Some(u) = n.assignee_user_id {
        return wushe_app::accounts::display_name(&s.db, u).await.unwrap_or_default();
    }
    String::new()
}

/// What the page is asked beyond the need: the whistle finder, a reveal of the contact.
#[derive(Default)]
struct Asked {
    query: NeedQuery,
    reveal: bool,
    errors: Vec<crate::shell::error::FormError>,
}

async fn need_page(s: &AppState, ctx: &Ctx, id: NeedId, asked: Asked) -> Result<NeedPage, AppError> {
    let t = ctx.t();
    let Asked { query, reveal, errors } = asked;
    let (n, rec) = needs::get(&s.db, &ctx.actor, id).await?;
    let may = |ask| ctx.actor.may(&rec, ask);
    let cats = needs::categories(&s.db, n.community_id).await?;
    let community = areas::by_id(&s.db, n.community_id).await?;
    let row = rows(s, t, std::slice::from_ref(&n), &cats).await?.remove(0);
    // One read of the organizations a need here can go to: assigning and whistling share it.
    let work_orgs = if may(Ask::NeedManage) { super::ledger::work_organizations(s, &community).await? } else { vec![] };
    let assignee_options =
        if may(Ask::NeedManage) { assignees_among(s, &community, &work_orgs).await? } else { vec![] };
    // Whistles go to organizations: the community's and its street's departments, found by
    // name (anywhere in it) and kind.
    let orgs = if may(Ask::NeedWhistle) { work_orgs } else { vec![] };
    let mut whistle_kinds: Vec<(&'static str, String)> = Vec::new();
    for o in &orgs {
        if !whistle_kinds.iter().any(|(k, _)| *k == o.kind.code()) {
            whistle_kinds.push((o.kind.code(), t.t(&format!("kind.org.{}", o.kind.code())).to_string()));
        }
    }
    let words: Vec<String> = query.org_q.split_whitespace().map(str::to_lowercase).collect();
    let found: Vec<WhistleChoice> = orgs
        .iter()
        .filter(|o| query.org_kind.is_empty() || o.kind.code() == query.org_kind)
        .filter(|o| words.iter().all(|w| o.name.to_lowercase().contains(w.as_str())))
        .map(|o| WhistleChoice {
            id: o.id.get(),
            name: o.name.clone(),
            kind: t.t(&format!("kind.org.{}", o.kind.code())).to_string(),
        })
        .collect();
    let whistle_found = found.len();
    let whistle_options: Vec<WhistleChoice> = found.into_iter().take(WHISTLE_SHOWN).collect();
    let person_orgs = wushe_app::accounts::member_org_ids(&s.db, ctx.actor.user_id).await?;
    let mut whistles = Vec::new();
    for w in needs::whistles(&s.db, &n).await? {
        let member = person_orgs.contains(&w.organization_id);
        let may_report = ctx.actor.may(&needs::whistle_record(&rec, member), Ask::NeedReport);
        whistles.push(WhistleView {
            org_id: w.organization_id,
            reported: match w.reported_at {
                Some(at) => t.f(
                    "page.need.reported_after",
                    &[&local_time(at), &format!("{:.1}", (at - w.created_at) as f64 / 3_600_000.0)],
                ),
                None if s.now() > w.deadline => t.t("page.need.not_reported_late").to_string(),
                None => t.t("page.need.not_reported").to_string(),
            },
            can_report: w.reported_at.is_none() && may_report,
            name: w.organization_name,
            deadline: local_time(w.deadline),
        });
    }
    let timeline = needs::timeline(&s.db, &n)
        .await?
        .into_iter()
        .map(|e| {
            let mut text = e.note.clone().unwrap_or_default();
            if let Some(r) = e.data.strip_prefix("rating:") {
                text = format!("{} {r}/5 {text}", t.t("field.rating"));
            }
            (t.t(&format!("event.{}", e.kind.code())).to_string(), local_time(e.at), e.actor.unwrap_or_default(), text)
        })
        .collect();
    let similar = if may(Ask::NeedManage) && n.scope == wushe_domain::needs::Scope::Individual && !n.status.is_closed()
    {
        needs::similar(&s.db, &ctx.actor, &n, 10)
            .await?
            .into_iter()
            .map(|(x, score)| (x.id, x.title, format!("{:.0}%", score.min(1.0) * 100.0)))
            .collect()
    } else {
        vec![]
    };
    let members =
        needs::members_of(&s.db, &n).await?.into_iter().map(|m| (m.id, m.title, status_label(m.status, t))).collect();
    let photos = wushe_app::needs::photos::of_need(&s.db, &n).await?.into_iter().map(|p| p.id).collect();
    let active_claim = wushe_app::claims::active_claim(&s.db, n.id).await?;
    let listed = wushe_app::claims::listing(&s.db, n.id).await?.is_some();
    let claim = match &active_claim {
        Some(c) => {
            let who =
                wushe_app::accounts::display_names(&s.db, &[c.user_id]).await?.remove(&c.user_id).unwrap_or_default();
            let until = if c.expires_at > 9_000_000_000_000 {
                t.t("page.claims.started").to_string()
            } else {
                format!("{} {}", t.t("page.claims.until"), local_time(c.expires_at))
            };
            Some(t.f("page.need.claimed_by", &[&who, &until]))
        }
        None if listed => Some(t.t("page.matches.listed").to_string()),
        None => None,
    };
    let can_release = match &active_claim {
        Some(c) => ctx.actor.may(&wushe_app::claims::claim_record(&ctx.actor, &rec, Some(c)), Ask::ClaimRelease),
        None => false,
    };
    let c = needs::contact(&s.db, &ctx.actor, s.now(), &n, &rec, reveal).await?;
    let contact = ContactView {
        name: c.name,
        person: c.person.map(|p| p.get()),
        phone: c.phone.unwrap_or_default(),
        revealed: c.revealed,
        may_reveal: c.may_reveal,
    };
    let (time_left, late) = if n.status.is_open() {
        crate::shell::layout::time_left(t, s.now(), n.resolve_due)
    } else {
        (String::new(), false)
    };
    let view = |e: EventKind| ActionView {
        code: e.code(),
        label: t.t(&format!("action.{}", e.code())).to_string(),
        note_required: note_required(e),
    };
    let (primary, secondary): (Vec<EventKind>, Vec<EventKind>) =
        allowed_events(&n, &ctx.actor, &rec).into_iter().partition(|e| n.status.primary_events().contains(e));
    Ok(NeedPage {
        can_match: may(Ask::NeedMatch),
        claim,
        can_release,
        l: Layout::with_title(ctx, format!("#{} {}", n.id, n.title)),
        similar,
        members,
        photos,
        can_add_photo: may(Ask::NeedAddPhoto),
        version: n.version,
        channel: t.t(&format!("channel.{}", n.channel.code())).to_string(),
        urgency: t.t(&format!("urgency.{}", n.urgency.code())).to_string(),
        scope: t.t(&format!("scope.{}", n.scope.code())).to_string(),
        description: n.description.clone(),
        assignee: assignee_label(s, &n).await,
        respond_due: local_time(n.respond_due),
        rating: n.rating.map(|r| format!("{r}/5")).unwrap_or_default(),
        contact,
        time_left,
        late,
        primary: primary.into_iter().map(view).collect(),
        secondary: secondary.into_iter().map(view).collect(),
        assignee_options,
        can_whistle: may(Ask::NeedWhistle),
        whistle_options,
        whistle_found,
        whistle_kinds,
        org_q: query.org_q,
        org_kind: query.org_kind,
        whistles,
        timeline,
        errors,
        n: row,
    })
}

pub(crate) async fn show(
    State(s): State<AppState>,
    ctx: Ctx,
    Id(id): Id<NeedId>,
    axum::extract::Query(query): axum::extract::Query<NeedQuery>,
) -> PageResult {
    Ok(html(&need_page(&s, &ctx, id, Asked { query, ..Asked::default() }).await?))
}

/// Shows the requester's full phone to a reader who may see it; the view is audited.
pub(crate) async fn reveal_contact(State(s): State<AppState>, ctx: Ctx, Id(id): Id<NeedId>) -> PageResult {
    // Only readers the policy lets see the full contact; others are refused before anything.
    let (_, rec) = needs::get(&s.db, &ctx.actor, id).await?;
    if !ctx.actor.may(&rec, Ask::NeedContact) {
        return Err(AppError::Forbidden.into());
    }
    Ok(html(&need_page(&s, &ctx, id, Asked { reveal: true, ..Asked::default() }).await?))
}

/// Re-renders the need with the problems, or reports the error page.
/// `done` is what the flash message says when the write succeeded.
async fn after_write(s: &AppState, ctx: &Ctx, id: NeedId, r: Result<(), AppError>, done: String) -> PageResult {
    let t = ctx.t();
    match r {
        Ok(()) => Ok(crate::shell::flash::redirect(&format!("/needs/{id}"), crate::shell::flash::Flash::success(done))),
        Err(err @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let (status, msgs) = crate::shell::error::form_problems(&err, t);
            let page = need_page(s, ctx, id, Asked { errors: msgs, ..Asked::default() }).await?;
            Ok((status, html(&page)).into_response())
        }
        Err(err) => Err(WebError::page(err, t)),
    }
}

pub(crate) async fn step(
    State(s): State<AppState>,
    ctx: Ctx,
    Id(id): Id<NeedId>,
    PageForm(f): PageForm<StepForm>,
) -> PageResult {
    let t = ctx.t();
    let done = t.f("flash.need.step", &[&t.t(&format!("action.{}", f.event.trim()))]);
    let r = async { needs::step(&s.db, &ctx.actor, s.now(), id, f.parse()?).await.map(|_| ()) }.await;
    after_write(&s, &ctx, id, r, done).await
}

pub(crate) async fn whistle(
    State(s): State<AppState>,
    ctx: Ctx,
    Id(id): Id<NeedId>,
    PageForm(f): PageForm<WhistleForm>,
) -> PageResult {
    let r = async { needs::whistle(&s.db, &ctx.actor, s.now(), id, f.parse()?).await.map(|_| ()) }.await;
    after_write(&s, &ctx, id, r, ctx.t().t("flash.need.whistled").to_string()).await
}

pub(crate) async fn group(
    State(s): State<AppState>,
    ctx: Ctx,
    Id(id): Id<NeedId>,
    PageForm(f): PageForm<GroupForm>,
) -> PageResult {
    let r = needs::group(&s.db, &ctx.actor, s.now(), &f.title, &f.members(id)).await;
    match r {
        Ok(common) => Ok(crate::shell::flash::redirect(
            &format!("/needs/{}", common.id),
            crate::shell::flash::Flash::success(ctx.t().f("flash.need.grouped", &[&common.id.get()])),
        )),
        Err(e) => after_write(&s, &ctx, id, Err(e), String::new()).await,
    }
}

pub(crate) async fn add_photo(
    State(s): State<AppState>,
    ctx: Ctx,
    Id(id): Id<NeedId>,
    req: axum::extract::Request,
) -> PageResult {
    // The record first: someone who may not add photos learns so before any upload is read.
    let (_, rec) = needs::get(&s.db, &ctx.actor, id).await?;
    if !ctx.actor.may(&rec, Ask::NeedAddPhoto) {
        return Err(AppError::Forbidden.into());
    }
    let r = async {
        let nid = id;
        let (_, files) = read_form(req).await?;
        let photo = files.first().ok_or(wushe_domain::FieldError::new("photo", "errors.photo.empty"))?;
        wushe_app::needs::photos::attach(&s.db, &ctx.actor, s.now(), &s.data_dir, nid, photo).await.map(|_| ())
    }
    .await;
    after_write(&s, &ctx, id, r, ctx.t().t("flash.need.photo_added").to_string()).await
}

/// A photo, to people who may read its need; never cached by shared caches.
pub(crate) async fn photo(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((id, photo)): Path<(String, String)>,
) -> PageResult {
    let t = ctx.t();
    let e = |e| WebError::page(e, t);
    let nid = NeedId::parse(&id).ok_or(AppError::NotFound)?;
    let pid = photo.parse::<i64>().map_err(|_| e(AppError::NotFound))?;
    let (ct, bytes) = wushe_app::needs::photos::read(&s.db, &ctx.actor, &s.data_dir, nid, pid).await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, ct),
            (axum::http::header::CACHE_CONTROL, "private, max-age=3600".to_string()),
            (axum::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        bytes,
    )
        .into_response())
}

pub(crate) async fn report(
    State(s): State<AppState>,
    ctx: Ctx,
    Id(id): Id<NeedId>,
    PageForm(f): PageForm<ReportForm>,
) -> PageResult {
    let r = async { needs::report(&s.db, &ctx.actor, s.now(), id, f.organization()?, &f.note).await }.await;
    after_write(&s, &ctx, id, r, ctx.t().t("flash.need.reported").to_string()).await
}
