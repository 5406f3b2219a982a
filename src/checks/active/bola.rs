//! bola (broken object-level authorization): one identity's object, another
//! identity's request on it.
//!
//! - Objects the probe creates: identity A creates a resource (its
//!   producer tried with several requests until one answers 2xx); B reads,
//!   changes or deletes it. A read counts when B's answer shows A's object;
//!   a write when A's read-back shows B's change (then A writes the values
//!   read before back).
//! - Objects the API already holds: the ownership map (`ownership.rs`)
//!   says whose each listed object is; B reads A's objects that B's own
//!   listings do not show. Writes on those (seeded data) only with the
//!   aggressive profile, and never a DELETE.
//! - B walking the ids next to A's (id - 1, id + 1) where ids are numbers.
//!
//! The finding shows both identities' requests.

use futures_util::future::BoxFuture;
use serde_json::Value;

use super::ownership::{self, Target};
use super::sequence::{self, others, owner, provision, reader, request_on, status, step};
use super::{ActiveProbe, Identity, Stage};
use super::{Session, cross};
use crate::checks::check::{Check, How, Owasp, Scope, Severity};
use crate::checks::{Confidence, ProofItem, Verdict};
use crate::http::Exchange;
use crate::model::{Api, Method, Operation, ParameterLocation};
use crate::probes::{IdSource, Profile};

/// The `bola` check.
pub(in crate::checks) const CHECK: Check = Check {
    name: "bola",
    severity: Severity::High,
    cwe: Some(639),
    owasp: Some(Owasp::Api1),
    summary: "One identity reads, changes or deletes a resource another identity owns (broken object-level authorization).",
    scope: Scope::Operation,
    how: How::Probe(ActiveProbe {
        stage: Stage::Stateful,
        applies,
        run,
    }),
};

/// Objects of the ownership map tried per (owner, intruder) pair.
const PER_PAIR: usize = 2;

pub(super) fn applies(api: &Api, op: &Operation, profile: Profile) -> bool {
    // identities as objects: a write that names a user (user_objects.rs)
    on_objects(api, op, profile) || super::user_objects::applies(api, op)
}

fn on_objects(_: &Api, op: &Operation, _: Profile) -> bool {
    let on_object = op
        .path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .is_some_and(|last| last.starts_with('{'));
    (matches!(
        op.method,
        Method::Get | Method::Put | Method::Patch | Method::Delete
    ) || (op.method == Method::Post && on_object))
        && op.path.contains('{')
        && !op.is_public()
}

pub(super) fn run<'s>(s: &'s mut Session<'_>) -> BoxFuture<'s, ()> {
    Box::pin(async move {
        if super::user_objects::applies(s.api(), s.operation()) {
            super::user_objects::run(s).await;
        }
        if s.reported() > 0 || !on_objects(s.api(), s.operation(), s.profile()) {
            return;
        }
        let me = s.index();
        let Some((owner_id, owner_name)) = owner(s) else {
            return;
        };
        if others(s, &owner_id).is_empty() {
            return;
        }
        if sequence::creatable(s, me) {
            created(s, &owner_id, &owner_name).await;
        }
        if s.reported() == 0 && !s.stopping() {
            existing(s).await;
        }
    })
}

/// The verb of a finding on `method`.
fn verb(method: Method) -> &'static str {
    match method {
        Method::Get => "read",
        Method::Delete => "deleted",
        _ => "changed",
    }
}

/// The names a read's answer may hold the id under: the producer's
/// field, the parameter's name, `id`.
fn id_fields(source: Option<&IdSource>, parameter: &str) -> Vec<String> {
    let mut out = Vec::new();
    let pointer = match source {
        Some(IdSource::Body(p) | IdSource::Sent(p)) => Some(p.as_str()),
        Some(IdSource::Items { field, .. }) => Some(field.as_str()),
        _ => None,
    };
    if let Some(last) = pointer.and_then(|p| p.rsplit('/').next()) {
        out.push(last.replace("~1", "/").replace("~0", "~"));
    }
    out.push(parameter.to_owned());
    out.push("id".to_owned());
    out
}

