//! The active phase: after the plan, each active probe (src/probes/active/)
//! runs once per operation it applies to, in a [`Session`] that sends
//! several requests derived from one valid case of the operation (a
//! baseline, a true and a false condition, a repeated delay, a callback),
//! sees every exchange and reports verdicts. Requests go through the scan's
//! one sending path (credentials, budgets, rate limit, 429 pauses, stop
//! signal); exchanges and findings are the scan's events and findings.

use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use super::event::Event;
use super::scan::{Shared, send_with, with_operation_headers};
use crate::checks::{Finding, Scope, Verdict, fingerprint};
use crate::generate::{
    Case, CaseGenerator, Direction, Intent, Options, Request, Seeded, Slot, Source, Values,
    serialise,
};
use crate::http::CallbackServer;
use crate::http::Exchange;
use crate::identity::Account;
use crate::identity::Credential;
use crate::identity::NamedIdentity;
use crate::model::{Api, Operation, ParameterLocation, SchemaId, Schemas, Types};
use crate::probes::active::{ActiveProbe, Profile};
use crate::probes::{ProbeKind, Resources};

/// Requests one session may send at most (a runaway probe cannot flood the target).
const SESSION_REQUESTS: u32 = 400;
/// Sessions run at once, at most (fewer than the plan's workers: timings stay readable).
const ACTIVE_WORKERS: usize = 8;

/// Whose credentials a request carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// The scan's credentials (`--bearer`, `--api-key`, `-H`, ...).
    Scan,
    /// None at all.
    Anonymous,
    /// These instead of the scan's (another user, a forged token).
    With(Vec<Credential>),
}

/// One value of the session's valid case that a probe may replace: a
/// parameter, or a leaf of a JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueSlot {
    /// Where it sits (location, parameter name or media type, JSON pointer).
    pub slot: Slot,
    /// The parameter's index in `operation.parameters`; `None` for the body.
    pub parameter: Option<usize>,
    /// The value's schema, when the spec gives one.
    pub schema: Option<SchemaId>,
    /// The valid value it holds.
    pub value: Value,
}

impl ValueSlot {
    /// The name users know it by: the parameter name, or the body property
    /// (the last segment of the pointer).
    pub fn name(&self) -> &str {
        if self.parameter.is_some() || self.slot.pointer.is_empty() {
            return &self.slot.name;
        }
        self.slot.pointer.rsplit('/').next().unwrap_or("")
    }

    /// `query q`, `body /url`: where it is, for titles and proofs.
    pub fn label(&self) -> String {
        if self.parameter.is_some() {
            format!("{} parameter {:?}", self.slot.location, self.slot.name)
        } else if self.slot.pointer.is_empty() {
            "the body".to_owned()
        } else {
            format!("body field {}", self.slot.pointer)
        }
    }

    /// Whether a string may go there (its schema allows strings, or it holds one).
    pub fn takes_string(&self, schemas: &Schemas) -> bool {
        self.value.is_string()
            || self
                .schema
                .is_some_and(|id| schemas.get(id).allows_type(Types::String))
    }
}

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
        }
    }
}

/// What an active probe works with: one operation, a valid case of it, and
/// a way to send requests derived from it and report what they show.
pub struct Session<'a> {
    shared: &'a Shared,
    phase: &'a Phase,
    op: &'a Operation,
    index: usize,
    probe: &'static ActiveProbe,
    kind: ProbeKind,
    cases: CaseGenerator<'a>,
    base: Case,
    rng: Seeded,
    sent: u32,
    reported: u32,
    limited: bool,
}

