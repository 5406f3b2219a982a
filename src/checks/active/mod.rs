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
//! - `sign_ins`: fresh sign-ins as the scan's account (token_not_revoked, jwt_alg_confusion).
//! - `shelf`: what a check works out once per scan and its sessions share.
//! - `guessable`: operations that check a guessable secret (for `brute_force`).
//! - `volatile`: answers normalised (sent values, ids, timestamps, numbers out) for comparing failures.
//! - `enforcement`: what each identity gets per method of one path (for `bfla`).
//! - `user_objects`: identities as the objects of other identities' writes (for `bola`).
//! - `stored_reads`: the reads `stored_xss` searches after a write, and what each shows.
//! - `claim_headers`: the privilege-claiming headers `header_privilege` sends.
//! - `whoami`: each identity's "who am I" operation and the privileges it shows.
//! - `privilege_values`: the API's own vocabulary for privilege fields (what probes write there).
//! - `readback`: privileges read back after a write (for `privilege_escalation`).
//! - `minter`, `forged_port`: tokens the target accepts, made for other subjects, and
//!   the scan as a probe run with one sees it (for `token_chain`).
//! - one file per check, with its entry (`CHECK`), its payloads and its judgement.
//!
//! To add a probe: write `fn applies(&Api, &Operation, Profile) -> bool`,
//! `fn run(&mut Session) -> BoxFuture<()>` and a `CHECK` constant with
//! `how: How::Probe(..)` in a new file, and list the constant in `CHECKS`.

mod account_cleanup;
mod afterlife;
mod bases;
pub(super) mod bfla;
pub(super) mod bola;
pub(super) mod brute_force;
mod candidates;
mod claim_headers;
pub(super) mod command;
mod compare;
pub(super) mod cors;
mod credentials;
mod cross;
mod enforcement;
pub(super) mod escalation;
mod forged_port;
mod guessable;
pub(super) mod header_privilege;
mod html_context;
pub(super) mod ignored_auth;
pub(super) mod jwt_confusion;
pub(super) mod jwt_forgery;
pub(super) mod lifecycle;
pub(super) mod mass_assignment;
mod minter;
pub(super) mod nosql;
mod origins;
mod ownership;
mod port;
mod privilege_values;
mod probe;
mod producers;
mod readback;
mod redos;
pub(super) mod resource;
mod sequence;
mod session;
mod shelf;
mod sign_ins;
mod soft404;
pub(super) mod sqli;
pub(super) mod ssrf;
mod stored_reads;
pub(super) mod stored_xss;
pub(super) mod template;
mod timing;
pub(super) mod token_chain;
pub(super) mod token_revocation;
pub(super) mod traversal;
pub(super) mod undocumented;
pub(super) mod user_enumeration;
mod user_objects;
mod volatile;
pub mod whoami;
pub(super) mod xss;

pub use bases::{ACCEPTED_PER_OPERATION, Bases};
pub use candidates::words_of;
pub use port::Port;
pub use probe::{ActiveProbe, Run, Stage};
pub(crate) use sequence::id_from;
pub(crate) use session::base_case;
pub use session::{Identity, Session, ValueSlot};
pub use shelf::Shelf;
