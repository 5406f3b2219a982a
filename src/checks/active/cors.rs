//! cors_misconfiguration: a valid request sent with an `Origin` no allowed
//! site would send (and with `null`); a finding when the answer reflects it
//! in `Access-Control-Allow-Origin` with `Access-Control-Allow-Credentials:
//! true`, so any site can read the API's answers with the victim's session.
//!
//! Where the arbitrary origin is refused, origins derived from the API's own
//! domains (`origins.rs`: the spec's servers, the target's host,
//! `--cors-domain`, the domains its CORS answers name) test the trust check
//! itself: prefix, suffix, unescaped-dot, subdomain and plain-http variants,
//! as simple requests and, where those are refused, as preflights. They are
//! tried on a few operations only (the check is target-wide).

use futures_util::future::BoxFuture;

use super::origins::{Domain, Variant, add_domain};
use super::{ActiveProbe, Identity, Session, Stage};
use crate::checks::check::{Check, How, Owasp, Scope, Severity};
use crate::checks::{ProofItem, Verdict};
use crate::http::{Exchange, Request};
use crate::model::{Api, Method, Operation};
use crate::probes::Profile;

/// The `cors_misconfiguration` check.
pub(in crate::checks) const CHECK: Check = Check {
    name: "cors_misconfiguration",
    severity: Severity::High,
    cwe: Some(942),
    owasp: Some(Owasp::Api8),
    summary: "An arbitrary Origin, `null`, or an origin derived from the API's own domains that a careful check refuses (evil<domain>, <domain>.evil.example, ...) is reflected in Access-Control-Allow-Origin with Access-Control-Allow-Credentials: true.",
    scope: Scope::Target,
    how: How::Probe(ActiveProbe {
        stage: Stage::Authentication,
        applies,
        run,
    }),
};

/// The origins sent: one no site could own (`.example` is reserved), and
/// `null` (sandboxed frames, `file:` pages, some redirects).
const ORIGINS: [(&str, &str, &str); 2] = [
    (
        "arbitrary_origin",
        "https://apiprobe-attacker.example",
        "an arbitrary Origin",
    ),
    ("null_origin", "null", "the Origin null"),
];

/// Operations the derived origins are tried on, at most, in a scan.
const DERIVED_OPERATIONS: u32 = 3;

pub(super) fn applies(_: &Api, _: &Operation, _: Profile) -> bool {
    true
}

pub(super) fn run<'s>(s: &'s mut Session<'_>) -> BoxFuture<'s, ()> {
    Box::pin(async move {
        let mut seen = Vec::new();
        let mut answered = false;
        let mut arbitrary = false;
        for (name, origin, what) in ORIGINS {
            let request = with_origin(s.base_request(), origin);
            let Some(exchange) = s.send(&request).await else {
                return;
            };
            let Some(response) = exchange.response() else {
                continue;
            };
            answered = true;
            // the domains the answer itself names (not our own origin echoed)
            if let Some(named) = response.header("access-control-allow-origin")
                && named.trim() != origin
            {
                add_domain(&mut seen, named);
            }
            if allowed_origin(&exchange).as_deref() != Some(origin) {
                continue;
            }
            arbitrary |= name == "arbitrary_origin";
            let verdict = Verdict {
                title: format!("CORS reflects {what} with credentials allowed"),
                evidence: format!(
                    "Origin: {origin} was answered with Access-Control-Allow-Origin: {origin} and Access-Control-Allow-Credentials: true"
                ),
                signature: name.to_owned(),
                proof: vec![
                    ProofItem::new("origin_sent", origin),
                    ProofItem::new("access_control_allow_origin", origin),
                    ProofItem::new("access_control_allow_credentials", "true"),
                ],
                ..Verdict::default()
            };
            s.report(verdict, &exchange);
        }
        // an API that reflects anything has nothing more to show here
        if arbitrary || !answered || !s.claim("cors_derived_origins", DERIVED_OPERATIONS) {
            return;
        }
        let domains = domains(s, seen);
        derived(s, &domains).await;
    })
}

