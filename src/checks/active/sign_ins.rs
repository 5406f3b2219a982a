//! Signing in as the scan's account (`--login`) through the spec's
//! login-like operations, for the probes that need a token of their own:
//! a fresh one to log out (`token_not_revoked`), one of another sign-in
//! service (`jwt_alg_confusion`). Each answer is judged by the passive
//! checks, so that the claims of every token the API issues are read
//! (`sensitive_data_exposure`), not only those of the scan's credential.

use serde_json::Value;

use super::sequence::ok;
use super::{Identity, Session};
use crate::http::Exchange;
use crate::identity::login_request;
use crate::model::Api;
use crate::model::login::{find_login, login_fields, token_in};

/// Login-like operations tried at most.
const MAX_LOGINS: usize = 8;

/// The login-like operations of `api`: the scan's own (the first) first,
/// at most eight.
pub(super) fn login_operations(api: &Api) -> Vec<usize> {
    let first = find_login(api);
    let mut out: Vec<usize> = first.into_iter().collect();
    out.extend(
        api.operations
            .iter()
            .enumerate()
            .filter(|(i, op)| Some(*i) != first && login_fields(api, op).is_some())
            .map(|(i, _)| i),
    );
    out.truncate(MAX_LOGINS);
    out
}

/// Signs in as the scan's account through `operation`, anonymously; the
/// answer is judged by the passive checks. The token and the exchange;
/// `None` without an account, a 2xx answer or a token in it.
pub(super) async fn sign_in(s: &mut Session<'_>, operation: usize) -> Option<(String, Exchange)> {
    let account = s.account()?;
    let api = s.api();
    let op = api.operations.get(operation)?;
    let mut request = login_request(api, op, account)?;
    // the body carries its content type; a second header would repeat it
    request
        .headers
        .retain(|(name, _)| !name.eq_ignore_ascii_case("content-type"));
    let exchange = s.send_to(operation, &request, &Identity::Anonymous).await?;
    s.judge_as(op, &exchange);
    if !ok(&exchange) {
        return None;
    }
    let body: Value = serde_json::from_slice(&exchange.response()?.body).ok()?;
    let token = token_in(&body)?;
    Some((token, exchange))
}
