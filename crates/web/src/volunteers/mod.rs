//! Volunteers (V1–V6) on the web: the volunteer's own phone-first pages and the activities
//! (`pages`), the staff's pages of volunteers, hours to verify, points and growth (`staff`),
//! retention and the roll-up (`retention`), and the JSON API of the points ledger (the
//! interface contract scripts rely on) and of the retention figures (`api`).

pub mod api;
pub mod growth;
pub mod pages;
pub mod retention;
pub mod roster;
pub mod staff;
pub mod views;

use crate::shell::manifest::{Href, Job, Manifest, NavEntry, Shown, keyed};
use crate::shell::registry::Registry;
use wushe_domain::access::Action;

pub static MANIFEST: Manifest = Manifest {
    name: "volunteers",
    routes,
    openapi: || <api::VolunteersApi as utoipa::OpenApi>::openapi(),
    nav: &[
        NavEntry {
            rank: 72,
            label: "nav.volunteers",
            href: Href::Community("/communities/{c}/volunteers"),
            shown: Shown::Allowed(Action::VolunteerRead),
        },
        NavEntry { rank: 145, label: "nav.my_volunteer", href: Href::Fixed("/my/volunteer"), shown: Shown::SignedIn },
    ],
    start: &[
        NavEntry {
            rank: 45,
            label: "start.my_volunteer",
            href: Href::Fixed("/my/volunteer"),
            shown: Shown::AllowedNot(Action::OwnAccount, Action::VolunteerRead),
        },
        NavEntry {
            rank: 55,
            label: "start.verify_hours",
            href: Href::Community("/communities/{c}/volunteers/hours"),
            shown: Shown::Allowed(Action::HoursVerify),
        },
    ],
    jobs: &[
        Job {
            name: "activity-places-expire",
            every_secs: 60,
            run: |s, now| Box::pin(async move { wushe_app::volunteers::expire_places(&s.db, now).await }),
        },
        Job {
            name: "points-expire",
            every_secs: 3600,
            run: |s, now| Box::pin(async move { wushe_app::volunteers::expire_points(&s.db, now).await }),
        },
    ],
    catalogue: &[
        "volunteer.status.",
        "activity.kind.",
        "record.status.",
        "record.source.",
        "record.role.",
        "points.trigger.",
        "points.kind.",
        "signup.status.",
        "mentorship.status.",
        "mentor.stage.",
        "tenure.",
    ],
    keys: || {
        use wushe_domain::volunteers as v;
        keyed("notify.", ["volunteer_registered", "volunteer_approved", "volunteer_declined"])
            .chain(keyed("volunteer.status.", v::VolunteerStatus::ALL.iter().map(|x| x.code())))
            .chain(keyed("activity.kind.", v::ActivityKind::ALL.iter().map(|x| x.code())))
            .chain(keyed("record.status.", v::RecordStatus::ALL.iter().map(|x| x.code())))
            .chain(keyed("record.source.", v::RecordSource::ALL.iter().map(|x| x.code())))
            .chain(keyed("record.role.", v::RecordRole::ALL.iter().map(|x| x.code())))
            .chain(keyed("points.trigger.", v::Trigger::ALL.iter().map(|x| x.code())))
            .chain(keyed("points.kind.", v::EntryKind::ALL.iter().map(|x| x.code())))
            .chain(keyed("signup.status.", v::SignupStatus::ALL.iter().map(|x| x.code())))
            .chain(keyed("mentorship.status.", v::MentorshipStatus::ALL.iter().map(|x| x.code())))
            .chain(keyed("mentor.stage.", v::MentorStage::ALL.iter().map(|x| x.code())))
            .chain(keyed("tenure.", v::Tenure::ALL.iter().map(|x| x.code())))
            .collect()
    },
};

fn routes(r: &mut Registry) {
    pages::routes(r);
    staff::routes(r);
    growth::routes(r);
    roster::routes(r);
    retention::routes(r);
    api::routes(r);
}
