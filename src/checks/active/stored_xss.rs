//! stored_xss: a creation or an update stores a unique canary tag in each
//! plain string field of its body; later reads of the API (the object's
//! GET, listings of the same collection, the documented HTML pages, read
//! by the owner, the other identities and anonymously) are searched for it
//! ([`stored_reads`](super::stored_reads)). A finding names the write and
//! the read: confirmed when a text/html answer builds an element or an
//! attribute from the stored markup (read by the tokenizer of
//! [`html_context`](super::html_context)); likely when a JSON answer holds
//! the markup raw and a documented HTML page refers to that JSON's path (the
//! JSON itself is not executable; the page may render it). Only writes whose
//! result apiprobe can delete are made, and each is deleted with the rest
//! of what the probes created.

use futures_util::future::BoxFuture;
use serde_json::Value;

use super::sequence::{self, Made, owner, provision, step};
use super::stored_reads::{self, Hit, Write};
use super::{ActiveProbe, Identity, Session, Stage, ValueSlot};
use crate::checks::check::{Check, How, Owasp, Scope, Severity};
use crate::checks::{Confidence, ProofItem, Verdict};
use crate::generate::Values;
use crate::http::curl_at;
use crate::model::login::login_fields;
use crate::model::{Api, Method, Operation, ParameterLocation};
use crate::probes::{Inference, Profile};

/// The `stored_xss` check.
pub(in crate::checks) const CHECK: Check = Check {
    name: "stored_xss",
    severity: Severity::High,
    cwe: Some(79),
    owasp: Some(Owasp::Api8),
    summary: "Markup stored through a creation or an update is served back unescaped by a later read: an HTML page builds an element from it (confirmed), or a JSON answer holds it raw and a documented HTML page that holds none of the stored values itself refers to that JSON (likely).",
    scope: Scope::Operation,
    how: How::Probe(ActiveProbe {
        stage: Stage::Stateful,
        applies,
        run,
    }),
};

/// Length of each field's canary (a tag name nothing else produces).
const CANARY_LEN: usize = 12;

/// Fields written one at a time at most, when a write of all of them is refused.
const SINGLE_WRITES: usize = 4;

/// Field names whose values are never stored for display.
const SECRET_NAMES: [&str; 4] = ["password", "secret", "token", "passwd"];

pub(super) fn applies(api: &Api, op: &Operation, _: Profile) -> bool {
    matches!(op.method, Method::Post | Method::Put | Method::Patch)
        && op.body.is_some()
        && login_fields(api, op).is_none()
}

/// The markup stored in a field: the canary as text, then a tag named
/// after it (after closing a quoted attribute, where a page puts it in one).
fn payload(canary: &str) -> String {
    format!("{canary}\"'><{canary}>")
}

/// The body fields a canary goes into: strings with no format, pattern or
/// enumeration the target would check, long enough to hold the payload.
fn fields(s: &Session<'_>) -> Vec<ValueSlot> {
    let schemas = &s.api().schemas;
    let mut out: Vec<ValueSlot> = s
        .slots()
        .into_iter()
        .filter(|f| f.parameter.is_none() && f.takes_string(schemas))
        .filter(|f| {
            let name = f.name().to_ascii_lowercase();
            !SECRET_NAMES.iter().any(|n| name.contains(n))
        })
        .filter(|f| {
            f.schema.is_none_or(|id| {
                let schema = schemas.get(id);
                schema.format.is_none()
                    && schema.pattern.is_none()
                    && schema.enumeration.is_none()
                    && schema.constant.is_none()
                    && schema
                        .max_length
                        .is_none_or(|m| m >= payload(&"x".repeat(CANARY_LEN)).len() as u64)
            })
        })
        .collect();
    out.truncate(s.profile().slots_per_operation());
    out
}

/// What a write stores into: a new resource (the binding that reads its
/// id), or an existing one apiprobe created (an update).
enum Target {
    Creation(crate::probes::Binding),
    Update,
}

/// How the session's operation writes, when what it writes can be deleted.
fn target(s: &Session<'_>) -> Option<Target> {
    let api = s.api();
    let me = s.index();
    let op = s.operation();
    let deletes = |producer: usize, parameter: &str| {
        s.resources().bindings.iter().any(|b| {
            b.producer == producer
                && b.parameter == parameter
                && api
                    .operations
                    .get(b.consumer)
                    .is_some_and(|o| o.method == Method::Delete)
        })
    };
    let creation = s
        .resources()
        .bindings
        .iter()
        .find(|b| {
            b.producer == me
                && matches!(b.inference, Inference::Creation | Inference::Link)
                && deletes(me, &b.parameter)
        })
        .cloned();
    if let Some(binding) = creation {
        return Some(Target::Creation(binding));
    }
    let has_path = op.parameters_in(ParameterLocation::Path).next().is_some();
    (matches!(op.method, Method::Put | Method::Patch) && has_path && sequence::creatable(s, me))
        .then_some(Target::Update)
}

/// The base values with each field set to its payload.
fn with_payloads(base: &Values, fields: &[(ValueSlot, String)]) -> Values {
    let mut values = base.clone();
    if let Some((_, body)) = values.body.as_mut() {
        for (field, canary) in fields {
            if let Some(leaf) = body.pointer_mut(&field.slot.pointer) {
                *leaf = Value::String(payload(canary));
            }
        }
    }
    values
}

