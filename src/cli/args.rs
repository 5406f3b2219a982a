//! Command-line arguments, as clap parses them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

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
    /// Print the requests a scan would send, as curl commands or JSON.
    Cases(CasesArgs),
    /// Run the deliberately vulnerable demo API on 127.0.0.1 until Ctrl-C
    /// (its spec is specs/demo.yaml), for other tools and manual probing.
    ServeDemo(ServeDemoArgs),
}

/// Arguments of `apiprobe serve-demo`.
#[derive(Debug, Args)]
pub struct ServeDemoArgs {
    /// Serve the repaired API, with every planted flaw fixed.
    #[arg(long)]
    pub fixed: bool,
    /// The port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
}

/// Arguments of `apiprobe cases`.
#[derive(Debug, Args)]
pub struct CasesArgs {
    /// The spec: a file (JSON or YAML) or an http(s) URL.
    pub spec: String,
    /// Only these operations (operationId, or `METHOD /path`); repeatable.
    #[arg(long = "operation", value_name = "ID")]
    pub operations: Vec<String>,
    /// Only these intents; repeatable. Default: all four.
    #[arg(long = "intent", value_enum)]
    pub intents: Vec<IntentArg>,
    /// Cases per operation and intent.
    #[arg(short = 'n', long = "count", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub count: u32,
    /// The seed: the same seed gives the same cases.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// How to print each case.
    #[arg(long, value_enum, default_value_t = CaseFormat::Curl)]
    pub format: CaseFormat,
    /// The base URL in curl commands (default: the spec's first server).
    #[arg(long)]
    pub url: Option<String>,
    /// A folder of extra payload files (`family.txt`, one payload a line).
    #[arg(long, value_name = "DIR")]
    pub payloads: Option<PathBuf>,
}

/// An intent, as the command line names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum IntentArg {
    /// Valid values.
    Positive,
    /// Valid values at the edges.
    Boundary,
    /// One constraint broken.
    Negative,
    /// An attack payload in one string slot.
    Attack,
}

/// How `apiprobe cases` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CaseFormat {
    /// A comment line and a curl command per case.
    Curl,
    /// One JSON object per line.
    Json,
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
