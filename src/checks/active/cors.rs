//! cors_misconfiguration: a valid request sent with an `Origin` no allowed
//! site would send (and with `null`); a finding when the answer reflects it
//! in `Access-Control-Allow-Origin` with `Access-Control-Allow-Credentials:
//! true`, so any site can read the API's answers with the victim's session.

use futures_util::future::BoxFuture;

use super::Session;
use super::{ActiveProbe, Stage};
use crate::checks::check::{Check, How, Owasp, Scope, Severity};
use crate::checks::{ProofItem, Verdict};
use crate::model::{Api, Operation};
use crate::probes::Profile;

/// The `cors_misconfiguration` check.
pub(in crate::checks) const CHECK: Check = Check {
    name: "cors_misconfiguration",
    severity: Severity::High,
    cwe: Some(942),
    owasp: Some(Owasp::Api8),
    summary: "An arbitrary Origin, or `null`, is reflected in Access-Control-Allow-Origin with Access-Control-Allow-Credentials: true.",
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

pub(super) fn applies(_: &Api, _: &Operation, _: Profile) -> bool {
    true
}

pub(super) fn run<'s>(s: &'s mut Session<'_>) -> BoxFuture<'s, ()> {
    Box::pin(async move {
        for (name, origin, what) in ORIGINS {
            let mut request = s.base_request().clone();
            request
                .headers
                .retain(|(n, _)| !n.eq_ignore_ascii_case("origin"));
            request.headers.push(("origin".into(), origin.into()));
            let Some(exchange) = s.send(&request).await else {
                return;
            };
            let Some(response) = exchange.response() else {
                continue;
            };
            let allowed = response
                .header("access-control-allow-origin")
                .map(str::trim);
            let credentials = response
                .header("access-control-allow-credentials")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
            if allowed != Some(origin) || !credentials {
                continue;
            }
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
    })
}