pub(super) fn run<'s>(s: &'s mut Session<'_>) -> BoxFuture<'s, ()> {
    Box::pin(async move {
        let Some(target) = target(s) else {
            return;
        };
        let all = fields(s);
        if all.is_empty() {
            return;
        }
        let (owner_id, owner_name) =
            owner(s).unwrap_or_else(|| (Identity::Scan, "the scan's identity".to_owned()));
        // canaries absent from what the API serves before anything is written
        let before = stored_reads::listings_before(s, &owner_id).await;
        let mut canaries = Vec::new();
        for field in &all {
            let mut canary = s.canary(CANARY_LEN);
            for _ in 0..4 {
                if !before.iter().any(|b| b.contains(&canary)) {
                    break;
                }
                canary = s.canary(CANARY_LEN);
            }
            canaries.push((field.clone(), canary));
        }
        let mut attempts: Vec<Vec<(ValueSlot, String)>> = vec![canaries.clone()];
        if canaries.len() > 1 {
            attempts.extend(canaries.iter().take(SINGLE_WRITES).map(|c| vec![c.clone()]));
        }
        for attempt in attempts {
            if s.stopping() {
                return;
            }
            let Some(write) = write(s, &target, &owner_id, &attempt).await else {
                continue;
            };
            let hits = stored_reads::search(s, &write, &owner_id, &owner_name).await;
            for hit in hits {
                report(s, &write, &owner_name, hit);
            }
            // every field went into the first write the target accepted
            return;
        }
    })
}

/// Writes `fields` (each with its canary) as `owner`: a new resource, or
/// an update of one made for it; `None` when the target refuses it.
async fn write(
    s: &mut Session<'_>,
    target: &Target,
    owner: &Identity,
    fields: &[(ValueSlot, String)],
) -> Option<Write> {
    let me = s.index();
    let has_path = s
        .operation()
        .parameters_in(ParameterLocation::Path)
        .next()
        .is_some();
    let mut base = s.values().clone();
    let mut made: Vec<Made> = Vec::new();
    if has_path {
        let provisioned = provision(s, me, owner).await?;
        for (i, p) in s.operation().parameters.iter().enumerate() {
            if p.location == ParameterLocation::Path
                && let (Some(slot), Some(v)) = (
                    base.parameters.get_mut(i),
                    provisioned.values.parameters.get(i),
                )
            {
                slot.clone_from(v);
            }
        }
        made = provisioned.made;
    }
    let request = s.request_from(&with_payloads(&base, fields))?;
    let exchange = s.send_as(&request, owner).await?;
    if !sequence::ok(&exchange) {
        return None;
    }
    if let Target::Creation(binding) = target
        && let Some(id) = sequence::id_from(&binding.source, &exchange)
    {
        let m = Made {
            parameter: binding.parameter.clone(),
            producer: me,
            id,
            exchange: exchange.clone(),
        };
        sequence::remember_deletion(s, &made, &m, owner);
        made.push(m);
    }
    Some(Write {
        fields: fields.to_vec(),
        exchange,
        request,
        made,
    })
}

fn report(s: &mut Session<'_>, write: &Write, owner_name: &str, hit: Hit) {
    let read = &hit.exchange;
    let read_step = step(read);
    let (title, evidence, confidence) = match &hit.context {
        Some(context) => (
            format!(
                "Markup stored through {} is served unescaped in an HTML page by {} {}",
                hit.field.label(),
                read.request.request.method.as_str(),
                hit.read_path
            ),
            format!(
                "{owner_name} stored {:?} with {}; {read_step} read as {} serves it as HTML: {context}",
                payload(&hit.canary),
                step(&write.exchange),
                hit.reader
            ),
            Confidence::Confirmed,
        ),
        None => (
            format!(
                "Markup stored through {} is served raw in JSON by {} {}, which a documented HTML page refers to",
                hit.field.label(),
                read.request.request.method.as_str(),
                hit.read_path
            ),
            format!(
                "{owner_name} stored {:?} with {}; {read_step} read as {} holds the markup unescaped, and the HTML page {} refers to {}: a page that renders the field as HTML runs it (the JSON itself is not executable)",
                payload(&hit.canary),
                step(&write.exchange),
                hit.reader,
                hit.page.clone().unwrap_or_default(),
                hit.read_path
            ),
            Confidence::Likely,
        ),
    };
    let mut proof = vec![
        ProofItem::new("field", hit.field.label()),
        ProofItem::new("canary", hit.canary.clone()),
        ProofItem::new("payload", payload(&hit.canary)),
        ProofItem::new("write", step(&write.exchange)),
        // without credentials: the owner's are added to reproduce it
        ProofItem::new(
            "write_curl",
            curl_at(&write.exchange.request.url, &write.request),
        ),
        ProofItem::new("read", read_step),
        ProofItem::new("reader", hit.reader.clone()),
    ];
    if let Some(context) = &hit.context {
        proof.push(ProofItem::new("context", context.clone()));
    }
    if let Some(page) = &hit.page {
        proof.push(ProofItem::new("html_page", page.clone()));
    }
    if !hit.also.is_empty() {
        proof.push(ProofItem::new("also_served_by", hit.also.join(", ")));
    }
    let verdict = Verdict {
        title,
        evidence,
        signature: format!("stored {}", hit.field.slot.pointer),
        confidence,
        proof,
    };
    s.report(verdict, read);
}
