//! N1–N5 — the needs ledger. Owns tables `need_categories`, `needs`, `need_events`, `whistles`.
//!
//! Every change is a command that (1) authorizes against the need's place in the area tree,
//! (2) applies the domain state machine, (3) updates the `needs` row only if its `version` is
//! the one the caller read (concurrent edits are detected, never overwritten), (4) appends the
//! event and the audit entry, all in one transaction. The `needs` row is a projection of the
//! events kept for fast lists; the timeline in `need_events` is never rewritten.

use crate::areas::{self, Area};
use crate::audit::AuditedTx;
use crate::db::upper;
use crate::needs_metrics::Deltas;
use crate::{Actor, AppError, Db, notifications, organizations};
use sqlx::{Any, Row, Transaction};
use wushe_domain::access::{Action, Decision, Role};
use wushe_domain::areas::AreaKind;
use wushe_domain::needs::{
    Channel, DEFAULT_CATEGORIES, EventKind, NeedStatus, Scope, Urgency, WorkCalendar, note_required, parse_description,
    parse_note, parse_rating, parse_title,
};
use wushe_domain::{FieldError, FieldErrors};

#[derive(Debug, Clone)]
pub struct Category {
    pub id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub respond_hours: i64,
    pub resolve_hours: i64,
    pub active: bool,
}

/// Gives a community the default category tree unless it has one.
pub async fn ensure_default_categories(tx: &mut Transaction<'_, Any>, community_id: i64) -> Result<(), AppError> {
    let have: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM need_categories WHERE community_id = $1")
        .bind(community_id)
        .fetch_one(&mut **tx)
        .await?;
    if have.0 > 0 {
        return Ok(());
    }
    for (i, (code, zh, en, respond, resolve)) in DEFAULT_CATEGORIES.iter().enumerate() {
        sqlx::query(
            "INSERT INTO need_categories (community_id, code, name_zh, name_en, respond_hours, resolve_hours, sort) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(community_id)
        .bind(*code)
        .bind(*zh)
        .bind(*en)
        .bind(*respond)
        .bind(*resolve)
        .bind(i as i64)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Every category of a community, retired ones included: needs filed under a category that
/// was later retired still show its name.
pub async fn categories(db: &Db, community_id: i64) -> Result<Vec<Category>, AppError> {
    let rows = sqlx::query(
        "SELECT id, code, name_zh, name_en, respond_hours, resolve_hours, active FROM need_categories WHERE community_id = $1 ORDER BY sort, id",
    )
    .bind(community_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Category {
                id: r.try_get(0)?,
                code: r.try_get(1)?,
                name_zh: r.try_get(2)?,
                name_en: r.try_get(3)?,
                respond_hours: r.try_get(4)?,
                resolve_hours: r.try_get(5)?,
                active: r.try_get::<i64, _>(6)? != 0,
            })
        })
        .collect()
}

/// The categories new needs may be filed under (forms, Open311 services).
pub async fn active_categories(db: &Db, community_id: i64) -> Result<Vec<Category>, AppError> {
    Ok(categories(db, community_id).await?.into_iter().filter(|c| c.active).collect())
}

/// [`categories`] through the short-lived cache, for intake.
async fn categories_cached(db: &Db, community_id: i64) -> Result<Vec<Category>, AppError> {
    if let Some(c) = db.caches.categories.get(&community_id) {
        return Ok(c);
    }
    let c = categories(db, community_id).await?;
    if !c.is_empty() {
        db.caches.categories.put(community_id, c.clone());
    }
    Ok(c)
}

/// [`calendar_for`] through the short-lived cache, for intake.
async fn calendar_cached(db: &Db, community_id: i64) -> Result<WorkCalendar, AppError> {
    if let Some(c) = db.caches.calendars.get(&community_id) {
        return Ok(c);
    }
    let c = calendar_for(db, community_id).await?;
    db.caches.calendars.put(community_id, c.clone());
    Ok(c)
}

/// Raw fields of a category form.
#[derive(Debug, Clone, Default)]
pub struct CategoryForm {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub respond_hours: String,
    pub resolve_hours: String,
    pub active: bool,
}

struct CategoryInput {
    code: String,
    name_zh: String,
    name_en: String,
    respond: i64,
    resolve: i64,
}

fn parse_category(f: &CategoryForm, with_code: bool) -> Result<CategoryInput, AppError> {
    let mut e = FieldErrors::default();
    let code = f.code.trim().to_ascii_lowercase();
    if with_code
        && !((2..=32).contains(&code.len())
            && code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'))
    {
        e.0.push(FieldError::new("code", "errors.category.code"));
    }
    let name_zh = e.check(wushe_domain::error::text("name_zh", &f.name_zh, 30));
    let name_en = e.check(wushe_domain::error::text("name_en", &f.name_en, 60));
    let hours = |field: &'static str, raw: &str| match raw.trim().parse::<i64>() {
        Ok(h) if (1..=2000).contains(&h) => Ok(h),
        _ => Err(FieldError::new(field, "errors.hours.range_long")),
    };
    let respond = e.check(hours("respond_hours", &f.respond_hours));
    let resolve = e.check(hours("resolve_hours", &f.resolve_hours));
    if let (Some(a), Some(b)) = (respond, resolve)
        && b < a
    {
        e.0.push(FieldError::new("resolve_hours", "errors.category.resolve_before_respond"));
    }
    e.into_result()?;
    Ok(CategoryInput {
        code,
        name_zh: name_zh.expect("checked"),
        name_en: name_en.expect("checked"),
        respond: respond.expect("checked"),
        resolve: resolve.expect("checked"),
    })
}

/// Adds a category to a community's tree (community committee), audited.
pub async fn add_category(
    db: &Db,
    actor: &Actor,
    at: i64,
    community: &Area,
    f: &CategoryForm,
) -> Result<Category, AppError> {
    actor.require(Action::AreaWrite, Some(&community.path))?;
    let c = parse_category(f, true)?;
    let mut tx = AuditedTx::begin(db, at).await?;
    let r = sqlx::query(
        "INSERT INTO need_categories (community_id, code, name_zh, name_en, respond_hours, resolve_hours, sort) \
         VALUES ($1, $2, $3, $4, $5, $6, (SELECT COALESCE(MAX(sort), 0) + 1 FROM need_categories WHERE community_id = $1)) RETURNING id",
    )
    .bind(community.id)
    .bind(&c.code)
    .bind(&c.name_zh)
    .bind(&c.name_en)
    .bind(c.respond)
    .bind(c.resolve)
    .fetch_one(&mut *tx.tx)
    .await
    .map_err(AppError::unique_as("code", "errors.category.code_taken"))?;
    let id: i64 = r.try_get(0)?;
    tx.record(actor, Some(community.id), "needs.category.add", &format!("category:{}", c.code), &c.name_zh).await?;
    tx.commit().await?;
    db.caches.categories.forget(&community.id);
    Ok(Category {
        id,
        code: c.code,
        name_zh: c.name_zh,
        name_en: c.name_en,
        respond_hours: c.respond,
        resolve_hours: c.resolve,
        active: true,
    })
}

/// Renames, re-times or retires a category. Needs already filed keep the deadlines they got.
pub async fn update_category(
    db: &Db,
    actor: &Actor,
    at: i64,
    community: &Area,
    id: i64,
    f: &CategoryForm,
) -> Result<(), AppError> {
    actor.require(Action::AreaWrite, Some(&community.path))?;
    let c = parse_category(f, false)?;
    let mut tx = AuditedTx::begin(db, at).await?;
    let r = sqlx::query(
        "UPDATE need_categories SET name_zh = $1, name_en = $2, respond_hours = $3, resolve_hours = $4, active = $5 WHERE id = $6 AND community_id = $7 RETURNING code",
    )
    .bind(&c.name_zh)
    .bind(&c.name_en)
    .bind(c.respond)
    .bind(c.resolve)
    .bind(i64::from(f.active))
    .bind(id)
    .bind(community.id)
    .fetch_optional(&mut *tx.tx)
    .await?;
    let Some(r) = r else { return Err(AppError::NotFound) };
    let code: String = r.try_get(0)?;
    tx.record(actor, Some(community.id), "needs.category.update", &format!("category:{code}"), &c.name_zh).await?;
    tx.commit().await?;
    db.caches.categories.forget(&community.id);
    Ok(())
}

#[derive(Debug, Clone)]
pub struct Need {
    pub id: i64,
    pub community_id: i64,
    pub area_id: i64,
    pub area_path: String,
    pub household_id: Option<i64>,
    pub requester_person_id: Option<i64>,
    pub requester_user_id: Option<i64>,
    pub category_id: i64,
    pub title: String,
    pub description: String,
    pub channel: Channel,
    pub urgency: Urgency,
    pub scope: Scope,
    pub status: NeedStatus,
    pub version: i64,
    pub assignee_org_id: Option<i64>,
    pub assignee_user_id: Option<i64>,
    pub contact_phone: Option<String>,
    pub created_at: i64,
    pub responded_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub rating: Option<i64>,
    pub reopened: i64,
    pub respond_due: i64,
    pub resolve_due: i64,
    /// Bit 1: response overdue; bit 2: resolution overdue.
    pub overdue: i64,
    pub merged_into: Option<i64>,
}

pub(crate) const COLS: &str = "id, community_id, area_id, area_path, household_id, requester_person_id, requester_user_id, category_id, title, description, channel, urgency, scope, status, version, assignee_org_id, assignee_user_id, contact_phone, created_at, responded_at, resolved_at, closed_at, rating, reopened, respond_due, resolve_due, overdue, merged_into";

pub(crate) fn from_row(r: &sqlx::any::AnyRow) -> Result<Need, AppError> {
    let bad = |w: &str| AppError::Internal(format!("stored need {w} does not parse"));
    Ok(Need {
        id: r.try_get(0)?,
        community_id: r.try_get(1)?,
        area_id: r.try_get(2)?,
        area_path: r.try_get(3)?,
        household_id: r.try_get(4)?,
        requester_person_id: r.try_get(5)?,
        requester_user_id: r.try_get(6)?,
        category_id: r.try_get(7)?,
        title: r.try_get(8)?,
        description: r.try_get(9)?,
        channel: Channel::parse(&r.try_get::<String, _>(10)?).map_err(|_| bad("channel"))?,
        urgency: Urgency::parse(&r.try_get::<String, _>(11)?).map_err(|_| bad("urgency"))?,
        scope: Scope::parse(&r.try_get::<String, _>(12)?).map_err(|_| bad("scope"))?,
        status: NeedStatus::parse(&r.try_get::<String, _>(13)?).map_err(|_| bad("status"))?,
        version: r.try_get(14)?,
        assignee_org_id: r.try_get(15)?,
        assignee_user_id: r.try_get(16)?,
        contact_phone: r.try_get(17)?,
        created_at: r.try_get(18)?,
        responded_at: r.try_get(19)?,
        resolved_at: r.try_get(20)?,
        closed_at: r.try_get(21)?,
        rating: r.try_get(22)?,
        reopened: r.try_get(23)?,
        respond_due: r.try_get(24)?,
        resolve_due: r.try_get(25)?,
        overdue: r.try_get(26)?,
        merged_into: r.try_get(27)?,
    })
}

/// The households a person holds a resident grant for (their "own" needs).
fn own_households(actor: &Actor) -> Vec<String> {
    actor.grants.grants.iter().filter(|g| g.role == Role::Resident).map(|g| g.area_path.clone()).collect()
}

/// The person behind the actor's account, if linked (for organization membership checks).
async fn actor_person(db: &Db, actor: &Actor) -> Result<Option<i64>, AppError> {
    let Some(uid) = actor.user_id else { return Ok(None) };
    match crate::accounts::person_of(db, uid).await {
        Err(AppError::NotFound) => Ok(None),
        r => r,
    }
}

async fn is_member(db: &Db, person: Option<i64>, org_id: i64) -> Result<bool, AppError> {
    let Some(p) = person else { return Ok(false) };
    let r: Option<(i64,)> = sqlx::query_as("SELECT id FROM memberships WHERE organization_id = $1 AND person_id = $2")
        .bind(org_id)
        .bind(p)
        .fetch_optional(&db.pool)
        .await?;
    Ok(r.is_some())
}

/// How the actor relates to one need; decides what they may see and do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Relation {
    pub staff_read: bool,
    pub manage: bool,
    pub requester: bool,
    pub assignee: bool,
}

