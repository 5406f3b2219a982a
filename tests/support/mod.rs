//! Shared by the integration tests: scanning a server on loopback
//! ([`ScanBuilder`], its defaults in one place), serving a small axum app on
//! 127.0.0.1, and running the built binary ([`cli`]).

#![allow(dead_code)]

pub mod cli;
pub mod raw;
pub mod scan;

#[allow(unused_imports)] // each test binary uses some
pub use scan::{ScanBuilder, active_checks, active_only, client, client_options};

use apiprobe::checks::Finding;
use apiprobe::engine::ScanResult;
use apiprobe::model::Api;
use apiprobe::probes::PlanOptions;
use apiprobe::spec::Loader;

/// The demo API's spec.
pub fn demo_api() -> Api {
    Loader::new()
        .load_path(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/specs/demo.yaml"
        )))
        .expect("the demo spec loads")
}

/// A spec from text.
pub fn api(text: &str) -> Api {
    Loader::new()
        .load_str(text, "test.yaml")
        .expect("the test spec loads")
}

/// A small plan: `positive` valid cases an operation, nothing else (the
/// active phase runs after it).
pub fn plan(positive: u32) -> PlanOptions {
    PlanOptions {
        positive,
        negative: 0,
        attacks_per_family: 0,
        unsupported_methods: false,
        missing_headers: false,
        ..PlanOptions::default()
    }
}

/// A multi-thread runtime for one test.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

/// Serves `app` on 127.0.0.1 (an ephemeral port) until the runtime ends;
/// gives its base URL.
pub async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let addr = listener.local_addr().expect("its address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

/// The findings of `check`.
pub fn of<'a>(result: &'a ScanResult, check: &str) -> Vec<&'a Finding> {
    result
        .findings
        .iter()
        .filter(|f| f.check == check)
        .collect()
}

/// The value of a finding's proof item `name`.
pub fn proof<'a>(finding: &'a Finding, name: &str) -> Option<&'a str> {
    finding
        .proof
        .iter()
        .find(|p| p.name == name)
        .map(|p| p.value.as_str())
}

/// Every finding, one line each, for assertion messages.
pub fn listing(result: &ScanResult) -> Vec<String> {
    result
        .findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {}: {}",
                f.check, f.operation.id, f.signature, f.title
            )
        })
        .collect()
}
