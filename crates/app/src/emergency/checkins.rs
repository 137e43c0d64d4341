//! E3 — checking on every vulnerable resident: one task each when an incident is declared,
//! dispatched by `wushe_domain::dispatch::plan` to volunteers and grid workers (skills,
//! capacity, availability, 800 m on foot), results in two taps, declined and overdue visits
//! dispatched again, unreached residents tried again, needs found entering the ledger as urgent.

use super::access::checkin_record;
use super::model::{CHECKIN_COLS, Checkin, Incident, Plan};
use super::places::Map;
use crate::audit::AuditedTx;
use crate::{Actor, AppError, Db, accounts, areas, notifications, people, volunteers};
use std::collections::HashMap;
use wushe_domain::access::Role;
use wushe_domain::dispatch::{self, Helper, Priority, Skill, Skills, Task};
use wushe_domain::emergency::{CheckinEvent, CheckinResult, CheckinRules, CheckinStatus};
use wushe_domain::ids::{CheckinId, IncidentId};
use wushe_domain::people::Vulnerabilities;
use wushe_domain::policy::Ask;
use wushe_domain::resources::{Availability, WeeklySchedule};

/// A helper who declined or let a visit go overdue gets no new ones for this long.
pub const RESTING_MS: i64 = 60 * 60 * 1000;
/// An unreached resident is tried again after this long.
pub const RETRY_AFTER_MS: i64 = 30 * 60 * 1000;

/// What one round of dispatch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dispatched {
    pub assigned: usize,
    pub unassigned: usize,
}

/// Where helpers are sought: a community (or its incident, once there is one).
pub(crate) struct Place<'a> {
    pub community_id: i64,
    pub path: &'a str,
    pub drill: bool,
    pub incident: Option<IncidentId>,
}

