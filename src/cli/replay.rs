//! `apiprobe replay REPORT.json [--finding ID]`: sends each finding's
//! recorded (shrunk) request again and says whether it still reproduces.
//!
//! A finding reproduces when the new outcome matches what made it: the
//! same transport failure, or the same status with the matched text (the
//! evidence, where it was text of the response) in the response again.
//! Masked values (`***`) are filled from the credentials given; a request
//! that still carries a masked value is not sent.

use apiprobe::checks::Finding;
use apiprobe::generate::{Request, RequestBody};
use apiprobe::http::{Client, ClientOptions, Exchange, Outcome};
use apiprobe::identity::{Credential, apply_credentials};
use apiprobe::model::Method;
use apiprobe::report::{MASK, Report};

use super::args::ReplayArgs;
use super::exit;
use super::input::{self, Tabs};

/// Runs `apiprobe replay`: exit 1 when a finding still reproduces, 0 when
/// none does, 2 on a usage error, 3 when the target cannot be reached.
pub async fn run(mut args: ReplayArgs) -> u8 {
    if let Err(e) = check_credentials(&mut args) {
        eprintln!("error: {e}");
        return exit::USAGE;
    }
    let text = match std::fs::read_to_string(&args.report) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", args.report.display());
            return exit::USAGE;
        }
    };
    let report: Report = match serde_json::from_str(&text) {
        Ok(r) => r,
        Err(e) => {
            eprintln!(
                "error: {} is not an apiprobe JSON report: {e}",
                args.report.display()
            );
            return exit::USAGE;
        }
    };
    for id in &args.findings {
        if !report.findings.iter().any(|f| f.id == *id) {
            eprintln!("error: the report has no finding {id:?}");
            return exit::USAGE;
        }
    }
    let mut credentials = Vec::new();
    for h in &args.headers {
        let Some((name, value)) = h.split_once(':') else {
            eprintln!("error: -H {h:?}: expected `Name: value`");
            return exit::USAGE;
        };
        credentials.push(Credential::header(name.trim(), value.trim()));
    }
    if let Some(t) = &args.bearer {
        credentials.push(Credential::bearer(t));
    }
    if let Some(b) = &args.basic {
        credentials.push(Credential::basic(b));
    }
    let base = match &args.url {
        Some(u) => match url::Url::parse(u) {
            Ok(_) => Some(u.trim_end_matches('/').to_owned()),
            Err(e) => {
                eprintln!("error: --url {u:?}: {e}");
                return exit::USAGE;
            }
        },
        None => None,
    };
    let client = match Client::new(ClientOptions {
        timeout: args.timeout,
        max_response_bytes: 1 << 20,
        insecure: args.insecure,
        ca_cert: None,
        follow_redirects: false,
        max_idle_per_host: 4,
        env_proxy: false,
    }) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let chosen: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| args.findings.is_empty() || args.findings.contains(&f.id))
        .collect();
    let (mut reproduced, mut gone, mut unsent, mut unreachable) = (0, 0, 0, 0);
    for f in &chosen {
        let (url, request) = match rebuild(f, &report.target, base.as_deref(), &credentials) {
            Ok(r) => r,
            Err(why) => {
                unsent += 1;
                println!(
                    "SKIPPED     {} {} {} {}: {why}",
                    f.id, f.check, f.operation.method, f.operation.path
                );
                continue;
            }
        };
        let exchange = client.send(url, request).await;
        let (same, detail) = reproduces(f, &exchange);
        if let Outcome::Failed(fail) = &exchange.outcome
            && fail.kind == apiprobe::http::FailureKind::Connect
        {
            unreachable += 1;
        }
        let verdict = if same {
            reproduced += 1;
            "REPRODUCED "
        } else {
            gone += 1;
            "not seen   "
        };
        println!(
            "{verdict} {} {} {} {}: {detail}",
            f.id, f.check, f.operation.method, f.operation.path
        );
    }
    println!(
        "\napiprobe replay: {} findings, {reproduced} reproduced, {gone} not seen again, {unsent} not sent",
        chosen.len()
    );
    if unreachable > 0 && unreachable == chosen.len() - unsent {
        eprintln!("error: the target cannot be reached");
        return exit::UNREACHABLE;
    }
    if reproduced > 0 {
        exit::FINDINGS
    } else if unsent > 0 && gone == 0 {
        exit::USAGE
    } else {
        exit::OK
    }
}

