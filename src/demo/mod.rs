//! The deliberately vulnerable demo API that `apiprobe demo` scans.
//!
//! It plants one flaw per detection family (issue 4), each repaired when
//! [`DemoConfig::fixed`] is true, so that scans have a target and a
//! false-positive baseline. It never runs a shell, never touches the real
//! file system and only ever listens on, or fetches from, loopback.
//! The operations are described by `specs/demo.yaml`.
//!
//! Built with the cargo feature `demo` (on by default), which brings axum
//! and SQLite (compiled from C); a program using the library as a
//! dependency leaves it out with `default-features = false`.

mod account;
mod auth;
mod basic;
mod fakefs;
mod filter;
mod injection;
mod layers;
mod notes;
mod response;
mod server;
mod shell;
mod state;
mod template;

pub use server::{DemoServer, serve, serve_on};

/// A seeded account (`username`, `password`) of the demo API; `apiprobe demo`
/// signs in with it when no credentials are given.
pub const DEMO_ACCOUNT: (&str, &str) = ("alice", "wonderland");

/// The seeded users `apiprobe demo` gives the authorization probes (name,
/// role, password): the scan's own user and a second one.
pub const DEMO_IDENTITIES: [(&str, &str, &str); 2] =
    [("alice", "user", "wonderland"), ("bob", "user", "builder")];

/// Texts the demo plants in its responses, for tests elsewhere in the crate
/// that must find them (so they test what the demo really sends).
#[cfg(test)]
pub(crate) mod planted {
    pub(crate) use super::account::{FAKE_AWS_KEY, FAKE_PRIVATE_KEY};
    pub(crate) use super::basic::STACK_TRACE;
}

use axum::Router;
use axum::routing::{get, post};
use std::sync::Arc;

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
    Router::new()
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
