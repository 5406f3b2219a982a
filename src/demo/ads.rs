//! Classified ads and the public board that shows them (flaw 45: a stored
//! headline is rendered unescaped in the board's HTML; flaw 46: a DELETE
//! carrying `IsAdmin: True` removes any ad without a token).

use super::auth::caller;
use super::response::{Segment, error, json, object, string_field, unauthorized};
use super::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rusqlite::Connection;
use serde_json::{Value, json};
use std::sync::{Arc, MutexGuard};

type Shared = State<Arc<AppState>>;

/// The database, its `ads` table made on first use (beside the seeded data).
fn db(state: &AppState) -> MutexGuard<'_, Connection> {
    let db = state.db();
    // a table that cannot be made shows as a database error on the next statement
    let _ = db.execute_batch(
        "CREATE TABLE IF NOT EXISTS ads (
             id INTEGER PRIMARY KEY,
             owner TEXT NOT NULL,
             headline TEXT NOT NULL,
             text TEXT NOT NULL
         );",
    );
    db
}

fn ad_json(row: &rusqlite::Row<'_>) -> rusqlite::Result<Value> {
    Ok(json!({
        "id": row.get::<_, i64>(0)?,
        "owner": row.get::<_, String>(1)?,
        "headline": row.get::<_, String>(2)?,
        "text": row.get::<_, String>(3)?,
    }))
}

fn all_ads(state: &AppState) -> rusqlite::Result<Vec<Value>> {
    let db = db(state);
    let mut statement = db.prepare("SELECT id, owner, headline, text FROM ads ORDER BY id")?;
    statement.query_map([], ad_json)?.collect()
}

/// GET /ads: every ad, as JSON.
pub(crate) async fn list(State(state): Shared) -> Response {
    match all_ads(&state) {
        Ok(rows) => json(StatusCode::OK, Value::Array(rows)),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "database error"),
    }
}

/// POST /ads: a new ad owned by the caller.
pub(crate) async fn create(State(state): Shared, headers: HeaderMap, body: Bytes) -> Response {
    let Some(user) = caller(&state, &headers) else {
        return unauthorized();
    };
    let map = match object(&body) {
        Ok(map) => map,
        Err(response) => return response.into_response(),
    };
    let (headline, text) = match (string_field(&map, "headline"), string_field(&map, "text")) {
        (Ok(h), Ok(t)) => (h, t),
        (Err(response), _) | (_, Err(response)) => return response.into_response(),
    };
    if !(1..=100).contains(&headline.chars().count()) || text.chars().count() > 1000 {
        return error(
            StatusCode::BAD_REQUEST,
            "headline must be 1 to 100 characters and text at most 1000",
        );
    }
    let id = {
        let db = db(&state);
        db.execute(
            "INSERT INTO ads (owner, headline, text) VALUES (?1, ?2, ?3)",
            (&user.username, headline, text),
        )
        .map(|_| db.last_insert_rowid())
    };
    match id {
        Ok(id) => json(
            StatusCode::CREATED,
            json!({"id": id, "owner": user.username, "headline": headline, "text": text}),
        ),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "database error"),
    }
}

/// The ad id of a path; `None` when it is not an integer.
fn parse_id(id: &str) -> Option<i64> {
    id.parse::<i64>().ok()
}

fn bad_id() -> Response {
    error(StatusCode::BAD_REQUEST, "id must be an integer")
}

/// GET /ads/{id}: one ad, as JSON.
pub(crate) async fn read(State(state): Shared, Segment(id): Segment) -> Response {
    let Some(id) = parse_id(&id) else {
        return bad_id();
    };
    let ad = db(&state)
        .query_row(
            "SELECT id, owner, headline, text FROM ads WHERE id = ?1",
            [id],
            ad_json,
        )
        .ok();
    match ad {
        Some(ad) => json(StatusCode::OK, ad),
        None => error(StatusCode::NOT_FOUND, "no such ad"),
    }
}

/// DELETE /ads/{id}: the owner (or an admin) removes an ad. Flaw 46: the
/// flawed server takes the header `IsAdmin: True` for an administrator,
/// with or without a token.
pub(crate) async fn delete(
    State(state): Shared,
    headers: HeaderMap,
    Segment(id): Segment,
) -> Response {
    let trusted_header = !state.config.fixed
        && headers
            .get("isadmin")
            .is_some_and(|v| v.as_bytes() == b"True");
    let user = caller(&state, &headers);
    let (username, admin) = match (&user, trusted_header) {
        (_, true) => (String::new(), true),
        (Some(u), false) => (u.username.clone(), u.is_admin()),
        (None, false) => return unauthorized(),
    };
    let Some(id) = parse_id(&id) else {
        return bad_id();
    };
    let changed = db(&state).execute(
        "DELETE FROM ads WHERE id = ?1 AND (owner = ?2 OR ?3)",
        (id, &username, admin),
    );
    match changed {
        Ok(0) => error(StatusCode::NOT_FOUND, "no such ad"),
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "database error"),
    }
}

/// Text escaped for HTML element content and attribute values.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// GET /board: the ads as an HTML page. Flaw 45: each headline goes into
/// the page as it was stored.
pub(crate) async fn board(State(state): Shared) -> Response {
    let rows = match all_ads(&state) {
        Ok(rows) => rows,
        Err(_) => return error(StatusCode::INTERNAL_SERVER_ERROR, "database error"),
    };
    let mut items = String::new();
    for ad in &rows {
        let headline = ad["headline"].as_str().unwrap_or("");
        let owner = ad["owner"].as_str().unwrap_or("");
        let headline = if state.config.fixed {
            escape(headline)
        } else {
            headline.to_owned()
        };
        items.push_str(&format!(
            "<li><h2>{headline}</h2><p>by {}</p></li>\n",
            escape(owner)
        ));
    }
    let page = format!(
        "<!DOCTYPE html>\n<html><head><title>Board</title></head><body><h1>Classified ads</h1><ul>\n{items}</ul></body></html>\n"
    );
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
        .into_response()
}
