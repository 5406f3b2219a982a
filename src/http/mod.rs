//! HTTP transport: what a request is, how it travels and what came back.
//! It knows nothing of specs, probes or checks.
//!
//! - `request`: [`Request`], a request ready to send, byte for byte.
//! - `grammar`: the header grammar's byte classes.
//! - `url`: [`join_url`], the base URL with a request's path and query.
//! - `curl`: [`curl`], the request as a curl command line.
//! - `exchange`: [`Exchange`], a request as sent and what came back.
//! - `client`: [`Client`], reqwest over rustls with a response cap and named failures.
//! - `plain`: the fast path for HTTP/1.1 (`http://` and `https://`), on
//!   pooled connections.
//! - `stream`: a connection of the fast path (TCP, or rustls over TCP) and
//!   what arrived on it while idle.
//! - `tls`: the fast path's rustls configuration (`--insecure`, `--ca-cert`).
//! - `h1`: HTTP/1.1 on one connection of the fast path.
//! - `wire`: methods and headers as the `http` crate types them.
//! - `callback`: [`CallbackServer`], the listener that out-of-band probes (SSRF) use.
//! - `error`: [`ClientError`], why the client cannot be built.

mod callback;
mod client;
mod curl;
mod error;
mod exchange;
mod grammar;
mod h1;
mod plain;
mod request;
mod stream;
mod tls;
mod url;
pub(crate) mod wire;

pub use callback::{CallbackHit, CallbackServer};
pub use client::{Client, ClientOptions};
pub use curl::{curl, curl_at};
pub use error::ClientError;
pub use exchange::{Exchange, Failure, FailureKind, Outcome, Response, SentRequest};
pub use grammar::{is_header_value_byte, is_tchar};
pub use request::{Request, RequestBody, Unsendable};
pub use url::join_url;
