//! The community audit log page for staff (X1): the community's chain, newest first, with
//! readable action names in both languages, filters by person, action and date kept in the
//! address, and numbered pages.

use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::error::PageResult;
use crate::shell::i18n::{T, has};
use crate::shell::layout::{Layout, html, local_time};
use crate::shell::pager::Pager;
use crate::shell::registry::Registry;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::Method;
use serde::Deserialize;
use wushe_app::{AppError, areas, audit};
use wushe_domain::FieldError;
use wushe_domain::access::Action;

pub fn routes(r: &mut Registry) {
    r.page(Method::GET, "/communities/{code}/audit", Action::AuditRead, audit_page);
}

const PER_PAGE: i64 = 50;

/// The actions of the log that have a name of their own (`audit.action.<code>`); a need's
/// step is named after the step (`action.<event>`), anything else shows its code.
pub const NAMED_ACTIONS: &[&str] = &[
    "account.email",
    "account.login_failed",
    "area.create",
    "booking.cancel",
    "booking.change",
    "booking.create",
    "booking.expired",
    "booking.feed",
    "booking.confirmed",
    "booking.rejected",
    "booking.cancelled",
    "claim.claim",
    "claim.expire",
    "claim.list",
    "claim.release",
    "claim.unlist",
    "demo.resources",
    "membership.add",
    "need.contact_revealed",
    "need.group",
    "need.overdue",
    "need.photo",
    "need.reported",
    "need.submit",
    "need.whistled",
    "needs.import",
    "organization.create",
    "outbox.retry",
    "person.register",
    "person.reveal",
    "person.update",
    "resource.create",
    "resource.exception",
    "resource.exception_removed",
    "resource.import",
    "resource.import_hsds",
    "resource.status",
    "resource.stock",
    "resource.update",
    "session.login",
    "session.logout",
    "token.create",
    "user.add",
    "user.grant",
    "activity.check_in",
    "activity.check_out",
    "activity.create",
    "activity.places_expired",
    "activity.release",
    "activity.sign_up",
    "course.create",
    "hours.correct",
    "hours.enter",
    "hours.reject",
    "hours.verify",
    "mentorship.assess",
    "mentorship.note",
    "mentorship.pair",
    "mentorship.report",
    "points.correct",
    "points.expire",
    "points.item_add",
    "points.redeem",
    "points.restock",
    "points.rule_add",
    "points.rule_end",
    "volunteer.approve",
    "volunteer.decline",
    "volunteer.enter",
    "volunteer.group",
    "volunteer.import",
    "volunteer.register",
    "volunteer.training",
    "volunteer.update",
    "emergency.declare",
    "emergency.drill",
    "emergency.change",
    "emergency.close",
    "emergency.plan",
    "emergency.checkin",
    "emergency.decline",
    "emergency.vulnerable_viewed",
    "emergency.reading",
    "emergency.report",
    "emergency.review",
    "emergency.issue",
    "emergency.offer",
    "emergency.offer_match",
];

/// What a person reads for an action code.
pub fn action_label(t: T, code: &str) -> String {
    let own = format!("audit.action.{code}");
    if has(&own) {
        return t.t(&own).to_string();
    }
    if let Some(step) = code.strip_prefix("need.") {
        let key = format!("action.{step}");
        if has(&key) {
            return t.f("audit.need_step", &[&t.t(&key)]);
        }
    }
    code.to_string()
}

/// The actions the filter offers: every named action and every step of a need, by label. A
/// fixed list, so the page does not scan the log to learn which actions it holds.
fn filter_actions(t: T) -> Vec<(String, String)> {
    let steps = wushe_domain::needs::EventKind::ALL
        .iter()
        .map(|e| format!("need.{}", e.code()))
        .filter(|code| !NAMED_ACTIONS.contains(&code.as_str()) && has(&format!("action.{}", &code[5..])));
    let mut out: Vec<(String, String)> =
        NAMED_ACTIONS.iter().map(|a| a.to_string()).chain(steps).map(|a| (action_label(t, &a), a)).collect();
    out.sort();
    out
}

