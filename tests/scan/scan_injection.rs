//! The injection oracles of the active phase against the demo API: each
//! finds its planted flaw with its proof, and the repaired demo gives none.
#![cfg(feature = "demo")]

use crate::support;

use std::sync::LazyLock;
use std::time::Duration;

use apiprobe::checks::{Confidence, Finding};
use apiprobe::demo::{DemoConfig, serve};
use apiprobe::engine::ScanResult;
use apiprobe::probes::Profile;
use support::{ScanBuilder, active_only};

/// The checks of the injection oracles.
const INJECTION: &[&str] = &[
    "reflected_xss",
    "sql_injection",
    "command_injection",
    "path_traversal",
    "template_injection",
    "nosql_injection",
    "ssrf",
    "resource_consumption",
    "mass_assignment",
];

/// Scans the demo (flawed or fixed) with the injection checks only.
fn scan_demo(fixed: bool, profile: Profile) -> ScanResult {
    support::runtime().block_on(async {
        let server = serve(DemoConfig { fixed }).await.expect("the demo starts");
        let result = ScanBuilder::new(support::demo_api(), server.base_url())
            .checks(INJECTION)
            .seed(11)
            .plan(active_only())
            .profile(profile)
            .shrink(true)
            .guard(Duration::from_secs(300))
            .run()
            .await;
        server.shutdown().await;
        result
    })
}

static FLAWED: LazyLock<ScanResult> = LazyLock::new(|| scan_demo(false, Profile::Standard));
static FIXED: LazyLock<ScanResult> = LazyLock::new(|| scan_demo(true, Profile::Standard));
static QUICK: LazyLock<ScanResult> = LazyLock::new(|| scan_demo(false, Profile::Quick));
static AGGRESSIVE: LazyLock<ScanResult> = LazyLock::new(|| scan_demo(false, Profile::Aggressive));

/// The (check, operation) pairs a scan found.
fn found(result: &ScanResult) -> std::collections::BTreeSet<(String, String)> {
    result
        .findings
        .iter()
        .map(|f| (f.check.clone(), f.operation.id.clone()))
        .collect()
}

fn listing(result: &ScanResult) -> Vec<String> {
    result
        .findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {}: {}",
                f.check, f.operation.id, f.signature, f.evidence
            )
        })
        .collect()
}

/// The one finding of `check` on `operation`, which must exist.
fn the_finding(check: &str, operation: &str) -> &'static Finding {
    let hits: Vec<&Finding> = FLAWED
        .findings
        .iter()
        .filter(|f| f.check == check && f.operation.id == operation)
        .collect();
    assert!(
        !hits.is_empty(),
        "{check} did not fire on {operation}; found: {:#?}",
        listing(&FLAWED)
    );
    hits[0]
}

fn proof<'a>(f: &'a Finding, name: &str) -> &'a str {
    f.proof
        .iter()
        .find(|p| p.name == name)
        .map(|p| p.value.as_str())
        .unwrap_or_else(|| panic!("{} has no proof item {name}: {:?}", f.check, f.proof))
}

#[test]
fn reflected_xss_in_the_search_page() {
    let f = the_finding("reflected_xss", "searchPage");
    assert_eq!(f.confidence, Confidence::Confirmed);
    assert_eq!(f.probe, "active:reflected_xss");
    let markup = proof(f, "reflected");
    let canary = proof(f, "canary");
    assert!(markup.starts_with(&format!("<{canary}")), "{markup}");
    let response = f.response.as_ref().expect("a response");
    assert!(response.body.contains(markup), "{}", response.body);
    assert!(f.request.url.contains(canary), "{}", f.request.url);
    assert_eq!(f.signature, "query q");
    assert_eq!(f.cwe, Some(79));
}

#[test]
fn sql_injection_in_the_product_path() {
    let f = the_finding("sql_injection", "getProduct");
    assert_eq!(f.confidence, Confidence::Confirmed);
    assert_eq!(f.signature, "path sku");
    assert_eq!(proof(f, "technique"), "error-based");
    assert!(proof(f, "payload").ends_with('\''));
    assert!(proof(f, "control").ends_with("''"));
    assert!(proof(f, "database").to_lowercase().contains("sqlite"));
    let body = &f.response.as_ref().expect("a response").body;
    assert!(body.contains(proof(f, "error")), "{body}");
}

