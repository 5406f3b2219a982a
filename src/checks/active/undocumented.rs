//! undocumented_endpoint: paths the spec does not list but the target
//! answers (debug pages, admin helpers, internal exports, old versions).
//! Runs once per scan: a soft-404 fingerprint first (random paths: status,
//! length, body shape), then each candidate (`candidates.rs`) with GET and
//! no credentials. An answer unlike the fingerprint with 2xx is a finding
//! (high when it holds data), 401/403 an info finding (it exists, it is
//! protected); every passive check judges the answer too, and the other
//! methods are tried once on each path that exists. Budgets:
//! [`Discovery::budget`].

use futures_util::future::BoxFuture;
use indexmap::IndexMap;
use serde_json::Value;

use super::candidates::{builtin_words, candidates};
use super::soft404::{Fingerprint, Shape};
use super::{ActiveProbe, Identity, Session, Stage};
use crate::checks::check::{Check, How, Owasp, Scope, Severity};
use crate::checks::{ProofItem, Verdict};
use crate::http::{Exchange, Request, RequestBody, Response};
use crate::model::{Api, Method, Operation};
use crate::probes::{Discovery, Profile};

/// The `undocumented_endpoint` check.
pub(in crate::checks) const CHECK: Check = Check {
    name: "undocumented_endpoint",
    severity: Severity::High,
    cwe: Some(1059),
    owasp: Some(Owasp::Api9),
    summary: "A path the spec does not list answers: 2xx unlike the target's not-found answer (high when it holds data without credentials), or 401/403 (info: it exists, protected).",
    scope: Scope::Target,
    how: How::Probe(ActiveProbe {
        stage: Stage::Injection,
        applies,
        run,
    }),
};

/// Random paths the root fingerprint asks for.
const ROOT_SAMPLES: usize = 3;
/// Checks whose verdicts on an answer mean it holds data.
const DATA_CHECKS: [&str; 4] = [
    "secret_leak",
    "sensitive_data_exposure",
    "debug_page",
    "internal_disclosure",
];

/// Every operation may host the one session (the first to claim it runs);
/// the level (`--discovery`, else the profile's) is read in `run`.
pub(super) fn applies(_: &Api, _: &Operation, _: Profile) -> bool {
    true
}

pub(super) fn run<'s>(s: &'s mut Session<'_>) -> BoxFuture<'s, ()> {
    Box::pin(async move {
        let level = s.discovery();
        if level == Discovery::Off || !s.claim(CHECK.name, 1) {
            return;
        }
        let budget = level.budget();
        s.allow_requests(budget);
        let words = match s.endpoint_words() {
            Some(w) => w.to_vec(),
            None => builtin_words(),
        };
        let api = s.api();
        // a reset or a wipe (`/admin/reset`, `/purge`) is never probed
        let list: Vec<String> = candidates(api, &words, level)
            .into_iter()
            .filter(|p| !crate::probes::destructive_path(p))
            .collect();
        let mut prints = Prints::default();
        for path in &list {
            if s.stopping() || s.sent() >= budget {
                return;
            }
            let parent = parent_of(path);
            if !prints.learn(s, Method::Get, &parent, budget).await {
                continue;
            }
            let Some(found) = probe_get(s, &prints, path).await else {
                continue;
            };
            report(s, found, path).await;
            other_methods(s, &mut prints, path, level, budget).await;
        }
    })
}

/// What a candidate's GET showed.
struct Found {
    exchange: Exchange,
    /// Whether it answered without credentials.
    anonymous: bool,
}

/// The fingerprints learnt so far: one per method and parent path.
#[derive(Default)]
struct Prints {
    known: Vec<(Method, String, Fingerprint)>,
}

impl Prints {
    fn get(&self, method: Method, parent: &str) -> Option<&Fingerprint> {
        self.known
            .iter()
            .find(|(m, p, _)| *m == method && p == parent)
            .map(|(_, _, f)| f)
    }

