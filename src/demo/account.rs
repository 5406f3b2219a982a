//! Accounts: login, registration, the user list, the admin log and the client
//! configuration (flaws 16, 17, 21, 22, 23 and 28).

use super::auth::{self, caller};
use super::response::{Rejection, error, json, object, string_field, unauthorized};
use super::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

type Shared = State<Arc<AppState>>;

/// Failed logins allowed per username and window when fixed (fewer than
/// the 10 wrong passwords of `brute_force`'s standard burst).
const MAX_FAILURES: usize = 8;
/// The rate limit's window.
const WINDOW: Duration = Duration::from_secs(60);
/// Usernames tracked at most, so hostile input cannot grow the log without bound.
const MAX_TRACKED: usize = 10_000;

/// A login or registration body: its JSON object, with the `username` and
/// `password` strings, or why it is refused (a 400).
fn credentials(
    body: &Bytes,
) -> Result<(serde_json::Map<String, Value>, String, String), Rejection> {
    let map = object(body)?;
    let username = string_field(&map, "username")?.to_owned();
    let password = string_field(&map, "password")?.to_owned();
    Ok((map, username, password))
}

/// POST /auth/login. Flaw 21: the message tells unknown users from wrong
/// passwords. Flaw 28: no limit on failed attempts (fixed: 429 after 8 a minute).
pub(crate) async fn login(State(state): Shared, body: Bytes) -> Response {
    let (_, username, password) = match credentials(&body) {
        Ok(parts) => parts,
        Err(rejection) => return rejection.into_response(),
    };
    let (username, password) = (username.as_str(), password.as_str());
    let fixed = state.config.fixed;
    if fixed && recent_failures(&state, username) >= MAX_FAILURES {
        let mut response = error(
            StatusCode::TOO_MANY_REQUESTS,
            "too many failed attempts; try again later",
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("60"));
        return response;
    }
    let found: Option<(String, String)> = state
        .db()
        .query_row(
            "SELECT password_hash, role FROM users WHERE username = ?1",
            [username],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .ok();
    let message = match &found {
        Some((hash, role)) if *hash == auth::hash_password(username, password) => {
            let token = auth::issue(&state, username, role);
            return json(
                StatusCode::OK,
                json!({"token": token, "token_type": "Bearer", "role": role}),
            );
        }
        _ if fixed => "invalid username or password".to_owned(),
        Some(_) => format!("wrong password for user '{username}'"),
        None => format!("user '{username}' does not exist"),
    };
    if fixed {
        record_failure(&state, username);
    }
    error(StatusCode::UNAUTHORIZED, &message)
}

fn recent_failures(state: &AppState, username: &str) -> usize {
    let mut failures = state.failures();
    match failures.get_mut(username) {
        Some(times) => {
            times.retain(|t| t.elapsed() < WINDOW);
            times.len()
        }
        None => 0,
    }
}

/// Whether `username` failed to sign in too often lately (the fixed
/// login's limit; the SSO service applies it in both modes).
pub(crate) fn failures_exceeded(state: &AppState, username: &str) -> bool {
    recent_failures(state, username) >= MAX_FAILURES
}

pub(crate) fn record_failure(state: &AppState, username: &str) {
    let mut failures = state.failures();
    if failures.len() >= MAX_TRACKED {
        failures.retain(|_, times| times.iter().any(|t| t.elapsed() < WINDOW));
        if failures.len() >= MAX_TRACKED {
            failures.clear();
        }
    }
    let times = failures.entry(username.to_owned()).or_default();
    times.push(Instant::now());
    if times.len() > MAX_FAILURES * 2 {
        times.remove(0);
    }
}

/// POST /auth/register. Flaw 17: a `role` field in the body is honoured.
pub(crate) async fn register(State(state): Shared, body: Bytes) -> Response {
    let (map, username, password) = match credentials(&body) {
        Ok(parts) => parts,
        Err(rejection) => return rejection.into_response(),
    };
    let (username, password) = (username.as_str(), password.as_str());
    let username_ok = (3..=32).contains(&username.len())
        && username
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !username_ok {
        return error(
            StatusCode::BAD_REQUEST,
            "username must be 3 to 32 characters of a-z, 0-9 and _",
        );
    }
    let length = password.chars().count();
    if !(8..=128).contains(&length) {
        return error(
            StatusCode::BAD_REQUEST,
            "password must be 8 to 128 characters",
        );
    }
    let email = match map.get("email") {
        None => format!("{username}@example.com"),
        Some(Value::String(e)) if e.contains('@') && e.len() <= 254 => e.clone(),
        Some(_) => return error(StatusCode::BAD_REQUEST, "email must be an email address"),
    };
    let role = match map.get("role").and_then(Value::as_str) {
        Some(role) if !state.config.fixed => role.to_owned(),
        _ => "user".to_owned(),
    };
    let inserted = state.db().execute(
        "INSERT INTO users (username, password_hash, role, email) VALUES (?1, ?2, ?3, ?4)",
        (
            username,
            auth::hash_password(username, password),
            &role,
            &email,
        ),
    );
    match inserted {
        Ok(_) => json(
            StatusCode::CREATED,
            json!({"username": username, "role": role, "email": email}),
        ),
        Err(_) => error(StatusCode::CONFLICT, "username already taken"),
    }
}

/// GET /users. Flaw 23: the list carries every password hash.
pub(crate) async fn users(State(state): Shared, headers: HeaderMap) -> Response {
    if caller(&state, &headers).is_none() {
        return unauthorized();
    }
    let with_hashes = !state.config.fixed;
    let rows: rusqlite::Result<Vec<Value>> = {
        let db = state.db();
        db.prepare("SELECT id, username, role, email, password_hash FROM users ORDER BY id")
            .and_then(|mut statement| {
                statement
                    .query_map([], |row| {
                        let mut user = json!({
                            "id": row.get::<_, i64>(0)?,
                            "username": row.get::<_, String>(1)?,
                            "role": row.get::<_, String>(2)?,
                            "email": row.get::<_, String>(3)?,
                        });
                        if with_hashes {
                            user["password_hash"] = Value::String(row.get(4)?);
                        }
                        Ok(user)
                    })?
                    .collect()
            })
    };
    match rows {
        Ok(rows) => json(StatusCode::OK, Value::Array(rows)),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "database error"),
    }
}

