//! Target health: noticing that the target stopped answering, naming the
//! request it stopped on, and waiting for it to answer again.
//!
//! - Every request is a [`Flight`] while it is out, with its operation and
//!   probe ([`Origin`]), so that a stall can say what was in flight.
//! - The cheapest GET the target answered quickly (2xx preferred) is
//!   remembered: sent again, it is the *health request*.
//! - A request that times out or finds no connection, once there is a
//!   health request, begins an *episode*: every worker waits before
//!   sending, and the health request goes out. Answered: the failure was
//!   the request's own and is judged as usual (one slow request is no
//!   stall). Not answered: the target has stalled. The request it stalled
//!   on (the failure with a connection that went out first; of those that
//!   went out at the same moment, the largest) is named in a
//!   `denial_of_service` finding
//!   (with what else was in flight), its operation's probes of its kind
//!   are left out, and the
//!   health request goes out again after a pause that doubles, until it is
//!   answered (the scan resumes; the requests the stall failed are sent
//!   again) or `--recovery-timeout` has passed (the scan stops: the target
//!   is lost).
//!
//! The episodes are single flight: failures that come while one runs wait
//! for its end and share its outcome.

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::event::{Event, StopReason};
use super::shared::Shared;
use crate::checks::{Confidence, Finding, ProofItem, Verdict};
use crate::http::{Exchange, FailureKind, Outcome, Request};
use crate::model::Method;
use crate::probes::ProbeKind;

/// The probe kind health requests are recorded under (HAR, NDJSON).
pub(crate) const HEALTH_PROBE: ProbeKind = ProbeKind::Active("health");
/// The check whose findings name the request a target stalled on.
pub(crate) const CHECK: &str = "denial_of_service";
/// The longest an answer may take for its request to become the health
/// request (and at most a quarter of the client's timeout).
const QUICK: Duration = Duration::from_secs(1);
/// The first pause between health requests while the target is stalled;
/// it doubles, up to [`LONGEST_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(250);
/// The longest a health request is waited for (less when the client's
/// timeout is shorter): it was answered within [`QUICK`] before.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest pause between health requests.
const LONGEST_PAUSE: Duration = Duration::from_secs(4);
/// How often one request is sent again after stalls failed it.
pub(crate) const RESENDS: u32 = 2;
/// Requests a finding names as in flight, at most.
const NAMED: usize = 8;
/// Requests that went out this close together may have reached the server
/// in either order.
const SAME_MOMENT: Duration = Duration::from_millis(50);
/// Whether a failed request had a connection (its failure came after the
/// handshake): the server may have been working on it.
fn connected(failed: &Failed) -> bool {
    failed.exchange.failure().is_some_and(|f| {
        f.kind != FailureKind::Connect
            && !f.message.starts_with("tcp connect")
            && !f.message.contains("(Connect)")
    })
}

/// What a health request costs more when its answer was not 2xx.
const NOT_2XX: u64 = 1 << 62;

/// What a request is for: its operation (an index into the API's
/// operations) and its probe. A stall's finding names them, and probes of
/// that kind on that operation are left out after it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Origin<'a> {
    pub(crate) operation: usize,
    pub(crate) kind: &'a ProbeKind,
}

/// One request while it is out.
#[derive(Debug, Clone)]
pub(crate) struct Flight {
    id: u64,
    origin: Option<(usize, ProbeKind)>,
    method: Method,
    path: String,
    /// Its size: path, query and body.
    bytes: usize,
    started: Instant,
}

impl Flight {
    /// `POST /users (boundary)`.
    fn describe(&self) -> String {
        match &self.origin {
            Some((_, kind)) => format!("{} {} ({})", self.method.as_str(), self.path, kind.label()),
            None => format!("{} {}", self.method.as_str(), self.path),
        }
    }
}

/// A request while it is out: listed in [`Health`] until it lands (or is
/// dropped, when a stop abandons it).
pub(crate) struct Aboard<'h> {
    health: &'h Health,
    id: u64,
    landed: bool,
}

impl Aboard<'_> {
    /// The request is back: off the list, its flight returned.
    pub(crate) fn land(mut self) -> Option<Flight> {
        self.landed = true;
        self.health.remove(self.id)
    }
}

impl Drop for Aboard<'_> {
    fn drop(&mut self) {
        if !self.landed {
            self.health.remove(self.id);
        }
    }
}

