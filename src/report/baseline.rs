//! Baselines: the findings a team has accepted. `apiprobe baseline create
//! REPORT.json` writes one; a scan with `--baseline FILE` reports only the
//! findings it does not hold, and lists the ones it holds that were not
//! seen again. Findings are matched by id, which comes from operation, check
//! and signature, never from random values, so it is the same across runs
//! and seeds.

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::document::Report;
use crate::checks::Severity;
use crate::engine::StopReason;

/// The format version of baseline files.
pub const BASELINE_VERSION: u32 = 1;

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineEntry {
    /// The finding's id (its fingerprint).
    pub id: String,
    /// The check.
    pub check: String,
    /// The operation's id (empty for target-wide findings).
    pub operation: String,
    /// `METHOD /path`, for people reading the file.
    #[serde(default)]
    pub endpoint: String,
    /// The severity when it was accepted.
    pub severity: Severity,
    /// The title when it was accepted.
    #[serde(default)]
    pub title: String,
}

/// A baseline file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// [`BASELINE_VERSION`].
    pub version: u32,
    /// The accepted findings.
    pub findings: Vec<BaselineEntry>,
}

/// What applying a baseline did, as the report records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineSummary {
    /// The baseline file.
    pub file: String,
    /// Findings the baseline holds.
    pub known: usize,
    /// Findings seen again and left out of the report.
    pub suppressed: usize,
    /// Known findings not seen again, whose check ran on their operation
    /// in a scan that completed: fixed, as far as this scan can tell.
    pub fixed: Vec<BaselineEntry>,
    /// Known findings not seen again, but the scan did not cover them fully
    /// (stopped early, check or operation left out): not called fixed.
    pub unconfirmed: Vec<BaselineEntry>,
}

/// Why a baseline could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// The file could not be read.
    #[error("cannot read the baseline {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not a baseline.
    #[error("{path} is not an apiprobe baseline: {reason}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong, with line and column.
        reason: String,
    },
}

impl Baseline {
    /// A baseline accepting every finding of `report`.
    pub fn from_report(report: &Report) -> Baseline {
        let mut findings: Vec<BaselineEntry> = report
            .findings
            .iter()
            .map(|f| BaselineEntry {
                id: f.id.clone(),
                check: f.check.clone(),
                operation: f.operation.id.clone(),
                endpoint: format!("{} {}", f.operation.method, f.operation.path),
                severity: f.severity,
                title: f.title.clone(),
            })
            .collect();
        findings.sort_by(|a, b| a.id.cmp(&b.id));
        findings.dedup_by(|a, b| a.id == b.id);
        Baseline {
            version: BASELINE_VERSION,
            findings,
        }
    }

    /// Reads a baseline file.
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
            path: shown.clone(),
            source,
        })?;
        let b: Baseline = serde_json::from_str(&text).map_err(|e| BaselineError::Invalid {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        if b.version != BASELINE_VERSION {
            return Err(BaselineError::Invalid {
                path: shown,
                reason: format!(
                    "version {} is not known (this apiprobe reads version {BASELINE_VERSION})",
                    b.version
                ),
            });
        }
        Ok(b)
    }

    /// Leaves the findings this baseline holds out of `report` and records
    /// which known findings were fixed. `file` names the baseline in the report.
    pub fn apply(&self, report: &mut Report, file: &str) {
        let known: HashSet<&str> = self.findings.iter().map(|e| e.id.as_str()).collect();
        let seen: HashSet<String> = report.findings.iter().map(|f| f.id.clone()).collect();
        let before = report.findings.len();
        report.findings.retain(|f| !known.contains(f.id.as_str()));
        let suppressed = before - report.findings.len();
        let complete = report.stopped == StopReason::Completed;
        let mut fixed = Vec::new();
        let mut unconfirmed = Vec::new();
        for e in &self.findings {
            if seen.contains(&e.id) {
                continue;
            }
            let check_ran = report.checks.contains(&e.check);
            let operation_ran = e.operation.is_empty()
                || report.operations.is_empty()
                || report.operations.iter().any(|o| o.id == e.operation);
            if complete && check_ran && operation_ran {
                fixed.push(e.clone());
            } else {
                unconfirmed.push(e.clone());
            }
        }
        report.refresh();
        report.baseline = Some(BaselineSummary {
            file: file.to_owned(),
            known: self.findings.len(),
            suppressed,
            fixed,
            unconfirmed,
        });
    }
}
