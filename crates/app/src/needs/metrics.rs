//! N5 — metrics of the needs ledger. Owns tables `need_rollups` and `need_rollup_times`.
//!
//! Every write to `needs` passes the row before and after to [`Deltas`], which takes the old
//! row's contribution away and adds the new one's inside the same transaction, so the roll-ups
//! are exactly as durable and as current as the ledger. Metrics of a community or a street
//! for a month then read a few thousand roll-up rows instead of a month of needs. Areas below
//! a community (a grid's own page) and readers who see only part of the area are answered
//! from the ledger's rows, which are few at that scale.

use super::model::Need;
use crate::areas::Area;
use crate::db::upper;
use crate::{Actor, AppError, Db};
use sqlx::{Any, Row, Transaction};
use std::collections::BTreeMap;
use wushe_domain::access::Action;
use wushe_domain::areas::AreaKind;
use wushe_domain::metrics::{Contribution, Counts, Facts, Histogram, community_path, division_path, duration_bucket};

pub use wushe_domain::metrics::{Figures, Month};

/// The assignee key metrics group by: `org:ID`, `user:ID` or empty.
fn assignee_key(n: &Need) -> String {
    match (n.assignee_org_id, n.assignee_user_id) {
        (Some(o), _) => format!("org:{o}"),
        (None, Some(u)) => format!("user:{u}"),
        _ => String::new(),
    }
}

fn facts(n: &Need) -> Facts {
    Facts {
        created_at: n.created_at,
        responded_at: n.responded_at,
        respond_due: n.respond_due,
        resolved_at: n.resolved_at,
        rating: n.rating,
        reopened: n.reopened,
        merged: n.status == wushe_domain::needs::NeedStatus::Merged,
    }
}

type CountKey = (i64, String, i64, String);
type TimeKey = (i64, &'static str, String, String, &'static str, i64);

/// Changes to the roll-ups that one transaction makes, summed per row and written in key
/// order (so concurrent writers lock roll-up rows in the same order).
#[derive(Default)]
pub struct Deltas {
    counts: BTreeMap<CountKey, (i64, Counts)>,
    times: BTreeMap<TimeKey, (i64, i64, i64)>,
}

impl Deltas {
    /// Replaces `before`'s contribution with `after`'s.
    pub fn change(&mut self, before: Option<&Need>, after: Option<&Need>) {
        if let Some(b) = before {
            self.add(b, -1);
        }
        if let Some(a) = after {
            self.add(a, 1);
        }
    }

    fn add(&mut self, n: &Need, sign: i64) {
        let Some(Contribution { counts, respond_ms, resolve_ms }) = facts(n).contribution() else { return };
        let month = Month::of(n.created_at).key();
        let division = division_path(&n.area_path).to_string();
        let community = community_path(&n.area_path).to_string();
        let assignee = assignee_key(n);
        let e = self
            .counts
            .entry((month, division.clone(), n.category_id, assignee.clone()))
            .or_insert((n.community_id, Counts::default()));
        e.1.add(&if sign < 0 { counts.negated() } else { counts });
        for (kind, ms) in [("respond", respond_ms), ("resolve", resolve_ms)] {
            let Some(ms) = ms else { continue };
            let b = duration_bucket(ms);
            for (dim, scope, value) in [
                ("division", division.clone(), String::new()),
                ("category", community.clone(), n.category_id.to_string()),
                ("assignee", community.clone(), assignee.clone()),
            ] {
                let e = self.times.entry((month, dim, scope, value, kind, b)).or_insert((n.community_id, 0, 0));
                e.1 += sign;
                e.2 += sign * ms;
            }
        }
    }