/// A creates a resource; B acts on it.
async fn created(s: &mut Session<'_>, owner_id: &Identity, owner_name: &str) {
    let me = s.index();
    let intruders = others(s, owner_id);
    let Some(made) = provision(s, me, owner_id).await else {
        return;
    };
    let Some(target) = made.target().cloned() else {
        return;
    };
    let outer = made.made[..made.made.len() - 1].to_vec();
    // the owner can read it (else a refusal to B proves nothing)
    let Some(read_op) = reader(s.api(), s.operation()) else {
        return;
    };
    let Some(read_request) = request_on(s, read_op, &outer, &target) else {
        return;
    };
    let Some(owner_read) = s.send_to(read_op, &read_request, owner_id).await else {
        return;
    };
    if !sequence::ok(&owner_read) {
        return;
    }
    let method = s.operation().method;
    let source = s
        .resources()
        .producers_of(me, &target.parameter)
        .find(|b| b.producer == target.producer)
        .map(|b| b.source.clone());
    let fields = id_fields(source.as_ref(), &target.parameter);
    for (intruder, name) in &intruders {
        if method == Method::Get {
            let Some(request) = s.request_of(me, &made.values) else {
                return;
            };
            let Some(exchange) = s.send_as(&request, intruder).await else {
                return;
            };
            if fields
                .iter()
                .any(|f| cross::shows(&exchange, f, &target.id, &owner_read))
            {
                let verdict = read_verdict(
                    s,
                    owner_name,
                    name,
                    &target.id,
                    vec![
                        ProofItem::new("owner_create", step(&target.exchange)),
                        ProofItem::new("owner_read", step(&owner_read)),
                        ProofItem::new("intruder_request", step(&exchange)),
                    ],
                    &exchange,
                    format!("{owner_name} created id {}", target.id),
                );
                s.report(verdict, &exchange);
                return;
            }
            continue;
        }
        let Some(written) = cross::write(
            s,
            me,
            &made.values,
            (read_op, &read_request),
            owner_id,
            intruder,
        )
        .await
        else {
            continue;
        };
        let mut proof = vec![ProofItem::new("owner_create", step(&target.exchange))];
        proof.extend(write_proof(&written));
        report_write(s, owner_name, name, &target.id, proof, &written);
        return;
    }
    if method == Method::Get {
        walk(s, &made.values, &target, owner_name, &intruders).await;
    }
}

/// A finding of B reading A's object.
fn read_verdict(
    s: &Session<'_>,
    owner_name: &str,
    intruder: &str,
    id: &Value,
    steps: Vec<ProofItem>,
    exchange: &Exchange,
    how: String,
) -> Verdict {
    let mut proof = vec![
        ProofItem::new("owner", owner_name.to_owned()),
        ProofItem::new("intruder", intruder.to_owned()),
        ProofItem::new("id", id.to_string()),
    ];
    proof.extend(steps);
    Verdict {
        title: format!(
            "{intruder} read a resource of {owner_name} ({})",
            status(exchange)
        ),
        evidence: format!(
            "{how}; {intruder} sent GET {} for it and got {} with the object instead of 403 or 404",
            s.operation().path,
            status(exchange),
        ),
        signature: "cross_identity:read".to_owned(),
        proof,
        ..Verdict::default()
    }
}

/// The proof items of a confirmed write.
fn write_proof(written: &cross::Written) -> Vec<ProofItem> {
    let mut proof = vec![
        ProofItem::new("owner_read", step(&written.before)),
        ProofItem::new("intruder_request", step(&written.write)),
        ProofItem::new("owner_read_back", step(&written.after)),
        ProofItem::new("change", written.change.clone()),
    ];
    if let Some(restore) = &written.restore {
        proof.push(ProofItem::new("owner_restore", step(restore)));
    }
    proof
}

/// Reports B's confirmed write on A's object.
fn report_write(
    s: &mut Session<'_>,
    owner_name: &str,
    intruder: &str,
    id: &Value,
    steps: Vec<ProofItem>,
    written: &cross::Written,
) {
    let method = s.operation().method;
    let verb = verb(method);
    let mut proof = vec![
        ProofItem::new("owner", owner_name.to_owned()),
        ProofItem::new("intruder", intruder.to_owned()),
        ProofItem::new("id", id.to_string()),
    ];
    proof.extend(steps);
    let verdict = Verdict {
        title: format!(
            "{intruder} {verb} a resource of {owner_name} ({})",
            status(&written.write)
        ),
        evidence: format!(
            "{intruder} sent {} {} for {owner_name}'s id {id} and got {}; {}",
            method.as_str(),
            s.operation().path,
            status(&written.write),
            written.change,
        ),
        signature: format!("cross_identity:{verb}"),
        proof,
        ..Verdict::default()
    };
    s.report(verdict, &written.write);
}

