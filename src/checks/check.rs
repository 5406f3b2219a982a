//! What a check is: a named judgement over one exchange, with a severity.

use std::cell::OnceCell;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::leaks::{Leak, LeakMatcher};
use super::validators::Validators;
use crate::engine::Exchange;
use crate::generate::Case;
use crate::model::{Api, Operation};
use crate::probes::ProbeKind;

/// How bad a finding is.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; never fails a scan by default.
    Info,
    /// A deviation from the spec or a minor disclosure.
    Low,
    /// A robustness or validation flaw, or a disclosure that helps attackers.
    Medium,
    /// A flaw with direct security impact.
    High,
    /// A flaw that gives an attacker data or control outright.
    Critical,
}

impl Severity {
    /// The severity's name, in lower case.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// A check: one named judgement over exchanges.
#[derive(Debug)]
pub struct Check {
    /// The name users select it by (e.g. `not_a_server_error`).
    pub name: &'static str,
    /// The severity of its findings.
    pub severity: Severity,
    /// The CWE id its findings carry, for security checks.
    pub cwe: Option<u32>,
    /// One sentence on what it looks for.
    pub summary: &'static str,
    /// Whether its findings belong to one operation or to the whole target.
    pub scope: Scope,
    /// The judgement: pushes one verdict per distinct problem it sees.
    pub(crate) judge: fn(&Context<'_>, &mut Vec<Verdict>),
}

/// What a check's findings are about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One operation: the same problem on two operations is two findings.
    Operation,
    /// The whole target (e.g. a server banner on every response): one
    /// finding however many operations show it.
    Target,
}

/// What a check found in one exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// A one-line title, e.g. `500 Internal Server Error`.
    pub title: String,
    /// The evidence: the matched text or the rule broken.
    pub evidence: String,
    /// What makes this problem distinct from others of the same check on the
    /// same operation (a status code, a leak kind, a schema keyword path).
    /// Built from the problem, never from random values, so it stays the
    /// same across runs and seeds.
    pub signature: String,
}

/// Limits some checks judge against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Responses slower than this are findings of `max_response_time`.
    pub max_response_time: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_response_time: Duration::from_millis(1000),
        }
    }
}

/// Everything a check may look at for one exchange.
pub struct Context<'a> {
    /// The API.
    pub api: &'a Api,
    /// The operation the probe was for.
    pub operation: &'a Operation,
    /// What the probe tried.
    pub probe: &'a ProbeKind,
    /// The case (values, violation or attack) behind the request.
    pub case: &'a Case,
    /// The request and what came back.
    pub exchange: &'a Exchange,
    /// The limits.
    pub settings: &'a Settings,
    pub(crate) validators: &'a Validators,
    pub(crate) matcher: Option<&'a LeakMatcher>,
    leaks: OnceCell<Vec<Leak>>,
}

impl<'a> Context<'a> {
    /// A context for judging `exchange`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        api: &'a Api,
        operation: &'a Operation,
        probe: &'a ProbeKind,
        case: &'a Case,
        exchange: &'a Exchange,
        settings: &'a Settings,
        validators: &'a Validators,
        matcher: Option<&'a LeakMatcher>,
    ) -> Self {
        Context {
            api,
            operation,
            probe,
            case,
            exchange,
            settings,
            validators,
            matcher,
            leaks: OnceCell::new(),
        }
    }

    /// The leaks in the response body, found once however many checks ask.
    pub fn leaks(&self) -> &[Leak] {
        self.leaks
            .get_or_init(|| match (self.matcher, self.exchange.response()) {
                (Some(m), Some(r)) if !r.body.is_empty() => m.find(&r.text()),
                _ => Vec::new(),
            })
    }
}
