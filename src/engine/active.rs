//! The active phase: after the plan, each active check's probe
//! (src/checks/active/) runs once per operation it applies to, in a
//! [`Session`] whose [`Port`] is this phase. Requests go through the scan's
//! one sending path (credentials, budgets, rate limit, 429 pauses, stop
//! signal); exchanges and findings are the scan's events and findings.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::BoxFuture;

use super::confirm;
use super::event::Event;
use super::health::Origin;
use super::send::{send_from, with_operation_headers};
use super::shared::Shared;
use crate::checks::active::{Port, Session};
use crate::checks::{Check, Finding, Scope};
use crate::generate::{Case, Payloads, Seed};
use crate::http::{CallbackServer, Exchange, Request};
use crate::identity::{Account, Credential, NamedIdentity};
use crate::model::{Api, Operation};
use crate::probes::{Discovery, ProbeKind, Profile, Resources};

/// Sessions run at once, at most (fewer than the plan's workers: timings stay readable).
const ACTIVE_WORKERS: usize = 8;

/// A resource a probe created, and the request that deletes it at the end
/// of the scan.
#[derive(Debug, Clone)]
pub(crate) struct Created {
    /// The DELETE request.
    pub(crate) delete: Request,
    /// Whose credentials it carries.
    pub(crate) credentials: Vec<Credential>,
}

/// The scan-wide state of the active phase.
pub(crate) struct Phase {
    profile: Profile,
    timed_left: AtomicU32,
    callback: Option<CallbackServer>,
    pub(crate) requests: AtomicU64,
    resources: Resources,
    pub(crate) created: Mutex<Vec<Created>>,
    /// How many sessions claimed each key ([`Port::claim`]).
    claims: Mutex<HashMap<String, u32>>,
    /// The identities' "who am I" reads ([`Port::whoamis`]).
    whoamis: crate::checks::active::whoami::Whoamis,
    /// What active checks keep for the whole scan ([`Port::shelf`]).
    shelf: crate::checks::active::Shelf,
}

impl Phase {
    pub(crate) fn new(api: &Api, profile: Profile, callback: Option<CallbackServer>) -> Phase {
        Phase {
            profile,
            timed_left: AtomicU32::new(profile.time_based_limit()),
            callback,
            requests: AtomicU64::new(0),
            resources: Resources::infer(api),
            created: Mutex::new(Vec::new()),
            claims: Mutex::new(HashMap::new()),
            whoamis: crate::checks::active::whoami::Whoamis::new(),
            shelf: crate::checks::active::Shelf::new(),
        }
    }
}

/// The scan as active probes see it: the engine's side of [`Port`].
struct Scan<'a> {
    shared: &'a Shared,
    phase: &'a Phase,
}

impl Port for Scan<'_> {
    fn api(&self) -> &Api {
        &self.shared.api
    }

    fn payloads(&self) -> &Payloads {
        &self.shared.payloads
    }

    fn profile(&self) -> Profile {
        self.phase.profile
    }

    fn credentials(&self) -> &[Credential] {
        &self.shared.options.credentials
    }

    fn account(&self) -> Option<&Account> {
        self.shared.options.account.as_ref()
    }

    fn token_use(&self) -> Option<&crate::identity::TokenUse> {
        self.shared.options.signed_in.as_ref().map(|s| &s.token)
    }

    fn identities(&self) -> &[NamedIdentity] {
        &self.shared.options.identities
    }

    fn resources(&self) -> &Resources {
        &self.phase.resources
    }

    fn timeout(&self) -> Duration {
        self.shared.client.options().timeout
    }

    fn callback(&self) -> Option<&CallbackServer> {
        self.phase.callback.as_ref()
    }

    fn take_time_budget(&self) -> bool {
        self.phase
            .timed_left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_ok()
    }

    fn stopping(&self) -> bool {
        self.shared.stop.is_set()
    }

    fn send<'s>(
        &'s self,
        operation: usize,
        kind: &'s ProbeKind,
        request: &'s Request,
        credentials: &'s [Credential],
    ) -> BoxFuture<'s, Option<Exchange>> {
        Box::pin(async move {
            let shared = self.shared;
            let op = shared.api.operations.get(operation)?;
            // the target stalled on this session's kind here (health.rs)
            if shared.health.left_out(operation, kind) {
                return None;
            }
            self.phase.requests.fetch_add(1, Ordering::Relaxed);
            let request = &with_operation_headers(shared, operation, request);
            let origin = Origin { operation, kind };
            let sent = send_from(shared, request, credentials, 0, Some(origin)).await?;
            shared.observer.on_event(&Event::Exchange {
                operation: op,
                probe: kind,
                exchange: &sent.exchange,
            });
            // a request the target stalled on ends its session
            let exchange = sent.judged.then_some(sent.exchange)?;
            // a crash stands only when it reproduces (confirm.rs)
            confirm::settled(shared, op, request, credentials, origin, exchange).await
        })
    }

    fn record(&self, mut finding: Finding) -> bool {
        // the configured severity, before the finding is kept or announced
        self.shared.options.rate(&mut finding);
        {
            let mut set = match self.shared.findings.lock() {
                Ok(g) => g,
                Err(poisoned) => poisoned.into_inner(),
            };
            if set.seen(&finding.id) {
                return false;
            }
            set.insert(finding.clone());
        }
        self.shared.observer.on_event(&Event::Finding(&finding));
        true
    }

    fn base_url(&self) -> &str {
        &self.shared.options.base_url
    }

    fn discovery(&self) -> Discovery {
        self.shared
            .options
            .discovery
            .unwrap_or_else(|| Discovery::for_profile(self.phase.profile))
    }

    fn endpoint_words(&self) -> Option<&[String]> {
        self.shared
            .options
            .endpoint_words
            .as_deref()
            .map(Vec::as_slice)
    }

    fn cors_domains(&self) -> &[String] {
        &self.shared.options.cors_domains
    }

    fn claim(&self, key: &str, limit: u32) -> bool {
        let mut claims = match self.phase.claims.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        let n = claims.entry(key.to_owned()).or_insert(0);
        if *n >= limit {
            return false;
        }
        *n += 1;
        true
    }

    fn judge(
        &self,
        operation: &Operation,
        kind: &ProbeKind,
        case: &Case,
        exchange: &Exchange,
    ) -> Vec<&'static str> {
        let shared = self.shared;
        let verdicts = shared
            .judge
            .judge(&shared.api, operation, kind, case, exchange);
        let mut names = Vec::new();
        for (check, verdict) in verdicts {
            names.push(check.name);
            self.record(Finding::new(check, verdict, operation, kind, exchange));
        }
        names
    }

    fn seed(&self) -> u64 {
        self.shared.options.seed
    }

    fn bases(&self) -> &crate::checks::active::Bases {
        &self.shared.bases
    }

    fn whoamis(&self) -> Option<&crate::checks::active::whoami::Whoamis> {
        Some(&self.phase.whoamis)
    }

    fn shelf(&self) -> Option<&crate::checks::active::Shelf> {
        Some(&self.phase.shelf)
    }

    fn jwt_public_key(&self) -> Option<&[u8]> {
        self.shared.options.jwt_public_key.as_deref()
    }

    fn jwt_secret(&self, token: &str) -> Option<String> {
        self.shared.judge.cracked_secret(token)
    }

    fn crack_jwt_secret(&self, token: &str) -> Option<String> {
        self.shared
            .judge
            .crack_secret(&self.shared.api, token, "a named identity's token")
    }

    fn warn(&self, message: &str) {
        self.shared.observer.on_event(&Event::Warning { message });
    }

    fn created(&self, delete: Request, credentials: Vec<Credential>) {
        if let Ok(mut list) = self.phase.created.lock() {
            list.push(Created {
                delete,
                credentials,
            });
        }
    }
}

