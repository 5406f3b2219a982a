//! The binary as CI runs it: baselines across seeds, replay, config errors,
//! reports written when a budget stops the scan, completions and the man page.
#![cfg(feature = "demo")]

use crate::support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use apiprobe::demo::{DemoConfig, DemoServer, serve};
use apiprobe::report::{Baseline, Report};
use support::cli::{Cli, Stream, run as apiprobe, run_in as apiprobe_in};

fn fresh_dir(name: &str) -> PathBuf {
    support::cli::fresh_dir(&format!("cli-ci-{name}"))
}

fn spec() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("specs/demo.yaml")
        .display()
        .to_string()
}

fn read_report(path: &Path) -> Report {
    let text = std::fs::read_to_string(path).expect("the report was written");
    serde_json::from_str(&text).expect("a Report")
}

fn text(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

struct Demo {
    runtime: tokio::runtime::Runtime,
    server: Option<DemoServer>,
}

impl Demo {
    fn start(fixed: bool) -> Demo {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let server = runtime
            .block_on(serve(DemoConfig { fixed }))
            .expect("the demo starts");
        Demo {
            runtime,
            server: Some(server),
        }
    }
    fn url(&self) -> String {
        self.server
            .as_ref()
            .map(|s| s.base_url())
            .unwrap_or_default()
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            self.runtime.block_on(s.shutdown());
        }
    }
}

fn scan(url: &str, seed: &str, extra: &[&str]) -> Output {
    let spec = spec();
    let mut args = vec![
        "scan",
        &spec,
        "--url",
        url,
        "--seed",
        seed,
        "--cases",
        "40",
        "--quiet",
        "--no-config",
    ];
    args.extend_from_slice(extra);
    apiprobe(&args)
}

