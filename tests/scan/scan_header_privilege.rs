//! `header_privilege` (issue 28): the demo's DELETE /ads/{id} deletes for
//! anyone who sends `IsAdmin: True`, found with every seed on an ad the
//! probe made, nothing on the repaired demo. Servers of other shapes: an
//! API-key service whose refusals ignore every header is silent, its twin
//! trusting `X-Role: admin` is found; a service answering 200 to everything
//! is silent (no refusal, nothing to credit the header with); an internal
//! page refused "only from localhost" trusts a loopback `X-Forwarded-For`;
//! alternating backends (one without the key check) are not credited to
//! the header that happened to be sent to the open one.
#![cfg(feature = "demo")]

use crate::support;

use std::sync::{Arc, Mutex};

use apiprobe::demo::{DEMO_ACCOUNT, DEMO_IDENTITIES, DemoConfig, serve as serve_demo};
use apiprobe::engine::ScanResult;
use apiprobe::identity::Credential;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use serde_json::json;
use support::{ScanBuilder, active_only, listing, of, proof};

const SEEDS: [u64; 10] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

async fn scan_demo(fixed: bool, seed: u64) -> ScanResult {
    let server = serve_demo(DemoConfig { fixed })
        .await
        .expect("the demo starts");
    let result = ScanBuilder::new(support::demo_api(), server.base_url())
        .checks(["header_privilege"])
        .plan(active_only())
        .seed(seed)
        .login(DEMO_ACCOUNT)
        .identities(
            DEMO_IDENTITIES
                .map(|(name, role, password)| format!("{name}:{role}=login:{name}:{password}")),
        )
        .run()
        .await;
    server.shutdown().await;
    result
}

#[test]
fn the_demos_ad_deletion_trusts_an_admin_header_with_every_seed() {
    support::runtime().block_on(async {
        for seed in SEEDS {
            let flawed = scan_demo(false, seed).await;
            let hits = of(&flawed, "header_privilege");
            let f = hits
                .iter()
                .find(|f| f.operation.id == "deleteAd")
                .unwrap_or_else(|| panic!("seed {seed}: {:#?}", listing(&flawed)));
            assert_eq!(f.signature, "header:admin_flag");
            assert_eq!(proof(f, "header"), Some("IsAdmin: True"));
            assert_eq!(proof(f, "identity"), Some("anonymous"));
            assert!(proof(f, "refused").is_some_and(|r| r.ends_with("-> 401")));
            assert!(proof(f, "refused_again").is_some_and(|r| r.ends_with("-> 401")));
            assert_eq!(f.cwe, Some(290));
            assert!(f.curl.contains("IsAdmin: True"), "{}", f.curl);
            assert!(f.curl.starts_with("curl -X DELETE"), "{}", f.curl);
            // anonymous: the request shown carries no token
            assert!(
                !f.request.headers.iter().any(|(n, _)| n == "authorization"),
                "{:?}",
                f.request.headers
            );
            // no other operation of the demo trusts a header
            assert_eq!(hits.len(), 1, "seed {seed}: {:#?}", listing(&flawed));
            let fixed = scan_demo(true, seed).await;
            assert!(
                of(&fixed, "header_privilege").is_empty(),
                "seed {seed}: {:#?}",
                listing(&fixed)
            );
        }
    });
}

/// A widget service keyed by `X-Api-Key: k1`; `trusts` names a header and
/// value it takes for an administrator instead.
struct Widgets {
    trusts: Option<(&'static str, &'static str)>,
    widgets: Mutex<Vec<u64>>,
}

type Shared = State<Arc<Widgets>>;

fn allowed(w: &Widgets, headers: &HeaderMap) -> bool {
    let keyed = headers.get("x-api-key").is_some_and(|v| v == "k1");
    let trusted = w
        .trusts
        .is_some_and(|(name, value)| headers.get(name).is_some_and(|v| v == value));
    keyed || trusted
}

fn forbidden() -> Response {
    (
        StatusCode::FORBIDDEN,
        axum::Json(json!({"message": "forbidden"})),
    )
        .into_response()
}

