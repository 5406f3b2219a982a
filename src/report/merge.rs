//! `apiprobe merge`: the JSON reports of a sharded scan (`--shard K/N`)
//! made into one report, as if one process had scanned the whole API.
//!
//! Findings are de-duplicated by id (the same finding from two shards, such
//! as a target-wide one, counts its occurrences together; the lowest
//! shard's copy is kept), counters are summed (the wall time is the
//! longest shard's: they ran side by side), the stop reason is the worst
//! (a lost target before a budget before completion). Reports of another
//! spec or target are refused, and so are shards that do not fit together:
//! another number of shards, a shard given twice, one missing, operations
//! in two shards or in none.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::document::Report;
use crate::engine::{Stats, StopReason};

/// One report given to merge, with the file it came from (for messages).
#[derive(Debug, Clone)]
pub struct MergeInput {
    /// The file, as the user named it.
    pub file: String,
    /// Its report.
    pub report: Report,
}

/// Why reports cannot be merged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    /// No report given.
    #[error("no report to merge")]
    Empty,
    /// A report of another spec.
    #[error(
        "{file} is a report of another spec ({other}) than {first_file} ({first}): only shards of one scan merge"
    )]
    Spec {
        /// The first report's file.
        first_file: String,
        /// Its spec.
        first: String,
        /// The report that differs.
        file: String,
        /// Its spec.
        other: String,
    },
    /// A report of another target.
    #[error(
        "{file} scanned another target ({other}) than {first_file} ({first}): only shards of one scan merge"
    )]
    Target {
        /// The first report's file.
        first_file: String,
        /// Its target.
        first: String,
        /// The report that differs.
        file: String,
        /// Its target.
        other: String,
    },
    /// Shards that do not fit together.
    #[error("{0}")]
    Shards(String),
    /// Shards missing.
    #[error(
        "{} missing: the union of the shards does not cover the whole scan (give every shard's report, or --allow-missing to merge the others)",
        describe_missing(.0)
    )]
    Missing(Vec<String>),
}

fn describe_missing(missing: &[String]) -> String {
    match missing {
        [one] => format!("shard {one} is"),
        many => format!("shards {} are", many.join(", ")),
    }
}

/// A merged report and what the reader should know about it.
#[derive(Debug, Clone)]
pub struct Merged {
    /// The report.
    pub report: Report,
    /// Warnings for stderr (also among the report's notes).
    pub warnings: Vec<String>,
}

/// Merges `inputs` (see the module's documentation); with `allow_missing`,
/// missing shards are a warning instead of an error.
pub fn merge(mut inputs: Vec<MergeInput>, allow_missing: bool) -> Result<Merged, MergeError> {
    let Some(first) = inputs.first() else {
        return Err(MergeError::Empty);
    };
    let first_file = first.file.clone();
    let spec_of =
        |r: &Report| format!("{} {} from {}", r.spec.title, r.spec.version, r.spec.source);
    let (first_spec, first_target) = (spec_of(&first.report), first.report.target.clone());
    for input in &inputs[1..] {
        let spec = spec_of(&input.report);
        if spec != first_spec {
            return Err(MergeError::Spec {
                first_file,
                first: first_spec,
                file: input.file.clone(),
                other: spec,
            });
        }
        if input.report.target != first_target {
            return Err(MergeError::Target {
                first_file,
                first: first_target,
                file: input.file.clone(),
                other: input.report.target.clone(),
            });
        }
    }
    let mut warnings = shards_fit(&inputs, allow_missing)?;
    inputs.sort_by_key(|i| i.report.shard.map_or(0, |s| s.index));

    let mut merged = inputs[0].report.clone();
    merged.shard = None;
    merged.baseline = None;
    merged.findings.clear();
    merged.operations.clear();
    merged.locations.clear();
    merged.notes.clear();
    let mut by_id: BTreeMap<String, usize> = BTreeMap::new();
    let mut checks: Vec<String> = Vec::new();
    let mut seeds: BTreeSet<u64> = BTreeSet::new();
    let mut operations: BTreeSet<String> = BTreeSet::new();
    let mut stats: Vec<&Stats> = Vec::new();
    let mut reason = StopReason::Completed;
    for input in &inputs {
        let r = &input.report;
        seeds.insert(r.seed);
        stats.push(&r.stats);
        if rank(&r.stopped) > rank(&reason) {
            reason = r.stopped.clone();
        }
        for c in &r.checks {
            if !checks.contains(c) {
                checks.push(c.clone());
            }
        }
        for f in &r.findings {
            match by_id.get(&f.id) {
                Some(&at) => {
                    if let Some(kept) = merged.findings.get_mut(at) {
                        kept.occurrences = kept.occurrences.saturating_add(f.occurrences);
                    }
                }
                None => {
                    by_id.insert(f.id.clone(), merged.findings.len());
                    merged.findings.push(f.clone());
                }
            }
        }
        for op in &r.operations {
            if operations.insert(op.id.clone()) {
                merged.operations.push(op.clone());
            }
        }
        merged
            .locations
            .extend(r.locations.iter().map(|(k, v)| (k.clone(), *v)));
        for n in &r.notes {
            if !merged.notes.contains(n) {
                merged.notes.push(n.clone());
            }
        }
        if r.baseline.is_some() {
            warnings.push(format!(
                "{} was written with --baseline: the findings it left out are not in the merge (give --baseline to merge instead)",
                input.file
            ));
        }
    }
    if seeds.len() > 1 {
        let list: Vec<String> = seeds.iter().map(u64::to_string).collect();
        merged.notes.push(format!(
            "the shards ran with different seeds ({}); the report names the first",
            list.join(", ")
        ));
    }
    merged.checks = checks;
    merged.stats = sum(&stats);
    merged.stopped = reason;
    let shards = inputs.iter().filter_map(|i| i.report.shard).count();
    merged.notes.push(if shards > 0 {
        format!("merged from {} shard reports", inputs.len())
    } else {
        format!("merged from {} reports", inputs.len())
    });
    merged.notes.extend(warnings.iter().cloned());
    merged.refresh();
    Ok(Merged {
        report: merged,
        warnings,
    })
}

