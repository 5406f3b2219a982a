//! The probes of a scan, in the order they are sent.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::generate::{Intent, Payloads};
use crate::model::{Api, Method, ParameterLocation};

/// What one probe tries.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum ProbeKind {
    /// Valid values.
    Positive,
    /// Valid values at the edges of their schemas.
    Boundary,
    /// One value breaks one constraint.
    Negative,
    /// A payload of one family in one string slot.
    Attack(String),
    /// A valid request for the operation's path, sent with a method the
    /// path does not declare.
    UnsupportedMethod(&'static str),
    /// A valid request with one required header parameter left out.
    MissingRequiredHeader(String),
    /// A request of an active probe's session (src/probes/active/), named
    /// after its check.
    Active(&'static str),
}

impl ProbeKind {
    /// The generator's intent behind this probe.
    pub fn intent(&self) -> Intent {
        match self {
            ProbeKind::Positive | ProbeKind::UnsupportedMethod(_) => Intent::Positive,
            ProbeKind::Boundary => Intent::Boundary,
            ProbeKind::Negative | ProbeKind::MissingRequiredHeader(_) => Intent::Negative,
            ProbeKind::Attack(_) | ProbeKind::Active(_) => Intent::Attack,
        }
    }

    /// A short label, e.g. `negative`, `attack:sqli`, `method:DELETE`.
    pub fn label(&self) -> String {
        match self {
            ProbeKind::Positive => "positive".into(),
            ProbeKind::Boundary => "boundary".into(),
            ProbeKind::Negative => "negative".into(),
            ProbeKind::Attack(family) => format!("attack:{family}"),
            ProbeKind::UnsupportedMethod(m) => format!("method:{m}"),
            ProbeKind::MissingRequiredHeader(h) => format!("missing-header:{h}"),
            ProbeKind::Active(check) => format!("active:{check}"),
        }
    }
}

/// One probe: an operation (its index in [`Api::operations`]), what to try,
/// and which try of that kind it is (the seed of its values derives from all three).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Probe {
    /// The operation's index in [`Api::operations`].
    pub operation: usize,
    /// What to try.
    pub kind: ProbeKind,
    /// The n-th probe of this kind for this operation, from 0.
    pub round: u32,
}

/// How many probes of each kind a scan sends per operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanOptions {
    /// Valid cases per operation; boundary cases are half as many (rounded up).
    pub positive: u32,
    /// Schema-violating cases per operation.
    pub negative: u32,
    /// Attack cases per payload family and operation.
    pub attacks_per_family: u32,
    /// Send each undeclared method (GET, PUT, POST, DELETE, PATCH) once per path.
    pub unsupported_methods: bool,
    /// Leave out each required header parameter once.
    pub missing_headers: bool,
    /// Only GET, HEAD and OPTIONS are ever sent.
    pub read_only: bool,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            positive: 10,
            negative: 10,
            attacks_per_family: 2,
            unsupported_methods: true,
            missing_headers: true,
            read_only: false,
        }
    }
}

/// The probes of a whole scan, operation by operation, computed when asked
/// for: a plan holds a few words per operation, not one entry per probe, so
/// a spec of any size plans in microseconds and in flat memory.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// One entry per planned operation, in sending order.
    entries: Vec<Entry>,
    /// The payload families' names, in the order attacks are planned.
    families: Vec<String>,
    /// The per-operation counts.
    counts: Counts,
    /// How many probes in all.
    len: usize,
    /// How many operations the plan covers.
    pub operations: usize,
}

/// The per-kind counts every operation gets.
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    positive: u32,
    boundary: u32,
    negative: u32,
    attacks_per_family: u32,
}

/// One planned operation: where its probes start and what it adds to the
/// counts every operation gets.
#[derive(Debug, Clone)]
struct Entry {
    operation: usize,
    /// The index of its first probe in the plan.
    start: usize,
    /// Required header parameters, each left out once.
    headers: Vec<String>,
    /// Undeclared methods of its path, tried once (on the path's first operation).
    methods: Vec<Method>,
}

impl Entry {
    fn len(&self, counts: &Counts, families: usize) -> usize {
        counts.positive as usize
            + counts.boundary as usize
            + counts.negative as usize
            + families * counts.attacks_per_family as usize
            + self.headers.len()
            + self.methods.len()
    }
}

/// Methods tried on a path that does not declare them.
const UNDECLARED: [Method; 5] = [
    Method::Get,
    Method::Put,
    Method::Post,
    Method::Delete,
    Method::Patch,
];

/// Whether a method only reads.
pub(crate) fn is_read_only(method: Method) -> bool {
    matches!(method, Method::Get | Method::Head | Method::Options)
}

