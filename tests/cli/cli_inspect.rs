//! `apiprobe inspect`, run as users run it: output, JSON, exit codes.

use crate::support;

use std::process::Output;

use support::cli::run as apiprobe;

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn inspect_openapi30_example() {
    let out = apiprobe(&["inspect", "specs/petstore.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn inspect_swagger2_example() {
    let out = apiprobe(&["inspect", "specs/petstore-swagger2.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn inspect_openapi31_example() {
    let out = apiprobe(&["inspect", "specs/petstore-31.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn inspect_json_is_machine_readable() {
    let out = apiprobe(&["inspect", "--json", "specs/petstore.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(v["operationCount"], 8);
    assert_eq!(v["specVersion"]["format"], "openapi-3.0");
    let list = &v["operations"][0];
    assert_eq!(list["id"], "listPets");
    assert_eq!(list["public"], true);
    assert_eq!(list["parameters"][0]["name"], "limit");
    assert_eq!(list["parameters"][0]["schema"]["maximum"], 100);
    assert_eq!(v["securitySchemes"]["bearerAuth"]["type"], "http");
}

#[test]
fn a_bad_spec_exits_2_with_the_error_on_stderr() {
    let out = apiprobe(&["inspect", "tests/fixtures/bad/truncated.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).is_empty());
    let err = stderr(&out);
    assert!(
        err.starts_with("error: tests/fixtures/bad/truncated.json:13:"),
        "{err}"
    );
    let out = apiprobe(&["inspect", "no/such/file.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no/such/file.yaml"));
}

#[test]
fn a_bad_flag_exits_2() {
    let out = apiprobe(&["inspect", "--no-such-flag", "specs/petstore.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--no-such-flag"));
    let out = apiprobe(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn skipped_operations_are_reported_and_strict_makes_them_fatal() {
    // printed, and still a spec problem: exit 2 (a script must not take it as fine)
    let out = apiprobe(&["inspect", "tests/fixtures/refs/broken_parameter.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).contains("skipped:    1"));
    assert!(stderr(&out).contains("GET /things"), "{}", stderr(&out));
    let out = apiprobe(&[
        "inspect",
        "--strict",
        "tests/fixtures/refs/broken_parameter.yaml",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("#/components/parameters/DoesNotExist"));
}