async fn create(State(w): Shared, headers: HeaderMap) -> Response {
    if !allowed(&w, &headers) {
        return forbidden();
    }
    let mut widgets = w.widgets.lock().unwrap();
    let id = widgets.iter().max().copied().unwrap_or(100) + 1;
    widgets.push(id);
    (
        StatusCode::CREATED,
        axum::Json(json!({"wid": id, "label": "w"})),
    )
        .into_response()
}

async fn remove(State(w): Shared, headers: HeaderMap, Path(id): Path<u64>) -> Response {
    if !allowed(&w, &headers) {
        return forbidden();
    }
    let mut widgets = w.widgets.lock().unwrap();
    let before = widgets.len();
    widgets.retain(|&x| x != id);
    match widgets.len() < before {
        true => StatusCode::NO_CONTENT.into_response(),
        false => (StatusCode::NOT_FOUND, "gone").into_response(),
    }
}

async fn show(State(w): Shared, headers: HeaderMap, Path(id): Path<u64>) -> Response {
    if !allowed(&w, &headers) {
        return forbidden();
    }
    match w.widgets.lock().unwrap().contains(&id) {
        true => axum::Json(json!({"wid": id, "label": "w"})).into_response(),
        false => (StatusCode::NOT_FOUND, "gone").into_response(),
    }
}

const WIDGETS_SPEC: &str = r#"
openapi: 3.0.3
info: { title: widgets, version: '1' }
components:
  securitySchemes:
    key: { type: apiKey, in: header, name: X-Api-Key }
security: [ { key: [] } ]
paths:
  /v1/widgets:
    post:
      operationId: makeWidget
      responses:
        '201':
          description: made
          content:
            application/json:
              schema: { type: object, properties: { wid: { type: integer }, label: { type: string } } }
        '403': { description: refused }
  /v1/widgets/{wid}:
    parameters:
      - { name: wid, in: path, required: true, schema: { type: integer } }
    get:
      operationId: showWidget
      responses:
        '200': { description: ok, content: { application/json: { schema: { type: object } } } }
        '403': { description: refused }
    delete:
      operationId: removeWidget
      responses:
        '204': { description: removed }
        '403': { description: refused }
"#;

async fn scan_widgets(trusts: Option<(&'static str, &'static str)>, seed: u64) -> ScanResult {
    let state = Arc::new(Widgets {
        trusts,
        widgets: Mutex::new(Vec::new()),
    });
    let app = Router::new()
        .route("/v1/widgets", post(create))
        .route("/v1/widgets/{wid}", get(show).delete(remove))
        .with_state(state);
    let base = support::serve(app).await;
    ScanBuilder::new(support::api(WIDGETS_SPEC), base)
        .checks(["header_privilege"])
        .plan(active_only())
        .seed(seed)
        .credential(Credential::header("X-Api-Key", "k1"))
        .run()
        .await
}

#[test]
fn a_service_that_ignores_the_headers_is_silent_and_its_trusting_twin_is_found() {
    support::runtime().block_on(async {
        for seed in [1, 2, 3] {
            let ignoring = scan_widgets(None, seed).await;
            assert!(
                of(&ignoring, "header_privilege").is_empty(),
                "seed {seed}: {:#?}",
                listing(&ignoring)
            );
            assert!(ignoring.stats.requests > 20, "{:?}", ignoring.stats);
            let trusting = scan_widgets(Some(("x-role", "admin")), seed).await;
            let hits = of(&trusting, "header_privilege");
            for operation in ["makeWidget", "showWidget", "removeWidget"] {
                let f = hits
                    .iter()
                    .find(|f| f.operation.id == operation)
                    .unwrap_or_else(|| {
                        panic!("seed {seed} {operation}: {:#?}", listing(&trusting))
                    });
                assert_eq!(f.signature, "header:role");
                assert_eq!(proof(f, "header"), Some("X-Role: admin"));
                assert!(proof(f, "refused").is_some_and(|r| r.ends_with("-> 403")));
            }
        }
    });
}