impl<'a> Session<'a> {
    /// The API.
    pub fn api(&self) -> &'a Api {
        &self.shared.api
    }

    /// The operation under test.
    pub fn operation(&self) -> &'a Operation {
        self.op
    }

    /// The operation's index in `api.operations`.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The scan's profile.
    pub fn profile(&self) -> Profile {
        self.phase.profile
    }

    /// The scan's credentials (`--bearer`, `--basic`, `--api-key`, `-H`, `--login`).
    pub fn credentials(&self) -> &'a [Credential] {
        &self.shared.options.credentials
    }

    /// The account `--login` signed in with, if any.
    pub fn account(&self) -> Option<&'a Account> {
        self.shared.options.account.as_ref()
    }

    /// The valid case every derived request starts from (every parameter
    /// the operation declares is filled, and the body when it has one).
    pub fn base(&self) -> &Case {
        &self.base
    }

    /// The base case's request.
    pub fn base_request(&self) -> &Request {
        &self.base.request
    }

    /// Every value of the base case a probe may replace: each parameter,
    /// then each leaf (string, number, boolean) of a JSON body.
    pub fn slots(&self) -> Vec<ValueSlot> {
        let op = self.op;
        let mut out = Vec::new();
        for (i, p) in op.parameters.iter().enumerate() {
            let Some(Some(v)) = self.base.values.parameters.get(i) else {
                continue;
            };
            out.push(ValueSlot {
                slot: Slot {
                    location: p.location.as_str(),
                    name: p.name.clone(),
                    pointer: String::new(),
                },
                parameter: Some(i),
                schema: p.schema,
                value: v.clone(),
            });
        }
        if let (Some(body), Some((i, value))) = (&op.body, &self.base.values.body)
            && let Some(media) = body.content.get(*i)
        {
            let mut leaves = Vec::new();
            leaves_of(value, String::new(), &mut leaves);
            for (pointer, v) in leaves {
                let schema = media
                    .schema
                    .and_then(|root| schema_at(&self.shared.api.schemas, root, &pointer));
                out.push(ValueSlot {
                    slot: Slot {
                        location: "body",
                        name: media.media_type.clone(),
                        pointer,
                    },
                    parameter: None,
                    schema,
                    value: v,
                });
            }
        }
        out
    }

    /// The slots a string payload can go into, at most as many as the
    /// profile allows per operation (path parameters first: they are the
    /// most often injectable).
    pub fn string_slots(&self) -> Vec<ValueSlot> {
        let schemas = &self.shared.api.schemas;
        let mut slots: Vec<ValueSlot> = self
            .slots()
            .into_iter()
            .filter(|s| s.takes_string(schemas))
            // headers the scan's credentials overwrite carry nothing of ours
            .filter(|s| {
                s.parameter.is_none()
                    || !self
                        .shared
                        .options
                        .credentials
                        .iter()
                        .any(|c| c.name.eq_ignore_ascii_case(&s.slot.name))
            })
            .collect();
        slots.sort_by_key(|s| match s.slot.location {
            "path" => 0,
            "query" => 1,
            "body" => 2,
            _ => 3,
        });
        slots.truncate(self.phase.profile.slots_per_operation());
        slots
    }

    /// The base case's values (to change several at once and [`request_from`](Self::request_from)).
    pub fn values(&self) -> &Values {
        &self.base.values
    }

    /// The base case's values with `slot` set to `value`.
    pub fn values_with(&self, slot: &ValueSlot, value: Value) -> Values {
        let mut values = self.base.values.clone();
        match slot.parameter {
            Some(i) => {
                if let Some(v) = values.parameters.get_mut(i) {
                    *v = Some(value);
                }
            }
            None => {
                if let Some((_, body)) = values.body.as_mut() {
                    if slot.slot.pointer.is_empty() {
                        *body = value;
                    } else if let Some(leaf) = body.pointer_mut(&slot.slot.pointer) {
                        *leaf = value;
                    }
                }
            }
        }
        values
    }

    /// The base request with `slot` set to `value`, serialised; `None` when
    /// the value cannot travel there (a line break in a header).
    pub fn request_with(&self, slot: &ValueSlot, value: Value) -> Option<Request> {
        self.request_from(&self.values_with(slot, value))
    }

    /// A request from `values` (for this operation), serialised.
    pub fn request_from(&self, values: &Values) -> Option<Request> {
        serialise(&self.shared.api, self.op, values).ok()
    }

    /// Another valid set of values for the operation (every parameter
    /// filled, a body), e.g. for a second create that must not collide with
    /// the base case.
    pub fn fresh_values(&mut self) -> Option<Values> {
        base_case(&mut self.cases, &self.shared.api, self.op, &mut self.rng).map(|c| c.values)
    }

    /// Another valid value for `slot` (for a control request), different
    /// from its base value where the schema allows.
    pub fn benign(&mut self, slot: &ValueSlot) -> Value {
        for _ in 0..4 {
            let v = match slot.schema {
                Some(id) => self
                    .cases
                    .values()
                    .positive(id, Direction::Request, &mut self.rng),
                None => Value::String(self.canary(8)),
            };
            if v != slot.value {
                return v;
            }
        }
        slot.value.clone()
    }

    /// A random lower-case alphanumeric string of `len` characters starting
    /// with a letter, drawn from the scan's seed (runs are reproducible).
    pub fn canary(&mut self, len: usize) -> String {
        const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
        const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        (0..len.max(1))
            .map(|i| {
                let set = if i == 0 { LETTERS } else { ALNUM };
                set[self.rng.index(set.len())] as char
            })
            .collect()
    }

    /// A random number in `lo..=hi`, drawn from the scan's seed.
    pub fn number(&mut self, lo: u64, hi: u64) -> u64 {
        let span = hi.saturating_sub(lo).saturating_add(1);
        lo + self.rng.below(span.max(1))
    }

    /// Takes one trial from the scan's budget of time-based trials; false
    /// when the profile allows none or the budget is spent.
    pub fn take_time_budget(&self) -> bool {
        self.phase
            .timed_left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_ok()
    }

    /// The longest a single request may take before the client gives up.
    pub fn timeout(&self) -> Duration {
        self.shared.client.options().timeout
    }

    /// The callback listener, when the scan runs one.
    pub fn callback(&self) -> Option<&'a CallbackServer> {
        self.phase.callback.as_ref()
    }

    /// Sends `request` with the scan's credentials.
    pub async fn send(&mut self, request: &Request) -> Option<Exchange> {
        self.send_as(request, &Identity::Scan).await
    }

    /// Sends `request` as `identity`, through the scan's sending path; the
    /// exchange is an event of the scan. `None` when the scan is stopping,
    /// the session has sent its share, or the target answered 429 before
    /// (a session does not wait out rate limits: the 429 exchange itself is
    /// returned once, and the session ends).
    pub async fn send_as(&mut self, request: &Request, identity: &Identity) -> Option<Exchange> {
        if self.limited {
            return None;
        }
        let exchange = self.dispatch(self.index, request, identity).await?;
        if exchange.response().is_some_and(|r| r.status == 429) {
            self.limited = true;
        }
        Some(exchange)
    }

    /// The one sending step of a session: the session's cap, the per-operation
    /// headers, the scan's sending path, and the exchange as an event of
    /// `operation`.
    async fn dispatch(
        &mut self,
        operation: usize,
        request: &Request,
        identity: &Identity,
    ) -> Option<Exchange> {
        let shared = self.shared;
        let op = shared.api.operations.get(operation)?;
        if self.sent >= SESSION_REQUESTS || shared.stop.is_set() {
            return None;
        }
        self.sent += 1;
        self.phase.requests.fetch_add(1, Ordering::Relaxed);
        let request = &with_operation_headers(shared, operation, request);
        let exchange = send_with(shared, request, self.credentials_of(identity), 0).await?;
        shared.observer.on_event(&Event::Exchange {
            operation: op,
            probe: &self.kind,
            exchange: &exchange,
        });
        Some(exchange)
    }

    /// The credentials `identity` stands for.
    fn credentials_of<'i>(&self, identity: &'i Identity) -> &'i [Credential]
    where
        'a: 'i,
    {
        let shared: &'a Shared = self.shared;
        match identity {
            Identity::Scan => &shared.options.credentials,
            Identity::Anonymous => &[],
            Identity::With(c) => c,
        }
    }

    /// Whether the scan is stopping (Ctrl-C, a budget) or the session was
    /// rate limited: probes should return.
    pub fn stopping(&self) -> bool {
        self.limited || self.shared.stop.is_set()
    }

    /// Records a finding of this probe's check with `exchange` as the
    /// request and response that show it. False when the same finding
    /// (operation, check, signature) was already known.
    pub fn report(&mut self, verdict: Verdict, exchange: &Exchange) -> bool {
        let Some(check) = crate::checks::find(self.probe.check) else {
            return false;
        };
        let subject = match check.scope {
            Scope::Operation => self.op.id.as_str(),
            Scope::Target => "",
        };
        let id = fingerprint(subject, check.name, &verdict.signature);
        let finding = {
            let mut set = match self.shared.findings.lock() {
                Ok(g) => g,
                Err(poisoned) => poisoned.into_inner(),
            };
            if set.seen(&id) {
                return false;
            }
            let finding = Finding::new(check, verdict, self.op, &self.kind, exchange);
            set.insert(finding.clone());
            finding
        };
        self.reported += 1;
        self.shared.observer.on_event(&Event::Finding(&finding));
        true
    }

    /// The named identities of the scan (`--identity`), besides its own credentials.
    pub fn identities(&self) -> &'a [NamedIdentity] {
        &self.shared.options.identities
    }

    /// Which operations produce the ids others consume.
    pub fn resources(&self) -> &'a Resources {
        &self.phase.resources
    }

    /// A valid case of another operation (index in `api.operations`), with
    /// every parameter filled and its body present, from the session's seed.
    pub fn case_of(&mut self, operation: usize) -> Option<Case> {
        let api: &'a Api = &self.shared.api;
        let op = api.operations.get(operation)?;
        base_case(&mut self.cases, api, op, &mut self.rng)
    }

    /// A request of another operation from `values`, serialised.
    pub fn request_of(&self, operation: usize, values: &Values) -> Option<Request> {
        let op = self.shared.api.operations.get(operation)?;
        serialise(&self.shared.api, op, values).ok()
    }

    /// Sends a request of another operation as `identity` (a step of a
    /// sequence: creating, reading back, deleting); the exchange is an event
    /// of that operation.
    pub async fn send_to(
        &mut self,
        operation: usize,
        request: &Request,
        identity: &Identity,
    ) -> Option<Exchange> {
        self.dispatch(operation, request, identity).await
    }

    /// Remembers a resource the session created: `delete` (sent as
    /// `identity`) removes it when the scan ends, unless `--no-cleanup`.
    pub fn created(&self, delete: Request, identity: &Identity) {
        let credentials = self.credentials_of(identity).to_vec();
        if let Ok(mut list) = self.phase.created.lock() {
            list.push(Created {
                delete,
                credentials,
            });
        }
    }

    /// How many findings this session reported.
    pub fn reported(&self) -> u32 {
        self.reported
    }
}