/// Numeric ids: the intruder tries the owner's neighbours.
async fn walk(
    s: &mut Session<'_>,
    values: &crate::generate::Values,
    target: &sequence::Made,
    owner_name: &str,
    intruders: &[(Identity, String)],
) {
    let Some(n) = target
        .id
        .as_i64()
        .or_else(|| target.id.as_str().and_then(|t| t.parse().ok()))
    else {
        return;
    };
    let Some(param) = s
        .operation()
        .parameters
        .iter()
        .position(|p| p.name == target.parameter)
    else {
        return;
    };
    let Some((intruder, name)) = intruders.first().cloned() else {
        return;
    };
    for neighbour in [n - 1, n + 1] {
        if neighbour < 0 {
            continue;
        }
        let mut values = values.clone();
        values.parameters[param] = Some(match &target.id {
            Value::String(_) => Value::String(neighbour.to_string()),
            _ => Value::from(neighbour),
        });
        let Some(req) = s.request_of(s.index(), &values) else {
            continue;
        };
        let Some(exchange) = s.send_as(&req, &intruder).await else {
            return;
        };
        if sequence::ok(&exchange) {
            let verdict = Verdict {
                title: format!(
                    "{name} reads resources it did not create by walking ids ({})",
                    status(&exchange)
                ),
                evidence: format!(
                    "{owner_name} created id {n}; {name}, who created nothing, read id {neighbour}: {}",
                    status(&exchange)
                ),
                signature: "id_walk".to_owned(),
                confidence: Confidence::Likely,
                proof: vec![
                    ProofItem::new("owner", owner_name.to_owned()),
                    ProofItem::new("intruder", name.clone()),
                    ProofItem::new("owner_id", n.to_string()),
                    ProofItem::new("walked_id", neighbour.to_string()),
                    ProofItem::new("intruder_request", step(&exchange)),
                ],
            };
            s.report(verdict, &exchange);
            return;
        }
    }
}

/// B on A's objects the API already holds (the ownership map), for an
/// operation with one path parameter. Reads always; writes only with the
/// aggressive profile (seeded data is not apiprobe's), never a DELETE.
async fn existing(s: &mut Session<'_>) {
    let me = s.index();
    let op = s.operation();
    let params: Vec<usize> = op
        .parameters
        .iter()
        .enumerate()
        .filter(|(_, p)| p.location == ParameterLocation::Path)
        .map(|(i, _)| i)
        .collect();
    let [param] = params[..] else {
        return;
    };
    let method = op.method;
    let writes = s.profile() == Profile::Aggressive
        && matches!(method, Method::Put | Method::Patch | Method::Post);
    if method != Method::Get && !writes {
        return;
    }
    let Some(read_op) = reader(s.api(), op) else {
        return;
    };
    let map = ownership::map(s).await;
    let name = op.parameters[param].name.clone();
    let targets = map.targets(s, me, &name, PER_PAIR);
    let calls = map.calls.join("; ");
    for t in targets {
        if s.stopping() {
            return;
        }
        let mut values = s.values().clone();
        values.parameters[param] = Some(t.object.id.clone());
        let mut read_values = s.case_of(read_op).map(|c| c.values).unwrap_or_default();
        let Some(read_param) = s
            .api()
            .operations
            .get(read_op)
            .and_then(|r| r.parameters.iter().position(|p| p.name == name))
        else {
            return;
        };
        if let Some(slot) = read_values.parameters.get_mut(read_param) {
            *slot = Some(t.object.id.clone());
        }
        let Some(read_request) = s.request_of(read_op, &read_values) else {
            continue;
        };
        let attributed = attribution(&t);
        if method == Method::Get {
            let Some(owner_read) = s.send_to(read_op, &read_request, &t.owner.identity).await
            else {
                return;
            };
            if !sequence::ok(&owner_read) {
                continue;
            }
            let Some(request) = s.request_of(me, &values) else {
                continue;
            };
            let Some(exchange) = s.send_as(&request, &t.intruder.identity).await else {
                return;
            };
            if cross::shows(&exchange, &t.object.field, &t.object.id, &owner_read) {
                let verdict = read_verdict(
                    s,
                    &t.owner.name,
                    &t.intruder.name,
                    &t.object.id,
                    vec![
                        ProofItem::new("attributed", attributed.clone()),
                        ProofItem::new("listings", calls.clone()),
                        ProofItem::new("owner_read", step(&owner_read)),
                        ProofItem::new("intruder_request", step(&exchange)),
                    ],
                    &exchange,
                    format!("id {} is {}'s ({attributed})", t.object.id, t.owner.name),
                );
                s.report(verdict, &exchange);
                return;
            }
            continue;
        }
        let Some(written) = cross::write(
            s,
            me,
            &values,
            (read_op, &read_request),
            &t.owner.identity,
            &t.intruder.identity,
        )
        .await
        else {
            continue;
        };
        let mut proof = vec![
            ProofItem::new("attributed", attributed),
            ProofItem::new("listings", calls.clone()),
        ];
        proof.extend(write_proof(&written));
        report_write(
            s,
            &t.owner.name,
            &t.intruder.name,
            &t.object.id,
            proof,
            &written,
        );
        return;
    }
}

/// Why the map says the object is its owner's.
fn attribution(t: &Target) -> String {
    match &t.object.owner_field {
        Some(field) => format!("its owner field {field} names {}", t.owner.name),
        None => format!(
            "only {}'s listing shows it, not {}'s",
            t.owner.name, t.intruder.name
        ),
    }
}