impl Relation {
    pub fn can_read(&self) -> bool {
        self.staff_read || self.manage || self.requester || self.assignee
    }

    /// Whether this person may record `event` on the need: the one rule that `step`, the
    /// pages and the API all follow.
    pub fn may(&self, event: EventKind) -> bool {
        match event {
            EventKind::Accepted | EventKind::Assigned | EventKind::Rejected | EventKind::Merged => self.manage,
            EventKind::Started | EventKind::Resolved => self.manage || self.assignee,
            EventKind::Confirmed | EventKind::Reopened => self.requester || self.manage,
            EventKind::Commented => self.can_read(),
            _ => false,
        }
    }
}

/// The workflow steps (accept … reopen) this person may take on the need now.
pub fn workflow_steps(need: &Need, rel: &Relation) -> Vec<EventKind> {
    need.status.next_events().into_iter().filter(|e| rel.may(*e)).collect()
}

pub async fn relation(db: &Db, actor: &Actor, n: &Need) -> Result<Relation, AppError> {
    if actor.operator {
        return Ok(Relation { staff_read: true, manage: true, requester: false, assignee: false });
    }
    let allow = |a: Action| actor.grants.decide(a, Some(&n.area_path)) == Decision::Allow;
    let household_path = match n.household_id {
        Some(h) => Some(areas::by_id(db, h).await?.path),
        None => None,
    };
    let own = own_households(actor);
    let requester = actor.user_id.is_some() && n.requester_user_id == actor.user_id
        || household_path.as_ref().is_some_and(|h| own.iter().any(|o| h.starts_with(o.as_str())));
    let mut assignee = actor.user_id.is_some() && n.assignee_user_id == actor.user_id;
    if !assignee && let Some(org) = n.assignee_org_id {
        assignee = actor.grants.decide(Action::NeedWork, None) == Decision::Allow
            && is_member(db, actor_person(db, actor).await?, org).await?;
    }
    Ok(Relation { staff_read: allow(Action::NeedRead), manage: allow(Action::NeedManage), requester, assignee })
}

/// A need the actor may read; others' needs look missing.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<(Need, Relation), AppError> {
    let row =
        sqlx::query(crate::sql!("SELECT {COLS} FROM needs WHERE id = $1")).bind(id).fetch_optional(&db.pool).await?;
    let Some(row) = row else {
        actor.require(Action::OwnAccount, None)?;
        return Err(AppError::NotFound);
    };
    let n = from_row(&row)?;
    let rel = relation(db, actor, &n).await?;
    if rel.can_read() {
        Ok((n, rel))
    } else {
        actor.require(Action::OwnAccount, None)?;
        Err(AppError::NotFound)
    }
}

/// Raw intake fields from any channel.
#[derive(Debug, Clone, Default)]
pub struct NeedForm {
    /// Where the need is: a household, building, grid… Empty: the resident's own household.
    pub area_code: String,
    /// The household the need comes from, when recorded on a resident's behalf.
    pub household_code: String,
    pub category: String,
    pub title: String,
    pub description: String,
    pub urgency: String,
    pub scope: String,
    pub channel: String,
    pub contact_phone: String,
    pub requester_person_id: Option<i64>,
}

pub struct NewNeed {
    /// The community's working hours, for this need's deadlines.
    pub calendar: WorkCalendar,
    pub area: Area,
    pub household: Option<Area>,
    pub category: Category,
    pub title: String,
    pub description: String,
    pub urgency: Urgency,
    pub scope: Scope,
    pub channel: Channel,
    pub contact_phone: Option<String>,
    pub requester_person_id: Option<i64>,
}

/// Parses and resolves an intake form for `community` (area, household and category must be
/// the community's own; a resident may only speak for their own household).
pub async fn parse_form(db: &Db, actor: &Actor, community: &Area, f: &NeedForm) -> Result<NewNeed, AppError> {
    let mut e = FieldErrors::default();
    let title = e.check(parse_title(&f.title));
    let description = e.check(parse_description(&f.description));
    let urgency = e.check(if f.urgency.trim().is_empty() { Ok(Urgency::Normal) } else { Urgency::parse(&f.urgency) });
    let scope = e.check(if f.scope.trim().is_empty() { Ok(Scope::Individual) } else { Scope::parse(&f.scope) });
    let channel = e.check(Channel::parse(&f.channel));
    let phone = e.check(if f.contact_phone.trim().is_empty() {
        Ok(None)
    } else {
        wushe_domain::people::PhoneNumber::parse(&f.contact_phone).map(|p| Some(p.reveal().to_string()))
    });
    let cats = categories_cached(db, community.id).await?;
    let category = cats.iter().find(|c| c.active && c.code == f.category.trim()).cloned();
    if category.is_none() {
        e.0.push(FieldError::new("category", "errors.category.unknown"));
    }
    let in_community = |a: &Area| a.path.starts_with(&community.path);
    let household = if f.household_code.trim().is_empty() {
        None
    } else {
        match areas::by_code_cached(db, f.household_code.trim()).await {
            Ok(h) if h.kind == AreaKind::Household && in_community(&h) => Some(h),
            _ => {
                e.0.push(FieldError::new("household_code", "errors.household.unknown"));
                None
            }
        }
    };
    let resident_homes = own_households(actor);
    let household = match household {
        Some(h) => Some(h),
        None if !f.area_code.trim().is_empty() => None,
        None => {
            // A resident's own household is the default place.
            match resident_homes.iter().find(|p| p.starts_with(&community.path)) {
                Some(p) => {
                    let code = p.trim_end_matches('/').rsplit('/').next().unwrap_or("");
                    areas::by_code_cached(db, code).await.ok()
                }
                None => None,
            }
        }
    };
    let area = if f.area_code.trim().is_empty() {
        household.clone()
    } else {
        match areas::by_code_cached(db, f.area_code.trim()).await {
            Ok(a) if in_community(&a) => Some(a),
            _ => None,
        }
    };
    if area.is_none() {
        e.0.push(FieldError::new("area_code", "errors.area.unknown"));
    }
    // Filing for someone: a resident only for a member of their own household, staff only
    // for a person living where they may record needs. Anyone else, or nobody, reads the same.
    if let Some(person) = f.requester_person_id {
        let may = match crate::people::place_of(db, person).await? {
            Some((cid, home)) if cid == community.id => {
                let path = home.as_deref().unwrap_or(&community.path);
                actor.operator
                    || actor.grants.decide(Action::NeedRecord, Some(path)) == Decision::Allow
                    || home.as_deref().is_some_and(|h| resident_homes.iter().any(|p| h.starts_with(p.as_str())))
            }
            _ => false,
        };
        if !may {
            e.0.push(FieldError::new("requester_person_id", "errors.requester.unknown"));
        }
    }
    e.into_result()?;
    let area = area.expect("checked");
    Ok(NewNeed {
        calendar: calendar_cached(db, community.id).await?,
        area,
        household,
        category: category.expect("checked"),
        title: title.expect("checked"),
        description: description.expect("checked"),
        urgency: urgency.expect("checked"),
        scope: scope.expect("checked"),
        channel: channel.expect("checked"),
        contact_phone: phone.expect("checked"),
        requester_person_id: f.requester_person_id,
    })
}

/// N1 — records a need from any channel. Residents submit for their own household
/// (online, suggestion); staff record visits, hotline calls, walk-ins and joint meetings for
/// the areas they serve.
pub async fn submit(db: &Db, actor: &Actor, at: i64, new: NewNeed) -> Result<Need, AppError> {
    authorize_submit(actor, &new)?;
    let mut tx = AuditedTx::begin(db, at).await?;
    let mut rollups = Deltas::default();
    let need = write_submission(&mut tx, actor, at, &new, &mut rollups).await?;
    rollups.write(&mut tx.tx).await?;
    tx.commit().await?;
    Ok(need)
}

/// Who may submit what: residents for their own household (online, suggestion); staff who
/// record visits, calls, walk-ins and meetings for the areas they serve.
pub fn authorize_submit(actor: &Actor, new: &NewNeed) -> Result<(), AppError> {
    let by_resident = matches!(new.channel, Channel::Online | Channel::Suggestion);
    if by_resident {
        let homes = own_households(actor);
        let own = new.household.as_ref().is_some_and(|h| homes.iter().any(|p| h.path.starts_with(p.as_str())));
        let staff = actor.grants.decide(Action::NeedRecord, Some(&new.area.path)) == Decision::Allow;
        if !(actor.operator || own || staff) {
            actor.require(Action::NeedOwn, None)?;
            return Err(FieldError::new("household_code", "errors.household.unknown").into());
        }
    } else if !actor.operator {
        match actor.require(Action::NeedRecord, Some(&new.area.path)) {
            Err(AppError::Forbidden) if actor.grants.decide(Action::NeedRecord, None) == Decision::Allow => {
                return Err(FieldError::new("area_code", "errors.area.unknown").into());
            }
            r => r?,
        }
    }
    new.area.community_id.ok_or(FieldError::new("area_code", "errors.area.unknown"))?;
    Ok(())
}

