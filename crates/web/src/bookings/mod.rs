//! Bookings of spaces (R4): free slots, requests and decisions, and calendar feeds (iCalendar).

pub mod api;
pub mod pages;

use crate::shell::manifest::{Href, Job, Manifest, NavEntry, Shown, keyed};
use crate::shell::registry::Registry;

pub static MANIFEST: Manifest = Manifest {
    name: "bookings",
    routes,
    openapi: || <api::BookingsApi as utoipa::OpenApi>::openapi(),
    nav: &[
        NavEntry {
            rank: 80,
            label: "nav.spaces",
            href: Href::Community("/communities/{c}/spaces"),
            shown: Shown::Always,
        },
        NavEntry { rank: 150, label: "nav.my_bookings", href: Href::Fixed("/my/bookings"), shown: Shown::SignedIn },
    ],
    start: &[NavEntry {
        rank: 60,
        label: "start.book_space",
        href: Href::Community("/communities/{c}/spaces"),
        shown: Shown::SignedIn,
    }],
    jobs: &[Job {
        name: "booking-requests-lapse",
        every_secs: 60,
        run: |s, now| Box::pin(async move { wushe_app::bookings::expire_requests(&s.db, now).await }),
    }],
    catalogue: &["booking.who.", "booking.live.", "booking.status.", "booking.approval."],
    keys: || {
        use wushe_domain::resources::{BookerClass, BookingStatus};
        keyed("booking.status.", BookingStatus::ALL.iter().map(|s| s.code()))
            .chain(keyed("booking.who.", BookerClass::ALL.iter().map(|w| w.code())))
            .collect()
    },
};

fn routes(r: &mut Registry) {
    pages::routes(r);
    api::routes(r);
}
