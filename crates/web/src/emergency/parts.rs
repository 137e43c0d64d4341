//! The board's parts after the first hours (E4, E5), as the board draws them: supplies and
//! offers of help, the key services' recovery with the resilience triangle as SVG, situation
//! reports and the review.

use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::i18n::T;
use crate::shell::layout::local_time;
use wushe_app::AppError;
use wushe_app::emergency::{self, Incident, Recovery};
use wushe_domain::access::Action;
use wushe_domain::emergency::{KeyService, OfferStatus};

/// One service's line on the chart.
pub struct Line {
    pub class: &'static str,
    pub label: String,
    pub points: String,
    pub loss: String,
    pub last: String,
}

/// The recovery part of the board.
pub struct RecoveryView {
    pub lines: Vec<Line>,
    pub loss: String,
    pub from: String,
    pub to: String,
    pub services: Vec<(&'static str, String)>,
    pub reports: Vec<(String, String, String)>,
    pub review: Option<(String, String, String)>,
    pub can_record: bool,
    pub can_review: bool,
}

pub const CHART_W: f64 = 320.0;
pub const CHART_H: f64 = 120.0;

/// The curves as SVG polylines over the window, 100% at the top.
pub fn lines(t: T, r: &Recovery) -> Vec<Line> {
    const CLASSES: [&str; 6] = ["line-0", "line-1", "line-2", "line-3", "line-4", "line-5"];
    let span = (r.end - r.start).max(1) as f64;
    let x = |at: i64| ((at - r.start).max(0) as f64 / span * CHART_W).min(CHART_W);
    let y = |p: f64| CHART_H - p / 100.0 * CHART_H;
    r.curves
        .iter()
        .enumerate()
        .map(|(k, c)| {
            // 100% before the first reading, held after the last: the triangle's outline.
            let mut pts = vec![(0.0, y(100.0))];
            for f in &c.readings {
                pts.push((x(f.at_ms), y(f.percent)));
            }
            let last = c.readings.last().map(|f| f.percent).unwrap_or(100.0);
            pts.push((CHART_W, y(last)));
            Line {
                class: CLASSES[k % CLASSES.len()],
                label: t.t(&format!("service.{}", c.service.code())).to_string(),
                points: pts.iter().map(|(a, b)| format!("{a:.1},{b:.1}")).collect::<Vec<_>>().join(" "),
                loss: t.f("page.recovery.loss", &[&format!("{:.0}", c.loss)]),
                last: format!("{last:.0}%"),
            }
        })
        .collect()
}

pub async fn view(s: &AppState, ctx: &Ctx, i: &Incident) -> Result<RecoveryView, AppError> {
    let t = ctx.t();
    let r = emergency::recovery(&s.db, &ctx.actor, s.now(), i.id).await?;
    let reports = emergency::reports(&s.db, i.id)
        .await?
        .into_iter()
        .map(|r| (local_time(r.at), r.by_name.unwrap_or_default(), r.body))
        .collect();
    let review = emergency::review_of(&s.db, i.id).await?.map(|r| (r.went_well, r.to_improve, r.lessons));
    Ok(RecoveryView {
        lines: lines(t, &r),
        loss: t.f("page.recovery.total", &[&format!("{:.0}", r.loss)]),
        from: local_time(r.start),
        to: local_time(r.end),
        services: KeyService::ALL
            .iter()
            .map(|k| (k.code(), t.t(&format!("service.{}", k.code())).to_string()))
            .collect(),
        reports,
        review,
        can_record: ctx.actor.can(Action::NeedRecord, Some(&i.area_path)),
        can_review: !i.active() && ctx.actor.can(Action::EmergencyPlan, Some(&i.area_path)),
    })
}

/// The supplies part of the board.
pub struct SuppliesView {
    pub stock: Vec<(i64, String, String)>,
    pub issued: Vec<(String, i64, String)>,
    pub offers: Vec<OfferRow>,
    pub can_issue: bool,
}

pub struct OfferRow {
    pub id: i64,
    pub from: String,
    pub what: String,
    pub status: String,
    pub open: bool,
    pub suggested: Vec<(i64, String)>,
    pub when: String,
}

pub async fn supplies(s: &AppState, ctx: &Ctx, i: &Incident) -> Result<SuppliesView, AppError> {
    let t = ctx.t();
    let stock = wushe_app::resources::stockpiles_in(&s.db, i.community_id).await?;
    let offers = emergency::offers(&s.db, i.id).await?;
    Ok(SuppliesView {
        stock: stock
            .iter()
            .map(|r| (r.id.get(), r.name.clone(), format!("{} {}", r.quantity.unwrap_or(0), r.unit)))
            .collect(),
        issued: emergency::issued(&s.db, i.id)
            .await?
            .into_iter()
            .map(|x| (x.resource, x.households, format!("{} {}", x.quantity, x.unit)))
            .collect(),
        offers: offers
            .iter()
            .map(|o| OfferRow {
                id: o.id,
                from: o.offered_by.clone(),
                what: format!("{} {} {}", o.what, o.quantity, o.unit),
                status: t.t(&format!("offer.status.{}", o.status.code())).to_string(),
                open: o.status == OfferStatus::Open,
                suggested: emergency::suggestions(o, &stock)
                    .into_iter()
                    .map(|r| (r.id.get(), r.name.clone()))
                    .collect(),
                when: local_time(o.at),
            })
            .collect(),
        can_issue: i.active() && ctx.actor.can(Action::NeedRecord, Some(&i.area_path)),
    })
}