/// The rows of one submission (need, first event, audit entry, notifications) inside a
/// caller's audited transaction.
async fn write_submission(
    tx: &mut AuditedTx<'_>,
    actor: &Actor,
    at: i64,
    new: &NewNeed,
    rollups: &mut Deltas,
) -> Result<Need, AppError> {
    let mut out = write_submissions(tx, &[(actor, at, new)], rollups).await?;
    out.pop().ok_or_else(|| AppError::Internal("submission not written".into()))
}

/// Parameters of one need row in the multi-row INSERT of [`write_submissions`].
const NEED_PARAMS: usize = 18;

/// The rows of several submissions, each kind written with multi-row statements (group
/// commit): the needs, their `submitted` events, their audit entries, and a notification to
/// the grid workers who serve each need's place (or the community admins where no grid
/// worker does), with outbox rows for the channels each can be reached on.
async fn write_submissions(
    tx: &mut AuditedTx<'_>,
    items: &[(&Actor, i64, &NewNeed)],
    rollups: &mut Deltas,
) -> Result<Vec<Need>, AppError> {
    let mut needs = Vec::with_capacity(items.len());
    for chunk in crate::db::statement_chunks(items, NEED_PARAMS) {
        let mut q = sqlx::query(crate::sql!(
            "INSERT INTO needs (community_id, area_id, area_path, household_id, requester_person_id, requester_user_id, category_id, title, description, \
             channel, urgency, scope, status, contact_phone, created_at, respond_due, resolve_due, updated_at) VALUES {} RETURNING {COLS}",
            crate::db::Backend::of(&tx.tx).values_list(chunk.len(), NEED_PARAMS)
        ));
        for (actor, at, new) in chunk {
            let by_resident = matches!(new.channel, Channel::Online | Channel::Suggestion);
            let community_id = new.area.community_id.ok_or(FieldError::new("area_code", "errors.area.unknown"))?;
            q = q
                .bind(community_id)
                .bind(new.area.id)
                .bind(new.area.path.as_str())
                .bind(new.household.as_ref().map(|h| h.id))
                .bind(new.requester_person_id)
                .bind(if by_resident { actor.user_id } else { None })
                .bind(new.category.id)
                .bind(new.title.as_str())
                .bind(new.description.as_str())
                .bind(new.channel.code())
                .bind(new.urgency.code())
                .bind(new.scope.code())
                .bind(NeedStatus::Submitted.code())
                .bind(new.contact_phone.as_deref())
                .bind(*at)
                .bind(new.calendar.due(*at, new.category.respond_hours, new.urgency))
                .bind(new.calendar.due(*at, new.category.resolve_hours, new.urgency))
                .bind(*at);
        }
        let rows = q.fetch_all(&mut *tx.tx).await?;
        let mut written = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
        // Ids follow the order of the VALUES rows; RETURNING's own order is not promised.
        written.sort_by_key(|n| n.id);
        let matches = written.len() == chunk.len()
            && written
                .iter()
                .zip(chunk)
                .all(|(n, (_, at, new))| n.area_id == new.area.id && n.title == new.title && n.created_at == *at);
        if !matches {
            return Err(AppError::Internal("submissions came back out of order".into()));
        }
        needs.extend(written);
    }
    let mut events = Vec::with_capacity(needs.len());
    let mut entries = Vec::with_capacity(needs.len());
    for (n, (actor, at, new)) in needs.iter().zip(items) {
        rollups.change(None, Some(n));
        events.push((n, *at, actor.user_id, EventKind::Submitted, None, new.channel.code().to_string()));
        entries.push(crate::audit::Entry {
            actor_user_id: actor.user_id,
            community_id: Some(n.community_id),
            action: "need.submit",
            subject: format!("need:{}", n.id),
            detail: n.title.clone(),
        });
    }
    insert_events(&mut tx.tx, &events).await?;
    tx.record_many(&entries).await?;
    notify_new(&mut tx.tx, &needs).await?;
    Ok(needs)
}

/// A need event waiting to be written: (need, at, actor, kind, note, data).
type EventRow<'a> = (&'a Need, i64, Option<i64>, EventKind, Option<&'a str>, String);

async fn insert_events(tx: &mut Transaction<'_, Any>, events: &[EventRow<'_>]) -> Result<(), AppError> {
    const PARAMS: usize = 7;
    for chunk in crate::db::statement_chunks(events, PARAMS) {
        let mut q = sqlx::query(crate::sql!(
            "INSERT INTO need_events (community_id, need_id, at, actor_user_id, kind, note, data) VALUES {}",
            crate::db::Backend::of(tx).values_list(chunk.len(), PARAMS)
        ));
        for (n, at, actor, kind, note, data) in chunk {
            q = q
                .bind(n.community_id)
                .bind(n.id)
                .bind(*at)
                .bind(*actor)
                .bind(kind.code())
                .bind(*note)
                .bind(data.as_str());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// A2 for new needs: tells the grid workers serving each need's place that it waits to be
/// accepted; where no grid worker serves it, the community admins.
async fn notify_new(tx: &mut Transaction<'_, Any>, needs: &[Need]) -> Result<(), AppError> {
    let mut staff: std::collections::BTreeMap<i64, Vec<(i64, String, String)>> = Default::default();
    for n in needs {
        if staff.contains_key(&n.community_id) {
            continue;
        }
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT g.user_id, g.role, a.path FROM grants g JOIN areas a ON a.id = g.area_id \
             WHERE g.role IN ('community_admin', 'grid_worker') AND (a.community_id = $1 OR a.id = $1)",
        )
        .bind(n.community_id)
        .fetch_all(&mut **tx)
        .await?;
        staff.insert(n.community_id, rows);
    }
    let mut batch = Vec::with_capacity(needs.len());
    for n in needs {
        let serving = |role: &str| {
            staff[&n.community_id]
                .iter()
                .filter(|(_, r, p)| r == role && n.area_path.starts_with(p.as_str()))
                .map(|(u, _, _)| *u)
                .collect::<Vec<_>>()
        };
        let mut to = serving("grid_worker");
        if to.is_empty() {
            to = serving("community_admin");
        }
        let msg = notifications::Message {
            community_id: Some(n.community_id),
            kind: EventKind::Submitted.code(),
            need_id: Some(n.id),
            title: n.title.clone(),
            body: String::new(),
        };
        batch.push((to, msg));
    }
    notifications::queue_many(tx, needs.first().map(|n| n.created_at).unwrap_or(0), &batch).await?;
    Ok(())
}

type Pending = (Actor, i64, NewNeed, tokio::sync::oneshot::Sender<Result<Need, AppError>>);

/// Group commit for submissions: one writer task takes every submission waiting in the
/// queue and writes them in one transaction, answering each after the commit. Concurrent
/// submitters then share one lock acquisition and one sync instead of queueing for the
/// database's single write lock one by one.
#[derive(Clone)]
pub struct SubmitQueue {
    tx: tokio::sync::mpsc::Sender<Pending>,
}

/// Largest batch written in one transaction.
const BATCH: usize = 256;

impl SubmitQueue {
    /// Starts the writer task; needs a Tokio runtime.
    ///
    /// The writer runs on a thread of its own with its own small runtime: a batch is some
    /// twenty statements, each a round trip to the database, and on a runtime busy with
    /// requests the writer waited in the run queue after every one of them (half of each
    /// batch's time, measured). Without a thread it falls back to a task on the caller's.
    pub fn start(db: Db) -> SubmitQueue {
        let (tx, rx) = tokio::sync::mpsc::channel::<Pending>(4096);
        let fallback = db.clone();
        let thread = std::thread::Builder::new().name("wushe-submissions".into()).spawn(move || {
            match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(rt) => rt.block_on(write_loop(db, rx)),
                Err(e) => tracing::error!("submission writer runtime: {e}"),
            }
        });
        if let Err(e) = thread {
            tracing::warn!("submission writer thread: {e}; writing on the shared runtime");
            let (tx, rx) = tokio::sync::mpsc::channel::<Pending>(4096);
            tokio::spawn(write_loop(fallback, rx));
            return SubmitQueue { tx };
        }
        SubmitQueue { tx }
    }

    /// Authorizes, then waits until the submission is committed.
    pub async fn submit(&self, actor: &Actor, at: i64, new: NewNeed) -> Result<Need, AppError> {
        authorize_submit(actor, &new)?;
        let (done, wait) = tokio::sync::oneshot::channel();
        self.tx
            .send((actor.clone(), at, new, done))
            .await
            .map_err(|_| AppError::Internal("submission writer stopped".into()))?;
        wait.await.map_err(|_| AppError::Internal("submission writer stopped".into()))?
    }
}

/// Takes every submission waiting and writes them as one batch, until the queue closes.
async fn write_loop(db: Db, mut rx: tokio::sync::mpsc::Receiver<Pending>) {
    let mut writer = Writer { db, conn: None, since_checkpoint: 0, checkpointing: Default::default() };
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(p) => batch.push(p),
                Err(_) => break,
            }
        }
        writer.write_batch(batch).await;
    }
}

/// Commits of the writer between two passive checkpoints of the SQLite log beside it.
const COMMITS_PER_CHECKPOINT: u32 = 8;