/// How bad a stop reason is: the merged report keeps the worst.
fn rank(reason: &StopReason) -> u8 {
    match reason {
        StopReason::Completed => 0,
        StopReason::RequestBudget | StopReason::TimeBudget => 1,
        StopReason::Interrupted => 2,
        StopReason::Unreachable(_) | StopReason::TargetLost(_) => 3,
    }
}

/// Checks that the reports are shards of one split (or all whole scans)
/// and cover the whole scan once; the warnings for what `allow_missing` let by.
fn shards_fit(inputs: &[MergeInput], allow_missing: bool) -> Result<Vec<String>, MergeError> {
    let shards: Vec<_> = inputs
        .iter()
        .filter_map(|i| i.report.shard.map(|s| (i, s)))
        .collect();
    if shards.is_empty() {
        return Ok(Vec::new());
    }
    if let Some(whole) = inputs.iter().find(|i| i.report.shard.is_none()) {
        return Err(MergeError::Shards(format!(
            "{} is a whole scan's report, the others are shards (--shard K/N): merge the shards of one scan",
            whole.file
        )));
    }
    let (first, s0) = shards[0];
    let mut taken: BTreeMap<u32, &str> = BTreeMap::new();
    for &(input, s) in &shards {
        if s.count != s0.count || s.total != s0.total {
            return Err(MergeError::Shards(format!(
                "{} is shard {}/{} of {} operations, {} shard {}/{} of {}: shards of one scan are split the same way",
                input.file, s.index, s.count, s.total, first.file, s0.index, s0.count, s0.total
            )));
        }
        if let Some(other) = taken.insert(s.index, &input.file) {
            return Err(MergeError::Shards(format!(
                "shard {}/{} is given twice ({other} and {})",
                s.index, s.count, input.file
            )));
        }
    }
    // every operation in one shard only
    let mut owner: BTreeMap<&str, (u32, &str)> = BTreeMap::new();
    for &(input, s) in &shards {
        for op in &input.report.operations {
            if let Some((k, file)) = owner.insert(op.id.as_str(), (s.index, &input.file)) {
                return Err(MergeError::Shards(format!(
                    "operation {} is in shard {k}/{} ({file}) and shard {}/{} ({}): the shards were not split the same way (the same spec, --include/--exclude, --cases, --attacks, --read-only and apiprobe version make the same split)",
                    op.id, s.count, s.index, s.count, input.file
                )));
            }
        }
    }
    let missing: Vec<String> = (1..=s0.count)
        .filter(|k| !taken.contains_key(k))
        .map(|k| format!("{k}/{}", s0.count))
        .collect();
    if !missing.is_empty() {
        if !allow_missing {
            return Err(MergeError::Missing(missing));
        }
        return Ok(vec![format!(
            "{}: the merged report covers {} of the scan's {} operations",
            MergeError::Missing(missing)
                .to_string()
                .split(':')
                .next()
                .unwrap_or("shards missing"),
            owner.len(),
            s0.total
        )]);
    }
    let covered: usize = shards.iter().map(|(_, s)| s.operations).sum();
    if covered != s0.total {
        return Err(MergeError::Shards(format!(
            "the shards cover {covered} operations, the whole scan {}: the shards were not split the same way",
            s0.total
        )));
    }
    Ok(Vec::new())
}

