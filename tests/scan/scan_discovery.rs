//! Beyond the spec (issue 21): undocumented endpoints found by discovery
//! and CORS origins derived from the API's own domains. The demo's
//! undocumented routes and its suffix-trusting CORS check over several
//! seeds (nothing on the repaired demo); look-alikes that must stay silent
//! (a server answering the same 200 page to every path, one answering 403
//! to every unknown path, a CORS check with an exact origin list), each next
//! to a control with the flaw; discovery's request budget per profile.
#![cfg(feature = "demo")]

use crate::support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use apiprobe::checks::Severity;
use apiprobe::demo::{DemoConfig, serve as serve_demo};
use apiprobe::engine::ScanResult;
use apiprobe::probes::{Discovery, Profile};
use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use support::{ScanBuilder, active_only, listing, of, proof};

/// The checks a discovery scan of the demo runs: discovery, CORS, and the
/// passive checks that judge what discovery finds.
const CHECKS: &[&str] = &[
    "undocumented_endpoint",
    "cors_misconfiguration",
    "secret_leak",
    "debug_page",
    "sensitive_data_exposure",
    "internal_disclosure",
];

/// Seeds the demo is scanned with (the findings must not depend on it).
const SEEDS: [u64; 10] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

async fn scan_demo(fixed: bool, seed: u64) -> ScanResult {
    let server = serve_demo(DemoConfig { fixed })
        .await
        .expect("the demo starts");
    let result = ScanBuilder::new(support::demo_api(), server.base_url())
        .checks(CHECKS)
        .plan(active_only())
        .seed(seed)
        .run()
        .await;
    server.shutdown().await;
    result
}

fn signatures(result: &ScanResult, check: &str) -> Vec<String> {
    let mut s: Vec<String> = of(result, check)
        .iter()
        .map(|f| f.signature.clone())
        .collect();
    s.sort();
    s
}

fn finding<'a>(
    result: &'a ScanResult,
    check: &str,
    signature: &str,
) -> &'a apiprobe::checks::Finding {
    of(result, check)
        .into_iter()
        .find(|f| f.signature == signature)
        .unwrap_or_else(|| panic!("no {check} {signature}: {:#?}", listing(result)))
}

#[test]
fn the_demos_undocumented_routes_and_cors_suffix_flaw_with_every_seed() {
    support::runtime().block_on(async {
        for seed in SEEDS {
            let r = scan_demo(false, seed).await;
            let debug = finding(&r, "undocumented_endpoint", "GET /debug");
            assert_eq!(debug.severity, Severity::High, "seed {seed}");
            assert_eq!(debug.operation.path, "/debug");
            assert_eq!(proof(debug, "credentials"), Some("none"));
            let export = finding(&r, "undocumented_endpoint", "GET /export/users");
            assert_eq!(export.severity, Severity::High, "seed {seed}");
            let records: usize = proof(export, "records")
                .and_then(|r| r.parse().ok())
                .expect("records counted");
            assert!(records >= 3, "seed {seed}: {records} records");
            finding(&r, "undocumented_endpoint", "GET /admin/tasks");
            let post = finding(&r, "undocumented_endpoint", "POST /admin/tasks");
            assert_eq!(post.severity, Severity::Medium);
            // the passive checks judged the undocumented answers too
            for (check, signature) in [
                ("secret_leak", "aws_access_key_id"),
                ("debug_page", "werkzeug"),
                ("internal_disclosure", "internal_ip"),
            ] {
                let f = finding(&r, check, signature);
                let on_debug = of(&r, check)
                    .iter()
                    .any(|f| f.operation.id == "undocumented GET /debug");
                assert!(on_debug, "seed {seed}: {check} {f:?}");
            }
            assert!(
                of(&r, "sensitive_data_exposure")
                    .iter()
                    .any(|f| f.operation.id == "undocumented GET /export/users"),
                "seed {seed}: {:#?}",
                listing(&r)
            );
            // the CORS check trusting any origin that ends in its domain
            let prefix = finding(&r, "cors_misconfiguration", "derived_prefix");
            assert_eq!(prefix.severity, Severity::High);
            let origin = proof(prefix, "origin_sent").expect("the origin");
            assert!(
                origin.starts_with("https://evil") && origin.ends_with("apiprobe-demo.example"),
                "{origin}"
            );
            assert!(
                prefix.evidence.contains("should not pass"),
                "{}",
                prefix.evidence
            );
            let sub = finding(&r, "cors_misconfiguration", "derived_subdomain");
            assert_eq!(sub.severity, Severity::Low);
            // a suffix variant (`<domain>.evil.example`) does not end in the domain
            assert!(
                of(&r, "cors_misconfiguration")
                    .iter()
                    .all(|f| f.signature != "derived_suffix"),
                "seed {seed}: {:#?}",
                listing(&r)
            );
            let fixed = scan_demo(true, seed).await;
            assert!(
                of(&fixed, "undocumented_endpoint").is_empty()
                    && of(&fixed, "cors_misconfiguration").is_empty(),
                "seed {seed}: {:#?}",
                listing(&fixed)
            );
        }
    });
}

