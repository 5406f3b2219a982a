//! `apiprobe cases --format json` prints JSON lines only: a case that
//! cannot be sent (a header parameter named `""`) is an object naming the
//! operation, the intent and why, not a `#` comment; the curl format keeps
//! its comment.

use support::cli::{Cli, fresh_dir, text};

use crate::support;

const SPEC: &str = r#"
openapi: 3.0.3
info: {title: unsendable, version: "1"}
paths:
  /notes:
    get:
      operationId: listNotes
      parameters:
        - {name: '', in: header, required: true, schema: {type: string}}
        - {name: page, in: query, schema: {type: integer, minimum: 1}}
      responses: {"200": {description: ok}}
"#;

#[test]
fn json_cases_are_pure_json_lines_with_unsendable_cases_as_objects() {
    let dir = fresh_dir("cases-json-unsendable");
    let spec = dir.join("spec.yaml");
    std::fs::write(&spec, SPEC).expect("the spec is written");
    let spec = spec.to_string_lossy().into_owned();
    let out = Cli::new(["cases", &spec, "--format", "json", "--count", "2"]).run();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut unsendable = 0;
    for line in stdout.lines() {
        let case: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        if let Some(why) = case.get("unsendable") {
            unsendable += 1;
            assert_eq!(case["operation"], "listNotes", "{line}");
            assert!(case["intent"].is_string(), "{line}");
            assert_eq!(why["location"], "header", "{line}");
            assert_eq!(why["name"], "", "{line}");
            assert!(
                why["reason"].as_str().is_some_and(|r| r.contains("empty")),
                "{line}"
            );
        }
    }
    assert!(unsendable > 0, "no unsendable case printed:\n{stdout}");
    // the curl format keeps its comment line
    let out = Cli::new(["cases", &spec, "--count", "1"]).run();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(": not sendable: "),
        "{}",
        text(&out)
    );
}
