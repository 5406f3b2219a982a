//! [`ActiveProbe`]: what an active check does (when it applies, what it
//! runs), and the [`Stage`] it runs in.

use futures_util::future::BoxFuture;

use super::session::Session;
use crate::model::{Api, Operation};
use crate::probes::Profile;

/// The body of an active probe: sends what it needs through the session
/// and reports what it proves.
pub type Run = for<'s, 'a> fn(&'s mut Session<'a>) -> BoxFuture<'s, ()>;

/// When an active probe runs on an operation, relative to the others:
/// injection first, then authentication, then the stateful sequences (which
/// create, share and delete resources).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// Payloads in the operation's own values.
    Injection,
    /// Credentials: none, forged, guessed, in bursts.
    Authentication,
    /// Sequences over resources, and identities acting on each other's.
    Stateful,
}

/// What an active check does.
#[derive(Debug, Clone, Copy)]
pub struct ActiveProbe {
    /// When it runs on an operation.
    pub stage: Stage,
    /// Whether it has anything to try on an operation under a profile
    /// (cheap: no request is sent).
    pub applies: fn(&Api, &Operation, Profile) -> bool,
    /// What it does.
    pub run: Run,
}