/// The submission writer. It keeps a connection of its own, taken out of the pool, so its
/// prepared statements stay prepared and it never waits for the pool.
///
/// On SQLite, a checkpoint (copying the write-ahead log into the database file) inside a
/// commit stalls every submission waiting on that commit: it syncs both files, 25 ms or more
/// here. So every few commits a passive checkpoint runs beside the writer on a pool
/// connection, copying the log while the writer goes on; the writer's own connection
/// checkpoints only when the log passes 40,000 pages (160 MB), which at full load is every
/// few seconds. It must checkpoint at all: a passive checkpoint never catches a writer that
/// keeps appending, and only a completed checkpoint lets the log start over (measured:
/// without it the log grew to 1.9 GB in 15 seconds).
struct Writer {
    db: Db,
    conn: Option<sqlx::AnyConnection>,
    since_checkpoint: u32,
    checkpointing: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Writer {
    async fn connection(&mut self) -> Result<&mut sqlx::AnyConnection, AppError> {
        if self.conn.is_none() {
            let mut conn = self.db.pool.acquire().await?.detach();
            if self.db.backend == crate::db::Backend::Sqlite {
                sqlx::query("PRAGMA wal_autocheckpoint = 40000").execute(&mut conn).await?;
                // Submissions land all over the ledger's indexes (each household's place):
                // keep their pages at hand rather than re-reading them from the file.
                sqlx::query("PRAGMA cache_size = -65536").execute(&mut conn).await?;
            }
            self.conn = Some(conn);
        }
        self.conn.as_mut().ok_or_else(|| AppError::Internal("writer connection".into()))
    }

    /// One transaction of submissions. When a submission makes it fail, the batch is halved
    /// and each half tried again, down to the one that fails: a bad submission costs about
    /// 2·log₂(batch) small transactions, not one per submission of its batch.
    async fn write_batch(&mut self, batch: Vec<Pending>) {
        let mut results: Vec<Option<Result<Need, AppError>>> = batch.iter().map(|_| None).collect();
        // (first, end, tried before): a lone submission gets a second try, on the new
        // connection a failure leaves behind (the old one may be what failed).
        let mut ranges = vec![(0, batch.len(), false)];
        while let Some((lo, hi, again)) = ranges.pop() {
            let part = &batch[lo..hi];
            let at = part.iter().map(|p| p.1).max().unwrap_or(0);
            let items: Vec<_> = part.iter().map(|(actor, at, new, _)| (actor, *at, new)).collect();
            match self.write(at, &items).await {
                Ok(needs) => {
                    for (i, n) in needs.into_iter().enumerate() {
                        results[lo + i] = Some(Ok(n));
                    }
                }
                Err(e) if hi - lo == 1 && again => results[lo] = Some(Err(e)),
                Err(_) if hi - lo == 1 => ranges.push((lo, hi, true)),
                Err(_) => {
                    let mid = lo + (hi - lo) / 2;
                    ranges.push((mid, hi, false));
                    ranges.push((lo, mid, false));
                }
            }
        }
        for ((_, _, _, done), r) in batch.into_iter().zip(results) {
            let _ = done.send(r.unwrap_or_else(|| Err(AppError::Internal("submission not written".into()))));
        }
        self.after_commit();
    }

    async fn write(&mut self, at: i64, items: &[(&Actor, i64, &NewNeed)]) -> Result<Vec<Need>, AppError> {
        let conn = self.connection().await?;
        let result = async {
            let mut tx = AuditedTx::begin_on(conn, at).await?;
            let mut rollups = Deltas::default();
            let needs = write_submissions(&mut tx, items, &mut rollups).await?;
            rollups.write(&mut tx.tx).await?;
            tx.commit().await?;
            Ok::<_, AppError>(needs)
        }
        .await;
        if result.is_err() {
            // The connection may be what failed (a restarted server, a broken socket); failures
            // are rare, so a new one costs nothing worth keeping it for.
            self.conn = None;
        }
        result
    }

    fn after_commit(&mut self) {
        if self.db.backend != crate::db::Backend::Sqlite {
            return;
        }
        self.since_checkpoint += 1;
        if self.since_checkpoint < COMMITS_PER_CHECKPOINT
            || self.checkpointing.swap(true, std::sync::atomic::Ordering::AcqRel)
        {
            return;
        }
        self.since_checkpoint = 0;
        let (pool, busy) = (self.db.pool.clone(), self.checkpointing.clone());
        tokio::spawn(async move {
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await {
                tracing::warn!("checkpoint of the SQLite log failed: {e}");
            }
            busy.store(false, std::sync::atomic::Ordering::Release);
        });
    }
}

async fn insert_event(
    tx: &mut Transaction<'_, Any>,
    need: &Need,
    at: i64,
    actor: Option<i64>,
    kind: EventKind,
    note: Option<&str>,
    data: &str,
) -> Result<(), AppError> {
    sqlx::query("INSERT INTO need_events (community_id, need_id, at, actor_user_id, kind, note, data) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(need.community_id)
        .bind(need.id)
        .bind(at)
        .bind(actor)
        .bind(kind.code())
        .bind(note)
        .bind(data)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Who a need is assigned to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignee {
    Organization(i64),
    User(i64),
}

impl Assignee {
    /// `org:12` or `user:3`, as forms and the API send it.
    pub fn parse(raw: &str) -> Result<Assignee, FieldError> {
        let bad = || FieldError::new("assignee", "errors.assignee.unknown");
        let (kind, id) = raw.trim().split_once(':').ok_or_else(bad)?;
        let id = id.parse::<i64>().map_err(|_| bad())?;
        match kind {
            "org" => Ok(Assignee::Organization(id)),
            "user" => Ok(Assignee::User(id)),
            _ => Err(bad()),
        }
    }
}

/// One step of the workflow, as a page form or API body sends it.
#[derive(Debug, Clone)]
pub struct Step {
    pub event: EventKind,
    /// The version the person read; a different stored version means someone else acted.
    pub version: i64,
    pub note: String,
    pub assignee: Option<Assignee>,
    pub rating: String,
    pub merge_into: Option<i64>,
}

/// N2 — applies one workflow step to a need.
pub async fn step(db: &Db, actor: &Actor, at: i64, id: i64, s: Step) -> Result<Need, AppError> {
    let (need, rel) = get(db, actor, id).await?;
    // Someone acted since this person read the need: say so before judging the step, since
    // it was chosen against a status that no longer holds.
    if s.version != need.version && rel.can_read() {
        return Err(AppError::Conflict(FieldError::new("version", "errors.stale_version")));
    }
    if !rel.may(s.event) {
        return Err(AppError::Forbidden);
    }
    let next = need.status.apply(s.event).map_err(|e| AppError::Invalid(e.field_error().into()))?;
    let note = parse_note(&s.note, note_required(s.event))?;
    let rating = if s.event == EventKind::Confirmed { Some(parse_rating(&s.rating)?) } else { None };
    let mut data = String::new();
    let (mut org, mut user) = (need.assignee_org_id, need.assignee_user_id);
    if s.event == EventKind::Assigned {
        match s.assignee.ok_or(FieldError::new("assignee", "errors.required"))? {
            Assignee::Organization(o) => {
                let reach = organizations::get(db, &Actor::operator(), o).await.ok();
                let community = areas::by_id(db, need.community_id).await?;
                let ok = reach.is_some_and(|x| {
                    x.area_path.starts_with(&community.path) || community.path.starts_with(&x.area_path)
                });
                if !ok {
                    return Err(FieldError::new("assignee", "errors.assignee.unknown").into());
                }
                (org, user) = (Some(o), None);
                data = format!("org:{o}");
            }
            Assignee::User(u) => {
                let g = crate::accounts::grants_of(db, u).await?;
                if !g
                    .grants
                    .iter()
                    .any(|x| need.area_path.starts_with(&x.area_path) || x.area_path.starts_with(&need.area_path))
                {
                    return Err(FieldError::new("assignee", "errors.assignee.unknown").into());
                }
                (org, user) = (None, Some(u));
                data = format!("user:{u}");
            }
        }
    }
    if s.event == EventKind::Merged {
        let target = s.merge_into.ok_or(FieldError::new("merge_into", "errors.required"))?;
        let ok = match get(db, actor, target).await {
            Ok((t, _)) => t.id != need.id && t.community_id == need.community_id && !t.status.is_closed(),
            Err(_) => false,
        };
        if !ok {
            return Err(FieldError::new("merge_into", "errors.need.unknown").into());
        }
        data = format!("into:{target}");
    }
    if let Some(r) = rating {
        data = format!("rating:{r}");
    }
    let responds =
        matches!(s.event, EventKind::Accepted | EventKind::Assigned | EventKind::Rejected | EventKind::Merged);
    let mut tx = AuditedTx::begin(db, at).await?;
    let r = sqlx::query(crate::sql!(
        "UPDATE needs SET status = $1, version = version + 1, assignee_org_id = $2, assignee_user_id = $3, \
         responded_at = CASE WHEN responded_at IS NULL AND $4 = 1 THEN $5 ELSE responded_at END, \
         resolved_at = CASE WHEN $6 = 1 THEN $5 WHEN $7 = 1 THEN NULL ELSE resolved_at END, \
         closed_at = CASE WHEN $8 = 1 THEN $5 ELSE closed_at END, rating = COALESCE($9, rating), \
         reopened = reopened + $7, merged_into = COALESCE($10, merged_into), updated_at = $5 \
         WHERE id = $11 AND version = $12 RETURNING {COLS}"
    ))
    .bind(next.code())
    .bind(org)
    .bind(user)
    .bind(i64::from(responds))
    .bind(at)
    .bind(i64::from(s.event == EventKind::Resolved))
    .bind(i64::from(s.event == EventKind::Reopened))
    .bind(i64::from(next.is_closed() && !need.status.is_closed()))
    .bind(rating)
    .bind(if s.event == EventKind::Merged { s.merge_into } else { None })
    .bind(need.id)
    .bind(s.version)
    .fetch_optional(&mut *tx.tx)
    .await?;
    let Some(r) = r else {
        return Err(AppError::Conflict(FieldError::new("version", "errors.stale_version")));
    };
    let updated = from_row(&r)?;
    let mut rollups = Deltas::default();
    rollups.change(Some(&need), Some(&updated));
    rollups.write(&mut tx.tx).await?;
    insert_event(&mut tx.tx, &updated, at, actor.user_id, s.event, note.as_deref(), &data).await?;
    // R3: reassigning, resolving or closing a need ends the claim on it.
    if matches!(s.event, EventKind::Assigned | EventKind::Resolved | EventKind::Rejected | EventKind::Merged) {
        crate::claims::close_for_step(&mut tx.tx, updated.id, at).await?;
    }
    // A2: tell the people who must act next, in the same transaction as the step.
    let recipients = match (s.event, org, user) {
        (EventKind::Assigned, Some(o), _) => notifications::members_of(&mut tx.tx, o).await?,
        (EventKind::Assigned, None, Some(u)) => vec![u],
        (EventKind::Resolved, _, _) => updated.requester_user_id.into_iter().collect(),
        (EventKind::Reopened, _, _) => notifications::responsible_for(&mut tx.tx, &updated.area_path).await?,
        _ => vec![],
    };
    if !recipients.is_empty() {
        let msg = notifications::Message {
            community_id: Some(updated.community_id),
            kind: s.event.code(),
            need_id: Some(updated.id),
            title: updated.title.clone(),
            body: note.clone().unwrap_or_default(),
        };
        notifications::queue(&mut tx.tx, at, &recipients, &msg).await?;
    }
    if let (EventKind::Merged, Some(t)) = (s.event, s.merge_into) {
        let target_row =
            sqlx::query(crate::sql!("SELECT {COLS} FROM needs WHERE id = $1")).bind(t).fetch_one(&mut *tx.tx).await?;
        let target = from_row(&target_row)?;
        insert_event(
            &mut tx.tx,
            &target,
            at,
            actor.user_id,
            EventKind::Commented,
            note.as_deref(),
            &format!("merged_from:{}", need.id),
        )
        .await?;
    }
    tx.record(actor, Some(need.community_id), &format!("need.{}", s.event.code()), &format!("need:{}", need.id), &data)
        .await?;
    tx.commit().await?;
    Ok(updated)
}

#[derive(Debug, Clone)]
pub struct Event {
    pub id: i64,
    pub at: i64,
    pub actor: Option<String>,
    pub kind: EventKind,
    pub note: Option<String>,
    pub data: String,
}

/// The need's timeline, oldest first.
pub async fn timeline(db: &Db, need: &Need) -> Result<Vec<Event>, AppError> {
    let rows = sqlx::query(
        "SELECT e.id, e.at, u.display_name, e.kind, e.note, e.data FROM need_events e LEFT JOIN users u ON u.id = e.actor_user_id WHERE e.need_id = $1 ORDER BY e.id",
    )
    .bind(need.id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Event {
                id: r.try_get(0)?,
                at: r.try_get(1)?,
                actor: r.try_get(2)?,
                kind: EventKind::parse(&r.try_get::<String, _>(3)?)
                    .map_err(|_| AppError::Internal("bad event".into()))?,
                note: r.try_get(4)?,
                data: r.try_get(5)?,
            })
        })
        .collect()
}

/// Filters of the staff ledger.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub statuses: Vec<NeedStatus>,
    pub category_id: Option<i64>,
    pub overdue_only: bool,
    pub open_only: bool,
    pub channel: Option<Channel>,
    pub created_from: Option<i64>,
    pub created_to: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

/// The quoted codes of the statuses `keep` chooses, for an `IN (…)` that lets the
/// `(status, area_path, created_at)` index read a subtree status by status. Codes are
/// constants, never input.
pub(crate) fn status_list(keep: impl Fn(NeedStatus) -> bool) -> String {
    NeedStatus::ALL.iter().filter(|s| keep(**s)).map(|s| format!("'{}'", s.code())).collect::<Vec<_>>().join(", ")
}

/// The ledger: needs in `area`'s subtree the actor may read, newest first, with the total.
pub async fn ledger(db: &Db, actor: &Actor, area: &Area, f: &Filter) -> Result<(Vec<Need>, i64), AppError> {
    let paths: Vec<String> = if actor.operator {
        vec![area.path.clone()]
    } else {
        let mut v = Vec::new();
        for s in actor.subtrees(Action::NeedRead) {
            if area.path.starts_with(&s) {
                v.push(area.path.clone());
            } else if s.starts_with(&area.path) {
                v.push(s);
            }
        }
        v.sort();
        v.dedup();
        v
    };
    if paths.is_empty() {
        actor.require(Action::NeedRead, Some(&area.path))?;
    }
    // Subtrees inside another one add nothing (and would count twice below).
    let mut disjoint: Vec<String> = Vec::with_capacity(paths.len());
    for p in paths {
        if !disjoint.last().is_some_and(|q| p.starts_with(q.as_str())) {
            disjoint.push(p);
        }
    }
    // The filters, bound first; each place's range after them.
    let mut rest = String::new();
    let mut binds: Vec<Bind> = Vec::new();
    if !f.statuses.is_empty() {
        let list: Vec<String> = f
            .statuses
            .iter()
            .map(|s| {
                binds.push(Bind::Text(s.code().to_string()));
                format!("${}", binds.len())
            })
            .collect();
        rest.push_str(&format!(" AND status IN ({})", list.join(", ")));
    }
    if f.open_only {
        // A positive list lets the (status, area_path) index answer it.
        rest.push_str(" AND status IN ('submitted', 'accepted', 'assigned', 'in_progress', 'reopened')");
    } else if f.statuses.is_empty() {
        // Every status, named, for the same index: a subtree is read status by status.
        rest.push_str(&format!(" AND status IN ({})", status_list(|_| true)));
    }
    if let Some(c) = f.category_id {
        binds.push(Bind::Int(c));
        rest.push_str(&format!(" AND category_id = ${}", binds.len()));
    }
    if f.overdue_only {
        rest.push_str(" AND overdue > 0");
    }
    if let Some(c) = f.channel {
        binds.push(Bind::Text(c.code().to_string()));
        rest.push_str(&format!(" AND channel = ${}", binds.len()));
    }
    if let Some(t) = f.created_from {
        binds.push(Bind::Int(t));
        rest.push_str(&format!(" AND created_at >= ${}", binds.len()));
    }
    if let Some(t) = f.created_to {
        binds.push(Bind::Int(t));
        rest.push_str(&format!(" AND created_at < ${}", binds.len()));
    }
    // One branch per place, so that each is a few index ranges (status by status within
    // the place); an OR of places would make the index serve only the status.
    let mut ranges = Vec::with_capacity(disjoint.len());
    for p in &disjoint {
        binds.push(Bind::Text(p.clone()));
        binds.push(Bind::Text(upper(p)));
        ranges.push(format!("area_path >= ${} AND area_path < ${}", binds.len() - 1, binds.len()));
    }
    let from = match ranges.as_slice() {
        [] => return Ok((Vec::new(), 0)),
        [one] => format!("needs WHERE {one}{rest}"),
        many => {
            let branches: Vec<String> =
                many.iter().map(|r| format!("SELECT id, created_at FROM needs WHERE {r}{rest}")).collect();
            format!("({}) t", branches.join(" UNION ALL "))
        }
    };
    let mut cq = sqlx::query_as::<_, (i64,)>(crate::sql!("SELECT COUNT(*) FROM {from}"));
    for b in &binds {
        cq = b.bind_as(cq);
    }
    let total = cq.fetch_one(&db.pool).await?.0;
    // The page's ids first, from the index alone when the filters are the indexed ones
    // (status, place, time), then only those rows: sorting whole rows of a busy grid's
    // open needs to keep fifty is what made the list slow.
    let sql = format!(
        "SELECT {COLS} FROM needs WHERE id IN (SELECT id FROM {from} ORDER BY created_at DESC, id DESC LIMIT {} OFFSET {}) \
         ORDER BY created_at DESC, id DESC",
        f.limit.clamp(1, 5000),
        f.offset.max(0)
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for b in &binds {
        q = b.bind(q);
    }
    let rows = q.fetch_all(&db.pool).await?;
    Ok((rows.iter().map(from_row).collect::<Result<_, _>>()?, total))
}

/// A value bound into a dynamically built query.
enum Bind {
    Text(String),
    Int(i64),
}

impl Bind {
    fn bind<'q>(
        &self,
        q: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>,
    ) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments> {
        match self {
            Bind::Text(s) => q.bind(s.clone()),
            Bind::Int(i) => q.bind(*i),
        }
    }
    fn bind_as<'q, O>(
        &self,
        q: sqlx::query::QueryAs<'q, Any, O, sqlx::any::AnyArguments>,
    ) -> sqlx::query::QueryAs<'q, Any, O, sqlx::any::AnyArguments> {
        match self {
            Bind::Text(s) => q.bind(s.clone()),
            Bind::Int(i) => q.bind(*i),
        }
    }
}