/// What the sending path does with a failed request once the health
/// monitor has looked at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum After {
    /// The failure is the request's own: judge it as usual.
    Judge,
    /// A stall failed it and the target answers again: send it again.
    Resend,
    /// The target stalled on this request, or its probe kind is left out
    /// after a stall: recorded, not judged.
    Spared,
    /// The target did not come back: the scan stops.
    Stopping,
}

/// How an episode ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    /// The health request was answered: no stall.
    Answered,
    /// The target stalled and answers again.
    Recovered,
    /// The target stalled and did not come back.
    Lost,
}

/// The health request: a request the target answered quickly.
#[derive(Debug, Clone)]
struct Known {
    url: String,
    request: Request,
    operation: usize,
    cost: u64,
}

/// A request that failed during an episode.
struct Failed {
    flight: Flight,
    exchange: Exchange,
}

#[derive(Default)]
struct State {
    /// The failures of the episode that runs, first first.
    episode: Option<Vec<Failed>>,
    /// Episodes ended so far.
    ended: u64,
    /// How the last one ended.
    last: Option<Ending>,
    /// When the last stall ended: a request sent before failed with it.
    recovered_at: Option<Instant>,
    /// The flight the last stall was on.
    culprit: Option<u64>,
}

/// How many lists the in-flight requests are spread over.
const FLIGHT_SHARDS: usize = 16;

/// The health monitor of one scan.
pub(crate) struct Health {
    recovery_timeout: Duration,
    /// An episode runs: no request goes out.
    busy: AtomicBool,
    changed: Notify,
    state: Mutex<State>,
    /// The requests in flight, in [`FLIGHT_SHARDS`] lists by id: every
    /// request goes on and off one, and 64 workers on one lock contend.
    flights: Box<[Mutex<Vec<Flight>>]>,
    next_id: AtomicU64,
    /// The cost of [`known`](Self::known), read without its lock.
    best: AtomicU64,
    known: Mutex<Option<Known>>,
    /// (operation, probe label) pairs left out after a stall.
    left_out: Mutex<HashSet<(usize, String)>>,
    any_left_out: AtomicBool,
    /// Health requests sent.
    pub(crate) requests: AtomicU64,
    /// Stalls noticed.
    pub(crate) stalls: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// Whether a failure may mean the target stopped answering: a timeout, or
/// no connection.
pub(crate) fn counts(kind: FailureKind) -> bool {
    matches!(kind, FailureKind::Timeout | FailureKind::Connect)
}

impl Health {
    /// A monitor that waits up to `recovery_timeout` for a stalled target.
    pub(crate) fn new(recovery_timeout: Duration) -> Health {
        Health {
            recovery_timeout,
            busy: AtomicBool::new(false),
            changed: Notify::new(),
            state: Mutex::new(State::default()),
            flights: (0..FLIGHT_SHARDS).map(|_| Mutex::new(Vec::new())).collect(),
            next_id: AtomicU64::new(0),
            best: AtomicU64::new(u64::MAX),
            known: Mutex::new(None),
            left_out: Mutex::new(HashSet::new()),
            any_left_out: AtomicBool::new(false),
            requests: AtomicU64::new(0),
            stalls: AtomicU64::new(0),
        }
    }

    /// Whether probes of `kind` on `operation` are left out after a stall.
    pub(crate) fn left_out(&self, operation: usize, kind: &ProbeKind) -> bool {
        self.any_left_out.load(Ordering::Relaxed)
            && lock(&self.left_out).contains(&(operation, kind.label()))
    }

    /// Waits while an episode runs. False when the scan stops meanwhile.
    pub(crate) async fn ready(&self, shared: &Shared) -> bool {
        loop {
            if !self.busy.load(Ordering::Acquire) {
                return true;
            }
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if !self.busy.load(Ordering::Acquire) {
                return true;
            }
            tokio::select! {
                _ = changed => {}
                _ = shared.stop.wait() => return false,
            }
        }
    }

    /// `request` goes out now.
    pub(crate) fn depart(&self, origin: Option<Origin<'_>>, request: &Request) -> Aboard<'_> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let flight = Flight {
            id,
            origin: origin.map(|o| (o.operation, o.kind.clone())),
            method: request.method,
            path: request.path.clone(),
            bytes: request.path.len()
                + request.query.len()
                + request.body.as_ref().map_or(0, |b| b.bytes.len()),
            started: Instant::now(),
        };
        lock(self.shard(id)).push(flight);
        Aboard {
            health: self,
            id,
            landed: false,
        }
    }

