//! The injection oracles of the active phase against the demo API: each
//! finds its planted flaw with its proof, and the repaired demo gives none.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use apiprobe::checks::{Confidence, Finding, Judge, Settings, select};
use apiprobe::demo::{DemoConfig, serve};
use apiprobe::engine::{Client, ClientOptions, Scan, ScanOptions, ScanResult, Silent, Stop};
use apiprobe::generate::Payloads;
use apiprobe::probes::PlanOptions;
use apiprobe::probes::active::Profile;
use apiprobe::spec::Loader;

/// The checks of the injection oracles.
const INJECTION: &[&str] = &["reflected_xss"];

/// A plan with no passive probe: only the active phase sends.
fn active_only() -> PlanOptions {
    PlanOptions {
        positive: 0,
        negative: 0,
        attacks_per_family: 0,
        unsupported_methods: false,
        missing_headers: false,
        read_only: false,
    }
}

/// Scans the demo (flawed or fixed) with the injection checks only.
fn scan_demo(fixed: bool, profile: Profile) -> ScanResult {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let server = serve(DemoConfig { fixed }).await.expect("the demo starts");
        let api = Loader::new()
            .load_path(std::path::Path::new(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/specs/demo.yaml"
            )))
            .expect("the demo spec loads");
        let operations = (0..api.operations.len()).collect();
        let client = Client::new(ClientOptions {
            timeout: Duration::from_secs(10),
            env_proxy: false,
            ..ClientOptions::default()
        })
        .expect("a client");
        let names: Vec<String> = INJECTION.iter().map(|s| (*s).to_owned()).collect();
        let scan = Scan {
            api: Arc::new(api),
            operations,
            payloads: Arc::new(Payloads::builtin()),
            client,
            judge: Arc::new(Judge::new(
                select(&names, &[]).expect("the injection checks"),
                Settings::default(),
            )),
            options: ScanOptions {
                base_url: server.base_url(),
                seed: 11,
                plan: active_only(),
                profile,
                ..ScanOptions::default()
            },
        };
        let guard = Duration::from_secs(300);
        let result = tokio::time::timeout(guard, scan.run(Arc::new(Silent), Stop::new()))
            .await
            .expect("the scan ends within its guard");
        server.shutdown().await;
        result
    })
}

static FLAWED: LazyLock<ScanResult> = LazyLock::new(|| scan_demo(false, Profile::Standard));
static FIXED: LazyLock<ScanResult> = LazyLock::new(|| scan_demo(true, Profile::Standard));

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
fn the_fixed_demo_gives_no_injection_finding() {
    assert!(FIXED.findings.is_empty(), "{:#?}", listing(&FIXED));
    assert!(FIXED.stats.active_requests > 0, "{:?}", FIXED.stats);
}
