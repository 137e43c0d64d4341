//! Time: stored as UTC milliseconds, shown in Asia/Shanghai by the web layer. Rules that
//! depend on "now" take a `&dyn Clock` so tests can move time without faking the system clock.

pub trait Clock: Send + Sync {
    fn now_millis(&self) -> i64;
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_millis(&self) -> i64 {
        chrono::Utc::now().timestamp_millis()
    }
}

/// The communities' local time zone (China Standard Time) as chrono needs it.
pub fn local() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt((wushe_domain::LOCAL_OFFSET_MS / 1000) as i32).expect("a valid offset")
}

/// A stored time in local time, formatted (`%Y-%m-%d %H:%M` and the like); empty if out of range.
pub fn local_text(ms: i64, format: &str) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.with_timezone(&local()).format(format).to_string())
        .unwrap_or_default()
}

/// A clock that tests set by hand.
#[derive(Debug, Default)]
pub struct ManualClock(pub std::sync::atomic::AtomicI64);

impl Clock for ManualClock {
    fn now_millis(&self) -> i64 {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}