impl<'a> Place<'a> {
    pub(crate) fn of(i: &'a Incident) -> Place<'a> {
        Place { community_id: i.community_id, path: &i.area_path, drill: i.is_drill(), incident: Some(i.id) }
    }
}

/// A declaration's check-ins worked out before anything is written: who is checked on, where
/// they live, and who goes (`None`: nobody can).
pub(crate) struct Prepared {
    rows: Vec<(i64, String, String, i32, i32, Skill, Priority)>,
    assignee: Vec<Option<i64>>,
    within_minutes: i64,
}

/// Reads the residents the plan picks in `paths` and the helpers, and runs the optimiser:
/// outside the declaration's write transaction (a read of its own), so several communities
/// are prepared at once and the writes that follow hold the database briefly.
pub(crate) async fn prepare(
    db: &Db,
    place: &Place<'_>,
    plan: Option<&Plan>,
    paths: &[String],
    map: &Map,
    at: i64,
) -> Result<Prepared, AppError> {
    let rules = plan.map(Plan::rules).unwrap_or_default();
    let mut tx = db.pool.begin().await?;
    let mut rows: Vec<(i64, String, String, i32, i32, Skill, Priority)> = Vec::new();
    for path in paths {
        for (person, home, flags) in people::vulnerable_in(&mut tx, place.community_id, path).await? {
            let flags = Vulnerabilities::parse_list(&flags).unwrap_or_default();
            let Some((skill, priority)) = rules.task_for(&flags) else { continue };
            let grid = map.grid_of(&home).unwrap_or(place.path).to_string();
            let (x, y) = map.position(&home);
            rows.push((person, home, grid, x, y, skill, priority));
        }
    }
    let (list, users) = helpers(&mut tx, place, plan, &rules, map, at).await?;
    tx.commit().await?;
    let tasks: Vec<Task> = rows.iter().map(|r| Task { x: r.3, y: r.4, skill: r.5, priority: r.6 }).collect();
    let solution = tokio::task::spawn_blocking(move || dispatch::plan(&tasks, &list))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let assignee = solution.assignment.helper_of.iter().map(|h| h.map(|h| users[h as usize])).collect();
    Ok(Prepared { rows, assignee, within_minutes: rules.within_minutes })
}

/// Writes the prepared check-ins of a new incident inside its declaration's transaction, each
/// once, already with its assignee (or open), their dispatch events, and the helpers' messages.
pub(crate) async fn open_for(
    tx: &mut AuditedTx<'_>,
    incident: &Incident,
    prepared: &Prepared,
    at: i64,
) -> Result<(usize, Dispatched), AppError> {
    let (rows, assignee) = (&prepared.rows, &prepared.assignee);
    let due = at + prepared.within_minutes * 60_000;
    let (cid, iid) = (incident.community_id, incident.id.get());
    let backend = crate::db::Backend::of(&tx.tx);
    // Constants are written into the statement (whole numbers and codes only); the rest bound.
    const PARAMS: usize = 8;
    let mut ids: std::collections::HashMap<i64, i64> = std::collections::HashMap::with_capacity(rows.len());
    let numbered: Vec<usize> = (0..rows.len()).collect();
    for chunk in crate::db::statement_chunks_of(&numbered, PARAMS, crate::db::BULK_PARAMS_PER_STATEMENT) {
        let sql = crate::sql!(
            "INSERT INTO checkins (community_id, incident_id, created_at, person_id, area_path, grid_path, x, y, skill, priority, \
             assignee_user_id, status, dispatched_at, due_at) SELECT {cid}, {iid}, {at}, v.*, \
             CASE WHEN v.{a} IS NULL THEN 'open' ELSE 'dispatched' END, CASE WHEN v.{a} IS NULL THEN NULL ELSE {at} END, \
             CASE WHEN v.{a} IS NULL THEN NULL ELSE {due} END FROM (VALUES {}) AS v RETURNING id, person_id",
            backend.values_list(chunk.len(), PARAMS),
            a = "column8"
        );
        let mut q = sqlx::query_as::<_, (i64, i64)>(sql);
        for k in chunk {
            let (person, home, grid, x, y, skill, priority) = &rows[*k];
            q = q
                .bind(*person)
                .bind(home.as_str())
                .bind(grid.as_str())
                .bind(i64::from(*x))
                .bind(i64::from(*y))
                .bind(skill.code())
                .bind(priority.get())
                .bind(assignee[*k]);
        }
        ids.extend(q.fetch_all(&mut *tx.tx).await?.into_iter().map(|(id, person)| (person, id)));
    }
    let mut given: HashMap<i64, usize> = HashMap::new();
    let mut events: Vec<(i64, i64)> = Vec::new();
    for (k, a) in assignee.iter().enumerate() {
        if let (Some(u), Some(id)) = (a, ids.get(&rows[k].0)) {
            *given.entry(*u).or_default() += 1;
            events.push((*id, *u));
        }
    }
    write_events(tx, incident, &events, "dispatched", None, None, at).await?;
    tell_helpers(tx, incident, &given, at).await?;
    Ok((rows.len(), Dispatched { assigned: events.len(), unassigned: rows.len() - events.len() }))
}

/// Tells each helper how many homes they have just been given.
async fn tell_helpers(
    tx: &mut AuditedTx<'_>,
    incident: &Incident,
    given: &HashMap<i64, usize>,
    at: i64,
) -> Result<(), AppError> {
    let mut helpers: Vec<i64> = given.keys().copied().collect();
    helpers.sort_unstable();
    let batch: Vec<(Vec<i64>, notifications::Message)> = helpers
        .iter()
        .map(|u| {
            let msg = notifications::Message {
                community_id: Some(incident.community_id),
                kind: "checkin",
                need_id: None,
                title: incident.title.clone(),
                body: given[u].to_string(),
            };
            (vec![*u], msg)
        })
        .collect();
    notifications::queue_many(&mut tx.tx, at, &batch).await
}

/// The helpers who can go now, with their user ids: the plan's volunteers (all active ones
/// when it names no group) who are available, and the grid workers of the community, each
/// with what they can still take.
async fn helpers(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    place: &Place<'_>,
    plan: Option<&Plan>,
    rules: &CheckinRules,
    map: &Map,
    at: i64,
) -> Result<(Vec<Helper>, Vec<i64>), AppError> {
    let groups = plan.map(Plan::groups).unwrap_or_default();
    let mut by_user: HashMap<i64, Helper> = HashMap::new();
    let inside = |p: &Option<String>| p.clone().filter(|h| h.starts_with(place.path));
    for v in volunteers::on_call(tx, place.community_id, &groups).await? {
        if !v.availability.trim().is_empty()
            && let Ok(weekly) = WeeklySchedule::parse(&v.availability)
            && !(Availability { weekly, exceptions: vec![] }).available_at(at)
        {
            continue;
        }
        let (x, y) = map.position(&inside(&v.household_path).unwrap_or(v.area_path));
        let skills = Skills::from_words(v.skills.split_whitespace());
        by_user.insert(v.user_id, Helper { x, y, capacity: rules.per_volunteer, skills });
    }
    // A drill calls out only its drill group.
    if !place.drill || groups.is_empty() {
        for (user, grant_path, home) in accounts::holders_in(tx, Role::GridWorker, place.path).await? {
            let (x, y) = map.position(&inside(&home).unwrap_or(grant_path));
            let h = by_user.entry(user).or_insert(Helper { x, y, capacity: 0, skills: Skills::of(&[Skill::General]) });
            h.capacity = h.capacity.max(rules.per_grid_worker);
        }
    }
    // A new incident holds nothing yet; a running one, what was dispatched and who rests.
    let Some(incident) = place.incident else {
        let mut users: Vec<i64> = by_user.keys().copied().filter(|u| by_user[u].capacity > 0).collect();
        users.sort_unstable();
        let list = users.iter().map(|u| by_user[u]).collect();
        return Ok((list, users));
    };
    let load: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT assignee_user_id, COUNT(*) FROM checkins WHERE incident_id = $1 AND status = 'dispatched' GROUP BY assignee_user_id",
    )
    .bind(incident.get())
    .fetch_all(&mut **tx)
    .await?;
    for (user, n) in load {
        if let Some(h) = by_user.get_mut(&user) {
            h.capacity = h.capacity.saturating_sub(n.clamp(0, i64::from(u32::MAX)) as u32);
        }
    }
    let resting: Vec<(i64,)> = sqlx::query_as(
        "SELECT DISTINCT assignee_user_id FROM checkin_events WHERE incident_id = $1 AND kind IN ('declined', 'overdue') \
         AND at > $2 AND assignee_user_id IS NOT NULL",
    )
    .bind(incident.get())
    .bind(at - RESTING_MS)
    .fetch_all(&mut **tx)
    .await?;
    for (user,) in resting {
        by_user.remove(&user);
    }
    let mut users: Vec<i64> = by_user.keys().copied().filter(|u| by_user[u].capacity > 0).collect();
    users.sort_unstable();
    let list = users.iter().map(|u| by_user[u]).collect();
    Ok((list, users))
}

