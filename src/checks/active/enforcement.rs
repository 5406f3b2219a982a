//! Function-level authorization by behaviour, for `bfla`: without any
//! marker in the spec, what each identity gets on each method of one path.
//! An identity refused (401 or 403) on one method of a path, where another
//! identity is served, while a method of the same path that does as much
//! or more (DELETE over PUT and PATCH over POST over GET) answers it 2xx:
//! the check the other methods make is missing on that one ("inconsistent
//! enforcement"). When a privileged identity is known, it is the one the
//! refused method must serve: the refusal is then about roles.
//!
//! The path's ids are live: the resources are created first (by the
//! privileged identity when there is one, else by the scan's own), so the
//! destructive method acts on something apiprobe made. A change is
//! confirmed by the creator reading the resource back (gone after a
//! DELETE, different after a PUT or PATCH); without a read on the path the
//! finding is only likely.

use serde_json::Value;

use super::sequence::{self, ok, owner, provision, status, step};
use super::{Identity, Session};
use crate::checks::{Confidence, ProofItem, Verdict};
use crate::generate::Values;
use crate::http::Exchange;
use crate::model::{Api, Method, Operation, ParameterLocation};
use crate::probes::destructive;

/// Plain identities tried at most per operation.
const MAX_PLAIN: usize = 3;
/// Other methods of the path tried at most.
const MAX_SIBLINGS: usize = 4;

/// How much a method does: a refusal on a method that does as much or
/// less than one that is served is inconsistent.
fn power(method: Method) -> u8 {
    match method {
        Method::Delete => 3,
        Method::Put | Method::Patch => 2,
        Method::Post => 1,
        _ => 0,
    }
}

/// Whether the behavioural comparison applies to `op`: a DELETE, PUT or
/// PATCH (not a wipe of the whole store) whose path has other methods.
pub(super) fn applies(api: &Api, op: &Operation) -> bool {
    matches!(op.method, Method::Delete | Method::Put | Method::Patch)
        && destructive(op).is_none()
        && !siblings(api, op).is_empty()
}

/// The other operations of `op`'s path that do as much as it or less
/// (a DELETE is never sent before the operation under test).
fn siblings(api: &Api, op: &Operation) -> Vec<usize> {
    let mut out: Vec<usize> = api
        .operations
        .iter()
        .enumerate()
        .filter(|(_, o)| {
            o.path == op.path
                && o.method != op.method
                && o.method != Method::Delete
                && power(o.method) <= power(op.method)
                && matches!(
                    o.method,
                    Method::Get | Method::Put | Method::Patch | Method::Post
                )
        })
        .map(|(i, _)| i)
        .collect();
    // reads first: a refused write is sent after what it could change was read
    out.sort_by_key(|&i| power(api.operations[i].method));
    out.truncate(MAX_SIBLINGS);
    out
}

/// Runs the comparison on the session's operation (see the module's documentation).
pub(super) async fn run(s: &mut Session<'_>) {
    let api = s.api();
    let me = s.index();
    let op = s.operation();
    let privileged: Option<(Identity, String)> = s
        .identities()
        .iter()
        .find(|i| i.is_privileged())
        .map(|i| (Identity::With(i.credentials.clone()), i.name.clone()));
    let Some((creator, creator_name)) = privileged.clone().or_else(|| owner(s)) else {
        return;
    };
    let plain = plain_identities(s, &creator);
    if plain.is_empty() {
        return;
    }
    // the path's ids: resources the creator makes now
    let ids: Vec<(String, Value)> = if op.path.contains('{') {
        if !sequence::creatable(s, me) {
            return;
        }
        let Some(made) = provision(s, me, &creator).await else {
            return;
        };
        made.made
            .iter()
            .map(|m| (m.parameter.clone(), m.id.clone()))
            .collect()
    } else {
        Vec::new()
    };
    let Some(request) = request_for(s, me, &ids) else {
        return;
    };
    let reader = siblings(api, op)
        .into_iter()
        .find(|&i| api.operations[i].method == Method::Get);
    let mut controls: Vec<(Identity, String)> = privileged.into_iter().collect();
    if controls.is_empty() {
        controls.push((creator.clone(), creator_name.clone()));
        controls.extend(plain.iter().cloned());
    }
    for (who, name) in &plain {
        let Some(refusal) = refused_sibling(s, &ids, who, &controls).await else {
            continue;
        };
        let before = match reader {
            Some(r) => read(s, r, &ids, &creator).await,
            None => None,
        };
        let Some(exchange) = s.send_as(&request, who).await else {
            return;
        };
        if !ok(&exchange) {
            continue;
        }
        let after = match reader {
            Some(r) => read(s, r, &ids, &creator).await,
            None => None,
        };
        let confidence = match (&before, &after) {
            (Some(b), Some(a)) if ok(b) => {
                if !changed(op.method, b, a) {
                    // a 2xx that changed nothing is no finding
                    continue;
                }
                Confidence::Confirmed
            }
            _ => Confidence::Likely,
        };
        let sibling_op = &api.operations[refusal.operation];
        let mut proof = vec![
            ProofItem::new("identity", name.clone()),
            ProofItem::new("refused", step(&refusal.refused)),
            ProofItem::new(
                format!("served to {}", refusal.control_name),
                step(&refusal.served),
            ),
            ProofItem::new("allowed", step(&exchange)),
        ];
        if let Some(a) = &after {
            proof.push(ProofItem::new(
                format!("read back by {creator_name}"),
                step(a),
            ));
        }
        let verdict = Verdict {
            title: format!(
                "{} {} lacks the check {} {} makes: {name} is refused there and gets {} here",
                op.method.as_str(),
                op.path,
                sibling_op.method.as_str(),
                sibling_op.path,
                status(&exchange)
            ),
            evidence: format!(
                "{name} got {} on {} {} ({} got {}), but {} on {} {}",
                status(&refusal.refused),
                sibling_op.method.as_str(),
                sibling_op.path,
                refusal.control_name,
                status(&refusal.served),
                status(&exchange),
                op.method.as_str(),
                op.path
            ),
            signature: "inconsistent_enforcement".to_owned(),
            confidence,
            proof,
        };
        s.report(verdict, &exchange);
        return;
    }
}

