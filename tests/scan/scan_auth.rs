//! The authentication probes against the demo API (signed in as its seeded
//! user, as `apiprobe demo` does): each finds its planted flaw with its
//! proof, and the repaired demo gives none. Then look-alike servers on
//! 127.0.0.1 that each probe must leave alone.
#![cfg(feature = "demo")]

use crate::support;

use std::sync::LazyLock;
use std::time::Duration;

use apiprobe::checks::{Confidence, Severity};
use apiprobe::demo::{DEMO_ACCOUNT, DemoConfig, serve as serve_demo};
use apiprobe::engine::ScanResult;
use apiprobe::probes::Profile;
use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use support::{ScanBuilder, listing, of, plan, proof};

const AUTH_CHECKS: &[&str] = &[
    "ignored_auth",
    "jwt_forgery",
    "weak_jwt_secret",
    "cors_misconfiguration",
    "user_enumeration",
    // the former name of brute_force, still selected by it
    "login_rate_limit",
];

/// The demo, flawed or fixed, scanned with the auth checks in the
/// aggressive profile (the longer bursts), signed in as alice.
fn scan_demo(fixed: bool) -> ScanResult {
    support::runtime().block_on(async {
        let server = serve_demo(DemoConfig { fixed })
            .await
            .expect("the demo starts");
        let result = ScanBuilder::new(support::demo_api(), server.base_url())
            .checks(AUTH_CHECKS)
            .plan(plan(1))
            .profile(Profile::Aggressive)
            .login(DEMO_ACCOUNT)
            .run()
            .await;
        server.shutdown().await;
        result
    })
}

static FLAWED: LazyLock<ScanResult> = LazyLock::new(|| scan_demo(false));
static FIXED: LazyLock<ScanResult> = LazyLock::new(|| scan_demo(true));

fn one<'a>(result: &'a ScanResult, check: &str, signature: &str) -> &'a apiprobe::checks::Finding {
    of(result, check)
        .into_iter()
        .find(|f| f.signature == signature)
        .unwrap_or_else(|| {
            panic!(
                "no {check} finding with signature {signature:?}; found: {:#?}",
                listing(result)
            )
        })
}

#[test]
fn ignored_auth_finds_the_operation_that_ignores_its_bearer_auth() {
    let hits = of(&FLAWED, "ignored_auth");
    assert!(
        hits.iter().all(|f| f.operation.id == "listNotes"),
        "only GET /notes ignores its auth: {:#?}",
        listing(&FLAWED)
    );
    let f = hits.first().expect("GET /notes is found");
    assert_eq!(
        f.signature,
        "no_credentials+malformed_credentials+wrong_token"
    );
    assert!(f.title.contains("no credentials"), "{}", f.title);
    assert_eq!(proof(f, "baseline_status"), Some("200"));
    assert_eq!(proof(f, "no_credentials_status"), Some("200"));
    assert_eq!(f.cwe, Some(287));
    // the request shown carries no Authorization header
    assert!(
        !f.request
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("authorization")),
        "{:?}",
        f.request.headers
    );
}

