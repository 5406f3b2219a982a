//! apiprobe: security and fuzz testing for HTTP APIs.
pub mod generate;
pub mod model;
pub mod spec;
pub mod tls;
