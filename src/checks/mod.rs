//! How to judge exchanges: each check looks at what a server answered and
//! yields verdicts, which become findings.
//!
//! - `check`: what a [`Check`] is, its [`Severity`], the [`Context`] it sees
//!   and the [`Verdict`] it gives.
//! - `registry`: [`CHECKS`], the list users select from ([`select`]).
//! - `judge`: [`Judge`] runs a selection over each exchange.
//! - `finding`: [`Finding`] and [`FindingSet`] (one per operation, check and signature).
//! - `server`: not_a_server_error, crash, max_response_time.
//! - `conformance`: status code, content type, response schema and headers against the spec.
//! - `validation`: negative_data_rejection, positive_data_acceptance,
//!   missing_required_header, unsupported_method.
//! - `destructive`: destructive_operation (a reset or wipe, sent once at the
//!   end; the engine reads known resources around it).
//! - `disclosure`: stack_trace_leak, sql_error_leak, server_banner.
//! - [`active`]: checks that send requests of their own (active probes).
//! - `validators`: compiled response schemas, cached.
//! - `exposure`: secret_leak, sensitive_data_exposure, internal_disclosure, debug_page.
//! - `authn`: weak_jwt_secret (offline, bundled wordlist).
//! - `claims`: sensitive claims in issued JWTs (part of sensitive_data_exposure).
//! - `public_keys`: RSA public keys (JWKS, PEM, certificates) in the forms the
//!   key confusion probe signs with.
//! - `jwt`: reading and forging JSON Web Tokens.
//! - [`jwt_crack`]: cracking HMAC JWT secrets offline (the bundled lists,
//!   numbers, the spec's and the answers' words), fast and on every core.
//! - [`leaks`]: one fast matcher over response bodies for stack traces, SQL
//!   error text, secrets, sensitive fields, card numbers, internal addresses,
//!   file-system paths and debug pages; and [`leaks::server_banner`] over
//!   response headers for version-revealing banners.

pub mod active;
mod authn;
mod check;
mod claims;
mod conformance;
pub(crate) mod destructive;
mod disclosure;
mod exposure;
mod finding;
mod judge;
pub(crate) mod jwt;
pub mod jwt_crack;
pub mod leaks;
mod memo;
pub(crate) mod public_keys;
mod registry;
mod server;
#[cfg(test)]
mod tests;
mod validation;
mod validators;

pub use check::{
    Check, Confidence, Context, How, Owasp, ProofItem, Scope, Settings, Severity, Verdict,
};
pub use finding::{
    EXCERPT_CAP, Finding, FindingSet, OperationRef, RecordedFailure, RecordedRequest,
    RecordedResponse, fingerprint,
};
pub use judge::Judge;
pub use registry::{CHECKS, UnknownCheck, find, select};