/// A subject such as `need:12` as words and, where there is a page, a link.
fn subject_view(t: T, subject: &str) -> (String, Option<String>) {
    let Some((kind, id)) = subject.split_once(':') else { return (subject.to_string(), None) };
    let page = match kind {
        "need" => Some(("audit.subject.need", format!("/needs/{id}"))),
        "person" => Some(("audit.subject.person", format!("/people/{id}"))),
        "resource" => Some(("audit.subject.resource", format!("/resources/{id}"))),
        "organization" => Some(("audit.subject.organization", format!("/organizations/{id}"))),
        "incident" => Some(("audit.subject.incident", format!("/incidents/{id}"))),
        _ => None,
    };
    match page {
        Some((key, href)) if id.bytes().all(|b| b.is_ascii_digit()) => (t.f(key, &[&id]), Some(href)),
        _ => (subject.to_string(), None),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AuditQuery {
    person: String,
    action: String,
    from: String,
    to: String,
    page: Option<String>,
}

impl AuditQuery {
    fn query(&self) -> String {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("person", self.person.trim())
            .append_pair("action", self.action.trim())
            .append_pair("from", self.from.trim())
            .append_pair("to", self.to.trim())
            .finish()
    }
}

struct Row {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    subject: String,
    href: Option<String>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    l: Layout,
    person: String,
    action: String,
    from: String,
    to: String,
    actions: Vec<(String, String)>,
    total_label: String,
    rows: Vec<Row>,
    pager: Pager,
    errors: Vec<crate::shell::error::FormError>,
}

/// A local calendar day (`YYYY-MM-DD`) as UTC milliseconds at its start, or the day after.
fn day(raw: &str, field: &'static str, next: bool) -> Result<Option<i64>, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let d = chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| FieldError::new(field, "errors.date.invalid"))?;
    let d = if next { d.succ_opt().unwrap_or(d) } else { d };
    let local = d.and_hms_opt(0, 0, 0).and_then(|t| t.and_local_timezone(wushe_app::clock::local()).single());
    Ok(local.map(|t| t.timestamp_millis()))
}

async fn audit_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<AuditQuery>,
) -> PageResult {
    let t = ctx.t();
    let c = areas::visible(&s.db, &ctx.actor, Action::AuditRead, &code).await?;
    ctx.actor.require(Action::AuditRead, Some(&c.path))?;
    let mut errors = Vec::new();
    let mut filter =
        audit::AuditFilter { person: Some(q.person.clone()), action: Some(q.action.clone()), ..Default::default() };
    match (day(&q.from, "from", false), day(&q.to, "to", true)) {
        (Ok(from), Ok(to)) => {
            filter.from = from;
            filter.to = to;
        }
        (a, b) => {
            for e in [a.err(), b.err()].into_iter().flatten() {
                errors.extend(crate::shell::error::form_errors(&AppError::from(e), t));
            }
        }
    }
    let page: i64 = q.page.as_deref().and_then(|p| p.parse().ok()).unwrap_or(1).clamp(1, 1_000_000);
    let (entries, total) = audit::search(&s.db, c.id, &filter, PER_PAGE, (page - 1) * PER_PAGE).await?;
    let actions = filter_actions(t);
    let query = q.query();
    let base = format!("/communities/{}/audit", c.code);
    Ok(html(&AuditPage {
        l: Layout::new(&ctx, "page.audit.title"),
        person: q.person.trim().to_string(),
        action: q.action.trim().to_string(),
        from: q.from.trim().to_string(),
        to: q.to.trim().to_string(),
        actions,
        total_label: t.f("page.audit.total", &[&total]),
        rows: entries
            .into_iter()
            .map(|a| {
                let (subject, href) = subject_view(t, &a.subject);
                Row {
                    seq: a.seq,
                    at: local_time(a.at),
                    actor: a.actor.unwrap_or_else(|| t.t("page.audit.operator").to_string()),
                    action: action_label(t, &a.action),
                    subject,
                    href,
                }
            })
            .collect(),
        pager: Pager::new(page, total, PER_PAGE, |p| format!("{base}?{query}&page={p}")),
        errors,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::i18n::Lang;

    #[test]
    fn actions_read_as_words_in_both_languages() {
        for lang in [Lang::ZhCn, Lang::En] {
            let t = T(lang);
            for code in NAMED_ACTIONS {
                let label = action_label(t, code);
                assert_ne!(&label, code, "{code} has no name in {lang:?}");
            }
            assert_ne!(action_label(t, "need.accepted"), "need.accepted");
        }
        assert_eq!(action_label(T(Lang::ZhCn), "need.overdue"), "需求超时");
        assert_eq!(action_label(T(Lang::En), "something.new"), "something.new");
        assert_eq!(subject_view(T(Lang::En), "need:12"), ("Need #12".to_string(), Some("/needs/12".to_string())));
        assert_eq!(subject_view(T(Lang::En), "need:x/../y").1, None);
    }
}
