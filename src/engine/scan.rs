//! [`Scan`]: the phases of a scan (the live-resource pool, the plan's
//! workers, the active phase, shrinking, cleanup) and the plan's workers,
//! which take probes in plan order, realise them as cases, send them
//! through the one sending path (src/engine/send.rs), judge the exchanges
//! and collect findings.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::active::{self, Phase};
use super::cleanup;
use super::confirm;
use super::event::{Event, Observer, Stats, StopReason};
use super::health::{Health, Origin};
use super::options::ScanOptions;
use super::rate::{Pause, RateLimiter};
use super::send::{send_from, with_operation_headers};
use super::shared::{Shared, Witness};
use super::shrink;
use super::stop::Stop;
use crate::checks::{Finding, FindingSet, Judge, Scope, fingerprint};
use crate::generate::{CaseGenerator, Options, Payloads, Seeded};
use crate::http::{CallbackServer, Client, FailureKind};
use crate::model::Api;
use crate::probes::{Plan, ProbeKind, probe_seed, realise};

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

impl Scan {
    /// Runs the scan until every probe is sent, a budget ends, `stop` is
    /// requested or the target is lost. Always returns what was found.
    pub async fn run(self, observer: Arc<dyn Observer>, stop: Stop) -> ScanResult {
        let started = Instant::now();
        let mut plan = Plan::new(
            &self.api,
            &self.operations,
            &self.payloads,
            &self.options.plan,
        );
        // a shard: the whole plan cut to its operations (probes/shard.rs)
        let covered: Vec<usize> = match &self.options.part {
            Some(part) => {
                let part: std::collections::HashSet<usize> = part.iter().copied().collect();
                plan.retain(|op| part.contains(&op));
                self.operations
                    .iter()
                    .copied()
                    .filter(|op| part.contains(op))
                    .collect()
            }
            None => self.operations.clone(),
        };
        let rate = self.options.rate_limit.map(RateLimiter::new);
        let active_operations: Vec<usize> = covered
            .iter()
            .copied()
            .filter(|&i| {
                self.api.operations.get(i).is_some_and(|op| {
                    (!self.options.plan.read_only || crate::probes::is_read_only(op.method))
                        && crate::probes::destructive(op).is_none()
                })
            })
            .collect();
        let signers = super::relogin::Signers::new(
            &self.api,
            self.options.signed_in.as_ref(),
            &self.options.identities,
        );
        let operation_count = self.api.operations.len();
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
            crashes_not_reproduced: AtomicU64::new(0),
            reached: AtomicBool::new(false),
            first_unreached: Mutex::new(None),
            rate,
            pause: Pause::default(),
            findings: Mutex::new(FindingSet::new()),
            witnesses: Mutex::new(Vec::new()),
            signers,
            pool: super::pool::Pool::default(),
            health: Health::new(self.options.recovery_timeout),
            bases: crate::checks::active::Bases::new(operation_count),
            options: self.options,
        });
        shared.observer.on_event(&Event::Started {
            operations: shared.probes.operations,
            probes: shared.probes.len(),
            base_url: &shared.options.base_url,
            seed: shared.options.seed,
        });
        super::relogin::announce(&shared, &shared.options.sign_ins);

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
            super::pool::fill(&shared, &covered).await
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
        // resets and wipes: once each, alone, after every other probe (wipe.rs)
        let destructive_requests = if shared.stop.is_set() {
            0
        } else {
            super::wipe::run(&shared, &phase, &covered).await
        };
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
            active_requests: phase.requests.load(Ordering::Relaxed) + destructive_requests,
            cleanup_requests,
            relogins: shared.signers.logins.load(Ordering::Relaxed),
            live_ids: shared.pool.used.load(Ordering::Relaxed),
            unrequested_responses: shared.client.unrequested_responses(),
            resent_on_fresh_connection: shared.client.resent_on_fresh_connection(),
            crashes_not_reproduced: shared.crashes_not_reproduced.load(Ordering::Relaxed),
            health_requests: shared.health.requests.load(Ordering::Relaxed),
            stalls: shared.health.stalls.load(Ordering::Relaxed),
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
        // the target stalled on a probe of this kind here (health.rs)
        if shared.health.left_out(probe.operation, &probe.kind) {
            shared.skipped.fetch_add(1, Ordering::Relaxed);
            continue;
        }
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
        let origin = Origin {
            operation: probe.operation,
            kind: &probe.kind,
        };
        let Some(sent) = send_from(
            shared,
            &request,
            &shared.options.credentials,
            shared.options.retries_on_429,
            Some(origin),
        )
        .await
        else {
            return;
        };
        let exchange = sent.exchange;
        shared.observer.on_event(&Event::Exchange {
            operation: op,
            probe: &probe.kind,
            exchange: &exchange,
        });
        if !sent.judged {
            // the target stalled on it: a denial_of_service finding names it
            continue;
        }
        // a request the target accepted: a candidate base for the active phase
        if exchange
            .response()
            .is_some_and(|r| (200..300).contains(&r.status))
            && matches!(
                probe.kind,
                ProbeKind::Positive | ProbeKind::Boundary | ProbeKind::Negative
            )
            && shared.bases.wants(probe.operation, case.intent)
        {
            shared.bases.accept(probe.operation, &case);
        }
        // a new crash is reported only once it reproduces (confirm.rs)
        let Some((exchange, verdicts)) =
            confirm::judged(shared, op, &case, &request, origin, exchange).await
        else {
            continue;
        };
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
