//! Flaw 63: `POST /admin/backup-check`, an administrators-only operation
//! that checks a backup host is reachable by pasting it into a (simulated)
//! `ping` command line: a command injection no identity of the scan may
//! reach (they are users, members and editors), open to anyone who signs
//! a token for `admin`, which the flawed demo's weak JWT secret ("secret",
//! flaw 14) and its `alg: none` allow.
//!
//! Fixed: the JWT secret is random and unsigned tokens are refused (so no
//! forged token passes), and the host must be a plain host name.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::auth::caller;
use super::response::{error, json as answer, object, string_field, unauthorized};
use super::shell;
use super::state::AppState;

/// POST /admin/backup-check: `{"host": ...}`, admin only.
pub(crate) async fn backup_check(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(user) = caller(&state, &headers) else {
        return unauthorized();
    };
    if !user.is_admin() {
        return error(StatusCode::FORBIDDEN, "administrators only");
    }
    let map = match object(&body) {
        Ok(map) => map,
        Err(response) => return response.into_response(),
    };
    let host = match string_field(&map, "host") {
        Ok(host) => host,
        Err(response) => return response.into_response(),
    };
    if host.is_empty() || host.len() > 253 || (state.config.fixed && !shell::is_plain_host(host)) {
        return error(StatusCode::BAD_REQUEST, "host must be a host name");
    }
    // Flaw 63: the host goes into the shell's command line as it is.
    let outcome = shell::run(host);
    tokio::time::sleep(outcome.sleep.min(shell::SLEEP_CAP)).await;
    answer(
        StatusCode::OK,
        json!({"host": host, "reachable": outcome.output.contains("1 received"), "output": outcome.output}),
    )
}
