//! The demo and scans: one test binary (one link of the library) for the
//! demo's planted flaws, every detection test (each scans a real server on
//! 127.0.0.1: injection, authentication, leaks, stateful probes, sessions,
//! the pool), the check catalogue, in-process fuzzing, the reports and the
//! masking of secrets in them.

#[path = "../support/mod.rs"]
mod support;

mod checks_catalogue;
mod demo;
mod fuzz_inprocess;
mod reports;
mod scan_auth;
mod scan_base;
mod scan_base_change;
mod scan_big_integers;
mod scan_bola_existing;
mod scan_demo;
mod scan_destructive;
mod scan_discovery;
mod scan_enforcement;
mod scan_guessing;
mod scan_header_privilege;
mod scan_injection;
mod scan_injection_lookalike;
mod scan_jwt_crack;
mod scan_jwt_keys;
mod scan_leaks;
mod scan_lost_login;
mod scan_negative_reach;
mod scan_pool;
mod scan_privilege_readback;
mod scan_seeds;
mod scan_sessions;
mod scan_slow_input;
mod scan_stateful;
mod scan_stored_xss;
mod scan_throwaway_cleanup;
mod scan_token_chain;
mod scan_user_objects;
mod scan_xss_context;
mod secrets_masking;
