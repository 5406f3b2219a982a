//! Shards: one scan's operations split into N parts that N processes scan
//! side by side (`--shard K/N`), and `apiprobe merge` puts back together.
//!
//! The split is a pure function of the spec and the plan's options: each
//! operation is keyed by a stable hash of its method and path (FNV-1a over
//! the text, never Rust's randomly keyed hasher) and weighed by the number
//! of probes the plan gives it; operations are taken heaviest first (ties
//! by key, then id) and each goes to the shard with the least weight so far
//! (ties to the lowest shard). The same spec and options give the same
//! shards on every machine, in every run, whatever the seed.
//!
//! A shard keeps the operations it covers in the selection's order; the
//! producers its operations need (creations, listings) are called by the
//! shard itself (the pool and the active phase look them up in the whole
//! API), and the sign-in is made by every shard.

use std::fmt;
use std::str::FromStr;

use crate::generate::Payloads;
use crate::model::{Api, Operation};

use super::plan::{Plan, PlanOptions};

/// Which part of a scan to run: shard `index` of `count`, from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardSpec {
    /// This shard, from 1 to `count`.
    pub index: u32,
    /// How many shards the scan is split into.
    pub count: u32,
}

/// The most shards a scan can be split into.
pub const MAX_SHARDS: u32 = 10_000;

/// Why a shard was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    /// Not `K/N` with two whole numbers.
    #[error("bad shard {given:?}: expected K/N with whole numbers, e.g. 2/3 (shard 2 of 3)")]
    Syntax {
        /// What was given.
        given: String,
    },
    /// `K` outside 1..=N, or `N` out of range.
    #[error("bad shard {given:?}: {reason}")]
    Range {
        /// What was given.
        given: String,
        /// What is wrong.
        reason: String,
    },
}

impl ShardSpec {
    /// Shard `index` (from 1) of `count`, checked as [`FromStr`] checks it.
    pub fn new(index: u32, count: u32) -> Result<ShardSpec, ShardError> {
        let given = format!("{index}/{count}");
        let range = |reason: String| ShardError::Range {
            given: given.clone(),
            reason,
        };
        if count == 0 {
            return Err(range("the number of shards must be at least 1".into()));
        }
        if count > MAX_SHARDS {
            return Err(range(format!("at most {MAX_SHARDS} shards")));
        }
        if index == 0 || index > count {
            return Err(range(format!(
                "shards are numbered from 1 to {count}, so K must be in 1..={count}"
            )));
        }
        Ok(ShardSpec { index, count })
    }
}

impl FromStr for ShardSpec {
    type Err = ShardError;

    fn from_str(given: &str) -> Result<Self, Self::Err> {
        let syntax = || ShardError::Syntax {
            given: given.to_owned(),
        };
        let (k, n) = given.trim().split_once('/').ok_or_else(syntax)?;
        let number = |s: &str| -> Result<u32, ShardError> {
            let s = s.trim();
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(syntax());
            }
            // a number too large for u32 is out of range, not bad syntax
            Ok(s.parse::<u32>().unwrap_or(u32::MAX))
        };
        let (k, n) = (number(k)?, number(n)?);
        ShardSpec::new(k, n).map_err(|e| match e {
            ShardError::Range { reason, .. } => ShardError::Range {
                given: given.to_owned(),
                reason,
            },
            other => other,
        })
    }
}

impl fmt::Display for ShardSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// One shard of a scan: its spec, the operations it covers (indices into
/// [`Api::operations`], in the selection's order) and how many the whole
/// selection holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shard {
    /// Which shard.
    pub spec: ShardSpec,
    /// The operations it covers.
    pub operations: Vec<usize>,
    /// The operations of the whole scan.
    pub total: usize,
}

impl Shard {
    /// The shard `spec` of a scan of `selected` operations of `api` planned
    /// with `payloads` and `options` (the same inputs as the scan's plan).
    pub fn of(
        api: &Api,
        selected: &[usize],
        payloads: &Payloads,
        options: &PlanOptions,
        spec: ShardSpec,
    ) -> Shard {
        let weights = weights(api, selected, payloads, options);
        let parts = partition(api, &weights, spec.count);
        let index = usize::try_from(spec.index - 1).unwrap_or(usize::MAX);
        Shard {
            spec,
            operations: parts.into_iter().nth(index).unwrap_or_default(),
            total: selected.len(),
        }
    }
}

