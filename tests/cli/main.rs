//! The binary as users and CI run it: one test binary (one link of the
//! library) for every test that runs `apiprobe` through
//! `tests/support/cli.rs` (scan, demo, login, inspect, cases, fuzz-dict and
//! fuzz-seeds, serve-demo; exit codes, reports, hardening, Ctrl-C).

#[path = "../support/mod.rs"]
mod support;

mod ci_examples;
mod cli_cases;
mod cli_cases_json;
mod cli_ci;
mod cli_discovery;
mod cli_first_look;
mod cli_fuzz;
mod cli_hardening;
mod cli_inspect;
mod cli_jwt_crack;
mod cli_login;
mod cli_scan;
mod cli_shard;
mod serve_demo;
