//! Input of the matching page and API: when help is needed.

use wushe_domain::FieldError;
use wushe_domain::resources::parse_date;

/// When help is needed: local `YYYY-MM-DDTHH:MM` (or with a space), RFC 3339, or now.
pub fn needed_at(raw: Option<&str>, now: i64) -> Result<i64, FieldError> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else { return Ok(now) };
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(raw) {
        return Ok(d.timestamp_millis());
    }
    let (date, time) = raw.split_once(['T', ' ']).ok_or(FieldError::new("at", "errors.date.invalid"))?;
    let day = parse_date(date).ok_or(FieldError::new("at", "errors.date.invalid"))?;
    let minute = wushe_domain::resources::parse_clock(time).ok_or(FieldError::new("at", "errors.time.invalid"))?;
    Ok(wushe_domain::resources::utc_of(day, minute))
}
