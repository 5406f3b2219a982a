//! The scan: plan, realise, send, judge, collect, over the HTTP client,
//! with pacing, budgets and the active phase.
//!
//! - `rate`: the shared rate limit and 429 pauses.
//! - `stop`: [`Stop`], the shared stop signal (Ctrl-C, budgets, a lost target).
//! - `event`: [`Event`]s and their [`Observer`]s; [`Stats`] and [`StopReason`].
//! - `options`: [`ScanOptions`], how a scan runs.
//! - `scan`: [`Scan`], the phases (pool, plan, active, shrink, cleanup) and the plan's workers: realise, send, judge, collect.
//! - `send`: the one sending path: budgets, pacing, 429 retries, signing in again, reachability.
//! - `shared`: the state every worker shares.
//! - `confirm`: a crash is reported only when its request, sent once more, crashes again.
//! - `shrink`: smaller requests that still show each finding.
//! - `health`: the health monitor: a target that stops answering is named, waited for, or lost.
//! - `relogin`: signing in again, once for many, when a signed-in request gets 401.
//! - `keep`: a login's password stays its own; the warning when one can no longer sign in.
//! - `pool`: live resources created before the plan, whose ids fill plan probes' path parameters.
//! - `active`: the active phase: a session per operation and active check, on this scan as its port.
//! - `wipe`: the destructive phase: resets and wipes, each sent once, alone, after every other probe.
//! - `cleanup`: deleting what the probes created, when the scan ends.

mod active;
mod cleanup;
mod confirm;
mod event;
mod health;
mod keep;
mod options;
mod pool;
mod rate;
mod relogin;
mod scan;
mod send;
mod shared;
mod shrink;
mod stop;
mod wipe;

pub use event::{Event, Observer, Silent, Stats, StopReason};
pub use options::ScanOptions;
pub use rate::retry_after;
pub use scan::{Scan, ScanResult};
pub use stop::Stop;
