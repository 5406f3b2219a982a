//! [`router`]: every route of the demo API, flawed or repaired.

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use super::{account, basic, filter, hidden, injection, layers, notes, state};

/// How the demo API behaves: with its planted flaws, or with all of them repaired.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoConfig {
    /// True serves the API with every planted flaw repaired.
    pub fixed: bool,
}

/// Builds the demo API with a fresh in-memory state (its own SQLite database).
pub fn router(config: DemoConfig) -> Router {
    let state = Arc::new(state::AppState::new(config));
    let version = if config.fixed {
        get(basic::version)
    } else {
        // Flaw 9: any undeclared method on /version answers 500, not 405.
        get(basic::version).fallback(basic::method_crash)
    };
    let mut router = Router::new();
    if !config.fixed {
        // Flaws 30-32: routes the spec does not list.
        router = router
            .route("/debug", get(hidden::debug_page))
            .route("/export/users", get(hidden::export_users))
            .route(
                "/admin/tasks",
                get(hidden::admin_tasks).post(hidden::run_admin_task),
            );
    }
    router
        .route("/health", get(basic::health))
        .route("/version", version)
        .route("/stats", get(basic::stats))
        .route("/calc/square", get(basic::square))
        .route("/reports/{name}", get(basic::report))
        .route("/feedback", post(basic::feedback))
        .route("/products", get(basic::products))
        .route("/products/{sku}", get(basic::product))
        .route("/products/search", post(filter::search))
        .route("/comments", post(basic::comment))
        .route("/validate/email", get(basic::validate_email))
        .route("/auth/login", post(account::login))
        .route("/auth/register", post(account::register))
        .route("/users", get(account::users))
        .route("/admin/audit-log", get(account::audit_log))
        .route("/config", get(account::client_config))
        .route("/notes", get(notes::list).post(notes::create))
        .route("/notes/{id}", get(notes::read).delete(notes::delete))
        .route("/search", get(injection::search))
        .route("/files", get(injection::file))
        .route("/tools/ping", post(injection::ping))
        .route("/webhooks/test", post(injection::webhook_test))
        .route("/greet", get(injection::greet))
        .with_state(state)
        .layer(axum::middleware::from_fn_with_state(
            config,
            layers::headers,
        ))
}
