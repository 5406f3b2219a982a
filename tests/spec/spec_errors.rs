//! Broken and sloppy inputs: clear errors naming file and place, warnings for
//! what can be lived with, and never a panic.

use crate::common;

use apiprobe::model::{StatusCode, WarningKind};
use apiprobe::spec::{SpecError, load_path, load_str};
use common::{load, op, path};

fn error_of(relative: &str) -> SpecError {
    match load_path(path(relative)) {
        Ok(api) => panic!("{relative} loaded with {} operations", api.operations.len()),
        Err(e) => e,
    }
}

#[test]
fn syntax_errors_name_file_line_and_column() {
    match error_of("tests/fixtures/bad/not-yaml.yaml") {
        SpecError::Syntax {
            origin,
            line,
            column,
            ..
        } => {
            assert!(origin.ends_with("not-yaml.yaml"));
            assert_eq!((line, column), (Some(5), Some(15)));
        }
        other => panic!("{other}"),
    }
    match error_of("tests/fixtures/bad/truncated.json") {
        SpecError::Syntax { line, message, .. } => {
            assert_eq!(line, Some(13));
            assert!(
                message.contains("JSON") && message.contains("EOF"),
                "{message}"
            );
        }
        other => panic!("{other}"),
    }
    assert!(
        error_of("tests/fixtures/bad/binary.bin")
            .to_string()
            .contains("not UTF-8")
    );
}

#[test]
fn documents_that_are_not_openapi_say_why() {
    let text = error_of("tests/fixtures/bad/not-openapi.json").to_string();
    assert!(
        text.contains("neither an `openapi` nor a `swagger`"),
        "{text}"
    );
    let text = error_of("tests/fixtures/bad/array.json").to_string();
    assert!(text.contains("top level is an array"), "{text}");
    let text = error_of("tests/fixtures/bad/empty.yaml").to_string();
    assert!(text.contains("empty"), "{text}");
    match error_of("tests/fixtures/bad/wrong-version.yaml") {
        SpecError::UnsupportedVersion { version, .. } => assert_eq!(version, "4.0.0"),
        other => panic!("{other}"),
    }
    let text = error_of("tests/fixtures/bad/does-not-exist.yaml").to_string();
    assert!(
        text.contains("does-not-exist.yaml") && text.contains("No such file"),
        "{text}"
    );
}

#[test]
fn unquoted_yaml_version_keeps_its_text() {
    let api = load("tests/fixtures/bad/yaml-version-number.yaml");
    assert_eq!(api.version, "1.10");
}

#[test]
fn numeric_response_keys_in_yaml() {
    let api = load("tests/fixtures/bad/numeric-keys.yaml");
    let statuses: Vec<StatusCode> = op(&api, "listPets")
        .responses
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(
        statuses,
        [
            StatusCode::Exact(200),
            StatusCode::Exact(404),
            StatusCode::Default
        ]
    );
    let statuses: Vec<StatusCode> = op(&api, "createPet")
        .responses
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [StatusCode::Exact(201), StatusCode::Range(2)]);
}

#[test]
fn sloppy_specs_load_with_warnings() {
    let api = load("tests/fixtures/bad/sloppy.yaml");
    let ids: Vec<&str> = api.operations.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["getThing", "getThing_2", "fetchThing", "health"]);
    let has = |kind: WarningKind, text: &str| {
        api.warnings
            .iter()
            .any(|w| w.kind == kind && w.message.contains(text))
    };
    assert!(
        has(WarningKind::UnknownFormat, "foo-bar"),
        "{:#?}",
        api.warnings
    );
    assert!(has(WarningKind::DuplicateOperationId, "getThing"));
    assert!(has(WarningKind::InvalidObject, "`in`"));
    assert!(has(WarningKind::UndeclaredPathParameter, "{id}"));
    // the undeclared {id} became a required string path parameter
    let fetch = op(&api, "fetchThing");
    assert!(
        fetch
            .parameters
            .iter()
            .any(|p| p.name == "id" && p.required)
    );
    // warnings say where
    assert!(
        api.warnings
            .iter()
            .any(|w| w.location == "#/paths/~1things/post/parameters/0")
    );
}

#[test]
fn hostile_bytes_never_panic() {
    let cases: Vec<String> = vec![
        String::new(),
        "{".into(),
        "[[[[[[[[[[".into(),
        "openapi: 3.0.0\npaths: 5\n".into(),
        "openapi: 3.0.0\npaths:\n  /a:\n    get: [1, 2]\n".into(),
        "openapi: 3.0.0\npaths:\n  /a:\n    get:\n      parameters: {}\n      responses: 7\n".into(),
        "openapi: 3.0.0\npaths:\n  /a/{x}:\n    get:\n      parameters: [{name: x, in: path, schema: {$ref: 5}}]\n".into(),
        "openapi: 3.1.0\npaths:\n  /a:\n    get:\n      responses: {'200': {content: {a/b: {schema: {type: [1, null], items: false, minLength: -1, multipleOf: 0}}}}}\n".into(),
        "swagger: '2.0'\npaths:\n  /a:\n    get:\n      parameters: [{in: body}, {in: formData}, {$ref: '#/nope'}, 7]\n".into(),
        "swagger: '2.0'\nsecurityDefinitions: {a: {type: oauth2, flow: magic}}\npaths: {}\n".into(),
        format!("openapi: 3.0.0\ncomponents:\n  schemas:\n    A: {}\n", "{allOf: [".repeat(200)),
        "openapi: 3.0.0\npaths:\n  /a:\n    $ref: '#/paths/~1a'\n".into(),
        "openapi: 3.0.0\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          content:\n            application/json:\n              schema: {$ref: 'http://127.0.0.1:1/x.json'}\n".into(),
    ];
    for text in cases {
        let outcome = std::panic::catch_unwind(|| load_str(&text, "case.yaml"));
        assert!(outcome.is_ok(), "panicked on {text:?}");
    }
}

fn nested_items(levels: usize) -> String {
    let mut schema = String::from("{type: string}");
    for _ in 0..levels {
        schema = format!("{{type: array, items: {schema}}}");
    }
    format!(
        "openapi: 3.0.0\ninfo: {{title: t, version: '1'}}\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {schema}\n"
    )
}

#[test]
fn deeply_nested_inline_schemas_are_bounded() {
    // 100 levels (overflowed a 2 MiB test-thread stack in debug before the
    // reader got a thread of its own): within what YAML parsing allows
    let api = load_str(&nested_items(100), "deep.yaml").expect("loads");
    assert_eq!(api.operations.len(), 1);
    // 1000 levels: refused by the parser with a clear error
    let err = load_str(&nested_items(1000), "deeper.yaml").unwrap_err();
    assert!(matches!(err, SpecError::Syntax { .. }), "{err}");
    assert!(err.to_string().contains("deeper.yaml"), "{err}");
}

#[test]
fn long_reference_chains_are_bounded() {
    // S0 -> S1 -> ... -> S599, each through a property: built depth-first
    let mut text = String::from(
        "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/S0'}\ncomponents:\n  schemas:\n",
    );
    for i in 0..600 {
        text.push_str(&format!("    S{i}: {{type: object, properties: {{next: {{$ref: '#/components/schemas/S{}'}}}}}}\n", i + 1));
    }
    text.push_str("    S600: {type: string}\n");
    let api = load_str(&text, "chain.yaml").expect("loads");
    assert_eq!(api.operations.len(), 1);
    assert!(
        api.warnings.iter().any(|w| w.kind == WarningKind::TooDeep),
        "{:?}",
        api.warnings
    );
}
