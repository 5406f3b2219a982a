//! The scan loop: workers take probes in plan order, realise them as cases,
//! send them (paced, within budgets), judge the exchanges and collect
//! findings; then findings are shrunk.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use super::active::{self, Phase};
use super::cleanup;
use super::event::{Event, Observer, Stats, StopReason};
use super::rate::{Pause, RateLimiter, retry_after};
use super::shrink;
use super::stop::Stop;
use crate::checks::{Finding, FindingSet, Judge, Scope, Severity, fingerprint};
use crate::generate::{Case, CaseGenerator, Options, Payloads, Request, Seeded};
use crate::http::CallbackServer;
use crate::http::{Client, join_url};
use crate::http::{Exchange, Failure, FailureKind, Outcome};
use crate::identity::{Credential, apply_credentials};
use crate::model::Api;
use crate::probes::Profile;
use crate::probes::{Plan, PlanOptions, Probe, probe_seed, realise};

/// How a scan runs.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// The target's base URL (the spec's paths are appended to it).
    pub base_url: String,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// At most this many requests a second, when set.
    pub rate_limit: Option<f64>,
    /// Stop after this many requests.
    pub max_requests: Option<u64>,
    /// Stop after this long.
    pub max_time: Option<Duration>,
    /// The seed of every generated value.
    pub seed: u64,
    /// Credentials and extra headers for every request.
    pub credentials: Vec<Credential>,
    /// How many probes of each kind.
    pub plan: PlanOptions,
    /// Shrink findings once the probes are done.
    pub shrink: bool,
    /// How often a request answered with 429 is sent again.
    pub retries_on_429: u32,
    /// The account `--login` signed in with, if any (login probes use its username).
    pub account: Option<crate::identity::Account>,
    /// How hard the active probes push (`--profile`).
    pub profile: Profile,
    /// The URL the target should call back (`--callback-url`); default: the
    /// callback listener's own loopback URL.
    pub callback_url: Option<String>,
    /// Where the callback listener listens (default 127.0.0.1, any port).
    pub callback_listen: Option<SocketAddr>,
    /// Named identities besides the scan's own credentials (`--identity`),
    /// for authorization probes (BOLA, BFLA).
    pub identities: Vec<crate::identity::NamedIdentity>,
    /// Delete the resources the probes created when the scan ends.
    pub cleanup: bool,
    /// Extra headers for some operations only (by operation index), from
    /// apiprobe.toml's `[operations]`; a scan credential of the same name wins.
    pub operation_headers: Vec<(usize, Vec<Credential>)>,
    /// The `--login` sign-in, when the scan made one: a 401 to a request
    /// carrying its credential signs in again (login identities too).
    pub signed_in: Option<crate::identity::SignedIn>,
    /// Check name to the severity its findings get instead of the check's
    /// own (apiprobe.toml's `[severity]`). Applied where each finding is
    /// made, so every output (live lines, streams, reports, `--fail-on`)
    /// sees the same severity.
    pub severities: BTreeMap<String, Severity>,
}

impl ScanOptions {
    /// Gives `finding` the severity [`severities`](Self::severities) sets
    /// for its check, if any.
    pub(crate) fn rate(&self, finding: &mut Finding) {
        if let Some(&severity) = self.severities.get(&finding.check) {
            finding.severity = severity;
        }
    }
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            base_url: String::new(),
            concurrency: 16,
            rate_limit: None,
            max_requests: None,
            max_time: None,
            seed: 0,
            credentials: Vec::new(),
            plan: PlanOptions::default(),
            shrink: true,
            retries_on_429: 3,
            account: None,
            profile: Profile::default(),
            callback_url: None,
            callback_listen: None,
            identities: Vec::new(),
            cleanup: true,
            operation_headers: Vec::new(),
            signed_in: None,
            severities: BTreeMap::new(),
        }
    }
}

/// What a scan found, and how it went.
#[derive(Debug, Clone)]
pub struct ScanResult {
    /// The findings, one per operation, check and signature, in the order found.
    pub findings: Vec<Finding>,
    /// The counters.
    pub stats: Stats,
    /// Why it ended.
    pub reason: StopReason,
    /// The seed used.
    pub seed: u64,
}

