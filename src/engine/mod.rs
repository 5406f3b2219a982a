//! Sending: the HTTP client, pacing, budgets, credentials and the scan loop.
//!
//! - `exchange`: [`Exchange`], a request as sent and what came back.
//! - `client`: [`Client`], reqwest over rustls with a response cap and named failures.
//! - `auth`: [`Credential`]s added to every request.
//! - `filter`: [`Filter`], which operations a scan covers.
//! - `rate`: the shared rate limit and 429 pauses.
//! - `stop`: [`Stop`], the shared stop signal (Ctrl-C, budgets, a lost target).
//! - `event`: [`Event`]s and their [`Observer`]s; [`Stats`] and [`StopReason`].
//! - `scan`: [`Scan`], the loop: plan, realise, send, judge, collect.
//! - `shrink`: smaller requests that still show each finding.
//! - `login`: `--login`, signing in through the spec's login operation.
//! - `token`: [`TokenUse`], where a login answer holds its token and how it is sent.
//! - `relogin`: signing in again, once for many, when a signed-in request gets 401.
//! - `pool`: live resources created before the plan, whose ids fill plan probes' path parameters.
//! - `active`: the active phase: a [`Session`] per operation and active probe.
//! - `identity`: [`NamedIdentity`], the users a scan acts as (`--identity`).
//! - `cleanup`: deleting what the probes created, when the scan ends.
//! - `callback`: [`CallbackServer`], the listener that out-of-band probes (SSRF) use.

mod active;
mod auth;
mod callback;
mod cleanup;
mod client;
mod event;
mod exchange;
mod filter;
mod h1;
mod identity;
mod login;
mod plain;
mod pool;
mod rate;
mod relogin;
mod scan;
mod shrink;
mod stop;
mod token;
pub(crate) mod wire;

pub use active::{Identity, Session, ValueSlot};
pub use auth::{Credential, Place, apply as apply_credentials};
pub use callback::{CallbackHit, CallbackServer};
pub use client::{Client, ClientOptions};
pub use event::{Event, Observer, Silent, Stats, StopReason};
pub use exchange::{Exchange, Failure, FailureKind, Outcome, Response, SentRequest};
pub use filter::{Filter, FilterError, Matcher};
pub use identity::{IdentityAuth, IdentityError, IdentitySpec, NamedIdentity, is_privileged_role};
pub(crate) use login::login_request;
pub use login::{Account, LoginError, SignedIn, login, login_with};
pub use rate::retry_after;
pub(crate) use scan::join as join_url;
pub use scan::{Scan, ScanOptions, ScanResult};
pub use stop::Stop;
pub use token::{TokenAs, TokenError, TokenFrom, TokenUse};

/// What can stop a scan from starting.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The CA certificate file holds no usable certificate.
    #[error("--ca-cert: {0}")]
    CaCert(String),
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}
