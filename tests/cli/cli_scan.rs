//! `apiprobe scan` and `apiprobe demo` as a user runs them: exit codes,
//! reports written, errors that say what is wrong.
#![cfg(feature = "demo")]

use crate::support;

use std::path::PathBuf;
use std::time::Duration;

use apiprobe::demo::{DemoConfig, serve};
use apiprobe::report::Report;
use support::cli::{Cli, Stream, run as apiprobe};

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("apiprobe-cli-scan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

fn read_report(path: &PathBuf) -> Report {
    let text = std::fs::read_to_string(path).expect("the report was written");
    serde_json::from_str(&text).expect("the report is a Report")
}

#[test]
fn demo_scans_the_vulnerable_api_and_reports_findings() {
    let path = temp("demo.json");
    let out = apiprobe(&[
        "demo",
        "--seed",
        "3",
        "--quiet",
        "--report",
        &format!("json:{}", path.display()),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let report = read_report(&path);
    assert_eq!(report.seed, 3);
    assert!(report.findings.len() >= 10, "{stdout}");
    assert!(stdout.contains("Findings:"), "{stdout}");
    assert!(stdout.contains("reproduce: curl"), "{stdout}");
    // most severe first
    let severities: Vec<_> = report.findings.iter().map(|f| f.severity).collect();
    let mut sorted = severities.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(severities, sorted);
}

#[test]
fn demo_fixed_gives_no_finding() {
    let path = temp("fixed.json");
    let out = apiprobe(&[
        "demo",
        "--fixed",
        "--seed",
        "3",
        "--quiet",
        "--report",
        &format!("json:{}", path.display()),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(read_report(&path).findings.is_empty(), "{stdout}");
    assert!(stdout.contains("No findings."), "{stdout}");
}

#[test]
fn scan_exits_1_on_findings_and_0_below_fail_on() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = runtime
        .block_on(serve(DemoConfig { fixed: false }))
        .expect("demo starts");
    let url = server.base_url();
    let common = [
        "scan",
        "specs/demo.yaml",
        "--url",
        url.as_str(),
        "--quiet",
        "--seed",
        "1",
        "--cases",
        "2",
        "--attacks",
        "0",
        "--include",
        "id:getHealth",
        // the demo's CORS flaw (high) shows on every path
        "--exclude-checks",
        "cors_misconfiguration",
        // and its undocumented routes (high) are found from any operation
        "--discovery",
        "off",
    ];
    // /health answers an undocumented 202: a low finding
    let out = apiprobe(&common);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let mut high = common.to_vec();
    high.extend(["--fail-on", "high"]);
    let out = apiprobe(&high);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    runtime.block_on(server.shutdown());
}

#[test]
fn a_budget_ends_the_scan_and_the_report_is_still_written() {
    let path = temp("budget.json");
    let out = apiprobe(&[
        "demo",
        "--seed",
        "1",
        "--quiet",
        "--max-requests",
        "40",
        "--report",
        &format!("json:{}", path.display()),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let report = read_report(&path);
    assert_eq!(
        serde_json::to_value(&report.stopped).unwrap()["reason"],
        "request_budget"
    );
    assert!(report.stats.requests <= 40, "{:?}", report.stats);
    assert!(String::from_utf8_lossy(&out.stdout).contains("request budget"));
}

#[test]
fn bad_flags_exit_2_and_say_what_is_wrong() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["scan", "specs/demo.yaml", "--rate-limit", "0/s"],
            "more than zero",
        ),
        (
            &["scan", "specs/demo.yaml", "--timeout", "soon"],
            "not a duration",
        ),
        (
            &["scan", "specs/demo.yaml", "--report", "xml:r.xml"],
            "unknown format",
        ),
        (
            &["scan", "specs/demo.yaml", "--checks", "nope"],
            "unknown check \"nope\"",
        ),
        (
            &["scan", "specs/demo.yaml", "--include", "path:("],
            "bad filter",
        ),
        (
            &[
                "scan",
                "specs/demo.yaml",
                "--include",
                "tag:nothing-has-this",
            ],
            "no operation to scan",
        ),
        (
            &["scan", "specs/demo.yaml", "--url", "ftp://x"],
            "not http or https",
        ),
        (
            &["scan", "specs/demo.yaml", "--api-key", "novalue"],
            "NAME:VALUE",
        ),
        (
            &["scan", "specs/demo.yaml", "-H", "no colon"],
            "Name: value",
        ),
        (
            &["scan", "tests/fixtures/does-not-exist.yaml"],
            "does-not-exist.yaml",
        ),
    ];
    for (args, expected) in cases {
        let out = apiprobe(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

#[test]
fn ctrl_c_stops_the_scan_and_the_report_is_still_written() {
    // a server that accepts and never answers: requests stay in flight
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().take(64) {
            match stream {
                Ok(s) => held.push(s),
                Err(_) => break,
            }
        }
        std::thread::sleep(Duration::from_secs(60));
    });
    let path = temp("interrupted.json");
    let mut child = Cli::new([
        "scan",
        "specs/demo.yaml",
        "--url",
        &url,
        "--timeout",
        "60s",
        "--report",
        &format!("json:{}", path.display()),
    ])
    // well under the requests' 60 s timeout: only the interrupt ends it in time
    .guard(Duration::from_secs(45))
    .spawn(Stream::Stderr);
    // the scan has started (its signal handler is in place before this line)
    child.wait_for(&format!("scanning {url}"), Duration::from_secs(30));
    child.interrupt();
    let out = child.finish();
    let report = read_report(&path);
    assert_eq!(
        serde_json::to_value(&report.stopped).unwrap()["reason"],
        "interrupted"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("interrupted"));
}

#[test]
fn a_callback_listener_that_cannot_bind_is_a_warning_not_silence() {
    // the address is taken: the ssrf check cannot get its listener
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let out = apiprobe(&[
        "demo",
        "--seed",
        "1",
        "--quiet",
        "--max-requests",
        "40",
        "--callback-listen",
        &addr,
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "warning: the SSRF callback listener cannot listen on {addr}"
        )) && stderr.contains("the ssrf check is skipped"),
        "{stderr}"
    );
    drop(taken);
}
