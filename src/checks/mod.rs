//! How to judge exchanges: each check looks at what a server answered and
//! yields findings.
//!
//! - [`leaks`]: one fast matcher over response bodies for stack traces, SQL
//!   error text, secrets, sensitive fields, card numbers, internal addresses,
//!   file-system paths and debug pages; and [`leaks::server_banner`] over
//!   response headers for version-revealing banners.
pub mod leaks;
