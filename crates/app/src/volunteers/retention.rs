//! V5, V6 — retention analytics for any area: a community, a street, a district, a city.
//!
//! Every figure is computed from the volunteers' rows of the area's subtree (their totals are
//! kept with each verification), so the same function serves all four levels of the roll-up.

use super::queries::ranges;
use crate::db::upper;
use crate::{Actor, AppError, Db, areas};
use wushe_domain::access::Action;
use wushe_domain::volunteers::{self as v, Tenure};

/// The retention page's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    /// Volunteers ever registered and approved (active or left).
    pub volunteers: i64,
    pub active: i64,
    pub pending: i64,
    /// Verified hours, in minutes.
    pub minutes: i64,
    pub tasks: i64,
    /// How many served in each tenure band, in the order of `Tenure::ALL`.
    pub tenure: Vec<(Tenure, i64)>,
    /// Share (‰) of all tasks carried by the busiest tenth.
    pub top_tenth: i64,
    /// People who took part in decisions (council meetings), and the share (‰) under 35.
    pub deciders: i64,
    pub deciders_under_35: i64,
    /// Active volunteers with no verified service in the last `weeks` weeks.
    pub inactive: i64,
    pub weeks: i64,
    /// Each of the last 12 months: (month, volunteers by its end, of them served in it).
    pub growth: Vec<(String, i64, i64)>,
}

/// One row of the roll-up below an area: a child area's own figures in short.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub code: String,
    pub name: String,
    pub volunteers: i64,
    pub active: i64,
    pub minutes: i64,
}

struct Row {
    status: String,
    joined_at: i64,
    last_served_at: Option<i64>,
    tasks: i64,
    decisions: i64,
    minutes: i64,
    birth_year: Option<i64>,
    path: String,
}

/// status, joined, last served, tasks, decisions, minutes, birth year, path.
type RowTuple = (String, i64, Option<i64>, i64, i64, i64, Option<i64>, String);

async fn rows(db: &Db, actor: &Actor, area: &areas::Area) -> Result<Vec<Row>, AppError> {
    let visible = ranges(actor, Action::VolunteerRead, &area.path);
    if visible.is_empty() {
        actor.require(Action::VolunteerRead, Some(&area.path))?;
    }
    let mut out = Vec::new();
    for p in visible {
        let r: Vec<RowTuple> = sqlx::query_as(
            "SELECT v.status, v.joined_at, v.last_served_at, v.tasks, v.decisions, v.minutes, p.birth_year, v.area_path \
             FROM volunteers v JOIN people p ON p.id = v.person_id WHERE v.area_path >= $1 AND v.area_path < $2",
        )
        .bind(&p)
        .bind(upper(&p))
        .fetch_all(&db.pool)
        .await?;
        out.extend(r.into_iter().map(|x| Row {
            status: x.0,
            joined_at: x.1,
            last_served_at: x.2,
            tasks: x.3,
            decisions: x.4,
            minutes: x.5,
            birth_year: x.6,
            path: x.7,
        }));
    }
    Ok(out)
}

/// The figures of an area at `now`; `weeks` sets the drop-out warning.
pub async fn figures(db: &Db, actor: &Actor, area: &areas::Area, now: i64, weeks: i64) -> Result<Figures, AppError> {
    let rows = rows(db, actor, area).await?;
    Ok(compute(&rows, now, weeks))
}

fn compute(rows: &[Row], now: i64, weeks: i64) -> Figures {
    let year: i64 = crate::clock::local_text(now, "%Y").parse().unwrap_or(2026);
    let mut f = Figures { weeks, ..Figures::default() };
    let mut bands = std::collections::HashMap::<Tenure, i64>::new();
    let mut loads = Vec::new();
    let cutoff = now - weeks * 7 * v::DAY_MS;
    let served: Vec<&Row> = rows.iter().filter(|r| r.status != "pending").collect();
    f.pending = (rows.len() - served.len()) as i64;
    for r in &served {
        f.volunteers += 1;
        f.minutes += r.minutes;
        f.tasks += r.tasks;
        if r.status == "active" {
            f.active += 1;
            if r.last_served_at.unwrap_or(r.joined_at) < cutoff {
                f.inactive += 1;
            }
        }
        let span = r.last_served_at.unwrap_or(r.joined_at) - r.joined_at;
        *bands.entry(v::tenure(span)).or_default() += 1;
        loads.push(r.tasks);
        if r.decisions > 0 {
            f.deciders += 1;
            if v::under_35(r.birth_year, year) {
                f.deciders_under_35 += 1;
            }
        }
    }
    f.tenure = Tenure::ALL.iter().map(|t| (*t, bands.get(t).copied().unwrap_or(0))).collect();
    f.top_tenth = v::top_tenth_share(&mut loads);
    // The last 12 local months, oldest first.
    let mut month_starts = Vec::new();
    let (mut y, mut m) = {
        let t = crate::clock::local_text(now, "%Y-%m");
        (t[..4].parse::<i64>().unwrap_or(2026), t[5..].parse::<i64>().unwrap_or(1))
    };
    for _ in 0..12 {
        let day = wushe_domain::resources::parse_date(&format!("{y:04}-{m:02}-01")).unwrap_or(0);
        month_starts.push((format!("{y:04}-{m:02}"), day * v::DAY_MS - wushe_domain::LOCAL_OFFSET_MS));
        (y, m) = if m == 1 { (y - 1, 12) } else { (y, m - 1) };
    }
    month_starts.reverse();
    for (i, (label, start)) in month_starts.iter().enumerate() {
        let end = month_starts.get(i + 1).map_or(now, |n| n.1);
        let by_end = served.iter().filter(|r| r.joined_at < end).count() as i64;
        let in_month =
            served.iter().filter(|r| r.joined_at < end && r.last_served_at.is_some_and(|l| l >= *start)).count() as i64;
        f.growth.push((label.clone(), by_end, in_month));
    }
    f
}

