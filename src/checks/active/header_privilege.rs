//! header_privilege: an operation refused (401/403) to anonymous, or a
//! privileged operation refused to an identity without the role, is sent
//! again with each privilege-claiming header of
//! [`claim_headers`](super::claim_headers) (`IsAdmin: True`, `X-Role:
//! admin`, `X-User-Id: 1`, a loopback `X-Forwarded-For` when the refusal
//! speaks of the client's address, `X-Original-URL` naming a public path, a
//! POST with `X-HTTP-Method-Override` for a DELETE, PUT or PATCH). A 2xx is
//! a finding naming the header when the same request is refused again
//! without it, and also with a made-up header of the same value (a server
//! that answers 2xx to anything extra is not crediting the claim).
//! DELETE, PUT and PATCH on an object go only to objects apiprobe created.

use futures_util::future::BoxFuture;

use super::bfla::is_privileged_operation;
use super::claim_headers::{self, CLIENT_IP, Claim, METHOD_OVERRIDE};
use super::sequence::{self, Made, owner, provision, step};
use super::{ActiveProbe, Identity, Session, Stage};
use crate::checks::check::{Check, How, Owasp, Scope, Severity};
use crate::checks::{ProofItem, Verdict};
use crate::generate::Request;
use crate::http::Exchange;
use crate::identity::Credential;
use crate::model::{Api, Method, Operation, ParameterLocation};
use crate::probes::{Inference, Profile};

/// The `header_privilege` check.
pub(in crate::checks) const CHECK: Check = Check {
    name: "header_privilege",
    severity: Severity::High,
    cwe: Some(290),
    owasp: Some(Owasp::Api5),
    summary: "An operation refused (401/403) succeeds when the request claims privilege in a header anyone can set (IsAdmin: True, X-Role: admin, X-User-Id, a loopback X-Forwarded-For, X-Original-URL, X-HTTP-Method-Override), and is refused again without it.",
    scope: Scope::Operation,
    how: How::Probe(ActiveProbe {
        stage: Stage::Authentication,
        applies,
        run,
    }),
};

pub(super) fn applies(_: &Api, op: &Operation, _: Profile) -> bool {
    !op.is_public() || is_privileged_operation(op)
}

/// Whether an answer refuses for want of rights.
fn refused(exchange: &Exchange) -> bool {
    exchange
        .response()
        .is_some_and(|r| matches!(r.status, 401 | 403))
}

/// What the probe sends: the operation's request, on an object made for
/// it when the method changes or removes one.
struct Subject {
    request: Request,
    /// Whether a 2xx uses the object up (a fresh one is made for the next try).
    consumes: bool,
}

/// Whether `op` changes or removes the object its path names.
fn acts_on_object(op: &Operation) -> bool {
    matches!(op.method, Method::Delete | Method::Put | Method::Patch)
        && op.parameters_in(ParameterLocation::Path).next().is_some()
}

/// The request to try: on a fresh object made by `owner` when its path
/// names one that can be made (always when the operation changes or
/// removes it); `None` when such an object cannot be made.
async fn subject(s: &mut Session<'_>, owner: &Identity) -> Option<Subject> {
    let op = s.operation();
    let me = s.index();
    let has_ids = op.parameters_in(ParameterLocation::Path).next().is_some();
    if !has_ids || !sequence::creatable(s, me) {
        // an operation acting on an object goes only to objects made for it
        return (!acts_on_object(op)).then(|| Subject {
            request: s.base_request().clone(),
            consumes: false,
        });
    }
    let made = provision(s, me, owner).await?;
    let mut values = s.values().clone();
    for (i, p) in op.parameters.iter().enumerate() {
        if p.location == ParameterLocation::Path
            && let (Some(slot), Some(v)) =
                (values.parameters.get_mut(i), made.values.parameters.get(i))
        {
            slot.clone_from(v);
        }
    }
    Some(Subject {
        request: s.request_from(&values)?,
        consumes: op.method == Method::Delete,
    })
}

