//! The leak checks on every response: the demo's planted secrets and
//! password hashes are found with their proof (and the repaired demo gives
//! none); servers on 127.0.0.1 show internal addresses, paths and debug
//! pages, and look-alikes that must stay silent (public addresses, URL
//! routes, numbers that pass Luhn, echoes of the request, masked fields).
#![cfg(feature = "demo")]

use crate::support;

use std::sync::LazyLock;

use apiprobe::checks::Severity;
use apiprobe::demo::{DEMO_ACCOUNT, DemoConfig, serve as serve_demo};
use apiprobe::engine::ScanResult;
use axum::Router;
use axum::extract::Query;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use support::{ScanBuilder, listing, of, plan, proof};

const LEAK_CHECKS: &[&str] = &[
    "secret_leak",
    "sensitive_data_exposure",
    "internal_disclosure",
    "debug_page",
];

fn scan_demo(fixed: bool) -> ScanResult {
    support::runtime().block_on(async {
        let server = serve_demo(DemoConfig { fixed })
            .await
            .expect("the demo starts");
        let result = ScanBuilder::new(support::demo_api(), server.base_url())
            .checks(LEAK_CHECKS)
            .plan(plan(3))
            .login(DEMO_ACCOUNT)
            .run()
            .await;
        server.shutdown().await;
        result
    })
}

static FLAWED: LazyLock<ScanResult> = LazyLock::new(|| scan_demo(false));
static FIXED: LazyLock<ScanResult> = LazyLock::new(|| scan_demo(true));

#[test]
fn secret_leak_finds_the_cloud_key_and_the_private_key_in_the_config() {
    let hits = of(&FLAWED, "secret_leak");
    let aws = hits
        .iter()
        .find(|f| f.signature == "aws_access_key_id")
        .unwrap_or_else(|| panic!("{:#?}", listing(&FLAWED)));
    assert_eq!(aws.operation.id, "getClientConfig");
    assert_eq!(aws.severity, Severity::Critical);
    let masked = proof(aws, "masked_value").unwrap();
    assert!(
        masked.starts_with("AKIA") && masked.contains('*'),
        "{masked}"
    );
    assert!(!masked.contains("AKIAZ7DEMO4APIPROBE2"), "masked: {masked}");
    let key = hits
        .iter()
        .find(|f| f.signature == "private_key")
        .unwrap_or_else(|| panic!("{:#?}", listing(&FLAWED)));
    assert_eq!(key.operation.id, "getClientConfig");
    assert!(
        key.evidence.contains("BEGIN RSA PRIVATE KEY"),
        "{}",
        key.evidence
    );
    // the login answer's token is issued to the caller: no leak
    assert!(
        hits.iter().all(|f| f.signature != "jwt"),
        "{:#?}",
        listing(&FLAWED)
    );
}

#[test]
fn sensitive_data_exposure_finds_the_password_hashes_in_the_user_list() {
    let f = of(&FLAWED, "sensitive_data_exposure")
        .into_iter()
        .find(|f| f.signature == "password_hash")
        .unwrap_or_else(|| panic!("{:#?}", listing(&FLAWED)));
    assert_eq!(f.operation.id, "listUsers");
    assert_eq!(proof(f, "field"), Some("password_hash"));
    assert!(f.evidence.contains("password_hash"), "{}", f.evidence);
    assert!(f.evidence.contains('*'), "masked: {}", f.evidence);
}

#[test]
fn the_fixed_demo_leaks_nothing() {
    assert!(FIXED.findings.is_empty(), "{:#?}", listing(&FIXED));
}

const SPEC: &str = r#"
openapi: 3.0.3
info: { title: leaks, version: '1' }
paths:
  /status:
    get:
      operationId: status
      responses: { '200': { description: ok } }
  /crash:
    get:
      operationId: crash
      responses: { '500': { description: debug page } }
  /echo:
    get:
      operationId: echo
      parameters:
        - { name: ip, in: query, required: true, schema: { type: string, enum: ['10.1.2.3'] } }
        - { name: password, in: query, required: true, schema: { type: string, enum: ['hunter2hunter2'] } }
      responses: { '200': { description: ok } }
