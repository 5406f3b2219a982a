//! Notes, each owned by one user (flaws 13, 15 and 24).

use super::auth::{Caller, caller};
use super::response::{Rejection, Segment, error, json, object, string_field, unauthorized};
use super::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use rusqlite::OptionalExtension;
use serde_json::{Value, json};
use std::sync::Arc;

type Shared = State<Arc<AppState>>;

fn note_json(row: &rusqlite::Row<'_>) -> rusqlite::Result<Value> {
    Ok(json!({
        "id": row.get::<_, i64>(0)?,
        "owner": row.get::<_, String>(1)?,
        "title": row.get::<_, String>(2)?,
        "body": row.get::<_, String>(3)?,
    }))
}

/// GET /notes. Flaw 13: declared bearer auth is ignored; without a valid
/// token every note is listed.
pub(crate) async fn list(State(state): Shared, headers: HeaderMap) -> Response {
    let user = caller(&state, &headers);
    if user.is_none() && state.config.fixed {
        return unauthorized();
    }
    let owner = user.map(|u| u.username);
    let rows: rusqlite::Result<Vec<Value>> = {
        let db = state.db();
        db.prepare(
            "SELECT id, owner, title, body FROM notes
             WHERE deleted = 0 AND (?1 IS NULL OR owner = ?1) ORDER BY id",
        )
        .and_then(|mut statement| statement.query_map([&owner], note_json)?.collect())
    };
    match rows {
        Ok(rows) => json(StatusCode::OK, Value::Array(rows)),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "database error"),
    }
}

/// POST /notes: a new note owned by the caller.
pub(crate) async fn create(State(state): Shared, headers: HeaderMap, body: Bytes) -> Response {
    let Some(user) = caller(&state, &headers) else {
        return unauthorized();
    };
    let map = match object(&body) {
        Ok(map) => map,
        Err(response) => return response.into_response(),
    };
    let (title, text) = match (string_field(&map, "title"), string_field(&map, "body")) {
        (Ok(t), Ok(b)) => (t, b),
        (Err(response), _) | (_, Err(response)) => return response.into_response(),
    };
    if !(1..=100).contains(&title.chars().count()) || text.chars().count() > 5000 {
        return error(
            StatusCode::BAD_REQUEST,
            "title must be 1 to 100 characters and body at most 5000",
        );
    }
    let id = {
        let db = state.db();
        db.execute(
            "INSERT INTO notes (owner, title, body) VALUES (?1, ?2, ?3)",
            (&user.username, title, text),
        )
        .map(|_| db.last_insert_rowid())
    };
    match id {
        Ok(id) => json(
            StatusCode::CREATED,
            json!({"id": id, "owner": user.username, "title": title, "body": text}),
        ),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "database error"),
    }
}

struct Note {
    json: Value,
    owner: String,
    deleted: bool,
}

fn find(state: &AppState, id: i64) -> rusqlite::Result<Option<Note>> {
    state
        .db()
        .query_row(
            "SELECT id, owner, title, body, deleted FROM notes WHERE id = ?1",
            [id],
            |row| {
                Ok(Note {
                    json: note_json(row)?,
                    owner: row.get(1)?,
                    deleted: row.get::<_, i64>(4)? != 0,
                })
            },
        )
        .optional()
}

/// The signed-in caller and the note id of a request, or the response refusing it.
fn caller_and_id(
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
) -> Result<(Caller, i64), Box<Response>> {
    let user = caller(state, headers).ok_or_else(|| Box::new(unauthorized()))?;
    let id = parse_id(id).map_err(|r| Box::new(r.into_response()))?;
    Ok((user, id))
}

fn parse_id(id: &str) -> Result<i64, Rejection> {
    id.parse::<i64>()
        .map_err(|_| Rejection("id must be an integer".to_owned()))
}

/// GET /notes/{id}. Flaw 15: any signed-in user reads any note. Flaw 24: a
/// deleted note is still returned.
pub(crate) async fn read(
    State(state): Shared,
    headers: HeaderMap,
    Segment(id): Segment,
) -> Response {
    let (user, id) = match caller_and_id(&state, &headers, &id) {
        Ok(parts) => parts,
        Err(response) => return *response,
    };
    let note = match find(&state, id) {
        Ok(note) => note,
        Err(_) => return error(StatusCode::INTERNAL_SERVER_ERROR, "database error"),
    };
    let fixed = state.config.fixed;
    match note {
        Some(note) if fixed && note.deleted => error(StatusCode::NOT_FOUND, "no such note"),
        Some(note) if fixed && note.owner != user.username && !user.is_admin() => {
            error(StatusCode::NOT_FOUND, "no such note")
        }
        Some(note) => json(StatusCode::OK, note.json),
        None => error(StatusCode::NOT_FOUND, "no such note"),
    }
}

/// DELETE /notes/{id}: the owner deletes a note (the flawed server only
/// marks it, and keeps serving it).
pub(crate) async fn delete(
    State(state): Shared,
    headers: HeaderMap,
    Segment(id): Segment,
) -> Response {
    let (user, id) = match caller_and_id(&state, &headers, &id) {
        Ok(parts) => parts,
        Err(response) => return *response,
    };
    let sql = if state.config.fixed {
        "DELETE FROM notes WHERE id = ?1 AND (owner = ?2 OR ?3)"
    } else {
        "UPDATE notes SET deleted = 1 WHERE id = ?1 AND deleted = 0 AND (owner = ?2 OR ?3)"
    };
    let changed = state
        .db()
        .execute(sql, (id, &user.username, user.is_admin()));
    match changed {
        Ok(0) => error(StatusCode::NOT_FOUND, "no such note"),
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "database error"),
    }
}
