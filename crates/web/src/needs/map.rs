//! N8 — the situation map (民情地图): the community's grid polygons (GeoJSON per area) drawn
//! as SVG on the server, coloured by open needs, overdue needs or vulnerable households;
//! each grid links to its ledger. No tile server, no JavaScript.

use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::error::PageResult;
use crate::shell::error::WebError;
use crate::shell::layout::Layout;
use crate::shell::layout::html;
use crate::shell::registry::Registry;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::Method;
use serde::Deserialize;
use wushe_app::{AppError, areas, needs, people};
use wushe_domain::access::Action;
use wushe_domain::areas::AreaKind;

pub fn routes(r: &mut Registry) {
    r.page(Method::GET, "/communities/{code}/map", Action::NeedRead, map);
}

pub struct GridShape {
    name: String,
    href: String,
    points: String,
    fill: &'static str,
    ink: &'static str,
    label_x: f64,
    label_y: f64,
    value: i64,
    open: i64,
    overdue: i64,
    vulnerable: i64,
}

#[derive(Template)]
#[template(path = "situation_map.html")]
struct MapPage {
    l: Layout,
    /// The map is open to choose where a need is: each grid links to the record form.
    picking: bool,
    width: f64,
    height: f64,
    grids: Vec<GridShape>,
    layers: Vec<(&'static str, String, bool)>,
    legend: String,
    palette: [&'static str; 5],
}

#[derive(Deserialize, Default)]
pub struct MapQuery {
    #[serde(default)]
    layer: String,
    /// `need`: a grid is tapped to record a need there, not to open its ledger.
    #[serde(default)]
    pick: String,
}

/// Five-class sequential palette, light to dark.
const PALETTE: [&str; 5] = ["#fff5eb", "#fdd0a2", "#fd8d3c", "#d94801", "#7f2704"];

fn ring(geojson: &str) -> Vec<(f64, f64)> {
    let v: serde_json::Value = serde_json::from_str(geojson).unwrap_or_default();
    v["coordinates"][0]
        .as_array()
        .map(|r| r.iter().filter_map(|p| Some((p[0].as_f64()?, p[1].as_f64()?))).collect())
        .unwrap_or_default()
}

async fn map(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>, Query(q): Query<MapQuery>) -> PageResult {
    let t = ctx.t();
    let e = |e| WebError::page(e, t);
    let c = areas::visible(&s.db, &ctx.actor, Action::NeedRead, &code).await?;
    if c.kind != AreaKind::Community {
        return Err(e(AppError::NotFound));
    }
    let picking = q.pick == "need" && ctx.actor.can(Action::NeedRecord, None);
    let layer = match q.layer.as_str() {
        "overdue" | "vulnerable" => q.layer.as_str(),
        _ => "open",
    };
    let divisions = areas::children(&s.db, &ctx.actor, Action::NeedRead, &c).await?;
    let counts = needs::open_counts(&s.db, &c).await?;
    // Project lon/lat to an SVG box, x scaled by cos(latitude) so shapes keep their proportions.
    let shapes: Vec<(areas::Area, Vec<(f64, f64)>)> = divisions
        .into_iter()
        .filter_map(|d| d.area.geojson.clone().map(|g| (d.area.clone(), ring(&g))))
        .filter(|(_, r)| r.len() >= 3)
        .collect();
    let all: Vec<&(f64, f64)> = shapes.iter().flat_map(|(_, r)| r.iter()).collect();
    let (minx, maxx) = all.iter().fold((f64::MAX, f64::MIN), |a, p| (a.0.min(p.0), a.1.max(p.0)));
    let (miny, maxy) = all.iter().fold((f64::MAX, f64::MIN), |a, p| (a.0.min(p.1), a.1.max(p.1)));
    let k = ((miny + maxy) / 2.0).to_radians().cos();
    let width = 800.0;
    let scale = if all.is_empty() { 1.0 } else { (width - 40.0) / ((maxx - minx) * k).max(1e-9) };
    let height = if all.is_empty() { 100.0 } else { (maxy - miny) * scale + 40.0 };
    let px = |p: &(f64, f64)| (20.0 + (p.0 - minx) * k * scale, 20.0 + (maxy - p.1) * scale);
    let mut rows = Vec::new();
    for (area, r) in &shapes {
        let code_part = area.path[c.path.len()..].trim_end_matches('/').to_string();
        let (open, overdue) =
            counts.iter().find(|(k, _, _)| *k == code_part).map(|(_, o, d)| (*o, *d)).unwrap_or((0, 0));
        let vulnerable = people::vulnerable_households(&s.db, &area.path).await?;
        rows.push((area, r, open, overdue, vulnerable));
    }
    let value_of = |open: i64, overdue: i64, vulnerable: i64| match layer {
        "overdue" => overdue,
        "vulnerable" => vulnerable,
        _ => open,
    };
    let max = rows.iter().map(|(_, _, o, d, v)| value_of(*o, *d, *v)).max().unwrap_or(0).max(1);
    let min = rows.iter().map(|(_, _, o, d, v)| value_of(*o, *d, *v)).min().unwrap_or(0).min(max);
    let grids = rows
        .into_iter()
        .map(|(area, r, open, overdue, vulnerable)| {
            let pts: Vec<(f64, f64)> = r.iter().map(px).collect();
            let n = pts.len().saturating_sub(1).max(1) as f64;
            let (cx, cy) = pts
                .iter()
                .take(pts.len().saturating_sub(1).max(1))
                .fold((0.0, 0.0), |a, p| (a.0 + p.0 / n, a.1 + p.1 / n));
            let value = value_of(open, overdue, vulnerable);
            // Classes spread over the observed range, so neighbouring grids can be told apart.
            let class =
                if max == min { 2 } else { (((value - min) as f64 / (max - min) as f64) * 4.0).round() as usize };
            GridShape {
                name: area.name.clone(),
                href: if picking && ctx.actor.can(Action::NeedRecord, Some(&area.path)) {
                    format!("/communities/{}/needs/new?area={}", c.code, area.code)
                } else if layer == "vulnerable" {
                    format!("/communities/{}/residents?vulnerability=elderly_alone", c.code)
                } else {
                    format!(
                        "/communities/{}/needs?status=open{}",
                        area.code,
                        if layer == "overdue" { "&overdue=1" } else { "" }
                    )
                },
                points: pts.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect::<Vec<_>>().join(" "),
                fill: PALETTE[class.min(4)],
                ink: if class >= 3 { "#fff" } else { "#111" },
                label_x: cx,
                label_y: cy - 6.0,
                value,
                open,
                overdue,
                vulnerable,
            }
        })
        .collect();
    let layers = [("open", "page.map.open"), ("overdue", "page.map.overdue"), ("vulnerable", "page.map.vulnerable")]
        .into_iter()
        .map(|(k, key)| (k, t.t(key).to_string(), k == layer))
        .collect();
    Ok(html(&MapPage {
        picking,
        l: Layout::with_title(&ctx, format!("{} · {}", t.t("page.map.title"), c.name)),
        width,
        height,
        grids,
        layers,
        legend: t.f("page.map.legend", &[&t.t(&format!("page.map.{layer}")), &max]),
        palette: PALETTE,
    }))
}
