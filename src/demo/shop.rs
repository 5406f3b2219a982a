//! The shop's customer accounts: sign-up, sign-in and "who am I", apart
//! from the main accounts (their own table, opaque session tokens).
//!
//! Flaw 62: the sign-up honours a `role` field the spec does not declare, and
//! the roles are not `admin` but `customer` and `manager`; the sign-up
//! answers `{"message": "registered"}`, so the role shows only in
//! `GET /shop/me`. A role outside the two is refused (400). Fixed: the
//! field is ignored and every account is a customer.
//!
//! The sign-in refuses a username after 5 failures in a row (429) in both
//! modes: the shop is not where the demo's sign-in flaws are.

use super::auth;
use super::response::{error, json, object, string_field};
use super::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rusqlite::OptionalExtension;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

type Shared = State<Arc<AppState>>;

/// The roles a shop account may hold.
const ROLES: [&str; 2] = ["customer", "manager"];
/// Failed sign-ins in a row that lock a username.
const MAX_FAILURES: i64 = 5;
/// Accounts kept at most (hostile input cannot grow the table without bound).
const MAX_ACCOUNTS: i64 = 10_000;

/// Tokens issued so far (part of each token's input).
static ISSUED: AtomicU64 = AtomicU64::new(0);

/// Creates the shop's tables, once per database.
fn tables(db: &rusqlite::Connection) -> rusqlite::Result<()> {
    db.execute_batch(
        "CREATE TABLE IF NOT EXISTS shop_accounts (
            username TEXT PRIMARY KEY, password_hash TEXT NOT NULL,
            email TEXT NOT NULL, role TEXT NOT NULL, failures INTEGER NOT NULL DEFAULT 0);
         CREATE TABLE IF NOT EXISTS shop_sessions (token TEXT PRIMARY KEY, username TEXT NOT NULL);",
    )
}

fn server_error() -> Response {
    error(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
}

/// POST /shop/signup. Flaw: an undeclared `role` (customer or manager) is honoured.
pub(crate) async fn signup(State(state): Shared, body: Bytes) -> Response {
    let map = match object(&body) {
        Ok(map) => map,
        Err(rejection) => return rejection.into_response(),
    };
    let (username, password) = match (
        string_field(&map, "username"),
        string_field(&map, "password"),
    ) {
        (Ok(u), Ok(p)) => (u.to_owned(), p.to_owned()),
        (Err(r), _) | (_, Err(r)) => return r.into_response(),
    };
    let name_ok = (3..=32).contains(&username.len())
        && username
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !name_ok || !(8..=128).contains(&password.chars().count()) {
        return error(
            StatusCode::BAD_REQUEST,
            "username must be 3 to 32 of a-z, 0-9, _ and password 8 to 128 characters",
        );
    }
    let email = match map.get("email") {
        None => String::new(),
        Some(Value::String(e)) if e.len() <= 254 && e.contains('@') => e.clone(),
        Some(_) => return error(StatusCode::BAD_REQUEST, "email must be an e-mail address"),
    };
    let role = match map.get("role") {
        Some(Value::String(r)) if !state.config.fixed => {
            match ROLES.iter().find(|k| k.eq_ignore_ascii_case(r)) {
                Some(known) => (*known).to_owned(),
                None => return error(StatusCode::BAD_REQUEST, "unknown role"),
            }
        }
        _ => "customer".to_owned(),
    };
    let db = state.db();
    if tables(&db).is_err() {
        return server_error();
    }
    let count: i64 = db
        .query_row("SELECT COUNT(*) FROM shop_accounts", [], |r| r.get(0))
        .unwrap_or(MAX_ACCOUNTS);
    if count >= MAX_ACCOUNTS {
        return error(StatusCode::SERVICE_UNAVAILABLE, "too many accounts");
    }
    let inserted = db.execute(
        "INSERT OR IGNORE INTO shop_accounts (username, password_hash, email, role) VALUES (?1, ?2, ?3, ?4)",
        (
            &username,
            auth::hash_password(&username, &password),
            &email,
            &role,
        ),
    );
    match inserted {
        Ok(1) => json(StatusCode::CREATED, json!({"message": "registered"})),
        Ok(_) => error(StatusCode::CONFLICT, "username taken"),
        Err(_) => server_error(),
    }
}

/// POST /shop/login: an opaque session token.
pub(crate) async fn login(State(state): Shared, body: Bytes) -> Response {
    let map = match object(&body) {
        Ok(map) => map,
        Err(rejection) => return rejection.into_response(),
    };
    let (username, password) = match (
        string_field(&map, "username"),
        string_field(&map, "password"),
    ) {
        (Ok(u), Ok(p)) => (u.to_owned(), p.to_owned()),
        (Err(r), _) | (_, Err(r)) => return r.into_response(),
    };
    let db = state.db();
    if tables(&db).is_err() {
        return server_error();
    }
    let row: Option<(String, i64)> = db
        .query_row(
            "SELECT password_hash, failures FROM shop_accounts WHERE username = ?1",
            [&username],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .unwrap_or(None);
    match row {
        Some((_, failures)) if failures >= MAX_FAILURES => {
            error(StatusCode::TOO_MANY_REQUESTS, "account locked")
        }
        Some((hash, _)) if hash == auth::hash_password(&username, &password) => {
            let n = ISSUED.fetch_add(1, Ordering::Relaxed);
            let seed = auth::hash_password(&username, &format!("{password}:{n}:{:p}", &*state));
            let token = seed.rsplit('$').next().unwrap_or_default().to_owned();
            let _ = db.execute(
                "UPDATE shop_accounts SET failures = 0 WHERE username = ?1",
                [&username],
            );
            match db.execute(
                "INSERT INTO shop_sessions (token, username) VALUES (?1, ?2)",
                (&token, &username),
            ) {
                Ok(_) => json(StatusCode::OK, json!({"token": token})),
                Err(_) => server_error(),
            }
        }
        Some(_) => {
            let _ = db.execute(
                "UPDATE shop_accounts SET failures = failures + 1 WHERE username = ?1",
                [&username],
            );
            error(StatusCode::UNAUTHORIZED, "wrong username or password")
        }
        None => error(StatusCode::UNAUTHORIZED, "wrong username or password"),
    }
}

/// GET /shop/me: the signed-in customer's account, role included.
pub(crate) async fn me(State(state): Shared, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .trim()
        .to_owned();
    let db = state.db();
    if tables(&db).is_err() {
        return server_error();
    }
    let row: Option<(String, String, String)> = db
        .query_row(
            "SELECT a.username, a.email, a.role FROM shop_sessions s
             JOIN shop_accounts a ON a.username = s.username WHERE s.token = ?1",
            [&token],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .unwrap_or(None);
    match row {
        Some((username, email, role)) => json(
            StatusCode::OK,
            json!({"username": username, "email": email, "role": role}),
        ),
        None => error(StatusCode::UNAUTHORIZED, "sign in first"),
    }
}
