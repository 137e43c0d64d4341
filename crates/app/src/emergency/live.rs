//! Live updates for open situation boards: every change to an incident bumps its counter,
//! and a board waiting on it redraws. Within one server this is a watch channel; boards also
//! re-read every few seconds, so changes made through another server reach them too.

use crate::Db;
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::watch;
use wushe_domain::ids::IncidentId;

/// One counter per incident with an open board.
#[derive(Default)]
struct Live(Mutex<HashMap<i64, watch::Sender<u64>>>);

/// Something about the incident changed.
pub fn touch(db: &Db, id: IncidentId) {
    let live = db.caches.get::<Live>();
    let map = live.0.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(tx) = map.get(&id.get()) {
        tx.send_modify(|n| *n = n.wrapping_add(1));
    }
}

/// A receiver that sees each change of the incident after now.
pub fn subscribe(db: &Db, id: IncidentId) -> watch::Receiver<u64> {
    let live = db.caches.get::<Live>();
    let mut map = live.0.lock().unwrap_or_else(|p| p.into_inner());
    // Forget incidents whose boards have all closed.
    map.retain(|_, tx| tx.receiver_count() > 0);
    map.entry(id.get()).or_insert_with(|| watch::channel(0).0).subscribe()
}
