//! apiprobe: security and fuzz testing for HTTP APIs.
pub mod model;
pub mod spec;
pub mod tls;
