//! `--login` and `apiprobe demo`'s own sign-in, as a user runs them: the demo
//! signs in with no flags so the authentication probes have a token; a
//! refused login is an error that says where and what.
#![cfg(feature = "demo")]

use crate::support;

use std::path::PathBuf;

use apiprobe::demo::{DemoConfig, serve};
use apiprobe::report::Report;
use support::cli::run as apiprobe;

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("apiprobe-cli-login-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

#[test]
fn demo_signs_in_by_itself_and_finds_the_auth_flaws() {
    let path = temp("demo.json");
    let out = apiprobe(&[
        "demo",
        "--seed",
        "2",
        "--quiet",
        "--cases",
        "1",
        "--attacks",
        "0",
        "--checks",
        "ignored_auth,jwt_forgery,weak_jwt_secret,sensitive_data_exposure",
        "--report",
        &format!("json:{}", path.display()),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&path).expect("the report was written");
    let report: Report = serde_json::from_str(&text).expect("a report");
    let found = |check: &str, op: &str| {
        report
            .findings
            .iter()
            .any(|f| f.check == check && (op.is_empty() || f.operation.id == op))
    };
    let listing: Vec<String> = report
        .findings
        .iter()
        .map(|f| format!("{} {}", f.check, f.operation.id))
        .collect();
    assert!(found("ignored_auth", "listNotes"), "{listing:#?}");
    assert!(found("jwt_forgery", ""), "{listing:#?}");
    assert!(found("weak_jwt_secret", ""), "{listing:#?}");
    // only a signed-in caller sees the user list with its hashes
    assert!(
        found("sensitive_data_exposure", "listUsers"),
        "{listing:#?}"
    );
}

#[test]
fn a_refused_login_is_a_usage_error_naming_the_operation() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let server = runtime
        .block_on(serve(DemoConfig::default()))
        .expect("the demo starts");
    let url = server.base_url();
    let out = apiprobe(&[
        "scan",
        "specs/demo.yaml",
        "--url",
        &url,
        "--login",
        "alice:not-her-password",
        "--quiet",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--login"), "{stderr}");
    assert!(stderr.contains("401"), "{stderr}");
    let out = apiprobe(&["scan", "specs/demo.yaml", "--url", &url, "--login", "alice"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("user:password"), "{stderr}");
    drop(server);
}
