//! N1 intake: parsing a submission from any channel and writing it, alone or in group commits.

use super::access::own_households;
use super::calendar::calendar_cached;
use super::categories::{Category, categories_cached};
use super::metrics::Deltas;
use super::model::{COLS, Need, from_row};
use crate::areas::{self, Area};
use crate::audit::AuditedTx;
use crate::{Actor, AppError, Db, notifications};
use sqlx::{Any, Transaction};
use wushe_domain::access::{Action, Decision};
use wushe_domain::areas::AreaKind;
use wushe_domain::needs::{
    Channel, EventKind, NeedStatus, Scope, Urgency, WorkCalendar, parse_description, parse_title,
};
use wushe_domain::{FieldError, FieldErrors};

/// Raw intake fields from any channel.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
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
    /// Set by the API's body only; a page form never carries it.
    #[serde(skip)]
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
    /// Where a request from an outside client (Open311) says it is, stored with the need.
    pub location: Option<Location>,
}

/// A place as an outside client reports it: coordinates, an address, a link to a photo.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Location {
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub address: Option<String>,
    pub media_url: Option<String>,
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
        // Staff name the household; a resident's need comes from their own household, also
        // when it is about a place elsewhere in the community.
        None if !f.area_code.trim().is_empty() && !matches!(channel, Some(Channel::Online | Channel::Suggestion)) => {
            None
        }
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
    // A resident names a public place (a building, a grid, the community) or their own home,
    // never another household.
    let by_resident = matches!(channel, Some(Channel::Online | Channel::Suggestion));
    let area = area.filter(|a| {
        !by_resident
            || a.kind != AreaKind::Household
            || resident_homes.iter().any(|h| a.path.starts_with(h.as_str()))
            || actor.grants.decide(Action::NeedRecord, Some(&a.path)) == Decision::Allow
    });
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
        location: None,
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
pub(crate) async fn write_submission(
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
    // Locations come only with Open311 requests, so the common path binds none of them.
    for (n, (_, _, new)) in needs.iter().zip(items) {
        if let Some(l) = &new.location {
            sqlx::query("UPDATE needs SET lat = $1, lon = $2, address_text = $3, media_url = $4 WHERE id = $5")
                .bind(l.lat)
                .bind(l.lon)
                .bind(l.address.as_deref())
                .bind(l.media_url.as_deref())
                .bind(n.id.get())
                .execute(&mut *tx.tx)
                .await?;
        }
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
pub(crate) type EventRow<'a> = (&'a Need, i64, Option<i64>, EventKind, Option<&'a str>, String);

pub(crate) async fn insert_events(tx: &mut Transaction<'_, Any>, events: &[EventRow<'_>]) -> Result<(), AppError> {
    const PARAMS: usize = 7;
    for chunk in crate::db::statement_chunks(events, PARAMS) {
        let mut q = sqlx::query(crate::sql!(
            "INSERT INTO need_events (community_id, need_id, at, actor_user_id, kind, note, data) VALUES {}",
            crate::db::Backend::of(tx).values_list(chunk.len(), PARAMS)
        ));
        for (n, at, actor, kind, note, data) in chunk {
            q = q
                .bind(n.community_id)
                .bind(n.id.get())
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
            need_id: Some(n.id.get()),
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

pub(crate) async fn insert_event(
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
        .bind(need.id.get())
        .bind(at)
        .bind(actor)
        .bind(kind.code())
        .bind(note)
        .bind(data)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// An emergency need found on a check-in (E3), recorded inside the caller's transaction: urgent,
/// in the emergency category, for the resident's household, as a visit by whoever went.
/// Staff and volunteers on duty record it alike; the check-in's own policy let them in.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record_found(
    db: &Db,
    tx: &mut AuditedTx<'_>,
    by: Option<i64>,
    at: i64,
    community: &Area,
    household: &Area,
    person_id: i64,
    title: &str,
    description: &str,
) -> Result<Need, AppError> {
    let cats = categories_cached(db, community.id).await?;
    let category = cats
        .iter()
        .find(|c| c.code == "emergency")
        .or_else(|| cats.iter().find(|c| c.active))
        .cloned()
        .ok_or_else(|| AppError::Internal("the community has no need categories".into()))?;
    let new = NewNeed {
        calendar: calendar_cached(db, community.id).await?,
        area: household.clone(),
        household: Some(household.clone()),
        category,
        title: parse_title(title)?,
        description: parse_description(description)?,
        urgency: Urgency::Urgent,
        scope: Scope::Individual,
        channel: Channel::Visit,
        contact_phone: None,
        requester_person_id: Some(person_id),
        location: None,
    };
    let actor = Actor { user_id: by, ..Actor::intake_client(&community.path) };
    let mut rollups = Deltas::default();
    let need = write_submission(tx, &actor, at, &new, &mut rollups).await?;
    rollups.write(&mut tx.tx).await?;
    Ok(need)
}