/// The API's own domains: the user's, the target's host, the spec's
/// servers, then those its CORS answers named.
fn domains(s: &Session<'_>, seen: Vec<Domain>) -> Vec<Domain> {
    let mut out = Vec::new();
    for d in s.cors_domains() {
        add_domain(&mut out, d);
    }
    add_domain(&mut out, s.base_url());
    for server in &s.api().servers {
        add_domain(&mut out, &server.url);
    }
    for d in seen {
        if !out.iter().any(|o| o.name == d.name) {
            out.push(d);
        }
    }
    out
}

/// Each variant of each domain, as a simple request and, when refused, as
/// a preflight; one finding a variant.
async fn derived(s: &mut Session<'_>, domains: &[Domain]) {
    for variant in Variant::ALL {
        'domains: for domain in domains {
            let Some(origin) = variant.origin(&domain.name, domain.secure) else {
                continue;
            };
            // `evilapp.example.com` is a real subdomain of `example.com`:
            // trusting it proves nothing careless
            if variant != Variant::Subdomain
                && variant != Variant::Http
                && domains.iter().any(|d| within(&origin, &d.name))
            {
                continue;
            }
            for preflight in [false, true] {
                if s.stopping() {
                    return;
                }
                let request = if preflight {
                    preflight_of(s.base_request(), &origin)
                } else {
                    with_origin(s.base_request(), &origin)
                };
                let identity = if preflight {
                    Identity::Anonymous
                } else {
                    Identity::Scan
                };
                let Some(exchange) = s.send_as(&request, &identity).await else {
                    return;
                };
                if allowed_origin(&exchange).as_deref() != Some(origin.as_str()) {
                    continue;
                }
                report_variant(s, variant, domain, &origin, preflight, &exchange);
                break 'domains;
            }
        }
    }
}

fn report_variant(
    s: &mut Session<'_>,
    variant: Variant,
    domain: &Domain,
    origin: &str,
    preflight: bool,
    exchange: &Exchange,
) {
    let kind = if preflight { "preflight" } else { "request" };
    let severity = if variant == Variant::Subdomain {
        Severity::Low
    } else {
        Severity::High
    };
    let verdict = Verdict {
        title: format!(
            "CORS trusts {origin}, derived from the API's domain {}",
            domain.name
        ),
        evidence: format!(
            "a {kind} with Origin: {origin} was answered with Access-Control-Allow-Origin: {origin} and Access-Control-Allow-Credentials: true; it should not pass: {}",
            variant.why()
        ),
        signature: variant.name().to_owned(),
        proof: vec![
            ProofItem::new("variant", variant.name()),
            ProofItem::new("domain", &domain.name),
            ProofItem::new("origin_sent", origin),
            ProofItem::new("sent_as", kind),
            ProofItem::new("access_control_allow_origin", origin),
            ProofItem::new("access_control_allow_credentials", "true"),
        ],
        ..Verdict::default()
    };
    let op = s.operation();
    s.report_on(op, verdict, severity, exchange);
}

/// Whether the host of `origin` is `domain` or one of its subdomains.
fn within(origin: &str, domain: &str) -> bool {
    let host = origin.split_once("://").map_or(origin, |(_, h)| h);
    host == domain
        || host
            .strip_suffix(domain)
            .is_some_and(|rest| rest.ends_with('.'))
}

/// `request` with its `Origin` replaced by `origin`.
fn with_origin(request: &Request, origin: &str) -> Request {
    let mut request = request.clone();
    request
        .headers
        .retain(|(n, _)| !n.eq_ignore_ascii_case("origin"));
    request.headers.push(("origin".into(), origin.into()));
    request
}

/// The CORS preflight a browser sends before `request` from `origin`.
fn preflight_of(request: &Request, origin: &str) -> Request {
    let method = request.method.as_str().to_owned();
    Request {
        method: Method::Options,
        path: request.path.clone(),
        query: request.query.clone(),
        headers: vec![
            ("origin".into(), origin.into()),
            ("access-control-request-method".into(), method),
            (
                "access-control-request-headers".into(),
                "authorization, content-type".into(),
            ),
        ],
        body: None,
    }
}

/// The origin an answer allows with credentials, when it allows one.
fn allowed_origin(exchange: &Exchange) -> Option<String> {
    let response = exchange.response()?;
    let credentials = response
        .header("access-control-allow-credentials")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    let allowed = response.header("access-control-allow-origin")?.trim();
    (credentials && !allowed.is_empty() && allowed != "*").then(|| allowed.to_owned())
}