/// The plain identities to try: the named identities that are not
/// privileged (the scan's own when there are none), not the creator.
fn plain_identities(s: &Session<'_>, creator: &Identity) -> Vec<(Identity, String)> {
    let mut out: Vec<(Identity, String)> = s
        .identities()
        .iter()
        .filter(|i| !i.is_privileged())
        .map(|i| (Identity::With(i.credentials.clone()), i.name.clone()))
        .filter(|(i, _)| i != creator)
        .collect();
    if out.is_empty() && !s.credentials().is_empty() && creator != &Identity::Scan {
        out.push((Identity::Scan, "the scan's identity".to_owned()));
    }
    out.truncate(MAX_PLAIN);
    out
}

/// A method of the path that refused `who` and served a control identity.
struct Refusal {
    operation: usize,
    refused: Exchange,
    served: Exchange,
    control_name: String,
}

/// The first other method of the path that refuses `who` (401 or 403)
/// and serves one of `controls` (2xx).
async fn refused_sibling(
    s: &mut Session<'_>,
    ids: &[(String, Value)],
    who: &Identity,
    controls: &[(Identity, String)],
) -> Option<Refusal> {
    let api = s.api();
    for sibling in siblings(api, s.operation()) {
        let request = request_for(s, sibling, ids)?;
        let refused = s.send_to(sibling, &request, who).await?;
        if !refused
            .response()
            .is_some_and(|r| matches!(r.status, 401 | 403))
        {
            continue;
        }
        for (control, control_name) in controls.iter().filter(|(c, _)| c != who) {
            let served = s.send_to(sibling, &request, control).await?;
            if ok(&served) {
                return Some(Refusal {
                    operation: sibling,
                    refused,
                    served,
                    control_name: control_name.clone(),
                });
            }
        }
    }
    None
}

/// Reads the resource through `reader` as `identity`.
async fn read(
    s: &mut Session<'_>,
    reader: usize,
    ids: &[(String, Value)],
    identity: &Identity,
) -> Option<Exchange> {
    let request = request_for(s, reader, ids)?;
    s.send_to(reader, &request, identity).await
}

/// Whether the read after a `method` differs from the read before it: a
/// DELETE leaves nothing to read, a write a different body.
fn changed(method: Method, before: &Exchange, after: &Exchange) -> bool {
    match method {
        Method::Delete => !ok(after),
        _ => {
            let body = |e: &Exchange| {
                e.response()
                    .and_then(|r| serde_json::from_slice::<Value>(&r.body).ok())
            };
            ok(after) && body(before) != body(after)
        }
    }
}

/// A request of operation `index`, its path parameters holding `ids` by name.
fn request_for(
    s: &mut Session<'_>,
    index: usize,
    ids: &[(String, Value)],
) -> Option<crate::http::Request> {
    let api = s.api();
    let op = api.operations.get(index)?;
    let mut values: Values = s.case_of(index)?.values;
    for (i, p) in op.parameters.iter().enumerate() {
        if p.location != ParameterLocation::Path {
            continue;
        }
        if let Some((_, id)) = ids.iter().find(|(name, _)| name == &p.name) {
            values.parameters[i] = Some(id.clone());
        } else if !ids.is_empty() {
            return None;
        }
    }
    s.request_of(index, &values)
}