/// A resident's own needs (their household's), newest first.
pub async fn mine(db: &Db, actor: &Actor) -> Result<Vec<Need>, AppError> {
    actor.require(Action::NeedOwn, None)?;
    let mut out = Vec::new();
    for home in own_households(actor) {
        let rows = sqlx::query(crate::sql!(
            "SELECT {COLS} FROM needs n WHERE n.household_id IN (SELECT id FROM areas WHERE path >= $1 AND path < $2) OR n.requester_user_id = $3 ORDER BY n.created_at DESC LIMIT 200"
        ))
        .bind(&home)
        .bind(upper(&home))
        .bind(actor.user_id)
        .fetch_all(&db.pool)
        .await?;
        for r in &rows {
            let n = from_row(r)?;
            if !out.iter().any(|x: &Need| x.id == n.id) {
                out.push(n);
            }
        }
    }
    Ok(out)
}

/// Needs assigned to the actor or to an organization they belong to.
pub async fn assigned_to_me(db: &Db, actor: &Actor) -> Result<Vec<Need>, AppError> {
    actor.require(Action::NeedWork, None)?;
    let person = actor_person(db, actor).await?;
    let rows = sqlx::query(crate::sql!(
        "SELECT {COLS} FROM needs WHERE status NOT IN ('confirmed', 'rejected', 'merged') AND (assignee_user_id = $1 OR assignee_org_id IN (SELECT organization_id FROM memberships WHERE person_id = $2)) ORDER BY resolve_due LIMIT 200"
    ))
    .bind(actor.user_id)
    .bind(person)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(from_row).collect()
}

/// N3 — flags needs whose response or resolution deadline has passed, once each, with an
/// `overdue` event. Idempotent and driven by stored deadlines, so a restart loses nothing.
/// Returns the needs newly flagged.
pub async fn flag_overdue(db: &Db, now: i64) -> Result<Vec<Need>, AppError> {
    let rows = sqlx::query(crate::sql!(
        "SELECT {COLS} FROM needs WHERE status NOT IN ('resolved', 'confirmed', 'rejected', 'merged') \
         AND ((overdue = 0 AND responded_at IS NULL AND respond_due < $1) OR (overdue < 2 AND resolve_due < $1)) LIMIT 1000"
    ))
    .bind(now)
    .fetch_all(&db.pool)
    .await?;
    let mut flagged = Vec::new();
    for r in &rows {
        let n = from_row(r)?;
        let (bit, what) = if n.resolve_due < now { (2, "resolve") } else { (1, "respond") };
        let mut tx = AuditedTx::begin(db, now).await?;
        let updated =
            sqlx::query(crate::sql!("UPDATE needs SET overdue = $1 WHERE id = $2 AND overdue < $1 RETURNING {COLS}"))
                .bind(bit)
                .bind(n.id)
                .fetch_optional(&mut *tx.tx)
                .await?;
        if let Some(u) = updated {
            let u = from_row(&u)?;
            insert_event(&mut tx.tx, &u, now, None, EventKind::Overdue, None, what).await?;
            let recipients = notifications::responsible_for(&mut tx.tx, &u.area_path).await?;
            let msg = notifications::Message {
                community_id: Some(u.community_id),
                kind: "overdue",
                need_id: Some(u.id),
                title: u.title.clone(),
                body: what.to_string(),
            };
            notifications::queue(&mut tx.tx, now, &recipients, &msg).await?;
            tx.record(&Actor::operator(), Some(u.community_id), "need.overdue", &format!("need:{}", u.id), what)
                .await?;
            tx.commit().await?;
            flagged.push(u);
        }
    }
    Ok(flagged)
}

