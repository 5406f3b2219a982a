//! Drafts, keyed by a name the client chooses: the creation answers no
//! id. Flaw 50: any signed-in user reads and overwrites any user's draft
//! by its name (fixed: a name only reaches the caller's own draft).

use super::auth::{Caller, caller};
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

/// The table, made on first use.
fn table(db: &Connection) -> rusqlite::Result<()> {
    db.execute_batch(
        "CREATE TABLE IF NOT EXISTS drafts (
             owner TEXT NOT NULL,
             name TEXT NOT NULL,
             text TEXT NOT NULL,
             PRIMARY KEY (owner, name)
         );",
    )
}

/// Whether a draft name is valid: 1 to 40 of a-z, 0-9 and `-`.
fn valid_name(name: &str) -> bool {
    (1..=40).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The text of a body: at most 2000 characters.
fn text_of(map: &serde_json::Map<String, Value>) -> Result<String, Box<Response>> {
    let text = string_field(map, "text").map_err(|r| Box::new(r.into_response()))?;
    if text.chars().count() > 2000 {
        return Err(Box::new(error(
            StatusCode::BAD_REQUEST,
            "text must be at most 2000 characters",
        )));
    }
    Ok(text.to_owned())
}

/// POST /drafts: saves the caller's draft under the name given (a new
/// one, or the caller's own of that name replaced); answers no id.
pub(crate) async fn save(State(state): Shared, headers: HeaderMap, body: Bytes) -> Response {
    let Some(user) = caller(&state, &headers) else {
        return unauthorized();
    };
    let map = match object(&body) {
        Ok(map) => map,
        Err(rejection) => return rejection.into_response(),
    };
    let name = match string_field(&map, "name") {
        Ok(name) if valid_name(name) => name.to_owned(),
        Ok(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "name must be 1 to 40 characters of a-z, 0-9 and -",
            );
        }
        Err(rejection) => return rejection.into_response(),
    };
    let text = match text_of(&map) {
        Ok(text) => text,
        Err(response) => return *response,
    };
    let saved = {
        let db = state.db();
        table(&db).and_then(|()| {
            db.execute(
                "INSERT OR REPLACE INTO drafts (owner, name, text) VALUES (?1, ?2, ?3)",
                (&user.username, &name, &text),
            )
        })
    };
    match saved {
        Ok(_) => json(StatusCode::CREATED, json!({"saved": true})),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "database error"),
    }
}

/// The draft `name` the caller reaches: with the flaw, anyone's of that
/// name (the caller's own first); repaired, only the caller's.
fn find(state: &AppState, user: &Caller, name: &str) -> rusqlite::Result<Option<(String, String)>> {
    let db = state.db();
    table(&db)?;
    let sql = if state.config.fixed {
        "SELECT owner, text FROM drafts WHERE name = ?1 AND owner = ?2"
    } else {
        "SELECT owner, text FROM drafts WHERE name = ?1
         ORDER BY owner = ?2 DESC, owner LIMIT 1"
    };
    db.query_row(sql, (name, &user.username), |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
    })
    .optional()
}

/// GET /drafts/{name}: one draft (flaw 50: anyone's).
pub(crate) async fn read(
    State(state): Shared,
    headers: HeaderMap,
    Segment(name): Segment,
) -> Response {
    let Some(user) = caller(&state, &headers) else {
        return unauthorized();
    };
    if !valid_name(&name) {
        return error(StatusCode::BAD_REQUEST, "invalid draft name");
    }
    match find(&state, &user, &name) {
        Ok(Some((owner, text))) => json(
            StatusCode::OK,
            json!({"name": name, "text": text, "author": owner}),
        ),
        Ok(None) => error(StatusCode::NOT_FOUND, "no such draft"),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "database error"),
    }
}

/// PUT /drafts/{name}: replaces a draft's text (flaw 50: anyone's).
pub(crate) async fn update(
    State(state): Shared,
    headers: HeaderMap,
    Segment(name): Segment,
    body: Bytes,
) -> Response {
    let Some(user) = caller(&state, &headers) else {
        return unauthorized();
    };
    if !valid_name(&name) {
        return error(StatusCode::BAD_REQUEST, "invalid draft name");
    }
    let map = match object(&body) {
        Ok(map) => map,
        Err(rejection) => return rejection.into_response(),
    };
    let text = match text_of(&map) {
        Ok(text) => text,
        Err(response) => return *response,
    };
    let owner = match find(&state, &user, &name) {
        Ok(Some((owner, _))) => owner,
        Ok(None) => return error(StatusCode::NOT_FOUND, "no such draft"),
        Err(_) => return error(StatusCode::INTERNAL_SERVER_ERROR, "database error"),
    };
    let changed = state.db().execute(
        "UPDATE drafts SET text = ?1 WHERE owner = ?2 AND name = ?3",
        (&text, &owner, &name),
    );
    match changed {
        Ok(_) => json(
            StatusCode::OK,
            json!({"name": name, "text": text, "author": owner}),
        ),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "database error"),
    }
}

/// DELETE /drafts/{name}: removes the caller's own draft.
pub(crate) async fn delete(
    State(state): Shared,
    headers: HeaderMap,
    Segment(name): Segment,
) -> Response {
    let Some(user) = caller(&state, &headers) else {
        return unauthorized();
    };
    if !valid_name(&name) {
        return error(StatusCode::BAD_REQUEST, "invalid draft name");
    }
    let removed = {
        let db = state.db();
        table(&db).and_then(|()| {
            db.execute(
                "DELETE FROM drafts WHERE owner = ?1 AND name = ?2",
                (&user.username, &name),
            )
        })
    };
    match removed {
        Ok(0) => error(StatusCode::NOT_FOUND, "no such draft"),
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "database error"),
    }
}