#[test]
fn jwt_forgery_finds_alg_none_accepted() {
    let f = one(&FLAWED, "jwt_forgery", "alg_none");
    assert_eq!(f.severity, Severity::Critical);
    let forged = proof(f, "forged_token").expect("the forged token");
    let header = forged.split('.').next().unwrap();
    let header = String::from_utf8(URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    assert!(
        header.to_lowercase().contains(r#""alg":"none""#),
        "{header}"
    );
    assert!(forged.ends_with('.'), "no signature: {forged}");
    assert_eq!(proof(f, "no_token_status"), Some("401"));
    assert!(proof(f, "forged_token_status").unwrap().starts_with('2'));
    // the demo verifies HS256 signatures and expiry: those forgeries fail
    for refused in [
        "signature_stripped",
        "claims_tampered",
        "expired",
        "kid_injection",
    ] {
        assert!(
            of(&FLAWED, "jwt_forgery")
                .iter()
                .all(|f| f.signature != refused),
            "{refused}: {:#?}",
            listing(&FLAWED)
        );
    }
}

#[test]
fn weak_jwt_secret_names_the_secret() {
    let f = one(&FLAWED, "weak_jwt_secret", "weak_secret");
    assert_eq!(proof(f, "secret"), Some("secret"));
    assert_eq!(proof(f, "alg"), Some("HS256"));
    assert!(f.title.contains("\"secret\""), "{}", f.title);
    assert_eq!(f.severity, Severity::Critical);
}

#[test]
fn cors_reflection_with_credentials_is_found_for_both_origins() {
    let f = one(&FLAWED, "cors_misconfiguration", "arbitrary_origin");
    assert_eq!(
        proof(f, "origin_sent"),
        Some("https://apiprobe-attacker.example")
    );
    let response = f.response.as_ref().expect("a response");
    assert!(
        response
            .headers
            .iter()
            .any(|(n, v)| n == "access-control-allow-origin"
                && v == "https://apiprobe-attacker.example"),
        "{:?}",
        response.headers
    );
    let null = one(&FLAWED, "cors_misconfiguration", "null_origin");
    assert_eq!(proof(null, "access_control_allow_origin"), Some("null"));
}

#[test]
fn user_enumeration_finds_the_login_messages() {
    // the demo's other login (/mobile/login, flaw 52) has its own finding
    let f = of(&FLAWED, "user_enumeration")
        .into_iter()
        .find(|f| f.operation.id == "login" && f.signature == "message")
        .unwrap_or_else(|| panic!("{:#?}", listing(&FLAWED)));
    assert_eq!(f.confidence, Confidence::Confirmed);
    assert!(
        proof(f, "known_user_message")
            .unwrap()
            .contains("wrong password"),
        "{:?}",
        f.proof
    );
    assert!(
        proof(f, "unknown_user_message")
            .unwrap()
            .contains("does not exist"),
        "{:?}",
        f.proof
    );
    assert_eq!(proof(f, "known_user"), Some("alice"));
}

#[test]
fn brute_force_finds_no_login_limit_in_the_aggressive_profile() {
    let f = of(&FLAWED, "brute_force")
        .into_iter()
        .find(|f| f.signature == "sign_in" && f.operation.id == "login")
        .unwrap_or_else(|| panic!("no brute_force on login: {:#?}", listing(&FLAWED)));
    assert_eq!(proof(f, "attempts"), Some("50"));
    assert_eq!(proof(f, "statuses"), Some("50x 401"));
    // the burst never uses the real account
    assert!(proof(f, "username").unwrap().starts_with("apiprobe_"));
}

#[test]
fn the_fixed_demo_gives_no_auth_finding() {
    assert!(
        FIXED.findings.is_empty(),
        "the repaired demo gave: {:#?}",
        listing(&FIXED)
    );
    assert!(FIXED.stats.requests > 20, "{:?}", FIXED.stats);
}

#[test]
fn the_login_burst_does_not_run_in_the_quick_profile() {
    let result = support::runtime().block_on(async {
        let server = serve_demo(DemoConfig { fixed: false })
            .await
            .expect("the demo starts");
        let result = ScanBuilder::new(support::demo_api(), server.base_url())
            .checks(["login_rate_limit"])
            .plan(plan(1))
            .profile(Profile::Quick)
            .login(DEMO_ACCOUNT)
            .run()
            .await;
        server.shutdown().await;
        result
    });
    assert!(result.findings.is_empty(), "{:#?}", listing(&result));
}

// ---------------------------------------------------------------- look-alikes

/// A careful API: one login that answers alike for every failure, tokens
/// signed with a strong secret and verified (alg, signature, expiry), and a
/// CORS policy with one fixed allowed origin.
const CAREFUL_SPEC: &str = r#"
openapi: 3.0.3
info: { title: careful, version: '1' }
components:
  securitySchemes:
    bearerAuth: { type: http, scheme: bearer }
paths:
  /auth/login:
    post:
      operationId: login
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [username, password]
              properties:
                username: { type: string }
                password: { type: string }
      responses:
        '200': { description: Signed in. }
        '401': { description: Refused. }
  /me:
    get:
      operationId: me
      security: [ { bearerAuth: [] } ]
      responses:
        '200': { description: The caller. }
        '401': { description: Refused. }
"#;

const STRONG_KEY: &[u8] = b"q7N#v2$Lk9@xP4!zR8^tW1&cM6*bJ3(e";

fn sign(data: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(STRONG_KEY).expect("a key");
    mac.update(data.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

fn token(sub: &str) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = URL_SAFE_NO_PAD.encode(format!(r#"{{"sub":"{sub}","exp":4102444800}}"#));
    let data = format!("{header}.{claims}");
    format!("{data}.{}", sign(&data))
}

/// Whether the bearer token is one this server signed (HS256 only).
fn verified(headers: &HeaderMap) -> bool {
    let Some(token) = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 || parts[0] != URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#) {
        return false;
    }
    sign(&format!("{}.{}", parts[0], parts[1])) == parts[2]
}

fn with_cors(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(
        "access-control-allow-origin",
        HeaderValue::from_static("https://app.example.com"),
    );
    h.insert(
        "access-control-allow-credentials",
        HeaderValue::from_static("true"),
    );
    response
}

/// The careful app; with `slow_known`, a wrong password for alice takes
/// 500 ms more than an unknown user (a hash is only computed for real users).
fn careful(slow_known: bool) -> Router {
    Router::new()
        .route(
            "/auth/login",
            post(move |body: Bytes| async move {
                let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                let user = v["username"].as_str().unwrap_or_default();
                let password = v["password"].as_str().unwrap_or_default();
                if user == "alice" && password == "correct horse" {
                    let body = format!(r#"{{"token":"{}"}}"#, token("alice"));
                    return with_cors((StatusCode::OK, body).into_response());
                }
                if slow_known && user == "alice" {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                with_cors(
                    (
                        StatusCode::UNAUTHORIZED,
                        r#"{"error":"invalid credentials"}"#,
                    )
                        .into_response(),
                )
            }),
        )
        .route(
            "/me",
            get(|headers: HeaderMap| async move {
                if verified(&headers) {
                    with_cors((StatusCode::OK, r#"{"sub":"alice"}"#).into_response())
                } else {
                    with_cors((StatusCode::UNAUTHORIZED, r#"{"error":"no"}"#).into_response())
                }
            }),
        )
}

fn scan_careful(slow_known: bool, checks: &'static [&'static str]) -> ScanResult {
    support::runtime().block_on(async {
        let url = support::serve(careful(slow_known)).await;
        ScanBuilder::new(support::api(CAREFUL_SPEC), url)
            .checks(checks)
            .plan(plan(1))
            .profile(Profile::Aggressive)
            .login(("alice", "correct horse"))
            .run()
            .await
    })
}

#[test]
fn a_careful_api_gives_no_auth_finding_but_the_missing_rate_limit() {
    let result = scan_careful(false, AUTH_CHECKS);
    // it has no limit on failed logins: the one true finding
    let checks: Vec<&str> = result.findings.iter().map(|f| f.check.as_str()).collect();
    assert_eq!(checks, ["brute_force"], "{:#?}", listing(&result));
    // the token was seen (weak_jwt_secret had something to test) and /me was judged
    assert!(result.stats.requests >= 10, "{:?}", result.stats);
}

#[test]
fn user_enumeration_by_timing_is_found_and_is_only_likely() {
    let result = scan_careful(true, &["user_enumeration"]);
    let f = one(&result, "user_enumeration", "timing");
    assert_eq!(f.confidence, Confidence::Likely);
    let known: Vec<u64> = proof(f, "known_user_ms")
        .unwrap()
        .split(", ")
        .map(|n| n.parse().unwrap())
        .collect();
    assert!(known.iter().all(|&ms| ms >= 500), "{known:?}");
}

/// An API whose secured operation fails even with the real credentials:
/// nothing can be judged, so nothing is reported.
#[test]
fn ignored_auth_says_nothing_where_the_real_credentials_fail() {
    let app = Router::new().route(
        "/me",
        get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "down") }),
    );
    let result = support::runtime().block_on(async {
        let url = support::serve(app).await;
        ScanBuilder::new(support::api(CAREFUL_SPEC), url)
            .checks(["ignored_auth", "jwt_forgery"])
            .plan(plan(1))
            .credential(apiprobe::identity::Credential::bearer("opaque-token-123"))
            .run()
            .await
    });
    assert!(result.findings.is_empty(), "{:#?}", listing(&result));
    assert!(result.stats.requests >= 2, "{:?}", result.stats);
}
