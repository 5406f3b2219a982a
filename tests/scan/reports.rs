//! Every report format of a real scan of the demo API, checked against its
//! schema or a real consumer: SARIF against the SARIF 2.1.0 JSON schema,
//! HAR against the HAR 1.2 schemas, JUnit by a strict XML parser and its
//! structure, HTML in headless Chromium, NDJSON line by line. The scan is
//! configured by an apiprobe.toml that reads a token from the environment,
//! and no configured secret may appear in any output.
//!
//! The Chromium test needs the `chromium` program, so a plain `cargo test`
//! leaves it out (it is `#[ignore]`d); `cargo test -- --include-ignored`
//! runs it, as CI does.
#![cfg(feature = "demo")]

use crate::support;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::LazyLock;

use apiprobe::checks::Scope;
use apiprobe::report::Report;
use serde_json::Value;

const TOKEN: &str = "tok-7f3a9c-from-the-environment";
const TRACE: &str = "trace-planted-value-77";
const BASIC_PASSWORD: &str = "pa55-w0rd-planted";

fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    env.iter()
        .fold(support::cli::Cli::new(args).dir(dir), |cli, &(k, v)| {
            cli.env(k, v)
        })
        .run()
}

fn fresh_dir(name: &str) -> PathBuf {
    support::cli::fresh_dir(&format!("reports-{name}"))
}

struct Scanned {
    dir: PathBuf,
    report: Report,
    stdout: String,
    stderr: String,
}

