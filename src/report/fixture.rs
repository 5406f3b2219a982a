//! A report made of hostile text, for the sinks' tests.

use super::Report;

/// A report whose every text came from a hostile target, for the sinks' tests.
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
