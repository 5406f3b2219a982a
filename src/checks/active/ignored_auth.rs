//! ignored_auth: an operation that declares security, and succeeds with the
//! scan's credentials, must refuse (401/403) a request with no credentials,
//! with malformed ones, and with a wrong token. Each that gets a 2xx is
//! named in the finding.

use futures_util::future::BoxFuture;

use super::credentials::{malformed, split, success, wrong};
use super::{ActiveProbe, Stage};
use super::{Identity, Session};
use crate::checks::check::{Check, How, Owasp, Scope, Severity};
use crate::checks::{ProofItem, Verdict};
use crate::model::{Api, Operation};
use crate::probes::Profile;

/// The `ignored_auth` check.
pub(in crate::checks) const CHECK: Check = Check {
    name: "ignored_auth",
    severity: Severity::High,
    cwe: Some(287),
    owasp: Some(Owasp::Api2),
    summary: "An operation that declares security, and succeeds with the scan's credentials, also succeeds with no credentials, malformed ones or a wrong token.",
    scope: Scope::Operation,
    how: How::Probe(ActiveProbe {
        stage: Stage::Authentication,
        applies,
        run,
    }),
};

pub(super) fn applies(_: &Api, op: &Operation, _: Profile) -> bool {
    !op.is_public()
}

pub(super) fn run<'s>(s: &'s mut Session<'_>) -> BoxFuture<'s, ()> {
    Box::pin(async move {
        let (auth, others) = split(s.api(), s.credentials());
        if auth.is_empty() {
            // without real credentials a refusal cannot be told from a failure
            return;
        }
        let request = s.base_request().clone();
        let Some(baseline) = s.send(&request).await else {
            return;
        };
        let baseline_status = baseline.response().map(|r| r.status);
        if !success(baseline_status) {
            return;
        }
        let canary = s.canary(24);
        let with = |extra: Vec<_>| {
            let mut c = others.clone();
            c.extend(extra);
            Identity::With(c)
        };
        let variants = [
            ("no_credentials", "no credentials", with(Vec::new())),
            (
                "malformed_credentials",
                "malformed credentials",
                with(auth.iter().map(malformed).collect()),
            ),
            (
                "wrong_token",
                "a wrong token",
                with(auth.iter().map(|c| wrong(c, &canary)).collect()),
            ),
        ];
        let mut through = Vec::new();
        let mut shown = None;
        let mut proof = vec![ProofItem::new(
            "baseline_status",
            baseline_status.unwrap_or_default().to_string(),
        )];
        for (name, label, identity) in &variants {
            let Some(exchange) = s.send_as(&request, identity).await else {
                return;
            };
            let status = exchange.response().map(|r| r.status);
            proof.push(ProofItem::new(
                format!("{name}_status"),
                status.map_or_else(|| "no response".to_owned(), |s| s.to_string()),
            ));
            if success(status) {
                through.push((*name, *label, status.unwrap_or_default()));
                shown.get_or_insert(exchange);
            }
        }
        let Some(exchange) = shown else {
            return;
        };
        let labels: Vec<String> = through
            .iter()
            .map(|(_, label, status)| format!("{label} ({status})"))
            .collect();
        let verdict = Verdict {
            title: format!(
                "Declared authentication is not enforced: {} accepted",
                labels.join(", ")
            ),
            evidence: format!(
                "with the scan's credentials the operation answered {}; with {} it answered 2xx instead of 401/403",
                baseline_status.unwrap_or_default(),
                labels.join(", ")
            ),
            signature: through
                .iter()
                .map(|(name, _, _)| *name)
                .collect::<Vec<_>>()
                .join("+"),
            proof,
            ..Verdict::default()
        };
        s.report(verdict, &exchange);
    })
}