impl Plan {
    /// Plans the probes for the operations of `api` whose indices are in
    /// `selected` (in that order), but destructive ones
    /// ([`destructive`](super::destructive)), which the engine sends once at the end.
    pub fn new(api: &Api, selected: &[usize], payloads: &Payloads, options: &PlanOptions) -> Plan {
        let families: Vec<String> = payloads.families().map(|f| f.name().to_owned()).collect();
        let counts = Counts {
            positive: options.positive,
            boundary: options.positive.div_ceil(2),
            negative: options.negative,
            attacks_per_family: options.attacks_per_family,
        };
        // the methods each path declares, for the undeclared-method probes
        let mut declared: HashMap<&str, Vec<Method>> = HashMap::new();
        if options.unsupported_methods && !options.read_only {
            for op in &api.operations {
                declared
                    .entry(op.path.as_str())
                    .or_default()
                    .push(op.method);
            }
        }
        let mut paths_done: HashSet<&str> = HashSet::new();
        let mut entries = Vec::with_capacity(selected.len());
        let mut len = 0;
        for &index in selected {
            let Some(op) = api.operations.get(index) else {
                continue;
            };
            if options.read_only && !is_read_only(op.method) {
                continue;
            }
            // a reset or a wipe goes out once, alone, after every other
            // probe (src/engine/wipe.rs), never among them
            if super::destructive(op).is_some() {
                continue;
            }
            let headers = if options.missing_headers {
                op.parameters_in(ParameterLocation::Header)
                    .filter(|p| p.required)
                    .map(|p| p.name.clone())
                    .collect()
            } else {
                Vec::new()
            };
            let methods = match declared.get(op.path.as_str()) {
                Some(declared) if paths_done.insert(&op.path) => UNDECLARED
                    .into_iter()
                    .filter(|m| !declared.contains(m))
                    .collect(),
                _ => Vec::new(),
            };
            let entry = Entry {
                operation: index,
                start: len,
                headers,
                methods,
            };
            len += entry.len(&counts, families.len());
            entries.push(entry);
        }
        Plan {
            operations: entries.len(),
            entries,
            families,
            counts,
            len,
        }
    }

    /// How many probes the plan holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the plan holds no probe.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The `i`-th probe in sending order, `None` past the end.
    pub fn get(&self, i: usize) -> Option<Probe> {
        if i >= self.len {
            return None;
        }
        // the last entry starting at or before i
        let at = self
            .entries
            .partition_point(|e| e.start <= i)
            .checked_sub(1)?;
        let entry = self.entries.get(at)?;
        let mut k = i - entry.start;
        let probe = |kind: ProbeKind, round: usize| {
            Some(Probe {
                operation: entry.operation,
                kind,
                round: u32::try_from(round).unwrap_or(u32::MAX),
            })
        };
        let c = &self.counts;
        for (kind, count) in [
            (ProbeKind::Positive, c.positive),
            (ProbeKind::Boundary, c.boundary),
            (ProbeKind::Negative, c.negative),
        ] {
            if k < count as usize {
                return probe(kind, k);
            }
            k -= count as usize;
        }
        let per_family = c.attacks_per_family as usize;
        let attacks = self.families.len() * per_family;
        if k < attacks {
            let family = self.families.get(k / per_family)?;
            return probe(ProbeKind::Attack(family.clone()), k % per_family);
        }
        k -= attacks;
        if let Some(header) = entry.headers.get(k) {
            return probe(ProbeKind::MissingRequiredHeader(header.clone()), 0);
        }
        k -= entry.headers.len();
        let method = entry.methods.get(k)?;
        probe(ProbeKind::UnsupportedMethod(method.as_str()), 0)
    }

