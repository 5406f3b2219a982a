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
//!
//! - `router`: [`DemoConfig`] and [`router`], every route of the API.
//! - `server`: [`serve`], the API on a loopback port.
//! - `state`: the in-memory state (SQLite) behind the handlers.
//! - `ads`: classified ads and their HTML board (stored markup, a trusted admin header).
//! - `drafts`, `invoices`: objects keyed by a chosen name, and seeded objects of two users.
//! - `articles`, `profile`: roles (member, editor) and users as the objects of requests.
//! - `basic`, `account`, `auth`, `notes`, `injection`, `filter`, `template`,
//!   `shell`, `fakefs`: the handlers, their flaws and repairs.
//! - `guessing`: a sign-in and a reset code with no limit on guesses (flaws 52 and 53).
//! - `issuers`: a partner gateway and a kiosk service whose HMAC keys are weak
//!   (flaws 60 and 61).
//! - `shop`: a sign-up that honours an undeclared role (customer, manager)
//!   shown only in `/shop/me` (flaw 62).
//! - `maintenance`: an admin-only command injection only a forged token reaches (flaw 63).
//! - `hidden`: routes the spec does not list (a debug page, an export, an admin helper).
//! - `layers`, `response`: headers on every answer; error answers.

mod account;
mod ads;
mod articles;
mod auth;
mod basic;
mod drafts;
mod fakefs;
mod filter;
mod guessing;
mod hidden;
mod injection;
mod invoices;
mod issuers;
mod layers;
mod maintenance;
mod notes;
mod profile;
mod response;
mod router;
mod server;
mod shell;
mod shop;
mod sso;
mod state;
mod template;

pub use router::{DemoConfig, router};
pub use server::{DemoServer, serve, serve_on};

/// A seeded account (`username`, `password`) of the demo API; `apiprobe demo`
/// signs in with it when no credentials are given.
pub const DEMO_ACCOUNT: (&str, &str) = ("alice", "wonderland");

/// The seeded users `apiprobe demo` gives the authorization probes (name,
/// role, password): the scan's own user and a second one.
pub const DEMO_IDENTITIES: [(&str, &str, &str); 2] =
    [("alice", "user", "wonderland"), ("bob", "user", "builder")];

/// Seeded users with the demo's own role names (name, role, password):
/// `apiprobe demo` gives them to the authorization probes too, the
/// editor marked privileged ([`DEMO_PRIVILEGED_ROLE`]).
pub const DEMO_ROLE_IDENTITIES: [(&str, &str, &str); 2] = [
    ("carol", "member", "chorister"),
    ("erin", "editor", "eraser-head"),
];

/// The demo's role that may do more than a plain user (`--privileged-role editor`).
pub const DEMO_PRIVILEGED_ROLE: &str = "editor";

/// Texts the demo plants in its responses, for tests elsewhere in the crate
/// that must find them (so they test what the demo really sends).
#[cfg(test)]
pub(crate) mod planted {
    pub(crate) use super::account::{FAKE_AWS_KEY, FAKE_PRIVATE_KEY};
    pub(crate) use super::basic::STACK_TRACE;
}
