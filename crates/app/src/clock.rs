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

/// A clock that tests set by hand.
#[derive(Debug, Default)]
pub struct ManualClock(pub std::sync::atomic::AtomicI64);

impl Clock for ManualClock {
    fn now_millis(&self) -> i64 {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}