/// Dispatches every open check-in of the incident it can, inside the caller's transaction,
/// and tells each helper how many homes they have been given.
pub(crate) async fn dispatch_open(
    tx: &mut AuditedTx<'_>,
    incident: &Incident,
    plan: Option<&Plan>,
    map: &Map,
    at: i64,
) -> Result<Dispatched, AppError> {
    let rules = plan.map(Plan::rules).unwrap_or_default();
    let open: Vec<(i64, i64, i64, String, i64)> = sqlx::query_as(
        "SELECT id, x, y, skill, priority FROM checkins WHERE incident_id = $1 AND status = 'open' ORDER BY id",
    )
    .bind(incident.id.get())
    .fetch_all(&mut *tx.tx)
    .await?;
    if open.is_empty() {
        return Ok(Dispatched::default());
    }
    let tasks: Vec<Task> = open
        .iter()
        .map(|(_, x, y, skill, p)| Task {
            x: *x as i32,
            y: *y as i32,
            skill: Skill::parse(skill).unwrap_or(Skill::General),
            priority: Priority::new(*p).unwrap_or(Priority::LOW),
        })
        .collect();
    let place = Place::of(incident);
    let (list, users) = helpers(&mut tx.tx, &place, plan, &rules, map, at).await?;
    let solution = dispatch::plan(&tasks, &list);
    let mut given: HashMap<i64, Vec<i64>> = HashMap::new();
    for (k, h) in solution.assignment.helper_of.iter().enumerate() {
        if let Some(h) = h {
            given.entry(users[*h as usize]).or_default().push(open[k].0);
        }
    }
    let due = at + rules.within_minutes * 60_000;
    let backend = crate::db::Backend::of(&tx.tx);
    let mut events: Vec<(i64, i64)> = Vec::new();
    let mut helpers_told: Vec<i64> = given.keys().copied().collect();
    helpers_told.sort_unstable();
    for user in &helpers_told {
        let ids = &given[user];
        for chunk in crate::db::statement_chunks(ids, 1) {
            let sql = crate::sql!(
                "UPDATE checkins SET status = 'dispatched', assignee_user_id = {}, dispatched_at = {}, due_at = {}, \
                 version = version + 1 WHERE status = 'open' AND id IN ({})",
                *user,
                at,
                due,
                backend.in_list(chunk.len())
            );
            let mut q = sqlx::query(sql);
            for id in chunk {
                q = q.bind(*id);
            }
            q.execute(&mut *tx.tx).await?;
        }
        events.extend(ids.iter().map(|id| (*id, *user)));
    }
    write_events(tx, incident, &events, "dispatched", None, None, at).await?;
    let counts: HashMap<i64, usize> = given.iter().map(|(u, ids)| (*u, ids.len())).collect();
    tell_helpers(tx, incident, &counts, at).await?;
    let assigned = events.len();
    Ok(Dispatched { assigned, unassigned: open.len() - assigned })
}

