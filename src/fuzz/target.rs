//! The fuzz target: a loaded spec, the checks, and a small runtime that
//! drives one in-process exchange per input.

use std::fmt::{Display, Write as _};
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::time::Duration;

use tower::Service;

use super::input::InputLayout;
use super::service::{ReqBody, send, to_http, unsent};
use crate::checks::{Check, Finding, Judge, Settings, UnknownCheck, select};
use crate::generate::{Case, CaseGenerator, Fuzzed, Options, Payloads};
use crate::http::{Exchange, Failure, FailureKind, SentRequest};
use crate::identity::{Credential, apply_credentials};
use crate::model::Api;
use crate::probes::{Plan, PlanOptions, Probe, ProbeKind, realise};
use crate::spec::{Loader, SpecError};

/// Why a fuzz target could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum FuzzError {
    /// The spec does not load.
    #[error("the spec does not load: {0}")]
    Spec(#[from] SpecError),
    /// A check named in the options (or the environment) does not exist.
    #[error(transparent)]
    Check(#[from] UnknownCheck),
    /// The spec has no operation to fuzz.
    #[error("the spec has no operation to fuzz")]
    NoOperation,
    /// The async runtime that drives the service could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}

/// How a fuzz target builds, sends and judges requests.
#[derive(Debug, Clone)]
pub struct FuzzOptions {
    /// The URL the service is imagined at: its host is the `Host` header,
    /// and findings' curl commands point there. Default `http://localhost`.
    pub base_url: String,
    /// The checks that judge each response (default: all of them).
    pub checks: Vec<&'static Check>,
    /// The limits the checks judge against.
    pub settings: Settings,
    /// Credentials and extra headers added to every request.
    pub credentials: Vec<Credential>,
    /// Which probe kinds an input may choose (`read_only`,
    /// `unsupported_methods`, `missing_headers`; the counts are ignored).
    pub plan: PlanOptions,
    /// Attack strings.
    pub payloads: Payloads,
    /// The longest one exchange may take (then it is a timeout).
    pub timeout: Duration,
    /// The most response body bytes read.
    pub max_response_bytes: usize,
}

impl Default for FuzzOptions {
    fn default() -> Self {
        FuzzOptions {
            base_url: "http://localhost".to_owned(),
            checks: select(&[], &[]).unwrap_or_default(),
            settings: Settings::default(),
            credentials: Vec::new(),
            plan: PlanOptions::default(),
            payloads: Payloads::builtin(),
            timeout: Duration::from_secs(10),
            max_response_bytes: 1 << 20,
        }
    }
}

impl FuzzOptions {
    /// The defaults, with the checks chosen by the environment:
    /// `APIPROBE_FUZZ_CHECKS` (only these) and `APIPROBE_FUZZ_EXCLUDE_CHECKS`
    /// (all but these), comma-separated check names. Lets a session leave
    /// out a finding already known and keep fuzzing for the next one.
    pub fn from_env() -> Result<FuzzOptions, FuzzError> {
        let list = |name: &str| -> Vec<String> {
            std::env::var(name)
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let checks = select(
            &list("APIPROBE_FUZZ_CHECKS"),
            &list("APIPROBE_FUZZ_EXCLUDE_CHECKS"),
        )?;
        Ok(FuzzOptions {
            checks,
            ..FuzzOptions::default()
        })
    }
}

/// One input's case: the operation, the probe and the generated request.
#[derive(Debug, Clone)]
pub struct FuzzCase {
    /// The operation's index in [`Api::operations`].
    pub operation: usize,
    /// What the probe tries.
    pub probe: ProbeKind,
    /// The case: values, violation or attack, and the request.
    pub case: Case,
}

/// What one input did.
#[derive(Debug, Clone, Default)]
pub struct Run {
    /// The case, unless the chosen probe offers the operation nothing (no
    /// constraint to break, no slot for the payload) or a value could not
    /// be sent where it must go.
    pub case: Option<FuzzCase>,
    /// The request as sent and what came back.
    pub exchange: Option<Exchange>,
    /// What the checks found.
    pub findings: Vec<Finding>,
}

/// A spec, the checks and a runtime: turns fuzzer bytes into an in-process
/// exchange with a service and judges it. `Sync`, so one can live in a
/// `static` of a fuzz target.
pub struct FuzzTarget {
    api: Api,
    judge: Judge,
    options: FuzzOptions,
    /// For each operation that can be fuzzed: its index and its probe kinds.
    probes: Vec<(usize, Vec<ProbeKind>)>,
    runtime: tokio::runtime::Runtime,
}

impl std::fmt::Debug for FuzzTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FuzzTarget")
            .field("api", &self.api.title)
            .field("operations", &self.probes.len())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl FuzzTarget {
    /// A target for `api` with `options`.
    pub fn new(api: Api, options: FuzzOptions) -> Result<FuzzTarget, FuzzError> {
        let counts = PlanOptions {
            positive: 1,
            negative: 1,
            attacks_per_family: 1,
            ..options.plan.clone()
        };
        let probes: Vec<(usize, Vec<ProbeKind>)> = (0..api.operations.len())
            .filter_map(|i| {
                let plan = Plan::new(&api, &[i], &options.payloads, &counts);
                let kinds: Vec<ProbeKind> = plan.iter().map(|p| p.kind).collect();
                (!kinds.is_empty()).then_some((i, kinds))
            })
            .collect();
        if probes.is_empty() {
            return Err(FuzzError::NoOperation);
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(FuzzError::Runtime)?;
        Ok(FuzzTarget {
            judge: Judge::new(options.checks.clone(), options.settings.clone()),
            api,
            options,
            probes,
            runtime,
        })
    }

    /// A target for the spec at `path` (JSON or YAML, any version; local
    /// references only), with the checks chosen by the environment
    /// ([`FuzzOptions::from_env`]).
    pub fn from_spec_path(path: impl AsRef<Path>) -> Result<FuzzTarget, FuzzError> {
        let api = Loader::new().load_path(path)?;
        FuzzTarget::new(api, FuzzOptions::from_env()?)
    }

    /// A target for the spec `text` (`origin` names it in errors), with the
    /// checks chosen by the environment ([`FuzzOptions::from_env`]).
    pub fn from_spec_str(text: &str, origin: &str) -> Result<FuzzTarget, FuzzError> {
        let api = Loader::new().load_str(text, origin)?;
        FuzzTarget::new(api, FuzzOptions::from_env()?)
    }

    /// The API.
    pub fn api(&self) -> &Api {
        &self.api
    }

    /// The options.
    pub fn options(&self) -> &FuzzOptions {
        &self.options
    }

    /// The operations an input can choose (indices into [`Api::operations`])
    /// and, for each, its probes in the order byte 2 of an input picks them.
    pub fn probes(&self) -> &[(usize, Vec<ProbeKind>)] {
        &self.probes
    }

    /// The case `data` describes (see [`InputLayout`]). `None` when the
    /// chosen probe offers the operation nothing, or a generated value
    /// cannot travel where it must go.
    pub fn case(&self, data: &[u8]) -> Option<FuzzCase> {
        let input = InputLayout::parse(data);
        let (operation, kinds) = &self.probes[usize::from(input.operation) % self.probes.len()];
        let kind = &kinds[usize::from(input.probe) % kinds.len()];
        let probe = Probe {
            operation: *operation,
            kind: kind.clone(),
            round: 0,
        };
        let mut cases = CaseGenerator::new(&self.api, Options::default(), &self.options.payloads);
        let mut src = Fuzzed::new(input.choices);
        match realise(&self.api, &mut cases, &probe, &mut src) {
            Ok(Some(case)) => Some(FuzzCase {
                operation: *operation,
                probe: probe.kind,
                case,
            }),
            Ok(None) | Err(_) => None,
        }
    }

    /// Sends `case` to `service` in-process and reads what comes back, in
    /// the caller's async runtime. A panic in the service unwinds through
    /// this future ([`run`](Self::run) catches it).
    pub async fn exchange<S, B>(&self, service: S, case: &FuzzCase) -> Exchange
    where
        S: Service<http::Request<ReqBody>, Response = http::Response<B>>,
        S::Error: Display,
        B: http_body::Body,
        B::Error: Display,
    {
        let mut request = case.case.request.clone();
        apply_credentials(&self.options.credentials, &mut request);
        let (url, http) = match to_http(&self.options.base_url, &request) {
            Ok(parts) => parts,
            Err(failure) => {
                let url = crate::http::join_url(&self.options.base_url, &request);
                return unsent(url, request, failure);
            }
        };
        let (outcome, elapsed) = send(
            service,
            http,
            self.options.timeout,
            self.options.max_response_bytes,
        )
        .await;
        Exchange {
            request: SentRequest { url, request },
            outcome,
            elapsed,
        }
    }

    /// What the checks find in `exchange`, the answer to `case`.
    pub fn judge(&self, case: &FuzzCase, exchange: &Exchange) -> Vec<Finding> {
        let Some(op) = self.api.operations.get(case.operation) else {
            return Vec::new();
        };
        self.judge
            .judge(&self.api, op, &case.probe, &case.case, exchange)
            .into_iter()
            .map(|(check, verdict)| Finding::new(check, verdict, op, &case.probe, exchange))
            .collect()
    }

    /// Turns `data` into a request, sends it to `service` and judges the
    /// response. Runs the service on the target's own single-threaded
    /// runtime, so it must not be called from inside another async runtime
    /// (use [`case`](Self::case), [`exchange`](Self::exchange) and
    /// [`judge`](Self::judge) there). A panic in the service is caught and
    /// judged as a dropped connection (the `crash` check).
    pub fn run<S, B>(&self, service: S, data: &[u8]) -> Run
    where
        S: Service<http::Request<ReqBody>, Response = http::Response<B>>,
        S::Error: Display,
        B: http_body::Body,
        B::Error: Display,
    {
        let Some(case) = self.case(data) else {
            return Run::default();
        };
        let started = std::time::Instant::now();
        let exchange = match std::panic::catch_unwind(AssertUnwindSafe(|| {
            self.runtime.block_on(self.exchange(service, &case))
        })) {
            Ok(exchange) => exchange,
            Err(panic) => {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic".to_owned());
                let mut request = case.case.request.clone();
                apply_credentials(&self.options.credentials, &mut request);
                let url = crate::http::join_url(&self.options.base_url, &request);
                let mut exchange = unsent(
                    url,
                    request,
                    Failure {
                        kind: FailureKind::Closed,
                        message: format!("the service panicked: {message}"),
                    },
                );
                exchange.elapsed = started.elapsed();
                exchange
            }
        };
        let findings = self.judge(&case, &exchange);
        Run {
            case: Some(case),
            exchange: Some(exchange),
            findings,
        }
    }

    /// [`run`](Self::run), then panics with a description of the findings,
    /// if any, so that libFuzzer saves the input. The call a fuzz target makes.
    pub fn check<S, B>(&self, service: S, data: &[u8])
    where
        S: Service<http::Request<ReqBody>, Response = http::Response<B>>,
        S::Error: Display,
        B: http_body::Body,
        B::Error: Display,
    {
        let run = self.run(service, data);
        if !run.findings.is_empty() {
            panic!("{}", describe(&run));
        }
    }
}

/// What a run found, for a person: each finding, and the request as curl.
pub(crate) fn describe(run: &Run) -> String {
    let mut out = String::new();
    let n = run.findings.len();
    let plural = if n == 1 { "" } else { "s" };
    if let Some(first) = run.findings.first() {
        let _ = writeln!(
            out,
            "apiprobe found {n} problem{plural} in {} ({} {}), probe {}:",
            first.operation.id, first.operation.method, first.operation.path, first.probe
        );
    }
    for f in &run.findings {
        let _ = writeln!(
            out,
            "  [{}] {}: {}\n      {}",
            f.severity.as_str(),
            f.check,
            f.title,
            f.evidence.lines().next().unwrap_or("")
        );
    }
    if let Some(exchange) = &run.exchange {
        let _ = writeln!(out, "reproduce: {}", exchange.request.curl());
    }
    out
}
