//! The command line: arguments in, exit code out. Nothing deeper reads the
//! command line; this module only wires the library's parts together.

mod args;
mod cases;
mod demo;
mod exit;
mod fuzz;
mod inspect;
mod interrupt;
mod progress;
mod scan;
mod serve_demo;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};

/// Parses the arguments, runs the command, and maps the outcome to an exit code.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::USAGE);
        }
    };
    let code = runtime.block_on(async {
        match cli.command {
            Command::Inspect(args) => inspect::run(args).await,
            Command::Cases(args) => cases::run(args).await,
            Command::Scan(args) => scan::run(args).await,
            Command::Demo(args) => demo::run(args).await,
            Command::ServeDemo(args) => serve_demo::run(args).await,
            Command::FuzzDict(args) => fuzz::dict(args).await,
            Command::FuzzSeeds(args) => fuzz::seeds(args).await,
        }
    });
    ExitCode::from(code)
}
