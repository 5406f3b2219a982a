//! [`Shared`]: the state every worker of a scan shares.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize};

use super::event::Observer;
use super::health::Health;
use super::options::ScanOptions;
use super::pool::Pool;
use super::rate::{Pause, RateLimiter};
use super::relogin::Signers;
use super::stop::Stop;
use crate::checks::active::Bases;
use crate::checks::{FindingSet, Judge};
use crate::generate::{Case, Payloads};
use crate::http::{Client, Failure};
use crate::model::Api;
use crate::probes::{Plan, Probe};

/// The case behind a finding's first occurrence, kept for shrinking.
pub(crate) struct Witness {
    pub(crate) finding: usize,
    pub(crate) probe: Probe,
    pub(crate) case: Case,
}

/// What every worker of a scan shares: the API, the client, the checks,
/// the options, the plan and its cursor, the counters, the pacing, the
/// findings.
pub(crate) struct Shared {
    pub(crate) api: Arc<Api>,
    pub(crate) payloads: Arc<Payloads>,
    pub(crate) client: Client,
    pub(crate) judge: Arc<Judge>,
    pub(crate) options: ScanOptions,
    pub(crate) observer: Arc<dyn Observer>,
    pub(crate) stop: Stop,
    pub(super) probes: Plan,
    pub(super) next: AtomicUsize,
    pub(super) started: Vec<AtomicBool>,
    pub(crate) requests: AtomicU64,
    pub(super) responses: AtomicU64,
    pub(super) failures: AtomicU64,
    pub(super) skipped: AtomicU64,
    pub(super) connect_streak: AtomicU64,
    /// Crash-kind failures that did not happen again when their request
    /// was sent once more (confirm.rs).
    pub(super) crashes_not_reproduced: AtomicU64,
    /// Some exchange reached the target: a response, or a failure the
    /// server caused (`send::reaches`).
    pub(super) reached: AtomicBool,
    /// The first failure that did not reach the target, for the reason of
    /// a scan that never did.
    pub(super) first_unreached: Mutex<Option<Failure>>,
    pub(super) rate: Option<RateLimiter>,
    pub(super) pause: Pause,
    pub(crate) findings: Mutex<FindingSet>,
    pub(crate) witnesses: Mutex<Vec<Witness>>,
    pub(crate) signers: Signers,
    pub(crate) pool: Pool,
    /// The health monitor: stalls, the health request, what is in flight.
    pub(crate) health: Health,
    /// Per operation, a few cases the target answered with 2xx (candidate
    /// bases for the active sessions) and each operation's settled base.
    pub(crate) bases: Bases,
}
