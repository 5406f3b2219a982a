//! The full result of a scan as one document (the JSON report).

use serde::{Deserialize, Serialize};

use crate::checks::{Finding, Severity};
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
        }
    }
}