/// The longest a 429 pause may last.
const MAX_PAUSE: Duration = Duration::from_secs(60);
/// Connection failures in a row, with no response ever, that make a target unreachable.
const UNREACHABLE_AFTER: u64 = 3;
/// Connection failures in a row that mean the target has gone away.
const LOST_AFTER: u64 = 25;

/// A scan of one API: what to send, where, and how to judge it.
pub struct Scan {
    /// The API.
    pub api: Arc<Api>,
    /// The operations to cover (indices into `api.operations`).
    pub operations: Vec<usize>,
    /// Attack strings.
    pub payloads: Arc<Payloads>,
    /// The HTTP client.
    pub client: Client,
    /// The checks.
    pub judge: Arc<Judge>,
    /// How to run.
    pub options: ScanOptions,
}

/// The case behind a finding's first occurrence, kept for shrinking.
pub(crate) struct Witness {
    pub(crate) finding: usize,
    pub(crate) probe: Probe,
    pub(crate) case: Case,
}

pub(crate) struct Shared {
    pub(crate) api: Arc<Api>,
    pub(crate) payloads: Arc<Payloads>,
    pub(crate) client: Client,
    pub(crate) judge: Arc<Judge>,
    pub(crate) options: ScanOptions,
    pub(crate) observer: Arc<dyn Observer>,
    pub(crate) stop: Stop,
    probes: Plan,
    next: AtomicUsize,
    started: Vec<AtomicBool>,
    pub(crate) requests: AtomicU64,
    responses: AtomicU64,
    failures: AtomicU64,
    skipped: AtomicU64,
    connect_streak: AtomicU64,
    /// Some exchange reached the target: a response, or a failure the
    /// server caused ([`reaches`]).
    reached: AtomicBool,
    /// The first failure that did not reach the target, for the reason of
    /// a scan that never did.
    first_unreached: Mutex<Option<Failure>>,
    rate: Option<RateLimiter>,
    pause: Pause,
    pub(crate) findings: Mutex<FindingSet>,
    pub(crate) witnesses: Mutex<Vec<Witness>>,
    pub(crate) signers: super::relogin::Signers,
    pub(crate) pool: super::pool::Pool,
}

