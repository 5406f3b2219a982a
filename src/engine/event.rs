//! What a scan reports as it runs: the terminal UI, reports and tests all
//! subscribe to the same events.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::checks::Finding;
use crate::http::Exchange;
use crate::model::Operation;
use crate::probes::ProbeKind;

/// Why a scan ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", content = "detail", rename_all = "snake_case")]
pub enum StopReason {
    /// Every planned probe was sent.
    Completed,
    /// `--max-requests` was reached.
    RequestBudget,
    /// `--max-time` was reached.
    TimeBudget,
    /// The user interrupted it (Ctrl-C).
    Interrupted,
    /// The target could not be reached at all.
    Unreachable(String),
    /// The target stopped answering part-way.
    TargetLost(String),
}

impl StopReason {
    /// Whether the target was at fault (exit code 3).
    pub fn is_target_error(&self) -> bool {
        matches!(self, StopReason::Unreachable(_) | StopReason::TargetLost(_))
    }
}

/// Counters of a scan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Operations covered by the plan.
    pub operations: usize,
    /// Probes planned.
    pub planned: usize,
    /// Requests sent (retries after 429 included).
    pub requests: u64,
    /// Exchanges that got a response.
    pub responses: u64,
    /// Exchanges that failed (reset, timeout, ...).
    pub failures: u64,
    /// Probes that had no case for their operation or could not be sent.
    pub skipped: u64,
    /// Requests sent while shrinking findings.
    pub shrink_requests: u64,
    /// Requests sent by active probes (their phase follows the plan's probes).
    #[serde(default)]
    pub active_requests: u64,
    /// Requests sent to delete what the probes created (not counted in `requests`).
    #[serde(default)]
    pub cleanup_requests: u64,
    /// Sign-ins made again after a 401 (an expired token), not counted in `requests`.
    #[serde(default)]
    pub relogins: u64,
    /// Plan requests whose path parameters named live resources (the pool).
    #[serde(default)]
    pub live_ids: u64,
    /// Idle connections dropped because the server had sent a response no
    /// request asked for; the request that would have read it as its
    /// answer went on a fresh connection.
    #[serde(default)]
    pub unrequested_responses: u64,
    /// Requests sent again on a fresh connection because a kept-alive one
    /// failed before any byte of the answer (the server had closed it);
    /// not counted in `requests`.
    #[serde(default)]
    pub resent_on_fresh_connection: u64,
    /// Connection failures (a reset, a close, bytes that were not HTTP)
    /// that did not happen again when the same request was sent once more:
    /// not reported as `crash`.
    #[serde(default)]
    pub crashes_not_reproduced: u64,
    /// Health requests sent to tell a stalled target (not counted in `requests`).
    #[serde(default)]
    pub health_requests: u64,
    /// Times the target stopped answering and the scan waited for it.
    #[serde(default)]
    pub stalls: u64,
    /// Wall time of the scan, in milliseconds.
    pub elapsed_ms: u64,
}

impl Stats {
    /// Requests a second over the scan's wall time.
    pub fn rate(&self) -> f64 {
        let secs = Duration::from_millis(self.elapsed_ms).as_secs_f64();
        if secs > 0.0 {
            self.requests as f64 / secs
        } else {
            0.0
        }
    }
}

/// One thing that happened during a scan.
#[derive(Debug)]
pub enum Event<'a> {
    /// The scan begins.
    Started {
        /// Operations covered.
        operations: usize,
        /// Probes planned.
        probes: usize,
        /// The target.
        base_url: &'a str,
        /// The seed of every generated value.
        seed: u64,
    },
    /// The first probe of an operation is being sent.
    OperationStarted {
        /// The operation.
        operation: &'a Operation,
    },
    /// A request went out and something came back.
    Exchange {
        /// The operation.
        operation: &'a Operation,
        /// What the probe tried.
        probe: &'a ProbeKind,
        /// The request and its outcome.
        exchange: &'a Exchange,
    },
    /// A new finding (its first occurrence).
    Finding(&'a Finding),
    /// Something the scan could not do, which the user should hear of: it
    /// goes on without it (e.g. the SSRF callback listener could not bind, so
    /// the ssrf check is skipped).
    Warning {
        /// What happened and what it means for the scan.
        message: &'a str,
    },
    /// The target answered 429 and every worker now waits before sending
    /// again (a stop ends the wait at once).
    Paused {
        /// How long from now (the target's `Retry-After`, or a backoff,
        /// at most a minute).
        wait: std::time::Duration,
    },
    /// The target stopped answering: a request timed out or found no
    /// connection and the health request (one the target had answered
    /// quickly) was not answered either. Every worker waits; this comes
    /// when the stall is noticed and again after each health request that
    /// fails (src/engine/health.rs).
    Stalled {
        /// Since when the target has not answered (from when the request
        /// it stalled on went out).
        since: Duration,
        /// That request, e.g. `POST /users (boundary)`.
        last_request: &'a str,
    },
    /// The target answers again after a stall: the scan goes on.
    Recovered {
        /// How long it did not answer.
        after: Duration,
    },
    /// Findings are being shrunk (after the probes).
    Shrinking {
        /// How many findings.
        findings: usize,
    },
    /// The scan ended.
    Finished {
        /// Its counters.
        stats: &'a Stats,
        /// Why it ended.
        reason: &'a StopReason,
    },
}

/// A consumer of scan events. Called from the scan's worker tasks, so it must
/// be quick and must not block.
pub trait Observer: Send + Sync {
    /// Handles one event.
    fn on_event(&self, event: &Event<'_>);
}

/// An observer that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Observer for Silent {
    fn on_event(&self, _event: &Event<'_>) {}
}
