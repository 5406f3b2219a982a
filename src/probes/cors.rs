//! The origins a CORS probe sends: one no site could own, and `null` (what
//! sandboxed frames, `file:` pages and some redirects send).

use serde::Serialize;

/// The `Origin` a CORS probe sends with a valid request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CorsOrigin {
    /// `https://apiprobe-attacker.example` (the `.example` domain is reserved).
    Arbitrary,
    /// `null`.
    Null,
}

impl CorsOrigin {
    /// Both origins, in the order they are probed.
    pub const ALL: [CorsOrigin; 2] = [CorsOrigin::Arbitrary, CorsOrigin::Null];

    /// The `Origin` header value sent.
    pub fn value(self) -> &'static str {
        match self {
            CorsOrigin::Arbitrary => "https://apiprobe-attacker.example",
            CorsOrigin::Null => "null",
        }
    }

    /// Its name in labels and signatures: `arbitrary_origin`, `null_origin`.
    pub fn name(self) -> &'static str {
        match self {
            CorsOrigin::Arbitrary => "arbitrary_origin",
            CorsOrigin::Null => "null_origin",
        }
    }
}
