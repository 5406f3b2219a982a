//! Tests of the checks: each fires on a bad exchange and stays silent on a
//! look-alike good one.
//!
//! - `server`: not_a_server_error, crash, max_response_time.
//! - `conformance`: status code, content type, response schema and headers.
//! - `validation`: negative data, positive data, missing headers, methods.
//! - `disclosure`: stack traces, SQL errors, server banners.
//! - `validators`: the compiled-schema cache.

mod conformance;
mod disclosure;
mod server;
mod validation;
mod validators;

use std::sync::LazyLock;
use std::time::Duration;

use super::check::{Settings, Verdict};
use super::judge::Judge;
use super::registry::find;
use crate::generate::{Case, Intent, Request, Values};
use crate::http::{Exchange, Failure, FailureKind, Outcome, Response, SentRequest};
use crate::model::{Api, Operation};
use crate::probes::ProbeKind;
use crate::spec::Loader;

/// A small spec with what the checks look at: documented statuses (exact,
/// range), JSON and wildcard media types, schemas reached by `$ref`, and
/// response headers.
const SPEC: &str = r##"
openapi: 3.0.3
info: { title: checks, version: '1' }
paths:
  /items/{id}:
    get:
      operationId: getItem
      parameters:
        - { name: id, in: path, required: true, schema: { type: integer, minimum: 1 } }
        - { name: X-Request-Id, in: header, required: true, schema: { type: string } }
        - { name: limit, in: query, schema: { type: integer, minimum: 1, maximum: 50 } }
      responses:
        '200':
          description: The item.
          headers:
            X-Rate-Limit: { required: true, schema: { type: integer, minimum: 0 } }
            X-Cached: { schema: { type: boolean } }
            X-Tags: { schema: { type: array, items: { type: string, enum: [red, blue] } } }
            Content-Type: { required: true, schema: { type: string, enum: [nothing] } }
          content:
            application/json:
              schema: { $ref: '#/components/schemas/Item' }
        '4XX':
          description: An error.
          content:
            application/json:
              schema: { $ref: '#/components/schemas/Error' }
  /files/{name}:
    get:
      operationId: getFile
      parameters:
        - { name: name, in: path, required: true, schema: { type: string } }
      responses:
        '200':
          description: Any text.
          content:
            text/*: {}
        '204':
          description: Nothing.
        default:
          description: Anything else.
          content:
            '*/*': {}
  /items:
    post:
      operationId: createItem
      security: [ { bearer: [] } ]
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: '#/components/schemas/Item' }
      responses:
        '201':
          description: Created.
          content:
            application/json; charset=utf-8:
              schema: { $ref: '#/components/schemas/Item' }
components:
  securitySchemes:
    bearer: { type: http, scheme: bearer }
  schemas:
    Item:
      type: object
      required: [id, name]
      properties:
        id: { type: integer, minimum: 1 }
        name: { type: string, maxLength: 10 }
        created: { type: string, format: date }
    Error:
      type: object
      required: [error]
      properties:
        error: { type: string }
"##;

/// The test spec, loaded once.
pub(super) fn api() -> &'static Api {
    static API: LazyLock<Api> = LazyLock::new(|| {
        Loader::new()
            .load_str(SPEC, "checks.yaml")
            .expect("the test spec loads")
    });
    &API
}

/// The demo spec, loaded once.
pub(super) fn demo() -> &'static Api {
    static API: LazyLock<Api> = LazyLock::new(|| {
        Loader::new()
            .load_str(include_str!("../../../specs/demo.yaml"), "demo.yaml")
            .expect("the demo spec loads")
    });
    &API
}

/// The operation `id` of `api`.
pub(super) fn op<'a>(api: &'a Api, id: &str) -> &'a Operation {
    api.operation(id)
        .unwrap_or_else(|| panic!("no operation {id}"))
}

/// A plain case for `op`: no values, no violation, its method and path.
pub(super) fn case(op: &Operation) -> Case {
    Case {
        operation: op.id.clone(),
        intent: Intent::Positive,
        violation: None,
        attack: None,
        values: Values::default(),
        request: request(op),
    }
}

fn request(op: &Operation) -> Request {
    Request {
        method: op.method,
        path: op.path.clone(),
        query: String::new(),
        headers: Vec::new(),
        body: None,
    }
}

/// An exchange for `op` that got a response.
pub(super) fn answered(
    op: &Operation,
    status: u16,
    headers: &[(&str, &str)],
    body: &str,
) -> Exchange {
    Exchange {
        request: SentRequest {
            url: format!("http://127.0.0.1:9{}", op.path),
            request: request(op),
        },
        outcome: Outcome::Response(Response {
            status,
            version: "HTTP/1.1",
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_ascii_lowercase(), (*v).to_owned()))
                .collect(),
            body: body.as_bytes().to_vec(),
            truncated: false,
        }),
        elapsed: Duration::from_millis(12),
    }
}

/// A JSON response.
pub(super) fn json(op: &Operation, status: u16, body: &str) -> Exchange {
    answered(op, status, &[("content-type", "application/json")], body)
}

/// An exchange for `op` that failed.
pub(super) fn failed(op: &Operation, kind: FailureKind, message: &str) -> Exchange {
    Exchange {
        request: SentRequest {
            url: format!("http://127.0.0.1:9{}", op.path),
            request: request(op),
        },
        outcome: Outcome::Failed(Failure {
            kind,
            message: message.to_owned(),
        }),
        elapsed: Duration::from_millis(30),
    }
}

/// The verdicts of the check named `check` on one exchange.
pub(super) fn verdicts(
    check: &str,
    api: &Api,
    op: &Operation,
    probe: &ProbeKind,
    case: &Case,
    exchange: &Exchange,
) -> Vec<Verdict> {
    verdicts_with(check, Settings::default(), api, op, probe, case, exchange)
}

/// [`verdicts`] with other settings.
pub(super) fn verdicts_with(
    check: &str,
    settings: Settings,
    api: &Api,
    op: &Operation,
    probe: &ProbeKind,
    case: &Case,
    exchange: &Exchange,
) -> Vec<Verdict> {
    let check = find(check).unwrap_or_else(|| panic!("no check {check}"));
    Judge::new(vec![check], settings)
        .judge(api, op, probe, case, exchange)
        .into_iter()
        .map(|(c, v)| {
            assert_eq!(c.name, check.name);
            v
        })
        .collect()
}

/// The verdicts of `check` on a positive probe of `op` with a plain case.
pub(super) fn positive(
    check: &str,
    api: &Api,
    op: &Operation,
    exchange: &Exchange,
) -> Vec<Verdict> {
    verdicts(check, api, op, &ProbeKind::Positive, &case(op), exchange)
}

/// The signatures of some verdicts.
pub(super) fn signatures(verdicts: &[Verdict]) -> Vec<&str> {
    verdicts.iter().map(|v| v.signature.as_str()).collect()
}
