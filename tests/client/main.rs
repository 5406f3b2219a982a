//! The HTTP client and transport: one test binary (one link of the library)
//! for what goes on the wire (the fast path and reqwest alike), responses
//! a server did not ask for, and misbehaving servers (resets, silence,
//! endless bodies, broken HTTP, 429s) seen by the client and by a scan.

#[path = "../support/mod.rs"]
mod support;
#[path = "../support/tls.rs"]
mod tls_support;

mod client_desync;
mod client_desync_reqwest;
mod client_paths;
mod client_tls;
mod scan_hostile;
mod scan_path_keys;
mod scan_reproduce;
mod scan_stall;