/// Every leaf of a JSON value with its pointer (objects and arrays walked).
fn leaves_of(v: &Value, at: String, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                leaves_of(item, format!("{at}/{i}"), out);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                leaves_of(
                    item,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Null => {}
        leaf => out.push((at, leaf.clone())),
    }
}

/// The schema of the value at `pointer` inside a value of schema `root`
/// (properties and items followed; composed schemas are not searched).
fn schema_at(schemas: &Schemas, root: SchemaId, pointer: &str) -> Option<SchemaId> {
    let mut id = root;
    for raw in pointer.split('/').skip(1) {
        let key = raw.replace("~1", "/").replace("~0", "~");
        let s = schemas.get(id);
        id = match s.properties.get(&key) {
            Some(child) => *child,
            None => match (s.items, key.parse::<usize>()) {
                (Some(items), Ok(_)) => items,
                _ => return None,
            },
        };
    }
    Some(id)
}

/// A seed for one session, from the scan's seed, the operation and the probe.
fn session_seed(seed: u64, operation: usize, check: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    eat(&seed.to_le_bytes());
    eat(&(operation as u64).to_le_bytes());
    eat(b"active:");
    eat(check.as_bytes());
    h
}

/// The valid case a session starts from: a positive case with every
/// parameter filled and the body present, or `None` when the operation
/// cannot be given one.
pub(crate) fn base_case(
    cases: &mut CaseGenerator<'_>,
    api: &Api,
    op: &Operation,
    src: &mut Seeded,
) -> Option<Case> {
    let mut case = cases.case(op, Intent::Positive, src).ok().flatten()?;
    let mut values = case.values.clone();
    for (i, p) in op.parameters.iter().enumerate() {
        if values.parameters.get(i).is_some_and(Option::is_none)
            && p.location != ParameterLocation::Cookie
        {
            let v = match p.schema {
                Some(id) => cases.values().positive(id, Direction::Request, src),
                None => Value::String("apiprobe".into()),
            };
            values.parameters[i] = Some(v);
        }
    }
    if values.body.is_none()
        && let Some(body) = &op.body
        && let Some(media) = body.content.first()
    {
        let v = match media.schema {
            Some(id) => cases.values().positive(id, Direction::Request, src),
            None => Value::Object(Default::default()),
        };
        values.body = Some((0, v));
    }
    if let Ok(request) = serialise(api, op, &values) {
        case.values = values;
        case.request = request;
    }
    Some(case)
}

