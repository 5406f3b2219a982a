//! `apiprobe merge REPORT.json... -o merged.json`: the shards' JSON reports
//! of a sharded scan as one report (`apiprobe::report::merge`), written in
//! every format a scan writes from its finished report, with the summary
//! and the exit code a scan of the whole API would give.

use std::io::IsTerminal as _;

use apiprobe::engine::StopReason;
use apiprobe::report::{
    Baseline, Format, MergeInput, Report, ReportSpec, Style, merge, summary, write_report,
};

use super::args::MergeArgs;
use super::exit;

/// Runs `apiprobe merge`.
pub fn run(args: MergeArgs) -> u8 {
    let mut outputs = args.reports.clone();
    if let Some(path) = &args.output {
        outputs.push(ReportSpec {
            format: Format::Json,
            path: path.clone(),
        });
    }
    if let Some(stream) = outputs.iter().find(|r| r.format.is_stream()) {
        eprintln!(
            "error: --report {}: NDJSON and HAR are written while a scan runs; merge writes json, sarif, junit and html",
            stream.path.display()
        );
        return exit::USAGE;
    }
    let baseline = match &args.baseline {
        Some(path) => match Baseline::load(path) {
            Ok(b) => Some((b, path.display().to_string())),
            Err(e) => {
                eprintln!("error: {e}");
                return exit::USAGE;
            }
        },
        None => None,
    };
    let mut inputs = Vec::with_capacity(args.inputs.len());
    for path in &args.inputs {
        let file = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: cannot read {file}: {e}");
                return exit::USAGE;
            }
        };
        let report: Report = match serde_json::from_str(&text) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {file} is not an apiprobe JSON report: {e}");
                return exit::USAGE;
            }
        };
        inputs.push(MergeInput { file, report });
    }
    let merged = match merge(inputs, args.allow_missing) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    for w in &merged.warnings {
        eprintln!("warning: {w}");
    }
    let mut report = merged.report;
    if let Some((b, file)) = &baseline {
        b.apply(&mut report, file);
    }
    let mut failed_write = false;
    for spec in &outputs {
        if let Err(e) = write_report(&report, spec) {
            eprintln!("error: {e}");
            failed_write = true;
        }
    }
    if !args.quiet {
        let style = Style {
            colour: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        };
        print!("{}", summary(&report, style));
    }
    if report.stopped.is_target_error() {
        if let StopReason::Unreachable(why) | StopReason::TargetLost(why) = &report.stopped {
            eprintln!("error: a shard could not reach its target: {why}");
        }
        return exit::UNREACHABLE;
    }
    if failed_write {
        return exit::USAGE;
    }
    if report.findings.iter().any(|f| f.severity >= args.fail_on) {
        exit::FINDINGS
    } else {
        exit::OK
    }
}
