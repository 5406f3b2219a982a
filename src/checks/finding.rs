//! Findings: what a check found, with the request and response that show it,
//! de-duplicated by operation, check and signature.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::check::{Check, Confidence, Owasp, ProofItem, Severity, Verdict};
use crate::http::{Exchange, Outcome};
use crate::model::Operation;
use crate::probes::ProbeKind;

/// Longest body excerpt a finding keeps, in bytes.
pub const EXCERPT_CAP: usize = 4096;

/// The operation a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationRef {
    /// The operation's id (its operationId, or `METHOD /path`).
    pub id: String,
    /// The method, upper case.
    pub method: String,
    /// The path template.
    pub path: String,
}

/// The request of a finding, as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// The method.
    pub method: String,
    /// The full URL.
    pub url: String,
    /// The headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body as text (lossy), capped to [`EXCERPT_CAP`] bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// The response of a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedResponse {
    /// The status code.
    pub status: u16,
    /// The headers, in order.
    pub headers: Vec<(String, String)>,
    /// The start of the body as text (lossy), capped to [`EXCERPT_CAP`] bytes.
    pub body: String,
    /// True when the body shown is not the whole body.
    pub truncated: bool,
}

/// A transport failure of a finding's request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedFailure {
    /// The kind (`reset`, `closed`, `timeout`, ...).
    pub kind: String,
    /// The client's message.
    pub message: String,
}

/// One finding: a check's verdict on an operation, with its proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// A fingerprint of operation, check and signature: the same finding
    /// has the same id in every run, whatever the seed.
    pub id: String,
    /// The check's name.
    pub check: String,
    /// How bad it is.
    pub severity: Severity,
    /// The CWE id, for security checks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cwe: Option<u32>,
    /// The OWASP API Security Top 10 (2023) category, for security checks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owasp: Option<Owasp>,
    /// How sure it is.
    #[serde(default)]
    pub confidence: Confidence,
    /// The proof beyond the exchange (payload, canary, timings, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub proof: Vec<ProofItem>,
    /// A one-line title.
    pub title: String,
    /// The operation.
    pub operation: OperationRef,
    /// What the probe tried (`positive`, `negative`, `attack:sqli`, ...).
    pub probe: String,
    /// The matched text or the rule broken.
    pub evidence: String,
    /// What distinguishes it from other findings of the check on the operation.
    pub signature: String,
    /// How many exchanges showed it.
    pub occurrences: u64,
    /// The request that shows it (the shortest found, once shrunk).
    pub request: RecordedRequest,
    /// The response, when one came.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<RecordedResponse>,
    /// The transport failure, when no response came.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<RecordedFailure>,
    /// The response time, in milliseconds.
    pub elapsed_ms: u64,
    /// A curl command that sends the request again.
    pub curl: String,
    /// True when the request was shrunk and the finding still reproduced.
    #[serde(default)]
    pub shrunk: bool,
}

/// The stable id of a finding: the first 16 hex digits of a SHA-256 over
/// operation (empty for target-wide checks), check and signature.
pub fn fingerprint(operation: &str, check: &str, signature: &str) -> String {
    let mut h = Sha256::new();
    for part in [operation, check, signature] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    let digest = h.finalize();
    hex::encode(&digest[..8])
}

fn excerpt(bytes: &[u8]) -> (String, bool) {
    let cut = bytes.len().min(EXCERPT_CAP);
    let text = String::from_utf8_lossy(&bytes[..cut]).into_owned();
    (text, cut < bytes.len())
}

impl Finding {
    /// A finding of `check` on `operation` from `verdict`, with `exchange` as its proof.
    pub fn new(
        check: &Check,
        verdict: Verdict,
        operation: &Operation,
        probe: &ProbeKind,
        exchange: &Exchange,
    ) -> Finding {
        let sent = &exchange.request;
        let mut headers = sent.request.headers.clone();
        if let Some(body) = &sent.request.body {
            headers.push(("content-type".to_owned(), body.content_type.clone()));
        }
        let request = RecordedRequest {
            method: sent.request.method.as_str().to_owned(),
            url: sent.url.clone(),
            headers,
            body: sent.request.body.as_ref().map(|b| excerpt(&b.bytes).0),
        };
        let (response, failure) = match &exchange.outcome {
            Outcome::Response(r) => {
                let (body, cut) = excerpt(&r.body);
                (
                    Some(RecordedResponse {
                        status: r.status,
                        headers: r.headers.clone(),
                        body,
                        truncated: cut || r.truncated,
                    }),
                    None,
                )
            }
            Outcome::Failed(f) => (
                None,
                Some(RecordedFailure {
                    kind: f.kind.as_str().to_owned(),
                    message: f.message.clone(),
                }),
            ),
        };
        Finding {
            id: fingerprint(
                match check.scope {
                    super::check::Scope::Operation => &operation.id,
                    super::check::Scope::Target => "",
                },
                check.name,
                &verdict.signature,
            ),
            check: check.name.to_owned(),
            severity: check.severity,
            cwe: check.cwe,
            owasp: check.owasp,
            confidence: verdict.confidence,
            proof: verdict.proof,
            title: verdict.title,
            operation: OperationRef {
                id: operation.id.clone(),
                method: operation.method.as_str().to_owned(),
                path: operation.path.clone(),
            },
            probe: probe.label(),
            evidence: verdict.evidence,
            signature: verdict.signature,
            occurrences: 1,
            request,
            response,
            failure,
            elapsed_ms: u64::try_from(exchange.elapsed.as_millis()).unwrap_or(u64::MAX),
            curl: sent.curl(),
            shrunk: false,
        }
    }
}

/// The findings of a scan, one per (operation, check, signature), with counts.
#[derive(Debug, Default)]
pub struct FindingSet {
    index: HashMap<String, usize>,
    findings: Vec<Finding>,
}

impl FindingSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether a finding with this fingerprint is already known; counts one
    /// more occurrence when it is.
    pub fn seen(&mut self, id: &str) -> bool {
        match self.index.get(id) {
            Some(&i) => {
                self.findings[i].occurrences += 1;
                true
            }
            None => false,
        }
    }

    /// Whether a finding with this fingerprint is already known (nothing
    /// counted).
    pub fn contains(&self, id: &str) -> bool {
        self.index.contains_key(id)
    }

    /// Adds a new finding (one whose id [`seen`](Self::seen) did not know).
    /// Returns it.
    pub fn insert(&mut self, finding: Finding) -> &Finding {
        let i = match self.index.get(&finding.id) {
            Some(&i) => {
                self.findings[i].occurrences += finding.occurrences;
                i
            }
            None => {
                self.index.insert(finding.id.clone(), self.findings.len());
                self.findings.push(finding);
                self.findings.len() - 1
            }
        };
        &self.findings[i]
    }

    /// The findings, in the order they were first seen.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// The findings, for changing (shrinking replaces a finding's request).
    pub fn findings_mut(&mut self) -> &mut [Finding] {
        &mut self.findings
    }

    /// Takes the findings out.
    pub fn into_findings(self) -> Vec<Finding> {
        self.findings
    }

    /// How many distinct findings there are.
    pub fn len(&self) -> usize {
        self.findings.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.findings.is_empty()
    }
}
