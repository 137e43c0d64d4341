//! Short-lived read caches for the submission path, where every request would otherwise read
//! the same community's categories, calendar and places.
//!
//! Writes made through this process drop the entries they change at once; a write made by
//! another process (a second server on the same PostgreSQL, the `wushe` command line) is seen
//! when the entry expires. Entries are only what never or rarely changes: an area's code, path,
//! kind and community never change after it is created; categories and calendars change a few
//! times a year. Empty answers are never kept, so something just created is seen at once.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
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

/// The caches of one database, one value per type: each capability keeps its own cache type
/// (areas by code, a community's categories, the matching snapshots) and asks for it here,
/// so this module knows none of them.
#[derive(Default)]
pub struct Caches {
    by_type: std::sync::RwLock<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
}

impl Caches {
    /// The cache of type `C`, made with its `Default` the first time it is asked for.
    pub fn get<C: Default + Send + Sync + 'static>(&self) -> Arc<C> {
        let id = TypeId::of::<C>();
        if let Some(c) = self.by_type.read().unwrap_or_else(|p| p.into_inner()).get(&id) {
            return Arc::clone(c).downcast::<C>().expect("keyed by its own type");
        }
        let mut map = self.by_type.write().unwrap_or_else(|p| p.into_inner());
        let c = map.entry(id).or_insert_with(|| Arc::new(C::default()));
        Arc::clone(c).downcast::<C>().expect("keyed by its own type")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_type_has_one_cache_made_on_first_use() {
        #[derive(Default)]
        struct Hits(Mutex<u32>);
        let caches = Caches::default();
        *caches.get::<Hits>().0.lock().unwrap() += 1;
        *caches.get::<Hits>().0.lock().unwrap() += 1;
        assert_eq!(*caches.get::<Hits>().0.lock().unwrap(), 2, "the same cache both times");
        assert!(caches.get::<Vec<i64>>().is_empty(), "another type, another cache");
    }

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