#[test]
fn a_service_that_answers_200_to_everything_is_silent() {
    support::runtime().block_on(async {
        let app = Router::new().fallback(any(|| async {
            (StatusCode::OK, axum::Json(json!({"ok": true, "wid": 7})))
        }));
        let base = support::serve(app).await;
        for seed in [1, 2, 3] {
            let result = ScanBuilder::new(support::api(WIDGETS_SPEC), base.clone())
                .checks(["header_privilege"])
                .plan(active_only())
                .seed(seed)
                .credential(Credential::header("X-Api-Key", "k1"))
                .run()
                .await;
            assert!(
                of(&result, "header_privilege").is_empty(),
                "seed {seed}: {:#?}",
                listing(&result)
            );
        }
    });
}

const INTERNAL_SPEC: &str = r#"
openapi: 3.0.3
info: { title: internal, version: '1' }
components:
  securitySchemes:
    bearer: { type: http, scheme: bearer }
paths:
  /internal/metrics:
    get:
      operationId: metrics
      security: [ { bearer: [] } ]
      responses:
        '200': { description: ok, content: { application/json: { schema: { type: object } } } }
        '403': { description: refused }
  /ping:
    get:
      operationId: ping
      responses:
        '200': { description: ok }
"#;

async fn metrics(headers: HeaderMap) -> Response {
    let loopback = headers
        .get("x-forwarded-for")
        .is_some_and(|v| v == "127.0.0.1");
    match loopback {
        true => axum::Json(json!({"requests": 12})).into_response(),
        false => (
            StatusCode::FORBIDDEN,
            axum::Json(json!({"error": "metrics are served to localhost only"})),
        )
            .into_response(),
    }
}

#[test]
fn a_page_for_localhost_trusts_a_forwarded_loopback_address() {
    support::runtime().block_on(async {
        let app = Router::new()
            .route("/internal/metrics", get(metrics))
            .route("/ping", get(|| async { "pong" }));
        let base = support::serve(app).await;
        for seed in [1, 2, 3] {
            let result = ScanBuilder::new(support::api(INTERNAL_SPEC), base.clone())
                .checks(["header_privilege"])
                .plan(active_only())
                .seed(seed)
                .run()
                .await;
            let hits = of(&result, "header_privilege");
            assert_eq!(hits.len(), 1, "seed {seed}: {:#?}", listing(&result));
            assert_eq!(hits[0].signature, "header:client_ip");
            assert_eq!(proof(hits[0], "header"), Some("X-Forwarded-For: 127.0.0.1"));
        }
    });
}

const REPORT_SPEC: &str = r#"
openapi: 3.0.3
info: { title: reports, version: '1' }
components:
  securitySchemes:
    key: { type: apiKey, in: header, name: X-Api-Key }
paths:
  /v3/report:
    get:
      operationId: monthlyReport
      security: [ { key: [] } ]
      responses:
        '200': { description: ok, content: { application/json: { schema: { type: object } } } }
        '401': { description: refused }
"#;

/// Two backends behind round robin, one of them missing its key check:
/// requests without the key are refused and served in turn, whatever
/// headers they carry.
#[test]
fn alternating_backends_are_not_credited_to_a_header() {
    support::runtime().block_on(async {
        let unkeyed = Arc::new(Mutex::new(0u64));
        let app = Router::new().route(
            "/v3/report",
            get(move |headers: HeaderMap| {
                let unkeyed = Arc::clone(&unkeyed);
                async move {
                    if headers.get("x-api-key").is_some_and(|v| v == "k1") {
                        return axum::Json(json!({"month": 5})).into_response();
                    }
                    let n = {
                        let mut n = unkeyed.lock().unwrap();
                        *n += 1;
                        *n
                    };
                    match n % 2 {
                        1 => StatusCode::UNAUTHORIZED.into_response(),
                        _ => axum::Json(json!({"month": 5})).into_response(),
                    }
                }
            }),
        );
        let base = support::serve(app).await;
        let result = ScanBuilder::new(support::api(REPORT_SPEC), base)
            .checks(["header_privilege"])
            .plan(active_only())
            .credential(Credential::header("X-Api-Key", "k1"))
            .run()
            .await;
        assert!(
            of(&result, "header_privilege").is_empty(),
            "{:#?}",
            listing(&result)
        );
        assert!(result.stats.requests >= 4, "{:?}", result.stats);
    });
}
