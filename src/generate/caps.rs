//! The budget of one generated value, within [`crate::model::caps`].

use crate::model::caps::VALUE_BUDGET;
pub(crate) use crate::model::caps::{MAX_ITEMS, MAX_PATTERN_BYTES, MAX_STRING_CHARS};

/// What a value's budget has left: [`Budget::take`] hands out lengths.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Budget {
    spent: u64,
}

impl Budget {
    /// A fresh budget, for a new top-level value.
    pub fn reset(&mut self) {
        self.spent = 0;
    }

    /// Whether the value has used its budget up.
    pub fn exhausted(&self) -> bool {
        self.spent >= VALUE_BUDGET
    }

    /// Charges `bytes` already produced (a sampled string, a nested value).
    pub fn charge(&mut self, bytes: u64) {
        self.spent = self.spent.saturating_add(bytes);
    }

    /// A string length of at most `wanted`, within the caps: charged.
    pub fn take(&mut self, wanted: u64) -> u64 {
        let left = VALUE_BUDGET.saturating_sub(self.spent);
        let n = wanted.min(MAX_STRING_CHARS).min(left);
        self.charge(n);
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_hands_out_at_most_the_caps() {
        let mut b = Budget::default();
        assert_eq!(b.take(4_000_000_000), MAX_STRING_CHARS);
        assert_eq!(b.take(10), 10);
        for _ in 0..40 {
            b.take(u64::MAX);
        }
        assert!(b.exhausted());
        assert_eq!(b.take(5), 0);
        b.reset();
        assert_eq!(b.take(5), 5);
    }
}
