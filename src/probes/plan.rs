//! The probes of a scan, in the order they are sent.

use std::collections::HashSet;

use serde::Serialize;

use crate::generate::{Intent, PayloadFamily, Payloads};
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

/// The probes of a whole scan, operation by operation.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// The probes, in sending order (all of one operation, then the next).
    pub probes: Vec<Probe>,
    /// How many operations the plan covers.
    pub operations: usize,
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
    /// `selected` (in that order).
    pub fn new(api: &Api, selected: &[usize], payloads: &Payloads, options: &PlanOptions) -> Plan {
        let mut probes = Vec::new();
        let mut paths_done: HashSet<&str> = HashSet::new();
        let families: Vec<&PayloadFamily> = payloads.families().collect();
        let mut operations = 0;
        for &index in selected {
            let Some(op) = api.operations.get(index) else {
                continue;
            };
            if options.read_only && !is_read_only(op.method) {
                continue;
            }
            operations += 1;
            let mut push = |kind: ProbeKind, count: u32| {
                for round in 0..count {
                    probes.push(Probe {
                        operation: index,
                        kind: kind.clone(),
                        round,
                    });
                }
            };
            push(ProbeKind::Positive, options.positive);
            push(ProbeKind::Boundary, options.positive.div_ceil(2));
            push(ProbeKind::Negative, options.negative);
            for family in &families {
                push(
                    ProbeKind::Attack(family.name().to_owned()),
                    options.attacks_per_family,
                );
            }
            if options.missing_headers {
                for p in op.parameters_in(ParameterLocation::Header) {
                    if p.required {
                        push(ProbeKind::MissingRequiredHeader(p.name.clone()), 1);
                    }
                }
            }
            if options.unsupported_methods && !options.read_only && paths_done.insert(&op.path) {
                let declared: Vec<Method> = api
                    .operations
                    .iter()
                    .filter(|o| o.path == op.path)
                    .map(|o| o.method)
                    .collect();
                for m in UNDECLARED {
                    if !declared.contains(&m) {
                        push(ProbeKind::UnsupportedMethod(m.as_str()), 1);
                    }
                }
            }
        }
        Plan { probes, operations }
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
                plan.probes
                    .iter()
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
        let version: Vec<&Probe> = plan
            .probes
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
            .probes
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
        for p in &plan.probes {
            assert!(is_read_only(api.operations[p.operation].method));
            assert!(!matches!(p.kind, ProbeKind::UnsupportedMethod(_)));
        }
    }
}
