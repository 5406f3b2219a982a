//! Reports: the result of a scan written for people and for tools.
//!
//! - `document`: [`Report`], the full result as one serialisable document.
//! - `sink`: [`ReportSpec`] (`FORMAT:PATH`) and writing a report to a file.
//! - `summary`: the terminal summary, grouped by severity and check.
//! - `sarif`, `junit`, `html`: the finished report in those formats.
//! - `stream`: [`Streams`], the NDJSON and HAR files written as the scan runs.
//! - `secrets`: [`Secrets`], masking credentials in every output.
//! - `lines`: [`SpecLines`], JSON pointer to line in a spec file (for SARIF).
//! - `baseline`: [`Baseline`], accepted findings; only new ones are reported.

mod baseline;
mod document;
mod html;
mod junit;
mod lines;
mod sarif;
mod secrets;
mod sink;
mod stream;
mod summary;

pub use baseline::{Baseline, BaselineEntry, BaselineError, BaselineSummary};
pub use document::{Report, SeverityCounts, SpecInfo, ToolInfo};
pub use html::html;
pub use junit::junit;
pub use lines::SpecLines;
pub use sarif::{SARIF_SCHEMA, sarif};
pub use secrets::{MASK, Secrets};
pub use sink::{Format, ReportError, ReportSpec, write_report};
pub use stream::{HAR_BODY_CAP, Streams, rfc3339};
pub use summary::{Style, summary};

/// A report whose every text came from a hostile target, for the sinks' tests.
#[cfg(test)]
pub(crate) fn hostile_report() -> Report {
    let evil = "<script>alert(1)</script>\"'&\u{1}\u{0}]]>";
    serde_json::from_value(serde_json::json!({
        "tool": { "name": "apiprobe", "version": "0" },
        "spec": { "title": evil, "version": evil, "source": "specs/demo.yaml" },
        "target": "http://127.0.0.1:1",
        "seed": 1,
        "checks": ["stack_trace_leak", "server_banner"],
        "stats": { "operations": 1, "planned": 1, "requests": 1, "responses": 1,
                   "failures": 0, "skipped": 0, "shrink_requests": 0, "elapsed_ms": 5 },
        "stopped": { "reason": "completed" },
        "summary": { "critical": 0, "high": 0, "medium": 1, "low": 0, "info": 0 },
        "findings": [{
            "id": "00ff00ff00ff00ff", "check": "stack_trace_leak", "severity": "medium",
            "cwe": 209, "title": evil,
            "operation": { "id": evil, "method": "GET", "path": "/x/{id}" },
            "probe": "positive", "evidence": evil, "signature": "java", "occurrences": 1,
            "request": { "method": "GET", "url": "http://127.0.0.1:1/x/<b>",
                         "headers": [["x-evil", evil]] },
            "response": { "status": 500, "headers": [["server", evil]], "body": evil,
                          "truncated": false },
            "elapsed_ms": 3, "curl": format!("curl 'http://127.0.0.1:1/x/{evil}'"),
            "proof": [{ "name": evil, "value": evil }]
        }]
    }))
    .expect("a report")
}