impl Scanned {
    fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
    fn text(&self, name: &str) -> String {
        std::fs::read_to_string(self.file(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }
    fn json(&self, name: &str) -> Value {
        serde_json::from_str(&self.text(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }
}

const CONFIG: &str = r#"
# the scan of tests/reports.rs
seed = 3
concurrency = 8
bearer = "${APIPROBE_REPORTS_TOKEN}"
secrets = ["trace-planted-value-77"]
reports = [
  "json:out/report.json",
  "sarif:out/report.sarif",
  "junit:out/report.xml",
  "html:out/report.html",
  "ndjson:out/events.ndjson",
  "har:out/exchanges.har",
]

[headers]
X-Trace = "trace-planted-value-77"

[severity]
server_banner = "info"

[operations.getHealth]
expected-statuses = [202]
headers = { X-Op-Header = "op-header-value" }

[operations."POST /comments"]
skip = true
"#;

static SCAN: LazyLock<Scanned> = LazyLock::new(|| {
    let dir = fresh_dir("scan");
    std::fs::create_dir_all(dir.join("out")).expect("out dir");
    std::fs::write(dir.join("apiprobe.toml"), CONFIG).expect("config");
    let basic = format!("alice:{BASIC_PASSWORD}");
    let out = run(
        &dir,
        &["demo", "--quiet", "--basic", &basic],
        &[("APIPROBE_REPORTS_TOKEN", TOKEN)],
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let text = std::fs::read_to_string(dir.join("out/report.json")).expect("the JSON report");
    let report: Report = serde_json::from_str(&text).expect("a Report");
    assert!(report.findings.len() >= 10, "{stdout}");
    Scanned {
        dir,
        report,
        stdout,
        stderr,
    }
});

#[test]
fn the_config_file_drives_the_scan() {
    let s = &*SCAN;
    assert_eq!(s.report.seed, 3, "seed from apiprobe.toml");
    // [severity] lowered server_banner to info
    let banners: Vec<_> = s
        .report
        .findings
        .iter()
        .filter(|f| f.check == "server_banner")
        .collect();
    assert!(!banners.is_empty(), "the demo shows a banner");
    assert!(
        banners
            .iter()
            .all(|f| f.severity == apiprobe::checks::Severity::Info)
    );
    // [operations.getHealth] expects 202, which the spec does not list
    assert!(
        !s.report
            .findings
            .iter()
            .any(|f| f.check == "status_code_conformance" && f.operation.id == "getHealth"),
        "202 is expected on getHealth"
    );
    // [operations."POST /comments"] is skipped (the demo crashes there)
    assert!(
        !s.report
            .findings
            .iter()
            .any(|f| f.operation.id == "postComment")
    );
    assert!(!s.report.operations.iter().any(|o| o.id == "postComment"));
    assert!(s.report.operations.iter().any(|o| o.id == "getHealth"));
    // the --basic flag overrode the file's bearer: the request carried Basic
    let auth = s.report.findings[0]
        .request
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
        .map(|(_, v)| v.clone())
        .expect("an authorization header");
    assert_eq!(auth, "Basic ***");
}

/// Whether `url`'s path is `/health` itself (not `/admin/health`, which
/// discovery tries).
fn is_health(url: &str) -> bool {
    let after_host = url
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
        .unwrap_or("");
    after_host.split('?').next() == Some("/health")
}

#[test]
fn per_operation_headers_go_to_that_operation_only() {
    let s = &*SCAN;
    let har = s.json("out/exchanges.har");
    let entries = har["log"]["entries"].as_array().expect("entries");
    let carries = |e: &Value| {
        e["request"]["headers"].as_array().is_some_and(|h| {
            h.iter()
                .any(|h| h["name"] == "X-Op-Header" && h["value"] == "op-header-value")
        })
    };
    let health: Vec<&Value> = entries
        .iter()
        .filter(|e| {
            e["request"]["method"] == "GET" && e["request"]["url"].as_str().is_some_and(is_health)
        })
        .collect();
    assert!(!health.is_empty());
    assert!(
        health.iter().all(|e| carries(e)),
        "every GET /health request"
    );
    // the operation's probes with undeclared methods carry it too: same path
    let on_health = |e: &Value| e["request"]["url"].as_str().is_some_and(is_health);
    assert!(
        entries.iter().filter(|e| carries(e)).all(on_health),
        "no request of another operation carries it"
    );
    assert!(entries.iter().filter(|e| !on_health(e)).count() > 100);
}

#[test]
fn no_configured_secret_appears_in_any_output() {
    let s = &*SCAN;
    let basic_b64 = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(format!("alice:{BASIC_PASSWORD}"))
    };
    let mut outputs: Vec<(String, String)> = vec![
        ("stdout".into(), s.stdout.clone()),
        ("stderr".into(), s.stderr.clone()),
    ];
    for entry in std::fs::read_dir(s.file("out")).expect("out dir").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        outputs.push((
            name.clone(),
            std::fs::read_to_string(entry.path()).expect("text"),
        ));
    }
    assert!(outputs.len() >= 8, "every report was written");
    for (name, text) in &outputs {
        for secret in [TOKEN, TRACE, BASIC_PASSWORD, basic_b64.as_str()] {
            assert!(!text.contains(secret), "{name} shows the secret {secret}");
        }
    }
    // the masked values are there, masked: the traffic did carry them
    let har = s.text("out/exchanges.har");
    assert!(
        har.contains("\"X-Trace\"") || har.contains("\"x-trace\""),
        "headers recorded"
    );
    assert!(har.contains("Basic ***"));
}

#[test]
fn secrets_show_with_show_secrets() {
    let dir = fresh_dir("shown");
    let out = run(
        &dir,
        &[
            "demo",
            "--quiet",
            "--no-config",
            "--seed",
            "3",
            "--cases",
            "1",
            "--attacks",
            "0",
            "--show-secrets",
            "-H",
            &format!("X-Api-Key: {TRACE}"),
            "--report",
            "har:x.har",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0));
    let har = std::fs::read_to_string(dir.join("x.har")).expect("har");
    assert!(har.contains(TRACE));
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema_and_points_at_operations() {
    let s = &*SCAN;
    let sarif = s.json("out/report.sarif");
    // rtm.5 has one pattern that is not a valid ECMA regex (a stray `]`, in
    // `run.language`, which apiprobe does not write); the meta-schema check
    // rejects it, so it is read as the final 2.1.0 schema writes it
    let text = include_str!("../schemas/sarif-2.1.0-rtm.5.json").replace(
        r#"^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$"#,
        r#"^[a-zA-Z]{2}$|^[a-zA-Z]{2}-[a-zA-Z]{2}$"#,
    );
    let schema: Value = serde_json::from_str(&text).expect("the schema");
    let validator = jsonschema::draft4::new(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), s.report.checks.len(), "one rule per check");
    let sqli = rules
        .iter()
        .find(|r| {
            r["properties"]["tags"].as_array().is_some_and(|t| {
                t.iter().any(|t| {
                    t.as_str()
                        .is_some_and(|t| t.starts_with("external/cwe/cwe-"))
                })
            })
        })
        .expect("a rule with a CWE tag");
    assert!(sqli["properties"]["security-severity"].is_string());
    assert!(sqli["help"]["text"].as_str().is_some_and(|t| !t.is_empty()));
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), s.report.findings.len());
    let spec: Vec<&str> = include_str!("../../specs/demo.yaml").lines().collect();
    // paths discovery found are not in the spec: located at its first line
    let undocumented: HashSet<String> = s
        .report
        .findings
        .iter()
        .filter(|f| f.operation.id.starts_with("undocumented "))
        .map(|f| format!("{} {}", f.operation.method, f.operation.path))
        .collect();
    for r in results {
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "specs/demo.yaml");
        let line = loc["region"]["startLine"].as_u64().expect("a line") as usize;
        let name = r["locations"][0]["logicalLocations"][0]["name"]
            .as_str()
            .expect("a logical location");
        let method = name.split(' ').next().unwrap_or("").to_ascii_lowercase();
        if undocumented.contains(name) {
            assert_eq!(line, 1, "{name}");
            continue;
        }
        assert_eq!(
            spec[line - 1].trim(),
            format!("{method}:"),
            "{name} is located at line {line}"
        );
        let rule = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[rule]["id"], r["ruleId"]);
    }
}

