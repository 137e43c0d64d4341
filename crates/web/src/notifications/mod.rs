//! Notifications (A2): the inbox of each account, the outbox staff watch, and the rendering
//! of a notification for each channel.

pub mod inbox;
pub mod outbox;

use crate::shell::manifest::{Href, Job, Manifest, NavEntry, Shown, keyed};
use crate::shell::registry::Registry;
use wushe_domain::access::Action;

pub use inbox::render;

pub static MANIFEST: Manifest = Manifest {
    name: "notifications",
    routes,
    openapi: || {
        use utoipa::OpenApi;
        let mut doc = inbox::InboxApi::openapi();
        doc.merge(outbox::OutboxApi::openapi());
        doc
    },
    nav: &[
        NavEntry {
            rank: 100,
            label: "nav.outbox",
            href: Href::Community("/communities/{c}/outbox"),
            shown: Shown::Allowed(Action::OutboxManage),
        },
        NavEntry { rank: 170, label: "nav.inbox", href: Href::Fixed("/inbox"), shown: Shown::SignedIn },
    ],
    start: &[],
    jobs: &[Job { name: "deliver", every_secs: 10, run: |s, now| Box::pin(async move { deliver(&s, now).await }) }],
    catalogue: &["msg.", "outbox.channel.", "outbox.status."],
    keys: || {
        keyed("outbox.status.", wushe_app::notifications::OUTBOX_STATUSES.iter().copied())
            .chain(keyed("outbox.channel.", ["email", "sms"]))
            .collect()
    },
};

fn routes(r: &mut Registry) {
    inbox::routes(r);
    outbox::routes(r);
}

/// One delivery round of the outbox; the channels are read from the environment once.
async fn deliver(s: &crate::shell::AppState, now: i64) -> Result<usize, wushe_app::AppError> {
    use wushe_app::notifications::{Channels, dispatch};
    static CHANNELS: std::sync::OnceLock<Channels> = std::sync::OnceLock::new();
    let channels = CHANNELS.get_or_init(|| Channels::from_env(render));
    let round = dispatch(&s.db, channels, now).await?;
    Ok(round.sent + round.failed + round.gave_up)
}