/// The stable key of an operation: FNV-1a (64-bit) over `METHOD path`
/// (and what the `paths` key held after the template, which tells apart
/// AWS-style operations sharing a path).
pub fn key(op: &Operation) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0100_0000_01b3;
    let mut hash = OFFSET;
    let rest = op.key_rest.as_deref().unwrap_or("");
    for part in [op.method.as_str(), " ", op.path.as_str(), rest] {
        for &b in part.as_bytes() {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    hash
}

/// Each of `selected` with the number of probes the plan gives it, in the
/// selection's order; an operation the plan leaves out (a destructive one,
/// sent once at the end; a write in a read-only scan) weighs 1.
pub fn weights(
    api: &Api,
    selected: &[usize],
    payloads: &Payloads,
    options: &PlanOptions,
) -> Vec<(usize, usize)> {
    let plan = Plan::new(api, selected, payloads, options);
    let planned: std::collections::HashMap<usize, usize> = plan.per_operation().collect();
    selected
        .iter()
        .map(|&i| (i, planned.get(&i).copied().unwrap_or(1).max(1)))
        .collect()
}

/// Splits the weighed operations into `count` shards (at least one), each
/// in the order `weights` lists them: heaviest first into the lightest
/// shard (see the module's documentation).
pub fn partition(api: &Api, weights: &[(usize, usize)], count: u32) -> Vec<Vec<usize>> {
    let count = usize::try_from(count.max(1)).unwrap_or(1);
    let mut order: Vec<(usize, usize, u64, &str)> = weights
        .iter()
        .enumerate()
        .map(|(position, &(index, weight))| {
            let (hash, id) = api
                .operations
                .get(index)
                .map_or((0, ""), |op| (key(op), op.id.as_str()));
            (position, weight, hash, id)
        })
        .collect();
    order.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then_with(|| a.2.cmp(&b.2))
            .then_with(|| a.3.cmp(b.3))
            .then_with(|| a.0.cmp(&b.0))
    });
    let mut load = vec![0usize; count];
    let mut member: Vec<usize> = vec![0; weights.len()];
    for &(position, weight, _, _) in &order {
        let lightest = (0..count).min_by_key(|&s| (load[s], s)).unwrap_or(0);
        load[lightest] += weight;
        member[position] = lightest;
    }
    let mut shards = vec![Vec::new(); count];
    for (position, &(index, _)) in weights.iter().enumerate() {
        shards[member[position]].push(index);
    }
    shards
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Loader;

    fn demo() -> Api {
        Loader::new()
            .load_str(include_str!("../../specs/demo.yaml"), "demo.yaml")
            .expect("the demo spec loads")
    }

    #[test]
    fn shard_specs_parse_and_bad_ones_say_why() {
        assert_eq!(
            "2/3".parse::<ShardSpec>(),
            Ok(ShardSpec { index: 2, count: 3 })
        );
        assert_eq!(
            "1/1".parse::<ShardSpec>().map(|s| s.to_string()),
            Ok("1/1".into())
        );
        for bad in ["0/3", "4/3", "1/0", "99999999999/3"] {
            let e = bad.parse::<ShardSpec>().unwrap_err();
            assert!(matches!(e, ShardError::Range { .. }), "{bad}: {e}");
            assert!(e.to_string().contains(bad), "{e}");
        }
        for bad in [
            "x", "", "1", "1/", "/3", "a/3", "1/b", "-1/3", "1.5/3", "1/3/4",
        ] {
            let e = bad.parse::<ShardSpec>().unwrap_err();
            assert!(matches!(e, ShardError::Syntax { .. }), "{bad}: {e}");
        }
    }

    #[test]
    fn the_demo_splits_into_balanced_disjoint_shards() {
        let api = demo();
        let all: Vec<usize> = (0..api.operations.len()).collect();
        let payloads = Payloads::builtin();
        let options = PlanOptions::default();
        let weights = weights(&api, &all, &payloads, &options);
        let total: usize = weights.iter().map(|w| w.1).sum();
        let heaviest = weights.iter().map(|w| w.1).max().unwrap_or(0);
        for n in 1..=8u32 {
            let parts = partition(&api, &weights, n);
            assert_eq!(parts.len(), n as usize);
            let mut seen: Vec<usize> = parts.iter().flatten().copied().collect();
            seen.sort_unstable();
            assert_eq!(seen, all, "n = {n}");
            // greedy into the lightest: no shard exceeds the mean by more
            // than the heaviest operation
            let weight_of = |i: usize| weights.iter().find(|w| w.0 == i).map_or(0, |w| w.1);
            for part in &parts {
                let load: usize = part.iter().map(|&i| weight_of(i)).sum();
                assert!(load <= total / n as usize + heaviest, "n = {n}: {load}");
                // each shard keeps the selection's order
                assert!(part.windows(2).all(|w| w[0] < w[1]));
            }
        }
    }

    #[test]
    fn a_shards_plan_is_the_whole_plan_cut() {
        let api = demo();
        let all: Vec<usize> = (0..api.operations.len()).collect();
        let payloads = Payloads::builtin();
        let options = PlanOptions::default();
        let whole = Plan::new(&api, &all, &payloads, &options);
        let mut sent = Vec::new();
        for k in 1..=3 {
            let shard = Shard::of(
                &api,
                &all,
                &payloads,
                &options,
                ShardSpec::new(k, 3).unwrap(),
            );
            let mut plan = whole.clone();
            plan.retain(|op| shard.operations.contains(&op));
            sent.extend(plan.iter().map(|p| (p.operation, p.kind.label(), p.round)));
        }
        let mut expected: Vec<_> = whole
            .iter()
            .map(|p| (p.operation, p.kind.label(), p.round))
            .collect();
        sent.sort();
        expected.sort();
        assert_eq!(sent, expected);
    }
}