/// `--bearer`, `--basic` and `-H` through the scan's check
/// ([`input::check`]): notes on stderr, a control byte an error.
fn check_credentials(args: &mut ReplayArgs) -> Result<(), String> {
    let mut notes = Vec::new();
    let checked = check_each(args, &mut notes);
    for n in &notes {
        eprintln!("note: {n}");
    }
    checked
}

fn check_each(args: &mut ReplayArgs, notes: &mut Vec<String>) -> Result<(), String> {
    input::check_all("-H", &mut args.headers, Tabs::AfterColon, notes)?;
    if let Some(v) = &mut args.bearer {
        input::check("--bearer", v, Tabs::Never, notes)?;
    }
    if let Some(v) = &mut args.basic {
        input::check("--basic", v, Tabs::Never, notes)?;
    }
    Ok(())
}

/// The request of `f` as it can be sent again: on `base` instead of the
/// recorded target when given, with `credentials` filling masked values.
fn rebuild(
    f: &Finding,
    target: &str,
    base: Option<&str>,
    credentials: &[Credential],
) -> Result<(String, Request), String> {
    let Some(method) = Method::ALL
        .into_iter()
        .find(|m| m.as_str().eq_ignore_ascii_case(&f.request.method))
    else {
        return Err(format!("the method {:?} cannot be sent", f.request.method));
    };
    let mut content_type = None;
    let mut headers = Vec::new();
    for (n, v) in &f.request.headers {
        if n.eq_ignore_ascii_case("content-type") && f.request.body.is_some() {
            content_type = Some(v.clone());
        } else {
            headers.push((n.clone(), v.clone()));
        }
    }
    let mut request = Request {
        method,
        path: String::new(),
        query: String::new(),
        headers,
        body: f.request.body.as_ref().map(|b| RequestBody {
            content_type: content_type.unwrap_or_else(|| "application/octet-stream".into()),
            bytes: b.clone().into_bytes(),
        }),
    };
    apply_credentials(credentials, &mut request);
    if let Some((name, _)) = request.headers.iter().find(|(_, v)| v.contains(MASK)) {
        return Err(format!(
            "the header {name} was masked in the report; give it with -H/--bearer/--basic (or scan with --show-secrets)"
        ));
    }
    let url = match base {
        Some(b) => match f.request.url.strip_prefix(target) {
            Some(rest) => format!("{b}{rest}"),
            None => return Err(format!("the URL {} is not under {target}", f.request.url)),
        },
        None => f.request.url.clone(),
    };
    if url.contains(MASK) {
        return Err(
            "the URL was masked in the report (scan with --show-secrets to replay it)".into(),
        );
    }
    if f.request.body.as_deref().is_some_and(|b| b.contains(MASK)) {
        return Err(
            "the body was masked in the report (scan with --show-secrets to replay it)".into(),
        );
    }
    Ok((url, request))
}

/// Whether `exchange` shows `f` again, and what it showed.
fn reproduces(f: &Finding, exchange: &Exchange) -> (bool, String) {
    match (&exchange.outcome, &f.failure, &f.response) {
        (Outcome::Failed(now), Some(was), _) => {
            // a crash is the connection dropped without an answer, whether
            // the server reset it or closed it this time
            let same = now.kind.as_str() == was.kind || (f.check == "crash" && now.kind.is_crash());
            (same, format!("{} (was {})", now.kind.as_str(), was.kind))
        }
        (Outcome::Failed(now), None, _) => (
            false,
            format!("no response: {} ({})", now.kind.as_str(), now.message),
        ),
        (Outcome::Response(r), Some(was), _) => {
            (false, format!("answered {} (was {})", r.status, was.kind))
        }
        (Outcome::Response(r), None, Some(was)) => {
            if r.status != was.status {
                return (false, format!("answered {} (was {})", r.status, was.status));
            }
            // evidence that was text of the response must be there again
            let evidence = f.evidence.trim();
            let in_old = !evidence.is_empty()
                && (was.body.contains(evidence)
                    || was.headers.iter().any(|(n, v)| {
                        v.contains(evidence) || format!("{n}: {v}").contains(evidence)
                    }));
            if in_old {
                let body = r.text();
                let in_new = body.contains(evidence)
                    || r.headers.iter().any(|(n, v)| {
                        v.contains(evidence) || format!("{n}: {v}").contains(evidence)
                    });
                if !in_new {
                    return (
                        false,
                        format!("answered {} but without the evidence", r.status),
                    );
                }
                return (
                    true,
                    format!("answered {} with the evidence again", r.status),
                );
            }
            (true, format!("answered {} again", r.status))
        }
        (Outcome::Response(r), None, None) => (false, format!("answered {}", r.status)),
    }
}
