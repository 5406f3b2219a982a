//! Schemas read and generated as they mean (issue 24, items 5-7): `format`
//! together with `pattern`, properties whose schema is `false`, and enum
//! members that do not fit the declared type.

use apiprobe::generate::{
    CaseGenerator, Generator, Intent, Options, Payloads, Seeded, ViolationKind,
};
use apiprobe::model::{Api, Direction, Types, WarningKind};
use apiprobe::spec::load_str;
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};

fn load(text: &str) -> Api {
    load_str(text, "fidelity.yaml").expect("loads")
}

/// A JSON Schema validator with formats asserted, independent of apiprobe.
fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .expect("compiles")
}

/// A profile API whose string fields carry both a `format` and a `pattern`.
const PROFILES: &str = r#"openapi: 3.0.3
info: {title: Profiles, version: '1'}
paths:
  /profiles:
    post:
      operationId: createProfile
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [homepage, email, joined, id, avatar]
              properties:
                homepage: {type: string, format: uri, pattern: '^(http|https)?://'}
                avatar: {type: string, format: uri, pattern: '^https://cdn\.[a-z]+\.com/'}
                email: {type: string, format: email, pattern: '^[a-z0-9.]+@[a-z0-9.]+$'}
                joined: {type: string, format: date-time, pattern: '^20[0-9]{2}-'}
                id: {type: string, format: uuid, pattern: '^[0-9a-f-]+$'}
      responses:
        '201': {description: Created}
"#;

#[test]
fn values_with_a_format_and_a_pattern_satisfy_both() {
    let api = load(PROFILES);
    let body = api.operations[0].body.as_ref().expect("a body");
    let root = body.content[0].schema.expect("a schema");
    let props = &api.schemas.get(root).properties;
    let fields = ["homepage", "avatar", "email", "joined", "id"];
    let mut generator = Generator::new(&api.schemas, Options::default());
    for field in fields {
        let id = props[field];
        let js = api.schemas.to_json_schema(id);
        let check = validator(&js);
        for seed in 1..=40u64 {
            let v = generator.positive(id, Direction::Request, &mut Seeded::new(seed));
            let errors: Vec<String> = check.iter_errors(&v).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{field} seed {seed}: {v} {errors:?}");
        }
    }
}

/// A settings API: a property that may never be sent (`false`), an optional
/// one and a required one.
const SETTINGS: &str = r#"openapi: 3.0.3
info: {title: Settings, version: '1'}
paths:
  /settings:
    put:
      operationId: putSettings
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              minProperties: 2
              properties:
                theme: {type: string, enum: [dark, light]}
                legacyToken: false
                locale: {type: string, maxLength: 5}
      responses:
        '204': {description: Saved}
  /accounts:
    post:
      operationId: createAccount
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name, internalId]
              properties:
                name: {type: string}
                internalId: false
      responses:
        '201': {description: Created}
"#;

#[test]
fn a_property_whose_schema_is_false_is_never_generated() {
    let api = load(SETTINGS);
    let payloads = Payloads::builtin();
    let options = Options {
        maximal: true,
        ..Options::default()
    };
    for options in [Options::default(), options] {
        let mut cases = CaseGenerator::new(&api, options, &payloads);
        for op in &api.operations {
            for seed in 1..=30u64 {
                for intent in [Intent::Positive, Intent::Boundary] {
                    let Ok(Some(case)) = cases.case(op, intent, &mut Seeded::new(seed)) else {
                        continue;
                    };
                    let Some((_, body)) = &case.values.body else {
                        continue;
                    };
                    assert!(body.get("legacyToken").is_none(), "{body}");
                    assert!(body.get("internalId").is_none(), "{body}");
                }
            }
        }
    }
    // the required one makes every valid body impossible: said at load time
    let warned: Vec<String> = api
        .warnings
        .iter()
        .filter(|w| w.message.contains("schema `false`"))
        .map(ToString::to_string)
        .collect();
    assert_eq!(warned.len(), 1, "{:?}", api.warnings);
    assert!(
        warned[0].starts_with(
            "#/paths/~1accounts/post/requestBody/content/application~1json/schema/properties/internalId"
        ) && warned[0].contains("impossible"),
        "{warned:?}"
    );
}

/// A catalogue API whose enums were written without quotes where they
/// needed them, or with quotes where they did not.
const CATALOGUE: &str = r#"openapi: 3.0.3
info: {title: Catalogue, version: '1'}
paths:
  /items:
    get:
      operationId: listItems
      parameters:
        - name: archived
          in: query
          required: true
          schema: {type: string, enum: [false, true]}
        - name: rating
          in: query
          required: true
          schema: {type: number, enum: ['2', '3']}
        - name: size
          in: query
          required: true
          schema: {type: integer, enum: [small, large]}
      responses:
        '200': {description: OK}
"#;

