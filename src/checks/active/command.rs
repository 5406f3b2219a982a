//! command_injection: shell separators followed by a command, in each
//! string slot.
//! - output-based: `echo CANARY$((A*B))` must come back as the canary
//!   followed by the product, which only a shell that ran it can write (a
//!   reflection of the payload holds `$((A*B))`, not the product);
//! - time-based: `sleep N` delays the answer, confirmed by repetition
//!   against `sleep 0`.
//!
//! Payloads written for apiprobe (POSIX shell separators and substitutions).

use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::Value;

use super::timing::{self, Delay, Expect};
use super::{ActiveProbe, Stage};
use super::{Session, ValueSlot};
use crate::checks::check::{Check, How, Owasp, Scope, Severity};
use crate::checks::{Confidence, ProofItem, Verdict};
use crate::model::{Api, Operation};
use crate::probes::Profile;

/// The `command_injection` check.
pub(in crate::checks) const CHECK: Check = Check {
    name: "command_injection",
    severity: Severity::Critical,
    cwe: Some(78),
    owasp: Some(Owasp::Api8),
    summary: "OS command injection, confirmed by the output of an injected command (a canary and a product only a shell computes) or an injected sleep that repeats.",
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

/// Ways to chain a command after the value: `{v}` stands for the value,
/// `{c}` for the command.
fn templates(more: bool) -> Vec<&'static str> {
    let mut t = vec!["{v};{c}", "{v}&&{c}", "{v}|{c}"];
    if more {
        t.extend([
            "{v}\n{c}",
            "{v}||{c}",
            "{v}$({c})",
            "{v}`{c}`",
            "{v}';{c};'",
        ]);
    }
    t
}

fn fill(template: &str, v: &str, c: &str) -> String {
    template.replace("{v}", v).replace("{c}", c)
}

pub(super) fn run<'s>(s: &'s mut Session<'_>) -> BoxFuture<'s, ()> {
    Box::pin(async move {
        let timed_slots = s.profile().time_slots_per_operation();
        for (n, slot) in s.string_slots().into_iter().enumerate() {
            if s.stopping() {
                return;
            }
            if output_based(s, &slot).await {
                continue;
            }
            if n < timed_slots && s.take_time_budget() {
                time_based(s, &slot).await;
            }
        }
    })
}

fn verdict(slot: &ValueSlot, technique: &str, evidence: String, proof: Vec<ProofItem>) -> Verdict {
    let mut all = vec![
        ProofItem::new("slot", slot.label()),
        ProofItem::new("technique", technique),
    ];
    all.extend(proof);
    Verdict {
        title: format!("OS command injection in {}", slot.label()),
        evidence,
        signature: format!("{} {}", slot.slot.location, slot.name()),
        confidence: Confidence::Confirmed,
        proof: all,
    }
}

async fn output_based(s: &mut Session<'_>, slot: &ValueSlot) -> bool {
    let v = slot.value.as_str().unwrap_or("").to_owned();
    for t in templates(s.profile().more_payloads()) {
        let canary = s.canary(8);
        let (a, b) = (s.number(1000, 9999), s.number(1000, 9999));
        let expected = format!("{canary}{}", a * b);
        let payload = fill(t, &v, &format!("echo {canary}$(({a}*{b}))"));
        let Some(request) = s.request_with(slot, Value::String(payload.clone())) else {
            continue;
        };
        let Some(exchange) = s.send(&request).await else {
            return false;
        };
        let Some(r) = exchange.response() else {
            continue;
        };
        if !r.text().contains(&expected) {
            continue;
        }
        let verdict = verdict(
            slot,
            "output-based",
            format!("the response holds {expected}: `echo {canary}$(({a}*{b}))` ran"),
            vec![
                ProofItem::new("payload", payload),
                ProofItem::new("canary", canary),
                ProofItem::new("expected_output", expected),
            ],
        );
        s.report(verdict, &exchange);
        return true;
    }
    false
}

async fn time_based(s: &mut Session<'_>, slot: &ValueSlot) -> bool {
    let v = slot.value.as_str().unwrap_or("").to_owned();
    let secs = s.profile().injected_delay().as_secs().max(1);
    let Some(base) = s.request_with(slot, Value::String(v.clone())) else {
        return false;
    };
    for t in templates(s.profile().more_payloads()) {
        let delayed = fill(t, &v, &format!("sleep {secs}"));
        let control = fill(t, &v, "sleep 0");
        let (Some(dr), Some(cr)) = (
            s.request_with(slot, Value::String(delayed.clone())),
            s.request_with(slot, Value::String(control.clone())),
        ) else {
            continue;
        };
        let expect = Expect::sleep(Duration::from_secs(secs));
        let Some(Delay {
            delayed: d,
            controls,
            exchange,
        }) = timing::confirm_on_base(s, &base, &[&v], &dr, &cr, expect).await
        else {
            if s.stopping() {
                return false;
            }
            continue;
        };
        let verdict = verdict(
            slot,
            "time-based",
            format!(
                "{delayed:?} took {} ms, {control:?} took {} ms",
                Delay::list(&d),
                Delay::list(&controls)
            ),
            vec![
                ProofItem::new("payload", delayed),
                ProofItem::new("control", control),
                ProofItem::new("delayed_ms", Delay::list(&d)),
                ProofItem::new("control_ms", Delay::list(&controls)),
            ],
        );
        s.report(verdict, &exchange);
        return true;
    }
    false
}
