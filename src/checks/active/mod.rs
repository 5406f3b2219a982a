//! Active checks: what to try when one request cannot prove a flaw. Each
//! is an entry of [`CHECKS`](crate::checks::CHECKS) whose
//! [`How::Probe`](crate::checks::How) holds an [`ActiveProbe`]: it runs once
//! per operation it applies to, in a [`Session`], sending several requests
//! derived from one valid case (a baseline, a true and a false condition, a
//! repeated delay, a callback) and reporting verdicts of its check.
//!
//! - `probe`: [`ActiveProbe`], what an active check does, and its [`Stage`].
//! - `port`: [`Port`], what a probe needs from the scan (the engine implements it).
//! - `session`: [`Session`], one probe on one operation; [`Identity`], [`ValueSlot`].
//! - `bases`: [`Bases`], the cases the target accepted and each operation's settled base.
//! - `timing`: latency samples and the repeated-delay oracle.
//! - `compare`: whether two responses differ materially.
//! - `candidates`, `soft404`: discovery's candidate paths and not-found fingerprint.
//! - `origins`: the CORS origins derived from the API's own domains.
//! - `redos`: slow inputs grown a few characters at a time (for `resource_consumption`).
//! - `html_context`: what a reflection builds in an HTML page (tokenized as a browser does).
//! - `sequence`, `afterlife`, `credentials`: steps shared by several probes.
//! - one file per check, with its entry (`CHECK`), its payloads and its judgement.
//!
//! To add a probe: write `fn applies(&Api, &Operation, Profile) -> bool`,
//! `fn run(&mut Session) -> BoxFuture<()>` and a `CHECK` constant with
//! `how: How::Probe(..)` in a new file, and list the constant in `CHECKS`.

mod afterlife;
mod bases;
pub(super) mod bfla;
pub(super) mod bola;
mod candidates;
pub(super) mod command;
mod compare;
pub(super) mod cors;
mod credentials;
pub(super) mod escalation;
mod html_context;
pub(super) mod ignored_auth;
pub(super) mod jwt_forgery;
pub(super) mod lifecycle;
pub(super) mod login_rate_limit;
pub(super) mod mass_assignment;
pub(super) mod nosql;
mod origins;
mod port;
mod probe;
mod redos;
pub(super) mod resource;
mod sequence;
mod session;
mod soft404;
pub(super) mod sqli;
pub(super) mod ssrf;
pub(super) mod template;
mod timing;
pub(super) mod traversal;
pub(super) mod undocumented;
pub(super) mod user_enumeration;
pub mod whoami;
pub(super) mod xss;

pub use bases::{ACCEPTED_PER_OPERATION, Bases};
pub use candidates::words_of;
pub use port::Port;
pub use probe::{ActiveProbe, Run, Stage};
pub(crate) use sequence::id_from;
pub(crate) use session::base_case;
pub use session::{Identity, Session, ValueSlot};
