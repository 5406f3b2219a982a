//! Exit codes, stable for scripts and CI (documented in the README).

/// Success, and no finding at or above the failure threshold.
pub const OK: u8 = 0;
/// Usage error or a spec that cannot be read.
pub const USAGE: u8 = 2;