#[derive(Debug, Clone)]
pub struct Whistle {
    pub id: i64,
    pub organization_id: i64,
    pub organization_name: String,
    pub created_at: i64,
    pub deadline: i64,
    pub reported_at: Option<i64>,
    pub note: Option<String>,
}

/// N4 — the community blows the whistle: each named organization must report by `deadline`.
/// What a whistle names: who must report, within how many hours, and why.
#[derive(Debug, Clone)]
pub struct Whistling {
    /// The version of the need the person read.
    pub version: i64,
    pub organizations: Vec<i64>,
    pub hours: i64,
    pub note: String,
}

pub async fn whistle(db: &Db, actor: &Actor, at: i64, id: i64, w: Whistling) -> Result<Need, AppError> {
    let (need, rel) = get(db, actor, id).await?;
    if !rel.manage {
        return Err(AppError::Forbidden);
    }
    let Whistling { version, organizations: orgs, hours, note } = w;
    let orgs = &orgs[..];
    if version != need.version {
        return Err(AppError::Conflict(FieldError::new("version", "errors.stale_version")));
    }
    need.status.apply(EventKind::Whistled).map_err(|e| AppError::Invalid(e.field_error().into()))?;
    let note = parse_note(&note, true)?;
    if orgs.is_empty() {
        return Err(FieldError::new("organizations", "errors.required").into());
    }
    if !(1..=24 * 30).contains(&hours) {
        return Err(FieldError::new("hours", "errors.hours.range").into());
    }
    let community = areas::by_id(db, need.community_id).await?;
    for o in orgs {
        let ok = organizations::get(db, &Actor::operator(), *o)
            .await
            .is_ok_and(|x| x.area_path.starts_with(&community.path) || community.path.starts_with(&x.area_path));
        if !ok {
            return Err(FieldError::new("organizations", "errors.organization.unknown").into());
        }
    }
    let deadline = at + hours * 3_600_000;
    let mut tx = AuditedTx::begin(db, at).await?;
    let r = sqlx::query(crate::sql!(
        "UPDATE needs SET version = version + 1, updated_at = $1 WHERE id = $2 AND version = $3 RETURNING {COLS}"
    ))
    .bind(at)
    .bind(need.id)
    .bind(version)
    .fetch_optional(&mut *tx.tx)
    .await?;
    let Some(r) = r else { return Err(AppError::Conflict(FieldError::new("version", "errors.stale_version"))) };
    let updated = from_row(&r)?;
    for o in orgs {
        sqlx::query(
            "INSERT INTO whistles (community_id, need_id, organization_id, created_at, deadline) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(need.community_id)
        .bind(need.id)
        .bind(*o)
        .bind(at)
        .bind(deadline)
        .execute(&mut *tx.tx)
        .await
        .map_err(AppError::unique_as("organizations", "errors.whistle.exists"))?;
    }
    let data = orgs.iter().map(|o| format!("org:{o}")).collect::<Vec<_>>().join(",");
    insert_event(&mut tx.tx, &updated, at, actor.user_id, EventKind::Whistled, note.as_deref(), &data).await?;
    let mut recipients = Vec::new();
    for o in orgs {
        recipients.extend(notifications::members_of(&mut tx.tx, *o).await?);
    }
    let msg = notifications::Message {
        community_id: Some(need.community_id),
        kind: "whistled",
        need_id: Some(need.id),
        title: need.title.clone(),
        body: note.clone().unwrap_or_default(),
    };
    notifications::queue(&mut tx.tx, at, &recipients, &msg).await?;
    tx.record(actor, Some(need.community_id), "need.whistled", &format!("need:{}", need.id), &data).await?;
    tx.commit().await?;
    Ok(updated)
}

pub async fn whistles(db: &Db, need: &Need) -> Result<Vec<Whistle>, AppError> {
    let rows = sqlx::query(
        "SELECT w.id, w.organization_id, o.name, w.created_at, w.deadline, w.reported_at, w.note FROM whistles w JOIN organizations o ON o.id = w.organization_id WHERE w.need_id = $1 ORDER BY w.id",
    )
    .bind(need.id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Whistle {
                id: r.try_get(0)?,
                organization_id: r.try_get(1)?,
                organization_name: r.try_get(2)?,
                created_at: r.try_get(3)?,
                deadline: r.try_get(4)?,
                reported_at: r.try_get(5)?,
                note: r.try_get(6)?,
            })
        })
        .collect()
}

/// 报到 — a whistled organization acknowledges. Its members (or the community's staff on its
/// behalf) may report; a second report is refused.
pub async fn report(db: &Db, actor: &Actor, at: i64, need_id: i64, org_id: i64, note: &str) -> Result<(), AppError> {
    let row = sqlx::query(crate::sql!("SELECT {COLS} FROM needs WHERE id = $1"))
        .bind(need_id)
        .fetch_optional(&db.pool)
        .await?;
    let need = from_row(&row.ok_or(AppError::NotFound)?)?;
    let rel = relation(db, actor, &need).await?;
    let member = is_member(db, actor_person(db, actor).await?, org_id).await?
        && actor.grants.decide(Action::NeedWork, None) == Decision::Allow;
    if !(rel.manage || member) {
        if rel.can_read() {
            return Err(AppError::Forbidden);
        }
        return Err(AppError::NotFound);
    }
    need.status.apply(EventKind::Reported).map_err(|e| AppError::Invalid(e.field_error().into()))?;
    let note = parse_note(note, false)?;
    let mut tx = AuditedTx::begin(db, at).await?;
    let done = sqlx::query("UPDATE whistles SET reported_at = $1, reported_by = $2, note = $3 WHERE need_id = $4 AND organization_id = $5 AND reported_at IS NULL RETURNING id")
        .bind(at)
        .bind(actor.user_id)
        .bind(&note)
        .bind(need_id)
        .bind(org_id)
        .fetch_optional(&mut *tx.tx)
        .await?;
    if done.is_none() {
        return Err(AppError::Conflict(FieldError::new("organization", "errors.whistle.not_pending")));
    }
    insert_event(&mut tx.tx, &need, at, actor.user_id, EventKind::Reported, note.as_deref(), &format!("org:{org_id}"))
        .await?;
    tx.record(actor, Some(need.community_id), "need.reported", &format!("need:{need_id}"), &format!("org:{org_id}"))
        .await?;
    tx.commit().await
}

/// Open needs carried by each assignee (`org:ID`, `user:ID`) in a community, for matching's
/// "load already carried" (R2).
pub async fn open_loads(db: &Db, community_id: i64) -> Result<std::collections::HashMap<String, i64>, AppError> {
    let community = areas::by_id(db, community_id).await?;
    let rows: Vec<(Option<i64>, Option<i64>, i64)> = sqlx::query_as(
        "SELECT assignee_org_id, assignee_user_id, COUNT(*) FROM needs \
         WHERE status IN ('assigned', 'in_progress', 'reopened') AND area_path >= $1 AND area_path < $2 \
         GROUP BY assignee_org_id, assignee_user_id",
    )
    .bind(&community.path)
    .bind(upper(&community.path))
    .fetch_all(&db.pool)
    .await?;
    let mut out = std::collections::HashMap::new();
    for (org, user, n) in rows {
        let key = match (org, user) {
            (Some(o), _) => format!("org:{o}"),
            (None, Some(u)) => format!("user:{u}"),
            _ => continue,
        };
        *out.entry(key).or_insert(0) += n;
    }
    Ok(out)
}

/// R3 — moves a need for a claim (`Claimed`, to the claimant) or its end (`Released`, back to
/// accepted and unassigned) or its listing (`Listed`), inside the caller's transaction, at the
/// version read. `None` when someone changed the need meanwhile.
pub(crate) async fn claim_transition(
    tx: &mut Transaction<'_, Any>,
    actor: Option<i64>,
    at: i64,
    need: &Need,
    event: EventKind,
    assignee: Option<Assignee>,
    note: Option<&str>,
) -> Result<Option<Need>, AppError> {
    let next = need.status.apply(event).map_err(|e| AppError::Invalid(e.field_error().into()))?;
    let (org, user) = match (event, assignee) {
        (EventKind::Claimed, Some(Assignee::Organization(o))) => (Some(o), None),
        (EventKind::Claimed, Some(Assignee::User(u))) => (None, Some(u)),
        (EventKind::Released, _) => (None, None),
        _ => (need.assignee_org_id, need.assignee_user_id),
    };
    let r = sqlx::query(crate::sql!(
        "UPDATE needs SET status = $1, version = version + 1, assignee_org_id = $2, assignee_user_id = $3, \
         responded_at = CASE WHEN responded_at IS NULL AND $4 = 1 THEN $5 ELSE responded_at END, updated_at = $5 \
         WHERE id = $6 AND version = $7 RETURNING {COLS}"
    ))
    .bind(next.code())
    .bind(org)
    .bind(user)
    .bind(i64::from(event == EventKind::Claimed))
    .bind(at)
    .bind(need.id)
    .bind(need.version)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(r) = r else { return Ok(None) };
    let updated = from_row(&r)?;
    let mut rollups = Deltas::default();
    rollups.change(Some(need), Some(&updated));
    rollups.write(tx).await?;
    let data = match (org, user) {
        (Some(o), _) if event == EventKind::Claimed => format!("org:{o}"),
        (None, Some(u)) if event == EventKind::Claimed => format!("user:{u}"),
        _ => String::new(),
    };
    insert_event(tx, &updated, at, actor, event, note, &data).await?;
    Ok(Some(updated))
}

