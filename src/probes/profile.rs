//! Scan profiles: how hard the active probes push.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How much a scan tries: `quick` for every CI run, `standard` by default,
/// `aggressive` for pre-release penetration checks.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// No time-based probes, the shortest payload lists: minutes, for every CI run.
    Quick,
    /// Time-based probes on a bounded number of slots.
    #[default]
    Standard,
    /// Time-based probes on every slot, more payloads, bursts (login rate limits).
    Aggressive,
}

impl Profile {
    /// The profile's name, in lower case.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Quick => "quick",
            Profile::Standard => "standard",
            Profile::Aggressive => "aggressive",
        }
    }

    /// Whether time-based oracles (injected sleeps, slow inputs) run at all.
    pub fn time_based(self) -> bool {
        self != Profile::Quick
    }

    /// The most slot trials time-based oracles may make in a whole scan
    /// (each costs a few seconds at most), so a scan's length stays predictable.
    pub fn time_based_limit(self) -> u32 {
        match self {
            Profile::Quick => 0,
            Profile::Standard => 256,
            Profile::Aggressive => 4096,
        }
    }

    /// The most slots of one operation a time-based oracle tries (each
    /// trial is a few fast requests, a few seconds when the delay shows).
    pub fn time_slots_per_operation(self) -> usize {
        match self {
            Profile::Quick => 0,
            Profile::Standard => 3,
            Profile::Aggressive => usize::MAX,
        }
    }

    /// The most slots of one operation an oracle tries (`usize::MAX`: every slot).
    pub fn slots_per_operation(self) -> usize {
        match self {
            Profile::Quick => 4,
            Profile::Standard => 8,
            Profile::Aggressive => usize::MAX,
        }
    }

    /// The delay a time-based payload asks for.
    pub fn injected_delay(self) -> Duration {
        Duration::from_secs(2)
    }

    /// Whether the longer payload lists (encoded variants, more contexts) are used.
    pub fn more_payloads(self) -> bool {
        self == Profile::Aggressive
    }
}