    /// Every probe in sending order.
    pub fn iter(&self) -> impl Iterator<Item = Probe> + '_ {
        (0..self.len).filter_map(|i| self.get(i))
    }

    /// Each planned operation with how many probes it gives, in sending order.
    pub fn per_operation(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        let families = self.families.len();
        self.entries
            .iter()
            .map(move |e| (e.operation, e.len(&self.counts, families)))
    }

    /// Keeps only the operations `keep` accepts (a shard, src/probes/shard.rs):
    /// each kept operation's probes stay what the whole plan gave it (the
    /// undeclared methods of a path on the path's first operation of the
    /// whole selection), so a shard sends what a whole scan would.
    pub fn retain(&mut self, keep: impl Fn(usize) -> bool) {
        let families = self.families.len();
        self.entries.retain(|e| keep(e.operation));
        let mut len = 0;
        for e in &mut self.entries {
            e.start = len;
            len += e.len(&self.counts, families);
        }
        self.len = len;
        self.operations = self.entries.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Loader;

    fn demo() -> Api {
        let text = include_str!("../../specs/demo.yaml");
        Loader::new()
            .load_str(text, "demo.yaml")
            .expect("the demo spec loads")
    }

    #[test]
    fn every_operation_gets_every_kind() {
        let api = demo();
        let all: Vec<usize> = (0..api.operations.len()).collect();
        let payloads = Payloads::builtin();
        let plan = Plan::new(&api, &all, &payloads, &PlanOptions::default());
        assert_eq!(plan.operations, api.operations.len());
        for i in all {
            let count = |k: &ProbeKind| {
                plan.iter()
                    .filter(|p| p.operation == i && &p.kind == k)
                    .count()
            };
            assert_eq!(count(&ProbeKind::Positive), 10);
            assert_eq!(count(&ProbeKind::Boundary), 5);
            assert_eq!(count(&ProbeKind::Negative), 10);
            assert_eq!(count(&ProbeKind::Attack("sqli".into())), 2);
        }
    }

    #[test]
    fn undeclared_methods_are_planned_once_per_path() {
        let api = demo();
        let all: Vec<usize> = (0..api.operations.len()).collect();
        let plan = Plan::new(&api, &all, &Payloads::new(), &PlanOptions::default());
        let version: Vec<Probe> = plan
            .iter()
            .filter(|p| matches!(p.kind, ProbeKind::UnsupportedMethod(_)))
            .filter(|p| api.operations[p.operation].path == "/version")
            .collect();
        let methods: Vec<String> = version.iter().map(|p| p.kind.label()).collect();
        assert_eq!(
            methods,
            ["method:PUT", "method:POST", "method:DELETE", "method:PATCH"]
        );
        // /notes declares GET and POST: the others only, once for the path
        let notes: Vec<String> = plan
            .iter()
            .filter(|p| matches!(p.kind, ProbeKind::UnsupportedMethod(_)))
            .filter(|p| api.operations[p.operation].path == "/notes")
            .map(|p| p.kind.label())
            .collect();
        assert_eq!(notes, ["method:PUT", "method:DELETE", "method:PATCH"]);
    }

    #[test]
    fn read_only_plans_no_writes() {
        let api = demo();
        let all: Vec<usize> = (0..api.operations.len()).collect();
        let options = PlanOptions {
            read_only: true,
            ..PlanOptions::default()
        };
        let plan = Plan::new(&api, &all, &Payloads::builtin(), &options);
        assert!(plan.operations > 0 && plan.operations < api.operations.len());
        for p in plan.iter() {
            assert!(is_read_only(api.operations[p.operation].method));
            assert!(!matches!(p.kind, ProbeKind::UnsupportedMethod(_)));
        }
    }

    #[test]
    fn destructive_operations_are_not_planned() {
        let text = r#"
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /admin/reset-db:
    get: {responses: {'200': {description: ok}}}
  /items:
    get: {responses: {'200': {description: ok}}}
    delete: {responses: {'204': {description: ok}}}
"#;
        let api = Loader::new().load_str(text, "t.yaml").expect("loads");
        let all: Vec<usize> = (0..api.operations.len()).collect();
        for read_only in [false, true] {
            let options = PlanOptions {
                read_only,
                ..PlanOptions::default()
            };
            let plan = Plan::new(&api, &all, &Payloads::builtin(), &options);
            assert_eq!(plan.operations, 1);
            for p in plan.iter() {
                let op = &api.operations[p.operation];
                assert_eq!((op.method, op.path.as_str()), (Method::Get, "/items"));
            }
        }
    }

    #[test]
    fn probes_come_operation_by_operation_in_kind_order() {
        let api = demo();
        let all: Vec<usize> = (0..api.operations.len()).collect();
        let payloads = Payloads::builtin();
        let options = PlanOptions::default();
        let plan = Plan::new(&api, &all, &payloads, &options);
        let probes: Vec<Probe> = plan.iter().collect();
        assert_eq!(probes.len(), plan.len());
        assert!(plan.get(plan.len()).is_none());
        // each operation's probes are one run, in the order the operations were selected
        let mut order: Vec<usize> = probes.iter().map(|p| p.operation).collect();
        order.dedup();
        assert_eq!(order, all);
        // within an operation: positive rounds 0..n, boundary, negative, then attacks
        let first: Vec<String> = probes
            .iter()
            .filter(|p| p.operation == 0)
            .take(27)
            .map(|p| format!("{}#{}", p.kind.label(), p.round))
            .collect();
        assert_eq!(first[0], "positive#0");
        assert_eq!(first[9], "positive#9");
        assert_eq!(first[10], "boundary#0");
        assert_eq!(first[15], "negative#0");
        assert_eq!(
            first[25],
            format!("attack:{}#0", payloads.families().next().unwrap().name())
        );
        assert_eq!(
            first[26],
            format!("attack:{}#1", payloads.families().next().unwrap().name())
        );
        // random access agrees with the walk
        for i in [0, 1, 26, plan.len() / 2, plan.len() - 1] {
            assert_eq!(plan.get(i).as_ref(), probes.get(i));
        }
    }
}
