//! Secrets the demo lets anyone guess (flaws 52 and 53), for `brute_force`
//! and `user_enumeration`:
//!
//! - Flaw 52: `POST /mobile/login`, the mobile apps' sign-in, answers a
//!   failure with 200 and a message that tells an unknown user ("Username
//!   does not exist") from a wrong password ("Password is not correct"),
//!   and has no limit on failed attempts.
//! - Flaw 53: `POST /auth/reset-password` takes the 4-digit code `POST /auth/forgot-password`
//!   mails out (it is never shown) with no limit on wrong codes: 10,000
//!   guesses take over the account.
//!
//! Fixed: one message for every failure and the login's limit (the
//! shared failure log of `account.rs`); five wrong codes for an address
//! answer 429 and discard its code.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::json;

use super::account::{failures_exceeded, record_failure};
use super::auth;
use super::response::{error, json as answer, object, string_field};
use super::state::AppState;

/// Wrong codes an address may send before its code is discarded (fixed).
const MAX_CODE_TRIES: u32 = 5;
/// Pending codes kept at most, so hostile input cannot grow the table without bound.
const MAX_PENDING: usize = 10_000;

/// A reset code mailed out, and the wrong codes sent for it.
struct Pending {
    code: String,
    wrong: u32,
}

/// The routes' state: the demo's, and the codes mailed out.
struct Guessing {
    app: Arc<AppState>,
    /// Reset codes by e-mail address; wrong tries by address too (fixed),
    /// also for addresses that have no code.
    codes: Mutex<HashMap<String, Pending>>,
}

type Shared = State<Arc<Guessing>>;

impl Guessing {
    fn codes(&self) -> MutexGuard<'_, HashMap<String, Pending>> {
        self.codes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The routes, their state built from the demo's shared state.
pub(crate) fn routes(app: Arc<AppState>) -> Router {
    let state = Guessing {
        app,
        codes: Mutex::new(HashMap::new()),
    };
    Router::new()
        .route("/mobile/login", post(mobile_login))
        .route("/auth/forgot-password", post(forgot))
        .route("/auth/reset-password", post(reset))
        .with_state(Arc::new(state))
}

/// A random 4-digit code.
fn four_digits() -> String {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(0x5eed);
    format!("{:04}", hasher.finish() % 10_000)
}

/// Whether `text` has the shape of an address: one `@` between a local
/// part and a dotted domain, no blanks.
fn looks_like_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.chars().any(char::is_whitespace)
}

/// POST /mobile/login: 200 for every answer, `success` says which (flaw 52).
async fn mobile_login(State(g): Shared, body: Bytes) -> Response {
    let map = match object(&body) {
        Ok(m) => m,
        Err(rejection) => return rejection.into_response(),
    };
    let (username, password) = match (
        string_field(&map, "username"),
        string_field(&map, "password"),
    ) {
        (Ok(u), Ok(p)) => (u.to_owned(), p.to_owned()),
        (Err(r), _) | (_, Err(r)) => return r.into_response(),
    };
    let fixed = g.app.config.fixed;
    if fixed && failures_exceeded(&g.app, &username) {
        return error(
            StatusCode::TOO_MANY_REQUESTS,
            "too many failed attempts; try again later",
        );
    }
    let found: Option<(String, String)> = g
        .app
        .db()
        .query_row(
            "SELECT password_hash, role FROM users WHERE username = ?1",
            [&username],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .ok();
    let message = match &found {
        Some((hash, role)) if *hash == auth::hash_password(&username, &password) => {
            let token = auth::issue(&g.app, &username, role);
            return answer(StatusCode::OK, json!({"success": true, "token": token}));
        }
        _ if fixed => "Username or password is not correct",
        Some(_) => "Password is not correct",
        None => "Username does not exist",
    };
    if fixed {
        record_failure(&g.app, &username);
    }
    answer(
        StatusCode::OK,
        json!({"success": false, "message": message}),
    )
}

/// POST /auth/forgot-password: mails a reset code to a registered address (the
/// demo mails nothing: the code is only kept); the same answer for any address.
async fn forgot(State(g): Shared, body: Bytes) -> Response {
    let map = match object(&body) {
        Ok(m) => m,
        Err(rejection) => return rejection.into_response(),
    };
    let email = match string_field(&map, "email") {
        Ok(e) => e.to_owned(),
        Err(r) => return r.into_response(),
    };
    if !looks_like_email(&email) {
        return error(StatusCode::BAD_REQUEST, "email must be an e-mail address");
    }
    let registered = g
        .app
        .db()
        .query_row("SELECT 1 FROM users WHERE email = ?1", [&email], |_| Ok(()))
        .is_ok();
    if registered {
        let mut codes = g.codes();
        if codes.len() >= MAX_PENDING {
            codes.clear();
        }
        codes.insert(
            email,
            Pending {
                code: four_digits(),
                wrong: 0,
            },
        );
    }
    answer(
        StatusCode::ACCEPTED,
        json!({"message": "if the address is registered, a reset code was mailed to it"}),
    )
}

/// POST /auth/reset-password: a new password for the address whose mailed code is
/// given. Flaw 53: wrong codes are not limited (fixed: five per address).
async fn reset(State(g): Shared, body: Bytes) -> Response {
    let map = match object(&body) {
        Ok(m) => m,
        Err(rejection) => return rejection.into_response(),
    };
    let fields = (
        string_field(&map, "email"),
        string_field(&map, "code"),
        string_field(&map, "new_password"),
    );
    let (email, code, new_password) = match fields {
        (Ok(e), Ok(c), Ok(p)) => (e.to_owned(), c.to_owned(), p.to_owned()),
        (Err(r), _, _) | (_, Err(r), _) | (_, _, Err(r)) => return r.into_response(),
    };
    if code.len() != 4 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return error(StatusCode::BAD_REQUEST, "code must be 4 digits");
    }
    if !(8..=64).contains(&new_password.chars().count()) {
        return error(
            StatusCode::BAD_REQUEST,
            "new_password must be 8 to 64 characters",
        );
    }
    let fixed = g.app.config.fixed;
    let mut codes = g.codes();
    if fixed && codes.get(&email).is_some_and(|p| p.wrong >= MAX_CODE_TRIES) {
        return error(
            StatusCode::TOO_MANY_REQUESTS,
            "too many wrong codes; request a new one later",
        );
    }
    let right = codes
        .get(&email)
        .is_some_and(|p| !p.code.is_empty() && p.code == code);
    if !right {
        if fixed {
            if codes.len() >= MAX_PENDING {
                codes.clear();
            }
            let entry = codes.entry(email).or_insert_with(|| Pending {
                // no code was mailed to this address: nothing can match
                code: String::new(),
                wrong: 0,
            });
            entry.wrong += 1;
        }
        return error(StatusCode::FORBIDDEN, "invalid or expired code");
    }
    codes.remove(&email);
    drop(codes);
    let username: Option<String> = g
        .app
        .db()
        .query_row(
            "SELECT username FROM users WHERE email = ?1",
            [&email],
            |row| row.get(0),
        )
        .ok();
    if let Some(username) = username {
        let hash = auth::hash_password(&username, &new_password);
        let _ = g.app.db().execute(
            "UPDATE users SET password_hash = ?1 WHERE username = ?2",
            (hash, &username),
        );
    }
    answer(StatusCode::OK, json!({"message": "password changed"}))
}
