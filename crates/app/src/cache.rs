//! Short-lived read caches for the submission path, where every request would otherwise read
//! the same community's categories, calendar and places.
//!
//! Writes made through this process drop the entries they change at once; a write made by
//! another process (a second server on the same PostgreSQL, the `wushe` command line) is seen
//! when the entry expires. Entries are only what never or rarely changes: an area's code, path,
//! kind and community never change after it is created; categories and calendars change a few
//! times a year. Empty answers are never kept, so something just created is seen at once.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct TtlCache<K, V> {
    ttl: Duration,
    capacity: usize,
    map: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Self { ttl, capacity, map: Mutex::new(HashMap::new()) }
    }

    pub fn get(&self, k: &K) -> Option<V> {
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        map.get(k).filter(|(at, _)| at.elapsed() < self.ttl).map(|(_, v)| v.clone())
    }

    pub fn put(&self, k: K, v: V) {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= self.capacity {
            // Bounded memory: start over rather than track recency.
            map.clear();
        }
        map.insert(k, (Instant::now(), v));
    }

    pub fn forget(&self, k: &K) {
        self.map.lock().unwrap_or_else(|p| p.into_inner()).remove(k);
    }
}

/// The caches of one database.
pub struct Caches {
    pub(crate) areas: TtlCache<String, crate::areas::Area>,
    pub(crate) categories: TtlCache<i64, Vec<crate::needs::Category>>,
    pub(crate) calendars: TtlCache<i64, wushe_domain::needs::WorkCalendar>,
    pub(crate) resources: crate::resources::SnapshotCache,
}

impl Default for Caches {
    fn default() -> Self {
        Self {
            areas: TtlCache::new(Duration::from_secs(30), 200_000),
            categories: TtlCache::new(Duration::from_secs(5), 10_000),
            calendars: TtlCache::new(Duration::from_secs(5), 10_000),
            resources: Default::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_can_be_forgotten() {
        let c: TtlCache<i64, &str> = TtlCache::new(Duration::from_millis(50), 2);
        c.put(1, "a");
        assert_eq!(c.get(&1), Some("a"));
        c.forget(&1);
        assert_eq!(c.get(&1), None);
        c.put(1, "a");
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(c.get(&1), None, "expired");
        c.put(1, "a");
        c.put(2, "b");
        c.put(3, "c");
        assert_eq!((c.get(&1), c.get(&3)), (None, Some("c")), "full: started over");
    }
}
