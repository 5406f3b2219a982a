//! A resource's life cycle, as its owner sees it:
//! - ensure_resource_availability: a resource just created must be
//!   readable by its creator;
//! - use_after_free: after a successful DELETE, reading the resource must
//!   not answer with the resource as it was before (404 or 410; a
//!   tombstone, or another resource that took the freed id, is no flaw).

use futures_util::future::BoxFuture;

use super::Session;
use super::afterlife::{Afterlife, afterlife};
use super::sequence::{self, ok, owner, provision, reader, request_on, status, step};
use super::{ActiveProbe, Stage};
use crate::checks::check::{Check, How, Owasp, Scope, Severity};
use crate::checks::{ProofItem, Verdict};
use crate::model::{Api, Method, Operation};
use crate::probes::Profile;

/// The `ensure_resource_availability` check.
pub(in crate::checks) const ENSURE_RESOURCE_AVAILABILITY: Check = Check {
    name: "ensure_resource_availability",
    severity: Severity::Low,
    cwe: None,
    owasp: None,
    summary: "A resource just created (2xx) is not readable by the identity that created it.",
    scope: Scope::Operation,
    how: How::Probe(ActiveProbe {
        stage: Stage::Stateful,
        applies: applies_availability,
        run: availability,
    }),
};

/// The `use_after_free` check.
pub(in crate::checks) const USE_AFTER_FREE: Check = Check {
    name: "use_after_free",
    severity: Severity::Medium,
    cwe: Some(672),
    owasp: Some(Owasp::Api1),
    summary: "A resource deleted with a 2xx answer is still readable as it was (not 404 or 410, nor a tombstone).",
    scope: Scope::Operation,
    how: How::Probe(ActiveProbe {
        stage: Stage::Stateful,
        applies: applies_use_after_free,
        run: use_after_free,
    }),
};

/// How long to wait before reading a resource again (eventual consistency).
const SETTLE: std::time::Duration = std::time::Duration::from_millis(200);

pub(super) fn applies_availability(_: &Api, op: &Operation, _: Profile) -> bool {
    op.method == Method::Get && op.path.contains('{')
}

pub(super) fn availability<'s>(s: &'s mut Session<'_>) -> BoxFuture<'s, ()> {
    Box::pin(async move {
        let me = s.index();
        if !sequence::creatable(s, me) {
            return;
        }
        let Some((identity, who)) = owner(s) else {
            return;
        };
        let Some(made) = provision(s, me, &identity).await else {
            return;
        };
        let Some(target) = made.target().cloned() else {
            return;
        };
        let Some(request) = s.request_of(me, &made.values) else {
            return;
        };
        let Some(mut read) = s.send_as(&request, &identity).await else {
            return;
        };
        if ok(&read) {
            return;
        }
        {
            // one more try after a pause: some stores are eventually consistent
            tokio::time::sleep(SETTLE).await;
            let Some(again) = s.send_as(&request, &identity).await else {
                return;
            };
            if ok(&again) {
                return;
            }
            read = again;
        }
        let Some(code) = read.response().map(|r| r.status) else {
            return;
        };
        let producer = &s.api().operations[target.producer];
        let verdict = Verdict {
            title: format!("A resource just created is not readable by its creator ({code})"),
            evidence: format!(
                "{} {} created id {} ({}), then {} {} as {who} answered {code}",
                producer.method.as_str(),
                producer.path,
                target.id,
                status(&target.exchange),
                s.operation().method.as_str(),
                s.operation().path,
            ),
            signature: format!("unavailable:{code}"),
            proof: vec![
                ProofItem::new("created_by", producer.id.clone()),
                ProofItem::new("id", target.id.to_string()),
                ProofItem::new("create", step(&target.exchange)),
                ProofItem::new("read_status", code.to_string()),
            ],
            ..Verdict::default()
        };
        s.report(verdict, &read);
    })
}

pub(super) fn applies_use_after_free(api: &Api, op: &Operation, _: Profile) -> bool {
    op.method == Method::Delete && op.path.contains('{') && reader(api, op).is_some()
}

pub(super) fn use_after_free<'s>(s: &'s mut Session<'_>) -> BoxFuture<'s, ()> {
    Box::pin(async move {
        let me = s.index();
        let Some(read_op) = reader(s.api(), s.operation()) else {
            return;
        };
        if !sequence::creatable(s, me) {
            return;
        }
        let Some((identity, who)) = owner(s) else {
            return;
        };
        let Some(made) = sequence::provision_distinct(s, me, &identity).await else {
            return;
        };
        let Some(target) = made.target().cloned() else {
            return;
        };
        let outer = &made.made[..made.made.len() - 1];
        let Some(read) = request_on(s, read_op, outer, &target) else {
            return;
        };
        // the owner can read it before the delete (else nothing can be judged)
        let Some(before) = s.send_to(read_op, &read, &identity).await else {
            return;
        };
        if !ok(&before) {
            return;
        }
        let Some(delete) = s.request_of(me, &made.values) else {
            return;
        };
        let Some(deleted) = s.send_as(&delete, &identity).await else {
            return;
        };
        if !ok(&deleted) {
            return;
        }
        let Some(after) = s.send_to(read_op, &read, &identity).await else {
            return;
        };
        let (Some(first), Some(again)) = (before.response(), after.response()) else {
            return;
        };
        let code = again.status;
        if !(200..300).contains(&code) {
            return;
        }
        // a 2xx alone proves nothing: the API may answer with a tombstone, or
        // another resource may have been created at the freed id meanwhile
        if afterlife(&first.body, &again.body) != Afterlife::Same {
            return;
        }
        let verdict = Verdict {
            title: format!("A deleted resource is still readable ({code})"),
            evidence: format!(
                "as {who}: created id {}, read it ({}), deleted it ({}), read it again: {code} with the same resource instead of 404 or 410",
                target.id,
                status(&before),
                status(&deleted),
            ),
            signature: "read_after_delete".to_owned(),
            proof: vec![
                ProofItem::new("id", target.id.to_string()),
                ProofItem::new("create", step(&target.exchange)),
                ProofItem::new("delete", step(&deleted)),
                ProofItem::new("delete_status", status(&deleted)),
                ProofItem::new("read_after_delete_status", code.to_string()),
            ],
            ..Verdict::default()
        };
        s.report(verdict, &after);
    })
}