/// Appends check-in events: (check-in, assignee) pairs of one kind (an assignee of 0 is none).
/// The constants (ids, the time, the kind and result codes) are written into the statement.
async fn write_events(
    tx: &mut AuditedTx<'_>,
    incident: &Incident,
    rows: &[(i64, i64)],
    kind: &'static str,
    by: Option<i64>,
    result: Option<&'static str>,
    at: i64,
) -> Result<(), AppError> {
    const PARAMS: usize = 2;
    let backend = crate::db::Backend::of(&tx.tx);
    let by = by.map_or("NULL".to_string(), |b| b.to_string());
    let result = result.map_or("NULL".to_string(), |r| format!("'{r}'"));
    let (cid, iid) = (incident.community_id, incident.id.get());
    for chunk in crate::db::statement_chunks_of(rows, PARAMS, crate::db::BULK_PARAMS_PER_STATEMENT) {
        let sql = crate::sql!(
            "INSERT INTO checkin_events (community_id, incident_id, at, kind, user_id, result, checkin_id, assignee_user_id) \
             SELECT {cid}, {iid}, {at}, '{kind}', {by}, {result}, v.column1, NULLIF(v.column2, 0) FROM (VALUES {}) AS v",
            backend.values_list(chunk.len(), PARAMS)
        );
        let mut q = sqlx::query(sql);
        for (checkin, assignee) in chunk {
            q = q.bind(*checkin).bind(*assignee);
        }
        q.execute(&mut *tx.tx).await?;
    }
    Ok(())
}