"#;

/// A leaky server: an upstream address and a file path in a status
/// answer, a Werkzeug debugger page on /crash.
fn leaky() -> Router {
    Router::new()
        .route(
            "/status",
            get(|| async {
                axum::Json(serde_json::json!({
                    "upstream": "10.20.30.40:5432",
                    "config": "/home/deploy/app/settings.py",
                }))
            }),
        )
        .route(
            "/crash",
            get(|| async {
                (
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                    [(header::CONTENT_TYPE, "text/html")],
                    "<title>KeyError // Werkzeug Debugger</title><p>The debugger caught an exception in your WSGI application.</p>",
                )
                    .into_response()
            }),
        )
        .route("/echo", get(echo))
}

/// Echoes what the request sent, as a validation answer would.
async fn echo(Query(q): Query<std::collections::HashMap<String, String>>) -> impl IntoResponse {
    axum::Json(serde_json::json!({
        "ip": q.get("ip"),
        "password": q.get("password"),
    }))
}

/// A look-alike: public addresses, URL routes under /home, numbers that pass
/// Luhn but are ids and amounts, masked password fields, a stored payload.
fn look_alike() -> Router {
    Router::new()
        .route(
            "/status",
            get(|| async {
                axum::Json(serde_json::json!({
                    "resolver": "8.8.8.8",
                    "public": "172.32.0.1",
                    "links": {"feed": "/home/feed/latest", "me": "/home/alice/settings"},
                    "order_id": 4_111_111_111_111_111_u64,
                    "total_cents": 5_500_000_000_000_004_u64,
                    "password": "********",
                    "ssn": "[REDACTED]",
                    // an attack payload stored by an earlier request, listed back
                    "note": "/var/www/../../../etc/passwd",
                }))
            }),
        )
        .route(
            "/crash",
            get(|| async {
                (
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                    "Our debugger team has been notified. Password resets: use the form.",
                )
            }),
        )
        .route("/echo", get(echo))
}

fn scan_app(app: Router) -> ScanResult {
    support::runtime().block_on(async {
        let url = support::serve(app).await;
        ScanBuilder::new(support::api(SPEC), url)
            .checks(LEAK_CHECKS)
            .plan(plan(1))
            .run()
            .await
    })
}

#[test]
fn internal_addresses_paths_and_debug_pages_are_found() {
    let result = scan_app(leaky());
    let internal = of(&result, "internal_disclosure");
    let ip = internal
        .iter()
        .find(|f| f.signature == "internal_ip")
        .unwrap_or_else(|| panic!("{:#?}", listing(&result)));
    assert_eq!(proof(ip, "disclosed"), Some("10.20.30.40"));
    let path = internal
        .iter()
        .find(|f| f.signature == "file_path")
        .unwrap_or_else(|| panic!("{:#?}", listing(&result)));
    assert_eq!(
        proof(path, "disclosed"),
        Some("/home/deploy/app/settings.py")
    );
    let debug = of(&result, "debug_page");
    assert_eq!(debug.len(), 1, "{:#?}", listing(&result));
    assert_eq!(debug[0].signature, "werkzeug");
    assert_eq!(debug[0].operation.id, "crash");
}

#[test]
fn echoes_of_the_request_are_not_leaks() {
    let result = scan_app(leaky());
    assert!(
        result.findings.iter().all(|f| f.operation.id != "echo"),
        "{:#?}",
        listing(&result)
    );
}

#[test]
fn look_alikes_stay_silent() {
    let result = scan_app(look_alike());
    assert!(result.findings.is_empty(), "{:#?}", listing(&result));
    assert!(result.stats.responses >= 3, "{:?}", result.stats);
}
