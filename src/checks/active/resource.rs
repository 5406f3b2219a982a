//! resource_consumption: two ways a request can cost the server far more
//! than it should.
//! - slow input ([`redos`](super::redos)): a run of letters that makes a
//!   backtracking regex take exponential time, grown a few characters at a
//!   time until its answer is many times slower than a control of the same
//!   length, repeatedly, and before any request takes seconds (time-based:
//!   not in the quick profile); e-mail, URL and pattern fields first;
//! - page size: a page-size parameter (limit, size, per_page, ...) set to a
//!   huge number is accepted with a 2xx and a body many times larger than
//!   with its base value.

use futures_util::future::BoxFuture;
use serde_json::Value;

use super::redos;
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
    summary: "Response time grows super-linearly with the length of a crafted input (ReDoS), against a fast control of the same length, repeatedly; or a huge page size is served.",
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
        let api = s.api();
        let mut ranked: Vec<_> = s
            .string_slots()
            .into_iter()
            .map(|slot| (redos::rank(api, &slot), slot))
            .collect();
        ranked.sort_by_key(|((rank, _), _)| *rank);
        for ((_, shapes), slot) in ranked.into_iter().take(timed_slots) {
            if s.stopping() || !s.take_time_budget() {
                return;
            }
            redos::probe(s, &slot, shapes).await;
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
