//! A probe becomes a concrete case.

use crate::generate::{Case, CaseGenerator, Intent, PayloadFamily, Request, Source, Unsendable};
use crate::model::{Api, Method};

use super::plan::{Probe, ProbeKind};

/// The case for `probe`, its values drawn from `src`. `Ok(None)` when the
/// operation offers the probe nothing (no constraint to break, no slot for
/// the payload family, no such header).
pub fn realise(
    api: &Api,
    cases: &mut CaseGenerator<'_>,
    probe: &Probe,
    src: &mut dyn Source,
) -> Result<Option<Case>, Unsendable> {
    let Some(op) = api.operations.get(probe.operation) else {
        return Ok(None);
    };
    match &probe.kind {
        ProbeKind::Positive | ProbeKind::Boundary | ProbeKind::Negative => {
            cases.case(op, probe.kind.intent(), src)
        }
        ProbeKind::Attack(family) => cases.attack_case(op, &PayloadFamily::from_name(family), src),
        // active probes build their own requests (engine::Session)
        ProbeKind::Active(_) => Ok(None),
        ProbeKind::UnsupportedMethod(_) | ProbeKind::MissingRequiredHeader(_) => {
            let Some(mut case) = cases.case(op, Intent::Positive, src)? else {
                return Ok(None);
            };
            if !adapt(&probe.kind, &mut case.request) {
                return Ok(None);
            }
            Ok(Some(case))
        }
    }
}

/// Turns a valid request for the operation into the request `kind` sends:
/// another method, or a required header left out. False when the request
/// offers the probe nothing (the header is not there).
pub fn adapt(kind: &ProbeKind, request: &mut Request) -> bool {
    match kind {
        ProbeKind::UnsupportedMethod(method) => {
            let Some(method) = Method::ALL.into_iter().find(|m| m.as_str() == *method) else {
                return false;
            };
            request.method = method;
            if matches!(method, Method::Get | Method::Delete) {
                request.body = None;
            }
            true
        }
        ProbeKind::MissingRequiredHeader(name) => {
            let before = request.headers.len();
            request
                .headers
                .retain(|(n, _)| !n.eq_ignore_ascii_case(name));
            request.headers.len() < before
        }
        _ => true,
    }
}

/// A seed for one probe's values, from the scan's seed and the probe itself,
/// so a probe's case does not depend on the order probes run in.
pub(crate) fn probe_seed(seed: u64, probe: &Probe) -> u64 {
    // FNV-1a over the parts: stable across runs and platforms
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    eat(&seed.to_le_bytes());
    eat(&(probe.operation as u64).to_le_bytes());
    eat(probe.kind.label().as_bytes());
    eat(&probe.round.to_le_bytes());
    h
}
