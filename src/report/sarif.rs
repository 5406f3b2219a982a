//! SARIF 2.1.0: one rule per check that ran (CWE and OWASP tags, a
//! security-severity, help text from the check's summary), one result per
//! finding, located at the operation's line in the spec file so that code
//! scanning (e.g. GitHub's) shows it on the spec.

use serde_json::{Value, json};

use super::document::Report;
use crate::checks::{Finding, Severity, find};

/// The SARIF schema URI written in `$schema`.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's scale: 9.0 and up critical, 7.0 high, 4.0 medium, 0.1 low.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

fn rule(name: &str) -> Value {
    let Some(check) = find(name) else {
        return json!({ "id": name, "name": name });
    };
    let mut tags = Vec::new();
    let security = check.cwe.is_some() || check.owasp.is_some();
    if security {
        tags.push("security".to_owned());
    }
    if let Some(cwe) = check.cwe {
        tags.push(format!("external/cwe/cwe-{cwe}"));
        tags.push(format!("CWE-{cwe}"));
    }
    if let Some(o) = check.owasp {
        tags.push(format!("OWASP-{}", o.id()));
        tags.push(format!("owasp-api-top10/{}", o.id()));
    }
    let mut help = check.summary.to_owned();
    let mut markdown = check.summary.to_owned();
    if let Some(cwe) = check.cwe {
        help.push_str(&format!(" CWE-{cwe}."));
        markdown.push_str(&format!(
            "\n\nCWE: [CWE-{cwe}](https://cwe.mitre.org/data/definitions/{cwe}.html)"
        ));
    }
    if let Some(o) = check.owasp {
        help.push_str(&format!(
            " OWASP API Security Top 10: {} {}.",
            o.id(),
            o.name()
        ));
        markdown.push_str(&format!(
            "\n\nOWASP API Security Top 10 (2023): {} {}",
            o.id(),
            o.name()
        ));
    }
    let mut properties = json!({ "tags": tags, "precision": "high" });
    if security {
        properties["security-severity"] = json!(security_severity(check.severity));
    }
    let mut r = json!({
        "id": check.name,
        "name": check.name,
        "shortDescription": { "text": check.summary },
        "fullDescription": { "text": check.summary },
        "help": { "text": help, "markdown": markdown },
        "defaultConfiguration": { "level": level(check.severity) },
        "properties": properties,
    });
    if let Some(cwe) = check.cwe {
        r["helpUri"] = json!(format!("https://cwe.mitre.org/data/definitions/{cwe}.html"));
    }
    r
}

/// The spec's path as a SARIF artifact URI: relative paths stay relative
/// (to the repository root, where CI runs), `\` becomes `/`; URLs stay URLs.
fn artifact_uri(source: &str) -> String {
    let s = source.strip_prefix("./").unwrap_or(source);
    if s.contains("://") {
        return s.to_owned();
    }
    let s = s.replace('\\', "/");
    percent_encoding::utf8_percent_encode(&s, URI_PATH).to_string()
}

const URI_PATH: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

fn result(report: &Report, f: &Finding, rule_index: usize, uri: &str) -> Value {
    let mut text = format!(
        "{} on {} {}: {}",
        f.title, f.operation.method, f.operation.path, f.evidence
    );
    text.push_str(&format!("\nReproduce: {}", f.curl));
    let line = report.locations.get(&f.operation.id).copied().unwrap_or(1);
    let mut location = json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri },
            "region": { "startLine": line.max(1) }
        },
        "logicalLocations": [{
            "name": format!("{} {}", f.operation.method, f.operation.path),
            "fullyQualifiedName": f.operation.id,
            "kind": "function"
        }]
    });
    if uri.contains("://") && !uri.starts_with("file://") {
        // a spec fetched over http: no file in the repository to point at
        if let Some(obj) = location.as_object_mut() {
            obj.remove("physicalLocation");
        }
    }
    let mut properties = json!({
        "severity": f.severity.as_str(),
        "confidence": f.confidence,
        "probe": f.probe,
        "occurrences": f.occurrences,
        "request": { "method": f.request.method, "url": f.request.url },
        "curl": f.curl,
    });
    if let Some(cwe) = f.cwe {
        properties["cwe"] = json!(format!("CWE-{cwe}"));
    }
    if let Some(o) = f.owasp {
        properties["owasp"] = json!(o.id());
    }
    if let Some(r) = &f.response {
        properties["response"] = json!({ "status": r.status });
    }
    if !f.proof.is_empty() {
        properties["proof"] = json!(f.proof);
    }
    json!({
        "ruleId": f.check,
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": { "text": text },
        "locations": [location],
        "partialFingerprints": { "apiprobeFindingId/v1": f.id },
        "fingerprints": { "apiprobe/v1": f.id },
        "properties": properties,
    })
}

/// `report` as a SARIF 2.1.0 log.
pub fn sarif(report: &Report) -> Value {
    let mut names: Vec<String> = report.checks.clone();
    for f in &report.findings {
        if !names.contains(&f.check) {
            names.push(f.check.clone());
        }
    }
    let rules: Vec<Value> = names.iter().map(|n| rule(n)).collect();
    let uri = artifact_uri(&report.spec.source);
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let index = names.iter().position(|n| *n == f.check).unwrap_or(0);
            result(report, f, index, &uri)
        })
        .collect();
    json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": report.tool.name,
                    "version": report.tool.version,
                    "semanticVersion": report.tool.version,
                    "rules": rules,
                }
            },
            "automationDetails": { "id": format!("apiprobe/{}/", report.spec.title) },
            "invocations": [{
                "executionSuccessful": !report.stopped.is_target_error(),
                "properties": {
                    "target": report.target,
                    "seed": report.seed,
                    "stopped": report.stopped,
                    "requests": report.stats.requests,
                }
            }],
            "artifacts": [{ "location": { "uri": uri } }],
            "results": results,
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::sarif;
    use crate::report::hostile_report;

    #[test]
    fn rules_carry_cwe_and_owasp_tags_and_results_their_line() {
        let mut report = hostile_report();
        let op = report.findings[0].operation.id.clone();
        report.locations.insert(op, 42);
        let log = sarif(&report);
        let run = &log["runs"][0];
        let rule = &run["tool"]["driver"]["rules"][0];
        assert_eq!(rule["id"], "stack_trace_leak");
        let tags: Vec<&str> = rule["properties"]["tags"]
            .as_array()
            .expect("tags")
            .iter()
            .filter_map(|t| t.as_str())
            .collect();
        assert!(tags.contains(&"external/cwe/cwe-209"), "{tags:?}");
        assert!(tags.iter().any(|t| t.starts_with("OWASP-API")), "{tags:?}");
        assert!(rule["properties"]["security-severity"].is_string());
        let result = &run["results"][0];
        assert_eq!(
            result["locations"][0]["physicalLocation"]["region"]["startLine"],
            42
        );
        assert_eq!(
            result["partialFingerprints"]["apiprobeFindingId/v1"],
            "00ff00ff00ff00ff"
        );
    }
}
