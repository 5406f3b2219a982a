//! login_rate_limit (aggressive profile only): a bounded burst of failed
//! sign-ins on a login-like operation, for a username that is no account
//! (so no real account is ever locked out); a finding when none of them is
//! refused with 429, 423 or a lock-out message.

use std::collections::BTreeMap;
use std::time::Instant;

use futures_util::future::BoxFuture;

use super::{ActiveProbe, Stage};
use super::{Identity, Session};
use crate::checks::check::{Check, How, Owasp, Scope, Severity};
use crate::checks::{Confidence, ProofItem, Verdict};
use crate::identity::{Account, login_request};
use crate::model::login::login_fields;
use crate::model::{Api, Operation};
use crate::probes::Profile;

/// The `login_rate_limit` check.
pub(in crate::checks) const CHECK: Check = Check {
    name: "login_rate_limit",
    severity: Severity::Medium,
    cwe: Some(307),
    owasp: Some(Owasp::Api2),
    summary: "A burst of failed sign-ins on a login-like operation met no 429 or lock-out (aggressive profile only).",
    scope: Scope::Operation,
    how: How::Probe(ActiveProbe {
        stage: Stage::Authentication,
        applies,
        run,
    }),
};

/// Failed attempts in the burst.
pub(crate) const BURST: usize = 30;

pub(super) fn applies(api: &Api, op: &Operation, profile: Profile) -> bool {
    profile == Profile::Aggressive && login_fields(api, op).is_some()
}

/// Whether an answer is a limit: 429, 423, or a message saying so.
fn limited(status: u16, body: &str) -> bool {
    let lower = body.to_ascii_lowercase();
    matches!(status, 429 | 423)
        || [
            "too many",
            "locked",
            "try again later",
            "rate limit",
            "slow down",
        ]
        .iter()
        .any(|w| lower.contains(w))
}

pub(super) fn run<'s>(s: &'s mut Session<'_>) -> BoxFuture<'s, ()> {
    Box::pin(async move {
        let base = s.base_request().clone();
        let user = format!("apiprobe_{}", s.canary(10));
        let started = Instant::now();
        let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
        let mut last = None;
        for _ in 0..BURST {
            let account = Account {
                user: user.clone(),
                password: format!("apiprobe-{}", s.canary(12)),
            };
            let Some(mut request) = login_request(s.api(), s.operation(), &account) else {
                return;
            };
            request.path.clone_from(&base.path);
            request.query.clone_from(&base.query);
            let Some(exchange) = s.send_as(&request, &Identity::Scan).await else {
                return;
            };
            let Some(response) = exchange.response() else {
                return;
            };
            if limited(response.status, &response.text()) || (200..300).contains(&response.status) {
                return;
            }
            *statuses.entry(response.status).or_default() += 1;
            last = Some(exchange);
        }
        let Some(exchange) = last else {
            return;
        };
        let elapsed = started.elapsed().as_millis();
        let seen = statuses
            .iter()
            .map(|(status, n)| format!("{n}x {status}"))
            .collect::<Vec<_>>()
            .join(", ");
        let verdict = Verdict {
            title: format!(
                "No limit on failed logins: {BURST} attempts in a row were all answered"
            ),
            evidence: format!(
                "{BURST} failed sign-ins for {user:?} in {elapsed} ms got {seen}; none was refused with 429, 423 or a lock-out"
            ),
            signature: "no_limit".to_owned(),
            // a limit that only guards existing accounts is not seen this way
            confidence: Confidence::Likely,
            proof: vec![
                ProofItem::new("attempts", BURST.to_string()),
                ProofItem::new("username", user),
                ProofItem::new("statuses", seen),
                ProofItem::new("elapsed_ms", elapsed.to_string()),
            ],
        };
        s.report(verdict, &exchange);
    })
}
