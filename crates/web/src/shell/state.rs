//! What every handler can reach: the database, the clock, limits and queues of this process.

use crate::shell::ctx::LoginLimiter;
use std::sync::Arc;
use wushe_app::{Clock, Db};

/// Shared state of a running server.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub limiter: Arc<LoginLimiter>,
    /// Whether the session cookie gets the `Secure` flag (off for plain-HTTP local use).
    pub secure_cookies: bool,
    /// Group commit of need submissions (N1 at volume).
    pub submissions: wushe_app::needs::SubmitQueue,
    /// Where files (need photos) are kept, outside the database.
    pub data_dir: std::path::PathBuf,
    /// Whether the client's address is the last `X-Forwarded-For` entry (behind a reverse
    /// proxy that sets it) rather than the connection's peer.
    pub trust_forwarded_for: bool,
    /// What an uploaded spreadsheet may hold (rows, columns, cells, unzipped bytes).
    pub sheet_limits: wushe_app::sheets::Limits,
}

impl AppState {
    pub fn new(db: Db, clock: Arc<dyn Clock>) -> Self {
        Self {
            submissions: wushe_app::needs::SubmitQueue::start(db.clone()),
            db,
            clock,
            limiter: Arc::new(LoginLimiter::default()),
            secure_cookies: false,
            data_dir: std::env::var_os("WUSHE_DATA_DIR").map(Into::into).unwrap_or_else(|| "data".into()),
            sheet_limits: wushe_app::sheets::Limits::default(),
            trust_forwarded_for: false,
        }
    }
    pub fn now(&self) -> i64 {
        self.clock.now_millis()
    }
    pub fn this_year(&self) -> i32 {
        use chrono::Datelike;
        chrono::DateTime::from_timestamp_millis(self.now()).map(|d| d.year()).unwrap_or(2026)
    }
}