    /// The list of in-flight requests that holds flight `id`.
    fn shard(&self, id: u64) -> &Mutex<Vec<Flight>> {
        // FLIGHT_SHARDS is small: the remainder fits any usize
        &self.flights[(id % FLIGHT_SHARDS as u64) as usize]
    }

    /// Takes the flight `id` off the list.
    fn remove(&self, id: u64) -> Option<Flight> {
        let mut flights = lock(self.shard(id));
        let i = flights.iter().position(|f| f.id == id)?;
        Some(flights.swap_remove(i))
    }

    /// The target answered `exchange`: its request becomes the health
    /// request when it is a GET without a body, answered below 500 within
    /// [`QUICK`] (a quarter of `timeout` at most), cheaper than the one
    /// known (2xx first, then fewer bytes, then sooner).
    pub(crate) fn answered(
        &self,
        exchange: &Exchange,
        origin: Option<Origin<'_>>,
        timeout: Duration,
    ) {
        let Outcome::Response(r) = &exchange.outcome else {
            return;
        };
        let sent = &exchange.request;
        let Some(origin) = origin else { return };
        if r.status >= 500
            || !matches!(sent.request.method, Method::Get)
            || sent.request.body.is_some()
            || exchange.elapsed > QUICK.min(timeout / 4)
        {
            return;
        }
        let bytes = (r.body.len() + sent.url.len()).min(1 << 40) as u64;
        let ms = u64::try_from(exchange.elapsed.as_millis())
            .unwrap_or(u64::MAX)
            .min((1 << 20) - 1);
        let mut cost = (bytes << 20) | ms;
        if !(200..300).contains(&r.status) {
            cost |= NOT_2XX;
        }
        if cost >= self.best.load(Ordering::Relaxed) {
            return;
        }
        let mut known = lock(&self.known);
        if known.as_ref().is_some_and(|k| k.cost <= cost) {
            return;
        }
        *known = Some(Known {
            url: sent.url.clone(),
            request: sent.request.clone(),
            operation: origin.operation,
            cost,
        });
        self.best.store(cost, Ordering::Relaxed);
    }

    /// After `flight` failed with `exchange` (a failure that [`counts`]):
    /// begins an episode or joins the one that runs, and says what to do
    /// with the request.
    pub(crate) async fn failed(
        &self,
        shared: &Shared,
        flight: Flight,
        exchange: &Exchange,
    ) -> After {
        if self.best.load(Ordering::Relaxed) == u64::MAX {
            // nothing answered quickly yet: nothing to tell a stall by
            return After::Judge;
        }
        let waiting_for = {
            let mut state = lock(&self.state);
            if state.recovered_at.is_some_and(|t| flight.started < t) {
                // sent before a stall ended: it failed with the stall
                drop(state);
                return self.after_stall(&flight);
            }
            match state.episode.as_mut() {
                Some(failures) => {
                    failures.push(Failed {
                        flight: flight.clone(),
                        exchange: exchange.clone(),
                    });
                    Some(state.ended)
                }
                None => {
                    state.episode = Some(vec![Failed {
                        flight: flight.clone(),
                        exchange: exchange.clone(),
                    }]);
                    self.busy.store(true, Ordering::Release);
                    None
                }
            }
        };
        let ending = match waiting_for {
            Some(ended) => self.outcome(shared, ended).await,
            None => {
                let ending = self.episode(shared).await;
                {
                    let mut state = lock(&self.state);
                    state.episode = None;
                    state.ended += 1;
                    state.last = Some(ending);
                    if ending == Ending::Recovered {
                        state.recovered_at = Some(Instant::now());
                    }
                    self.busy.store(false, Ordering::Release);
                }
                self.changed.notify_waiters();
                Some(ending)
            }
        };
        let culprit = lock(&self.state).culprit == Some(flight.id);
        match ending {
            Some(Ending::Answered) => After::Judge,
            // the request the target stalled on: named in a finding
            Some(Ending::Recovered | Ending::Lost) if culprit => After::Spared,
            Some(Ending::Recovered) => self.after_stall(&flight),
            Some(Ending::Lost) | None => After::Stopping,
        }
    }

