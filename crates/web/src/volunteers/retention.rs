//! V5, V6 pages: the retention figures of a community, street, district or city with their
//! charts (SVG, readable without script), the roll-up one level down, and the drop-out warning
//! list for those who look after the volunteers.

use super::views::hours;
use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::error::{FormError, PageResult, WebError, form_errors};
use crate::shell::layout::{Layout, html, local_time};
use crate::shell::registry::Registry;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use serde::Deserialize;
use wushe_app::{AppError, areas, volunteers};
use wushe_domain::access::Action;
use wushe_domain::volunteers::{self as v, permille};

pub fn routes(r: &mut Registry) {
    r.page(Method::GET, "/areas/{code}/volunteers/retention", Action::VolunteerRead, page);
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RetentionQuery {
    weeks: String,
}

/// One bar of a chart: where it stands, how tall or long, its label and value.
pub struct Bar {
    pub x: i64,
    pub y: i64,
    pub w: i64,
    pub h: i64,
    pub label: String,
    pub value: String,
}

pub struct PartRow {
    pub code: String,
    pub name: String,
    pub volunteers: i64,
    pub active: i64,
    pub hours: String,
}

pub struct SilentRow {
    pub id: i64,
    pub name: String,
    pub last: String,
    pub hours: String,
}

#[derive(Template)]
#[template(path = "retention.html")]
struct RetentionPage {
    l: Layout,
    code: String,
    weeks: String,
    figures: Vec<(String, String)>,
    tenure: Vec<Bar>,
    growth: Vec<Bar>,
    served: Vec<Bar>,
    growth_rows: Vec<(String, i64, i64)>,
    parts: Vec<PartRow>,
    /// The warning list, for those who may act on it (None: not theirs to see).
    silent: Option<Vec<SilentRow>>,
    silent_title: String,
    errors: Vec<FormError>,
}

/// A share in per mille as "63.0%".
fn percent(pm: i64) -> String {
    format!("{}.{}%", pm / 10, pm % 10)
}

async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<RetentionQuery>,
) -> PageResult {
    let t = ctx.t();
    let area =
        areas::visible(&s.db, &ctx.actor, Action::VolunteerRead, &code).await.map_err(|e| WebError::page(e, t))?;
    let (weeks, errors, status) = match v::parse_weeks(Some(&q.weeks)) {
        Ok(w) => (w, vec![], StatusCode::OK),
        Err(e) => (8, form_errors(&AppError::from(e), t), StatusCode::UNPROCESSABLE_ENTITY),
    };
    let now = s.now();
    let (f, parts) = volunteers::figures_and_parts(&s.db, &ctx.actor, &area, now, weeks).await?;
    let served_total: i64 = f.tenure.iter().map(|x| x.1).sum();
    let figures = vec![
        (t.t("page.retention.volunteers").to_string(), f.volunteers.to_string()),
        (t.t("page.retention.active").to_string(), f.active.to_string()),
        (t.t("page.volunteers.hours_served").to_string(), hours(f.minutes)),
        (
            t.t("page.retention.over_3y").to_string(),
            percent(permille(f.tenure.last().map_or(0, |x| x.1), served_total)),
        ),
        (
            t.t("page.retention.under_6m").to_string(),
            percent(permille(f.tenure.first().map_or(0, |x| x.1), served_total)),
        ),
        (t.t("page.retention.top_tenth").to_string(), percent(f.top_tenth)),
        (t.t("page.retention.young_deciders").to_string(), percent(permille(f.deciders_under_35, f.deciders))),
        (t.f1("page.retention.inactive", weeks), f.inactive.to_string()),
    ];
    // Tenure: four horizontal bars, 170 units for the largest band, in a chart as wide as a phone.
    let most = f.tenure.iter().map(|x| x.1).max().unwrap_or(0).max(1);
    let tenure = f
        .tenure
        .iter()
        .enumerate()
        .map(|(i, (band, n))| Bar {
            x: 96,
            y: 8 + i as i64 * 30,
            w: n * 170 / most,
            h: 20,
            label: t.t(&format!("tenure.{}", band.code())).to_string(),
            value: format!("{n} ({})", percent(permille(*n, served_total))),
        })
        .collect();
    // Growth: twelve months, the registered total and those who served in the month.
    let top = f.growth.iter().map(|g| g.1).max().unwrap_or(0).max(1);
    let bar = |i: usize, n: i64, dx: i64, label: &str| Bar {
        x: 8 + i as i64 * 34 + dx,
        y: 110 - n * 100 / top,
        w: 14,
        h: n * 100 / top,
        label: label[5..].to_string(),
        value: n.to_string(),
    };
    let growth = f.growth.iter().enumerate().map(|(i, g)| bar(i, g.1, 0, &g.0)).collect();
    let served = f.growth.iter().enumerate().map(|(i, g)| bar(i, g.2, 14, &g.0)).collect();
    let parts = parts
        .into_iter()
        .map(|p| PartRow {
            code: p.code,
            name: p.name,
            volunteers: p.volunteers,
            active: p.active,
            hours: hours(p.minutes),
        })
        .collect();
    let may_act = ctx.actor.can(Action::VolunteerManage, Some(&area.path))
        || ctx.actor.can(Action::HoursVerify, Some(&area.path));
    let silent = if may_act {
        Some(
            volunteers::inactive(&s.db, &ctx.actor, &area, now, weeks, 100)
                .await?
                .into_iter()
                .map(|x| SilentRow {
                    id: x.id,
                    name: x.name.clone(),
                    last: x.last_served_at.map(|l| local_time(l)[..10].to_string()).unwrap_or_default(),
                    hours: hours(x.minutes),
                })
                .collect(),
        )
    } else {
        None
    };
    let page = RetentionPage {
        l: Layout::with_title(&ctx, t.f1("page.retention.title_of", &area.name)),
        code: area.code.clone(),
        weeks: weeks.to_string(),
        figures,
        tenure,
        growth,
        served,
        growth_rows: f.growth,
        parts,
        silent,
        silent_title: t.f1("page.retention.silent", weeks),
        errors,
    };
    Ok((status, html(&page)).into_response())
}