/// A need by id without access checks, for modules that have checked their own (claims).
pub(crate) async fn by_id(db: &Db, id: i64) -> Result<Need, AppError> {
    let r = sqlx::query(crate::sql!("SELECT {COLS} FROM needs WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    from_row(&r)
}

/// Needs by id in the order asked (unknown ids left out), without access checks.
pub(crate) async fn by_ids(db: &Db, ids: &[i64]) -> Result<Vec<Need>, AppError> {
    let mut found = std::collections::HashMap::with_capacity(ids.len());
    for chunk in crate::db::statement_chunks(ids, 1) {
        let list = db.backend.in_list(chunk.len());
        let mut q = sqlx::query(crate::sql!("SELECT {COLS} FROM needs WHERE id IN ({list})"));
        for id in chunk {
            q = q.bind(*id);
        }
        for r in q.fetch_all(&db.pool).await? {
            let n = from_row(&r)?;
            found.insert(n.id, n);
        }
    }
    Ok(ids.iter().filter_map(|id| found.get(id).cloned()).collect())
}

/// Counts of open and overdue needs per first-level division of a community (situation map
/// and overview).
pub async fn open_counts(db: &Db, community: &Area) -> Result<Vec<(String, i64, i64)>, AppError> {
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT area_path, COUNT(*), SUM(CASE WHEN overdue > 0 THEN 1 ELSE 0 END) FROM needs \
         WHERE area_path >= $1 AND area_path < $2 AND status IN ('submitted', 'accepted', 'assigned', 'in_progress', 'reopened') GROUP BY area_path",
    )
    .bind(&community.path)
    .bind(upper(&community.path))
    .fetch_all(&db.pool)
    .await?;
    let mut by_division: std::collections::BTreeMap<String, (i64, i64)> = Default::default();
    for (p, n, o) in rows {
        let code = p[community.path.len()..].split('/').next().unwrap_or("").to_string();
        let e = by_division.entry(code).or_default();
        e.0 += n;
        e.1 += o;
    }
    Ok(by_division.into_iter().map(|(k, (n, o))| (k, n, o)).collect())
}

/// One need with its whole history, for loading synthetic or imported ledgers in bulk. The
/// status and timestamps are derived from the events by the domain state machine, so a loaded
/// history is as valid as a lived one.
pub struct History {
    pub area: Area,
    pub household_id: Option<i64>,
    pub category: Category,
    pub title: String,
    pub description: String,
    pub channel: Channel,
    pub urgency: Urgency,
    pub scope: Scope,
    pub created_at: i64,
    /// `(kind, at, data, note)` after the submission.
    pub events: Vec<(EventKind, i64, String, Option<String>)>,
}

/// Parameters of one need row in the multi-row INSERT of [`insert_histories`].
const HISTORY_PARAMS: usize = 22;

/// Writes needs with their whole timelines (imports, the demo), each kind of row with
/// multi-row statements; returns the new ids in the order of `items`.
pub async fn insert_histories(
    tx: &mut Transaction<'_, Any>,
    cal: &WorkCalendar,
    items: &[History],
) -> Result<Vec<i64>, AppError> {
    struct Row {
        status: NeedStatus,
        org: Option<i64>,
        user: Option<i64>,
        responded: Option<i64>,
        resolved: Option<i64>,
        closed: Option<i64>,
        rating: Option<i64>,
        reopened: i64,
        respond_due: i64,
        resolve_due: i64,
        last: i64,
    }
    let mut rows = Vec::with_capacity(items.len());
    for h in items {
        let mut status = NeedStatus::Submitted;
        let (mut responded, mut resolved, mut closed, mut rating, mut reopened) = (None, None, None, None, 0i64);
        let (mut org, mut user) = (None::<i64>, None::<i64>);
        for (kind, at, data, _) in &h.events {
            status = status.apply(*kind).map_err(|e| AppError::Invalid(e.field_error().into()))?;
            if responded.is_none() && matches!(kind, EventKind::Accepted | EventKind::Assigned | EventKind::Rejected) {
                responded = Some(*at);
            }
            match kind {
                EventKind::Assigned => match Assignee::parse(data) {
                    Ok(Assignee::Organization(o)) => (org, user) = (Some(o), None),
                    Ok(Assignee::User(u)) => (org, user) = (None, Some(u)),
                    Err(_) => {}
                },
                EventKind::Resolved => resolved = Some(*at),
                EventKind::Reopened => {
                    resolved = None;
                    reopened += 1;
                }
                EventKind::Confirmed => rating = data.strip_prefix("rating:").and_then(|r| r.parse::<i64>().ok()),
                _ => {}
            }
            if status.is_closed() && closed.is_none() {
                closed = Some(*at);
            }
        }
        rows.push(Row {
            status,
            org,
            user,
            responded,
            resolved,
            closed,
            rating,
            reopened,
            respond_due: cal.due(h.created_at, h.category.respond_hours, h.urgency),
            resolve_due: cal.due(h.created_at, h.category.resolve_hours, h.urgency),
            last: h.events.last().map(|e| e.1).unwrap_or(h.created_at),
        });
    }
    let mut rollups = Deltas::default();
    let mut needs: Vec<Need> = Vec::with_capacity(items.len());
    let paired: Vec<(&History, &Row)> = items.iter().zip(&rows).collect();
    for chunk in crate::db::statement_chunks(&paired, HISTORY_PARAMS) {
        let mut q = sqlx::query(crate::sql!(
            "INSERT INTO needs (community_id, area_id, area_path, household_id, category_id, title, description, channel, urgency, scope, status, \
             assignee_org_id, assignee_user_id, created_at, responded_at, resolved_at, closed_at, rating, reopened, respond_due, resolve_due, updated_at) \
             VALUES {} RETURNING {COLS}",
            crate::db::Backend::of(tx).values_list(chunk.len(), HISTORY_PARAMS)
        ));
        for (h, r) in chunk {
            q = q
                .bind(h.area.community_id)
                .bind(h.area.id)
                .bind(h.area.path.as_str())
                .bind(h.household_id)
                .bind(h.category.id)
                .bind(h.title.as_str())
                .bind(h.description.as_str())
                .bind(h.channel.code())
                .bind(h.urgency.code())
                .bind(h.scope.code())
                .bind(r.status.code())
                .bind(r.org)
                .bind(r.user)
                .bind(h.created_at)
                .bind(r.responded)
                .bind(r.resolved)
                .bind(r.closed)
                .bind(r.rating)
                .bind(r.reopened)
                .bind(r.respond_due)
                .bind(r.resolve_due)
                .bind(r.last);
        }
        let mut written = q.fetch_all(&mut **tx).await?.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
        // Ids follow the order of the VALUES rows; RETURNING's own order is not promised.
        written.sort_by_key(|n| n.id);
        let matches = written.len() == chunk.len()
            && written.iter().zip(chunk).all(|(n, (h, _))| n.area_id == h.area.id && n.title == h.title);
        if !matches {
            return Err(AppError::Internal("imported needs came back out of order".into()));
        }
        needs.extend(written);
    }
    let mut events: Vec<EventRow<'_>> = Vec::new();
    for (need, h) in needs.iter().zip(items) {
        rollups.change(None, Some(need));
        events.push((need, h.created_at, None, EventKind::Submitted, None, h.channel.code().to_string()));
        for (kind, at, data, note) in &h.events {
            events.push((need, *at, None, *kind, note.as_deref(), data.clone()));
        }
    }
    insert_events(tx, &events).await?;
    rollups.write(tx).await?;
    Ok(needs.iter().map(|n| n.id).collect())
}

/// Which of `ids` are needs of `community_id` (an imported ledger's 编号 that are already here).
pub async fn existing_ids(db: &Db, community_id: i64, ids: &[i64]) -> Result<std::collections::HashSet<i64>, AppError> {
    let mut out = std::collections::HashSet::new();
    for chunk in ids.chunks(500) {
        let list = db.backend.in_list(chunk.len());
        let mut q =
            sqlx::query_as::<_, (i64, i64)>(crate::sql!("SELECT id, community_id FROM needs WHERE id IN ({list})"));
        for id in chunk {
            q = q.bind(*id);
        }
        let rows = q.fetch_all(&db.pool).await?;
        out.extend(rows.into_iter().filter(|(_, c)| *c == community_id).map(|(i, _)| i));
    }
    Ok(out)
}

/// Links an imported merged need to the need it duplicates.
pub async fn set_merged_into(tx: &mut Transaction<'_, Any>, id: i64, target: i64) -> Result<(), AppError> {
    sqlx::query("UPDATE needs SET merged_into = $1 WHERE id = $2").bind(target).bind(id).execute(&mut **tx).await?;
    Ok(())
}

/// N6 — open needs of the same community that read like `need` (by jieba words of title and
/// description), most alike first, for merging duplicates or grouping into a common need.
pub async fn similar(db: &Db, actor: &Actor, need: &Need, limit: usize) -> Result<Vec<(Need, f64)>, AppError> {
    let rel = relation(db, actor, need).await?;
    if !rel.manage {
        return Err(AppError::Forbidden);
    }
    let community = areas::by_id(db, need.community_id).await?;
    let f = Filter { open_only: true, limit: 2000, ..Default::default() };
    let (candidates, _) = ledger(db, actor, &community, &f).await?;
    let words = |n: &Need| crate::directory::terms(&format!("{} {}", n.title, n.description));
    let mine = words(need);
    let mut scored: Vec<(Need, f64)> = candidates
        .into_iter()
        .filter(|c| c.id != need.id && c.scope == Scope::Individual)
        .map(|c| {
            // The same category counts for a little more: it is the same kind of trouble.
            let bonus = if c.category_id == need.category_id { 0.1 } else { 0.0 };
            let score = wushe_domain::needs::similarity(&mine, &words(&c)) + bonus;
            (c, score)
        })
        .filter(|(_, s)| *s >= wushe_domain::needs::SIMILAR_THRESHOLD)
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.id.cmp(&a.0.id)));
    scored.truncate(limit);
    Ok(scored)
}