    /// A request that failed with a stall: left out when its probe kind
    /// is, else sent again.
    fn after_stall(&self, flight: &Flight) -> After {
        match &flight.origin {
            Some((operation, kind)) if self.left_out(*operation, kind) => After::Spared,
            _ => After::Resend,
        }
    }

    /// Waits for the end of the episode after `ended` ended; `None` when the
    /// scan stops first.
    async fn outcome(&self, shared: &Shared, ended: u64) -> Option<Ending> {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            {
                let state = lock(&self.state);
                if state.ended != ended {
                    return state.last;
                }
            }
            tokio::select! {
                _ = changed => {}
                _ = shared.stop.wait() => return None,
            }
        }
    }

    /// Sends the health request once (bounded by `limit`); `Err` says why
    /// it was not answered.
    async fn check(&self, shared: &Shared, limit: Duration) -> Result<(), String> {
        let Some(known) = lock(&self.known).clone() else {
            return Ok(());
        };
        let Some(op) = shared.api.operations.get(known.operation) else {
            return Ok(());
        };
        self.requests.fetch_add(1, Ordering::Relaxed);
        let exchange = tokio::select! {
            e = tokio::time::timeout(limit, shared.client.send(known.url, known.request)) => match e {
                Ok(exchange) => exchange,
                Err(_) => return Err(format!("no answer within {} ms", limit.as_millis())),
            },
            _ = shared.stop.wait() => return Err("the scan stopped".to_owned()),
        };
        shared.observer.on_event(&Event::Exchange {
            operation: op,
            probe: &HEALTH_PROBE,
            exchange: &exchange,
        });
        match &exchange.outcome {
            Outcome::Response(r) if !(502..=504).contains(&r.status) => Ok(()),
            Outcome::Response(r) => Err(format!("answered {}", r.status)),
            Outcome::Failed(f) => Err(f.message.clone()),
        }
    }

