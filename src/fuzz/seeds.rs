//! Seed corpora: one input per operation that makes a positive case, so a
//! fuzzing session starts from requests every operation accepts.

use super::input::InputLayout;
use super::target::FuzzTarget;
use crate::generate::{Seeded, Source};
use crate::probes::ProbeKind;

/// One seed input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seed {
    /// A file name for it: the operation's position and id, e.g. `003-getNote`.
    pub name: String,
    /// The operation's id.
    pub operation: String,
    /// The input's bytes (see [`InputLayout`]).
    pub bytes: Vec<u8>,
}

/// One positive input per operation of `target`, with `choices` generator
/// bytes drawn from `seed` (the same seed gives the same corpus). Each
/// input is checked to make a positive case; one whose random choices make
/// none falls back to no choices (the simplest valid values).
pub fn seeds(target: &FuzzTarget, choices: usize, seed: u64) -> Vec<Seed> {
    let mut src = Seeded::new(seed);
    let mut out = Vec::new();
    for (k, (operation, kinds)) in target.probes().iter().enumerate() {
        let (Ok(selector), Some(probe)) = (
            u16::try_from(k),
            kinds.iter().position(|p| *p == ProbeKind::Positive),
        ) else {
            continue;
        };
        let Ok(probe) = u8::try_from(probe) else {
            continue;
        };
        let random: Vec<u8> = (0..choices).map(|_| src.below(256) as u8).collect();
        let positive = |bytes: &[u8]| {
            target
                .case(bytes)
                .is_some_and(|c| c.probe == ProbeKind::Positive && c.operation == *operation)
        };
        let mut bytes = InputLayout::encode(selector, probe, &random);
        if !positive(&bytes) {
            bytes = InputLayout::encode(selector, probe, &[]);
            if !positive(&bytes) {
                continue;
            }
        }
        let id = &target.api().operations[*operation].id;
        let safe: String = id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .take(80)
            .collect();
        out.push(Seed {
            name: format!("{k:03}-{safe}"),
            operation: id.clone(),
            bytes,
        });
    }
    out
}
