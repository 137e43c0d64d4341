//! The needs ledger (N1–N8): intake, the workflow, whistles, metrics, the ledger as sheets,
//! photos and the situation map.

pub mod api;
mod detail;
mod forms;
mod intake;
pub mod ledger;
pub mod map;
pub mod metrics;
mod metrics_api;
mod pages;
mod setup;
mod setup_api;
mod street;

use crate::shell::manifest::{Href, Job, Manifest, NavEntry, Shown, keyed};
use crate::shell::registry::Registry;
use wushe_domain::access::Action;

pub static MANIFEST: Manifest = Manifest {
    name: "needs",
    routes,
    openapi: || {
        use utoipa::OpenApi;
        let mut doc = api::NeedsApi::openapi();
        doc.merge(metrics_api::MetricsApi::openapi());
        doc.merge(setup_api::SetupApi::openapi());
        doc
    },
    nav: &[
        NavEntry {
            rank: 5,
            label: "nav.street",
            href: Href::Street("/streets/{s}"),
            shown: Shown::Allowed(Action::OverviewRead),
        },
        NavEntry {
            rank: 50,
            label: "nav.needs",
            href: Href::Community("/communities/{c}/needs"),
            shown: Shown::Allowed(Action::NeedRead),
        },
        NavEntry {
            rank: 60,
            label: "nav.map",
            href: Href::Community("/communities/{c}/map"),
            shown: Shown::Allowed(Action::NeedRead),
        },
        NavEntry {
            rank: 65,
            label: "nav.metrics",
            href: Href::Community("/communities/{c}/needs/metrics"),
            shown: Shown::Allowed(Action::NeedMetricsRead),
        },
        NavEntry {
            rank: 75,
            label: "nav.metrics",
            href: Href::Street("/communities/{s}/needs/metrics"),
            shown: Shown::Allowed(Action::NeedMetricsRead),
        },
        NavEntry {
            rank: 110,
            label: "nav.my_needs",
            href: Href::Fixed("/my/needs"),
            shown: Shown::Allowed(Action::NeedOwn),
        },
        NavEntry {
            rank: 120,
            label: "nav.my_tasks",
            href: Href::Fixed("/my/tasks"),
            shown: Shown::Allowed(Action::NeedWork),
        },
    ],
    start: &[
        NavEntry {
            rank: 10,
            label: "start.file_need",
            href: Href::Fixed("/my/needs/new"),
            shown: Shown::Allowed(Action::NeedOwn),
        },
        NavEntry {
            rank: 20,
            label: "start.record_need",
            href: Href::Community("/communities/{c}/needs/new"),
            shown: Shown::Allowed(Action::NeedRecord),
        },
        NavEntry {
            rank: 30,
            label: "start.ledger",
            href: Href::Community("/communities/{c}/needs?status=submitted"),
            shown: Shown::Allowed(Action::NeedManage),
        },
        NavEntry {
            rank: 40,
            label: "start.my_tasks",
            href: Href::Fixed("/my/tasks"),
            shown: Shown::Allowed(Action::NeedWork),
        },
        NavEntry {
            rank: 50,
            label: "start.my_needs",
            href: Href::Fixed("/my/needs"),
            shown: Shown::Allowed(Action::NeedOwn),
        },
    ],
    jobs: &[Job {
        name: "overdue",
        every_secs: 60,
        run: |s, now| Box::pin(async move { Ok(wushe_app::needs::flag_overdue(&s.db, now).await?.len()) }),
    }],
    catalogue: &["metrics.", "urgency.", "scope.", "channel.", "status.", "event.", "action.", "notify."],
    keys: || {
        use wushe_domain::needs::{Channel, EventKind, NeedStatus, Scope, Urgency};
        let mut keys: Vec<String> = keyed("channel.", Channel::ALL.iter().map(|c| c.code()))
            .chain(keyed("status.", NeedStatus::ALL.iter().map(|c| c.code())))
            .chain(keyed("event.", EventKind::ALL.iter().map(|c| c.code())))
            .chain(keyed("scope.", Scope::ALL.iter().map(|c| c.code())))
            .chain(keyed("urgency.", Urgency::ALL.iter().map(|c| c.code())))
            .chain(keyed("notify.", ["assigned", "resolved", "reopened", "whistled", "overdue"]))
            .collect();
        for s in NeedStatus::ALL {
            keys.extend(keyed("action.", s.next_events().iter().map(|e| e.code())));
        }
        keys
    },
};

fn routes(r: &mut Registry) {
    pages::routes(r);
    api::routes(r);
    metrics_api::routes(r);
    setup_api::routes(r);
    map::routes(r);
}
