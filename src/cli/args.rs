//! Command-line arguments, as clap parses them.

use clap::{Args, Parser, Subcommand};

/// Security and fuzz testing for HTTP APIs described by OpenAPI.
#[derive(Debug, Parser)]
#[command(name = "apiprobe", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read a spec and print what apiprobe sees in it: a summary and every operation.
    Inspect(InspectArgs),
}

/// Arguments of `apiprobe inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The spec: a file (JSON or YAML) or an http(s) URL. Swagger 2.0, OpenAPI 3.0 or 3.1.
    pub spec: String,
    /// Print JSON instead of a table, for scripts.
    #[arg(long)]
    pub json: bool,
    /// Fail (exit 2) when an operation cannot be read, instead of listing it as skipped.
    #[arg(long)]
    pub strict: bool,
}
