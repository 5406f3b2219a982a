//! What the judge remembers about response bodies it has seen: a body that
//! conformed to its schema, and a body that held no leak, are known by a
//! keyed hash of their bytes, and the same bytes are not parsed, validated
//! or scanned again. APIs repeat bodies (an error document, an empty list, a
//! resource read again), and a scan sends the same request shape many times.
//!
//! Only the outcome that yields no verdict is remembered, for a few recent
//! bodies: a body that broke its schema or held a leak is judged in full
//! every time. The hash is keyed per judge, so a server cannot aim a body at
//! a remembered one.

use std::collections::HashMap;
use std::hash::{BuildHasher as _, RandomState};
use std::sync::Mutex;

use crate::model::SchemaId;

/// How many conforming bodies are remembered per schema.
const PER_SCHEMA: usize = 8;

/// How many leak-free bodies are remembered.
const LEAK_FREE: usize = 64;

/// A body's key: its length and its keyed 64-bit hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct BodyKey(usize, u64);

/// The last few keys, the oldest overwritten first.
#[derive(Debug, Clone)]
struct Recent<const N: usize> {
    keys: [BodyKey; N],
    next: usize,
}

impl<const N: usize> Default for Recent<N> {
    fn default() -> Self {
        Recent {
            keys: [BodyKey::default(); N],
            next: 0,
        }
    }
}

impl<const N: usize> Recent<N> {
    fn contains(&self, key: BodyKey) -> bool {
        self.keys.contains(&key)
    }

    fn push(&mut self, key: BodyKey) {
        if let Some(slot) = self.keys.get_mut(self.next) {
            *slot = key;
        }
        self.next = (self.next + 1) % N;
    }
}

/// The bodies one judge remembers. `Send + Sync`: shared by every worker.
#[derive(Debug, Default)]
pub(crate) struct Memo {
    hasher: RandomState,
    conforming: Mutex<HashMap<SchemaId, Recent<PER_SCHEMA>>>,
    leak_free: Mutex<Recent<LEAK_FREE>>,
}

impl Memo {
    /// The key of a body.
    pub(crate) fn key(&self, body: &[u8]) -> BodyKey {
        BodyKey(body.len(), self.hasher.hash_one(body))
    }

    /// Whether a body with this key conformed to schema `id` lately.
    pub(crate) fn conformed(&self, id: SchemaId, key: BodyKey) -> bool {
        let conforming = self.conforming.lock().unwrap_or_else(|e| e.into_inner());
        conforming
            .get(&id)
            .is_some_and(|recent| recent.contains(key))
    }

    /// Remembers that a body with this key conforms to schema `id`.
    pub(crate) fn remember_conforming(&self, id: SchemaId, key: BodyKey) {
        let mut conforming = self.conforming.lock().unwrap_or_else(|e| e.into_inner());
        conforming.entry(id).or_default().push(key);
    }

    /// Whether a body with this key held no leak lately.
    pub(crate) fn leak_free(&self, key: BodyKey) -> bool {
        let recent = self.leak_free.lock().unwrap_or_else(|e| e.into_inner());
        recent.contains(key)
    }

    /// Remembers that a body with this key holds no leak.
    pub(crate) fn remember_leak_free(&self, key: BodyKey) {
        let mut recent = self.leak_free.lock().unwrap_or_else(|e| e.into_inner());
        recent.push(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conforming_bodies_are_remembered_per_schema_and_the_oldest_goes_first() {
        let memo = Memo::default();
        let (a, b) = (SchemaId(1), SchemaId(2));
        let bodies: Vec<String> = (0..=PER_SCHEMA)
            .map(|i| format!(r#"{{"id": {i}}}"#))
            .collect();
        let keys: Vec<_> = bodies.iter().map(|b| memo.key(b.as_bytes())).collect();
        // the same bytes give the same key; other bytes another
        assert_eq!(keys[0], memo.key(bodies[0].as_bytes()));
        assert_ne!(keys[0], keys[1]);
        assert!(!memo.conformed(a, keys[0]));
        for key in &keys[..PER_SCHEMA] {
            memo.remember_conforming(a, *key);
        }
        assert!(keys[..PER_SCHEMA].iter().all(|k| memo.conformed(a, *k)));
        // for schema `a` only
        assert!(!memo.conformed(b, keys[0]));
        // one more pushes out the first
        memo.remember_conforming(a, keys[PER_SCHEMA]);
        assert!(!memo.conformed(a, keys[0]));
        assert!(keys[1..].iter().all(|k| memo.conformed(a, *k)));
    }

    #[test]
    fn leak_free_bodies_are_remembered_apart_from_conforming_ones() {
        let memo = Memo::default();
        let key = memo.key(b"{}");
        assert!(!memo.leak_free(key));
        memo.remember_conforming(SchemaId(1), key);
        assert!(!memo.leak_free(key));
        memo.remember_leak_free(key);
        assert!(memo.leak_free(key));
        for i in 0..LEAK_FREE {
            memo.remember_leak_free(memo.key(format!("{i}").as_bytes()));
        }
        assert!(!memo.leak_free(key));
    }

    #[test]
    fn keys_differ_between_judges() {
        // keyed per memo: another judge's hash of the same bytes differs
        // (with overwhelming likelihood; equal only if both keys collide)
        let (one, two) = (Memo::default(), Memo::default());
        assert_ne!(one.key(b"same bytes"), two.key(b"same bytes"));
    }
}
