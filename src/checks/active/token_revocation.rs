//! token_not_revoked: a token still accepted after the spec's logout
//! operation answered 2xx for it. The probe never logs the scan's own
//! credential out: it signs in afresh as the scan's account (`--login`)
//! through each login-like operation, finds a protected read that token
//! passes (and no token does not), logs that token out, reads again with
//! it, and signs in once more afterwards, so that a server that ends every
//! session of the user on logout does not leave the identity logged out.

use futures_util::future::BoxFuture;

use super::compare::{differs, holds, shape};
use super::credentials::{split, success};
use super::sign_ins::{login_operations, sign_in};
use super::{ActiveProbe, Stage};
use super::{Identity, Session};
use crate::checks::check::{Check, How, Owasp, Scope, Severity};
use crate::checks::jwt;
use crate::checks::{ProofItem, Verdict};
use crate::http::{Exchange, Request};
use crate::identity::Credential;
use crate::model::{Api, Method, Operation, ParameterLocation};
use crate::probes::Profile;

/// The `token_not_revoked` check.
pub(in crate::checks) const CHECK: Check = Check {
    name: "token_not_revoked",
    severity: Severity::Medium,
    cwe: Some(613),
    owasp: Some(Owasp::Api2),
    summary: "A token is still accepted after the logout operation answered 2xx for it.",
    scope: Scope::Operation,
    how: How::Probe(ActiveProbe {
        stage: Stage::Authentication,
        applies,
        run,
    }),
};

/// Words of a path or operation id that mark a logout.
const LOGOUT_WORDS: &[&str] = &["logout", "signout", "logoff"];

/// Protected reads tried at most to find one the fresh token passes.
const MAX_READS: usize = 8;

/// Whether `op` is logout-like: its path or operation id says so (`logout`,
/// `log-out`, `signOut`, `logoff`).
pub(super) fn is_logout(op: &Operation) -> bool {
    let words: String = format!(
        "{} {}",
        op.path,
        op.operation_id.as_deref().unwrap_or_default()
    )
    .chars()
    .filter(|c| c.is_ascii_alphanumeric() || *c == ' ' || *c == '/')
    .flat_map(|c| c.to_lowercase())
    .collect();
    LOGOUT_WORDS.iter().any(|w| words.contains(w))
}

pub(super) fn applies(api: &Api, op: &Operation, _: Profile) -> bool {
    is_logout(op) && !login_operations(api).is_empty()
}

/// The credentials with `token` as the bearer instead of the scan's own.
fn with_token(others: &[Credential], token: &str) -> Identity {
    let mut credentials = others.to_vec();
    credentials.push(Credential::bearer(token));
    Identity::With(credentials)
}

fn status_text(exchange: &Exchange) -> String {
    exchange
        .response()
        .map_or_else(|| "no response".to_owned(), |r| r.status.to_string())
}

/// A protected read the token passes: a GET without path parameters whose
/// answer with the token is 2xx and whose answer without it is a refusal. The
/// operation, its request, and the two exchanges.
async fn protected_read(
    s: &mut Session<'_>,
    others: &[Credential],
    token: &str,
) -> Option<(usize, Request, Exchange, Exchange)> {
    let api = s.api();
    let candidates: Vec<usize> = api
        .operations
        .iter()
        .enumerate()
        .filter(|(_, op)| {
            op.method == Method::Get
                && !op.is_public()
                && !op
                    .parameters
                    .iter()
                    .any(|p| p.location == ParameterLocation::Path)
        })
        .map(|(i, _)| i)
        .take(MAX_READS)
        .collect();
    for index in candidates {
        let Some(case) = s.case_of(index) else {
            continue;
        };
        let request = case.request;
        let with = s
            .send_to(index, &request, &with_token(others, token))
            .await?;
        if !success(with.response().map(|r| r.status)) {
            continue;
        }
        let without = s
            .send_to(index, &request, &Identity::With(others.to_vec()))
            .await?;
        // refused without the token: a read that answers anyone (a listing
        // whose content other probes change meanwhile) would make the
        // comparison after the logout meaningless
        if !success(without.response().map(|r| r.status))
            && differs(&shape(&with, &[]), &shape(&without, &[]))
        {
            return Some((index, request, with, without));
        }
    }
    None
}

