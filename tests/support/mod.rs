//! Shared by the integration tests: scanning a server on loopback
//! ([`ScanBuilder`], its defaults in one place), serving a small axum app on
//! 127.0.0.1, and running the built binary ([`cli`]).

#![allow(dead_code)]

pub mod cli;
pub mod raw;
pub mod scan;

#[allow(unused_imports)] // each test binary uses some
pub use scan::{ScanBuilder, active_checks, active_only, client, client_options};

use std::sync::Arc;
use std::time::Duration;

use apiprobe::checks::{Finding, Judge, Settings, select};
use apiprobe::engine::{Scan, ScanOptions, ScanResult, Silent, Stop};
use apiprobe::generate::Payloads;
use apiprobe::http::{Client, ClientOptions};
use apiprobe::identity::{Account, Credential};
use apiprobe::model::Api;
use apiprobe::probes::PlanOptions;
use apiprobe::probes::Profile;
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

/// What to scan with.
pub struct Setup {
    /// The checks selected.
    pub checks: &'static [&'static str],
    /// Valid cases an operation.
    pub positive: u32,
    /// The profile.
    pub profile: Profile,
    /// Sign in through the spec's login operation first.
    pub login: Option<(&'static str, &'static str)>,
    /// Extra credentials.
    pub credentials: Vec<Credential>,
}

impl Setup {
    /// `checks` with one valid case an operation, the standard profile, no credentials.
    pub fn new(checks: &'static [&'static str]) -> Setup {
        Setup {
            checks,
            positive: 1,
            profile: Profile::Standard,
            login: None,
            credentials: Vec::new(),
        }
    }
}

/// Scans `api` at `base_url` (on loopback) with `setup`, inside the caller's runtime.
pub async fn scan(api: Api, base_url: String, setup: Setup) -> ScanResult {
    let client = Client::new(ClientOptions {
        timeout: Duration::from_secs(10),
        env_proxy: false,
        ..ClientOptions::default()
    })
    .expect("a client");
    let mut credentials = setup.credentials;
    let account = setup.login.map(|(user, password)| Account {
        user: user.into(),
        password: password.into(),
    });
    if let Some(account) = &account {
        let token = apiprobe::identity::login(&api, &client, &base_url, account)
            .await
            .expect("the login succeeds");
        credentials.push(Credential::bearer(&token));
    }
    let names: Vec<String> = setup.checks.iter().map(|s| (*s).to_owned()).collect();
    let operations = (0..api.operations.len()).collect();
    let scan = Scan {
        api: Arc::new(api),
        operations,
        payloads: Arc::new(Payloads::builtin()),
        client,
        judge: Arc::new(Judge::new(
            select(&names, &[]).expect("known checks"),
            Settings::default(),
        )),
        options: ScanOptions {
            base_url,
            seed: 5,
            plan: plan(setup.positive),
            profile: setup.profile,
            credentials,
            account,
            shrink: false,
            ..ScanOptions::default()
        },
    };
    run_guarded(scan).await
}

/// Runs `scan` to its end with no observer, under a hang guard (not a speed
/// assertion): a scan that hangs fails the test instead of stalling the suite.
pub async fn run_guarded(scan: Scan) -> ScanResult {
    tokio::time::timeout(
        Duration::from_secs(240),
        scan.run(Arc::new(Silent), Stop::new()),
    )
    .await
    .expect("the scan ends within its guard")
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
