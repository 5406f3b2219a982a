//! `apiprobe cases`: the requests a scan would send.

use std::io::Write as _;

use apiprobe::generate::{Case, CaseGenerator, Intent, Options, Payloads, Seeded, curl};
use apiprobe::model::Api;
use apiprobe::spec::{Loader, Source};
use serde_json::json;

use super::args::{CaseFormat, CasesArgs, IntentArg};
use super::exit;

/// Loads the spec and prints its cases; exit code 2 on a bad spec or flag.
pub async fn run(args: CasesArgs) -> u8 {
    let api = match Loader::new().load(&Source::parse(&args.spec)).await {
        Ok(api) => api,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let mut payloads = Payloads::builtin();
    if let Some(dir) = &args.payloads
        && let Err(e) = payloads.load_dir(dir)
    {
        eprintln!("error: {e}");
        return exit::USAGE;
    }
    for wanted in &args.operations {
        if api.operation(wanted).is_none() {
            eprintln!(
                "error: no operation {wanted:?} in {} (see `apiprobe inspect`)",
                api.source
            );
            return exit::USAGE;
        }
    }
    let intents: Vec<Intent> = if args.intents.is_empty() {
        Intent::ALL.to_vec()
    } else {
        args.intents.iter().map(|i| intent(*i)).collect()
    };
    let base = args.url.clone().unwrap_or_else(|| base_url(&api));
    let mut cases = CaseGenerator::new(&api, Options::default(), &payloads);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for (op_index, op) in api.operations.iter().enumerate() {
        if !args.operations.is_empty() && !args.operations.contains(&op.id) {
            continue;
        }
        for intent in &intents {
            for n in 0..args.count {
                let mut src = Seeded::new(case_seed(args.seed, op_index, *intent, n));
                let line = match cases.case(op, *intent, &mut src) {
                    Ok(Some(case)) => render(&case, &base, args.format),
                    Ok(None) => continue,
                    Err(e) => format!("# {} {}: not sendable: {e}", op.id, intent.as_str()),
                };
                if writeln!(out, "{line}").is_err() {
                    return exit::OK; // stdout closed (e.g. piped into head)
                }
            }
        }
    }
    exit::OK
}

fn intent(arg: IntentArg) -> Intent {
    match arg {
        IntentArg::Positive => Intent::Positive,
        IntentArg::Boundary => Intent::Boundary,
        IntentArg::Negative => Intent::Negative,
        IntentArg::Attack => Intent::Attack,
    }
}

/// A seed for one case from the run's seed and the case's place, so that any
/// case can be reproduced on its own.
fn case_seed(seed: u64, op_index: usize, intent: Intent, n: u32) -> u64 {
    let mut h = seed ^ 0x9E37_79B9_7F4A_7C15;
    for part in [op_index as u64, intent as u64, u64::from(n)] {
        h = (h ^ part).wrapping_mul(0x0100_0000_01B3).rotate_left(29);
    }
    h
}

/// The spec's first server, made absolute for curl.
fn base_url(api: &Api) -> String {
    let url = api
        .servers
        .first()
        .map(|s| s.resolved_url())
        .unwrap_or_else(|| "/".into());
    if url.contains("://") {
        url
    } else {
        format!(
            "http://localhost{}",
            if url.starts_with('/') {
                url
            } else {
                format!("/{url}")
            }
        )
    }
}

fn render(case: &Case, base: &str, format: CaseFormat) -> String {
    let command = curl(base, &case.request);
    match format {
        CaseFormat::Curl => {
            let mut about = format!("# {} {}", case.operation, case.intent.as_str());
            if let Some((slot, v)) = &case.violation {
                about.push_str(&format!(
                    ": {} {}{} breaks {}",
                    slot.location, slot.name, slot.pointer, v.keyword
                ));
            }
            if let Some(a) = &case.attack {
                about.push_str(&format!(
                    ": {} in {} {}{}",
                    a.family, a.slot.location, a.slot.name, a.slot.pointer
                ));
            }
            format!("{about}\n{command}")
        }
        CaseFormat::Json => {
            let r = &case.request;
            let body = r.body.as_ref().map(|b| {
                json!({
                    "contentType": b.content_type,
                    "text": String::from_utf8_lossy(&b.bytes),
                })
            });
            json!({
                "operation": case.operation,
                "intent": case.intent,
                "violation": case.violation.as_ref().map(|(slot, v)| json!({"slot": slot, "kind": v.kind, "keyword": v.keyword})),
                "attack": case.attack,
                "request": {
                    "method": r.method,
                    "path": r.path,
                    "query": r.query,
                    "headers": r.headers,
                    "body": body,
                },
                "curl": command,
            })
            .to_string()
        }
    }
}
