//! [`run`]: the arguments parsed, the command run, its exit code.

use std::process::ExitCode;

use clap::{CommandFactory as _, FromArgMatches as _};

use super::args::{Cli, Command};
use super::{baseline, cases, exit, fuzz, inspect, merge, replay, scan};
#[cfg(feature = "demo")]
use super::{demo, serve_demo};

/// Parses the arguments, runs the command, and maps the outcome to an exit code.
pub fn run() -> ExitCode {
    let parsed = Cli::command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m).map(|cli| (cli, m)));
    let (cli, matches) = match parsed {
        Ok(both) => both,
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
    // the subcommand's own matches: which flags the command line gave
    let sub = matches
        .subcommand()
        .map(|(_, m)| m.clone())
        .unwrap_or_default();
    let code = runtime.block_on(async {
        match cli.command {
            Command::Inspect(args) => inspect::run(args).await,
            Command::Cases(args) => cases::run(args).await,
            Command::Scan(args) => scan::run(args, &sub).await,
            #[cfg(feature = "demo")]
            Command::Demo(args) => demo::run(args, &sub).await,
            #[cfg(feature = "demo")]
            Command::ServeDemo(args) => serve_demo::run(args).await,
            Command::Baseline(args) => baseline::run(args),
            Command::Merge(args) => merge::run(args),
            Command::Replay(args) => replay::run(args).await,
            Command::Completions(args) => {
                let mut cmd = Cli::command();
                clap_complete::generate(args.shell, &mut cmd, "apiprobe", &mut std::io::stdout());
                exit::OK
            }
            Command::Man => man(),
            Command::FuzzDict(args) => fuzz::dict(args).await,
            Command::FuzzSeeds(args) => fuzz::seeds(args).await,
        }
    });
    ExitCode::from(code)
}

/// Prints the man page of apiprobe, its subcommands in it.
fn man() -> u8 {
    let cmd = Cli::command();
    let mut out = Vec::new();
    if let Err(e) = clap_mangen::Man::new(cmd.clone()).render(&mut out) {
        eprintln!("error: cannot render the man page: {e}");
        return exit::USAGE;
    }
    for sub in cmd.get_subcommands() {
        let title = format!("apiprobe-{}", sub.get_name());
        if clap_mangen::Man::new(sub.clone())
            .title(title)
            .render(&mut out)
            .is_err()
        {
            break;
        }
    }
    use std::io::Write as _;
    let _ = std::io::stdout().write_all(&out);
    exit::OK
}
