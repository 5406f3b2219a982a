//! A probe becomes a concrete case.

use crate::generate::{
    Case, CaseGenerator, Intent, PayloadFamily, Request, Seed, Source, Unsendable,
};
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
    // the round decides what the case covers, the same for every seed
    cases.set_round(Some(probe.round));
    let case = realise_now(cases, op, probe, src);
    cases.set_round(None);
    case
}

fn realise_now(
    cases: &mut CaseGenerator<'_>,
    op: &crate::model::Operation,
    probe: &Probe,
    src: &mut dyn Source,
) -> Result<Option<Case>, Unsendable> {
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

impl Probe {
    /// The seed of this probe's values under the scan's seed `scan`: derived
    /// from the probe itself (operation, kind, round), so a probe's case
    /// does not depend on the order probes run in, and `apiprobe cases`
    /// gives the request the scan sends for the same probe.
    pub fn seed(&self, scan: Seed) -> Seed {
        scan.derive(&[
            self.operation.into(),
            self.kind.label().as_str().into(),
            self.round.into(),
        ])
    }
}

/// [`Probe::seed`] as a number, for the scan's workers.
pub(crate) fn probe_seed(seed: u64, probe: &Probe) -> u64 {
    probe.seed(Seed::new(seed)).get()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(operation: usize, kind: ProbeKind, round: u32) -> Probe {
        Probe {
            operation,
            kind,
            round,
        }
    }

    #[test]
    fn a_probe_seed_is_the_one_scans_have_always_used() {
        // FNV-1a over 7u64, 3u64, "positive", 2u32 (little-endian), computed
        // apart from this code: users' baselines rest on it
        let p = probe(3, ProbeKind::Positive, 2);
        assert_eq!(p.seed(Seed::new(7)).get(), 0xaea8_4b15_ff50_0ae4);
        assert_eq!(probe_seed(7, &p), 0xaea8_4b15_ff50_0ae4);
    }

    #[test]
    fn each_part_of_a_probe_changes_its_seed() {
        let scan = Seed::new(7);
        let base = probe(1, ProbeKind::Attack("sqli".into()), 0);
        let others = [
            probe(2, ProbeKind::Attack("sqli".into()), 0),
            probe(1, ProbeKind::Attack("xss".into()), 0),
            probe(1, ProbeKind::Attack("sqli".into()), 1),
            probe(1, ProbeKind::Negative, 0),
        ];
        for other in &others {
            assert_ne!(base.seed(scan), other.seed(scan), "{other:?}");
        }
        assert_ne!(base.seed(scan), base.seed(Seed::new(8)));
        assert_eq!(base.seed(scan), base.clone().seed(scan));
    }
}