/// Moves one check-in by the state machine, if it is still at the version read.
async fn step(
    tx: &mut AuditedTx<'_>,
    c: &Checkin,
    to: CheckinStatus,
    assignee: Option<i64>,
    result: Option<(CheckinResult, &str, Option<i64>, Option<i64>)>,
    at: i64,
) -> Result<(), AppError> {
    let (res, note, need, by) = match result {
        Some((r, note, need, by)) => (Some(r.code()), note, need, by),
        None => (None, "", None, None),
    };
    let done = sqlx::query(
        "UPDATE checkins SET status = $1, assignee_user_id = $2, result = COALESCE($3, result), note = CASE WHEN $3 IS NULL THEN note ELSE $4 END, \
         need_id = COALESCE($5, need_id), recorded_by = COALESCE($6, recorded_by), recorded_at = CASE WHEN $3 IS NULL THEN recorded_at ELSE $7 END, \
         version = version + 1 WHERE id = $8 AND version = $9",
    )
    .bind(to.code())
    .bind(assignee)
    .bind(res)
    .bind(note)
    .bind(need)
    .bind(by)
    .bind(at)
    .bind(c.id.get())
    .bind(c.version)
    .execute(&mut *tx.tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::Conflict(wushe_domain::FieldError::new("version", "errors.stale_version")));
    }
    Ok(())
}

async fn load(db: &Db, id: CheckinId) -> Result<Checkin, AppError> {
    sqlx::query_as::<_, Checkin>(crate::sql!("SELECT {CHECKIN_COLS} FROM checkins WHERE id = $1"))
        .bind(id.get())
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)
}

fn refused(r: wushe_domain::emergency::Refused) -> AppError {
    AppError::Conflict(wushe_domain::FieldError::new("status", r.0))
}

/// Records what a check-in found (two taps: the result, and for "needs help" what is
/// needed). Only its assignee or staff of the area, while the incident lasts. A resident who
/// needs help gets an urgent need in the ledger in the same transaction.
pub async fn record(
    db: &Db,
    actor: &Actor,
    at: i64,
    id: CheckinId,
    form: &super::forms::ResultForm,
) -> Result<Checkin, AppError> {
    let (c, incident) = super::access::checkin(db, actor, id).await?;
    if !actor.may(&checkin_record(actor, &c, &incident), Ask::CheckinRecord) {
        return Err(if incident.active() {
            AppError::Forbidden
        } else {
            refused(wushe_domain::emergency::Refused("errors.incident.closed"))
        });
    }
    let (result, note) = form.parse()?;
    let to = c.status.apply(CheckinEvent::Record(result), c.result()).map_err(refused)?;
    let mut tx = AuditedTx::begin(db, at).await?;
    let mut need = None;
    if result == CheckinResult::NeedsHelp {
        let community = areas::by_id(db, c.community_id).await?;
        let household = areas::by_path_in(&mut tx.tx, &c.area_path).await?;
        let title = if note.is_empty() { incident.title.clone() } else { note.chars().take(80).collect() };
        let description = if note.is_empty() { incident.title.clone() } else { note.clone() };
        let n = crate::needs::record_found(
            db,
            &mut tx,
            actor.user_id,
            at,
            &community,
            &household,
            c.person_id,
            &title,
            &description,
        )
        .await?;
        need = Some(n.id.get());
    }
    step(&mut tx, &c, to, c.assignee_user_id, Some((result, &note, need, actor.user_id)), at).await?;
    write_events(
        &mut tx,
        &incident,
        &[(c.id.get(), c.assignee_user_id.unwrap_or(0))],
        "recorded",
        actor.user_id,
        Some(result.code()),
        at,
    )
    .await?;
    tx.record(actor, Some(c.community_id), "emergency.checkin", &format!("checkin:{}", c.id), result.code()).await?;
    tx.commit().await?;
    super::live::touch(db, incident.id);
    load(db, id).await
}

