//! The full result of a scan as one document (the JSON report).

use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use super::baseline::BaselineSummary;
use crate::checks::{Finding, OperationRef, Severity};
use crate::engine::{ScanResult, Stats, StopReason};
use crate::model::Api;

/// The tool that wrote a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    /// `apiprobe`.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// The spec a scan read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecInfo {
    /// Its title.
    pub title: String,
    /// The API's version.
    pub version: String,
    /// Where it was read from.
    pub source: String,
}

/// Findings counted by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeverityCounts {
    /// Critical findings.
    pub critical: usize,
    /// High.
    pub high: usize,
    /// Medium.
    pub medium: usize,
    /// Low.
    pub low: usize,
    /// Info.
    pub info: usize,
}

impl SeverityCounts {
    /// Counts `findings`.
    pub fn of(findings: &[Finding]) -> SeverityCounts {
        let mut c = SeverityCounts::default();
        for f in findings {
            match f.severity {
                Severity::Critical => c.critical += 1,
                Severity::High => c.high += 1,
                Severity::Medium => c.medium += 1,
                Severity::Low => c.low += 1,
                Severity::Info => c.info += 1,
            }
        }
        c
    }
}

/// Which part of a sharded scan a report covers (`--shard K/N`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardInfo {
    /// This shard, from 1.
    pub index: u32,
    /// How many shards the scan was split into.
    pub count: u32,
    /// The operations this shard covered.
    pub operations: usize,
    /// The operations of the whole scan.
    pub total: usize,
}

/// The full result of a scan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The tool.
    pub tool: ToolInfo,
    /// The spec.
    pub spec: SpecInfo,
    /// The base URL scanned.
    pub target: String,
    /// The seed: the same seed sends the same requests.
    pub seed: u64,
    /// The checks that ran.
    pub checks: Vec<String>,
    /// The counters.
    pub stats: Stats,
    /// Why the scan ended.
    pub stopped: StopReason,
    /// Findings by severity.
    pub summary: SeverityCounts,
    /// The findings, most severe first.
    pub findings: Vec<Finding>,
    /// The operations the scan covered (the JUnit report has a test case
    /// for each operation and check).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub operations: Vec<OperationRef>,
    /// The line of each operation in the spec file, by operation id (SARIF
    /// results point there).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub locations: BTreeMap<String, usize>,
    /// With `--baseline`: how many known findings were left out, and which
    /// known findings were not seen again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineSummary>,
    /// What the scan tried without a finding that the reader should know,
    /// one sentence each (a JWT secret that resisted cracking).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The part of a sharded scan this report covers (`--shard K/N`);
    /// absent for a whole scan and a merged report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardInfo>,
}

impl Report {
    /// The report of `result`, a scan of `api` at `target` with `checks`.
    pub fn new(api: &Api, target: &str, checks: &[&str], result: &ScanResult) -> Report {
        let mut findings = result.findings.clone();
        findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.check.cmp(&b.check))
                .then_with(|| a.operation.path.cmp(&b.operation.path))
                // the same order whatever order the workers found them in
                .then_with(|| a.operation.method.cmp(&b.operation.method))
                .then_with(|| a.title.cmp(&b.title))
        });
        Report {
            tool: ToolInfo {
                name: "apiprobe".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            spec: SpecInfo {
                title: api.title.clone(),
                version: api.version.clone(),
                source: api.source.clone(),
            },
            target: target.to_owned(),
            seed: result.seed,
            checks: checks.iter().map(|c| (*c).to_owned()).collect(),
            stats: result.stats.clone(),
            stopped: result.reason.clone(),
            summary: SeverityCounts::of(&findings),
            findings,
            operations: Vec::new(),
            locations: BTreeMap::new(),
            baseline: None,
            notes: Vec::new(),
            shard: None,
        }
    }

    /// Sorts the findings most severe first and counts them again (after
    /// findings were left out or their severities changed).
    pub fn refresh(&mut self) {
        self.findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.check.cmp(&b.check))
                .then_with(|| a.operation.path.cmp(&b.operation.path))
                // the same order whatever order the workers found them in
                .then_with(|| a.operation.method.cmp(&b.operation.method))
                .then_with(|| a.title.cmp(&b.title))
        });
        self.summary = SeverityCounts::of(&self.findings);
    }

    /// Gives the findings of the named checks another severity (from the
    /// config file's `[severity]` table).
    pub fn override_severities(&mut self, overrides: &BTreeMap<String, Severity>) {
        if overrides.is_empty() {
            return;
        }
        for f in &mut self.findings {
            if let Some(&s) = overrides.get(&f.check) {
                f.severity = s;
            }
        }
        self.refresh();
    }

    /// Records the operations scanned and, when `lines` maps the spec
    /// file, the line where each is declared.
    pub fn set_operations(
        &mut self,
        api: &Api,
        indices: &[usize],
        lines: Option<&super::SpecLines>,
    ) {
        for &i in indices {
            let Some(op) = api.operations.get(i) else {
                continue;
            };
            self.operations.push(OperationRef {
                id: op.id.clone(),
                method: op.method.as_str().to_owned(),
                path: op.path.clone(),
            });
            if let Some(line) = lines.and_then(|l| l.line(&op.pointer)) {
                self.locations.insert(op.id.clone(), line);
            }
        }
    }
}