/// A spec of one documented operation, `GET /items`, served from `servers`.
fn items_api(server: &str) -> apiprobe::model::Api {
    path_api(server, "/items")
}

/// A spec of one documented operation, `GET path`, served from `servers`.
fn path_api(server: &str, path: &str) -> apiprobe::model::Api {
    support::api(&format!(
        r#"
openapi: 3.0.3
info: {{title: items, version: "1"}}
servers:
  - url: {server}
paths:
  {path}:
    get:
      operationId: listItems
      responses:
        "200":
          description: the items
          content:
            application/json:
              schema: {{type: array, items: {{type: object}}}}
"#
    ))
}

async fn items() -> Response {
    (
        StatusCode::OK,
        axum::Json(json!([{"id": 1, "name": "pen"}])),
    )
        .into_response()
}

/// The same HTML page, status 200, for every path (a single-page app's index).
async fn same_page(uri: Uri) -> Response {
    let _ = uri;
    (
        StatusCode::OK,
        [("content-type", "text/html")],
        "<!doctype html><html><head><title>Shop</title></head><body><div id=app></div><script src=/app.js></script></body></html>",
    )
        .into_response()
}

/// 403 with the same JSON to every path it does not know, any method.
async fn forbidden(uri: Uri) -> Response {
    (
        StatusCode::FORBIDDEN,
        axum::Json(json!({"error": "forbidden", "path": uri.path()})),
    )
        .into_response()
}

async fn hidden_export() -> Response {
    (
        StatusCode::OK,
        axum::Json(json!({"customers": [
            {"id": 1, "name": "Ada", "street": "1 Main St"},
            {"id": 2, "name": "Bob", "street": "2 Side St"}
        ]})),
    )
        .into_response()
}

async fn discovery_scan(app: Router, seed: u64) -> ScanResult {
    let base = support::serve(app).await;
    ScanBuilder::new(items_api("http://127.0.0.1:1"), base)
        .checks(["undocumented_endpoint"])
        .plan(active_only())
        .seed(seed)
        .run()
        .await
}

#[test]
fn an_api_answering_the_same_200_page_everywhere_flags_nothing() {
    support::runtime().block_on(async {
        for seed in [1, 2, 3] {
            let app = Router::new()
                .route("/items", get(items))
                .fallback(same_page);
            let r = discovery_scan(app, seed).await;
            assert!(
                of(&r, "undocumented_endpoint").is_empty(),
                "seed {seed}: {:#?}",
                listing(&r)
            );
            // the control: the same server with a real hidden export
            let app = Router::new()
                .route("/items", get(items))
                .route("/export", get(hidden_export))
                .fallback(same_page);
            let r = discovery_scan(app, seed).await;
            assert_eq!(
                signatures(&r, "undocumented_endpoint"),
                ["GET /export"],
                "seed {seed}"
            );
        }
    });
}

#[test]
fn an_api_answering_403_to_every_unknown_path_flags_nothing() {
    support::runtime().block_on(async {
        for seed in [1, 2, 3] {
            let app = Router::new()
                .route("/items", get(items))
                .fallback(forbidden);
            let r = discovery_scan(app, seed).await;
            assert!(
                of(&r, "undocumented_endpoint").is_empty(),
                "seed {seed}: {:#?}",
                listing(&r)
            );
            let app = Router::new()
                .route("/items", get(items))
                .route("/internal/users", get(hidden_export))
                .fallback(forbidden);
            let r = discovery_scan(app, seed).await;
            let f = finding(&r, "undocumented_endpoint", "GET /internal/users");
            assert_eq!(f.severity, Severity::High, "records without credentials");
            assert_eq!(
                signatures(&r, "undocumented_endpoint").len(),
                1,
                "seed {seed}"
            );
        }
    });
}

/// How a CORS look-alike decides whether to trust an origin.
#[derive(Clone, Copy, Debug)]
enum Trust {
    /// Only the listed origins, compared whole (the correct check).
    Exact,
    /// Any origin whose text ends with `example.com`.
    EndsWith,
    /// Any origin that contains `example.com`.
    Contains,
    /// `https://` and a subdomain of `example.com`, or the domain itself.
    Subdomains,
}