impl Scan {
    /// Runs the scan until every probe is sent, a budget ends, `stop` is
    /// requested or the target is lost. Always returns what was found.
    pub async fn run(self, observer: Arc<dyn Observer>, stop: Stop) -> ScanResult {
        let started = Instant::now();
        let plan = Plan::new(
            &self.api,
            &self.operations,
            &self.payloads,
            &self.options.plan,
        );
        let rate = self.options.rate_limit.map(RateLimiter::new);
        let active_operations: Vec<usize> = self
            .operations
            .iter()
            .copied()
            .filter(|&i| {
                self.api.operations.get(i).is_some_and(|op| {
                    !self.options.plan.read_only || crate::probes::is_read_only(op.method)
                })
            })
            .collect();
        let signers = super::relogin::Signers::new(
            &self.api,
            self.options.signed_in.as_ref(),
            &self.options.identities,
        );
        let shared = Arc::new(Shared {
            started: (0..self.api.operations.len())
                .map(|_| AtomicBool::new(false))
                .collect(),
            api: self.api,
            payloads: self.payloads,
            client: self.client,
            judge: self.judge,
            observer,
            stop,
            probes: plan,
            next: AtomicUsize::new(0),
            requests: AtomicU64::new(0),
            responses: AtomicU64::new(0),
            failures: AtomicU64::new(0),
            skipped: AtomicU64::new(0),
            connect_streak: AtomicU64::new(0),
            reached: AtomicBool::new(false),
            first_unreached: Mutex::new(None),
            rate,
            pause: Pause::default(),
            findings: Mutex::new(FindingSet::new()),
            witnesses: Mutex::new(Vec::new()),
            signers,
            pool: super::pool::Pool::default(),
            options: self.options,
        });
        shared.observer.on_event(&Event::Started {
            operations: shared.probes.operations,
            probes: shared.probes.len(),
            base_url: &shared.options.base_url,
            seed: shared.options.seed,
        });

        let timer = shared.options.max_time.map(|limit| {
            let stop = shared.stop.clone();
            tokio::spawn(async move {
                tokio::time::sleep(limit).await;
                stop.request(StopReason::TimeBudget);
            })
        });
        // live resources for the plan's path parameters (pool.rs)
        let pooled = if shared.probes.is_empty() {
            Vec::new()
        } else {
            super::pool::fill(&shared, &self.operations).await
        };
        let workers: Vec<_> = (0..shared.options.concurrency.max(1))
            .map(|_| {
                let shared = Arc::clone(&shared);
                tokio::spawn(async move { work(&shared).await })
            })
            .collect();
        for w in workers {
            // a worker that panicked loses only its own in-flight probe
            let _ = w.await;
        }
        // the active phase: probes that need several requests per finding
        let callback = if shared.judge.checks().iter().any(|c| c.name == "ssrf") {
            match CallbackServer::start(
                shared.options.callback_listen,
                shared.options.callback_url.as_deref(),
            )
            .await
            {
                Ok(server) => Some(server),
                Err(e) => {
                    let listen = shared
                        .options
                        .callback_listen
                        .map_or_else(|| "127.0.0.1:0".to_owned(), |a| a.to_string());
                    let message = format!(
                        "the SSRF callback listener cannot listen on {listen} ({e}); the ssrf check is skipped (--callback-listen picks another address)"
                    );
                    shared
                        .observer
                        .on_event(&Event::Warning { message: &message });
                    None
                }
            }
        } else {
            None
        };
        let phase = Arc::new(Phase::new(&shared.api, shared.options.profile, callback));
        if let Ok(mut created) = phase.created.lock() {
            created.extend(pooled);
        }
        if !shared.stop.is_set() {
            active::run(&shared, active_operations, Arc::clone(&phase)).await;
        }
        let cleanup_requests = if shared.options.cleanup {
            cleanup::delete_created(&shared, &phase).await
        } else {
            0
        };
        let mut reason = shared.stop.reason().unwrap_or(StopReason::Completed);
        // a scan none of whose requests reached the target did not pass:
        // it never ran (refused locally, a redirect loop, a budget spent
        // on refused connections before the streak said so)
        if let Some(why) = never_reached(&shared, &reason) {
            reason = StopReason::Unreachable(why);
        }
        let shrink_requests = if reason == StopReason::Completed && shared.options.shrink {
            let before = shared.requests.load(Ordering::Relaxed);
            shrink::shrink_all(&shared).await;
            shared.requests.load(Ordering::Relaxed) - before
        } else {
            0
        };
        if let Some(t) = timer {
            t.abort();
        }
        let stats = Stats {
            operations: shared.probes.operations,
            planned: shared.probes.len(),
            requests: shared.requests.load(Ordering::Relaxed),
            responses: shared.responses.load(Ordering::Relaxed),
            failures: shared.failures.load(Ordering::Relaxed),
            skipped: shared.skipped.load(Ordering::Relaxed),
            shrink_requests,
            active_requests: phase.requests.load(Ordering::Relaxed),
            cleanup_requests,
            relogins: shared.signers.logins.load(Ordering::Relaxed),
            live_ids: shared.pool.used.load(Ordering::Relaxed),
            unrequested_responses: shared.client.unrequested_responses(),
            elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        };
        shared.observer.on_event(&Event::Finished {
            stats: &stats,
            reason: &reason,
        });
        let findings = match shared.findings.lock() {
            Ok(mut set) => std::mem::take(&mut *set).into_findings(),
            Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()).into_findings(),
        };
        ScanResult {
            findings,
            stats,
            reason,
            seed: shared.options.seed,
        }
    }
}

/// Whether a failure shows the target was there: it accepted the
/// connection and then reset it, closed it, sent bytes that were not HTTP,
/// or kept it open without an answer. A connection refused, a TLS
/// handshake that failed, redirects that could not be followed and a
/// request refused before it was sent reached no HTTP server.
fn reaches(kind: FailureKind) -> bool {
    kind.is_crash() || kind == FailureKind::Timeout
}