/// Runs every selected active probe on every operation of the plan.
pub(crate) async fn run(shared: &Arc<Shared>, operations: Vec<usize>, phase: Arc<Phase>) {
    let selected: Vec<&'static ActiveProbe> = crate::probes::active::all()
        .filter(|p| shared.judge.checks().iter().any(|c| c.name == p.check))
        .collect();
    let mut tasks: Vec<(usize, &'static ActiveProbe)> = Vec::new();
    for &i in &operations {
        let Some(op) = shared.api.operations.get(i) else {
            continue;
        };
        for &p in &selected {
            if (p.applies)(&shared.api, op, phase.profile) {
                tasks.push((i, p));
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
                    let Some(&(i, probe)) = tasks.get(next.fetch_add(1, Ordering::Relaxed)) else {
                        return;
                    };
                    run_one(&shared, &phase, i, probe).await;
                }
            })
        })
        .collect();
    for h in handles {
        // a probe that panicked loses only its own session
        let _ = h.await;
    }
}

async fn run_one(shared: &Shared, phase: &Phase, index: usize, probe: &'static ActiveProbe) {
    let Some(op) = shared.api.operations.get(index) else {
        return;
    };
    let mut cases = CaseGenerator::new(&shared.api, Options::default(), &shared.payloads);
    let mut rng = Seeded::new(session_seed(shared.options.seed, index, probe.check));
    let Some(base) = base_case(&mut cases, &shared.api, op, &mut rng) else {
        return;
    };
    let mut session = Session {
        shared,
        phase,
        op,
        index,
        probe,
        kind: ProbeKind::Active(probe.check),
        cases,
        base,
        rng,
        sent: 0,
        reported: 0,
        limited: false,
    };
    (probe.run)(&mut session).await;
}
