//! Exit codes, stable for scripts and CI (documented in the README).

/// Success, and no finding at or above the failure threshold.
pub const OK: u8 = 0;
/// At least one finding at or above the failure threshold (`--fail-on`).
pub const FINDINGS: u8 = 1;
/// Usage error or a spec that cannot be read.
pub const USAGE: u8 = 2;
/// The target could not be reached (or stopped answering).
pub const UNREACHABLE: u8 = 3;
