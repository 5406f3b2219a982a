//! Articles: every signed-in user reads them, editors and administrators
//! write them. Flaw 40: DELETE /articles/{id} forgets the role check that
//! POST and PUT make (fixed: editors and administrators only).

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

/// The table, made on first use (the articles live beside the seeded data).
fn table(db: &Connection) -> rusqlite::Result<()> {
    db.execute_batch(
        "CREATE TABLE IF NOT EXISTS articles (
             id INTEGER PRIMARY KEY,
             author TEXT NOT NULL,
             title TEXT NOT NULL,
             body TEXT NOT NULL
         );",
    )
}

/// Whether the caller may write articles.
fn writes(user: &Caller) -> bool {
    user.role == "editor" || user.is_admin()
}

fn article_json(row: &rusqlite::Row<'_>) -> rusqlite::Result<Value> {
    Ok(json!({
        "id": row.get::<_, i64>(0)?,
        "author": row.get::<_, String>(1)?,
        "title": row.get::<_, String>(2)?,
        "body": row.get::<_, String>(3)?,
    }))
}

/// A body's title and text, checked.
fn fields(body: &Bytes) -> Result<(String, String), Box<Response>> {
    let map = object(body).map_err(|r| Box::new(r.into_response()))?;
    let title = string_field(&map, "title").map_err(|r| Box::new(r.into_response()))?;
    let text = string_field(&map, "body").map_err(|r| Box::new(r.into_response()))?;
    if !(1..=100).contains(&title.chars().count()) || text.chars().count() > 5000 {
        return Err(Box::new(error(
            StatusCode::BAD_REQUEST,
            "title must be 1 to 100 characters and body at most 5000",
        )));
    }
    Ok((title.to_owned(), text.to_owned()))
}

fn database_error() -> Response {
    error(StatusCode::INTERNAL_SERVER_ERROR, "database error")
}

fn editors_only() -> Response {
    error(StatusCode::FORBIDDEN, "editors only")
}

/// GET /articles: every article.
pub(crate) async fn list(State(state): Shared, headers: HeaderMap) -> Response {
    if caller(&state, &headers).is_none() {
        return unauthorized();
    }
    let rows: rusqlite::Result<Vec<Value>> = {
        let db = state.db();
        table(&db).and_then(|()| {
            db.prepare("SELECT id, author, title, body FROM articles ORDER BY id")
                .and_then(|mut st| st.query_map([], article_json)?.collect())
        })
    };
    match rows {
        Ok(rows) => json(StatusCode::OK, Value::Array(rows)),
        Err(_) => database_error(),
    }
}

/// POST /articles: a new article, editors only.
pub(crate) async fn create(State(state): Shared, headers: HeaderMap, body: Bytes) -> Response {
    let Some(user) = caller(&state, &headers) else {
        return unauthorized();
    };
    if !writes(&user) {
        return editors_only();
    }
    let (title, text) = match fields(&body) {
        Ok(f) => f,
        Err(response) => return *response,
    };
    let id = {
        let db = state.db();
        table(&db).and_then(|()| {
            db.execute(
                "INSERT INTO articles (author, title, body) VALUES (?1, ?2, ?3)",
                (&user.username, &title, &text),
            )
            .map(|_| db.last_insert_rowid())
        })
    };
    match id {
        Ok(id) => json(
            StatusCode::CREATED,
            json!({"id": id, "author": user.username, "title": title, "body": text}),
        ),
        Err(_) => database_error(),
    }
}

/// The caller and the article id of a request, or the response refusing it.
fn caller_and_id(
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
) -> Result<(Caller, i64), Box<Response>> {
    let user = caller(state, headers).ok_or_else(|| Box::new(unauthorized()))?;
    let id = id
        .parse::<i64>()
        .map_err(|_| Box::new(error(StatusCode::BAD_REQUEST, "id must be an integer")))?;
    Ok((user, id))
}

fn find(state: &AppState, id: i64) -> rusqlite::Result<Option<Value>> {
    let db = state.db();
    table(&db)?;
    db.query_row(
        "SELECT id, author, title, body FROM articles WHERE id = ?1",
        [id],
        article_json,
    )
    .optional()
}

/// GET /articles/{id}.
pub(crate) async fn read(
    State(state): Shared,
    headers: HeaderMap,
    Segment(id): Segment,
) -> Response {
    let (_, id) = match caller_and_id(&state, &headers, &id) {
        Ok(parts) => parts,
        Err(response) => return *response,
    };
    match find(&state, id) {
        Ok(Some(article)) => json(StatusCode::OK, article),
        Ok(None) => error(StatusCode::NOT_FOUND, "no such article"),
        Err(_) => database_error(),
    }
}

/// PUT /articles/{id}: editors only.
pub(crate) async fn update(
    State(state): Shared,
    headers: HeaderMap,
    Segment(id): Segment,
    body: Bytes,
) -> Response {
    let (user, id) = match caller_and_id(&state, &headers, &id) {
        Ok(parts) => parts,
        Err(response) => return *response,
    };
    if !writes(&user) {
        return editors_only();
    }
    let (title, text) = match fields(&body) {
        Ok(f) => f,
        Err(response) => return *response,
    };
    let changed = {
        let db = state.db();
        table(&db).and_then(|()| {
            db.execute(
                "UPDATE articles SET title = ?2, body = ?3 WHERE id = ?1",
                (id, &title, &text),
            )
        })
    };
    match changed {
        Ok(0) => error(StatusCode::NOT_FOUND, "no such article"),
        Ok(_) => match find(&state, id) {
            Ok(Some(article)) => json(StatusCode::OK, article),
            _ => database_error(),
        },
        Err(_) => database_error(),
    }
}

/// DELETE /articles/{id}. Flaw 40: any signed-in user deletes (fixed:
/// editors only, as POST and PUT).
pub(crate) async fn delete(
    State(state): Shared,
    headers: HeaderMap,
    Segment(id): Segment,
) -> Response {
    let (user, id) = match caller_and_id(&state, &headers, &id) {
        Ok(parts) => parts,
        Err(response) => return *response,
    };
    if state.config.fixed && !writes(&user) {
        return editors_only();
    }
    let changed = {
        let db = state.db();
        table(&db).and_then(|()| db.execute("DELETE FROM articles WHERE id = ?1", [id]))
    };
    match changed {
        Ok(0) => error(StatusCode::NOT_FOUND, "no such article"),
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(_) => database_error(),
    }
}
