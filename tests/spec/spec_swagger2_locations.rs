//! Swagger 2.0 warnings and errors point into the file the user wrote
//! (issue 24, item 8): `#/definitions/Policy`, the body parameter, the
//! parameter's own index, `#/responses/...`; never the internal 3.0 form
//! (`#/components/schemas/Policy`, `requestBody`).

use apiprobe::model::{Api, WarningKind};
use apiprobe::spec::{Loader, SpecError, load_str};

/// A policy API in Swagger 2.0. Each place holds a format apiprobe does not
/// know, named after the place, so that its warning can be found.
const POLICIES: &str = r#"swagger: '2.0'
info:
  title: Policy store
  version: 3.2.0
host: policies.example.com
basePath: /v3
consumes: [application/json]
produces: [application/json]
parameters:
  Tenant:
    name: X-Tenant
    in: header
    required: true
    type: string
    format: tenant-code
responses:
  Denied:
    description: Not allowed
    schema:
      type: object
      properties:
        reason: {type: string, format: denial-reason}
    headers:
      X-Request-Id: {type: string, format: request-ref}
paths:
  /policies/{policyId}:
    parameters:
      - name: policyId
        in: path
        required: true
        type: string
        format: policy-key
    put:
      operationId: replacePolicy
      parameters:
        - $ref: '#/parameters/Tenant'
        - name: body
          in: body
          required: true
          schema:
            $ref: '#/definitions/Policy'
        - name: dryRun
          in: query
          type: boolean
          format: dry-flag
      responses:
        '200':
          description: Replaced
          schema:
            type: object
            properties:
              revision: {type: integer, format: revision-counter}
        '403':
          $ref: '#/responses/Denied'
  /policies:
    post:
      operationId: uploadPolicy
      consumes: [application/x-www-form-urlencoded]
      parameters:
        - name: name
          in: formData
          required: true
          type: string
          format: form-name
      responses:
        '201': {description: Created}
definitions:
  Policy:
    type: object
    required: [statements]
    properties:
      statements:
        type: array
        items: {$ref: '#/definitions/Statement'}
      owner:
        $ref: '#/definitions/Principal'
  Statement:
    type: object
    properties:
      effect: {type: string, format: effect-word}
"#;

/// Where the warning about the unknown format `format` is.
fn where_warned(api: &Api, format: &str) -> String {
    let quoted = format!("{format:?}");
    let found: Vec<&str> = api
        .warnings
        .iter()
        .filter(|w| w.kind == WarningKind::UnknownFormat && w.message.contains(&quoted))
        .map(|w| w.location.as_str())
        .collect();
    assert_eq!(found.len(), 1, "{format}: {:?}", api.warnings);
    found[0].to_owned()
}

#[test]
fn warnings_of_a_swagger2_spec_name_its_own_pointers() {
    let api = load_str(POLICIES, "policies.yaml").expect("loads");
    assert_eq!(api.operations.len(), 2);
    let expected = [
        // a definition, reached through the body parameter
        (
            "effect-word",
            "#/definitions/Statement/properties/effect/format",
        ),
        // a shared parameter, inlined by the conversion
        ("tenant-code", "#/parameters/Tenant/format"),
        // a path-level parameter
        (
            "policy-key",
            "#/paths/~1policies~1{policyId}/parameters/0/format",
        ),
        // an operation parameter after the body one (index 2 in the file, 1 once converted)
        (
            "dry-flag",
            "#/paths/~1policies~1{policyId}/put/parameters/2/format",
        ),
        // a response schema: `schema`, not `content/application~1json/schema`
        (
            "revision-counter",
            "#/paths/~1policies~1{policyId}/put/responses/200/schema/properties/revision/format",
        ),
        // a shared response and its header
        (
            "denial-reason",
            "#/responses/Denied/schema/properties/reason/format",
        ),
        (
            "request-ref",
            "#/responses/Denied/headers/X-Request-Id/format",
        ),
        // a formData parameter, part of the converted request body
        ("form-name", "#/paths/~1policies/post/parameters/0/format"),
    ];
    for (format, location) in expected {
        assert_eq!(where_warned(&api, format), location, "{format}");
    }
    for w in &api.warnings {
        assert!(
            !w.location.contains("components") && !w.location.contains("requestBody"),
            "{w}"
        );
    }
}

#[test]
fn a_dangling_definition_is_named_as_written() {
    let api = load_str(POLICIES, "policies.yaml").expect("loads");
    let dangling: Vec<String> = api
        .warnings
        .iter()
        .filter(|w| w.kind == WarningKind::UnresolvedRef)
        .map(ToString::to_string)
        .collect();
    assert_eq!(dangling.len(), 1, "{dangling:?}");
    let w = &dangling[0];
    assert!(
        w.starts_with("#/definitions/Policy/properties/owner: "),
        "{w}"
    );
    assert!(w.contains("\"#/definitions/Principal\""), "{w}");
    assert!(w.contains("used by replacePolicy"), "{w}");
    // the reason names the user's section, not the internal 3.0 one
    assert!(w.contains("under \"/definitions\""), "{w}");
    assert!(!w.contains("components"), "{w}");

    let err = Loader::new()
        .strict(true)
        .load_str(POLICIES, "policies.yaml")
        .unwrap_err();
    match err {
        SpecError::UnresolvedRef {
            reference,
            location,
            reason,
            ..
        } => {
            assert_eq!(reason, "there is no \"Principal\" under \"/definitions\"");
            assert_eq!(reference, "#/definitions/Principal");
            assert_eq!(location, "#/definitions/Policy/properties/owner");
        }
        other => panic!("unexpected {other}"),
    }
}
