//! nosql_injection: operator objects ($ne, $regex, $gt) in place of a
//! JSON body value (or `name[$ne]=` in a query), as a differential: a
//! condition true for every record and one true for none must answer
//! materially differently, each the same when repeated, while two plain
//! values that match nothing agree with each other (the base value and a
//! benign one; when the base value matches records, a benign and a random
//! one) and the first of them answers alike before and after
//! (compare::base_held).
//!
//! Operators from the MongoDB query language documentation.

use futures_util::future::BoxFuture;
use serde_json::{Value, json};

use super::compare::{Shape, base_held, differs, shape, stands_out};
use super::{ActiveProbe, Stage};
use super::{Session, ValueSlot};
use crate::checks::check::{Check, How, Owasp, Scope, Severity};
use crate::checks::{Confidence, ProofItem, Verdict};
use crate::http::Exchange;
use crate::http::Request;
use crate::model::{Api, Operation};
use crate::probes::Profile;

/// The `nosql_injection` check.
pub(in crate::checks) const CHECK: Check = Check {
    name: "nosql_injection",
    severity: Severity::High,
    cwe: Some(943),
    owasp: Some(Owasp::Api8),
    summary: "NoSQL operator injection: operator objects ($ne, $regex, ...) that are true for all and for no records answer differently, while benign values agree.",
    scope: Scope::Operation,
    how: How::Probe(ActiveProbe {
        stage: Stage::Injection,
        applies,
        run,
    }),
};

pub(super) fn applies(_: &Api, op: &Operation, _: Profile) -> bool {
    !op.parameters.is_empty() || op.body.is_some()
}

/// A true-for-all and a true-for-none operator object.
fn pairs(canary: &str, more: bool) -> Vec<(Value, Value)> {
    let mut out = vec![
        (json!({"$ne": canary}), json!({"$eq": canary})),
        (
            json!({"$regex": ".*"}),
            json!({"$regex": format!("^{canary}$")}),
        ),
    ];
    if more {
        out.push((json!({"$gt": ""}), json!({"$gt": "\u{10ffff}"})));
        out.push((json!({"$exists": true}), json!({"$exists": false})));
    }
    out
}

/// A request for an operator object in `slot`: the value itself in a JSON
/// body, `name[$op]=value` in a query.
fn request_for(s: &Session<'_>, slot: &ValueSlot, operator: &Value) -> Option<Request> {
    match slot.parameter {
        None => s.request_with(slot, operator.clone()),
        Some(_) if slot.slot.location == "query" => {
            let (op, v) = operator.as_object()?.iter().next()?;
            let text = match v {
                Value::String(t) => t.clone(),
                other => other.to_string(),
            };
            let mut request = s.request_with(slot, Value::String(String::new()))?;
            let enc = |t: &str| {
                percent_encoding::utf8_percent_encode(t, percent_encoding::NON_ALPHANUMERIC)
                    .to_string()
            };
            let name = enc(&slot.slot.name);
            let kept: Vec<&str> = request
                .query
                .split('&')
                .filter(|p| !p.is_empty() && p.split('=').next() != Some(name.as_str()))
                .collect();
            let mut query = kept.join("&");
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str(&format!("{name}%5B{}%5D={}", enc(op), enc(&text)));
            request.query = query;
            Some(request)
        }
        Some(_) => None,
    }
}

pub(super) fn run<'s>(s: &'s mut Session<'_>) -> BoxFuture<'s, ()> {
    Box::pin(async move {
        let slots: Vec<ValueSlot> = s
            .string_slots()
            .into_iter()
            .filter(|slot| slot.parameter.is_none() || slot.slot.location == "query")
            .collect();
        for slot in slots {
            if s.stopping() {
                return;
            }
            if probe_slot(s, &slot).await.is_some() {
                continue;
            }
            // other fields of the base may filter every record out: the slot alone
            if s.isolate(&slot) {
                let _ = probe_slot(s, &slot).await;
                s.restore();
            }
        }
    })
}