/// A seed for one session, from the scan's seed, the operation and the
/// probe's check (the parts of a plan probe's seed, [`Probe::seed`], for
/// `ProbeKind::Active(check)`, without a round: a session is one per pair).
///
/// [`Probe::seed`]: crate::probes::Probe::seed
fn session_seed(seed: u64, operation: usize, check: &str) -> u64 {
    Seed::new(seed)
        .derive(&[operation.into(), "active:".into(), check.into()])
        .get()
}

/// Runs every selected active probe on every operation of the plan.
pub(crate) async fn run(shared: &Arc<Shared>, operations: Vec<usize>, phase: Arc<Phase>) {
    // in stage order, then in the catalogue's order
    let mut selected: Vec<&'static Check> = shared
        .judge
        .checks()
        .iter()
        .copied()
        .filter(|c| c.probe().is_some())
        .collect();
    selected.sort_by_key(|c| c.probe().map(|p| p.stage));
    // a target-wide check's sessions run one after another in operation
    // order, in one task: its finding is on the first operation that shows
    // it, whichever session would have finished first
    let mut tasks: Vec<(Vec<usize>, &'static Check)> = Vec::new();
    for &i in &operations {
        let Some(op) = shared.api.operations.get(i) else {
            continue;
        };
        for &check in &selected {
            if !check
                .probe()
                .is_some_and(|p| (p.applies)(&shared.api, op, phase.profile))
            {
                continue;
            }
            if check.scope == Scope::Target
                && let Some((list, _)) = tasks.iter_mut().find(|(_, c)| std::ptr::eq(*c, check))
            {
                list.push(i);
            } else {
                tasks.push((vec![i], check));
            }
        }
    }
    if tasks.is_empty() {
        return;
    }
    let tasks = Arc::new(tasks);
    let next = Arc::new(AtomicUsize::new(0));
    let workers = shared.options.concurrency.clamp(1, ACTIVE_WORKERS);
    let handles: Vec<_> = (0..workers)
        .map(|_| {
            let shared = Arc::clone(shared);
            let phase = Arc::clone(&phase);
            let tasks = Arc::clone(&tasks);
            let next = Arc::clone(&next);
            tokio::spawn(async move {
                loop {
                    if shared.stop.is_set() {
                        return;
                    }
                    let Some((list, check)) = tasks.get(next.fetch_add(1, Ordering::Relaxed))
                    else {
                        return;
                    };
                    for &i in list {
                        if shared.stop.is_set() {
                            return;
                        }
                        run_one(&shared, &phase, i, check).await;
                    }
                }
            })
        })
        .collect();
    for h in handles {
        // a probe that panicked loses only its own session
        let _ = h.await;
    }
}

async fn run_one(shared: &Shared, phase: &Phase, index: usize, check: &'static Check) {
    let Some(probe) = check.probe() else {
        return;
    };
    let port = Scan { shared, phase };
    let seed = session_seed(shared.options.seed, index, check.name);
    let Some(mut session) = Session::new(&port, index, check, seed) else {
        return;
    };
    // the operation's base, shared by its sessions: one the target accepts where one is found
    session.settle().await;
    (probe.run)(&mut session).await;
}