    /// Learns the fingerprint of `parent` for `method` unless known: random
    /// paths under it (more at the root). False when nothing was learnt.
    async fn learn(
        &mut self,
        s: &mut Session<'_>,
        method: Method,
        parent: &str,
        budget: u32,
    ) -> bool {
        if let Some(f) = self.get(method, parent) {
            return !f.is_empty();
        }
        let samples = if parent.is_empty() && method == Method::Get {
            ROOT_SAMPLES
        } else {
            1
        };
        let mut print = Fingerprint::default();
        for i in 0..samples {
            if s.sent() >= budget {
                break;
            }
            // a bare word, a longer one, one with an extension: not-found
            // pages sometimes differ by shape of the path
            let word = match i {
                0 => s.canary(12),
                1 => format!("{}/{}", s.canary(6), s.canary(9)),
                _ => format!("{}.json", s.canary(8)),
            };
            let path = format!("{parent}/{word}");
            let request = request(method, &path);
            let Some(exchange) = s.send_as(&request, &Identity::Anonymous).await else {
                break;
            };
            if let Some(r) = exchange.response() {
                print.add(Shape::of(r, &path));
            }
        }
        let learnt = !print.is_empty();
        self.known.push((method, parent.to_owned(), print));
        learnt
    }

    /// Whether `response`, the answer to `path` with `method`, is the
    /// target's not-found answer (at the root or under the path's parent).
    fn is_soft404(&self, method: Method, path: &str, response: &Response) -> bool {
        let shape = Shape::of(response, path);
        [String::new(), parent_of(path)]
            .iter()
            .filter_map(|p| self.get(method, p))
            .any(|f| f.matches(&shape))
    }
}

/// GET `path` without credentials, then with the scan's when refused; the
/// answer when it shows the path exists.
async fn probe_get(s: &mut Session<'_>, prints: &Prints, path: &str) -> Option<Found> {
    let request = request(Method::Get, path);
    let exchange = s.send_as(&request, &Identity::Anonymous).await?;
    let response = exchange.response()?;
    if prints.is_soft404(Method::Get, path, response) {
        return None;
    }
    let status = response.status;
    if (200..300).contains(&status) {
        return Some(Found {
            exchange,
            anonymous: true,
        });
    }
    if !matches!(status, 401 | 403) {
        return None;
    }
    if !s.credentials().is_empty()
        && let Some(again) = s.send_as(&request, &Identity::Scan).await
        && again
            .response()
            .is_some_and(|r| (200..300).contains(&r.status))
    {
        return Some(Found {
            exchange: again,
            anonymous: false,
        });
    }
    Some(Found {
        exchange,
        anonymous: false,
    })
}

/// Reports what `found` shows about `path`, and lets the passive checks
/// judge its answer.
async fn report(s: &mut Session<'_>, found: Found, path: &str) {
    let Some(response) = found.exchange.response() else {
        return;
    };
    let status = response.status;
    let op = operation(Method::Get, path);
    if !(200..300).contains(&status) {
        let verdict = Verdict {
            title: format!("Undocumented endpoint GET {path} exists (answers {status})"),
            evidence: format!(
                "GET {path} is not in the spec; it answers {status}, unlike the target's answer to paths that do not exist, so it exists and is protected"
            ),
            signature: format!("GET {path}"),
            proof: vec![ProofItem::new("status", status.to_string())],
            ..Verdict::default()
        };
        s.report_on(&op, verdict, Severity::Info, &found.exchange);
        return;
    }
    let judged = s.judge_as(&op, &found.exchange);
    let leaks: Vec<&str> = judged
        .iter()
        .copied()
        .filter(|c| DATA_CHECKS.contains(c))
        .collect();
    let records = records_in(response);
    let data = !leaks.is_empty() || records > 0;
    let severity = match (data, found.anonymous) {
        (true, true) => Severity::High,
        (true, false) => Severity::Medium,
        (false, _) => Severity::Low,
    };
    let who = if found.anonymous {
        "without credentials"
    } else {
        "with the scan's credentials"
    };
    let mut what = Vec::new();
    if records > 0 {
        what.push(format!("{records} records"));
    }
    if !leaks.is_empty() {
        what.push(leaks.join(", "));
    }
    let holds = if what.is_empty() {
        String::new()
    } else {
        format!("; it holds data ({})", what.join("; "))
    };
    let mut proof = vec![
        ProofItem::new("status", status.to_string()),
        ProofItem::new("credentials", if found.anonymous { "none" } else { "scan" }),
        ProofItem::new("length", response.body.len().to_string()),
    ];
    if records > 0 {
        proof.push(ProofItem::new("records", records.to_string()));
    }
    let verdict = Verdict {
        title: format!("Undocumented endpoint GET {path} answers {status} {who}"),
        evidence: format!(
            "GET {path} is not in the spec; it answers {status} {who}, unlike the target's answer to paths that do not exist{holds}"
        ),
        signature: format!("GET {path}"),
        proof,
        ..Verdict::default()
    };
    s.report_on(&op, verdict, severity, &found.exchange);
}

