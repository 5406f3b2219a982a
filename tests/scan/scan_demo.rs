//! End-to-end scans of the demo API: each planted flaw that a scan check
//! covers is found by that check, on the operation that has it; the repaired
//! demo gives no finding at all.
#![cfg(feature = "demo")]

use crate::support;

use std::sync::LazyLock;
use std::time::Duration;

use apiprobe::checks::Finding;
use apiprobe::demo::{DemoConfig, serve};
use apiprobe::engine::{ScanResult, StopReason};
use support::ScanBuilder;

const SEED: u64 = 7;

/// Scans the demo (flawed or fixed) with the CLI's defaults and a fixed seed.
fn scan_demo(fixed: bool) -> ScanResult {
    support::runtime().block_on(async {
        let server = serve(DemoConfig { fixed }).await.expect("the demo starts");
        let result = ScanBuilder::new(support::demo_api(), server.base_url())
            .timeout(Duration::from_secs(5))
            .seed(SEED)
            .shrink(true)
            .guard(Duration::from_secs(120))
            .run()
            .await;
        server.shutdown().await;
        result
    })
}

static FLAWED: LazyLock<ScanResult> = LazyLock::new(|| scan_demo(false));
static FIXED: LazyLock<ScanResult> = LazyLock::new(|| scan_demo(true));

/// The findings of `check` on the operation `operation_id`.
fn found<'a>(result: &'a ScanResult, check: &str, operation_id: &str) -> Vec<&'a Finding> {
    result
        .findings
        .iter()
        .filter(|f| f.check == check && f.operation.id == operation_id)
        .collect()
}

fn assert_found(check: &str, operation_id: &str) -> Vec<&'static Finding> {
    let hits = found(&FLAWED, check, operation_id);
    assert!(
        !hits.is_empty(),
        "{check} did not fire on {operation_id}; the scan found: {:#?}",
        FLAWED
            .findings
            .iter()
            .map(|f| format!("{} {} {}", f.check, f.operation.id, f.signature))
            .collect::<Vec<_>>()
    );
    hits
}

#[test]
fn flaw_62_a_sign_up_role_shown_only_in_me_is_read_back() {
    let hits = assert_found("privilege_escalation", "shopSignup");
    let proof = |name: &str| {
        hits[0]
            .proof
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.value.clone())
    };
    assert_eq!(
        proof("privileged_fields").as_deref(),
        Some("role=\"manager\"")
    );
    assert_eq!(
        proof("read_back_shows").as_deref(),
        Some("role=\"manager\"")
    );
}

#[test]
fn the_scan_completes() {
    assert_eq!(FLAWED.reason, StopReason::Completed);
    assert_eq!(FIXED.reason, StopReason::Completed);
    assert!(FLAWED.stats.requests > 500, "{:?}", FLAWED.stats);
}

#[test]
fn flaw_1_integer_overflow_is_a_server_error() {
    let hits = assert_found("not_a_server_error", "square");
    assert!(hits.iter().any(|f| f.signature == "500"));
}

#[test]
fn flaw_2_sql_injection_leaks_a_database_error() {
    let hits = assert_found("sql_error_leak", "getProduct");
    assert!(hits[0].evidence.to_lowercase().contains("sql") || hits[0].signature == "sqlite");
}

#[test]
fn flaw_3_stack_trace_in_an_error_body() {
    assert_found("stack_trace_leak", "getReport");
}

#[test]
fn flaw_4_undocumented_status_code() {
    let hits = assert_found("status_code_conformance", "getHealth");
    assert!(hits.iter().any(|f| f.signature == "202"));
}

#[test]
fn flaw_5_body_breaks_its_response_schema() {
    assert_found("response_schema_conformance", "getStats");
}

#[test]
fn flaw_6_wrong_content_type() {
    let hits = assert_found("content_type_conformance", "getVersion");
    assert!(
        hits[0].signature.contains("text/plain"),
        "{}",
        hits[0].signature
    );
}

#[test]
fn flaw_7_input_below_its_minimum_is_accepted() {
    let hits = assert_found("negative_data_rejection", "sendFeedback");
    assert!(
        hits.iter().any(|f| f.signature.contains("rating")),
        "{hits:#?}"
    );
}

#[test]
fn flaw_8_valid_input_is_rejected() {
    let hits = assert_found("positive_data_acceptance", "listProducts");
    assert!(hits.iter().any(|f| f.signature == "400"));
}

#[test]
fn flaw_9_undeclared_method_answers_500() {
    let hits = assert_found("unsupported_method", "getVersion");
    assert!(hits.iter().any(|f| f.request.method != "GET"));
}

#[test]
fn flaw_10_version_revealing_header() {
    let hits = FLAWED
        .findings
        .iter()
        .filter(|f| f.check == "server_banner")
        .collect::<Vec<_>>();
    assert!(
        hits.iter().any(|f| f.evidence.contains("PHP/7.4.3")),
        "{hits:#?}"
    );
}

#[test]
fn flaw_11_oversized_field_drops_the_connection() {
    let hits = assert_found("crash", "postComment");
    assert!(hits[0].failure.is_some());
}

#[test]
fn flaw_12_slow_path_grows_with_the_input() {
    assert_found("max_response_time", "validateEmail");
}

#[test]
fn flaws_28_52_53_guessing_without_limit() {
    // a 4-digit reset code, and both sign-ins (the scan registers an
    // account of its own for their bursts)
    let hits = assert_found("brute_force", "resetPassword");
    assert!(
        hits[0].evidence.contains("4 digits: 10,000 guesses"),
        "{}",
        hits[0].evidence
    );
    assert_found("brute_force", "login");
    assert_found("brute_force", "mobileLogin");
}

#[test]
fn findings_carry_a_curl_command_that_targets_the_demo() {
    for f in &FLAWED.findings {
        assert!(
            f.curl.starts_with("curl ") || f.curl.starts_with("printf "),
            "{}",
            f.curl
        );
        assert!(f.curl.contains("http://127.0.0.1:"), "{}", f.curl);
        assert_eq!(f.id.len(), 16);
    }
}

#[test]
fn the_fixed_demo_gives_no_finding() {
    assert!(
        FIXED.findings.is_empty(),
        "the repaired demo gave findings: {:#?}",
        FIXED
            .findings
            .iter()
            .map(|f| format!(
                "{} {} {}: {}",
                f.check, f.operation.id, f.signature, f.evidence
            ))
            .collect::<Vec<_>>()
    );
}

#[test]
fn flaws_60_61_other_deployments_weak_jwt_keys_are_cracked() {
    let partner = assert_found("weak_jwt_secret", "partnerToken");
    assert!(partner.iter().any(|f| {
        f.signature == "weak_secret:partner-gateway"
            && support::proof(f, "secret") == Some("482913")
            && support::proof(f, "source") == Some("numbers of up to 6 digits")
    }));
    let kiosk = assert_found("weak_jwt_secret", "kioskSession");
    assert!(kiosk.iter().any(|f| {
        f.signature == "weak_secret:kiosk-service"
            && support::proof(f, "secret") == Some("keyboard")
            && support::proof(f, "alg") == Some("HS384")
            && support::proof(f, "source") == Some("common passwords (zxcvbn)")
    }));
    assert!(
        FIXED.findings.iter().all(|f| f.check != "weak_jwt_secret"),
        "{:?}",
        FIXED
            .findings
            .iter()
            .map(|f| &f.signature)
            .collect::<Vec<_>>()
    );
}
