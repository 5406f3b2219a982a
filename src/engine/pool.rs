//! The pool of live resources: before the plan runs, the producers of the
//! ids its operations' path parameters take (creations, listings; see
//! [`Resources`]) are called once each, as the scan's own identity, and the
//! ids they answer with are kept. A plan probe of a consumer operation then
//! names a resource that exists instead of a random id that points at
//! nothing, so its request reaches the code behind the lookup.
//!
//! - Which probes: positive, unsupported-method and missing-header probes,
//!   attack probes whose payload is not in the path, negative probes whose
//!   broken constraint is not on the path parameter (that parameter keeps its
//!   generated value). Boundary probes keep theirs (their edges may be on the
//!   path), and so do DELETE operations (a positive DELETE would remove the
//!   resource every other probe shares).
//! - Nested resources: a producer whose own path takes ids (`POST
//!   /a/{a}/b`) runs once the pool has them, up to three levels; an id
//!   remembers the parent ids it was made under, and a probe takes them together.
//! - Bounded: [`MAX_POOL_REQUESTS`] producer calls at most, each producer
//!   once; through the scan's sending path (budgets, pace, stop signal); no
//!   writes in a read-only scan, never a destructive producer
//!   (src/probes/destructive.rs). What it creates is deleted with everything
//!   the probes create (cleanup.rs), with the creator's credentials.

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;

use super::active::Created;
use super::event::Event;
use super::send::{send_with, with_operation_headers};
use super::shared::Shared;
use crate::checks::active::base_case;
use crate::checks::active::id_from;
use crate::generate::{
    Case, CaseGenerator, Options, Seed, Seeded, Values, serialise, serialise_path,
};
use crate::identity::Credential;
use crate::model::{Api, Method, Operation, ParameterLocation};
use crate::probes::{Binding, Inference, Probe, ProbeKind, Resources, destructive, is_read_only};

/// Producer calls the pool makes at most.
pub(crate) const MAX_POOL_REQUESTS: usize = 64;
/// Levels of nesting followed (`/a/{a}/b/{b}/c/{c}`).
const MAX_ROUNDS: usize = 3;
/// Bindings tried per path parameter (strongest first).
const BINDINGS_PER_PARAMETER: usize = 2;
/// The probe kind the pool's exchanges are reported under.
const POOL_PROBE: ProbeKind = ProbeKind::Active("live_pool");

/// A live resource's id.
#[derive(Debug, Clone)]
pub(crate) struct Live {
    /// The id, as the producer answered it.
    pub(crate) value: Value,
    /// The path parameters the producer was called with (the parents' ids).
    pub(crate) parents: Vec<(String, Value)>,
    /// The credentials of the identity that created or listed it (its
    /// deletion at cleanup carries them).
    pub(crate) creator: Vec<Credential>,
}

/// Live ids by consumer operation and path parameter.
type Entries = HashMap<(usize, String), Vec<Live>>;

/// The live ids of a scan, filled once before the plan.
#[derive(Default)]
pub(crate) struct Pool {
    entries: OnceLock<Entries>,
    /// Plan requests that got a live id.
    pub(crate) used: AtomicU64,
}

impl Pool {
    /// Puts live ids into the path parameters of `case`, a case of `probe`,
    /// where the probe allows (see the module's documentation); only the
    /// request's path changes. True when it did.
    pub(crate) fn apply(&self, api: &Api, probe: &Probe, case: &mut Case) -> bool {
        let Some(entries) = self.entries.get().filter(|e| !e.is_empty()) else {
            return false;
        };
        let Some(op) = api.operations.get(probe.operation) else {
            return false;
        };
        if op.method == Method::Delete {
            return false;
        }
        let keep: Option<&str> = match &probe.kind {
            ProbeKind::Positive
            | ProbeKind::UnsupportedMethod(_)
            | ProbeKind::MissingRequiredHeader(_) => None,
            ProbeKind::Attack(_) => match &case.attack {
                Some(a) if a.slot.location == "path" => Some(a.slot.name.as_str()),
                _ => None,
            },
            ProbeKind::Negative => match &case.violation {
                Some((slot, _)) if slot.location == "path" => Some(slot.name.as_str()),
                _ => None,
            },
            ProbeKind::Boundary | ProbeKind::Active(_) => return false,
        };
        let Some(values) = live_values(entries, probe, op, &case.values, keep) else {
            return false;
        };
        // only the path changes: the rest of the request (payloads, a
        // changed method, a header left out) stays as realised
        let (Ok(before), Ok(after)) = (
            serialise_path(op, &case.values),
            serialise_path(op, &values),
        ) else {
            return false;
        };
        if before != case.request.path || before == after {
            return false;
        }
        case.request.path = after;
        case.values = values;
        self.used.fetch_add(1, Ordering::Relaxed);
        true
    }
}