/// `identity`'s credentials with `extra` added.
fn with_header(s: &Session<'_>, identity: &Identity, extra: Credential) -> Identity {
    let mut credentials = match identity {
        Identity::Scan => s.credentials().to_vec(),
        Identity::Anonymous => Vec::new(),
        Identity::With(c) => c.clone(),
    };
    credentials.retain(|c| !c.name.eq_ignore_ascii_case(&extra.name));
    credentials.push(extra);
    Identity::With(credentials)
}

/// A path the spec documents as public (a GET with no path parameter and no
/// security), as the server sees it (after the base URL's own path).
fn public_path(s: &Session<'_>) -> String {
    let base = s
        .base_url()
        .split_once("://")
        .and_then(|(_, rest)| {
            rest.find('/')
                .map(|i| rest[i..].trim_end_matches('/').to_owned())
        })
        .unwrap_or_default();
    let public = s
        .api()
        .operations
        .iter()
        .find(|o| {
            o.method == Method::Get
                && o.is_public()
                && !is_privileged_operation(o)
                && o.parameters_in(ParameterLocation::Path).next().is_none()
        })
        .map_or("/", |o| o.path.as_str());
    format!("{base}{public}")
}

/// The identity refused the request (anonymous first; for a privileged
/// operation, the scan's identity and the named ones without a privileged
/// role), with its name and the refusal.
async fn refused_identity(
    s: &mut Session<'_>,
    request: &Request,
) -> Option<(Identity, String, Exchange)> {
    let mut candidates = vec![(Identity::Anonymous, "anonymous".to_owned())];
    if is_privileged_operation(s.operation()) {
        if !s.credentials().is_empty() {
            candidates.push((Identity::Scan, "the scan's identity".to_owned()));
        }
        candidates.extend(
            s.identities()
                .iter()
                .filter(|i| !i.is_privileged())
                .map(|i| (Identity::With(i.credentials.clone()), i.name.clone())),
        );
    }
    for (identity, name) in candidates {
        let exchange = s.send_as(request, &identity).await?;
        if refused(&exchange) {
            return Some((identity, name, exchange));
        }
        if sequence::ok(&exchange) && acts_on_object(s.operation()) {
            // the object is gone or changed: nothing more to try on it
            return None;
        }
    }
    None
}

/// The request a claim travels on: the operation's own, or a POST to its
/// path for a method override.
fn carrier(request: &Request, claim: &Claim) -> Request {
    let mut r = request.clone();
    if claim.family == METHOD_OVERRIDE {
        r.method = Method::Post;
    }
    r
}

/// Whether the control `request` (no claim, or a made-up header) is
/// refused: 401/403, or any non-2xx for a method-override POST.
fn still_refused(exchange: &Exchange, claim: &Claim) -> bool {
    match claim.family == METHOD_OVERRIDE {
        true => !sequence::ok(exchange),
        false => refused(exchange),
    }
}