/// The figures and the roll-up one level down (each child area's volunteers, active ones and
/// hours) from one read of the rows (the retention page shows both).
pub async fn figures_and_parts(
    db: &Db,
    actor: &Actor,
    area: &areas::Area,
    now: i64,
    weeks: i64,
) -> Result<(Figures, Vec<Part>), AppError> {
    let rows = rows(db, actor, area).await?;
    let parts = parts_of(db, actor, area, &rows).await?;
    Ok((compute(&rows, now, weeks), parts))
}

async fn parts_of(db: &Db, actor: &Actor, area: &areas::Area, rows: &[Row]) -> Result<Vec<Part>, AppError> {
    let kids = areas::children(db, actor, Action::VolunteerRead, area).await?;
    Ok(kids
        .into_iter()
        .map(|k| {
            let mine: Vec<&Row> =
                rows.iter().filter(|r| r.path.starts_with(&k.area.path) && r.status != "pending").collect();
            Part {
                code: k.area.code.clone(),
                name: k.area.name.clone(),
                volunteers: mine.len() as i64,
                active: mine.iter().filter(|r| r.status == "active").count() as i64,
                minutes: mine.iter().map(|r| r.minutes).sum(),
            }
        })
        .collect())
}

/// The drop-out warning list: active volunteers of an area with no verified service for
/// `weeks` weeks, longest silent first (for the social worker).
pub async fn inactive(
    db: &Db,
    actor: &Actor,
    area: &areas::Area,
    now: i64,
    weeks: i64,
    limit: i64,
) -> Result<Vec<super::Volunteer>, AppError> {
    actor
        .require(Action::VolunteerManage, Some(&area.path))
        .or_else(|_| actor.require(Action::HoursVerify, Some(&area.path)))?;
    let cutoff = now - weeks * 7 * v::DAY_MS;
    Ok(sqlx::query_as(crate::sql!(
        "SELECT {} FROM {} WHERE v.area_path >= $1 AND v.area_path < $2 AND v.status = 'active' \
         AND COALESCE(v.last_served_at, v.joined_at) < $3 ORDER BY COALESCE(v.last_served_at, v.joined_at), v.id LIMIT {limit}",
        super::model::VOLUNTEER_COLS,
        super::model::VOLUNTEER_FROM
    ))
    .bind(&area.path)
    .bind(upper(&area.path))
    .bind(cutoff)
    .fetch_all(&db.pool)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(joined: i64, last: Option<i64>, tasks: i64, decisions: i64, birth: Option<i64>) -> Row {
        Row {
            status: "active".into(),
            joined_at: joined,
            last_served_at: last,
            tasks,
            decisions,
            minutes: tasks * 60,
            birth_year: birth,
            path: "/a/".into(),
        }
    }

    #[test]
    fn the_figures_follow_the_rows() {
        let now = 60 * v::YEAR_MS;
        let rows = vec![
            row(now - 5 * v::YEAR_MS, Some(now - v::DAY_MS), 90, 3, Some(1970)),
            row(now - 2 * v::YEAR_MS, Some(now - 400 * v::DAY_MS), 5, 1, Some(2000)),
            row(now - 30 * v::DAY_MS, None, 0, 0, None),
            row(now - 100 * v::DAY_MS, Some(now - 90 * v::DAY_MS), 5, 0, Some(1995)),
        ];
        let f = compute(&rows, now, 8);
        assert_eq!(f.volunteers, 4);
        assert_eq!(f.tasks, 100);
        // The busiest tenth (one of four) carries 90 of 100 tasks.
        assert_eq!(f.top_tenth, 900);
        assert_eq!((f.deciders, f.deciders_under_35), (2, 1));
        let band = |t| f.tenure.iter().find(|x| x.0 == t).unwrap().1;
        assert_eq!(band(Tenure::OverThreeYears), 1);
        assert_eq!(band(Tenure::UnderSixMonths), 2);
        assert_eq!(band(Tenure::SixToTwelveMonths), 1);
        // Silent for 8 weeks: the one who left off 400 days ago and the one 90 days ago; the one who joined
        // 30 days ago has not yet had eight weeks to be silent in.
        assert_eq!(f.inactive, 2);
        assert_eq!(f.growth.len(), 12);
        assert_eq!(f.growth.last().unwrap().1, 4);
    }
}
