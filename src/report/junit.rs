//! JUnit XML: a test suite per check, a test case per operation and check
//! (one for the whole target for target-wide checks), failed when the check
//! found something there, with each finding's evidence, request, response
//! and curl in the failure. GitLab, Jenkins and GitHub test reporters read it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::document::Report;
use crate::checks::{Finding, OperationRef, Scope, Severity, find};

/// Text made safe for XML 1.0 content and attributes: the five specials
/// escaped, characters XML cannot hold at all (most controls) replaced.
pub(crate) fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || matches!(c, '\u{FFFE}' | '\u{FFFF}') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn describe(f: &Finding) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "{} [{}] {}", f.id, f.severity.as_str(), f.title);
    if let Some(cwe) = f.cwe {
        let _ = write!(t, "CWE-{cwe}  ");
    }
    if let Some(o) = f.owasp {
        let _ = write!(t, "OWASP {} {}", o.id(), o.name());
    }
    let _ = writeln!(t);
    let _ = writeln!(t, "evidence: {}", f.evidence);
    for p in &f.proof {
        let _ = writeln!(t, "proof {}: {}", p.name, p.value);
    }
    let _ = writeln!(t, "request: {} {}", f.request.method, f.request.url);
    for (n, v) in &f.request.headers {
        let _ = writeln!(t, "  {n}: {v}");
    }
    if let Some(b) = &f.request.body {
        let _ = writeln!(t, "  body: {b}");
    }
    if let Some(r) = &f.response {
        let _ = writeln!(t, "response: {}", r.status);
        for (n, v) in &r.headers {
            let _ = writeln!(t, "  {n}: {v}");
        }
        let _ = writeln!(t, "  body: {}", r.body);
    }
    if let Some(fail) = &f.failure {
        let _ = writeln!(t, "failure: {}: {}", fail.kind, fail.message);
    }
    let _ = writeln!(t, "reproduce: {}", f.curl);
    t
}

/// `report` as JUnit XML.
pub fn junit(report: &Report) -> String {
    // every operation scanned; the findings' own, when the report has no list
    let mut operations: Vec<OperationRef> = report.operations.clone();
    for f in &report.findings {
        if !operations.iter().any(|o| o.id == f.operation.id) {
            operations.push(f.operation.clone());
        }
    }
    let mut checks: Vec<String> = report.checks.clone();
    for f in &report.findings {
        if !checks.contains(&f.check) {
            checks.push(f.check.clone());
        }
    }
    let seconds = report.stats.elapsed_ms as f64 / 1000.0;
    let mut suites = String::new();
    let (mut all_tests, mut all_failures) = (0usize, 0usize);
    for check in &checks {
        let target_wide = find(check).is_some_and(|c| c.scope == Scope::Target);
        // test case name -> findings
        let mut cases: BTreeMap<String, (String, Vec<&Finding>)> = BTreeMap::new();
        let mut order: Vec<String> = Vec::new();
        if target_wide {
            order.push("target".into());
            cases.insert("target".into(), (report.target.clone(), Vec::new()));
        } else {
            for o in &operations {
                let name = format!("{} {}", o.method, o.path);
                if let std::collections::btree_map::Entry::Vacant(slot) = cases.entry(name) {
                    order.push(slot.key().clone());
                    slot.insert((o.id.clone(), Vec::new()));
                }
            }
        }
        for f in report.findings.iter().filter(|f| f.check == *check) {
            let name = if target_wide {
                "target".to_owned()
            } else {
                format!("{} {}", f.operation.method, f.operation.path)
            };
            if !cases.contains_key(&name) {
                order.push(name.clone());
                cases.insert(name.clone(), (f.operation.id.clone(), Vec::new()));
            }
            if let Some((_, list)) = cases.get_mut(&name) {
                list.push(f);
            }
        }
        let failures = cases.values().filter(|(_, l)| !l.is_empty()).count();
        all_tests += cases.len();
        all_failures += failures;
        let _ = writeln!(
            suites,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"{seconds:.3}\">",
            xml(check),
            cases.len()
        );
        for name in &order {
            let Some((id, list)) = cases.get(name) else {
                continue;
            };
            let _ = write!(
                suites,
                "    <testcase name=\"{}\" classname=\"apiprobe.{}\" file=\"{}\" time=\"0\"",
                xml(name),
                xml(check),
                xml(&report.spec.source)
            );
            if list.is_empty() {
                let _ = writeln!(suites, "/>");
                continue;
            }
            let _ = writeln!(suites, ">");
            let worst = list
                .iter()
                .map(|f| f.severity)
                .max()
                .unwrap_or(Severity::Low);
            let message = if list.len() == 1 {
                list[0].title.clone()
            } else {
                format!("{} findings; first: {}", list.len(), list[0].title)
            };
            let body: Vec<String> = list.iter().map(|f| describe(f)).collect();
            let _ = writeln!(
                suites,
                "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                xml(&message),
                worst.as_str(),
                xml(&body.join("\n"))
            );
            let _ = writeln!(
                suites,
                "      <properties><property name=\"operation\" value=\"{}\"/></properties>",
                xml(id)
            );
            let _ = writeln!(suites, "    </testcase>");
        }
        let _ = writeln!(suites, "  </testsuite>");
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"apiprobe {}\" tests=\"{all_tests}\" failures=\"{all_failures}\" errors=\"0\" time=\"{seconds:.3}\">",
        xml(&report.spec.title)
    );
    out.push_str(&suites);
    out.push_str("</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::junit;
    use crate::report::hostile_report;

    #[test]
    fn a_hostile_report_stays_well_formed_xml() {
        let xml = junit(&hostile_report());
        let doc = roxmltree::Document::parse(&xml).expect("well-formed");
        let failure = doc
            .descendants()
            .find(|n| n.has_tag_name("failure"))
            .expect("the finding fails its case");
        let text = failure.text().unwrap_or("");
        assert!(
            text.contains("<script>alert(1)</script>"),
            "the text survives, escaped: {text}"
        );
        assert!(text.contains("reproduce: curl"));
        // a suite per check; the target-wide check has one case, passing
        let suites: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testsuite"))
            .collect();
        assert_eq!(suites.len(), 2);
        assert_eq!(suites[1].attribute("name"), Some("server_banner"));
        assert_eq!(suites[1].attribute("failures"), Some("0"));
    }
}
