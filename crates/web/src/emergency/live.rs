//! The situation board's live updates as server-sent events: an event each time the incident
//! changes (a check-in result, a dispatch, an alert), which the board's script answers by
//! drawing its figures again; a plain reload shows the same.

use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::error::PageResult;
use crate::shell::extract::Id;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::response::sse::{Event, KeepAlive, Sse};
use std::convert::Infallible;
use std::time::Duration;
use wushe_app::emergency;
use wushe_domain::ids::IncidentId;

/// How often a board checks the database too, for changes made through another server.
const POLL: Duration = Duration::from_secs(3);

pub async fn live(State(s): State<AppState>, ctx: Ctx, Id(id): Id<IncidentId>) -> PageResult {
    emergency::incident(&s.db, &ctx.actor, id).await?;
    let rx = emergency::subscribe(&s.db, id);
    let start = emergency::stamp(&s.db, id).await?;
    let stream = futures_util::stream::unfold((s.db.clone(), rx, start), move |(db, mut rx, last)| async move {
        loop {
            // A closed channel (no sender left) would answer at once: wait instead.
            if let Ok(Err(_)) = tokio::time::timeout(POLL, rx.changed()).await {
                tokio::time::sleep(POLL).await;
            }
            let now = emergency::stamp(&db, id).await.ok()?;
            if now != last {
                let event = Event::default().event("changed").data(now.to_string());
                return Some((Ok::<_, Infallible>(event), (db, rx, now)));
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()).into_response())
}

/// The board's script: a static file, as the pages' security policy allows no inline script.
pub async fn script() -> axum::response::Response {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/live.js"),
    )
        .into_response()
}
