use std::sync::Arc;

use serde_json::json;

use super::*;
use crate::checks::validators::Validators;
use crate::model::SchemaId;

/// The schema of `getItem`'s 200 body.
fn item_schema(api: &Api) -> SchemaId {
    let op = op(api, "getItem");
    op.response_for(200)
        .and_then(|r| r.content.first())
        .and_then(|m| m.schema)
        .expect("getItem documents a 200 schema")
}

#[test]
fn validators_are_shared_between_threads() {
    fn shared<T: Default + Send + Sync>() {}
    shared::<Validators>();
}

#[test]
fn a_schema_is_compiled_once() {
    let api = api();
    let id = item_schema(api);
    let validators = Validators::default();
    let first = validators
        .get(&api.schemas, id)
        .expect("the schema compiles");
    let second = validators
        .get(&api.schemas, id)
        .expect("the schema compiles");
    assert!(Arc::ptr_eq(&first, &second));
}

#[test]
fn errors_name_instance_and_schema_locations() {
    let api = api();
    let id = item_schema(api);
    let validators = Validators::default();
    assert_eq!(
        validators.errors(&api.schemas, id, &json!({"id": 1, "name": "a"})),
        None
    );
    let found = validators
        .errors(&api.schemas, id, &json!({"id": "x", "name": 5}))
        .expect("two errors");
    assert_eq!(found.errors.len(), 2);
    assert!(!found.more);
    let paths: Vec<&str> = found
        .errors
        .iter()
        .map(|e| e.instance_path.as_str())
        .collect();
    assert_eq!(paths, ["/id", "/name"]);
    assert!(found.errors.iter().all(|e| e.keyword == "type"));
    assert!(found.errors[0].schema_path.ends_with("/properties/id/type"));

    assert!(
        found.errors[1]
            .schema_path
            .ends_with("/properties/name/type")
    );
}

#[test]
fn formats_are_asserted() {
    let text = r#"
openapi: 3.0.3
info: { title: formats, version: '1' }
paths:
  /f:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  day: { type: string, format: date }
                  mail: { type: string, format: email }
                  blob: { type: string, format: byte }
                  id: { type: string, format: uuid }
"#;
    let api = Loader::new().load_str(text, "f.yaml").expect("loads");
    let id = api.operations[0].responses[0].content[0]
        .schema
        .expect("a schema");
    let validators = Validators::default();
    let good = json!({
        "day": "2024-01-31",
        "mail": "a@example.com",
        "blob": "aGVsbG8=",
        "id": "123e4567-e89b-12d3-a456-426614174000"
    });
    assert_eq!(validators.errors(&api.schemas, id, &good), None);
    for (key, bad) in [
        ("day", "31/01/2024"),
        ("mail", "not an address"),
        ("blob", "not base64!"),
        ("id", "123"),
    ] {
        let mut value = good.clone();
        value[key] = json!(bad);
        let found = validators
            .errors(&api.schemas, id, &value)
            .unwrap_or_else(|| panic!("{key}: {bad} passed"));
        assert_eq!(found.errors[0].keyword, "format", "{key}");
        assert_eq!(found.errors[0].instance_path, format!("/{key}"));
    }
    // four errors: the first few are described, and that there are more
    let bad = json!({"day": "x", "mail": "x", "blob": "!", "id": "x"});
    let found = validators.errors(&api.schemas, id, &bad).expect("errors");
    assert_eq!(found.errors.len(), 3);
    assert!(found.more);
}

#[test]
fn a_schema_that_does_not_compile_is_skipped() {
    let text = r#"
openapi: 3.0.3
info: { title: broken, version: '1' }
paths:
  /b:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: { type: string, pattern: '(unclosed' }
"#;
    let api = Loader::new().load_str(text, "b.yaml").expect("loads");
    let op = &api.operations[0];
    let id = op.responses[0].content[0].schema.expect("a schema");
    let validators = Validators::default();
    assert!(validators.get(&api.schemas, id).is_none());
    // remembered, and still no panic
    assert!(validators.get(&api.schemas, id).is_none());
    assert_eq!(validators.errors(&api.schemas, id, &json!("x")), None);
    // the check skips it
    let exchange = json(op, 200, "\"anything\"");
    assert!(positive("response_schema_conformance", &api, op, &exchange).is_empty());
}
