//! Views of records that several capabilities' pages show: a resident as a table row, a
//! household's link to record a visit, the failing delivery channels of a community, a
//! resource's weekly schedule and how near a match is.

use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::i18n::Lang;
use crate::shell::i18n::T;
use crate::shell::layout::vul_key;
use wushe_app::people::Person;
use wushe_app::{AppError, areas, notifications};
use wushe_domain::areas::AreaKind;
use wushe_domain::matching::PlaceLevel;
use wushe_domain::people::Gender;
use wushe_domain::resources::{WeeklySchedule, clock};

/// A person as lists show them: names in full only for roles allowed to see personal data.
pub struct PersonRow {
    pub id: i64,
    pub name: String,
    pub household: String,
    pub gender: String,
    pub birth_year: String,
    pub phone: String,
    pub flags: Vec<String>,
    pub head: bool,
}

pub fn gender_label(g: Option<Gender>, t: T) -> String {
    match g {
        Some(Gender::Female) => t.t("page.person.female").into(),
        Some(Gender::Male) => t.t("page.person.male").into(),
        None => String::new(),
    }
}

pub fn person_row(p: &Person, t: T) -> PersonRow {
    person_row_for(p, t, true, String::new())
}

pub fn person_row_for(p: &Person, t: T, full_name: bool, household: String) -> PersonRow {
    PersonRow {
        id: p.id.get(),
        name: if full_name { p.name.clone() } else { p.masked_name() },
        household,
        gender: gender_label(p.gender, t),
        birth_year: p.birth_year.map(|y| y.to_string()).unwrap_or_default(),
        phone: p.phone.as_ref().map(|x| x.masked()).unwrap_or_default(),
        flags: p.vulnerability.iter().map(|v| t.t(&vul_key(v)).to_string()).collect(),
        head: p.is_household_head,
    }
}

/// Needs of one household, for the household page's "record a visit" link.
pub fn visit_link(community_code: &str, household: &areas::Area) -> Option<String> {
    (household.kind == AreaKind::Household)
        .then(|| format!("/communities/{community_code}/needs/new?household={}", household.code))
}

/// One line per failing channel, for the warning on the admin's pages.
pub async fn failing_lines(s: &AppState, ctx: &Ctx, community_id: i64) -> Result<Vec<String>, AppError> {
    let t = ctx.t();
    Ok(notifications::failing(&s.db, community_id)
        .await?
        .into_iter()
        .map(|(channel, n, error)| {
            t.f("page.outbox.failing", &[&t.t(&format!("outbox.channel.{channel}")), &n, &error])
        })
        .collect())
}

/// A schedule in words: `周一 09:00–12:00；周三 14:00–18:00`.
pub fn schedule_text(t: T, s: &WeeklySchedule) -> String {
    if s.is_empty() {
        return t.t("resource.schedule.any").to_string();
    }
    let sep = if t.0 == Lang::En { "; " } else { "；" };
    s.windows()
        .iter()
        .map(|w| format!("{} {}–{}", t.t(&format!("weekday.{}", w.weekday - 1)), clock(w.start), clock(w.end)))
        .collect::<Vec<_>>()
        .join(sep)
}

/// Place levels in words (claim lists use them too).
pub fn place_text(t: T, p: PlaceLevel) -> String {
    t.t(&format!("match.place.{}", p.code())).to_string()
}

/// An organization's name by id, or nothing when it is gone (labels of assignees and owners).
pub async fn organization_name(s: &AppState, id: i64) -> String {
    wushe_app::organizations::by_ids(&s.db, &[id])
        .await
        .ok()
        .and_then(|v| v.into_iter().next())
        .map(|o| o.name)
        .unwrap_or_default()
}

/// The name of an activity's kind (volunteers' activities, shown on the claim list too).
pub fn activity_kind_label(t: T, k: wushe_domain::volunteers::ActivityKind) -> String {
    t.t(&format!("activity.kind.{}", k.code())).to_string()
}

/// An activity as one card of a list.
pub struct ActivityRow {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub place: String,
    pub when: String,
    pub free: i64,
    pub slots: i64,
}

pub fn activity_row(t: T, a: &wushe_app::volunteers::Activity, taken: i64) -> ActivityRow {
    ActivityRow {
        id: a.id,
        title: a.title.clone(),
        kind: activity_kind_label(t, a.kind),
        place: a.place.clone(),
        when: span(a.starts_at, a.ends_at),
        free: (a.slots - taken).max(0),
        slots: a.slots,
    }
}

/// "2026-12-05 09:00–11:30", the date once when both ends fall on one day.
pub fn span(from: i64, to: i64) -> String {
    let (a, b) = (crate::shell::layout::local_time(from), crate::shell::layout::local_time(to));
    match (a.split_once(' '), b.split_once(' ')) {
        (Some((da, _)), Some((db, tb))) if da == db => format!("{a}–{tb}"),
        _ => format!("{a} – {b}"),
    }
}

/// Activity places open to the reader, for the claim list beside needs: an active volunteer's
/// community's coming activities with a free place they do not hold yet.
pub async fn open_places(
    s: &crate::shell::AppState,
    ctx: &crate::shell::ctx::Ctx,
) -> Result<Vec<ActivityRow>, wushe_app::AppError> {
    let Some(v) = wushe_app::volunteers::mine(&s.db, &ctx.actor).await? else { return Ok(Vec::new()) };
    if v.status != wushe_domain::volunteers::VolunteerStatus::Active {
        return Ok(Vec::new());
    }
    let now = s.now();
    let held: Vec<i64> =
        wushe_app::volunteers::my_places(&s.db, &v, now).await?.into_iter().map(|(_, a)| a.id).collect();
    Ok(wushe_app::volunteers::upcoming(&s.db, v.community_id, now, 20)
        .await?
        .iter()
        .filter(|(a, taken)| !held.contains(&a.id) && *taken < a.slots)
        .map(|(a, taken)| activity_row(ctx.t(), a, *taken))
        .collect())
}
