//! apiprobe: security and fuzz testing for HTTP APIs.
#![warn(missing_docs)]
pub mod checks;
#[cfg(feature = "demo")]
pub mod demo;
pub mod engine;
pub mod fuzz;
pub mod generate;
pub mod http;
pub mod identity;
pub mod model;
pub mod probes;
pub mod report;
pub mod spec;
pub mod tls;