    pub async fn write(self, tx: &mut Transaction<'_, Any>) -> Result<(), AppError> {
        for ((month, division, category, assignee), (community, c)) in self.counts {
            if c.is_zero() {
                continue;
            }
            sqlx::query(
                "INSERT INTO need_rollups (month, division_path, category_id, assignee, community_id, needs, responded, responded_on_time, resolved, reopened, rated, rating_sum) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                 ON CONFLICT (month, division_path, category_id, assignee) DO UPDATE SET needs = need_rollups.needs + excluded.needs, \
                 responded = need_rollups.responded + excluded.responded, responded_on_time = need_rollups.responded_on_time + excluded.responded_on_time, \
                 resolved = need_rollups.resolved + excluded.resolved, reopened = need_rollups.reopened + excluded.reopened, \
                 rated = need_rollups.rated + excluded.rated, rating_sum = need_rollups.rating_sum + excluded.rating_sum",
            )
            .bind(month)
            .bind(division)
            .bind(category)
            .bind(assignee)
            .bind(community)
            .bind(c.needs)
            .bind(c.responded)
            .bind(c.responded_on_time)
            .bind(c.resolved)
            .bind(c.reopened)
            .bind(c.rated)
            .bind(c.rating_sum)
            .execute(&mut **tx)
            .await?;
        }
        for ((month, dim, scope, value, kind, bucket), (community, n, total)) in self.times {
            if n == 0 && total == 0 {
                continue;
            }
            sqlx::query(
                "INSERT INTO need_rollup_times (month, scope_path, dim, dim_value, kind, bucket, community_id, n, total_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (dim, month, scope_path, dim_value, kind, bucket) DO UPDATE SET n = need_rollup_times.n + excluded.n, \
                 total_ms = need_rollup_times.total_ms + excluded.total_ms",
            )
            .bind(month)
            .bind(scope)
            .bind(dim)
            .bind(value)
            .bind(kind)
            .bind(bucket)
            .bind(community)
            .bind(n)
            .bind(total)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }
}

/// Recomputes every roll-up from the ledger (after the migration that introduced them, or
/// to repair). Runs in one transaction: readers see the old figures until it commits.
pub async fn rebuild(db: &Db) -> Result<(), AppError> {
    let mut tx = db.pool.begin().await?;
    sqlx::query("DELETE FROM need_rollups").execute(&mut *tx).await?;
    sqlx::query("DELETE FROM need_rollup_times").execute(&mut *tx).await?;
    let mut after = 0i64;
    loop {
        let rows =
            sqlx::query(crate::sql!("SELECT {} FROM needs WHERE id > $1 ORDER BY id LIMIT 20000", super::model::COLS))
                .bind(after)
                .fetch_all(&mut *tx)
                .await?;
        if rows.is_empty() {
            break;
        }
        let mut d = Deltas::default();
        for r in &rows {
            let n = super::model::from_row(r)?;
            after = n.id.get();
            d.change(None, Some(&n));
        }
        d.write(&mut tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Metrics of one area's subtree for needs filed in `month`: overall and by category, by
/// first-level division (a street's communities, a community's grids) and by assignee.
pub struct Metrics {
    pub overall: Figures,
    pub by_category: Vec<(i64, Figures)>,
    pub by_division: Vec<(String, Figures)>,
    pub by_assignee: Vec<(String, Figures)>,
}

fn authorize(actor: &Actor, area: &Area) -> Result<(), AppError> {
    if !(actor.operator || actor.grants.reaches(Action::NeedMetricsRead, &area.path)) {
        actor.require(Action::NeedMetricsRead, Some(&area.path))?;
    }
    Ok(())
}

/// Whether the roll-ups can answer: a community or larger area the reader sees whole.
fn rolled_up(actor: &Actor, area: &Area) -> bool {
    area.kind <= AreaKind::Community
        && actor.subtrees(Action::NeedMetricsRead).iter().any(|v| area.path.starts_with(v.as_str()))
}

pub async fn metrics(db: &Db, actor: &Actor, area: &Area, month: Month) -> Result<Metrics, AppError> {
    authorize(actor, area)?;
    if rolled_up(actor, area) { from_rollups(db, area, month).await } else { from_ledger(db, actor, area, month).await }
}

/// Ratings each assignee (`org:ID`, `user:ID`) has received over all months in a community:
/// (sum of ratings, number rated), for matching (R2).
pub async fn ratings_by_assignee(
    db: &Db,
    community_id: i64,
) -> Result<std::collections::HashMap<String, (i64, i64)>, AppError> {
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT assignee, CAST(SUM(rating_sum) AS BIGINT), CAST(SUM(rated) AS BIGINT) FROM need_rollups WHERE community_id = $1 AND assignee <> '' \
         GROUP BY assignee",
    )
    .bind(community_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(|(a, s, n)| (a, (s, n))).collect())
}

/// The segment of `path` right below `area_path` (a division's code; empty for the area itself).
fn child_code<'a>(path: &'a str, area_path: &str) -> &'a str {
    path.get(area_path.len()..).and_then(|r| r.split('/').next()).unwrap_or("")
}

async fn from_rollups(db: &Db, area: &Area, month: Month) -> Result<Metrics, AppError> {
    let rows = sqlx::query(
        "SELECT division_path, category_id, assignee, needs, responded, responded_on_time, resolved, reopened, rated, rating_sum \
         FROM need_rollups WHERE month = $1 AND division_path >= $2 AND division_path < $3",
    )
    .bind(month.key())
    .bind(&area.path)
    .bind(upper(&area.path))
    .fetch_all(&db.pool)
    .await?;
    let mut overall = Counts::default();
    let mut by_cat: BTreeMap<i64, (Counts, Histogram, Histogram)> = BTreeMap::new();
    let mut by_div: BTreeMap<String, (Counts, Histogram, Histogram)> = BTreeMap::new();
    let mut by_who: BTreeMap<String, (Counts, Histogram, Histogram)> = BTreeMap::new();
    for r in &rows {
        let division: String = r.try_get(0)?;
        let c = Counts {
            needs: r.try_get(3)?,
            responded: r.try_get(4)?,
            responded_on_time: r.try_get(5)?,
            resolved: r.try_get(6)?,
            reopened: r.try_get(7)?,
            rated: r.try_get(8)?,
            rating_sum: r.try_get(9)?,
        };
        overall.add(&c);
        by_cat.entry(r.try_get(1)?).or_default().0.add(&c);
        by_div.entry(child_code(&division, &area.path).to_string()).or_default().0.add(&c);
        by_who.entry(r.try_get(2)?).or_default().0.add(&c);
    }
    // Histograms summed per dimension value in SQL: one row per value, kind and bucket.
    let times = sqlx::query(
        "SELECT dim, scope_path, dim_value, kind, bucket, n, total_ms FROM need_rollup_times \
         WHERE month = $1 AND dim IN ('division', 'category', 'assignee') AND scope_path >= $2 AND scope_path < $3 AND n <> 0",
    )
    .bind(month.key())
    .bind(&area.path)
    .bind(upper(&area.path))
    .fetch_all(&db.pool)
    .await?;
    let (mut respond, mut resolve) = (Histogram::default(), Histogram::default());
    for r in &times {
        let dim: String = r.try_get(0)?;
        let scope: String = r.try_get(1)?;
        let value: String = r.try_get(2)?;
        let kind: String = r.try_get(3)?;
        let (bucket, n, total): (i64, i64, i64) = (r.try_get(4)?, r.try_get(5)?, r.try_get(6)?);
        let slot = match dim.as_str() {
            "division" => {
                let h = if kind == "respond" { &mut respond } else { &mut resolve };
                h.add(bucket, n, total);
                by_div.entry(child_code(&scope, &area.path).to_string()).or_default()
            }
            "category" => by_cat.entry(value.parse().unwrap_or(0)).or_default(),
            _ => by_who.entry(value).or_default(),
        };
        let h = if kind == "respond" { &mut slot.1 } else { &mut slot.2 };
        h.add(bucket, n, total);
    }
    Ok(Metrics {
        overall: Figures::from_parts(overall, &respond, &resolve),
        by_category: finish(by_cat),
        by_division: finish(by_div),
        by_assignee: finish(by_who),
    })
}

fn finish<K>(m: BTreeMap<K, (Counts, Histogram, Histogram)>) -> Vec<(K, Figures)> {
    m.into_iter()
        .filter(|(_, (c, _, _))| c.needs > 0)
        .map(|(k, (c, a, b))| (k, Figures::from_parts(c, &a, &b)))
        .collect()
}

/// The same figures computed from the ledger's rows, for small areas and partial readers,
/// and to check the roll-ups against. Percentiles here are exact. The caller authorizes.
pub async fn from_ledger(db: &Db, actor: &Actor, area: &Area, month: Month) -> Result<Metrics, AppError> {
    let rows = sqlx::query(crate::sql!(
        "SELECT {} FROM needs WHERE status IN ({}) AND area_path >= $1 AND area_path < $2 AND created_at >= $3 AND created_at < $4",
        super::model::COLS,
        super::queries::status_list(|s| s != wushe_domain::needs::NeedStatus::Merged)
    ))
    .bind(&area.path)
    .bind(upper(&area.path))
    .bind(month.start())
    .bind(month.next().start())
    .fetch_all(&db.pool)
    .await?;
    let visible = actor.subtrees(Action::NeedMetricsRead);
    let mut all = Vec::with_capacity(rows.len());
    for r in &rows {
        let n = super::model::from_row(r)?;
        if visible.iter().any(|v| n.area_path.starts_with(v.as_str())) {
            all.push(n);
        }
    }
    let group = |key: &dyn Fn(&Need) -> String| {
        let mut map: BTreeMap<String, Vec<&Need>> = BTreeMap::new();
        for n in &all {
            map.entry(key(n)).or_default().push(n);
        }
        map.into_iter().map(|(k, v)| (k, exact(&v))).collect::<Vec<_>>()
    };
    let mut by_category: Vec<(i64, Figures)> =
        group(&|n| n.category_id.to_string()).into_iter().map(|(k, f)| (k.parse().unwrap_or(0), f)).collect();
    by_category.sort_by_key(|c| c.0);
    let by_division = group(&|n| child_code(&n.area_path, &area.path).to_string());
    let by_assignee = group(&assignee_key);
    Ok(Metrics { overall: exact(&all.iter().collect::<Vec<_>>()), by_category, by_division, by_assignee })
}

fn exact(needs: &[&Need]) -> Figures {
    let mut counts = Counts::default();
    let (mut respond, mut resolve) = (Vec::new(), Vec::new());
    for n in needs {
        if let Some(c) = facts(n).contribution() {
            counts.add(&c.counts);
            respond.extend(c.respond_ms);
            resolve.extend(c.resolve_ms);
        }
    }
    let pct = |v: &mut Vec<i64>, p: f64| {
        v.sort_unstable();
        (!v.is_empty()).then(|| v[((v.len() - 1) as f64 * p).round() as usize] as f64 / 3_600_000.0)
    };
    Figures {
        counts,
        respond_median_h: pct(&mut respond, 0.5),
        respond_p90_h: pct(&mut respond, 0.9),
        resolve_median_h: pct(&mut resolve, 0.5),
        resolve_p90_h: pct(&mut resolve, 0.9),
    }
}

/// Overall figures month by month over `[first, last]`, oldest first; months without needs
/// are included with zero counts so a chart's axis stays even.
pub async fn trend(
    db: &Db,
    actor: &Actor,
    area: &Area,
    first: Month,
    last: Month,
) -> Result<Vec<(Month, Figures)>, AppError> {
    authorize(actor, area)?;
    let mut months = vec![];
    let mut m = first;
    while m <= last && months.len() < 120 {
        months.push(m);
        m = m.next();
    }
    if months.is_empty() {
        return Ok(vec![]);
    }
    if !rolled_up(actor, area) {
        let mut out = Vec::with_capacity(months.len());
        for m in months {
            out.push((m, from_ledger(db, actor, area, m).await?.overall));
        }
        return Ok(out);
    }
    // Month keys are integers made here, so they are written into the statement: an IN list
    // lets both engines seek each month in the primary keys.
    let in_list = months.iter().map(|m| m.key().to_string()).collect::<Vec<_>>().join(", ");
    let mut acc: BTreeMap<i64, (Counts, Histogram, Histogram)> =
        months.iter().map(|m| (m.key(), Default::default())).collect();
    let rows = sqlx::query(
        crate::sql!("SELECT month, CAST(SUM(needs) AS BIGINT), CAST(SUM(responded) AS BIGINT), CAST(SUM(responded_on_time) AS BIGINT), \
         CAST(SUM(resolved) AS BIGINT), CAST(SUM(reopened) AS BIGINT), CAST(SUM(rated) AS BIGINT), CAST(SUM(rating_sum) AS BIGINT) \
         FROM need_rollups WHERE month IN ({in_list}) AND division_path >= $1 AND division_path < $2 GROUP BY month"
    ))
    .bind(&area.path)
    .bind(upper(&area.path))
    .fetch_all(&db.pool)
    .await?;
    for r in &rows {
        let key: i64 = r.try_get(0)?;
        if let Some(e) = acc.get_mut(&key) {
            e.0.add(&Counts {
                needs: r.try_get(1)?,
                responded: r.try_get(2)?,
                responded_on_time: r.try_get(3)?,
                resolved: r.try_get(4)?,
                reopened: r.try_get(5)?,
                rated: r.try_get(6)?,
                rating_sum: r.try_get(7)?,
            });
        }
    }
    let times = sqlx::query(crate::sql!(
        "SELECT month, kind, bucket, CAST(SUM(n) AS BIGINT), CAST(SUM(total_ms) AS BIGINT) FROM need_rollup_times \
         WHERE dim = 'division' AND month IN ({in_list}) AND scope_path >= $1 AND scope_path < $2 GROUP BY month, kind, bucket"
    ))
    .bind(&area.path)
    .bind(upper(&area.path))
    .fetch_all(&db.pool)
    .await?;
    for r in &times {
        let key: i64 = r.try_get(0)?;
        let kind: String = r.try_get(1)?;
        if let Some(e) = acc.get_mut(&key) {
            let h = if kind == "respond" { &mut e.1 } else { &mut e.2 };
            h.add(r.try_get(2)?, r.try_get(3)?, r.try_get(4)?);
        }
    }
    Ok(acc
        .into_iter()
        .filter_map(|(k, (c, a, b))| Some((Month::from_key(k)?, Figures::from_parts(c, &a, &b))))
        .collect())
}