#[test]
fn junit_parses_as_junit_with_a_case_per_operation_and_check() {
    let s = &*SCAN;
    let text = s.text("out/report.xml");
    let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suites: Vec<_> = root
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(suites.len(), s.report.checks.len(), "a suite per check");
    let mut failed_ids = HashSet::new();
    let mut total = 0;
    for suite in &suites {
        let cases: Vec<_> = suite
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        let failures = cases
            .iter()
            .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
            .count();
        assert_eq!(
            suite.attribute("tests"),
            Some(cases.len().to_string().as_str())
        );
        assert_eq!(
            suite.attribute("failures"),
            Some(failures.to_string().as_str())
        );
        total += cases.len();
        for c in &cases {
            assert!(c.attribute("name").is_some() && c.attribute("classname").is_some());
            if let Some(f) = c.children().find(|n| n.has_tag_name("failure")) {
                assert!(f.attribute("message").is_some_and(|m| !m.is_empty()));
                let body = f.text().unwrap_or("");
                assert!(body.contains("reproduce: curl"), "{body}");
                for id in s.report.findings.iter().map(|f| &f.id) {
                    if body.contains(id.as_str()) {
                        failed_ids.insert(id.clone());
                    }
                }
            }
        }
    }
    assert_eq!(root.attribute("tests"), Some(total.to_string().as_str()));
    // operation-scoped checks have a case for every operation scanned
    let target_wide = s
        .report
        .checks
        .iter()
        .filter(|c| apiprobe::checks::find(c).is_some_and(|k| k.scope == Scope::Target))
        .count();
    assert!(total >= s.report.operations.len() * (s.report.checks.len() - target_wide));
    let all: HashSet<String> = s.report.findings.iter().map(|f| f.id.clone()).collect();
    assert_eq!(failed_ids, all, "every finding is in a failure");
}

/// Every `$ref` to `NAME.json#` replaced by that file's schema.
fn inline(value: &Value, files: &BTreeMap<String, Value>, depth: usize) -> Value {
    assert!(depth < 32, "the HAR schemas do not nest this deep");
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                let name = r.trim_end_matches('#');
                let target = files.get(name).unwrap_or_else(|| panic!("no {name}"));
                return inline(target, files, depth + 1);
            }
            Value::Object(
                map.iter()
                    .filter(|(k, _)| k.as_str() != "$id" && k.as_str() != "$schema")
                    .map(|(k, v)| (k.clone(), inline(v, files, depth)))
                    .collect(),
            )
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| inline(v, files, depth)).collect())
        }
        other => other.clone(),
    }
}

