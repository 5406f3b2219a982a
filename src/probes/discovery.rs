//! [`Discovery`]: how far a scan looks beyond the spec for undocumented
//! endpoints (`--discovery`), and the request budget of each level.

use serde::{Deserialize, Serialize};

use super::Profile;

/// How many requests the search for undocumented endpoints may send:
/// none, a few hundred, a few thousand.
#[derive(
    Debug,
    Clone,
    Copy,
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
pub enum Discovery {
    /// No discovery.
    Off,
    /// At most 300 requests: the most telling words and the spec's own neighbours.
    Standard,
    /// At most 3,000 requests: the whole wordlist under every documented prefix.
    Aggressive,
}

impl Discovery {
    /// The level a profile implies when `--discovery` is not given:
    /// `quick` none, `standard` standard, `aggressive` aggressive.
    pub fn for_profile(profile: Profile) -> Discovery {
        match profile {
            Profile::Quick => Discovery::Off,
            Profile::Standard => Discovery::Standard,
            Profile::Aggressive => Discovery::Aggressive,
        }
    }

    /// The most requests discovery sends in a whole scan (soft-404
    /// fingerprints and other methods included).
    pub fn budget(self) -> u32 {
        match self {
            Discovery::Off => 0,
            Discovery::Standard => 300,
            Discovery::Aggressive => 3_000,
        }
    }

    /// The level's name, in lower case.
    pub fn as_str(self) -> &'static str {
        match self {
            Discovery::Off => "off",
            Discovery::Standard => "standard",
            Discovery::Aggressive => "aggressive",
        }
    }
}
