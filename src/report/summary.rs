//! The terminal summary: counts, then findings grouped by severity and check,
//! each with its evidence and a curl command that reproduces it.

use std::fmt::Write as _;

use console::Style as Paint;

use super::document::Report;
use super::guide::Guide;
use crate::checks::Severity;
use crate::engine::StopReason;

/// How the summary is drawn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Style {
    /// ANSI colours (on a terminal).
    pub colour: bool,
}

/// Longest curl command shown in full; longer ones are cut to this length
/// and say where they are whole (the JSON report).
const CURL_SHOWN: usize = 600;
/// Characters of a long command's body shown after its URL and headers.
const BODY_SHOWN: usize = 120;
/// Longest evidence shown.
const EVIDENCE_SHOWN: usize = 240;

fn paint(style: Style, p: Paint) -> Paint {
    if style.colour {
        p.force_styling(true)
    } else {
        p.force_styling(false)
    }
}

fn severity_paint(style: Style, s: Severity) -> Paint {
    let p = match s {
        Severity::Critical => Paint::new().red().bold().reverse(),
        Severity::High => Paint::new().red().bold(),
        Severity::Medium => Paint::new().yellow().bold(),
        Severity::Low => Paint::new().cyan(),
        Severity::Info => Paint::new().dim(),
    };
    paint(style, p)
}

fn cut(text: &str, max: usize) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one_line.chars().count() <= max {
        return one_line;
    }
    let mut s: String = one_line.chars().take(max).collect();
    s.push('…');
    s
}

/// The summary of `report`, with the default [`Guide`] (how to repeat the run).
pub fn summary(report: &Report, style: Style) -> String {
    summary_with(report, style, &Guide::default())
}

/// A reproduce line cut to [`CURL_SHOWN`], naming where the whole command is.
fn reproduce(curl: &str, id: &str, guide: &Guide) -> String {
    let length = curl.chars().count();
    if length <= CURL_SHOWN {
        return curl.to_owned();
    }
    let whole = match &guide.json_report {
        Some(path) => format!("finding {id} in {path}"),
        None => format!("finding {id} in the JSON report: add --report json:PATH"),
    };
    // the URL and headers stay whole (a cut token fails); the body is cut
    let keep = match curl.find(" --data-binary ") {
        Some(at) => {
            let head = curl.get(..at).map_or(0, |h| h.chars().count());
            (head + BODY_SHOWN).max(CURL_SHOWN)
        }
        // no body: only a long URL is cut, the headers after it count whole
        None => {
            let url = curl.split(" -H ").next().map_or(0, |u| u.chars().count());
            (length - url + BODY_SHOWN).max(CURL_SHOWN)
        }
    };
    if length <= keep {
        return curl.to_owned();
    }
    format!(
        "{} (cut at {keep} of {length} characters; whole: {whole})",
        cut(curl, keep)
    )
}

