//! resource_consumption: two ways a request can cost the server far more
//! than it should.
//! - slow input: a string that makes backtracking regexes and similar
//!   parsers take exponential time (a long run of word characters that does
//!   not match) must answer many times slower than a short one of the same
//!   shape, repeatedly (time-based: not in the quick profile);
//! - page size: a page-size parameter (limit, size, per_page, ...) set to a
//!   huge number is accepted with a 2xx and a body many times larger than
//!   with its base value.

use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::Value;

use super::timing::{self, Delay, Expect};
use super::{ActiveProbe, Stage};
use super::{Session, ValueSlot};
use crate::checks::check::{Check, How, Owasp, Scope, Severity};
use crate::checks::{Confidence, ProofItem, Verdict};
use crate::model::{Api, Operation, Types};
use crate::probes::Profile;

/// The `resource_consumption` check.
pub(in crate::checks) const CHECK: Check = Check {
    name: "resource_consumption",
    severity: Severity::Medium,
    cwe: Some(400),
    owasp: Some(Owasp::Api4),
    summary: "A crafted input takes many times longer than a short one of the same shape, repeatedly, or a huge page size is served.",
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

/// Parameter names that set how many items a page holds.
const PAGE_NAMES: [&str; 11] = [
    "limit",
    "size",
    "page_size",
    "pagesize",
    "per_page",
    "perpage",
    "count",
    "max",
    "top",
    "take",
    "first",
];

/// The huge page size asked for.
const HUGE: u64 = 1_000_000;

pub(super) fn run<'s>(s: &'s mut Session<'_>) -> BoxFuture<'s, ()> {
    Box::pin(async move {
        for slot in s.slots() {
            if s.stopping() {
                return;
            }
            let is_page = slot.parameter.is_some()
                && PAGE_NAMES.contains(&slot.name().to_ascii_lowercase().as_str())
                && slot.schema.is_none_or(|id| {
                    let schema = s.api().schemas.get(id);
                    schema.allows_type(Types::Integer) || schema.allows_type(Types::Number)
                });
            if is_page {
                page_size(s, &slot).await;
            }
        }
        let timed_slots = s.profile().time_slots_per_operation();
        for slot in s.string_slots().into_iter().take(timed_slots) {
            if s.stopping() || !s.take_time_budget() {
                return;
            }
            slow_input(s, &slot).await;
        }
    })
}

async fn page_size(s: &mut Session<'_>, slot: &ValueSlot) {
    let Some(small) = s.request_with(slot, Value::from(1)) else {
        return;
    };
    let Some(huge) = s.request_with(slot, Value::from(HUGE)) else {
        return;
    };
    let Some(base) = s.send(&small).await else {
        return;
    };
    let Some(big) = s.send(&huge).await else {
        return;
    };
    let (Some(rb), Some(rh)) = (base.response(), big.response()) else {
        return;
    };
    let accepted = (200..300).contains(&rh.status) && (200..300).contains(&rb.status);
    let (lb, lh) = (rb.body.len().max(1), rh.body.len());
    if !accepted || lh < 10 * lb || lh < 4096 {
        return;
    }
    let verdict = Verdict {
        title: format!("A page size of {HUGE} in {} is accepted", slot.label()),
        evidence: format!(
            "{}={HUGE} answered {} with {lh} bytes; {}=1 answered {lb} bytes",
            slot.name(),
            rh.status,
            slot.name()
        ),
        signature: format!("page-size {} {}", slot.slot.location, slot.name()),
        confidence: Confidence::Confirmed,
        proof: vec![
            ProofItem::new("slot", slot.label()),
            ProofItem::new("payload", HUGE.to_string()),
            ProofItem::new("bytes_huge", lh.to_string()),
            ProofItem::new("bytes_one", lb.to_string()),
        ],
    };
    s.report(verdict, &big);
}

async fn slow_input(s: &mut Session<'_>, slot: &ValueSlot) {
    let long = format!("{}!", "a".repeat(32));
    let short = format!("{}!", "a".repeat(4));
    let (Some(slow), Some(control)) = (
        s.request_with(slot, Value::String(long.clone())),
        s.request_with(slot, Value::String(short.clone())),
    ) else {
        return;
    };
    let expect = Expect {
        at_least: Duration::from_millis(500),
        gap: Duration::from_millis(400),
        ratio: 8,
    };
    let Some(Delay {
        delayed,
        controls,
        exchange,
    }) = timing::confirm(s, &slow, &control, expect).await
    else {
        return;
    };
    let verdict = Verdict {
        title: format!(
            "A crafted input to {} takes many times longer",
            slot.label()
        ),
        evidence: format!(
            "{long:?} took {} ms, {short:?} took {} ms: time grows with the input (catastrophic backtracking?)",
            Delay::list(&delayed),
            Delay::list(&controls)
        ),
        signature: format!("slow-input {} {}", slot.slot.location, slot.name()),
        confidence: Confidence::Confirmed,
        proof: vec![
            ProofItem::new("slot", slot.label()),
            ProofItem::new("payload", long),
            ProofItem::new("control", short),
            ProofItem::new("delayed_ms", Delay::list(&delayed)),
            ProofItem::new("control_ms", Delay::list(&controls)),
        ],
    };
    s.report(verdict, &exchange);
}
