//! Input of the resource pages (typed forms) and of the matching page and API (when help is
//! is needed).

use serde::Deserialize;
use wushe_app::resources::ResourceForm;
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

/// The resource form as a page posts it: [`ResourceForm`]'s fields, with the need categories
/// as repeated checkboxes (joined into the form's one field) and the version the editor read.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResourcePageForm {
    #[serde(flatten)]
    form: ResourceForm,
    categories: Vec<String>,
    pub version: String,
}

impl ResourcePageForm {
    pub fn into_form(self) -> ResourceForm {
        ResourceForm { categories: self.categories.join(" "), ..self.form }
    }
}

/// A stock move: a signed quantity and why.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StockForm {
    pub delta: String,
    pub reason: String,
}

/// A dated change to the opening hours; `open=1` opens instead of closing.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ExceptionForm {
    pub date: String,
    pub from: String,
    pub to: String,
    pub open: String,
    pub note: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_category_boxes_are_all_kept() {
        let body = b"csrf=x&name=%E8%BD%AE%E6%A4%85&categories=repairs&categories=elderly_care&version=3";
        let f: ResourcePageForm = serde_html_form::from_bytes(body).unwrap();
        assert_eq!(f.version, "3");
        let form = f.into_form();
        assert_eq!((form.name.as_str(), form.categories.as_str()), ("轮椅", "repairs elderly_care"));
        let one: ResourcePageForm = serde_html_form::from_bytes(b"categories=repairs").unwrap();
        assert_eq!(one.into_form().categories, "repairs");
    }
}
