//! Each community's working-hours calendar (N3), which deadlines follow.

use crate::areas::Area;
use crate::audit::AuditedTx;
use crate::{Actor, AppError, Db};
use sqlx::Row;
use wushe_domain::access::Action;
use wushe_domain::needs::WorkCalendar;
use wushe_domain::{FieldError, FieldErrors};

/// [`calendar_for`] through the short-lived cache, for intake.
pub(crate) async fn calendar_cached(db: &Db, community_id: i64) -> Result<WorkCalendar, AppError> {
    if let Some(c) = db.caches.get::<CalendarCache>().0.get(&community_id) {
        return Ok(c);
    }
    let c = calendar_for(db, community_id).await?;
    db.caches.get::<CalendarCache>().0.put(community_id, c.clone());
    Ok(c)
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
    db.caches.get::<CalendarCache>().0.forget(&community.id);
    Ok(cal)
}

/// A community's working-hours calendar for intake; setting it drops the entry at once.
pub(crate) struct CalendarCache(crate::cache::TtlCache<i64, WorkCalendar>);

impl Default for CalendarCache {
    fn default() -> Self {
        CalendarCache(crate::cache::TtlCache::new(std::time::Duration::from_secs(5), 10_000))
    }
}
