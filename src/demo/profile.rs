//! The caller's profile and password changes: users as the objects of
//! other users' requests.
//!
//! - PUT /profile updates "the caller's" profile, but the flawed server
//!   updates the user a `username` field of the body names (fixed: the
//!   field is ignored, the caller's own profile changes).
//! - PUT /users/{username}/password checks the current password of the
//!   caller, then the flawed server changes the password of the user the
//!   path names (fixed: only the caller's own, else 403).

use super::auth::{self, caller};
use super::response::{Segment, error, json, object, string_field, unauthorized};
use super::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use rusqlite::{Connection, OptionalExtension};
use serde_json::{Value, json};
use std::sync::Arc;

type Shared = State<Arc<AppState>>;

/// The profiles table, made on first use; a user without a row has the
/// default profile (display name = user name, empty bio).
fn table(db: &Connection) -> rusqlite::Result<()> {
    db.execute_batch(
        "CREATE TABLE IF NOT EXISTS profiles (
             username TEXT PRIMARY KEY,
             display_name TEXT NOT NULL,
             bio TEXT NOT NULL
         );",
    )
}

fn database_error() -> Response {
    error(StatusCode::INTERNAL_SERVER_ERROR, "database error")
}

/// The profile of `username`.
fn profile_of(db: &Connection, username: &str) -> rusqlite::Result<Value> {
    table(db)?;
    let row: Option<(String, String)> = db
        .query_row(
            "SELECT display_name, bio FROM profiles WHERE username = ?1",
            [username],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let (display_name, bio) = row.unwrap_or_else(|| (username.to_owned(), String::new()));
    Ok(json!({"username": username, "display_name": display_name, "bio": bio}))
}

/// Whether `username` is an account.
fn exists(db: &Connection, username: &str) -> rusqlite::Result<bool> {
    db.query_row(
        "SELECT COUNT(*) FROM users WHERE username = ?1",
        [username],
        |row| row.get::<_, i64>(0),
    )
    .map(|n| n > 0)
}

/// GET /profile: the caller's profile.
pub(crate) async fn read(State(state): Shared, headers: HeaderMap) -> Response {
    let Some(user) = caller(&state, &headers) else {
        return unauthorized();
    };
    let profile = profile_of(&state.db(), &user.username);
    match profile {
        Ok(p) => json(StatusCode::OK, p),
        Err(_) => database_error(),
    }
}

/// PUT /profile. Planted flaw: a `username` in the body that names an
/// account chooses whose profile changes (fixed: always the caller's).
pub(crate) async fn update(State(state): Shared, headers: HeaderMap, body: Bytes) -> Response {
    let Some(user) = caller(&state, &headers) else {
        return unauthorized();
    };
    let map = match object(&body) {
        Ok(map) => map,
        Err(rejection) => return rejection.into_response(),
    };
    let (display_name, bio) = match (
        string_field(&map, "display_name"),
        string_field(&map, "bio"),
    ) {
        (Ok(d), Ok(b)) => (d.to_owned(), b.to_owned()),
        (Err(rejection), _) | (_, Err(rejection)) => return rejection.into_response(),
    };
    if !(1..=100).contains(&display_name.chars().count()) || bio.chars().count() > 500 {
        return error(
            StatusCode::BAD_REQUEST,
            "display_name must be 1 to 100 characters and bio at most 500",
        );
    }
    // the spec's username is a string: anything else is bad input
    let named = match map.get("username") {
        None => None,
        Some(Value::String(name)) => Some(name.as_str()),
        Some(_) => {
            return error(StatusCode::BAD_REQUEST, "username must be a string");
        }
    };
    let db = state.db();
    let target = match named {
        Some(other) if !state.config.fixed && exists(&db, other).unwrap_or(false) => {
            other.to_owned()
        }
        _ => user.username,
    };
    let saved = table(&db).and_then(|()| {
        db.execute(
            "INSERT OR REPLACE INTO profiles (username, display_name, bio) VALUES (?1, ?2, ?3)",
            (&target, &display_name, &bio),
        )
    });
    match saved.and_then(|_| profile_of(&db, &target)) {
        Ok(p) => json(StatusCode::OK, p),
        Err(_) => database_error(),
    }
}

/// PUT /users/{username}/password. Planted flaw: the current password is
/// the caller's, the changed one the path's user's (fixed: the path must
/// name the caller).
pub(crate) async fn change_password(
    State(state): Shared,
    headers: HeaderMap,
    Segment(username): Segment,
    body: Bytes,
) -> Response {
    let Some(user) = caller(&state, &headers) else {
        return unauthorized();
    };
    let map = match object(&body) {
        Ok(map) => map,
        Err(rejection) => return rejection.into_response(),
    };
    let (current, new) = match (
        string_field(&map, "current_password"),
        string_field(&map, "new_password"),
    ) {
        (Ok(c), Ok(n)) => (c.to_owned(), n.to_owned()),
        (Err(rejection), _) | (_, Err(rejection)) => return rejection.into_response(),
    };
    if !(6..=128).contains(&new.chars().count()) {
        return error(
            StatusCode::BAD_REQUEST,
            "new_password must be 6 to 128 characters",
        );
    }
    if state.config.fixed && username != user.username {
        return error(
            StatusCode::FORBIDDEN,
            "you may change only your own password",
        );
    }
    let db = state.db();
    let stored: Option<String> = db
        .query_row(
            "SELECT password_hash FROM users WHERE username = ?1",
            [&user.username],
            |row| row.get(0),
        )
        .optional()
        .unwrap_or(None);
    if stored != Some(auth::hash_password(&user.username, &current)) {
        return error(StatusCode::FORBIDDEN, "the current password is wrong");
    }
    let changed = db.execute(
        "UPDATE users SET password_hash = ?2 WHERE username = ?1",
        (&username, auth::hash_password(&username, &new)),
    );
    match changed {
        Ok(0) => error(StatusCode::NOT_FOUND, "no such user"),
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(_) => database_error(),
    }
}
