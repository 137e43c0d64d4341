//! How resources read on pages and in the API: schedules, match rows and places.

use crate::shell::i18n::T;
use crate::shell::layout::local_time;
use wushe_app::{needs, resources};
use wushe_domain::matching::Reason;
use wushe_domain::resources::{ResourceKind, weekday};

pub struct MatchRow {
    pub rank: usize,
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub score: String,
    pub reasons: Vec<String>,
    pub assignee: String,
    pub available: bool,
    /// The tier's code (`now`, `later`, `unavailable`), the group the page lists it under.
    pub tier: &'static str,
    /// Its categories name the need's category (not only its skill tags).
    pub category_fit: bool,
}

pub fn match_rows(t: T, list: &[resources::Match]) -> Vec<MatchRow> {
    list.iter()
        .enumerate()
        .map(|(i, m)| MatchRow {
            rank: i + 1,
            id: m.ranked.id,
            name: m.name.clone(),
            kind: kind_label(t, m.kind),
            score: format!("{:.2}", m.ranked.score),
            reasons: m.ranked.reasons.iter().map(|r| reason_text(t, r)).collect(),
            assignee: match m.owner {
                Some(needs::Assignee::Organization(o)) => format!("org:{o}"),
                Some(needs::Assignee::User(u)) => format!("user:{u}"),
                None => String::new(),
            },
            available: m.ranked.available,
            tier: m.ranked.tier.code(),
            category_fit: m.ranked.fit == wushe_domain::matching::Fit::Category,
        })
        .collect()
}

pub fn kind_label(t: T, k: ResourceKind) -> String {
    t.t(&format!("resource.kind.{}", k.code())).to_string()
}

/// One reason in words.
pub fn reason_text(t: T, r: &Reason) -> String {
    match r {
        Reason::Category => t.t("match.reason.category").to_string(),
        Reason::Tags(tags) => t.f("match.reason.tags", &[&tags.join(" ")]),
        Reason::Place(p) => t.t(&format!("match.place.{}", p.code())).to_string(),
        Reason::Available => t.t("match.reason.available").to_string(),
        Reason::Closed { next: Some(at) } => {
            let (day, _) = wushe_domain::resources::local_day_minute(*at);
            t.f(
                "match.reason.closed_until",
                &[&t.t(&format!("weekday.{}", weekday(day) - 1)), &local_time(*at)[11..].to_string()],
            )
        }
        Reason::Closed { next: None } => t.t("match.reason.closed").to_string(),
        Reason::Full { load, capacity } => t.f("match.reason.full", &[load, capacity]),
        Reason::Load { load, capacity } => t.f("match.reason.load", &[load, capacity]),
        Reason::Rated { average_tenths, count } => {
            t.f("match.reason.rated", &[&format!("{}.{}", average_tenths / 10, average_tenths % 10), count])
        }
        Reason::NotRated => t.t("match.reason.not_rated").to_string(),
    }
}
