//! Emergency mode (E1–E3) on the web: the community's emergency page and the switch, the
//! situation board with its live updates, the phone page of check-in visits, and the public
//! CAP 1.2 feed of alerts.

pub mod cap;
pub mod live;
pub mod pages;
pub mod parts;
pub mod plans;
pub mod recovery;
pub mod street;

use crate::shell::manifest::{Href, Job, Manifest, NavEntry, Shown, keyed, no_api};
use crate::shell::registry::Registry;
use axum::http::Method;
use wushe_domain::access::Action;

pub static MANIFEST: Manifest = Manifest {
    name: "emergency",
    routes,
    openapi: no_api,
    nav: &[
        NavEntry {
            rank: 12,
            label: "nav.emergency",
            href: Href::Community("/communities/{c}/emergency"),
            shown: Shown::Allowed(Action::EmergencyRead),
        },
        NavEntry {
            rank: 14,
            label: "nav.emergency",
            href: Href::Street("/streets/{s}/emergency"),
            shown: Shown::Allowed(Action::EmergencyDeclare),
        },
        NavEntry {
            rank: 13,
            label: "nav.checkins",
            href: Href::Fixed("/checkins"),
            shown: Shown::Allowed(Action::EmergencyDuty),
        },
    ],
    start: &[],
    jobs: &[Job {
        name: "checkins-sweep",
        every_secs: 60,
        run: |s, now| Box::pin(async move { wushe_app::emergency::sweep(&s.db, now).await }),
    }],
    catalogue: &[
        "hazard.",
        "severity.",
        "checkin.",
        "alert.kind.",
        "skill.",
        "page.incident.log.",
        "service.",
        "offer.status.",
    ],
    keys,
};

fn keys() -> Vec<String> {
    use wushe_domain::emergency::{AlertKind, CheckinResult, CheckinStatus, Hazard, Severity};
    let mut k: Vec<String> = keyed("hazard.", Hazard::ALL.iter().map(|h| h.code())).collect();
    k.extend(keyed("severity.", Severity::ALL.iter().map(|h| h.code())));
    k.extend(keyed("checkin.result.", CheckinResult::ALL.iter().map(|h| h.code())));
    k.extend(keyed("checkin.status.", CheckinStatus::ALL.iter().map(|h| h.code())));
    k.extend(keyed("flash.checkin.", CheckinResult::ALL.iter().map(|h| h.code())));
    k.extend(keyed("alert.kind.", AlertKind::ALL.iter().map(|h| h.code())));
    k.extend(keyed("skill.", wushe_domain::dispatch::Skill::ALL.iter().map(|h| h.code())));
    k.extend(keyed("page.incident.log.", ["declared", "changed", "closed"]));
    k.extend(keyed("notify.", ["checkin", "alert", "alert_update", "alert_cancel"]));
    k.extend(keyed("service.", wushe_domain::emergency::KeyService::ALL.iter().map(|h| h.code())));
    k.extend(keyed("offer.status.", wushe_domain::emergency::OfferStatus::ALL.iter().map(|h| h.code())));
    k
}

fn routes(r: &mut Registry) {
    pages::routes(r);
    plans::routes(r);
    recovery::routes(r);
    street::routes(r);
    r.page(Method::GET, "/incidents/{id}/live", Action::EmergencyRead, live::live);
    r.page(Method::GET, "/static/live.js", Action::Public, live::script);
    cap::routes(r);
}
