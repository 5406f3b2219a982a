//! bola (broken object-level authorization): identity A creates a
//! resource; identity B reads, changes or deletes it and the server says
//! 2xx. Also B walking the ids next to A's (id - 1, id + 1) where ids are
//! numbers. The finding shows both identities' requests.

use futures_util::future::BoxFuture;
use serde_json::Value;

use super::Session;
use super::sequence::{self, ok, others, owner, provision, reader, request_on, status, step};
use super::{ActiveProbe, Stage};
use crate::checks::check::{Check, How, Owasp, Scope, Severity};
use crate::checks::{Confidence, ProofItem, Verdict};
use crate::model::{Api, Method, Operation};
use crate::probes::Profile;

/// The `bola` check.
pub(in crate::checks) const CHECK: Check = Check {
    name: "bola",
    severity: Severity::High,
    cwe: Some(639),
    owasp: Some(Owasp::Api1),
    summary: "One identity reads, changes or deletes a resource another identity created (broken object-level authorization).",
    scope: Scope::Operation,
    how: How::Probe(ActiveProbe {
        stage: Stage::Stateful,
        applies,
        run,
    }),
};

pub(super) fn applies(_: &Api, op: &Operation, _: Profile) -> bool {
    matches!(
        op.method,
        Method::Get | Method::Put | Method::Patch | Method::Delete
    ) && op.path.contains('{')
        && !op.is_public()
}

pub(super) fn run<'s>(s: &'s mut Session<'_>) -> BoxFuture<'s, ()> {
    Box::pin(async move {
        let me = s.index();
        let Some((owner_id, owner_name)) = owner(s) else {
            return;
        };
        let intruders = others(s, &owner_id);
        if intruders.is_empty() || !sequence::creatable(s, me) {
            return;
        }
        let Some(made) = provision(s, me, &owner_id).await else {
            return;
        };
        let Some(target) = made.target().cloned() else {
            return;
        };
        let outer = made.made[..made.made.len() - 1].to_vec();
        // the owner can read it (else a refusal to B proves nothing)
        let read_op = reader(s.api(), s.operation());
        let owner_read = match read_op {
            Some(r) => match request_on(s, r, &outer, &target) {
                Some(req) => s.send_to(r, &req, &owner_id).await,
                None => None,
            },
            None => None,
        };
        let Some(owner_read) = owner_read else { return };
        if !ok(&owner_read) {
            return;
        }
        let Some(request) = s.request_of(me, &made.values) else {
            return;
        };
        let method = s.operation().method;
        for (intruder, name) in &intruders {
            let Some(exchange) = s.send_as(&request, intruder).await else {
                return;
            };
            if ok(&exchange) {
                let verb = match method {
                    Method::Get => "read",
                    Method::Delete => "deleted",
                    _ => "changed",
                };
                let verdict = Verdict {
                    title: format!(
                        "{name} {verb} a resource of {owner_name} ({})",
                        status(&exchange)
                    ),
                    evidence: format!(
                        "{owner_name} created id {} ({}); {name} sent {} {} for it and got {} instead of 403 or 404",
                        target.id,
                        step(&target.exchange),
                        method.as_str(),
                        s.operation().path,
                        status(&exchange),
                    ),
                    signature: format!("cross_identity:{verb}"),
                    proof: vec![
                        ProofItem::new("owner", owner_name.clone()),
                        ProofItem::new("intruder", name.clone()),
                        ProofItem::new("id", target.id.to_string()),
                        ProofItem::new("owner_create", step(&target.exchange)),
                        ProofItem::new("owner_read", step(&owner_read)),
                        ProofItem::new("intruder_request", step(&exchange)),
                    ],
                    ..Verdict::default()
                };
                s.report(verdict, &exchange);
                return;
            }
        }
        // numeric ids: the intruder tries the owner's neighbours
        if method != Method::Get {
            return;
        }
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
        let (intruder, name) = intruders[0].clone();
        for neighbour in [n - 1, n + 1] {
            if neighbour < 0 {
                continue;
            }
            let mut values = made.values.clone();
            values.parameters[param] = Some(match &target.id {
                Value::String(_) => Value::String(neighbour.to_string()),
                _ => Value::from(neighbour),
            });
            let Some(req) = s.request_of(me, &values) else {
                continue;
            };
            let Some(exchange) = s.send_as(&req, &intruder).await else {
                return;
            };
            if ok(&exchange) {
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
                        ProofItem::new("owner", owner_name.clone()),
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
    })
}
