//! The metrics page (N5): a month's figures and a year's trend of a community or street.

use super::ledger::category_name;
use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::error::PageResult;
use crate::shell::layout::Layout;
use crate::shell::layout::html;
use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use wushe_app::needs::metrics::{self as needs_metrics, Figures, Month};
use wushe_app::needs::{self};
use wushe_app::{AppError, areas, organizations};
use wushe_domain::access::Action;
use wushe_domain::areas::AreaKind;

#[derive(Template)]
#[template(path = "need_metrics.html")]
struct MetricsPage {
    l: Layout,
    month: String,
    overall: Vec<(String, String)>,
    trend: Vec<MetricRow>,
    /// Bars of the trend chart: (x, y, height, month, needs).
    bars: Vec<(i64, i64, i64, String, i64)>,
    groups: Vec<(String, Vec<MetricRow>)>,
    columns: [&'static str; 8],
}

/// One row of a metrics table: a label (linked where there is a page to drill into) and
/// its figures.
struct MetricRow {
    label: String,
    href: Option<String>,
    /// (column heading key, figure): phones show each figure with its heading.
    cells: Vec<(&'static str, String)>,
}

/// The metrics tables' columns after the label, in order.
const COLUMNS: [&str; 8] = [
    "metrics.needs",
    "metrics.response_rate",
    "metrics.on_time",
    "metrics.respond_median",
    "metrics.resolve_median",
    "metrics.resolve_p90",
    "metrics.satisfaction",
    "metrics.reopen_rate",
];

#[derive(Deserialize, Default)]
pub struct MonthQuery {
    #[serde(default)]
    pub month: String,
}

/// The month named by `raw` (`YYYY-MM`), or the current one when it is empty.
pub fn month_or_now(raw: &str, now: i64) -> Result<Month, AppError> {
    if raw.trim().is_empty() { Ok(Month::of(now)) } else { Ok(Month::parse(raw)?) }
}

fn pct(x: Option<f64>) -> String {
    x.map(|v| format!("{:.1}%", v * 100.0)).unwrap_or_else(|| "—".into())
}

pub(crate) fn hours(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.1} h")).unwrap_or_else(|| "—".into())
}

fn figure_row(label: String, href: Option<String>, f: &Figures) -> MetricRow {
    MetricRow {
        label,
        href,
        cells: COLUMNS
            .into_iter()
            .zip([
                f.counts.needs.to_string(),
                pct(f.response_rate()),
                pct(f.on_time_rate()),
                hours(f.respond_median_h),
                hours(f.resolve_median_h),
                hours(f.resolve_p90_h),
                f.satisfaction().map(|v| format!("{v:.2}")).unwrap_or_else(|| "—".into()),
                pct(f.reopen_rate()),
            ])
            .collect(),
    }
}

/// N5 page: one month's figures for a community or street, the twelve months up to it, and
/// the breakdowns; a street's divisions are its communities, side by side.
pub(crate) async fn metrics(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<MonthQuery>,
) -> PageResult {
    let t = ctx.t();
    let area = areas::visible(&s.db, &ctx.actor, Action::NeedMetricsRead, &code).await?;
    let month = month_or_now(&q.month, s.now())?;
    let m = needs_metrics::metrics(&s.db, &ctx.actor, &area, month).await?;
    let months = needs_metrics::trend(&s.db, &ctx.actor, &area, month.back(11), month).await?;
    let o = &m.overall;
    let overall = vec![
        (t.t("metrics.needs").to_string(), o.counts.needs.to_string()),
        (t.t("metrics.response_rate").to_string(), pct(o.response_rate())),
        (t.t("metrics.on_time").to_string(), pct(o.on_time_rate())),
        (t.t("metrics.respond_median").to_string(), hours(o.respond_median_h)),
        (t.t("metrics.respond_p90").to_string(), hours(o.respond_p90_h)),
        (t.t("metrics.resolve_median").to_string(), hours(o.resolve_median_h)),
        (t.t("metrics.resolve_p90").to_string(), hours(o.resolve_p90_h)),
        (
            t.t("metrics.satisfaction").to_string(),
            o.satisfaction().map(|v| format!("{v:.2}")).unwrap_or_else(|| "—".into()),
        ),
        (t.t("metrics.reopen_rate").to_string(), pct(o.reopen_rate())),
    ];
    let self_link = |m: Month| Some(format!("/communities/{}/needs/metrics?month={m}", area.code));
    let trend: Vec<MetricRow> = months.iter().map(|(m, f)| figure_row(m.to_string(), self_link(*m), f)).collect();
    let top = months.iter().map(|(_, f)| f.counts.needs).max().unwrap_or(0).max(1);
    let bars = months
        .iter()
        .enumerate()
        .map(|(i, (m, f))| {
            let h = f.counts.needs * 100 / top;
            (i as i64 * 40 + 4, 110 - h, h, m.to_string(), f.counts.needs)
        })
        .collect();
    let community_id = area.community_id.unwrap_or(area.id);
    let cats = needs::categories(&s.db, community_id).await.unwrap_or_default();
    let by_cat = m
        .by_category
        .iter()
        .map(|(id, f)| {
            figure_row(
                cats.iter().find(|c| c.id == *id).map(|c| category_name(c, t)).unwrap_or_else(|| id.to_string()),
                None,
                f,
            )
        })
        .collect();
    // Labels for every row with three queries, however many rows there are.
    let codes: Vec<String> = m.by_division.iter().map(|d| d.0.clone()).filter(|c| !c.is_empty()).collect();
    let divisions = areas::by_codes(&s.db, &codes).await?;
    let by_div = m
        .by_division
        .iter()
        .map(|(code_part, f)| {
            let (name, href) = match divisions.iter().find(|a| &a.code == code_part) {
                Some(a) => (a.name.clone(), Some(format!("/communities/{}/needs/metrics?month={month}", a.code))),
                None => (t.t("metrics.whole_area").to_string(), None),
            };
            figure_row(name, href, f)
        })
        .collect();
    let who: Vec<(&String, Option<needs::Assignee>)> =
        m.by_assignee.iter().map(|(a, _)| (a, needs::Assignee::parse(a).ok())).collect();
    let org_ids: Vec<i64> = who
        .iter()
        .filter_map(|(_, a)| match a {
            Some(needs::Assignee::Organization(o)) => Some(*o),
            _ => None,
        })
        .collect();
    let user_ids: Vec<i64> = who
        .iter()
        .filter_map(|(_, a)| match a {
            Some(needs::Assignee::User(u)) => Some(*u),
            _ => None,
        })
        .collect();
    let orgs = organizations::by_ids(&s.db, &org_ids).await?;
    let users = wushe_app::accounts::display_names(&s.db, &user_ids).await?;
    let by_assignee = m
        .by_assignee
        .iter()
        .zip(&who)
        .map(|((_, f), (_, a))| {
            let label = match a {
                Some(needs::Assignee::Organization(o)) => {
                    orgs.iter().find(|x| x.id.get() == *o).map(|x| x.name.clone()).unwrap_or_default()
                }
                Some(needs::Assignee::User(u)) => users.get(u).cloned().unwrap_or_default(),
                None => t.t("page.needs.unassigned").to_string(),
            };
            figure_row(label, None, f)
        })
        .collect();
    let division_title = if area.kind <= AreaKind::Street { "metrics.by_community" } else { "metrics.by_division" };
    Ok(html(&MetricsPage {
        l: Layout::with_title(&ctx, format!("{} · {}", t.t("nav.metrics"), area.name)),
        month: month.to_string(),
        overall,
        trend,
        bars,
        groups: vec![
            (t.t(division_title).to_string(), by_div),
            (t.t("metrics.by_category").to_string(), by_cat),
            (t.t("metrics.by_assignee").to_string(), by_assignee),
        ],
        columns: COLUMNS,
    }))
}
