//! The one way a seed is derived from another.
//!
//! A scan has one seed (`--seed`). Each thing that draws values of its own
//! (a probe of the plan, an active probe's session, the live-resource pool)
//! gets a seed derived from it and from what it is, never from when or by
//! which worker it runs: so the same seed gives the same requests in any
//! order, and `apiprobe cases` can print a probe's request without running
//! the scan. Every derivation goes through [`Seed::derive`], so the scan,
//! its phases and `cases` cannot drift apart.

use super::source::Seeded;

/// A seed of generated values.
///
/// `Seed::new(s).derive(&[parts])` is FNV-1a (64-bit) over the seed's eight
/// little-endian bytes followed by each part's bytes ([`Part`]). The
/// encoding is part of apiprobe's behaviour: changing it changes every
/// request a given `--seed` produces (and so users' baselines and replays).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Seed(u64);

/// One part of what a derived seed stands for.
///
/// Parts are fed in order with no separator or length: a number as its
/// little-endian bytes (eight for [`Part::U64`], four for [`Part::U32`]),
/// text as its UTF-8 bytes. A derivation should therefore use one fixed
/// shape of parts (e.g. operation, label, round), where a text part is
/// followed by a fixed-width number or nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part<'a> {
    /// A 64-bit number, e.g. an operation's index.
    U64(u64),
    /// A 32-bit number, e.g. a round.
    U32(u32),
    /// Text, e.g. a probe's label.
    Text(&'a str),
}

impl From<u64> for Part<'_> {
    fn from(n: u64) -> Self {
        Part::U64(n)
    }
}

impl From<usize> for Part<'_> {
    /// An index, fed as 64 bits on every platform.
    fn from(n: usize) -> Self {
        Part::U64(n as u64)
    }
}

impl From<u32> for Part<'_> {
    fn from(n: u32) -> Self {
        Part::U32(n)
    }
}

impl<'a> From<&'a str> for Part<'a> {
    fn from(text: &'a str) -> Self {
        Part::Text(text)
    }
}

/// FNV-1a's 64-bit offset basis and prime.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

impl Seed {
    /// The seed `value` (e.g. a scan's `--seed`).
    pub const fn new(value: u64) -> Seed {
        Seed(value)
    }

    /// Its value.
    pub const fn get(self) -> u64 {
        self.0
    }

    /// The seed of the thing `parts` name, under this seed: the same seed
    /// and parts give the same seed on every run and platform; other parts
    /// (or another seed) give, in all likelihood, another one.
    pub fn derive(self, parts: &[Part<'_>]) -> Seed {
        let mut h = FNV_OFFSET;
        let mut eat = |bytes: &[u8]| {
            for b in bytes {
                h ^= u64::from(*b);
                h = h.wrapping_mul(FNV_PRIME);
            }
        };
        eat(&self.0.to_le_bytes());
        for part in parts {
            match part {
                Part::U64(n) => eat(&n.to_le_bytes()),
                Part::U32(n) => eat(&n.to_le_bytes()),
                Part::Text(t) => eat(t.as_bytes()),
            }
        }
        Seed(h)
    }

    /// A stream of choices drawn from this seed.
    pub fn source(self) -> Seeded {
        Seeded::new(self.0)
    }
}

impl From<u64> for Seed {
    fn from(value: u64) -> Self {
        Seed(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::Source as _;

    #[test]
    fn same_parts_same_seed() {
        let a = Seed::new(7).derive(&[3usize.into(), "positive".into(), 2u32.into()]);
        let b = Seed::new(7).derive(&[3usize.into(), "positive".into(), 2u32.into()]);
        assert_eq!(a, b);
        assert_eq!(a.source().next_u64(), b.source().next_u64());
    }

    #[test]
    fn different_parts_or_seeds_give_different_seeds() {
        let base = Seed::new(7);
        let of = |seed: Seed, op: usize, label: &str, round: u32| {
            seed.derive(&[op.into(), label.into(), round.into()])
        };
        let mut seen = std::collections::HashSet::new();
        for seed in [base, Seed::new(8), Seed::new(0), Seed::new(u64::MAX)] {
            for op in 0..4usize {
                for label in ["positive", "negative", "attack:sqli", "attack:xss"] {
                    for round in 0..4u32 {
                        assert!(
                            seen.insert(of(seed, op, label, round)),
                            "{seed:?} {op} {label} {round} collides"
                        );
                    }
                }
            }
        }
        // no parts is still a derivation, not the seed itself
        assert_ne!(base.derive(&[]), base);
        assert_ne!(
            base.derive(&["pool".into()]),
            base.derive(&["pool:".into()])
        );
        // a number's width is part of it
        assert_ne!(base.derive(&[1u32.into()]), base.derive(&[1u64.into()]));
    }

    #[test]
    fn the_encoding_is_fixed() {
        // FNV-1a over 7u64, 3u64 (LE), "positive", 2u32 (LE), computed apart
        // from this code: the seed of the plan's third positive probe of
        // operation 3 under --seed 7 since probe seeds were first derived
        // this way. A change here changes every user's requests.
        let derived = Seed::new(7).derive(&[3usize.into(), "positive".into(), 2u32.into()]);
        assert_eq!(derived.get(), 0xaea8_4b15_ff50_0ae4);
        // an active session's seed: operation 1, `active:` and the check
        let session = Seed::new(7).derive(&[1usize.into(), "active:".into(), "sqli".into()]);
        assert_eq!(session.get(), 0x730d_fb84_9c12_5372);
        assert_eq!(Seed::from(7).get(), 7);
    }
}
