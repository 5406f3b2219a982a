//! Invoices, seeded for alice and bob (no operation creates one). Each
//! user lists their own. Flaw 51: any signed-in user reads and changes
//! the memo of any invoice by its id (fixed: only the invoice's own
//! user; another's answers 404).

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

/// The table with its seeded rows, made on first use.
fn table(db: &Connection) -> rusqlite::Result<()> {
    db.execute_batch(
        "CREATE TABLE IF NOT EXISTS invoices (
             id INTEGER PRIMARY KEY,
             holder TEXT NOT NULL,
             amount REAL NOT NULL,
             memo TEXT NOT NULL
         );
         INSERT OR IGNORE INTO invoices (id, holder, amount, memo) VALUES
             (7001, 'alice', 120.0, 'tea sets for the party'),
             (7002, 'alice', 35.5, 'rabbit food'),
             (7003, 'bob', 980.0, 'timber and nails');",
    )
}

fn invoice_json(row: &rusqlite::Row<'_>) -> rusqlite::Result<Value> {
    Ok(json!({
        "id": row.get::<_, i64>(0)?,
        "billed_to": format!("{}@example.com", row.get::<_, String>(1)?),
        "amount": row.get::<_, f64>(2)?,
        "memo": row.get::<_, String>(3)?,
    }))
}

/// GET /invoices: the caller's invoices.
pub(crate) async fn list(State(state): Shared, headers: HeaderMap) -> Response {
    let Some(user) = caller(&state, &headers) else {
        return unauthorized();
    };
    let rows: rusqlite::Result<Vec<Value>> = {
        let db = state.db();
        table(&db).and_then(|()| {
            db.prepare(
                "SELECT id, holder, amount, memo FROM invoices WHERE holder = ?1 ORDER BY id",
            )
            .and_then(|mut st| st.query_map([&user.username], invoice_json)?.collect())
        })
    };
    match rows {
        Ok(rows) => json(StatusCode::OK, Value::Array(rows)),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "database error"),
    }
}

/// The invoice `id` the caller reaches: with the flaw, anyone's;
/// repaired, only the caller's own.
fn find(state: &AppState, user: &Caller, id: i64) -> rusqlite::Result<Option<Value>> {
    let db = state.db();
    table(&db)?;
    let row = db
        .query_row(
            "SELECT id, holder, amount, memo FROM invoices WHERE id = ?1",
            [id],
            |row| Ok((row.get::<_, String>(1)?, invoice_json(row)?)),
        )
        .optional()?;
    Ok(row.and_then(|(holder, invoice)| {
        (!state.config.fixed || holder == user.username || user.is_admin()).then_some(invoice)
    }))
}

/// The caller and the invoice id of a request, or the response refusing it.
fn caller_and_id(
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
) -> Result<(Caller, i64), Box<Response>> {
    let user = caller(state, headers).ok_or_else(|| Box::new(unauthorized()))?;
    let id = id.parse::<i64>().map_err(|_| {
        Box::new(error(
            StatusCode::BAD_REQUEST,
            "invoiceId must be an integer",
        ))
    })?;
    Ok((user, id))
}

/// GET /invoices/{invoiceId}: one invoice (flaw 51: anyone's).
pub(crate) async fn read(
    State(state): Shared,
    headers: HeaderMap,
    Segment(id): Segment,
) -> Response {
    let (user, id) = match caller_and_id(&state, &headers, &id) {
        Ok(parts) => parts,
        Err(response) => return *response,
    };
    match find(&state, &user, id) {
        Ok(Some(invoice)) => json(StatusCode::OK, invoice),
        Ok(None) => error(StatusCode::NOT_FOUND, "no such invoice"),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "database error"),
    }
}

/// PATCH /invoices/{invoiceId}: changes an invoice's memo (flaw 51: anyone's).
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
    let map = match object(&body) {
        Ok(map) => map,
        Err(rejection) => return rejection.into_response(),
    };
    let memo = match string_field(&map, "memo") {
        Ok(memo) if memo.chars().count() <= 200 => memo.to_owned(),
        Ok(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "memo must be at most 200 characters",
            );
        }
        Err(rejection) => return rejection.into_response(),
    };
    match find(&state, &user, id) {
        Ok(Some(_)) => {}
        Ok(None) => return error(StatusCode::NOT_FOUND, "no such invoice"),
        Err(_) => return error(StatusCode::INTERNAL_SERVER_ERROR, "database error"),
    }
    let changed = state
        .db()
        .execute("UPDATE invoices SET memo = ?1 WHERE id = ?2", (&memo, id));
    if changed.is_err() {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "database error");
    }
    match find(&state, &user, id) {
        Ok(Some(invoice)) => json(StatusCode::OK, invoice),
        _ => error(StatusCode::INTERNAL_SERVER_ERROR, "database error"),
    }
}
