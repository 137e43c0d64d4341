//! Reading needs: the staff ledger with its filters, my needs and tasks, loads and counts.

use super::access::{actor_person, own_households};
use super::model::{COLS, Need, from_row};
use crate::areas::{self, Area};
use crate::db::upper;
use crate::{Actor, AppError, Db};
use sqlx::Any;
use wushe_domain::access::Action;
use wushe_domain::ids::NeedId;
use wushe_domain::needs::{Channel, NeedStatus};

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
    /// Words found anywhere in the title or description, or a need's number (`123`, `#123`).
    pub text: Option<String>,
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
    if let Some(q) = f.text.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        match q.trim_start_matches('#').parse::<i64>() {
            Ok(id) => {
                binds.push(Bind::Int(id));
                rest.push_str(&format!(" AND id = ${}", binds.len()));
            }
            Err(_) => {
                binds.push(Bind::Text(crate::db::contains_pattern(q)));
                let n = binds.len();
                rest.push_str(&format!(" AND (title LIKE ${n} ESCAPE '\\' OR description LIKE ${n} ESCAPE '\\')"));
            }
        }
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

/// A need by id without access checks, for modules that have checked their own (claims).
pub(crate) async fn by_id(db: &Db, id: NeedId) -> Result<Need, AppError> {
    let r = sqlx::query(crate::sql!("SELECT {COLS} FROM needs WHERE id = $1"))
        .bind(id.get())
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
            found.insert(n.id.get(), n);
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

/// Open urgent needs recorded in `path`'s subtree since `since` (an incident's declaration),
/// newest first: (id, title, status code, created). The situation board's "open emergency needs".
pub async fn urgent_open_since(
    db: &Db,
    path: &str,
    since: i64,
    limit: i64,
) -> Result<Vec<(i64, String, String, i64)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, title, status, created_at FROM needs WHERE area_path >= $1 AND area_path < $2 AND urgency = 'urgent' \
         AND created_at >= $3 AND status IN ('submitted', 'accepted', 'assigned', 'in_progress', 'reopened') ORDER BY id DESC LIMIT $4",
    )
    .bind(path)
    .bind(upper(path))
    .bind(since)
    .bind(limit.clamp(1, 500))
    .fetch_all(&db.pool)
    .await?)
}
