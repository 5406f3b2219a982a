//! Values and requests: what a request carries, decided from schemas and
//! drawn from one source of choices (seeded random in a scan, libFuzzer's
//! bytes under cargo fuzz); [`Seed`], the one derivation of a seed from
//! the scan's (for probes, sessions, the pool and `apiprobe cases`).

mod accepts;
mod boundary;
mod caps;
mod case;
mod formats;
mod hints;
mod lint;
mod negative;
mod pattern;
mod payloads;
mod seed;
mod serialise;
mod source;
mod value;

pub use crate::http::{Request, RequestBody, Unsendable, curl, curl_at};
pub use crate::model::Direction;
pub use case::{Attack, Case, CaseGenerator, Intent, Slot};
pub use lint::unfit_strings;
pub use negative::{Negative, Violation, ViolationKind};
pub use payloads::{Payload, PayloadError, PayloadFamily, Payloads};
pub use seed::{Part, Seed};
pub use serialise::{Values, serialise, serialise_path};
pub use source::{Fuzzed, Seeded, Source};
pub use value::{Generator, Options};
