//! [`Session`]: what an active probe works with. One operation, a valid
//! case of it, and a way to send requests derived from it (through the
//! scan's [`Port`]) and report what they show.

use std::time::Duration;

use serde_json::Value;

use super::port::Port;
use crate::checks::{Check, Finding, Severity, Verdict};
use crate::generate::{
    Case, CaseGenerator, Direction, Intent, Options, Payloads, Seed, Seeded, Slot, Source, Values,
    serialise,
};
use crate::http::{CallbackServer, Exchange, Request};
use crate::identity::{Account, Credential, NamedIdentity, TokenUse};
use crate::model::{Api, Method, Operation, ParameterLocation, SchemaId, Schemas, Types};
use crate::probes::{Discovery, ProbeKind, Profile, Resources};

/// Requests one session may send at most (a runaway probe cannot flood the target).
const SESSION_REQUESTS: u32 = 400;

/// Candidate bases sent at most while settling an operation's base.
const BASE_TRIES: usize = 10;

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

/// What an active probe works with: one operation, a valid case of it, and
/// a way to send requests derived from it and report what they show.
pub struct Session<'a> {
    port: &'a dyn Port,
    op: &'a Operation,
    index: usize,
    check: &'static Check,
    kind: ProbeKind,
    cases: CaseGenerator<'a>,
    base: Case,
    /// The full base while [`isolate`](Session::isolate) narrows it.
    wide: Option<Case>,
    rng: Seeded,
    sent: u32,
    cap: u32,
    reported: u32,
    limited: bool,
}

impl<'a> Session<'a> {
    /// A session of `check`'s probe on operation `index` of the port's API,
    /// its random choices drawn from `seed`; `None` when the operation
    /// cannot be given a valid case (or `check` is not active). It starts
    /// from the operation's settled base when there is one, else from the
    /// operation's maximal case (every optional parameter and property
    /// present and non-null, values the field names hint at), drawn from
    /// the scan's seed and the operation alone; [`settle`](Self::settle)
    /// looks for one the target accepts.
    pub fn new(port: &'a dyn Port, index: usize, check: &'static Check, seed: u64) -> Option<Self> {
        let api = port.api();
        let op = api.operations.get(index)?;
        check.probe()?;
        let hinted = Options {
            hints: true,
            ..Options::default()
        };
        let cases = CaseGenerator::new(api, hinted, port.payloads());
        let rng = Seeded::new(seed);
        let settled = port
            .bases()
            .settled(index)
            .and_then(|cell| cell.get())
            .cloned()
            .flatten();
        let base = match settled {
            Some(case) => case,
            None => maximal_case(api, port.payloads(), op, base_seed(port, index, 0), true)?,
        };
        Some(Session {
            port,
            op,
            index,
            check,
            kind: ProbeKind::Active(check.name),
            cases,
            base,
            rng,
            sent: 0,
            cap: SESSION_REQUESTS,
            reported: 0,
            limited: false,
            wide: None,
        })
    }

