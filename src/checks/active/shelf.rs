//! [`Shelf`]: what an active check works out once per scan and its later
//! sessions reuse (the target's public keys, tokens signed in for), by key.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Values kept for the whole scan, by key; each key's value has one type.
#[derive(Default)]
pub struct Shelf {
    items: Mutex<HashMap<String, Arc<dyn Any + Send + Sync>>>,
}

impl Shelf {
    /// An empty shelf.
    pub fn new() -> Self {
        Shelf::default()
    }

    /// The value kept under `key`, if there is one of type `T`.
    pub fn get<T: Any + Send + Sync + Clone>(&self, key: &str) -> Option<T> {
        let items = match self.items.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        items.get(key)?.downcast_ref::<T>().cloned()
    }

    /// The value kept under `key`, made by `make` and kept first when
    /// there is none of type `T` (one lock: concurrent callers get the same).
    pub fn get_or_put<T: Any + Send + Sync + Clone>(
        &self,
        key: &str,
        make: impl FnOnce() -> T,
    ) -> T {
        let mut items = match self.items.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(v) = items.get(key).and_then(|v| v.downcast_ref::<T>()) {
            return v.clone();
        }
        let value = make();
        items.insert(key.to_owned(), Arc::new(value.clone()));
        value
    }

    /// Keeps `value` under `key` (replacing what was there).
    pub fn put<T: Any + Send + Sync>(&self, key: &str, value: T) {
        let mut items = match self.items.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        items.insert(key.to_owned(), Arc::new(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_come_back_by_key_and_type() {
        let shelf = Shelf::new();
        assert_eq!(shelf.get::<u32>("a"), None);
        shelf.put("a", 7u32);
        assert_eq!(shelf.get::<u32>("a"), Some(7));
        assert_eq!(shelf.get::<String>("a"), None);
        shelf.put("a", vec!["x".to_owned()]);
        assert_eq!(shelf.get::<Vec<String>>("a"), Some(vec!["x".to_owned()]));
    }
}