/// N6 — groups individual needs into one common need (共性需求) that a project can take up.
/// The common need sits at the members' nearest common area and carries their most frequent
/// category; each member's timeline records the grouping.
pub async fn group(db: &Db, actor: &Actor, at: i64, title: &str, ids: &[i64]) -> Result<Need, AppError> {
    let title = parse_title(title)?;
    let mut members = Vec::new();
    for id in ids {
        let (n, rel) = get(db, actor, *id).await.map_err(|_| FieldError::new("needs", "errors.need.unknown"))?;
        if !rel.manage {
            return Err(AppError::Forbidden);
        }
        if n.status.is_closed() || n.scope == Scope::Common {
            return Err(FieldError::new("needs", "errors.need.unknown").into());
        }
        members.push(n);
    }
    members.dedup_by_key(|n| n.id);
    if members.len() < 2 || members.iter().any(|n| n.community_id != members[0].community_id) {
        return Err(FieldError::new("needs", "errors.group.too_few").into());
    }
    // Nearest common area: the longest path prefix ending at a '/'.
    let first = members[0].area_path.clone();
    let mut common = first.len();
    for n in &members[1..] {
        common = common.min(first.bytes().zip(n.area_path.bytes()).take_while(|(a, b)| a == b).count());
    }
    let prefix = &first[..first[..common].rfind('/').map(|i| i + 1).unwrap_or(0)];
    let code = prefix.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    let area = areas::by_code(db, code).await?;
    let mut counts: std::collections::BTreeMap<i64, usize> = Default::default();
    for n in &members {
        *counts.entry(n.category_id).or_default() += 1;
    }
    let category_id =
        counts.iter().max_by_key(|(id, c)| (**c, -**id)).map(|(id, _)| *id).unwrap_or(members[0].category_id);
    let category = categories(db, members[0].community_id)
        .await?
        .into_iter()
        .find(|c| c.id == category_id)
        .ok_or(AppError::NotFound)?;
    let description = members.iter().map(|n| format!("#{} {}", n.id, n.title)).collect::<Vec<_>>().join("\n");
    let new = NewNeed {
        calendar: calendar_for(db, area.community_id.unwrap_or(area.id)).await?,
        area,
        household: None,
        category,
        title,
        description,
        urgency: Urgency::Normal,
        scope: Scope::Common,
        channel: Channel::JointMeeting,
        contact_phone: None,
        requester_person_id: None,
    };
    let mut tx = AuditedTx::begin(db, at).await?;
    let mut rollups = Deltas::default();
    let common_need =
        write_submission(&mut tx, &Actor { operator: false, ..actor.clone() }, at, &new, &mut rollups).await?;
    rollups.write(&mut tx.tx).await?;
    for n in &members {
        sqlx::query("UPDATE needs SET common_need_id = $1, version = version + 1, updated_at = $2 WHERE id = $3")
            .bind(common_need.id)
            .bind(at)
            .bind(n.id)
            .execute(&mut *tx.tx)
            .await?;
        insert_event(&mut tx.tx, n, at, actor.user_id, EventKind::Grouped, None, &format!("common:{}", common_need.id))
            .await?;
    }
    tx.record(
        actor,
        Some(common_need.community_id),
        "need.group",
        &format!("need:{}", common_need.id),
        &ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(","),
    )
    .await?;
    tx.commit().await?;
    Ok(common_need)
}

/// The individual needs grouped into a common need.
pub async fn members_of(db: &Db, common: &Need) -> Result<Vec<Need>, AppError> {
    let rows = sqlx::query(crate::sql!("SELECT {COLS} FROM needs WHERE common_need_id = $1 ORDER BY id"))
        .bind(common.id)
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Assigns many needs at once (the ledger's bulk action). Each need is a separate step at the
/// version the person saw, so each can succeed or fail on its own; the outcome says which.
pub async fn bulk_assign(
    db: &Db,
    actor: &Actor,
    at: i64,
    items: &[(i64, i64)],
    assignee: Assignee,
) -> Vec<(i64, Result<Need, AppError>)> {
    let mut out = Vec::with_capacity(items.len());
    for (id, version) in items {
        let s = Step {
            event: EventKind::Assigned,
            version: *version,
            note: String::new(),
            assignee: Some(assignee),
            rating: String::new(),
            merge_into: None,
        };
        out.push((*id, step(db, actor, at, *id, s).await));
    }
    out
}

#[derive(Debug, Clone)]
pub struct SavedView {
    pub id: i64,
    pub name: String,
    /// The ledger's query string (status, category, overdue).
    pub query: String,
}

/// Saves the ledger filters under a name for this user and community.
pub async fn save_view(
    db: &Db,
    actor: &Actor,
    at: i64,
    community: &Area,
    name: &str,
    query: &str,
) -> Result<SavedView, AppError> {
    let user = actor.user_id.ok_or(AppError::Unauthenticated)?;
    actor.require(Action::NeedRead, None)?;
    let name = wushe_domain::error::text("name", name, 40)?;
    // Only the ledger's own filters are kept, so a saved view cannot smuggle anything else.
    let query: String = query
        .split('&')
        .filter(|kv| ["status=", "category=", "overdue="].iter().any(|k| kv.starts_with(k)))
        .filter(|kv| kv.len() < 60 && kv.bytes().all(|b| b.is_ascii_alphanumeric() || b"=_%".contains(&b)))
        .collect::<Vec<_>>()
        .join("&");
    let mut tx = AuditedTx::begin(db, at).await?;
    let r = sqlx::query("INSERT INTO saved_views (community_id, user_id, name, query, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
        .bind(community.id)
        .bind(user)
        .bind(&name)
        .bind(&query)
        .bind(at)
        .fetch_one(&mut *tx.tx)
        .await
        .map_err(AppError::unique_as("name", "errors.view.exists"))?;
    let id: i64 = r.try_get(0)?;
    tx.record(actor, Some(community.id), "needs.view.save", &format!("view:{id}"), &name).await?;
    tx.commit().await?;
    Ok(SavedView { id, name, query })
}

pub async fn views(db: &Db, actor: &Actor, community: &Area) -> Result<Vec<SavedView>, AppError> {
    let Some(user) = actor.user_id else { return Ok(vec![]) };
    let rows =
        sqlx::query("SELECT id, name, query FROM saved_views WHERE user_id = $1 AND community_id = $2 ORDER BY name")
            .bind(user)
            .bind(community.id)
            .fetch_all(&db.pool)
            .await?;
    rows.iter().map(|r| Ok(SavedView { id: r.try_get(0)?, name: r.try_get(1)?, query: r.try_get(2)? })).collect()
}

/// Deletes one of the user's own views; another's reads as missing.
pub async fn delete_view(db: &Db, actor: &Actor, at: i64, id: i64) -> Result<(), AppError> {
    let user = actor.user_id.ok_or(AppError::Unauthenticated)?;
    let mut tx = AuditedTx::begin(db, at).await?;
    let r = sqlx::query("DELETE FROM saved_views WHERE id = $1 AND user_id = $2 RETURNING community_id")
        .bind(id)
        .bind(user)
        .fetch_optional(&mut *tx.tx)
        .await?;
    let Some(row) = r else { return Err(AppError::NotFound) };
    let community: i64 = row.try_get(0)?;
    tx.record(actor, Some(community), "needs.view.delete", &format!("view:{id}"), "").await?;
    tx.commit().await
}

/// Day number (days since 1970-01-01) of a `YYYY-MM-DD` date, as `WorkCalendar` counts days.
fn day_number(raw: &str) -> Option<i64> {
    let d = chrono::NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").ok()?;
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?;
    Some((d - epoch).num_days())
}

fn date_of(day: i64) -> String {
    chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|e| e.checked_add_signed(chrono::Duration::days(day)))
        .map(|d| d.to_string())
        .unwrap_or_default()
}

/// A community's calendar, or the default (weekdays 9–18) when none is set.
pub async fn calendar_for(db: &Db, community_id: i64) -> Result<WorkCalendar, AppError> {
    let r = sqlx::query(
        "SELECT start_hour, end_hour, workdays, holidays, extra_workdays FROM work_calendars WHERE community_id = $1",
    )
    .bind(community_id)
    .fetch_optional(&db.pool)
    .await?;
    let Some(r) = r else { return Ok(WorkCalendar::default()) };
    let days = |s: String| s.split(',').filter_map(day_number).collect::<Vec<_>>();
    let flags: String = r.try_get(2)?;
    let mut workdays = [false; 7];
    for (i, c) in flags.chars().take(7).enumerate() {
        workdays[i] = c == '1';
    }
    Ok(WorkCalendar {
        start_hour: r.try_get::<i64, _>(0)? as u32,
        end_hour: r.try_get::<i64, _>(1)? as u32,
        workdays,
        holidays: days(r.try_get(3)?),
        extra_workdays: days(r.try_get(4)?),
    })
}

/// The calendar as a form shows it: dates as `YYYY-MM-DD`, one per line.
pub fn calendar_dates(days: &[i64]) -> String {
    days.iter().map(|d| date_of(*d)).collect::<Vec<_>>().join("\n")
}

#[derive(Debug, Clone, Default)]
pub struct CalendarForm {
    pub start_hour: String,
    pub end_hour: String,
    /// Monday first: seven `true`/`false`.
    pub workdays: [bool; 7],
    /// Dates separated by lines, commas or spaces.
    pub holidays: String,
    pub extra_workdays: String,
}

/// Sets a community's working hours, weekdays, holidays and make-up days (committee), audited.
pub async fn set_calendar(
    db: &Db,
    actor: &Actor,
    at: i64,
    community: &Area,
    f: &CalendarForm,
) -> Result<WorkCalendar, AppError> {
    actor.require(Action::AreaWrite, Some(&community.path))?;
    let mut e = FieldErrors::default();
    let hour = |field: &'static str, raw: &str| match raw.trim().parse::<u32>() {
        Ok(h) if h <= 24 => Ok(h),
        _ => Err(FieldError::new(field, "errors.calendar.hour")),
    };
    let start = e.check(hour("start_hour", &f.start_hour));
    let end = e.check(hour("end_hour", &f.end_hour));
    if let (Some(a), Some(b)) = (start, end)
        && b <= a
    {
        e.0.push(FieldError::new("end_hour", "errors.calendar.order"));
    }
    let dates = |field: &'static str, raw: &str| -> Result<Vec<i64>, FieldError> {
        raw.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|x| !x.is_empty())
            .map(|x| day_number(x).ok_or(FieldError::new(field, "errors.calendar.date")))
            .collect()
    };
    let holidays = e.check(dates("holidays", &f.holidays));
    let extra = e.check(dates("extra_workdays", &f.extra_workdays));
    if !f.workdays.iter().any(|d| *d) && extra.as_ref().is_some_and(|x| x.is_empty()) {
        e.0.push(FieldError::new("workdays", "errors.calendar.no_days"));
    }
    e.into_result()?;
    let cal = WorkCalendar {
        start_hour: start.expect("checked"),
        end_hour: end.expect("checked"),
        workdays: f.workdays,
        holidays: holidays.expect("checked"),
        extra_workdays: extra.expect("checked"),
    };
    let flags: String = cal.workdays.iter().map(|d| if *d { '1' } else { '0' }).collect();
    let list = |d: &[i64]| d.iter().map(|x| date_of(*x)).collect::<Vec<_>>().join(",");
    let mut tx = AuditedTx::begin(db, at).await?;
    sqlx::query("DELETE FROM work_calendars WHERE community_id = $1").bind(community.id).execute(&mut *tx.tx).await?;
    sqlx::query("INSERT INTO work_calendars (community_id, start_hour, end_hour, workdays, holidays, extra_workdays, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(community.id)
        .bind(i64::from(cal.start_hour))
        .bind(i64::from(cal.end_hour))
        .bind(&flags)
        .bind(list(&cal.holidays))
        .bind(list(&cal.extra_workdays))
        .bind(at)
        .execute(&mut *tx.tx)
        .await?;
    tx.record(actor, Some(community.id), "needs.calendar.set", &format!("community:{}", community.code), &flags)
        .await?;
    tx.commit().await?;
    db.caches.calendars.forget(&community.id);
    Ok(cal)
}