impl Pool {
    /// Reads of up to `limit` live resources (a GET consumer's request on
    /// each id, at most two per operation, in a stable order), with their
    /// creators' credentials: what the destructive phase (wipe.rs) reads
    /// before and after a destructive call.
    pub(crate) fn reads(
        &self,
        shared: &Shared,
        limit: usize,
    ) -> Vec<(usize, crate::generate::Request, Vec<Credential>)> {
        let Some(entries) = self.entries.get() else {
            return Vec::new();
        };
        let api: &Api = &shared.api;
        let mut keys: Vec<&(usize, String)> = entries
            .keys()
            .filter(|(op, _)| {
                api.operations
                    .get(*op)
                    .is_some_and(|o| o.method == Method::Get)
            })
            .collect();
        keys.sort();
        let mut cases = CaseGenerator::new(api, Options::default(), &shared.payloads);
        let mut rng = Seed::new(shared.options.seed)
            .derive(&["pool-reads".into()])
            .source();
        let mut out = Vec::new();
        for key in keys {
            let Some(list) = entries.get(key) else {
                continue;
            };
            for live in list.iter().take(2) {
                if out.len() >= limit {
                    return out;
                }
                if let Some(request) = request_on(
                    &mut cases,
                    &mut rng,
                    api,
                    key.0,
                    &live.parents,
                    &key.1,
                    &live.value,
                ) {
                    out.push((key.0, request, live.creator.clone()));
                }
            }
        }
        out
    }
}

/// `values` with the path parameters of `op` (but `keep`) set to live ids:
/// the innermost parameter that has some picks one (by the probe's round),
/// the others take that one's parents, else their own first id.
fn live_values(
    entries: &Entries,
    probe: &Probe,
    op: &Operation,
    values: &Values,
    keep: Option<&str>,
) -> Option<Values> {
    let path: Vec<(usize, &str)> = op
        .parameters
        .iter()
        .enumerate()
        .filter(|(i, p)| {
            p.location == ParameterLocation::Path
                && Some(p.name.as_str()) != keep
                && values.parameters.get(*i).is_some_and(Option::is_some)
        })
        .map(|(i, p)| (i, p.name.as_str()))
        .collect();
    let lookup = |name: &str| entries.get(&(probe.operation, name.to_owned()));
    let chosen = path.iter().rev().find_map(|(_, name)| {
        let list = lookup(name).filter(|l| !l.is_empty())?;
        Some((*name, &list[probe.round as usize % list.len()]))
    })?;
    let mut out = values.clone();
    for (i, name) in path {
        let v = if name == chosen.0 {
            Some(chosen.1.value.clone())
        } else {
            chosen
                .1
                .parents
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .or_else(|| {
                    lookup(name)
                        .and_then(|l| l.first())
                        .map(|l| l.value.clone())
                })
        };
        if let Some(v) = v {
            out.parameters[i] = Some(v);
        }
    }
    Some(out)
}