/// The other methods, once each, on a path that exists: a 2xx unlike the
/// target's answer to that method on a random path is a finding. DELETE
/// only under aggressive discovery.
async fn other_methods(
    s: &mut Session<'_>,
    prints: &mut Prints,
    path: &str,
    level: Discovery,
    budget: u32,
) {
    let methods: &[Method] = if level == Discovery::Aggressive {
        &[Method::Post, Method::Put, Method::Patch, Method::Delete]
    } else {
        &[Method::Post, Method::Put, Method::Patch]
    };
    for &method in methods {
        if s.stopping() || s.sent() >= budget {
            return;
        }
        if !prints.learn(s, method, "", budget).await {
            continue;
        }
        let request = request(method, path);
        let Some(exchange) = s.send_as(&request, &Identity::Anonymous).await else {
            return;
        };
        let Some(response) = exchange.response() else {
            continue;
        };
        if !(200..300).contains(&response.status) || prints.is_soft404(method, path, response) {
            continue;
        }
        let status = response.status;
        let m = method.as_str();
        let op = operation(method, path);
        s.judge_as(&op, &exchange);
        let verdict = Verdict {
            title: format!("Undocumented endpoint {m} {path} answers {status} without credentials"),
            evidence: format!(
                "{m} {path} is not in the spec; it answers {status} without credentials, unlike {m} on a path that does not exist"
            ),
            signature: format!("{m} {path}"),
            proof: vec![
                ProofItem::new("status", status.to_string()),
                ProofItem::new("method", m),
            ],
            ..Verdict::default()
        };
        s.report_on(&op, verdict, Severity::Medium, &exchange);
    }
}

/// A request for `path` with `method` (an empty JSON object as the body of
/// methods that take one).
fn request(method: Method, path: &str) -> Request {
    let body = matches!(method, Method::Post | Method::Put | Method::Patch).then(|| RequestBody {
        content_type: "application/json".into(),
        bytes: b"{}".to_vec(),
    });
    Request {
        method,
        path: path.to_owned(),
        query: String::new(),
        headers: vec![("accept".into(), "application/json, */*;q=0.5".into())],
        body,
    }
}

/// The operation an undocumented path's findings are about (no parameters,
/// no declared responses: the conformance checks have nothing to compare).
fn operation(method: Method, path: &str) -> Operation {
    Operation {
        id: format!("undocumented {} {path}", method.as_str()),
        operation_id: None,
        method,
        path: path.to_owned(),
        key_rest: None,
        fixed_query: Vec::new(),
        fixed_headers: Vec::new(),
        tags: Vec::new(),
        summary: Some("not in the spec; found by discovery".into()),
        deprecated: false,
        parameters: Vec::new(),
        body: None,
        responses: Vec::new(),
        security: Vec::new(),
        pointer: String::new(),
        extensions: IndexMap::new(),
    }
}

/// `/admin/users` → `/admin`; `/debug` → `` (the root).
fn parent_of(path: &str) -> String {
    match path.rfind('/') {
        Some(i) => path[..i].to_owned(),
        None => String::new(),
    }
}

/// How many records (JSON objects in a list) the answer holds: a list of
/// objects at the top or one level down.
fn records_in(response: &Response) -> usize {
    let Ok(v) = serde_json::from_slice::<Value>(&response.body) else {
        return 0;
    };
    let objects = |items: &Vec<Value>| items.iter().filter(|i| i.is_object()).count();
    match &v {
        Value::Array(items) => objects(items),
        Value::Object(map) => map
            .values()
            .filter_map(Value::as_array)
            .map(objects)
            .max()
            .unwrap_or(0),
        _ => 0,
    }
}