/// The reason a scan that ended with `reason` is a target error after all:
/// requests failed and none reached the target. `None` when one did, when
/// nothing failed, or when the scan already stopped for another cause
/// (interrupted, unreachable, lost).
fn never_reached(shared: &Shared, reason: &StopReason) -> Option<String> {
    let budget = match reason {
        StopReason::Completed => "",
        StopReason::RequestBudget => " before the request budget (--max-requests) ran out",
        StopReason::TimeBudget => " before the time budget (--max-time) ran out",
        StopReason::Interrupted | StopReason::Unreachable(_) | StopReason::TargetLost(_) => {
            return None;
        }
    };
    if shared.reached.load(Ordering::Relaxed) {
        return None;
    }
    let first = match shared.first_unreached.lock() {
        Ok(g) => g.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    }?;
    let failed = shared.failures.load(Ordering::Relaxed);
    let cause = match first.kind {
        FailureKind::Connect => "no connection",
        FailureKind::Tls => "the TLS handshake failed",
        FailureKind::Redirect => "a redirect could not be followed (--follow-redirects)",
        FailureKind::Other => "refused before it was sent",
        _ => "failed",
    };
    Some(format!(
        "{}: no response to any of {failed} request{}{budget}: {cause} ({})",
        shared.options.base_url,
        if failed == 1 { "" } else { "s" },
        first.message
    ))
}

async fn work(shared: &Shared) {
    let mut cases = CaseGenerator::new(&shared.api, Options::default(), &shared.payloads);
    loop {
        if shared.stop.is_set() {
            return;
        }
        let i = shared.next.fetch_add(1, Ordering::Relaxed);
        let Some(probe) = shared.probes.get(i) else {
            return;
        };
        let probe = &probe;
        let Some(op) = shared.api.operations.get(probe.operation) else {
            continue;
        };
        if let Some(flag) = shared.started.get(probe.operation)
            && !flag.swap(true, Ordering::Relaxed)
        {
            shared
                .observer
                .on_event(&Event::OperationStarted { operation: op });
        }
        let mut src = Seeded::new(probe_seed(shared.options.seed, probe));
        let case = match realise(&shared.api, &mut cases, probe, &mut src) {
            Ok(Some(mut case)) => {
                // a live resource's id in the path, where the probe allows (pool.rs)
                shared.pool.apply(&shared.api, probe, &mut case);
                case
            }
            Ok(None) | Err(_) => {
                shared.skipped.fetch_add(1, Ordering::Relaxed);
                continue;
            }
        };
        let request = with_operation_headers(shared, probe.operation, &case.request);
        let Some(exchange) = send(shared, &request).await else {
            return;
        };
        shared.observer.on_event(&Event::Exchange {
            operation: op,
            probe: &probe.kind,
            exchange: &exchange,
        });
        let verdicts = shared
            .judge
            .judge(&shared.api, op, &probe.kind, &case, &exchange);
        for (check, verdict) in verdicts {
            let subject = match check.scope {
                Scope::Operation => op.id.as_str(),
                Scope::Target => "",
            };
            let id = fingerprint(subject, check.name, &verdict.signature);
            let finding = {
                let mut set = match shared.findings.lock() {
                    Ok(g) => g,
                    Err(poisoned) => poisoned.into_inner(),
                };
                if set.seen(&id) {
                    continue;
                }
                let mut finding = Finding::new(check, verdict, op, &probe.kind, &exchange);
                shared.options.rate(&mut finding);
                set.insert(finding.clone());
                let index = set.len() - 1;
                // a witness is only for shrinking: with it off, none is kept
                if shared.options.shrink
                    && let Ok(mut w) = shared.witnesses.lock()
                {
                    w.push(Witness {
                        finding: index,
                        probe: probe.clone(),
                        case: case.clone(),
                    });
                }
                finding
            };
            shared.observer.on_event(&Event::Finding(&finding));
        }
    }
}

/// `request` with the extra headers configured for operation `operation`
/// (borrowed as it is when there are none).
pub(crate) fn with_operation_headers<'r>(
    shared: &Shared,
    operation: usize,
    request: &'r Request,
) -> Cow<'r, Request> {
    match shared
        .options
        .operation_headers
        .iter()
        .find(|(i, _)| *i == operation)
    {
        Some((_, extra)) => {
            let mut request = request.clone();
            apply_credentials(extra, &mut request);
            Cow::Owned(request)
        }
        None => Cow::Borrowed(request),
    }
}

/// Sends one request with the scan's credentials, within the budgets and the
/// pace, sending it again after a 429. `None` when the scan is stopping.
pub(crate) async fn send(shared: &Shared, request: &Request) -> Option<Exchange> {
    send_with(
        shared,
        request,
        &shared.options.credentials,
        shared.options.retries_on_429,
    )
    .await
}