#[test]
fn enum_members_are_coerced_where_their_text_means_the_type_else_kept() {
    let api = load(CATALOGUE);
    let op = &api.operations[0];
    let members = |name: &str| {
        let p = op
            .parameters
            .iter()
            .find(|p| p.name == name)
            .expect("param");
        let s = api.schemas.get(p.schema.expect("schema"));
        (s.enumeration.clone().unwrap_or_default(), s.types)
    };
    assert_eq!(members("archived").0, [json!("false"), json!("true")]);
    assert_eq!(members("rating").0, [json!(2), json!(3)]);
    let (size, types) = members("size");
    assert_eq!(size, [json!("small"), json!("large")], "kept as written");
    assert!(types.contains(Types::String) && types.contains(Types::Integer));
    let warned: Vec<&str> = api
        .warnings
        .iter()
        .filter(|w| w.kind == WarningKind::InvalidObject && w.location.ends_with("/schema/enum"))
        .map(|w| w.location.as_str())
        .collect();
    assert_eq!(warned.len(), 3, "{:?}", api.warnings);

    // what is sent is a member's text, for every seed
    let payloads = Payloads::builtin();
    let mut cases = CaseGenerator::new(&api, Options::default(), &payloads);
    for seed in 1..=20u64 {
        let case = cases
            .case(op, Intent::Positive, &mut Seeded::new(seed))
            .expect("generates")
            .expect("a case");
        let query = percent_decode_str(&case.request.query)
            .decode_utf8_lossy()
            .into_owned();
        let value = |name: &str| -> String {
            query
                .split('&')
                .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
                .unwrap_or_else(|| panic!("{name} missing in {query}"))
                .to_owned()
        };
        assert!(
            ["false", "true"].contains(&value("archived").as_str()),
            "{query}"
        );
        assert!(["2", "3"].contains(&value("rating").as_str()), "{query}");
        assert!(
            ["small", "large"].contains(&value("size").as_str()),
            "{query}"
        );
    }
}

/// A metrics API: integer fields with a `format` and with or without bounds
/// tighter than it.
const METRICS: &str = r#"openapi: 3.0.3
info: {title: Metrics, version: '1'}
paths:
  /metrics:
    post:
      operationId: putMetric
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                count: {type: integer, format: int32}
                total: {type: integer, format: int64}
                bytes: {type: integer, format: uint64}
                small: {type: integer, format: int32, minimum: 0, maximum: 100}
                above: {type: integer, format: int32, minimum: 0}
                capped: {type: integer, format: int64, maximum: 100}
      responses:
        '201': {description: Created}
"#;

#[test]
fn integers_just_past_their_format_are_negatives_that_name_the_format() {
    let api = load(METRICS);
    let body = api.operations[0].body.as_ref().expect("a body");
    let root = body.content[0].schema.expect("a schema");
    let props = &api.schemas.get(root).properties;
    let mut generator = Generator::new(&api.schemas, Options::default());
    let expected = [
        ("count", Some(json!(2_147_483_648_i64))),
        ("total", Some(json!(9_223_372_036_854_775_808_u64))),
        ("bytes", Some(json!(-1))),
        ("small", None),
        ("above", Some(json!(2_147_483_648_i64))),
        // below int64 a JSON number cannot say exactly: nothing past the format
        ("capped", None),
    ];
    for (field, want) in expected {
        let id = props[field];
        let check = validator(&api.schemas.to_json_schema_for(id, Direction::Request));
        let mut past = Vec::new();
        for seed in 1..=200u64 {
            for textual in [false, true] {
                let Some(n) =
                    generator.negative(id, Direction::Request, &mut Seeded::new(seed), textual)
                else {
                    continue;
                };
                assert!(!check.is_valid(&n.value), "{field}: {} is valid", n.value);
                if n.violation.kind == ViolationKind::OutsideFormat {
                    assert_eq!(n.violation.keyword, "format");
                    past.push(n.value);
                }
            }
            // values inside the format stay valid against the same schema
            let v = generator.positive(id, Direction::Request, &mut Seeded::new(seed));
            assert!(check.is_valid(&v), "{field} seed {seed}: {v}");
        }
        match want {
            Some(want) => {
                assert!(!past.is_empty(), "{field}: no value past its format");
                assert!(past.iter().all(|v| *v == want), "{field}: {past:?}");
            }
            None => assert!(past.is_empty(), "{field}: {past:?}"),
        }
    }
}

/// A form whose string fields carry a `format` and a `pattern` that cannot
/// both hold, beside one where they can.
const SIGNUP: &str = r#"openapi: 3.0.3
info: {title: Signup, version: '1'}
paths:
  /signups:
    post:
      operationId: signUp
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                contact: {type: string, format: email, pattern: '^[0-9]+$'}
                homepage: {type: string, format: uri, pattern: '^https://'}
      responses:
        '201': {description: Created}
"#;

#[test]
fn a_format_and_a_pattern_that_cannot_both_hold_are_warned_about() {
    let api = load(SIGNUP);
    let warnings = apiprobe::generate::unfit_strings(&api);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let w = &warnings[0];
    assert_eq!(w.kind, WarningKind::Impossible);
    assert_eq!(w.location, "#/paths/~1signups/post");
    assert!(
        w.message.contains("property `contact`") && w.message.contains("format: email"),
        "{w}"
    );
    // a compatible pair is not warned about
    assert!(apiprobe::generate::unfit_strings(&load(PROFILES)).is_empty());
}