/// The assignee cannot go: the visit goes back and is dispatched to someone else at once.
pub async fn decline(db: &Db, actor: &Actor, at: i64, id: CheckinId) -> Result<Dispatched, AppError> {
    let (c, incident) = super::access::checkin(db, actor, id).await?;
    let mine = actor.user_id.is_some() && c.assignee_user_id == actor.user_id;
    if !mine || !incident.active() {
        return Err(AppError::Forbidden);
    }
    let to = c.status.apply(CheckinEvent::Decline, c.result()).map_err(refused)?;
    let plan = super::plans::of_incident(db, &incident).await?;
    let map = Map::of(db, incident.community_id, &incident.area_path).await?;
    let mut tx = AuditedTx::begin(db, at).await?;
    step(&mut tx, &c, to, None, None, at).await?;
    write_events(
        &mut tx,
        &incident,
        &[(c.id.get(), c.assignee_user_id.unwrap_or(0))],
        "declined",
        actor.user_id,
        None,
        at,
    )
    .await?;
    let d = dispatch_open(&mut tx, &incident, plan.as_ref(), &map, at).await?;
    tx.record(actor, Some(c.community_id), "emergency.decline", &format!("checkin:{}", c.id), "").await?;
    tx.commit().await?;
    super::live::touch(db, incident.id);
    Ok(d)
}

/// Once a minute: visits past their time go back (overdue), residents not reached half an
/// hour ago are tried again, and whatever is open is dispatched, for every active incident.
pub async fn sweep(db: &Db, at: i64) -> Result<usize, AppError> {
    let active: Vec<(i64,)> =
        sqlx::query_as("SELECT id FROM incidents WHERE status = 'active' ORDER BY id").fetch_all(&db.pool).await?;
    let mut moved = 0;
    for (id,) in active {
        let Some(incident) = super::access::by_id(db, IncidentId::from(id)).await? else { continue };
        let overdue: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT id, assignee_user_id FROM checkins WHERE incident_id = $1 AND status = 'dispatched' AND due_at < $2",
        )
        .bind(id)
        .bind(at)
        .fetch_all(&db.pool)
        .await?;
        let retry: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT id, COALESCE(assignee_user_id, 0) FROM checkins WHERE incident_id = $1 AND status = 'done' AND result = 'unreached' AND recorded_at < $2",
        )
        .bind(id)
        .bind(at - RETRY_AFTER_MS)
        .fetch_all(&db.pool)
        .await?;
        let open: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM checkins WHERE incident_id = $1 AND status = 'open'")
            .bind(id)
            .fetch_one(&db.pool)
            .await?;
        if overdue.is_empty() && retry.is_empty() && open.0 == 0 {
            continue;
        }
        let plan = super::plans::of_incident(db, &incident).await?;
        let map = Map::of(db, incident.community_id, &incident.area_path).await?;
        let mut tx = AuditedTx::begin(db, at).await?;
        for (rows, from, kind) in [(&overdue, "dispatched", "overdue"), (&retry, "done", "retried")] {
            let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
            for chunk in crate::db::statement_chunks(&ids, 1) {
                let sql = crate::sql!(
                    "UPDATE checkins SET status = 'open', assignee_user_id = NULL, version = version + 1 WHERE status = '{from}' AND id IN ({})",
                    crate::db::Backend::of(&tx.tx).in_list(chunk.len())
                );
                let mut q = sqlx::query(sql);
                for id in chunk {
                    q = q.bind(*id);
                }
                q.execute(&mut *tx.tx).await?;
            }
            write_events(&mut tx, &incident, rows, kind, None, None, at).await?;
        }
        let d = dispatch_open(&mut tx, &incident, plan.as_ref(), &map, at).await?;
        tx.commit().await?;
        moved += overdue.len() + retry.len() + d.assigned;
        super::live::touch(db, incident.id);
    }
    Ok(moved)
}

/// A check-in as its assignee's list shows it: the resident's name, phone and flags in full
/// (the reader is on duty), and where they live.
#[derive(Debug, Clone)]
pub struct Visit {
    pub checkin: Checkin,
    pub name: String,
    pub phone: Option<String>,
    pub flags: String,
    pub place: String,
    pub incident_title: String,
    pub drill: bool,
}

