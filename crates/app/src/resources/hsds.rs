//! Reading an Open Referral HSDS file (a JSON array of services, a page of them, one service,
//! or NDJSON) into resources of a community; all or nothing, each problem named by entry and
//! field. Shared by the API, the resources page and the command line.

use crate::{Actor, AppError, Db, areas};
use serde_json::Value;
use wushe_domain::resources::clock;

/// HSDS weekday codes, Monday first (RFC 5545 BYDAY).
pub const DAYS: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

pub enum DirectoryError {
    Entries(Vec<(usize, String)>),
    App(AppError),
}

/// Reads and imports an HSDS file into a community; shared by the API and the command line.
pub async fn import_directory(
    db: &Db,
    now: i64,
    actor: &Actor,
    community: &areas::Area,
    bytes: &[u8],
) -> Result<(usize, usize), DirectoryError> {
    let items = read_services(bytes, &community.code).map_err(DirectoryError::Entries)?;
    let mut parsed = Vec::with_capacity(items.len());
    let mut problems = Vec::new();
    for (i, it) in items.into_iter().enumerate() {
        match it.form.parse() {
            Ok(new) => parsed.push(super::directory::DirectoryItem {
                organization: it.organization,
                new,
                external_id: it.external_id,
            }),
            Err(fe) => problems.extend(fe.0.into_iter().map(|f| (i + 1, f.field.to_string()))),
        }
    }
    if !problems.is_empty() {
        return Err(DirectoryError::Entries(problems));
    }
    super::directory::import_directory(db, actor, now, community, parsed).await.map_err(DirectoryError::App)
}

/// A service read from an HSDS file, ready for the app layer.
pub struct Imported {
    pub external_id: String,
    pub organization: Option<(String, String, Option<String>)>,
    pub form: super::forms::ResourceForm,
}

/// Reads an HSDS file: a JSON array of services, a `Page` of them, one service, or NDJSON.
/// Names the entry and field of each problem.
pub fn read_services(bytes: &[u8], area_code: &str) -> Result<Vec<Imported>, Vec<(usize, String)>> {
    let text = std::str::from_utf8(bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes))
        .map_err(|_| vec![(0, "file".to_string())])?;
    let values: Vec<Value> = match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(a)) => a,
        Ok(v) if v.get("contents").is_some_and(Value::is_array) => {
            v["contents"].as_array().cloned().unwrap_or_default()
        }
        Ok(v @ Value::Object(_)) => vec![v],
        Ok(_) => return Err(vec![(0, "file".to_string())]),
        Err(_) => {
            let mut out = Vec::new();
            for (i, l) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
                out.push(serde_json::from_str(l).map_err(|_| vec![(i + 1, "file".to_string())])?);
            }
            out
        }
    };
    let mut problems = Vec::new();
    let mut out = Vec::new();
    for (i, v) in values.iter().enumerate() {
        let n = i + 1;
        let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let id = s("id");
        if id.is_empty() {
            problems.push((n, "id".to_string()));
        }
        if s("name").is_empty() {
            problems.push((n, "name".to_string()));
        }
        let status = match s("status").as_str() {
            "active" => "active",
            "temporarily closed" | "inactive" => "paused",
            "defunct" => "retired",
            _ => {
                problems.push((n, "status".to_string()));
                "active"
            }
        };
        let organization = v.get("organization").filter(|o| o.is_object()).map(|o| {
            let g = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            let phone = o
                .get("phones")
                .and_then(Value::as_array)
                .and_then(|p| p.first())
                .and_then(|p| p["number"].as_str())
                .map(str::to_string);
            (g("name"), g("description"), phone)
        });
        let mut windows = Vec::new();
        for sch in v.get("schedules").and_then(Value::as_array).into_iter().flatten() {
            let (Some(days), Some(open), Some(close)) =
                (sch["byday"].as_str(), sch["opens_at"].as_str(), sch["closes_at"].as_str())
            else {
                continue;
            };
            if sch["freq"].as_str().is_some_and(|f| f != "WEEKLY") {
                continue;
            }
            let hm = |x: &str| shanghai_clock(x).unwrap_or_default();
            for d in days.split(',') {
                match DAYS.iter().position(|x| *x == d.trim()) {
                    Some(p) => windows.push(format!("{} {}-{}", p + 1, hm(open), hm(close))),
                    None => problems.push((n, "schedules.byday".to_string())),
                }
            }
        }
        let categories: Vec<String> = v
            .get("attributes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|a| a["taxonomy_term"]["code"].as_str().map(str::to_string))
            .filter(|c| wushe_domain::needs::DEFAULT_CATEGORIES.iter().any(|d| d.0 == c))
            .collect();
        let phone = v
            .get("phones")
            .and_then(Value::as_array)
            .and_then(|p| p.first())
            .and_then(|p| p["number"].as_str())
            .unwrap_or("");
        let place = v["service_at_locations"][0]["location"]["name"].as_str().unwrap_or("").to_string();
        out.push(Imported {
            external_id: id,
            organization,
            form: super::forms::ResourceForm {
                area_code: area_code.to_string(),
                kind: "service".into(),
                name: s("name"),
                description: s("description"),
                categories: categories.join(" "),
                conditions: s("eligibility_description"),
                contact_phone: phone.chars().filter(|c| c.is_ascii_digit() || *c == '-').collect(),
                address: place,
                schedule: windows.join(";"),
                status: status.into(),
                capacity: "1".into(),
                ..Default::default()
            },
        });
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

/// An HSDS time (`09:00`, `09:00:00`, `9:00`, with `Z` or `±HH:MM`; none means local) as
/// China Standard Time `HH:MM`; `23:59` (HSDS's "until midnight") becomes `24:00`.
fn shanghai_clock(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let (time, offset_min) = if let Some(t) = raw.strip_suffix('Z') {
        (t, Some(0))
    } else if let Some(i) = raw.rfind(['+', '-']).filter(|i| *i > 0) {
        let (t, o) = raw.split_at(i);
        let sign = if o.starts_with('-') { -1 } else { 1 };
        let (h, m) = o[1..].split_once(':').unwrap_or((&o[1..], "0"));
        (t, Some(sign * (h.parse::<i32>().ok()? * 60 + m.parse::<i32>().ok()?)))
    } else {
        (raw, None)
    };
    let mut parts = time.split(':');
    let h: i32 = parts.next()?.parse().ok()?;
    let m: i32 = parts.next()?.parse().ok()?;
    if !(0..=24).contains(&h) || !(0..60).contains(&m) {
        return None;
    }
    let mut local = h * 60 + m;
    if let Some(off) = offset_min {
        local = (local - off + 8 * 60).rem_euclid(24 * 60);
    }
    if local == 23 * 60 + 59 {
        local = 24 * 60;
    }
    Some(clock(local as u16))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hsds_times_become_shanghai_local_time() {
        assert_eq!(shanghai_clock("09:00+08:00").as_deref(), Some("09:00"));
        assert_eq!(shanghai_clock("9:00").as_deref(), Some("09:00"));
        assert_eq!(shanghai_clock("01:00Z").as_deref(), Some("09:00"));
        assert_eq!(shanghai_clock("09:00:00-05:00").as_deref(), Some("22:00"));
        assert_eq!(shanghai_clock("23:59").as_deref(), Some("24:00"));
        assert_eq!(shanghai_clock("25:00"), None);
        assert_eq!(shanghai_clock("noon"), None);
    }
}
