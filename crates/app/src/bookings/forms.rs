//! A booking request as pages and the API send it.

use wushe_domain::FieldError;

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct BookingForm {
    /// Local date `YYYY-MM-DD`.
    pub date: String,
    /// Local times `HH:MM`.
    pub from: String,
    pub to: String,
    pub purpose: String,
    pub attendees: String,
}

impl BookingForm {
    /// The UTC span the form names.
    pub fn span(&self) -> Result<(i64, i64), FieldError> {
        use wushe_domain::resources::{parse_clock, parse_date, utc_of};
        let day = parse_date(&self.date).ok_or(FieldError::new("date", "errors.date.invalid"))?;
        let from = parse_clock(&self.from).ok_or(FieldError::new("from", "errors.time.invalid"))?;
        let to = parse_clock(&self.to).ok_or(FieldError::new("to", "errors.time.invalid"))?;
        Ok((utc_of(day, from), utc_of(day, to)))
    }
}

pub(crate) fn parse_attendees(raw: &str) -> Result<i64, FieldError> {
    match raw.trim() {
        "" => Ok(1),
        s => s
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=10_000).contains(n))
            .ok_or(FieldError::new("attendees", "errors.number.range")),
    }
}
