//! `$ref` resolution: external files relative to the referring file, escapes,
//! chains, recursion across files, and unresolvable references.

use crate::common;

use apiprobe::model::{ParameterLocation, Types};
use apiprobe::spec::{Loader, SpecError};
use common::{load, op, param_schema, path, prop, response_schema};

#[test]
fn external_files_parameters_responses_and_path_items() {
    let api = load("tests/fixtures/refs/main.yaml");
    let ids: Vec<&str> = api.operations.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "listPets",
            "getPet",
            "getItem",
            "deleteItem",
            "getEscapes",
            "getTree"
        ]
    );
    assert!(api.skipped.is_empty(), "{:?}", api.skipped);

    // a parameter from ./parameters.yaml
    let list = op(&api, "listPets");
    let limit = param_schema(&api, list, "limit");
    assert_eq!(
        (limit.minimum.clone(), limit.maximum.clone()),
        (Some(1.into()), Some(100.into()))
    );

    // a whole-file schema, whose own ref resolves relative to schemas/
    let items = api.schemas.get(response_schema(list, 200)).items.unwrap();
    assert_eq!(api.schemas.get(items).name.as_deref(), Some("pet"));
    let tag = api.schemas.get(prop(&api, items, "tags")).items.unwrap();
    assert_eq!(api.schemas.get(tag).name.as_deref(), Some("Tag"));
    assert!(api.schemas.get(tag).properties.contains_key("name"));
    // a schema out of a file of several
    let error = api.schemas.get(response_schema(list, 599));
    assert_eq!(error.name.as_deref(), Some("Error"));

    // Alias -> Pet -> ./schemas/pet.yaml is the very same schema
    let get = op(&api, "getPet");
    assert_eq!(response_schema(get, 200), items);
    // a response from ./responses.yaml, whose schema is ./schemas/common.yaml#/Error
    let not_found = get.response_for(404).unwrap();
    assert!(!not_found.description.is_empty());
    assert_eq!(
        api.schemas
            .get(not_found.content[0].schema.unwrap())
            .name
            .as_deref(),
        Some("Error")
    );

    // a whole path item from ./paths/items.yaml, its refs relative to paths/
    let item = op(&api, "getItem");
    assert_eq!(item.path, "/items/{itemId}");
    assert!(
        item.parameters
            .iter()
            .any(|p| p.name == "itemId" && p.location == ParameterLocation::Path)
    );
    assert_eq!(
        api.schemas.get(response_schema(item, 200)).name.as_deref(),
        Some("Item")
    );
    assert_eq!(op(&api, "deleteItem").path, "/items/{itemId}");
}

#[test]
fn pointer_escapes_and_percent_encoding() {
    let api = load("tests/fixtures/refs/main.yaml");
    let body = response_schema(op(&api, "getEscapes"), 200);
    let kind = |p: &str| {
        api.schemas
            .get(prop(&api, body, p))
            .types
            .iter()
            .collect::<Vec<_>>()
    };
    assert_eq!(kind("slash"), [Types::String], "#/components/schemas/a~1b");
    assert_eq!(
        kind("tilde"),
        [Types::Integer],
        "#/components/schemas/tilde~0name"
    );
    assert_eq!(
        kind("space"),
        [Types::Boolean],
        "#/components/schemas/with%20space"
    );
}

#[test]
fn recursion_across_files_is_a_cycle_of_ids() {
    let api = load("tests/fixtures/refs/main.yaml");
    let root = response_schema(op(&api, "getTree"), 200);
    let node = api.schemas.get(root);
    assert_eq!(node.name.as_deref(), Some("tree"));
    assert_eq!(
        api.schemas.get(prop(&api, root, "children")).items,
        Some(root),
        "`#` is the file itself"
    );
    assert_eq!(
        prop(&api, root, "parent"),
        root,
        "back through main.yaml to the same file"
    );
    // the JSON Schema form stays finite
    let js = api.schemas.to_json_schema(root);
    assert!(js.to_string().len() < 10_000);
}

#[test]
fn an_unresolvable_response_schema_ref_is_a_warning_with_the_ref_and_place() {
    let api = load("tests/fixtures/refs/broken.yaml");
    assert!(api.skipped.is_empty(), "{:?}", api.skipped);
    assert_eq!(api.operations.len(), 1, "the operation is kept");
    let w: Vec<_> = api
        .warnings
        .iter()
        .filter(|w| w.kind == apiprobe::model::WarningKind::UnresolvedRef)
        .collect();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].message.contains("#/components/schemas/DoesNotExist")
            && w[0].message.contains("used by listThings"),
        "{}",
        w[0].message
    );
    assert_eq!(
        w[0].location,
        "#/paths/~1things/get/responses/200/content/application~1json/schema"
    );
}

#[test]
fn strict_loading_fails_on_an_unresolvable_ref() {
    let err = Loader::new()
        .strict(true)
        .load_path(path("tests/fixtures/refs/broken.yaml"))
        .unwrap_err();
    match err {
        SpecError::UnresolvedRef {
            reference,
            location,
            origin,
            ..
        } => {
            assert_eq!(reference, "#/components/schemas/DoesNotExist");
            assert!(location.starts_with("#/paths/~1things/get"), "{location}");
            assert!(origin.ends_with("broken.yaml"), "{origin}");
        }
        other => panic!("unexpected {other}"),
    }
    let err = Loader::new()
        .strict(true)
        .load_path(path("tests/fixtures/refs/broken-external.yaml"))
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("./missing-file.yaml#/Foo") && text.contains("No such file"),
        "{text}"
    );
}

#[test]
fn refs_inside_examples_and_extensions_are_not_followed() {
    let api = load("tests/fixtures/refs/example-only.yaml");
    assert_eq!(api.operations.len(), 1);
    assert!(api.skipped.is_empty(), "{:?}", api.skipped);
}

#[test]
fn reference_loops_are_errors_not_hangs() {
    let api = load("tests/fixtures/refs/cycle.yaml");
    let skipped: Vec<&str> = api.skipped.iter().map(|s| s.operation.as_str()).collect();
    assert_eq!(
        skipped,
        ["GET /loop"],
        "a parameter is needed to send the request"
    );
    assert!(api.skipped.iter().all(|s| s.error.contains("loops")));
    // a response schema that loops costs only its check
    assert_eq!(api.operations.len(), 1);
    assert!(
        api.warnings
            .iter()
            .any(|w| w.message.contains("loops") && w.message.contains("used by selfSchema")),
        "{:?}",
        api.warnings
    );
}

#[test]
fn swagger2_unresolvable_parameter_refs_skip_the_operation_too() {
    let text = "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      parameters: [{$ref: '#/parameters/missing'}]\n      responses: {'200': {description: ok}}\n  /b:\n    get:\n      responses: {'200': {description: ok}}\n";
    let api = apiprobe::spec::load_str(text, "s.yaml").expect("loads");
    assert_eq!(api.operations.len(), 1);
    assert_eq!(api.skipped.len(), 1);
    assert!(
        api.skipped[0].error.contains("#/parameters/missing"),
        "{}",
        api.skipped[0].error
    );
    assert!(Loader::new().strict(true).load_str(text, "s.yaml").is_err());
}
