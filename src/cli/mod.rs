//! The command line: arguments in, exit code out. Nothing deeper reads the
//! command line; this module only wires the library's parts together.
//!
//! - `run`: [`run`], parse and dispatch. `args`: the clap structs.
//! - `config`: apiprobe.toml read; `settings`: flags and file resolved once
//!   into a validated scan configuration; `input`: credentials checked.
//! - one file per command: `scan`, `demo`, `serve_demo`, `inspect`, `cases`,
//!   `baseline`, `replay`, `fuzz`, `merge`; `shard`: `--shard`/`--shards` resolved.
//! - `progress`, `interrupt`, `exit`: the live display, Ctrl-C, exit codes.
//! - `reach`: which operations answered only 401/403 (the summary's hint).

mod args;
mod baseline;
mod cases;
mod config;
#[cfg(feature = "demo")]
mod demo;
mod exit;
mod fuzz;
mod input;
mod inspect;
mod interrupt;
mod merge;
mod progress;
mod reach;
mod replay;
mod run;
mod scan;
#[cfg(feature = "demo")]
mod serve_demo;
mod settings;
mod shard;

pub use run::run;