impl Trust {
    fn trusts(self, origin: &str) -> bool {
        match self {
            Trust::Exact => {
                ["https://app.example.com", "https://admin.example.com"].contains(&origin)
            }
            Trust::EndsWith => origin.ends_with("example.com"),
            Trust::Contains => origin.contains("example.com"),
            Trust::Subdomains => origin
                .strip_prefix("https://")
                .is_some_and(|h| h == "example.com" || h.ends_with(".example.com")),
        }
    }
}

/// A CORS server trusting origins as `trust` says (simple requests and
/// preflights alike); the spec names its domain in `servers`, and
/// `--cors-domain example.com` is given.
async fn cors_scan(trust: Trust, seed: u64) -> ScanResult {
    let app = Router::new()
        .route(
            "/items",
            get(items).options(|| async { StatusCode::NO_CONTENT.into_response() }),
        )
        .layer(axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| async move {
                let origin = request
                    .headers()
                    .get("origin")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let mut response = next.run(request).await;
                if let Some(origin) = origin.filter(|o| trust.trusts(o))
                    && let Ok(value) = HeaderValue::from_str(&origin)
                {
                    let h: &mut HeaderMap = response.headers_mut();
                    h.insert("access-control-allow-origin", value);
                    h.insert(
                        "access-control-allow-credentials",
                        HeaderValue::from_static("true"),
                    );
                }
                response
            },
        ));
    let base = support::serve(app).await;
    ScanBuilder::new(items_api("https://api.example.com/"), base)
        .checks(["cors_misconfiguration"])
        .plan(active_only())
        .seed(seed)
        .options(|o| o.cors_domains = vec!["example.com".into()])
        .run()
        .await
}

#[test]
fn cors_with_an_exact_origin_list_flags_nothing_and_careless_checks_are_named() {
    support::runtime().block_on(async {
        for seed in [1, 2, 3] {
            let r = cors_scan(Trust::Exact, seed).await;
            assert!(
                of(&r, "cors_misconfiguration").is_empty(),
                "seed {seed}: {:#?}",
                listing(&r)
            );
            let r = cors_scan(Trust::EndsWith, seed).await;
            let s = signatures(&r, "cors_misconfiguration");
            assert!(s.contains(&"derived_prefix".to_owned()), "{s:?}");
            assert!(!s.contains(&"derived_suffix".to_owned()), "{s:?}");
            assert!(!s.contains(&"arbitrary_origin".to_owned()), "{s:?}");
            let r = cors_scan(Trust::Contains, seed).await;
            let s = signatures(&r, "cors_misconfiguration");
            assert!(s.contains(&"derived_suffix".to_owned()), "{s:?}");
            let r = cors_scan(Trust::Subdomains, seed).await;
            assert_eq!(
                signatures(&r, "cors_misconfiguration"),
                ["derived_subdomain"],
                "seed {seed}"
            );
            assert_eq!(
                finding(&r, "cors_misconfiguration", "derived_subdomain").severity,
                Severity::Low
            );
        }
    });
}

/// Serves a spec's one operation and answers 404 to everything else,
/// counting the requests to paths the spec does not list.
async fn counting_server() -> (String, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&count);
    let app = Router::new()
        .route("/shop/v2/items", get(items))
        .fallback(move || {
            let counter = Arc::clone(&counter);
            async move {
                counter.fetch_add(1, Ordering::Relaxed);
                StatusCode::NOT_FOUND
            }
        });
    (support::serve(app).await, count)
}

#[test]
fn discovery_stays_within_each_profiles_budget() {
    support::runtime().block_on(async {
        for (profile, discovery, low, high) in [
            (Profile::Quick, None, 0, 0),
            (Profile::Standard, None, 290, 300),
            (Profile::Aggressive, None, 2_900, 3_000),
            (Profile::Aggressive, Some(Discovery::Off), 0, 0),
            (Profile::Quick, Some(Discovery::Standard), 290, 300),
        ] {
            let (base, count) = counting_server().await;
            // documented prefixes (`/shop`, `/shop/v2`) give more candidates than the
            // aggressive budget allows
            let r = ScanBuilder::new(path_api("http://127.0.0.1:1", "/shop/v2/items"), base)
                .checks(["undocumented_endpoint"])
                .plan(active_only())
                .profile(profile)
                .options(|o| o.discovery = discovery)
                .run()
                .await;
            let sent = count.load(Ordering::Relaxed);
            assert!(
                (low..=high).contains(&sent),
                "{profile:?} {discovery:?}: {sent} discovery requests, expected {low}..={high}"
            );
            assert!(
                of(&r, "undocumented_endpoint").is_empty(),
                "{:#?}",
                listing(&r)
            );
        }
    });
}