async fn send_shape(
    s: &mut Session<'_>,
    request: &Request,
    strip: &[&str],
) -> Option<(Exchange, Shape)> {
    let e = s.send(request).await?;
    let sh = shape(&e, strip);
    Some((e, sh))
}

/// Two values for `slot` that answer alike (neither matches a record, as
/// far as the answers tell): the base value and a benign one, or, when the
/// base value matches records, a benign value and a random one, or two
/// random ones. Returns each value with its request and answer.
async fn controls(s: &mut Session<'_>, slot: &ValueSlot) -> Option<[(String, Request, Shape); 2]> {
    let base = slot.value.as_str().unwrap_or("").to_owned();
    let benign = match s.benign(slot) {
        Value::String(t) => t,
        x => x.to_string(),
    };
    let random = [s.canary(12), s.canary(12)];
    let pairs = [[base, benign.clone()], [benign, random[0].clone()], random];
    for [a, b] in pairs {
        let ra = s.request_with(slot, Value::String(a.clone()))?;
        let rb = s.request_with(slot, Value::String(b.clone()))?;
        let (_, sa) = send_shape(s, &ra, &[&a]).await?;
        let (_, sb) = send_shape(s, &rb, &[&b]).await?;
        if sa.status.is_some() && !differs(&sa, &sb) {
            return Some([(a, ra, sa), (b, rb, sb)]);
        }
    }
    None
}

async fn probe_slot(s: &mut Session<'_>, slot: &ValueSlot) -> Option<()> {
    let [(v, base_req, b1), (other, _, b2)] = controls(s, slot).await?;
    let canary = s.canary(12);
    for (t, f) in pairs(&canary, s.profile().more_payloads()) {
        let (Some(tr), Some(fr)) = (request_for(s, slot, &t), request_for(s, slot, &f)) else {
            continue;
        };
        let (te, ts) = send_shape(s, &tr, &[&canary]).await?;
        let (_, fs) = send_shape(s, &fr, &[&canary]).await?;
        if ts.status.is_none() || fs.status.is_none() || !differs(&ts, &fs) {
            continue;
        }
        // the always-true operator must not answer like a rejection of odd input
        if ts.status.is_some_and(|c| c >= 400) {
            continue;
        }
        let (_, ts2) = send_shape(s, &tr, &[&canary]).await?;
        let (_, fs2) = send_shape(s, &fr, &[&canary]).await?;
        if !stands_out(&ts, &fs, &[(&b1, &b2), (&ts, &ts2), (&fs, &fs2)]) {
            continue;
        }
        // the true-for-none condition answers like a benign value that matches nothing
        if differs(&fs, &b1) && differs(&fs, &b2) {
            continue;
        }
        // the base value still answers as it did: the data did not change meanwhile
        if !base_held(s, &base_req, &b1, &[&v]).await {
            return None;
        }
        let code = |x: &Shape| x.status.map(|c| c.to_string()).unwrap_or_default();
        let verdict = Verdict {
            title: format!("NoSQL operator injection in {}", slot.label()),
            evidence: format!(
                "{t} answers {} ({} bytes), {f} answers {} ({} bytes), twice each; two plain values ({v:?}, {other:?}) agree",
                code(&ts),
                ts.body.len(),
                code(&fs),
                fs.body.len()
            ),
            signature: format!("{} {}", slot.slot.location, slot.name()),
            confidence: Confidence::Confirmed,
            proof: vec![
                ProofItem::new("slot", slot.label()),
                ProofItem::new("payload", t.to_string()),
                ProofItem::new("true_status", code(&ts)),
                ProofItem::new("false_payload", f.to_string()),
                ProofItem::new("false_status", code(&fs)),
                ProofItem::new("benign_values", format!("{v:?}, {other:?}")),
            ],
        };
        s.report(verdict, &te);
        return Some(());
    }
    None
}