#[test]
fn a_baseline_holds_across_seeds_and_new_findings_still_fail() {
    let demo = Demo::start(false);
    let dir = fresh_dir("baseline");
    let first = dir.join("first.json");
    let out = scan(
        &demo.url(),
        "3",
        &["--report", &format!("json:{}", first.display())],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let created = apiprobe(&["baseline", "create", &first.display().to_string()]);
    assert_eq!(created.status.code(), Some(0), "{}", text(&created));
    let baseline_path = dir.join("apiprobe-baseline.json");
    std::fs::write(&baseline_path, &created.stdout).expect("write the baseline");
    let baseline: Baseline = serde_json::from_slice(&created.stdout).expect("a baseline");
    let first_report = read_report(&first);
    assert_eq!(baseline.findings.len(), first_report.findings.len());

    // another seed: every finding is known, none is new, the exit code is 0
    let second = dir.join("second.json");
    let out = scan(
        &demo.url(),
        "4",
        &[
            "--baseline",
            &baseline_path.display().to_string(),
            "--report",
            &format!("json:{}", second.display()),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("No new findings."), "{}", text(&out));
    let report = read_report(&second);
    assert!(report.findings.is_empty(), "new: {:#?}", report.findings);
    let summary = report.baseline.expect("the baseline summary");
    assert!(summary.suppressed >= 10, "{summary:?}");

    // a baseline without one finding: that finding is new again
    let mut partial = baseline.clone();
    let dropped = partial.findings.remove(0);
    let partial_path = dir.join("partial.json");
    std::fs::write(&partial_path, serde_json::to_vec(&partial).expect("json")).expect("write");
    let third = dir.join("third.json");
    let out = scan(
        &demo.url(),
        "3",
        &[
            "--baseline",
            &partial_path.display().to_string(),
            "--report",
            &format!("json:{}", third.display()),
        ],
    );
    let report = read_report(&third);
    let ids: Vec<&str> = report.findings.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, vec![dropped.id.as_str()]);
    let expected = if dropped.severity >= apiprobe::checks::Severity::Low {
        1
    } else {
        0
    };
    assert_eq!(out.status.code(), Some(expected), "{}", text(&out));
}

#[test]
fn a_baseline_that_is_not_one_is_a_clear_error() {
    let dir = fresh_dir("bad-baseline");
    let bad = dir.join("b.json");
    std::fs::write(&bad, "{\"version\": 1, \"findings\": [], \"extra\": 2}").expect("write");
    let out = scan(
        "http://127.0.0.1:9",
        "1",
        &["--baseline", &bad.display().to_string()],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("is not an apiprobe baseline"),
        "{}",
        text(&out)
    );
    assert!(text(&out).contains("extra"), "{}", text(&out));
}

#[test]
fn replay_says_whether_a_finding_still_reproduces() {
    let dir = fresh_dir("replay");
    let path = dir.join("r.json");
    let vulnerable = Demo::start(false);
    let out = scan(
        &vulnerable.url(),
        "3",
        &[
            "--bearer",
            "replay-token-1234",
            "--report",
            &format!("json:{}", path.display()),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = read_report(&path);
    let sql = report
        .findings
        .iter()
        .find(|f| f.check == "sql_error_leak")
        .expect("the demo leaks SQL errors");
    let report_path = path.display().to_string();

    // the token was masked in the report: without it, the request is not sent
    let out = apiprobe(&["replay", &report_path, "--finding", &sql.id]);
    assert!(text(&out).contains("SKIPPED"), "{}", text(&out));
    assert_eq!(out.status.code(), Some(2));

    let out = apiprobe(&[
        "replay",
        &report_path,
        "--finding",
        &sql.id,
        "--bearer",
        "replay-token-1234",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("REPRODUCED"), "{}", text(&out));
    assert!(text(&out).contains("1 reproduced"), "{}", text(&out));

    // the repaired API on another address: the finding is gone
    let fixed = Demo::start(true);
    let out = apiprobe(&[
        "replay",
        &report_path,
        "--finding",
        &sql.id,
        "--bearer",
        "replay-token-1234",
        "--url",
        &fixed.url(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("0 reproduced, 1 not seen again"),
        "{}",
        text(&out)
    );

    let out = apiprobe(&["replay", &report_path, "--finding", "0000"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("no finding \"0000\""));
}

#[test]
fn every_report_is_written_when_a_budget_stops_the_scan() {
    let demo = Demo::start(false);
    let dir = fresh_dir("budget");
    let mut args = vec!["--max-requests".to_owned(), "60".to_owned()];
    for (format, name) in [
        ("json", "r.json"),
        ("sarif", "r.sarif"),
        ("junit", "r.xml"),
        ("html", "r.html"),
        ("ndjson", "r.ndjson"),
        ("har", "r.har"),
    ] {
        args.push("--report".into());
        args.push(format!("{format}:{}", dir.join(name).display()));
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = scan(&demo.url(), "3", &refs);
    assert!(text(&out).contains("request budget"), "{}", text(&out));
    let report = read_report(&dir.join("r.json"));
    assert!(report.stats.requests <= 60 + 24, "{:?}", report.stats);
    for name in ["r.sarif", "r.har"] {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join(name)).expect(name))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(v.is_object());
    }
    let xml = std::fs::read_to_string(dir.join("r.xml")).expect("junit");
    roxmltree::Document::parse(&xml).expect("well-formed JUnit");
    let ndjson = std::fs::read_to_string(dir.join("r.ndjson")).expect("ndjson");
    assert!(
        ndjson
            .lines()
            .last()
            .is_some_and(|l| l.contains("\"finished\""))
    );
    assert!(
        std::fs::read_to_string(dir.join("r.html"))
            .expect("html")
            .contains("</html>")
    );
}

#[test]
fn config_errors_name_the_key_and_the_line() {
    let dir = fresh_dir("config");
    std::fs::write(
        dir.join("apiprobe.toml"),
        "seed = 1\n[operations.ping]\nskip = true\nheaders = { X = \"1\" }\nexpected_statuses = [200]\n",
    )
    .expect("write");
    let spec = spec();
    let out = apiprobe_in(&dir, &["scan", &spec, "--url", "http://127.0.0.1:9"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("apiprobe.toml:5:1"), "{t}");
    assert!(t.contains("expected_statuses"), "{t}");

    // --config names another file; a missing profile is an error that lists them
    let other = dir.join("ci.toml");
    std::fs::write(&other, "[profiles.nightly]\ncases = 1\n").expect("write");
    let out = apiprobe_in(
        &dir,
        &[
            "scan",
            &spec,
            "--url",
            "http://127.0.0.1:9",
            "--config",
            &other.display().to_string(),
            "--config-profile",
            "weekly",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("no profile \"weekly\""),
        "{}",
        text(&out)
    );
    assert!(text(&out).contains("nightly"), "{}", text(&out));
}

#[test]
fn the_spec_may_come_from_the_config_file() {
    let dir = fresh_dir("config-spec");
    let demo = Demo::start(true);
    std::fs::write(
        dir.join("apiprobe.toml"),
        format!(
            "spec = {:?}\nurl = {:?}\ncases = 1\nattacks = 0\nquiet = true\nreports = [\"json:out.json\"]\n",
            spec(),
            demo.url()
        ),
    )
    .expect("write");
    let out = apiprobe_in(&dir, &["scan"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = read_report(&dir.join("out.json"));
    assert!(report.stats.requests > 0);
    // a flag overrides the file
    let out = apiprobe_in(&dir, &["scan", "--report", "json:flag.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(dir.join("flag.json").is_file());
}

#[test]
fn completions_and_the_man_page() {
    for shell in ["bash", "zsh", "fish"] {
        let out = apiprobe(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0));
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(
            script.contains("apiprobe") && script.contains("report") && script.contains("baseline"),
            "{shell}"
        );
    }
    // bash itself reads the bash script
    let dir = fresh_dir("completions");
    let out = apiprobe(&["completions", "bash"]);
    let path = dir.join("apiprobe.bash");
    std::fs::write(&path, &out.stdout).expect("write");
    let check = Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
        .expect("bash runs");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );

    let out = apiprobe(&["man"]);
    assert_eq!(out.status.code(), Some(0));
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(
        page.starts_with(".ie") || page.starts_with(".TH"),
        "{}",
        &page[..80.min(page.len())]
    );
    assert!(page.contains("apiprobe\\-scan") || page.contains("apiprobe-scan"));
    assert!(page.contains("baseline"));
}

#[test]
fn ctrl_c_still_writes_every_report() {
    let demo = Demo::start(false);
    let dir = fresh_dir("interrupt");
    let spec = spec();
    let url = demo.url();
    let mut args: Vec<String> = [
        "scan",
        &spec,
        "--url",
        &url,
        "--no-config",
        "--seed",
        "3",
        // slow enough that the scan is still running when its first
        // progress line comes (5 s in: at most 200 of its requests)
        "--rate-limit",
        "40/s",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    for (format, name) in [
        ("json", "r.json"),
        ("sarif", "r.sarif"),
        ("junit", "r.xml"),
        ("html", "r.html"),
        ("ndjson", "r.ndjson"),
        ("har", "r.har"),
    ] {
        args.push("--report".into());
        args.push(format!("{format}:{}", dir.join(name).display()));
    }
    let mut child = Cli::new(&args).spawn(Stream::Stderr);
    // mid-scan with exchanges behind it: a progress line is printed on an
    // exchange, the first one 5 s after the start
    let progress = child.wait_for("progress: ", Duration::from_secs(120));
    child.interrupt();
    let out = child.finish();
    assert!(
        text(&out).contains("interrupted"),
        "{progress}\n{}",
        text(&out)
    );
    let report = read_report(&dir.join("r.json"));
    assert_eq!(report.stopped, apiprobe::engine::StopReason::Interrupted);
    let har: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("r.har")).expect("har"))
            .expect("a whole HAR file");
    let entries = har["log"]["entries"].as_array().map(Vec::len).unwrap_or(0);
    assert!(entries > 0 && (entries as u64) <= report.stats.requests);
    let ndjson = std::fs::read_to_string(dir.join("r.ndjson")).expect("ndjson");
    let last: serde_json::Value =
        serde_json::from_str(ndjson.lines().last().expect("a line")).expect("json");
    assert_eq!(last["stopped"]["reason"], "interrupted");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("r.sarif")).expect("sarif"))
            .expect("sarif json");
    assert_eq!(
        sarif["runs"][0]["results"].as_array().map(Vec::len),
        Some(report.findings.len())
    );
    let xml = std::fs::read_to_string(dir.join("r.xml")).expect("junit");
    roxmltree::Document::parse(&xml).expect("well-formed JUnit");
    assert!(
        std::fs::read_to_string(dir.join("r.html"))
            .expect("html")
            .contains("stopped early")
    );
}

#[test]
fn identities_from_the_config_file_find_bola_and_stay_masked() {
    let demo = Demo::start(false);
    let dir = fresh_dir("identities");
    std::fs::write(
        dir.join("apiprobe.toml"),
        "login = \"alice:wonderland\"\n\
         [identities.alice]\nrole = \"user\"\nlogin = \"alice:wonderland\"\n\
         [identities.bob]\nrole = \"user\"\nlogin = \"bob:${APIPROBE_TEST_BOB}\"\n",
    )
    .expect("config");
    let report = dir.join("r.json");
    let out = Cli::new([
        "scan",
        &spec(),
        "--url",
        &demo.url(),
        "--checks",
        "bola,use_after_free",
        "--quiet",
        "--report",
        &format!("json:{}", report.display()),
    ])
    .dir(&dir)
    .env("APIPROBE_TEST_BOB", "builder")
    .run();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let r = read_report(&report);
    let bola = r
        .findings
        .iter()
        .find(|f| f.check == "bola" && f.operation.id == "getNote")
        .unwrap_or_else(|| panic!("a bola finding on getNote: {}", text(&out)));
    assert!(
        bola.proof
            .iter()
            .any(|p| p.name == "intruder" && p.value == "bob")
    );
    // the passwords never reach an output
    let written = std::fs::read_to_string(&report).expect("report");
    for secret in ["wonderland", "builder"] {
        assert!(!written.contains(secret), "{secret} in the report");
        assert!(!text(&out).contains(secret), "{secret} in the output");
    }
}

#[test]
fn a_wrong_identity_table_is_a_usage_error_naming_it() {
    let dir = fresh_dir("bad-identity");
    std::fs::write(
        dir.join("apiprobe.toml"),
        "[identities.carol]\nbearer = \"x\"\nbasic = \"c:d\"\n",
    )
    .expect("config");
    let out = apiprobe_in(&dir, &["scan", &spec(), "--url", "http://127.0.0.1:9"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("[identities.carol]"), "{}", text(&out));
    assert!(text(&out).contains("exactly one of"), "{}", text(&out));
}

#[test]
fn an_operation_the_config_marks_privileged_is_judged_by_bfla() {
    // GET /users is not an admin operation in the spec; the file says it is,
    // and every signed-in user may read it: bfla for bob
    let demo = Demo::start(false);
    let dir = fresh_dir("privileged");
    std::fs::write(
        dir.join("apiprobe.toml"),
        "[identities.bob]\nrole = \"user\"\nlogin = \"bob:builder\"\n\
         [operations.listUsers]\nprivileged = true\n",
    )
    .expect("config");
    let report = dir.join("r.json");
    let out = apiprobe_in(
        &dir,
        &[
            "scan",
            &spec(),
            "--url",
            &demo.url(),
            "--checks",
            "bfla",
            "--quiet",
            "--report",
            &format!("json:{}", report.display()),
        ],
    );
    let r = read_report(&report);
    let ops: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.check == "bfla")
        .map(|f| f.operation.id.as_str())
        .collect();
    assert!(ops.contains(&"listUsers"), "{ops:?}: {}", text(&out));
    assert!(ops.contains(&"getAuditLog"), "{ops:?}");
}

/// The `finding` objects of an NDJSON stream, in the order written.
fn streamed_findings(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).expect("the ndjson stream was written");
    text.lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("each line is json"))
        .filter(|v| v["event"] == "finding")
        .map(|v| v["finding"].clone())
        .collect()
}

#[test]
fn severity_overrides_reach_the_stream_the_reports_and_fail_on() {
    // one passive check (a stack trace in a 500) and one active one (bola,
    // two users), each given another severity by the file
    let demo = Demo::start(false);
    let dir = fresh_dir("severity");
    std::fs::write(
        dir.join("apiprobe.toml"),
        "login = \"alice:wonderland\"\n\
         [identities.alice]\nrole = \"user\"\nlogin = \"alice:wonderland\"\n\
         [identities.bob]\nrole = \"user\"\nlogin = \"bob:builder\"\n\
         [severity]\nstack_trace_leak = \"critical\"\nbola = \"low\"\n",
    )
    .expect("config");
    let out = apiprobe_in(
        &dir,
        &[
            "scan",
            &spec(),
            "--url",
            &demo.url(),
            "--seed",
            "5",
            "--checks",
            "stack_trace_leak,bola",
            "--quiet",
            // only the overridden severity of stack_trace_leak (by default
            // medium) is critical
            "--fail-on",
            "critical",
            "--report",
            "json:r.json",
            "--report",
            "ndjson:r.ndjson",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let expected = |check: &str| match check {
        "stack_trace_leak" => "critical",
        "bola" => "low",
        other => panic!("a finding of {other}, which was not selected"),
    };
    let streamed = streamed_findings(&dir.join("r.ndjson"));
    let report = read_report(&dir.join("r.json"));
    for check in ["stack_trace_leak", "bola"] {
        assert!(
            streamed.iter().any(|f| f["check"] == check),
            "no {check} finding streamed: {}",
            text(&out)
        );
        assert!(
            report.findings.iter().any(|f| f.check == check),
            "no {check} finding in the report"
        );
    }
    for f in &streamed {
        let check = f["check"].as_str().expect("a check name");
        assert_eq!(f["severity"], expected(check), "streamed {check}: {f}");
    }
    for f in &report.findings {
        assert_eq!(
            f.severity.as_str(),
            expected(&f.check),
            "reported {}",
            f.check
        );
    }
    let traces = report
        .findings
        .iter()
        .filter(|f| f.check == "stack_trace_leak")
        .count();
    assert_eq!(report.summary.critical, traces);
}
