//! The street officer's home: every community of the street side by side — open and overdue
//! needs now, this month's needs and response rate — each linking into the community.

use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::error::PageResult;
use crate::shell::layout::{Layout, html};
use askama::Template;
use axum::extract::{Path, State};
use wushe_app::needs::metrics::{self as needs_metrics, Month};
use wushe_app::{AppError, areas, needs};
use wushe_domain::access::Action;
use wushe_domain::areas::AreaKind;

#[derive(Template)]
#[template(path = "street.html")]
struct StreetPage {
    l: Layout,
    code: String,
    month_label: String,
    totals: Vec<(String, String)>,
    communities: Vec<CommunityCard>,
}

struct CommunityCard {
    code: String,
    name: String,
    open: i64,
    overdue: i64,
    needs: i64,
    response_rate: String,
}

pub(crate) async fn street(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> PageResult {
    let t = ctx.t();
    let street = areas::visible(&s.db, &ctx.actor, Action::OverviewRead, &code).await?;
    // The street page is for people whose grants cover the whole street, not a community's staff.
    if street.kind != AreaKind::Street || !ctx.actor.can(Action::OverviewRead, Some(&street.path)) {
        return Err(AppError::NotFound.into());
    }
    let month = Month::of(s.now());
    let open = needs::open_counts(&s.db, &street).await?;
    let m = needs_metrics::metrics(&s.db, &ctx.actor, &street, month).await?;
    let divisions = areas::divisions(&s.db, &street).await?;
    let rate = |x: Option<f64>| x.map(|v| format!("{:.0}%", v * 100.0)).unwrap_or_else(|| "—".into());
    let communities: Vec<CommunityCard> = divisions
        .iter()
        .filter(|d| d.area.kind == AreaKind::Community)
        .map(|d| {
            let (o, od) = open.iter().find(|(c, _, _)| *c == d.area.code).map(|(_, n, o)| (*n, *o)).unwrap_or((0, 0));
            let f = m.by_division.iter().find(|(c, _)| *c == d.area.code).map(|(_, f)| f);
            CommunityCard {
                code: d.area.code.clone(),
                name: d.area.name.clone(),
                open: o,
                overdue: od,
                needs: f.map(|f| f.counts.needs).unwrap_or(0),
                response_rate: rate(f.and_then(|f| f.response_rate())),
            }
        })
        .collect();
    let totals = vec![
        (t.t("page.street.open").to_string(), communities.iter().map(|c| c.open).sum::<i64>().to_string()),
        (t.t("page.street.overdue").to_string(), communities.iter().map(|c| c.overdue).sum::<i64>().to_string()),
        (t.t("page.street.needs_month").to_string(), m.overall.counts.needs.to_string()),
        (t.t("metrics.response_rate").to_string(), rate(m.overall.response_rate())),
    ];
    Ok(html(&StreetPage {
        l: Layout::with_title(&ctx, street.name.clone()),
        code: street.code,
        month_label: t.f("page.street.month", &[&month]),
        totals,
        communities,
    }))
}