/// Calls the producers the plan's `operations` need and fills the pool;
/// returns the DELETEs of what it created, for cleanup.
pub(crate) async fn fill(shared: &Shared, operations: &[usize]) -> Vec<Created> {
    let api: &Api = &shared.api;
    let resources = Resources::infer(api);
    let mut entries: Entries = HashMap::new();
    let mut created = Vec::new();
    // the producers the plan's consumers need, and theirs (nesting)
    let mut wanted: BTreeSet<usize> = BTreeSet::new();
    let mut queue: Vec<usize> = operations
        .iter()
        .copied()
        .filter(|&i| {
            api.operations
                .get(i)
                .is_some_and(|o| o.method != Method::Delete)
        })
        .collect();
    let mut seen: BTreeSet<usize> = queue.iter().copied().collect();
    while let Some(consumer) = queue.pop() {
        for b in bindings_for(&resources, api, consumer) {
            if wanted.insert(b.producer) && seen.insert(b.producer) {
                queue.push(b.producer);
            }
        }
    }
    let writes_allowed = !shared.options.plan.read_only;
    let wanted: Vec<usize> = wanted
        .into_iter()
        .filter(|&p| {
            api.operations.get(p).is_some_and(|o| {
                (writes_allowed || is_read_only(o.method)) && destructive(o).is_none()
            })
        })
        .collect();
    if wanted.is_empty() {
        let _ = shared.pool.entries.set(entries);
        return created;
    }
    let credentials = shared.options.credentials.clone();
    let mut cases = CaseGenerator::new(api, Options::default(), &shared.payloads);
    // one stream for the pool's requests, apart from every probe's
    let mut rng = Seed::new(shared.options.seed)
        .derive(&["pool".into()])
        .source();
    let mut called: BTreeSet<usize> = BTreeSet::new();
    'rounds: for _ in 0..MAX_ROUNDS {
        let mut progress = false;
        for &producer in &wanted {
            if called.contains(&producer) {
                continue;
            }
            if called.len() >= MAX_POOL_REQUESTS || shared.stop.is_set() {
                break 'rounds;
            }
            let Some(op) = api.operations.get(producer) else {
                continue;
            };
            let Some(mut case) = base_case(&mut cases, api, op, &mut rng) else {
                called.insert(producer);
                continue;
            };
            // its own path parameters from the pool, or wait for a later round
            let mut parents = Vec::new();
            let mut ready = true;
            for (i, p) in op.parameters.iter().enumerate() {
                if p.location != ParameterLocation::Path {
                    continue;
                }
                match entries
                    .get(&(producer, p.name.clone()))
                    .and_then(|l| l.first())
                {
                    Some(live) => {
                        for (n, v) in &live.parents {
                            if !parents.iter().any(|(m, _): &(String, Value)| m == n) {
                                parents.push((n.clone(), v.clone()));
                            }
                        }
                        parents.push((p.name.clone(), live.value.clone()));
                        case.values.parameters[i] = Some(live.value.clone());
                    }
                    None => ready = false,
                }
            }
            if !ready {
                continue;
            }
            let Ok(request) = serialise(api, op, &case.values) else {
                called.insert(producer);
                continue;
            };
            called.insert(producer);
            progress = true;
            let request = with_operation_headers(shared, producer, &request);
            let Some(exchange) = send_with(
                shared,
                &request,
                &credentials,
                shared.options.retries_on_429,
            )
            .await
            else {
                break 'rounds;
            };
            shared.observer.on_event(&Event::Exchange {
                operation: op,
                probe: &POOL_PROBE,
                exchange: &exchange,
            });
            if !exchange
                .response()
                .is_some_and(|r| (200..300).contains(&r.status))
            {
                continue;
            }
            for b in resources.bindings.iter().filter(|b| b.producer == producer) {
                let Some(id) = id_from(&b.source, &exchange) else {
                    continue;
                };
                let list = entries
                    .entry((b.consumer, b.parameter.clone()))
                    .or_default();
                if list.iter().any(|l| l.value == id) {
                    continue;
                }
                let live = Live {
                    value: id,
                    parents: parents.clone(),
                    creator: credentials.clone(),
                };
                // a DELETE consumer of a creation removes it at the end
                if b.inference != Inference::Listing
                    && matches!(op.method, Method::Post | Method::Put)
                    && let Some(delete) = api.operations.get(b.consumer)
                    && delete.method == Method::Delete
                    && let Some(request) = request_on(
                        &mut cases,
                        &mut rng,
                        api,
                        b.consumer,
                        &parents,
                        &b.parameter,
                        &live.value,
                    )
                {
                    created.push(Created {
                        delete: request,
                        credentials: live.creator.clone(),
                    });
                }
                list.push(live);
            }
        }
        if !progress {
            break;
        }
    }
    let _ = shared.pool.entries.set(entries);
    created
}

/// The strongest bindings of every path parameter of `consumer`.
fn bindings_for<'r>(resources: &'r Resources, api: &'r Api, consumer: usize) -> Vec<&'r Binding> {
    let Some(op) = api.operations.get(consumer) else {
        return Vec::new();
    };
    op.parameters_in(ParameterLocation::Path)
        .flat_map(|p| {
            resources
                .producers_of(consumer, &p.name)
                .filter(|b| b.producer != consumer)
                .take(BINDINGS_PER_PARAMETER)
        })
        .collect()
}

