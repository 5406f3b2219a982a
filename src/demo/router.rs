//! [`router`]: every route of the demo API, flawed or repaired.

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post, put};

use super::{
    account, ads, articles, basic, drafts, filter, guessing, hidden, injection, invoices, issuers,
    layers, maintenance, notes, profile, shop, sso, state,
};

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
        // flaw 63: an admin-only command injection a forged token reaches
        .route("/admin/backup-check", post(maintenance::backup_check))
        .route("/config", get(account::client_config))
        .route("/notes", get(notes::list).post(notes::create))
        .route("/notes/{id}", get(notes::read).delete(notes::delete))
        .route("/search", get(injection::search))
        .route("/files", get(injection::file))
        .route("/tools/ping", post(injection::ping))
        .route("/webhooks/test", post(injection::webhook_test))
        .route("/greet", get(injection::greet))
        // flaws 45 and 46: a board that renders stored headlines, a DELETE that trusts a header
        .route("/ads", get(ads::list).post(ads::create))
        .route("/ads/{id}", get(ads::read).delete(ads::delete))
        .route("/board", get(ads::board))
        .route("/articles", get(articles::list).post(articles::create))
        .route(
            "/articles/{id}",
            get(articles::read)
                .put(articles::update)
                .delete(articles::delete),
        )
        .route("/profile", get(profile::read).put(profile::update))
        // a sign-up that honours an undeclared role (customer, manager) shown only in /shop/me
        .route("/shop/signup", post(shop::signup))
        .route("/shop/login", post(shop::login))
        .route("/shop/me", get(shop::me))
        .route("/users/{username}/password", put(profile::change_password))
        // flaws 50 and 51: drafts keyed by a chosen name, seeded invoices
        .route("/drafts", post(drafts::save))
        .route(
            "/drafts/{name}",
            get(drafts::read).put(drafts::update).delete(drafts::delete),
        )
        .route("/invoices", get(invoices::list))
        .route(
            "/invoices/{invoiceId}",
            get(invoices::read).patch(invoices::update),
        )
        .with_state(Arc::clone(&state))
        // flaws 34-36: the RS256 sign-in service
        // flaws 52 and 53: a sign-in and a reset code anyone may guess
        .merge(guessing::routes(Arc::clone(&state)))
        // flaws 60 and 61: two more token issuers with weak HMAC keys
        .merge(issuers::routes(Arc::clone(&state)))
        .merge(sso::routes(state))
        .layer(axum::middleware::from_fn_with_state(
            config,
            layers::headers,
        ))
}
