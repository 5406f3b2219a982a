//! Coverage-guided fuzzing of in-process services (`cargo fuzz`).
//!
//! A [`FuzzTarget`] holds a loaded spec and the scan's checks. Given the
//! bytes libFuzzer hands a fuzz target, it picks an operation and a probe
//! (positive, boundary, negative, an attack family, an undeclared method, a
//! required header left out), lets the generator draw every value from the
//! remaining bytes, sends the request to any tower service (an axum
//! `Router`, a hyper service) in-process, with no socket, and judges the
//! response with the same checks a scan uses. [`FuzzTarget::check`] panics
//! with the findings' description, so libFuzzer keeps the input as a crash.
//!
//! A fuzz target for your own service (`fuzz/fuzz_targets/my_api.rs`):
//!
//! ```ignore
//! #![no_main]
//! use std::sync::LazyLock;
//! use apiprobe::fuzz::FuzzTarget;
//!
//! static TARGET: LazyLock<FuzzTarget> =
//!     LazyLock::new(|| FuzzTarget::from_spec_path("openapi.yaml").expect("the spec loads"));
//!
//! libfuzzer_sys::fuzz_target!(|data: &[u8]| {
//!     TARGET.check(my_api::router(), data);
//! });
//! ```
//!
//! The same call outside libFuzzer returns what it found instead of panicking
//! (here with the demo API, feature `demo`):
//!
//! ```
//! # #[cfg(feature = "demo")] {
//! use apiprobe::demo::{DemoConfig, router};
//! use apiprobe::fuzz::FuzzTarget;
//!
//! let target = FuzzTarget::from_spec_str(include_str!("../../specs/demo.yaml"), "demo.yaml")?;
//! let run = target.run(router(DemoConfig { fixed: true }), &[0, 0, 0]);
//! assert!(run.exchange.is_some());
//! assert!(run.findings.is_empty());
//! # }
//! # Ok::<(), apiprobe::fuzz::FuzzError>(())
//! ```
//!
//! - `input`: how an input's bytes are read ([`InputLayout`]): two bytes
//!   choose the operation, one the probe, the rest are the generator's choices.
//! - `target`: [`FuzzTarget`], [`FuzzOptions`], [`Run`], [`FuzzCase`].
//! - `service`: a generated request as an `http::Request`, sent through
//!   `tower::ServiceExt::oneshot`, the response read into an
//!   [`Exchange`](crate::http::Exchange) (capped body, timing, named failures).
//! - `dict`: [`dictionary`], a libFuzzer dictionary from a spec.
//! - `seeds`: [`seeds`], one positive input per operation, a seed corpus.

mod dict;
mod input;
mod seeds;
mod service;
mod target;
#[cfg(test)]
mod tests;

pub use dict::{MAX_ENTRY_BYTES, dictionary, escape};
pub use input::InputLayout;
pub use seeds::{Seed, seeds};
pub use service::{ReqBody, to_http};
pub use target::{FuzzCase, FuzzError, FuzzOptions, FuzzTarget, Run};
