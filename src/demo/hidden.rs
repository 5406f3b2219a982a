//! Routes the spec does not list (flaws 30-32, issue 21): a debug page
//! that prints environment values, an export of every user's data and an
//! admin helper, all without credentials. The fixed server has none of
//! them (they answer 404 like any unknown path).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::response::{error, json};
use super::state::AppState;

type Shared = State<Arc<AppState>>;

/// A fake AWS key id the debug page prints; not a key at all.
pub(crate) const DEBUG_AWS_KEY: &str = "AKIAZ7DEMO4DEBUGENV1";

/// Flaw 30: `GET /debug`, a debugger page left on, printing the environment.
pub(crate) async fn debug_page() -> Response {
    let page = format!(
        "<!doctype html><html><head><title>Werkzeug Debugger</title></head><body>\
         <h1>Werkzeug Debugger</h1><h2>Environment</h2><pre>\
         APP_ENV=development\n\
         DEBUG=true\n\
         DATABASE_URL=sqlite:///srv/demo/demo.db\n\
         AWS_ACCESS_KEY_ID={DEBUG_AWS_KEY}\n\
         SEARCH_BACKEND=http://10.20.30.40:9200\n\
         </pre></body></html>"
    );
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
        .into_response()
}

/// Flaw 31: `GET /export/users`, every user's data (password hashes
/// included) for anyone who asks.
pub(crate) async fn export_users(State(state): Shared) -> Response {
    let rows: rusqlite::Result<Vec<Value>> = {
        let db = state.db();
        db.prepare("SELECT id, username, role, email, password_hash FROM users ORDER BY id")
            .and_then(|mut statement| {
                statement
                    .query_map([], |row| {
                        Ok(json!({
                            "id": row.get::<_, i64>(0)?,
                            "username": row.get::<_, String>(1)?,
                            "role": row.get::<_, String>(2)?,
                            "email": row.get::<_, String>(3)?,
                            "password_hash": row.get::<_, String>(4)?,
                        }))
                    })?
                    .collect()
            })
    };
    match rows {
        Ok(rows) => json(StatusCode::OK, json!({ "users": rows })),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "database error"),
    }
}

/// Flaw 32: `GET /admin/tasks`, the maintenance tasks of an admin helper.
pub(crate) async fn admin_tasks() -> Response {
    json(
        StatusCode::OK,
        json!({ "tasks": [
            { "name": "rebuild-search-index", "schedule": "hourly" },
            { "name": "purge-sessions", "schedule": "daily" },
        ] }),
    )
}

/// Flaw 32: `POST /admin/tasks`, which starts one (it only says so).
pub(crate) async fn run_admin_task() -> Response {
    json(
        StatusCode::ACCEPTED,
        json!({ "started": "rebuild-search-index" }),
    )
}
