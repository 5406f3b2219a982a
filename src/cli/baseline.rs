//! `apiprobe baseline create REPORT.json`: a baseline accepting every
//! finding of a report, printed on stdout.

use apiprobe::report::{Baseline, Report};

use super::args::{BaselineAction, BaselineArgs};
use super::exit;

/// Runs `apiprobe baseline`.
pub fn run(args: BaselineArgs) -> u8 {
    match args.action {
        BaselineAction::Create { report } => {
            let text = match std::fs::read_to_string(&report) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("error: cannot read {}: {e}", report.display());
                    return exit::USAGE;
                }
            };
            let report_doc: Report = match serde_json::from_str(&text) {
                Ok(r) => r,
                Err(e) => {
                    eprintln!(
                        "error: {} is not an apiprobe JSON report: {e}",
                        report.display()
                    );
                    return exit::USAGE;
                }
            };
            let baseline = Baseline::from_report(&report_doc);
            match serde_json::to_string_pretty(&baseline) {
                Ok(json) => {
                    println!("{json}");
                    eprintln!(
                        "apiprobe: a baseline of {} findings",
                        baseline.findings.len()
                    );
                    exit::OK
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    exit::USAGE
                }
            }
        }
    }
}