    /// The API.
    pub fn api(&self) -> &'a Api {
        self.port.api()
    }

    /// The scan this session sends through.
    pub(super) fn port(&self) -> &'a dyn Port {
        self.port
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
        self.port.profile()
    }

    /// The scan's credentials (`--bearer`, `--basic`, `--api-key`, `-H`, `--login`).
    pub fn credentials(&self) -> &'a [Credential] {
        self.port.credentials()
    }

    /// The account `--login` signed in with, if any.
    pub fn account(&self) -> Option<&'a Account> {
        self.port.account()
    }

    /// Where sign-in answers hold the credential they issue: the scan's
    /// own sign-in's locator (`--token-from`), else a login identity's,
    /// else the default (`auto`).
    pub fn token_use(&self) -> TokenUse {
        let port: &'a dyn Port = self.port;
        port.token_use()
            .or_else(|| {
                port.identities()
                    .iter()
                    .find(|i| i.account.is_some())
                    .map(|i| &i.token)
            })
            .cloned()
            .unwrap_or_default()
    }

    /// Settles the operation's base case, once for all its sessions: the
    /// maximal case when the target answers it with 2xx, else the first
    /// of further candidates that it does (a case the target accepted
    /// earlier in the scan, completed with the maximal case's fields; digit
    /// strings in plain string fields; other seeds' maximal cases; the
    /// accepted cases as they were), at most ten requests; the maximal case
    /// when none is accepted. A DELETE is not sent for it.
    pub async fn settle(&mut self) {
        let port: &'a dyn Port = self.port;
        let Some(cell) = port.bases().settled(self.index) else {
            return;
        };
        let settled = cell.get_or_init(|| self.find_base()).await;
        if let Some(case) = settled {
            self.base = case.clone();
        }
    }

    /// The first candidate base the target answers with 2xx (see [`settle`](Self::settle)).
    async fn find_base(&mut self) -> Option<Case> {
        let port: &'a dyn Port = self.port;
        let api = port.api();
        let op = self.op;
        let first = maximal_case(
            api,
            port.payloads(),
            op,
            base_seed(port, self.index, 0),
            true,
        )?;
        if op.method == Method::Delete {
            return Some(first);
        }
        let accepted = port.bases().accepted(self.index);
        let mut candidates: Vec<Values> = vec![first.values.clone()];
        for case in &accepted {
            let mut values = case.values.clone();
            complete(&mut values, &first.values);
            candidates.push(values);
        }
        let mut generator = CaseGenerator::new(api, Options::default(), port.payloads());
        let mut digits = first.values.clone();
        let mut src = Seeded::new(base_seed(port, self.index, 1));
        for slot in slots_of(api, op, &first.values) {
            if let Some(v) = slot
                .schema
                .and_then(|id| generator.values().digits(id, &mut src))
            {
                digits = with_value(&digits, &slot, v);
            }
        }
        candidates.push(digits);
        for (n, hints) in [(0, false), (2, true), (3, true)] {
            if let Some(c) = maximal_case(
                api,
                port.payloads(),
                op,
                base_seed(port, self.index, n),
                hints,
            ) {
                candidates.push(c.values);
            }
        }
        candidates.extend(accepted.into_iter().map(|c| c.values));
        let mut tried: Vec<Values> = Vec::new();
        for values in candidates {
            if tried.len() >= BASE_TRIES || self.stopping() {
                break;
            }
            if tried.contains(&values) {
                continue;
            }
            let Ok(request) = serialise(api, op, &values) else {
                continue;
            };
            tried.push(values.clone());
            let Some(exchange) = self.send(&request).await else {
                break;
            };
            let Some(status) = exchange.response().map(|r| r.status) else {
                break;
            };
            if (200..300).contains(&status) {
                return Some(Case {
                    values,
                    request,
                    ..first
                });
            }
            // no value makes up for missing rights or a rate limit
            if matches!(status, 401 | 403 | 407 | 429) {
                break;
            }
        }
        Some(first)
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
        slots_of(self.port.api(), self.op, &self.base.values)
    }

    /// The slots a string payload can go into, at most as many as the
    /// profile allows per operation (path parameters first: they are the
    /// most often injectable).
    pub fn string_slots(&self) -> Vec<ValueSlot> {
        let mut slots = self.all_string_slots();
        slots.truncate(self.port.profile().slots_per_operation());
        slots
    }

    /// Every slot a string payload can go into, path parameters first
    /// (headers the scan's credentials overwrite left out).
    pub fn all_string_slots(&self) -> Vec<ValueSlot> {
        let credentials = self.port.credentials();
        let schemas = &self.port.api().schemas;
        let mut slots: Vec<ValueSlot> = self
            .slots()
            .into_iter()
            .filter(|s| s.takes_string(schemas))
            // headers the scan's credentials overwrite carry nothing of ours
            .filter(|s| {
                s.parameter.is_none()
                    || !credentials
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
        slots
    }

    /// The base case's values (to change several at once and [`request_from`](Self::request_from)).
    pub fn values(&self) -> &Values {
        &self.base.values
    }

    /// The base case's values with `slot` set to `value`.
    pub fn values_with(&self, slot: &ValueSlot, value: Value) -> Values {
        with_value(&self.base.values, slot, value)
    }

    /// The base request with `slot` set to `value`, serialised; `None` when
    /// the value cannot travel there (a line break in a header).
    pub fn request_with(&self, slot: &ValueSlot, value: Value) -> Option<Request> {
        self.request_from(&self.values_with(slot, value))
    }

    /// A request from `values` (for this operation), serialised.
    pub fn request_from(&self, values: &Values) -> Option<Request> {
        serialise(self.port.api(), self.op, values).ok()
    }

    /// Another valid set of values for the operation (every parameter
    /// filled, a body), e.g. for a second create that must not collide with
    /// the base case.
    pub fn fresh_values(&mut self) -> Option<Values> {
        base_case(&mut self.cases, self.port.api(), self.op, &mut self.rng).map(|c| c.values)
    }

    /// Another valid value for `slot` (for a control request), different
    /// from its base value where the schema allows.
    /// A digit string stays one (a server that reads the field as a
    /// number answers any other string with an error), and a field's name
    /// gives values it hints at (`month`: 1 to 12).
    pub fn benign(&mut self, slot: &ValueSlot) -> Value {
        let digits = slot
            .value
            .as_str()
            .is_some_and(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()));
        for _ in 0..4 {
            let v = match slot.schema {
                Some(id) => {
                    let named = self.cases.values().positive_named(
                        id,
                        slot.name(),
                        Direction::Request,
                        &mut self.rng,
                    );
                    let numeric = named
                        .as_str()
                        .is_some_and(|t| t.bytes().all(|b| b.is_ascii_digit()));
                    match digits && !numeric {
                        true => self
                            .cases
                            .values()
                            .digits(id, &mut self.rng)
                            .unwrap_or(named),
                        false => named,
                    }
                }
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
        self.port.take_time_budget()
    }

    /// The longest a single request may take before the client gives up.
    pub fn timeout(&self) -> Duration {
        self.port.timeout()
    }

    /// The callback listener, when the scan runs one.
    pub fn callback(&self) -> Option<&'a CallbackServer> {
        self.port.callback()
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
        let port = self.port;
        if self.sent >= self.cap || port.stopping() {
            return None;
        }
        self.sent += 1;
        port.send(
            operation,
            &self.kind,
            request,
            self.credentials_of(identity),
        )
        .await
    }

    /// The credentials `identity` stands for.
    fn credentials_of<'i>(&self, identity: &'i Identity) -> &'i [Credential]
    where
        'a: 'i,
    {
        let port: &'a dyn Port = self.port;
        match identity {
            Identity::Scan => port.credentials(),
            Identity::Anonymous => &[],
            Identity::With(c) => c,
        }
    }

    /// Whether the scan is stopping (Ctrl-C, a budget) or the session was
    /// rate limited: probes should return.
    pub fn stopping(&self) -> bool {
        self.limited || self.port.stopping()
    }

    /// Records a finding of this probe's check with `exchange` as the
    /// request and response that show it. False when the same finding
    /// (operation, check, signature) was already known.
    pub fn report(&mut self, verdict: Verdict, exchange: &Exchange) -> bool {
        let finding = Finding::new(self.check, verdict, self.op, &self.kind, exchange);
        if !self.port.record(finding) {
            return false;
        }
        self.reported += 1;
        true
    }

    /// The named identities of the scan (`--identity`), besides its own credentials.
    pub fn identities(&self) -> &'a [NamedIdentity] {
        self.port.identities()
    }

    /// Which operations produce the ids others consume.
    pub fn resources(&self) -> &'a Resources {
        self.port.resources()
    }

    /// A valid case of another operation (index in `api.operations`), with
    /// every parameter filled and its body present, from the session's seed.
    pub fn case_of(&mut self, operation: usize) -> Option<Case> {
        let api: &'a Api = self.port.api();
        let op = api.operations.get(operation)?;
        base_case(&mut self.cases, api, op, &mut self.rng)
    }

    /// A request of another operation from `values`, serialised.
    pub fn request_of(&self, operation: usize, values: &Values) -> Option<Request> {
        let api = self.port.api();
        let op = api.operations.get(operation)?;
        serialise(api, op, values).ok()
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

    /// What active checks work out once per scan and share (the scan's
    /// shelf), when the scan keeps one.
    pub fn shelf(&self) -> Option<&'a super::Shelf> {
        let port: &'a dyn Port = self.port;
        port.shelf()
    }

    /// The server's public key file as the user gave it (`--jwt-public-key`).
    pub fn jwt_public_key(&self) -> Option<&'a [u8]> {
        let port: &'a dyn Port = self.port;
        port.jwt_public_key()
    }

    /// Remembers a resource the session created: `delete` (sent as
    /// `identity`) removes it when the scan ends, unless `--no-cleanup`.
    pub fn created(&self, delete: Request, identity: &Identity) {
        let credentials = self.credentials_of(identity).to_vec();
        self.port.created(delete, credentials);
    }

    /// Warns the user (a scan event): something a probe could not do or undo.
    pub fn warn(&self, message: &str) {
        self.port.warn(message);
    }

    /// Lets this session send `requests` in all instead of the usual cap
    /// (a target-wide probe with a budget of its own, such as discovery).
    pub fn allow_requests(&mut self, requests: u32) {
        self.cap = requests;
    }

    /// How many requests this session sent.
    pub fn sent(&self) -> u32 {
        self.sent
    }

    /// The target's base URL.
    pub fn base_url(&self) -> &'a str {
        self.port.base_url()
    }

    /// How far to look for undocumented endpoints.
    pub fn discovery(&self) -> Discovery {
        self.port.discovery()
    }

    /// The words discovery tries instead of the built-in list, if given.
    pub fn endpoint_words(&self) -> Option<&'a [String]> {
        self.port.endpoint_words()
    }

    /// The API's own domains given by the user (`--cors-domain`).
    pub fn cors_domains(&self) -> &'a [String] {
        self.port.cors_domains()
    }

    /// The scan's cache of "who am I" reads (see `whoami.rs`).
    pub(super) fn whoamis(&self) -> Option<&'a super::whoami::Whoamis> {
        let port: &'a dyn Port = self.port;
        port.whoamis()
    }

    /// True for the first `limit` sessions of the scan that claim `key`.
    pub fn claim(&self, key: &str, limit: u32) -> bool {
        self.port.claim(key, limit)
    }

    /// Runs the scan's passive checks over `exchange` as an answer of
    /// `operation` (possibly one the spec does not list), recording their
    /// findings; the names of the checks that gave a verdict.
    pub fn judge_as(&self, operation: &Operation, exchange: &Exchange) -> Vec<&'static str> {
        let case = Case {
            operation: operation.id.clone(),
            intent: Intent::Positive,
            violation: None,
            attack: None,
            values: Values::default(),
            request: exchange.request.request.clone(),
        };
        self.port.judge(operation, &self.kind, &case, exchange)
    }

    /// Records a finding of this probe's check about `operation` (which
    /// may be one the spec does not list) at `severity`. False when it was
    /// already known.
    pub fn report_on(
        &mut self,
        operation: &Operation,
        verdict: Verdict,
        severity: Severity,
        exchange: &Exchange,
    ) -> bool {
        let mut finding = Finding::new(self.check, verdict, operation, &self.kind, exchange);
        finding.severity = severity;
        if !self.port.record(finding) {
            return false;
        }
        self.reported += 1;
        true
    }

    /// Narrows the base to `slot`: every optional parameter and body
    /// property off the slot's path is left out (a search whose other
    /// fields all filter finds nothing whatever the slot holds, so a
    /// differential oracle sees no difference). False when the base has
    /// nothing to leave out; [`restore`](Self::restore) undoes it.
    pub fn isolate(&mut self, slot: &ValueSlot) -> bool {
        let api = self.port.api();
        let op = self.op;
        let mut values = self.base.values.clone();
        for (i, p) in op.parameters.iter().enumerate() {
            if Some(i) != slot.parameter
                && !p.required
                && let Some(v) = values.parameters.get_mut(i)
            {
                *v = None;
            }
        }
        if let (Some((i, body)), Some(content)) = (values.body.as_mut(), op.body.as_ref())
            && let Some(root) = content.content.get(*i).and_then(|m| m.schema)
        {
            let path: Vec<String> = match slot.parameter {
                None => slot
                    .slot
                    .pointer
                    .split('/')
                    .skip(1)
                    .map(|k| k.replace("~1", "/").replace("~0", "~"))
                    .collect(),
                Some(_) => Vec::new(),
            };
            narrow(&api.schemas, root, body, &path);
        }
        if values == self.base.values {
            return false;
        }
        let Ok(request) = serialise(api, op, &values) else {
            return false;
        };
        let narrowed = Case {
            values,
            request,
            ..self.base.clone()
        };
        let wide = std::mem::replace(&mut self.base, narrowed);
        self.wide.get_or_insert(wide);
        true
    }

    /// Gives back the full base after [`isolate`](Self::isolate).
    pub fn restore(&mut self) {
        if let Some(wide) = self.wide.take() {
            self.base = wide;
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

/// Every value of `values` (for `op`) a probe may replace: each parameter,
/// then each leaf (string, number, boolean) of a JSON body.
fn slots_of(api: &Api, op: &Operation, values: &Values) -> Vec<ValueSlot> {
    let mut out = Vec::new();
    for (i, p) in op.parameters.iter().enumerate() {
        let Some(Some(v)) = values.parameters.get(i) else {
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
    if let (Some(body), Some((i, value))) = (&op.body, &values.body)
        && let Some(media) = body.content.get(*i)
    {
        let mut leaves = Vec::new();
        leaves_of(value, String::new(), &mut leaves);
        for (pointer, v) in leaves {
            let schema = media
                .schema
                .and_then(|root| schema_at(&api.schemas, root, &pointer));
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

/// `values` with `slot` set to `value`.
pub(super) fn with_value(values: &Values, slot: &ValueSlot, value: Value) -> Values {
    let mut values = values.clone();
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

/// The seed of an operation's `n`th candidate base: from the scan's seed
/// and the operation only, so every check's session starts from the same.
pub(super) fn base_seed(port: &dyn Port, operation: usize, n: u64) -> u64 {
    Seed::new(port.seed())
        .derive(&[operation.into(), "base:".into(), n.into()])
        .get()
}

/// The maximal case of `op` drawn from `seed`: every parameter (but
/// cookies) and optional property present and non-null, the body present;
/// with `hints`, plain fields hold what their names hint at (URLs in
/// URL-like fields, `month` 1 to 12).
pub(super) fn maximal_case(
    api: &Api,
    payloads: &Payloads,
    op: &Operation,
    seed: u64,
    hints: bool,
) -> Option<Case> {
    let options = Options {
        maximal: true,
        hints,
        ..Options::default()
    };
    let mut cases = CaseGenerator::new(api, options, payloads);
    base_case(&mut cases, api, op, &mut Seeded::new(seed))
}

/// Completes `values` (a case the target accepted) with what `full` has
/// and it lacks: parameters left out, a missing body, properties left out
/// or null (recursively in objects).
pub(super) fn complete(values: &mut Values, full: &Values) {
    for (mine, theirs) in values.parameters.iter_mut().zip(&full.parameters) {
        if mine.as_ref().is_none_or(Value::is_null) && theirs.is_some() {
            mine.clone_from(theirs);
        }
    }
    match (&mut values.body, &full.body) {
        (None, Some(body)) => values.body = Some(body.clone()),
        (Some((i, mine)), Some((j, theirs))) if i == j => fill(mine, theirs),
        _ => {}
    }
}

/// Adds to the object `into` the properties of `from` it lacks or holds null.
fn fill(into: &mut Value, from: &Value) {
    let (Value::Object(into), Value::Object(from)) = (into, from) else {
        return;
    };
    for (k, v) in from {
        match into.get_mut(k) {
            Some(mine) if !mine.is_null() => fill(mine, v),
            Some(mine) => *mine = v.clone(),
            None => {
                into.insert(k.clone(), v.clone());
            }
        }
    }
}

/// Leaves out of the object `value` (of schema `id`) its optional
/// properties, but the one named by `path`'s first segment, into which it
/// goes on.
fn narrow(schemas: &Schemas, id: SchemaId, value: &mut Value, path: &[String]) {
    let s = schemas.get(id);
    let Value::Object(map) = value else {
        return;
    };
    if s.properties.is_empty() {
        return;
    }
    let keep = path.first();
    map.retain(|k, _| s.is_required(k) || keep == Some(k) || !s.properties.contains_key(k));
    if let Some(k) = keep
        && let (Some(child), Some(v)) = (s.properties.get(k), map.get_mut(k))
    {
        narrow(schemas, *child, v, &path[1..]);
    }
}