    /// Runs one episode: the health request, and when it fails, the stall.
    async fn episode(&self, shared: &Shared) -> Ending {
        let timeout = shared.client.options().timeout.min(HEALTH_TIMEOUT);
        let why = match self.check(shared, timeout).await {
            Ok(()) => return Ending::Answered,
            Err(why) => why,
        };
        if shared.stop.is_set() {
            return Ending::Lost;
        }
        self.stalls.fetch_add(1, Ordering::Relaxed);
        let noticed = Instant::now();
        let (first, culprit) = self.name_stall(shared, &why);
        let since = |now: Instant| now.saturating_duration_since(first);
        shared.observer.on_event(&Event::Stalled {
            since: since(Instant::now()),
            last_request: &culprit,
        });
        let deadline = noticed + self.recovery_timeout;
        let mut pause = FIRST_PAUSE;
        loop {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            tokio::select! {
                _ = tokio::time::sleep(pause.min(deadline - now)) => {}
                _ = shared.stop.wait() => return Ending::Lost,
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            if self.check(shared, timeout.min(left)).await.is_ok() {
                shared.observer.on_event(&Event::Recovered {
                    after: since(Instant::now()),
                });
                return Ending::Recovered;
            }
            if shared.stop.is_set() {
                return Ending::Lost;
            }
            shared.observer.on_event(&Event::Stalled {
                since: since(Instant::now()),
                last_request: &culprit,
            });
            pause = (pause * 2).min(LONGEST_PAUSE);
        }
        shared.stop.request(StopReason::TargetLost(format!(
            "{} stopped answering {} s ago, after {culprit}, and did not answer again within the recovery timeout ({} s, --recovery-timeout)",
            shared.options.base_url,
            since(Instant::now()).as_secs(),
            self.recovery_timeout.as_secs_f64()
        )));
        Ending::Lost
    }

    /// The stall is certain: names the request it is on in a
    /// `denial_of_service` finding (when the check is selected) and leaves
    /// its operation's probes of its kind out. Returns when that request
    /// went out and how it reads.
    ///
    /// That request is the failure with a connection that went out first,
    /// or, among those that went out within [`SAME_MOMENT`] of it (the
    /// server may have taken them in either order), the largest. A stall
    /// that begins soon after another ended (within twice the client's
    /// timeout) is named in no finding: the server is most likely still at
    /// the work of requests whose clients gave up.
    fn name_stall(&self, shared: &Shared, why: &str) -> (Instant, String) {
        let (culprit, others) = {
            let mut state = lock(&self.state);
            let Some(failures) = state.episode.as_ref() else {
                return (Instant::now(), "an unknown request".to_owned());
            };
            // a request that never had a connection cannot have stalled the
            // server (one whose handshake waited behind a full backlog may
            // have gone out before the culprit)
            let reached: Vec<&Failed> = failures.iter().filter(|f| connected(f)).collect();
            let suspects = if reached.is_empty() {
                failures.iter().collect()
            } else {
                reached
            };
            let Some(first) = suspects.iter().map(|f| f.flight.started).min() else {
                return (Instant::now(), "an unknown request".to_owned());
            };
            let Some(culprit) = suspects
                .into_iter()
                .filter(|f| f.flight.started <= first + SAME_MOMENT)
                .max_by_key(|f| (f.flight.bytes, std::cmp::Reverse(f.flight.started)))
            else {
                return (Instant::now(), "an unknown request".to_owned());
            };
            let mut rest: Vec<&Failed> = failures
                .iter()
                .filter(|f| f.flight.id != culprit.flight.id)
                .collect();
            rest.sort_by_key(|f| f.flight.started);
            let mut others: Vec<String> = rest.iter().map(|f| f.flight.describe()).collect();
            let mut aloft: Vec<(Instant, String)> = Vec::new();
            for shard in &self.flights {
                aloft.extend(lock(shard).iter().map(|f| (f.started, f.describe())));
            }
            aloft.sort_by_key(|(started, _)| *started);
            others.extend(aloft.into_iter().map(|(_, d)| d));
            let culprit = (culprit.flight.clone(), culprit.exchange.clone());
            state.culprit = Some(culprit.0.id);
            (culprit, others)
        };
        let (flight, exchange) = culprit;
        let described = flight.describe();
        let aftershock = lock(&self.state)
            .recovered_at
            .is_some_and(|t| flight.started < t + shared.client.options().timeout * 2);
        if aftershock {
            // soon after a stall ended: the server is most likely still
            // busy with requests its clients gave up on (the stall goes on)
            return (flight.started, described);
        }
        let Some((operation, kind)) = &flight.origin else {
            return (flight.started, described);
        };
        lock(&self.left_out).insert((*operation, kind.label()));
        self.any_left_out.store(true, Ordering::Relaxed);
        let health = lock(&self.known)
            .as_ref()
            .map(|k| format!("{} {}", k.request.method.as_str(), k.request.path))
            .unwrap_or_default();
        let failure = exchange
            .failure()
            .map(|f| f.message.clone())
            .unwrap_or_default();
        let mut named: Vec<String> = others.iter().take(NAMED).cloned().collect();
        if others.len() > NAMED {
            named.push(format!("{} more", others.len() - NAMED));
        }
        let in_flight = if named.is_empty() {
            "nothing".to_owned()
        } else {
            named.join(", ")
        };
        let evidence = format!(
            "no response to this request ({failure}); then the health request {health}, which the target had answered quickly, was not answered either ({why}): the target stopped answering. In flight or failing with it: {in_flight}. Probes of this kind on this operation were left out for the rest of the scan."
        );
        let Some(check) = shared.judge.checks().iter().find(|c| c.name == CHECK) else {
            return (flight.started, described);
        };
        let Some(op) = shared.api.operations.get(*operation) else {
            return (flight.started, described);
        };
        let verdict = Verdict {
            title: "The target stopped answering after this request".to_owned(),
            evidence,
            signature: "stall".to_owned(),
            confidence: Confidence::Confirmed,
            proof: vec![
                ProofItem::new("health_request", health),
                ProofItem::new("in_flight", in_flight),
                ProofItem::new(
                    "timeout_ms",
                    shared.client.options().timeout.as_millis().to_string(),
                ),
            ],
        };
        let mut finding = Finding::new(check, verdict, op, kind, &exchange);
        shared.options.rate(&mut finding);
        let new = {
            let mut set = lock(&shared.findings);
            if set.seen(&finding.id) {
                false
            } else {
                set.insert(finding.clone());
                true
            }
        };
        if new {
            shared.observer.on_event(&Event::Finding(&finding));
        }
        (flight.started, described)
    }
}