/// The shards' counters added up; the wall time is the longest shard's.
fn sum(stats: &[&Stats]) -> Stats {
    let mut total: BTreeMap<String, Value> = BTreeMap::new();
    let mut elapsed = 0;
    for s in stats {
        elapsed = elapsed.max(s.elapsed_ms);
        let Ok(Value::Object(fields)) = serde_json::to_value(s) else {
            continue;
        };
        for (name, value) in fields {
            let slot = total.entry(name).or_insert(Value::from(0u64));
            if let (Some(a), Some(b)) = (slot.as_u64(), value.as_u64()) {
                *slot = Value::from(a.saturating_add(b));
            }
        }
    }
    let mut merged: Stats =
        serde_json::from_value(Value::Object(total.into_iter().collect())).unwrap_or_default();
    merged.elapsed_ms = elapsed;
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{ShardInfo, hostile_report};

    fn shard(k: u32, n: u32, ops: &[&str], total: usize) -> MergeInput {
        let mut report = hostile_report();
        report.shard = Some(ShardInfo {
            index: k,
            count: n,
            operations: ops.len(),
            total,
        });
        report.operations = ops
            .iter()
            .map(|id| crate::checks::OperationRef {
                id: (*id).into(),
                method: "GET".into(),
                path: format!("/{id}"),
            })
            .collect();
        report.stats.requests = 10;
        report.stats.elapsed_ms = u64::from(k) * 100;
        MergeInput {
            file: format!("s{k}.json"),
            report,
        }
    }

    #[test]
    fn shards_merge_into_one_report() {
        let merged = merge(
            vec![shard(2, 2, &["b"], 3), shard(1, 2, &["a", "c"], 3)],
            false,
        )
        .expect("merges");
        let r = merged.report;
        assert_eq!(r.stats.requests, 20);
        assert_eq!(r.stats.elapsed_ms, 200);
        assert!(r.shard.is_none());
        let ids: Vec<&str> = r.operations.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(ids, ["a", "c", "b"]);
        let one = hostile_report();
        assert_eq!(r.findings.len(), {
            let mut ids: Vec<&str> = one.findings.iter().map(|f| f.id.as_str()).collect();
            ids.sort_unstable();
            ids.dedup();
            ids.len()
        });
        for f in &r.findings {
            let alone: u64 = one
                .findings
                .iter()
                .filter(|g| g.id == f.id)
                .map(|g| g.occurrences)
                .sum();
            assert_eq!(f.occurrences, 2 * alone, "{}", f.id);
        }
    }

    #[test]
    fn shards_that_do_not_fit_are_refused() {
        let missing = merge(vec![shard(1, 3, &["a"], 3), shard(3, 3, &["c"], 3)], false)
            .unwrap_err()
            .to_string();
        assert!(missing.contains("shard 2/3 is missing"), "{missing}");
        let allowed =
            merge(vec![shard(1, 3, &["a"], 3), shard(3, 3, &["c"], 3)], true).expect("allowed");
        assert!(
            allowed.warnings[0].contains("2/3"),
            "{:?}",
            allowed.warnings
        );
        let twice = merge(vec![shard(1, 2, &["a"], 2), shard(1, 2, &["b"], 2)], false)
            .unwrap_err()
            .to_string();
        assert!(twice.contains("given twice"), "{twice}");
        let overlap = merge(vec![shard(1, 2, &["a"], 2), shard(2, 2, &["a"], 2)], false)
            .unwrap_err()
            .to_string();
        assert!(overlap.contains("operation a is in shard 1/2"), "{overlap}");
        let counts = merge(vec![shard(1, 2, &["a"], 2), shard(2, 3, &["b"], 2)], false)
            .unwrap_err()
            .to_string();
        assert!(counts.contains("split the same way"), "{counts}");
        let mut other = shard(2, 2, &["b"], 2);
        other.report.target = "http://elsewhere".into();
        let target = merge(vec![shard(1, 2, &["a"], 2), other], false).unwrap_err();
        assert!(matches!(target, MergeError::Target { .. }), "{target}");
        let mut other = shard(2, 2, &["b"], 2);
        other.report.spec.title = "Another API".into();
        let spec = merge(vec![shard(1, 2, &["a"], 2), other], false).unwrap_err();
        assert!(matches!(spec, MergeError::Spec { .. }), "{spec}");
    }
}
