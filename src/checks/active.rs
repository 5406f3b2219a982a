//! The judge of checks whose findings come from active probes
//! (src/probes/active/): they have nothing to say about a single exchange.

use super::check::{Context, Verdict};

/// The `judge` of a check that only active probes report.
pub(crate) fn active_only(_: &Context<'_>, _: &mut Vec<Verdict>) {}
