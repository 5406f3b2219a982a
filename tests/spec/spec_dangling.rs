//! Dangling `$ref`s (issue 24, item 4): one decision per reference, the
//! same whatever the order of `paths`, with one warning naming the
//! reference and every operation that reaches it; a response that does not
//! resolve costs that response's schema check, not the operation.

use apiprobe::model::{Api, Schema, WarningKind};
use apiprobe::spec::{Loader, load_str};

use crate::common::{op, prop, response_schema};

/// An inventory API whose `Warehouse` names an `Address` schema that was
/// never written; two operations use `Warehouse`, `paths` in either order.
fn inventory(list_first: bool) -> String {
    let list = r#"  /warehouses:
    get:
      operationId: listWarehouses
      parameters:
        - name: region
          in: query
          schema: {type: string, maxLength: 8}
      responses:
        '200':
          description: The warehouses
          content:
            application/json:
              schema:
                type: array
                items: {$ref: '#/components/schemas/Warehouse'}
"#;
    let create = r#"  /warehouses/{warehouseId}:
    put:
      operationId: replaceWarehouse
      parameters:
        - name: warehouseId
          in: path
          required: true
          schema: {type: integer, minimum: 1}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Warehouse'}
      responses:
        '204':
          description: Replaced
"#;
    let (first, second) = if list_first {
        (list, create)
    } else {
        (create, list)
    };
    format!(
        r#"openapi: 3.0.3
info:
  title: Inventory
  version: 2.1.0
paths:
{first}{second}components:
  schemas:
    Warehouse:
      type: object
      required: [name, address]
      properties:
        name: {{type: string, minLength: 1, maxLength: 40}}
        capacity: {{type: integer, minimum: 0}}
        address:
          $ref: '#/components/schemas/Address'
"#
    )
}

fn dangling_warnings(api: &Api) -> Vec<String> {
    api.warnings
        .iter()
        .filter(|w| w.kind == WarningKind::UnresolvedRef)
        .map(|w| format!("{}: {}", w.location, w.message))
        .collect()
}

#[test]
fn a_dangling_schema_ref_is_one_decision_whatever_the_order_of_paths() {
    let mut seen = Vec::new();
    for list_first in [true, false] {
        let api = load_str(&inventory(list_first), "inventory.yaml").expect("loads");
        assert!(api.skipped.is_empty(), "{:?}", api.skipped);
        let mut ids: Vec<&str> = api.operations.iter().map(|o| o.id.as_str()).collect();
        ids.sort_unstable();
        assert_eq!(ids, ["listWarehouses", "replaceWarehouse"]);

        // the missing schema allows any value, in both operations alike
        let listed = api
            .schemas
            .get(response_schema(op(&api, "listWarehouses"), 200))
            .items
            .expect("an array of warehouses");
        let body = op(&api, "replaceWarehouse").body.as_ref().expect("a body");
        let replaced = body.content[0].schema.expect("a schema");
        assert_eq!(listed, replaced, "one Warehouse schema");
        let address = api.schemas.get(prop(&api, listed, "address"));
        assert_eq!(address, &Schema::default(), "unconstrained");
        // the rest of the schema is read as written
        let name = api.schemas.get(prop(&api, listed, "name"));
        assert_eq!(name.max_length, Some(40));

        let warnings = dangling_warnings(&api);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        let w = &warnings[0];
        assert!(
            w.starts_with("#/components/schemas/Warehouse/properties/address: "),
            "{w}"
        );
        assert!(w.contains("\"#/components/schemas/Address\""), "{w}");
        assert!(
            w.contains("used by listWarehouses, replaceWarehouse"),
            "{w}"
        );
        seen.push(w.clone());
    }
    assert_eq!(seen[0], seen[1], "the same warning in both orders");
}

#[test]
fn the_same_dangling_ref_written_in_two_operations_is_one_warning() {
    let text = r#"openapi: 3.0.3
info: {title: Billing, version: '1'}
paths:
  /invoices:
    post:
      operationId: createInvoice
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Invoice'}
      responses:
        '201': {description: Created}
  /invoices/{id}:
    get:
      operationId: getInvoice
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200':
          description: OK
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Invoice'}
components:
  schemas: {}
"#;
    let api = load_str(text, "billing.yaml").expect("loads");
    assert_eq!(api.operations.len(), 2);
    assert!(api.skipped.is_empty(), "{:?}", api.skipped);
    let warnings = dangling_warnings(&api);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let w = &warnings[0];
    assert!(w.contains("\"#/components/schemas/Invoice\""), "{w}");
    assert!(
        w.contains("written at #/paths/~1invoices/post/requestBody/content/application~1json/schema, #/paths/~1invoices~1{id}/get/responses/200/content/application~1json/schema"),
        "{w}"
    );
    assert!(w.contains("used by createInvoice, getInvoice"), "{w}");
    // a strict load still fails on it
    assert!(
        Loader::new()
            .strict(true)
            .load_str(text, "billing.yaml")
            .is_err()
    );
}

#[test]
fn a_response_that_does_not_resolve_keeps_its_operation_without_a_schema_check() {
    let text = r#"openapi: 3.0.3
info: {title: Shipping, version: '1'}
paths:
  /shipments/{id}:
    get:
      operationId: getShipment
      parameters:
        - {name: id, in: path, required: true, schema: {type: string, format: uuid}}
      responses:
        '200':
          description: The shipment
          content:
            application/json:
              schema: {type: object, properties: {status: {type: string}}}
          headers:
            X-Trace: {$ref: '#/components/headers/Trace'}
        '404': {$ref: '#/components/responses/NotFound'}
components:
  responses: {}
"#;
    let api = load_str(text, "shipping.yaml").expect("loads");
    assert!(api.skipped.is_empty(), "{:?}", api.skipped);
    let get = op(&api, "getShipment");
    let not_found = get.response_for(404).expect("404 kept");
    assert!(not_found.content.is_empty(), "no schema to check against");
    let ok = get.response_for(200).expect("200");
    assert!(ok.headers.is_empty(), "the dangling header is left out");
    assert!(!ok.content.is_empty());
    let warnings = dangling_warnings(&api);
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("#/components/responses/NotFound")
                && w.contains("kept without its schema check")
                && w.contains("used by getShipment")),
        "{warnings:?}"
    );
}

#[test]
fn request_side_objects_that_do_not_resolve_still_skip_their_operation() {
    let text = r#"openapi: 3.0.3
info: {title: Accounts, version: '1'}
paths:
  /accounts:
    get:
      operationId: listAccounts
      parameters: [{$ref: '#/components/parameters/PageSize'}]
      responses:
        '200': {description: OK}
    post:
      operationId: openAccount
      requestBody: {$ref: '#/components/requestBodies/Account'}
      responses:
        '201': {description: Created}
components: {}
"#;
    let api = load_str(text, "accounts.yaml").expect("loads");
    assert!(api.operations.is_empty());
    let skipped: Vec<&str> = api.skipped.iter().map(|s| s.operation.as_str()).collect();
    assert_eq!(skipped, ["GET /accounts", "POST /accounts"]);
}