pub(super) fn run<'s>(s: &'s mut Session<'_>) -> BoxFuture<'s, ()> {
    Box::pin(async move {
        if s.account().is_none() {
            return;
        }
        let api = s.api();
        let logout = s.base_request().clone();
        let (_, others) = split(api, s.credentials());
        for login in login_operations(api) {
            if s.stopping() {
                return;
            }
            let Some((token, _)) = sign_in(s, login).await else {
                continue;
            };
            let Some((read, request, before, anonymous)) = protected_read(s, &others, &token).await
            else {
                continue;
            };
            let Some(logged_out) = s.send_as(&logout, &with_token(&others, &token)).await else {
                return;
            };
            if !success(logged_out.response().map(|r| r.status)) {
                // not this sign-in's logout (another service's token)
                continue;
            }
            let after = s
                .send_to(read, &request, &with_token(&others, &token))
                .await;
            // the identity is never left logged out
            let _ = sign_in(s, login).await;
            let Some(after) = after else {
                return;
            };
            let before_shape = shape(&before, &[]);
            let after_shape = shape(&after, &[]);
            if success(after_shape.status)
                && holds(&before_shape, &after_shape)
                && differs(&after_shape, &shape(&anonymous, &[]))
            {
                report(
                    s,
                    login,
                    read,
                    &token,
                    [&before, &anonymous, &logged_out, &after],
                );
            }
            // the logout answered for this token: judged
            return;
        }
    })
}

fn report(
    s: &mut Session<'_>,
    login: usize,
    read: usize,
    token: &str,
    [before, anonymous, logged_out, after]: [&Exchange; 4],
) {
    let api = s.api();
    let login_id = api.operations[login].id.clone();
    let read_id = api.operations[read].id.clone();
    let logout_id = s.operation().id.clone();
    let verdict = Verdict {
        title: format!(
            "A token is still accepted after the logout answered {}",
            status_text(logged_out)
        ),
        evidence: format!(
            "a token from {login_id} read {read_id}: {}; {logout_id} with it: {}; {read_id} with it afterwards: {} (without a token: {})",
            status_text(before),
            status_text(logged_out),
            status_text(after),
            status_text(anonymous)
        ),
        signature: "still_accepted".to_owned(),
        proof: vec![
            ProofItem::new("signed_in_with", login_id),
            ProofItem::new("token", jwt::abbreviate(token)),
            ProofItem::new("read", read_id),
            ProofItem::new("read_before_logout_status", status_text(before)),
            ProofItem::new("logout_status", status_text(logged_out)),
            ProofItem::new("read_after_logout_status", status_text(after)),
            ProofItem::new("read_without_token_status", status_text(anonymous)),
        ],
        ..Verdict::default()
    };
    s.report(verdict, after);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Loader;

    #[test]
    fn logout_operations_are_told_by_their_names() {
        let api = Loader::new()
            .load_str(
                r#"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
                "/auth/log-out": {"post": {"responses": {"204": {"description": "x"}}}},
                "/session/signOut": {"get": {"responses": {"200": {"description": "x"}}}},
                "/v1/sign_out": {"post": {"operationId": "endSession", "responses": {"200": {"description": "x"}}}},
                "/logs": {"get": {"responses": {"200": {"description": "x"}}}},
                "/catalog": {"get": {"responses": {"200": {"description": "x"}}}}}}"#,
                "t.json",
            )
            .unwrap();
        let found: Vec<&str> = api
            .operations
            .iter()
            .filter(|op| is_logout(op))
            .map(|op| op.path.as_str())
            .collect();
        assert_eq!(found, ["/auth/log-out", "/session/signOut", "/v1/sign_out"]);
    }
}
