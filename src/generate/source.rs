//! Where every choice of the generator comes from.
//!
//! One small trait, two implementations: [`Seeded`] (a seeded ChaCha8 stream,
//! for scans: the same seed gives the same requests) and [`Fuzzed`]
//! (libFuzzer's bytes through `arbitrary::Unstructured`). A fuzz source that
//! runs out of bytes keeps answering 0, and every generator is written so that
//! choice 0 is the simplest valid one: a value is always produced.

use std::convert::Infallible;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// A stream of choices.
pub trait Source {
    /// The next 64 bits of choice; 0 once a finite source is exhausted.
    fn next_u64(&mut self) -> u64;

    /// A number in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: u64) -> u64 {
        if n <= 1 {
            return 0;
        }
        // Lemire's multiply-shift: unbiased enough for test generation, and 0 maps to 0.
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// An index into a collection of `len` items (0 when empty).
    fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// An integer in `lo..=hi` (`lo` when the range is empty); 0 maps to `lo`.
    fn int_in(&mut self, lo: i128, hi: i128) -> i128 {
        if hi <= lo {
            return lo;
        }
        // as u128: `hi - lo` overflows i128 for bounds near its ends (a
        // schema with `minimum: -1e300, maximum: 1e300`; found by fuzzing)
        let span = hi.abs_diff(lo);
        if span >= u128::from(u64::MAX) {
            return lo.saturating_add(i128::from(self.next_u64())).min(hi);
        }
        lo + i128::from(self.below(span as u64 + 1))
    }

    /// True with probability `num/den`; false once exhausted.
    fn chance(&mut self, num: u64, den: u64) -> bool {
        den > 0 && self.below(den) >= den.saturating_sub(num)
    }

    /// A float in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Choices from a seeded ChaCha8 stream: the same seed gives the same choices
/// on every platform.
#[derive(Debug, Clone)]
pub struct Seeded(ChaCha8Rng);

impl Seeded {
    /// A stream for `seed`.
    pub fn new(seed: u64) -> Self {
        Seeded(ChaCha8Rng::seed_from_u64(seed))
    }
}

impl Source for Seeded {
    fn next_u64(&mut self) -> u64 {
        rand::Rng::next_u64(&mut self.0)
    }
}

/// Choices from fuzzer-supplied bytes.
pub struct Fuzzed<'a>(arbitrary::Unstructured<'a>);

impl<'a> Fuzzed<'a> {
    /// Choices read from `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Fuzzed(arbitrary::Unstructured::new(data))
    }

    /// Whether every byte has been used.
    pub fn is_exhausted(&self) -> bool {
        self.0.is_empty()
    }
}

impl Source for Fuzzed<'_> {
    fn next_u64(&mut self) -> u64 {
        // Fewer bytes per choice keeps fuzzer inputs short: one byte, widened.
        let b = self.0.arbitrary::<u8>().unwrap_or(0);
        let spread = u64::from(b).wrapping_mul(0x0101_0101_0101_0101);
        if b == 0 { 0 } else { spread }
    }
}

/// A `rand` generator over a [`Source`], for crates that sample with `rand`
/// (regex-driven strings).
///
/// Rejection sampling inside `rand` can loop forever on a constant stream,
/// which is what an exhausted fuzz source gives; so each output is mixed with
/// a counter through SplitMix64. The stream stays a pure function of the
/// source's choices.
pub(crate) struct AsRng<'s> {
    source: &'s mut dyn Source,
    counter: u64,
}

impl<'s> AsRng<'s> {
    /// Wraps `source`.
    pub fn new(source: &'s mut dyn Source) -> Self {
        AsRng { source, counter: 0 }
    }

    fn next(&mut self) -> u64 {
        self.counter = self.counter.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.counter;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        self.source.next_u64() ^ z ^ (z >> 31)
    }
}

impl rand::TryRng for AsRng<'_> {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok((self.next() >> 32) as u32)
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.next())
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(8) {
            let bytes = self.next().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_choices() {
        let mut a = Seeded::new(7);
        let mut b = Seeded::new(7);
        let xs: Vec<u64> = (0..20).map(|_| a.below(1000)).collect();
        let ys: Vec<u64> = (0..20).map(|_| b.below(1000)).collect();
        assert_eq!(xs, ys);
        let mut c = Seeded::new(8);
        let zs: Vec<u64> = (0..20).map(|_| c.below(1000)).collect();
        assert_ne!(xs, zs);
    }

    #[test]
    fn ranges_are_respected() {
        let mut s = Seeded::new(1);
        for _ in 0..10_000 {
            let v = s.int_in(-5, 5);
            assert!((-5..=5).contains(&v));
            assert!(s.below(3) < 3);
            let u = s.unit();
            assert!((0.0..1.0).contains(&u));
        }
        for _ in 0..1000 {
            let v = s.int_in(i128::MIN, i128::MAX);
            assert!((i128::MIN..=i128::MAX).contains(&v));
            let v = s.int_in(i128::MIN + 1, -1);
            assert!(v < 0, "{v}");
        }
        let big = s.int_in(i128::from(i64::MIN), i128::from(i64::MAX));
        assert!(big >= i128::from(i64::MIN) && big <= i128::from(i64::MAX) + i128::from(u64::MAX));
    }

    #[test]
    fn an_exhausted_fuzz_source_answers_zero() {
        let mut f = Fuzzed::new(&[200]);
        assert!(f.next_u64() > 0);
        assert!(f.is_exhausted());
        assert_eq!(f.next_u64(), 0);
        assert_eq!(f.below(10), 0);
        assert_eq!(f.int_in(3, 9), 3);
        assert!(!f.chance(1, 2));
    }

    #[test]
    fn every_value_is_reachable_from_bytes() {
        let seen: std::collections::HashSet<u64> =
            (0..=255u8).map(|b| Fuzzed::new(&[b]).below(4)).collect();
        assert_eq!(seen.len(), 4);
    }
}