/// The summary of `report`, ending with the hints of `guide`.
pub fn summary_with(report: &Report, style: Style, guide: &Guide) -> String {
    let bold = paint(style, Paint::new().bold());
    let dim = paint(style, Paint::new().dim());
    let mut out = String::new();
    let stats = &report.stats;
    let _ = writeln!(
        out,
        "\n{} {} operations, {} requests in {:.1} s ({:.0} requests/s), seed {}",
        bold.apply_to("apiprobe:"),
        stats.operations,
        stats.requests,
        stats.elapsed_ms as f64 / 1000.0,
        stats.rate(),
        report.seed
    );
    if stats.relogins > 0 || stats.live_ids > 0 {
        let mut parts = Vec::new();
        if stats.relogins > 0 {
            parts.push(format!(
                "re-signed in {} time{} after 401s",
                stats.relogins,
                if stats.relogins == 1 { "" } else { "s" }
            ));
        }
        if stats.live_ids > 0 {
            parts.push(format!(
                "{} plan request{} named live resources",
                stats.live_ids,
                if stats.live_ids == 1 { "" } else { "s" }
            ));
        }
        let _ = writeln!(out, "{}", dim.apply_to(parts.join("; ")));
    }
    if stats.unrequested_responses > 0 {
        let _ = writeln!(
            out,
            "note: the target sent {} response{} that no request asked for, on idle keep-alive connections; \
             those connections were dropped and the next request went on a fresh one, so no answer was \
             attributed to the wrong request",
            stats.unrequested_responses,
            if stats.unrequested_responses == 1 {
                ""
            } else {
                "s"
            }
        );
    }
    if stats.resent_on_fresh_connection > 0 {
        let n = stats.resent_on_fresh_connection;
        let _ = writeln!(
            out,
            "note: {n} request{} failed before any byte of the answer on a connection kept alive from an \
             earlier request (the target had closed it without saying so) and {} sent again on a fresh \
             connection; only a failure on a fresh connection can be a crash",
            if n == 1 { "" } else { "s" },
            if n == 1 { "was" } else { "were" }
        );
    }
    if stats.crashes_not_reproduced > 0 {
        let n = stats.crashes_not_reproduced;
        let _ = writeln!(
            out,
            "note: {n} connection failure{} did not happen again when the same request was sent once more, \
             and {} not reported as crash",
            if n == 1 { "" } else { "s" },
            if n == 1 { "was" } else { "were" }
        );
    }
    for note in &report.notes {
        let _ = writeln!(out, "note: {note}");
    }
    match &report.stopped {
        StopReason::Completed => {}
        StopReason::RequestBudget => {
            let _ = writeln!(
                out,
                "stopped early: the request budget (--max-requests) ran out"
            );
        }
        StopReason::TimeBudget => {
            let _ = writeln!(out, "stopped early: the time budget (--max-time) ran out");
        }
        StopReason::Interrupted => {
            let _ = writeln!(out, "stopped early: interrupted");
        }
        StopReason::Unreachable(why) => {
            let _ = writeln!(out, "target unreachable: {why}");
        }
        StopReason::TargetLost(why) => {
            let _ = writeln!(out, "target lost: {why}");
        }
    }
    if let Some(b) = &report.baseline {
        let _ = writeln!(
            out,
            "baseline {}: {} known findings, {} seen again and left out, {} fixed{}",
            b.file,
            b.known,
            b.suppressed,
            b.fixed.len(),
            if b.unconfirmed.is_empty() {
                String::new()
            } else {
                format!(
                    ", {} not checked again (scan incomplete or narrowed)",
                    b.unconfirmed.len()
                )
            }
        );
        for e in &b.fixed {
            let _ = writeln!(
                out,
                "  {} {} {} {}: {}",
                dim.apply_to("fixed:"),
                e.id,
                e.check,
                e.endpoint,
                e.title
            );
        }
    }
    if report.findings.is_empty() {
        let none = if report.baseline.is_some() {
            "No new findings."
        } else {
            "No findings."
        };
        let _ = writeln!(out, "{}", bold.apply_to(none));
        out.push_str(&guide.lines(report.seed));
        return out;
    }
    let c = report.summary;
    let _ = writeln!(
        out,
        "{} {} ({} critical, {} high, {} medium, {} low, {} info)\n",
        bold.apply_to("Findings:"),
        report.findings.len(),
        c.critical,
        c.high,
        c.medium,
        c.low,
        c.info
    );
    let mut last_check = "";
    for f in &report.findings {
        if f.check != last_check {
            let sev = severity_paint(style, f.severity);
            let tag = format!("{:<8}", f.severity.as_str().to_uppercase());
            let cwe = f.cwe.map(|c| format!(" (CWE-{c})")).unwrap_or_default();
            let _ = writeln!(
                out,
                "{} {}{}",
                sev.apply_to(tag),
                bold.apply_to(&f.check),
                cwe
            );
            last_check = &f.check;
        }
        let occurrences = if f.occurrences > 1 {
            format!(" ×{}", f.occurrences)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  {} {}: {}{}",
            f.operation.method,
            f.operation.path,
            f.title,
            dim.apply_to(occurrences)
        );
        let _ = writeln!(
            out,
            "    {} {}",
            dim.apply_to("evidence:"),
            cut(&f.evidence, EVIDENCE_SHOWN)
        );
        let curl = reproduce(&f.curl, &f.id, guide);
        let _ = writeln!(out, "    {} {}", dim.apply_to("reproduce:"), curl);
    }
    out.push('\n');
    out.push_str(&guide.lines(report.seed));
    out
}