/// The reader's open visits across the active incidents, nearest-first as dispatched; each
/// look at them is in the audit log, since it shows vulnerable residents' details.
pub async fn mine(db: &Db, actor: &Actor, at: i64) -> Result<Vec<Visit>, AppError> {
    let Some(uid) = actor.user_id else { return Ok(vec![]) };
    let rows = sqlx::query_as::<_, Checkin>(crate::sql!(
        "SELECT {} FROM checkins c WHERE c.assignee_user_id = $1 AND c.status = 'dispatched' \
         AND EXISTS (SELECT 1 FROM incidents i WHERE i.id = c.incident_id AND i.status = 'active') ORDER BY c.priority DESC, c.id",
        CHECKIN_COLS.split(", ").map(|c| format!("c.{c}")).collect::<Vec<_>>().join(", ")
    ))
    .bind(uid)
    .fetch_all(&db.pool)
    .await?;
    visits(db, actor, at, rows).await
}

/// Fills in residents' details and the places' names, and logs the look.
pub(crate) async fn visits(db: &Db, actor: &Actor, at: i64, rows: Vec<Checkin>) -> Result<Vec<Visit>, AppError> {
    if rows.is_empty() {
        return Ok(vec![]);
    }
    let ids: Vec<i64> = rows.iter().map(|c| c.person_id).collect();
    let contacts = people::contacts(db, &ids).await?;
    let mut incidents: HashMap<i64, Incident> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    let mut seen = Vec::new();
    for c in rows {
        if let std::collections::hash_map::Entry::Vacant(v) = incidents.entry(c.incident_id) {
            if let Some(i) = super::access::by_id(db, IncidentId::from(c.incident_id)).await? {
                v.insert(i);
            } else {
                continue;
            }
        }
        let i = &incidents[&c.incident_id];
        if !actor.may(&checkin_record(actor, &c, i), Ask::VulnerableList) {
            continue;
        }
        let (name, phone, flags) = contacts.get(&c.person_id).cloned().unwrap_or_default();
        let place = areas::by_code_cached(db, c.area_path.trim_end_matches('/').rsplit('/').next().unwrap_or(""))
            .await
            .map(|a| a.name)
            .unwrap_or_default();
        seen.push(c.id.get().to_string());
        out.push(Visit { incident_title: i.title.clone(), drill: i.is_drill(), checkin: c, name, phone, flags, place });
    }
    if let Some(first) = out.first() {
        crate::audit::record_alone(
            db,
            at,
            actor,
            Some(first.checkin.community_id),
            "emergency.vulnerable_viewed",
            "checkins",
            &seen.join(" "),
        )
        .await?;
    }
    Ok(out)
}

/// The demo's record of a past incident's results in one transaction: each (check-in, result,
/// when, by whom) as the phone page would have written it, without the per-tap audit entries.
pub(crate) async fn record_results(
    tx: &mut AuditedTx<'_>,
    incident: &Incident,
    results: &[(i64, CheckinResult, i64, Option<i64>)],
) -> Result<(), AppError> {
    for (id, result, at, by) in results {
        sqlx::query(
            "UPDATE checkins SET status = 'done', result = $1, recorded_by = $2, recorded_at = $3, version = version + 1 WHERE id = $4",
        )
        .bind(result.code())
        .bind(*by)
        .bind(*at)
        .bind(*id)
        .execute(&mut *tx.tx)
        .await?;
    }
    const PARAMS: usize = 8;
    let backend = crate::db::Backend::of(&tx.tx);
    for chunk in crate::db::statement_chunks(results, PARAMS) {
        let sql = crate::sql!(
            "INSERT INTO checkin_events (community_id, incident_id, checkin_id, at, kind, user_id, assignee_user_id, result) VALUES {}",
            backend.values_list(chunk.len(), PARAMS)
        );
        let mut q = sqlx::query(sql);
        for (id, result, at, by) in chunk {
            q = q
                .bind(incident.community_id)
                .bind(incident.id.get())
                .bind(*id)
                .bind(*at)
                .bind("recorded")
                .bind(*by)
                .bind(*by)
                .bind(result.code());
        }
        q.execute(&mut *tx.tx).await?;
    }
    Ok(())
}
