//! [`Bases`]: per operation, the requests the target accepted during the
//! scan (a few cases that answered 2xx, recorded by the engine as they go
//! by) and the base case every active session of the operation starts from,
//! settled once (see `Session::settle`); and the scan's ownership map
//! (`ownership.rs`), built once by the first `bola` session that needs it.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::OnceCell;

use crate::generate::{Case, Intent};

/// Accepted cases kept per operation, at most.
pub const ACCEPTED_PER_OPERATION: usize = 4;

/// One operation's accepted cases and settled base.
#[derive(Default)]
struct Entry {
    /// How many cases were kept (read without the lock on the hot path).
    kept: AtomicUsize,
    accepted: Mutex<Vec<Case>>,
    settled: OnceCell<Option<Case>>,
}

/// Per operation (its index in `api.operations`): the cases the target
/// answered with 2xx, and the base case its active sessions share.
pub struct Bases {
    entries: Vec<Entry>,
    ownership: OnceCell<super::ownership::Ownership>,
}

impl Bases {
    /// Room for `operations` operations.
    pub fn new(operations: usize) -> Self {
        Bases {
            entries: (0..operations).map(|_| Entry::default()).collect(),
            ownership: OnceCell::new(),
        }
    }

    /// Whether a 2xx answer to a case of `intent` for `operation` is worth
    /// keeping (one atomic load: the hot path asks before cloning).
    /// Attack cases never are: a payload is no base.
    pub fn wants(&self, operation: usize, intent: Intent) -> bool {
        intent != Intent::Attack
            && self
                .entries
                .get(operation)
                .is_some_and(|e| e.kept.load(Ordering::Relaxed) < ACCEPTED_PER_OPERATION)
    }

    /// Keeps `case`, which the target answered with 2xx, while there is room.
    pub fn accept(&self, operation: usize, case: &Case) {
        let Some(entry) = self.entries.get(operation) else {
            return;
        };
        let mut list = match entry.accepted.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        if list.len() >= ACCEPTED_PER_OPERATION {
            return;
        }
        list.push(case.clone());
        entry.kept.store(list.len(), Ordering::Relaxed);
    }

    /// The cases of `operation` the target accepted, positive ones first.
    pub fn accepted(&self, operation: usize) -> Vec<Case> {
        let Some(entry) = self.entries.get(operation) else {
            return Vec::new();
        };
        let mut list = match entry.accepted.lock() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        // in a stable order whatever order the workers kept them in
        list.sort_by_cached_key(|c| {
            let rank = match c.intent {
                Intent::Positive => 0,
                Intent::Boundary => 1,
                _ => 2,
            };
            (rank, format!("{:?}", c.values))
        });
        list
    }

    /// The cell holding the scan's ownership map.
    pub(super) fn ownership(&self) -> &OnceCell<super::ownership::Ownership> {
        &self.ownership
    }

    /// The cell holding `operation`'s settled base (`None` inside: no case
    /// could be built).
    pub(super) fn settled(&self, operation: usize) -> Option<&OnceCell<Option<Case>>> {
        self.entries.get(operation).map(|e| &e.settled)
    }
}
