//! `apiprobe cases`: the requests a scan would send.
//!
//! Each case is a probe of the scan's plan, realised as the scan realises
//! it and from the same seed ([`Probe::seed`]): `cases --seed S` prints
//! the requests `scan --seed S` sends for those probes (before a live
//! resource's id is put in the path, and without the scan's credentials
//! and extra headers). The n-th case of an operation and intent is its
//! probe of round n; for attacks, the n-th case goes round the payload
//! families in the plan's order (family n mod F, round n div F, of F
//! families), so `-n F*A` prints the attacks of `scan --attacks A`. A
//! scan's boundary probes are half its `--cases`; its undeclared-method
//! and missing-header probes have no intent here.

use std::io::Write as _;

use apiprobe::generate::{Case, CaseGenerator, Intent, Options, Payloads, Seed, curl};
use apiprobe::model::Api;
use apiprobe::probes::{Probe, ProbeKind, realise};
use apiprobe::spec::{Loader, Source};
use serde_json::json;

use super::args::{CaseFormat, CasesArgs, IntentArg};
use super::exit;

/// Loads the spec and prints its cases; exit code 2 on a bad spec or flag.
pub async fn run(args: CasesArgs) -> u8 {
    let api = match Loader::new()
        .allow_external_refs(args.allow_external_refs)
        .load(&Source::parse(&args.spec))
        .await
    {
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
    let families: Vec<String> = payloads.families().map(|f| f.name().to_owned()).collect();
    let seed = Seed::new(args.seed);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for (op_index, op) in api.operations.iter().enumerate() {
        if !args.operations.is_empty() && !args.operations.contains(&op.id) {
            continue;
        }
        for intent in &intents {
            for n in 0..args.count {
                let Some(probe) = probe(op_index, *intent, n, &families) else {
                    continue;
                };
                let mut src = probe.seed(seed).source();
                let line = match realise(&api, &mut cases, &probe, &mut src) {
                    Ok(Some(case)) => render(&case, &base, args.format),
                    Ok(None) => continue,
                    // JSON lines stay pure: an unsendable case is an object with its reason
                    Err(e) if args.format == CaseFormat::Json => json!({
                        "operation": op.id,
                        "intent": intent,
                        "unsendable": {"location": e.location, "name": e.name, "reason": e.reason},
                    })
                    .to_string(),
                    Err(e) => format!("# {} {}: not sendable: {e}", op.id, probe.kind.label()),
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

/// The scan's probe behind the `n`-th case of `intent` for operation
/// `operation`: round `n` of the intent's kind; for attacks, family `n mod
/// F` of the plan's `families`, round `n div F`. `None` for an attack when
/// there is no payload family.
fn probe(operation: usize, intent: Intent, n: u32, families: &[String]) -> Option<Probe> {
    let (kind, round) = match intent {
        Intent::Positive => (ProbeKind::Positive, n),
        Intent::Boundary => (ProbeKind::Boundary, n),
        Intent::Negative => (ProbeKind::Negative, n),
        Intent::Attack => {
            let count = u32::try_from(families.len()).ok().filter(|&c| c > 0)?;
            let family = families.get((n % count) as usize)?;
            (ProbeKind::Attack(family.clone()), n / count)
        }
    };
    Some(Probe {
        operation,
        kind,
        round,
    })
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