#[test]
fn har_validates_against_the_har_1_2_schema() {
    let s = &*SCAN;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/har");
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).expect("har schemas").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".json") {
            let v: Value =
                serde_json::from_str(&std::fs::read_to_string(entry.path()).expect("read"))
                    .expect("a schema");
            files.insert(name, v);
        }
    }
    let schema = inline(&files["har.json"], &files, 0);
    let validator = jsonschema::draft6::new(&schema).expect("the schema compiles");
    let har = s.json("out/exchanges.har");
    let errors: Vec<String> = validator
        .iter_errors(&har)
        .take(10)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(har["log"]["version"], "1.2");
    let entries = har["log"]["entries"].as_array().expect("entries");
    assert_eq!(
        entries.len() as u64,
        s.report.stats.requests - s.report.stats.shrink_requests
            + sign_ins(&s.text("out/events.ndjson")),
        "every exchange of the probes, and the sign-ins"
    );
    // a finding's request is among the entries
    let f = &s.report.findings[0];
    assert!(entries.iter().any(|e| e["request"]["url"] == f.request.url));
}

/// The sign-in exchanges of an NDJSON stream (`--login`, login
/// identities, signing in again), which `Stats::requests` does not count.
fn sign_ins(ndjson: &str) -> u64 {
    ndjson
        .lines()
        .filter(|l| {
            l.contains("\"event\":\"exchange\"") && l.contains("\"probe\":\"active:sign_in\"")
        })
        .count() as u64
}

#[test]
fn ndjson_is_the_event_stream() {
    let s = &*SCAN;
    let text = s.text("out/events.ndjson");
    let events: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(
        events.first().map(|e| e["event"].clone()),
        Some("started".into())
    );
    assert_eq!(
        events.last().map(|e| e["event"].clone()),
        Some("finished".into())
    );
    let exchanges = events.iter().filter(|e| e["event"] == "exchange").count() as u64;
    // the sign-ins (--login, identities) are exchanges too, not counted in requests
    let signed_in = sign_ins(&text);
    assert!(signed_in >= 1, "the --login sign-in is an exchange");
    assert_eq!(
        exchanges,
        s.report.stats.requests - s.report.stats.shrink_requests + signed_in
    );
    let found: HashSet<&str> = events
        .iter()
        .filter(|e| e["event"] == "finding")
        .filter_map(|e| e["finding"]["id"].as_str())
        .collect();
    for f in &s.report.findings {
        assert!(found.contains(f.id.as_str()), "finding {} streamed", f.id);
    }
}

fn chromium_dom(page: &Path, fragment: &str) -> String {
    let profile = fresh_dir(&format!("chromium-{}", fragment.len()));
    let url = format!("file://{}{fragment}", page.display());
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            &format!("--user-data-dir={}", profile.display()),
            "--dump-dom",
            &url,
        ])
        .stdin(Stdio::null())
        .output()
        .expect("chromium runs (Debian's chromium package; .ci/run installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
#[ignore = "needs chromium: run with --include-ignored"]
fn html_renders_every_finding_in_headless_chromium() {
    let s = &*SCAN;
    let page = s.file("out/report.html");
    let html = s.text("out/report.html");
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http"),
        "no external asset"
    );
    let dom = chromium_dom(&page, "");
    let n = s.report.findings.len();
    assert!(
        dom.contains(&format!("data-rendered=\"{n}\"")),
        "the script ran over {n} rows"
    );
    assert!(dom.contains(&format!("<span id=\"shown\">{n}</span>")));
    for f in &s.report.findings {
        assert!(
            dom.contains(&format!("id=\"finding-{}\"", f.id)),
            "finding {}",
            f.id
        );
    }
    assert!(dom.contains("curl "));
    // the filter: only info findings shown
    let info = s
        .report
        .findings
        .iter()
        .filter(|f| f.severity == apiprobe::checks::Severity::Info)
        .count();
    let filtered = chromium_dom(&page, "#severity=info");
    assert!(
        filtered.contains(&format!("<span id=\"shown\">{info}</span>")),
        "{info} info findings"
    );
    assert_eq!(
        filtered.matches("class=\"finding hidden\"").count(),
        n - info,
        "the other findings are hidden"
    );
}

#[test]
fn html_escapes_what_the_target_sent() {
    let s = &*SCAN;
    let html = s.text("out/report.html");
    // the demo reflects markup (its XSS flaw): it must arrive escaped
    let scripts = html.matches("<script").count();
    assert_eq!(scripts, 1, "only the report's own script");
}