pub(super) fn run<'s>(s: &'s mut Session<'_>) -> BoxFuture<'s, ()> {
    Box::pin(async move {
        let op = s.operation();
        let (owner_id, _) =
            owner(s).unwrap_or_else(|| (Identity::Scan, "the scan's identity".to_owned()));
        let Some(mut subject) = subject(s, &owner_id).await else {
            return;
        };
        let Some((identity, name, refusal)) = refused_identity(s, &subject.request).await else {
            return;
        };
        let refusal_text = refusal
            .response()
            .map(|r| r.text().into_owned())
            .unwrap_or_default();
        let public = public_path(s);
        let method = op.method.as_str();
        let override_applies = matches!(op.method, Method::Delete | Method::Put | Method::Patch);
        let mut done: Vec<String> = Vec::new();
        for claim in claim_headers::builtin() {
            if s.stopping() {
                return;
            }
            if done.contains(&claim.family)
                || (claim.family == CLIENT_IP && !claim_headers::about_address(&refusal_text))
                || (claim.family == METHOD_OVERRIDE && !override_applies)
            {
                continue;
            }
            let value = claim.value_for(&public, method);
            let header = Credential::header(&claim.name, &value);
            let claimed = with_header(s, &identity, header);
            let request = carrier(&subject.request, &claim);
            // a method override's carrier must be refused on its own
            if claim.family == METHOD_OVERRIDE {
                let Some(control) = s.send_as(&request, &identity).await else {
                    return;
                };
                if !still_refused(&control, &claim) {
                    continue;
                }
            }
            let Some(exchange) = s.send_as(&request, &claimed).await else {
                return;
            };
            if !sequence::ok(&exchange) {
                continue;
            }
            remember_creation(s, &exchange, &claimed);
            if subject.consumes {
                match self::subject(s, &owner_id).await {
                    Some(fresh) => subject = fresh,
                    None => return,
                }
            }
            let request = carrier(&subject.request, &claim);
            // refused again without the header, and with a made-up one
            let Some(again) = s.send_as(&request, &identity).await else {
                return;
            };
            if !still_refused(&again, &claim) {
                return;
            }
            let made_up = Credential::header(&format!("X-Apiprobe-{}", s.canary(8)), &value);
            let made_up = with_header(s, &identity, made_up);
            let Some(control) = s.send_as(&request, &made_up).await else {
                return;
            };
            if !still_refused(&control, &claim) {
                return;
            }
            done.push(claim.family.clone());
            report(
                s,
                &claim,
                &value,
                &name,
                [&refusal, &exchange, &again, &control],
            );
        }
    })
}

/// Queues the deletion of what a claimed POST created (when the spec says
/// where its id is and how it is deleted), sent with the same headers.
fn remember_creation(s: &mut Session<'_>, exchange: &Exchange, claimed: &Identity) {
    let me = s.index();
    if s.operation().method != Method::Post {
        return;
    }
    let binding = s
        .resources()
        .bindings
        .iter()
        .find(|b| b.producer == me && matches!(b.inference, Inference::Creation | Inference::Link))
        .cloned();
    let Some(binding) = binding else {
        return;
    };
    let Some(id) = sequence::id_from(&binding.source, exchange) else {
        return;
    };
    let m = Made {
        parameter: binding.parameter.clone(),
        producer: me,
        id,
        exchange: exchange.clone(),
    };
    super::sequence::remember_deletion(s, &[], &m, claimed);
}

fn report(
    s: &mut Session<'_>,
    claim: &Claim,
    value: &str,
    who: &str,
    [refusal, exchange, again, control]: [&Exchange; 4],
) {
    let op = s.operation();
    let status = sequence::status(exchange);
    let header = format!("{}: {value}", claim.name);
    let carried = match claim.family == METHOD_OVERRIDE {
        true => format!("a POST to {} carrying", op.path),
        false => "the request with".to_owned(),
    };
    let verdict = Verdict {
        title: format!(
            "The header {header} lets {who} call {} {} ({status})",
            op.method.as_str(),
            op.path
        ),
        evidence: format!(
            "{who} was refused ({}); {carried} {header} answered {status}; without the header it was refused again ({}), and with a made-up header of the same value too ({}): the server trusts a header any client can set",
            sequence::status(refusal),
            sequence::status(again),
            sequence::status(control),
        ),
        signature: format!("header:{}", claim.family),
        proof: vec![
            ProofItem::new("header", header.clone()),
            ProofItem::new("family", claim.family.clone()),
            ProofItem::new("identity", who.to_owned()),
            ProofItem::new("refused", step(refusal)),
            ProofItem::new("with_header", step(exchange)),
            ProofItem::new("refused_again", step(again)),
            ProofItem::new("made_up_header", step(control)),
        ],
        ..Verdict::default()
    };
    s.report(verdict, exchange);
}