/// GET /admin/audit-log, admin only. Flaw 16: any signed-in user may read it.
pub(crate) async fn audit_log(State(state): Shared, headers: HeaderMap) -> Response {
    let Some(user) = caller(&state, &headers) else {
        return unauthorized();
    };
    if state.config.fixed && !user.is_admin() {
        return error(StatusCode::FORBIDDEN, "administrators only");
    }
    let rows: rusqlite::Result<Vec<Value>> = {
        let db = state.db();
        db.prepare("SELECT at, actor, action FROM audit ORDER BY id")
            .and_then(|mut statement| {
                statement
                    .query_map([], |row| {
                        Ok(json!({
                            "at": row.get::<_, String>(0)?,
                            "actor": row.get::<_, String>(1)?,
                            "action": row.get::<_, String>(2)?,
                        }))
                    })?
                    .collect()
            })
    };
    match rows {
        Ok(rows) => json(StatusCode::OK, Value::Array(rows)),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "database error"),
    }
}

/// A fake AWS access key id (AKIA and 16 upper-case letters or digits).
pub(crate) const FAKE_AWS_KEY: &str = "AKIAZ7DEMO4APIPROBE2";
/// A fake private key block; not a key at all.
pub(crate) const FAKE_PRIVATE_KEY: &str = "-----BEGIN RSA PRIVATE KEY-----
MIIEpAIBAAKCAQEAdemoDEMOdemoDEMOdemoDEMOdemoDEMOdemoDEMOdemoDEMO
ZmFrZS1rZXktZm9yLWFwaXByb2JlLWRlbW8tbm90LWEtcmVhbC1rZXktYXQtYWxs
-----END RSA PRIVATE KEY-----";

/// GET /config. Flaw 22: the client configuration carries a cloud key and a
/// private key block.
pub(crate) async fn client_config(State(state): Shared) -> Response {
    let mut config = json!({
        "region": "eu-west-1",
        "features": {"search": true, "webhooks": true},
        "max_upload_bytes": 1_048_576,
    });
    if !state.config.fixed {
        config["aws_access_key_id"] = json!(FAKE_AWS_KEY);
        config["aws_secret_access_key"] = json!("wJalrXUtnFEMIK7MDENGbPxRfiCYdemoKEYapiprobe");
        config["signing_key"] = json!(FAKE_PRIVATE_KEY);
    }
    (StatusCode::OK, axum::Json(config)).into_response()
}