/// [`send`] with these credentials instead of the scan's, sent again at
/// most `retries_on_429` times after a 429 (0: the 429 is the answer).
pub(crate) async fn send_with(
    shared: &Shared,
    request: &Request,
    credentials: &[Credential],
    retries_on_429: u32,
) -> Option<Exchange> {
    let mut request = request.clone();
    // a login's older credential goes out as its current one (relogin.rs)
    let mut credentials = shared.signers.current(credentials);
    apply_credentials(&credentials, &mut request);
    let mut url = join_url(&shared.options.base_url, &request);
    let mut attempt = 0;
    let mut signed_in_again = false;
    loop {
        if let Some(max) = shared.options.max_requests
            && shared.requests.load(Ordering::Relaxed) >= max
        {
            shared.stop.request(StopReason::RequestBudget);
            return None;
        }
        // a stop ends a 429 pause or a wait for the rate limit at once
        tokio::select! {
            _ = shared.pause.wait() => {}
            _ = shared.stop.wait() => return None,
        }
        if let Some(rate) = &shared.rate {
            tokio::select! {
                _ = rate.acquire() => {}
                _ = shared.stop.wait() => return None,
            }
        }
        if shared.stop.is_set() {
            return None;
        }
        shared.requests.fetch_add(1, Ordering::Relaxed);
        // the request and its URL go into the exchange, not copied: a
        // resend takes them back from there
        let exchange = tokio::select! {
            exchange = shared.client.send(url, request) => exchange,
            _ = shared.stop.wait() => return None,
        };
        match &exchange.outcome {
            Outcome::Response(r) => {
                shared.responses.fetch_add(1, Ordering::Relaxed);
                // each written only when it changes: a store on every
                // response would bounce the cache line between the workers
                if shared.connect_streak.load(Ordering::Relaxed) != 0 {
                    shared.connect_streak.store(0, Ordering::Relaxed);
                }
                if !shared.reached.load(Ordering::Relaxed) {
                    shared.reached.store(true, Ordering::Relaxed);
                }
                if r.status == 429 && attempt < retries_on_429 {
                    let wait = r
                        .header("retry-after")
                        .and_then(|v| retry_after(v, SystemTime::now()))
                        .unwrap_or(Duration::from_secs(1 << attempt))
                        .min(MAX_PAUSE);
                    if shared.pause.extend(Instant::now() + wait) {
                        shared.observer.on_event(&Event::Paused { wait });
                    }
                    attempt += 1;
                    (url, request) = (exchange.request.url, exchange.request.request);
                    continue;
                }
                if signed_in_again {
                    shared.signers.resent(&credentials, r.status != 401);
                } else if r.status == 401
                    && let Some((old, new)) = shared
                        .signers
                        .refresh(shared, &exchange.request.request, &credentials)
                        .await
                {
                    // sent once more, with the login's fresh credential (the
                    // request itself went into the exchange: take it back)
                    signed_in_again = true;
                    request = exchange.request.request;
                    let mut fresh = credentials.into_owned();
                    fresh.retain(|c| *c != old);
                    fresh.push(new);
                    apply_credentials(&fresh, &mut request);
                    url = join_url(&shared.options.base_url, &request);
                    credentials = std::borrow::Cow::Owned(fresh);
                    continue;
                }
            }
            Outcome::Failed(f) => {
                shared.failures.fetch_add(1, Ordering::Relaxed);
                if reaches(f.kind) {
                    shared.reached.store(true, Ordering::Relaxed);
                } else if !shared.reached.load(Ordering::Relaxed)
                    && let Ok(mut first) = shared.first_unreached.lock()
                    && first.is_none()
                {
                    *first = Some(f.clone());
                }
                if f.kind == FailureKind::Connect {
                    let streak = shared.connect_streak.fetch_add(1, Ordering::Relaxed) + 1;
                    let never = shared.responses.load(Ordering::Relaxed) == 0;
                    if never && streak >= UNREACHABLE_AFTER {
                        shared.stop.request(StopReason::Unreachable(format!(
                            "{}: {}",
                            shared.options.base_url, f.message
                        )));
                    } else if streak >= LOST_AFTER {
                        shared.stop.request(StopReason::TargetLost(format!(
                            "{} stopped accepting connections: {}",
                            shared.options.base_url, f.message
                        )));
                    }
                } else {
                    shared.connect_streak.store(0, Ordering::Relaxed);
                }
            }
        }
        return Some(exchange);
    }
}