/// A request of operation `index` on the resource `id` (for its path
/// parameter `parameter`) under `parents`.
fn request_on(
    cases: &mut CaseGenerator<'_>,
    rng: &mut Seeded,
    api: &Api,
    index: usize,
    parents: &[(String, Value)],
    parameter: &str,
    id: &Value,
) -> Option<crate::generate::Request> {
    let op = api.operations.get(index)?;
    let mut values = base_case(cases, api, op, rng)?.values;
    for (i, p) in op.parameters.iter().enumerate() {
        if p.location != ParameterLocation::Path {
            continue;
        }
        let v = if p.name == parameter {
            id.clone()
        } else {
            parents.iter().rev().find(|(n, _)| *n == p.name)?.1.clone()
        };
        values.parameters[i] = Some(v);
    }
    serialise(api, op, &values).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{Intent, Payloads, Slot, Violation, ViolationKind};
    use crate::spec::Loader;

    const SPEC: &str = r#"
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /a/{x}/b/{y}:
    get:
      parameters:
        - {name: x, in: path, required: true, schema: {type: string, pattern: '^[a-z]{3}$'}}
        - {name: y, in: path, required: true, schema: {type: string, pattern: '^[a-z]{3}$'}}
      responses: {'200': {description: ok}}
    delete:
      parameters:
        - {name: x, in: path, required: true, schema: {type: string, pattern: '^[a-z]{3}$'}}
        - {name: y, in: path, required: true, schema: {type: string, pattern: '^[a-z]{3}$'}}
      responses: {'204': {description: gone}}
"#;

    fn pool(api: &Api, op: usize) -> Pool {
        let live = |v: &str, parents: Vec<(String, Value)>| Live {
            value: Value::String(v.into()),
            parents,
            creator: Vec::new(),
        };
        let mut entries = Entries::new();
        for op in [op, op + 1] {
            entries.insert((op, "x".into()), vec![live("X-1", vec![])]);
            entries.insert(
                (op, "y".into()),
                vec![live("Y-1", vec![("x".into(), Value::String("X-2".into()))])],
            );
        }
        assert_eq!(api.operations[op + 1].method, Method::Delete);
        let pool = Pool::default();
        let _ = pool.entries.set(entries);
        pool
    }

    #[test]
    fn live_ids_go_where_the_probe_allows() {
        let api = Loader::new().load_str(SPEC, "t.yaml").expect("loads");
        let get = api
            .operations
            .iter()
            .position(|o| o.method == Method::Get)
            .expect("a GET");
        let pool = pool(&api, get);
        let payloads = Payloads::builtin();
        let mut cases = CaseGenerator::new(&api, Options::default(), &payloads);
        let mut rng = Seeded::new(1);
        let fresh = |cases: &mut CaseGenerator<'_>, rng: &mut Seeded| {
            cases
                .case(&api.operations[get], Intent::Positive, rng)
                .expect("sendable")
                .expect("a case")
        };
        let probe = |kind: ProbeKind| Probe {
            operation: get,
            kind,
            round: 0,
        };
        // a valid probe: the inner id and the parent it was made under
        let mut case = fresh(&mut cases, &mut rng);
        assert!(pool.apply(&api, &probe(ProbeKind::Positive), &mut case));
        assert_eq!(case.request.path, "/a/X-2/b/Y-1");
        assert_eq!(case.values.parameters[1], Some(Value::String("Y-1".into())));
        // a negative probe breaking y keeps y, the other takes its own id
        let mut case = fresh(&mut cases, &mut rng);
        let generated = case.request.path.rsplit('/').next().unwrap().to_owned();
        case.violation = Some((
            Slot {
                location: "path",
                name: "y".into(),
                pointer: String::new(),
            },
            Violation {
                kind: ViolationKind::WrongType,
                keyword: "type",
                pointer: String::new(),
            },
        ));
        assert!(pool.apply(&api, &probe(ProbeKind::Negative), &mut case));
        assert_eq!(case.request.path, format!("/a/X-1/b/{generated}"));
        // boundary probes and DELETE operations keep their generated ids
        let mut case = fresh(&mut cases, &mut rng);
        let before = case.request.path.clone();
        assert!(!pool.apply(&api, &probe(ProbeKind::Boundary), &mut case));
        assert_eq!(case.request.path, before);
        let delete = Probe {
            operation: get + 1,
            kind: ProbeKind::Positive,
            round: 0,
        };
        assert!(!pool.apply(&api, &delete, &mut case));
        assert_eq!(pool.used.load(Ordering::Relaxed), 2);
    }
}