#[test]
fn command_injection_in_ping() {
    let f = the_finding("command_injection", "ping");
    assert_eq!(f.signature, "body host");
    assert_eq!(proof(f, "technique"), "output-based");
    let expected = proof(f, "expected_output");
    assert!(expected.starts_with(proof(f, "canary")));
    assert!(
        !proof(f, "payload").contains(expected),
        "the product is computed, not sent"
    );
    let body = &f.response.as_ref().expect("a response").body;
    assert!(body.contains(expected), "{body}");
}

#[test]
fn path_traversal_in_files() {
    let f = the_finding("path_traversal", "getFile");
    assert_eq!(f.signature, "query name");
    assert_eq!(proof(f, "file"), "/etc/passwd");
    assert!(proof(f, "signature").starts_with("root:"));
    let body = &f.response.as_ref().expect("a response").body;
    assert!(body.contains("root:x:0:0:"), "{body}");
}

#[test]
fn template_injection_in_greet() {
    let f = the_finding("template_injection", "greet");
    assert_eq!(f.signature, "query name");
    let product = proof(f, "product");
    assert!(!proof(f, "payload").contains(product));
    let body = &f.response.as_ref().expect("a response").body;
    assert!(body.contains(product), "{body}");
}

#[test]
fn nosql_injection_in_product_search() {
    let f = the_finding("nosql_injection", "searchProducts");
    assert_eq!(f.signature, "body name");
    assert!(proof(f, "payload").contains('$'));
    assert_ne!(f.response.as_ref().expect("a response").body, "[]");
}

#[test]
fn ssrf_through_the_webhook_url() {
    let f = the_finding("ssrf", "testWebhook");
    assert_eq!(proof(f, "field"), "url");
    let token = proof(f, "token");
    assert!(proof(f, "callback_url").contains(token));
    assert!(proof(f, "callback_request").contains(token));
    assert_eq!(f.owasp.map(|o| o.id()), Some("API7:2023"));
}

#[test]
fn resource_consumption_in_email_validation() {
    let f = the_finding("resource_consumption", "validateEmail");
    assert!(f.signature.starts_with("slow-input"), "{}", f.signature);
    let slow: Vec<u64> = proof(f, "delayed_ms")
        .split(", ")
        .filter_map(|t| t.parse().ok())
        .collect();
    let fast: Vec<u64> = proof(f, "control_ms")
        .split(", ")
        .filter_map(|t| t.parse().ok())
        .collect();
    assert_eq!(slow.len(), 2);
    assert_eq!(fast.len(), 4);
    assert!(slow.iter().min() > fast.iter().max(), "{slow:?} {fast:?}");
}

#[test]
fn mass_assignment_of_the_role() {
    let f = the_finding("mass_assignment", "register");
    assert_eq!(f.signature, "property role");
    assert_eq!(proof(f, "response_value"), "\"admin\"");
    let body = &f.response.as_ref().expect("a response").body;
    assert!(body.contains("\"role\":\"admin\""), "{body}");
}

#[test]
fn the_fixed_demo_gives_no_injection_finding() {
    assert!(FIXED.findings.is_empty(), "{:#?}", listing(&FIXED));
    assert!(FIXED.stats.active_requests > 0, "{:?}", FIXED.stats);
}

#[test]
fn the_quick_profile_sends_no_time_based_probe() {
    let quick = &*QUICK;
    for f in &quick.findings {
        let technique = f.proof.iter().find(|p| p.name == "technique");
        assert!(
            technique.is_none_or(|t| t.value != "time-based"),
            "{}: {:?}",
            f.check,
            f.proof
        );
        assert!(!f.signature.starts_with("slow-input"), "{}", f.signature);
    }
    // the cheap oracles still find their flaws
    let pairs = found(quick);
    for (check, op) in [
        ("sql_injection", "getProduct"),
        ("command_injection", "ping"),
        ("reflected_xss", "searchPage"),
        ("ssrf", "testWebhook"),
    ] {
        assert!(
            pairs.contains(&(check.to_owned(), op.to_owned())),
            "{check} {op}: {pairs:?}"
        );
    }
    assert!(
        quick.stats.active_requests < FLAWED.stats.active_requests,
        "quick {} vs standard {}",
        quick.stats.active_requests,
        FLAWED.stats.active_requests
    );
}

#[test]
fn the_aggressive_profile_finds_all_standard_finds_with_more_requests() {
    let aggressive = &*AGGRESSIVE;
    let (more, standard) = (found(aggressive), found(&FLAWED));
    assert!(
        standard.is_subset(&more),
        "standard {standard:?}, aggressive {more:?}"
    );
    assert!(
        aggressive.stats.active_requests > FLAWED.stats.active_requests,
        "aggressive {} vs standard {}",
        aggressive.stats.active_requests,
        FLAWED.stats.active_requests
    );
}
