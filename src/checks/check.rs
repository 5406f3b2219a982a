//! What a check is: a named judgement over one exchange, with a severity.

use std::cell::OnceCell;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::active::ActiveProbe;
use super::leaks::{Leak, LeakMatcher};
use super::memo::{BodyKey, Memo};
use super::validators::Validators;
use crate::generate::Case;
use crate::http::Exchange;
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
    /// The OWASP API Security Top 10 (2023) category, for security checks.
    pub owasp: Option<Owasp>,
    /// One sentence on what it looks for.
    pub summary: &'static str,
    /// Whether its findings belong to one operation or to the whole target.
    pub scope: Scope,
    /// How it finds problems: judging each exchange, or probing.
    pub how: How,
}

/// How a check finds problems.
#[derive(Debug, Clone, Copy)]
pub enum How {
    /// It judges every exchange of the scan: pushes one verdict per
    /// distinct problem it sees.
    Judge(fn(&Context<'_>, &mut Vec<Verdict>)),
    /// It sends requests of its own, in the scan's active phase.
    Probe(ActiveProbe),
}

impl Check {
    /// Its active probe, when it is an active check.
    pub fn probe(&self) -> Option<&ActiveProbe> {
        match &self.how {
            How::Probe(p) => Some(p),
            How::Judge(_) => None,
        }
    }
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

/// The OWASP API Security Top 10 (2023) categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Owasp {
    /// API1:2023 Broken Object Level Authorization.
    #[serde(rename = "API1:2023")]
    Api1,
    /// API2:2023 Broken Authentication.
    #[serde(rename = "API2:2023")]
    Api2,
    /// API3:2023 Broken Object Property Level Authorization.
    #[serde(rename = "API3:2023")]
    Api3,
    /// API4:2023 Unrestricted Resource Consumption.
    #[serde(rename = "API4:2023")]
    Api4,
    /// API5:2023 Broken Function Level Authorization.
    #[serde(rename = "API5:2023")]
    Api5,
    /// API6:2023 Unrestricted Access to Sensitive Business Flows.
    #[serde(rename = "API6:2023")]
    Api6,
    /// API7:2023 Server Side Request Forgery.
    #[serde(rename = "API7:2023")]
    Api7,
    /// API8:2023 Security Misconfiguration.
    #[serde(rename = "API8:2023")]
    Api8,
    /// API9:2023 Improper Inventory Management.
    #[serde(rename = "API9:2023")]
    Api9,
    /// API10:2023 Unsafe Consumption of APIs.
    #[serde(rename = "API10:2023")]
    Api10,
}

impl Owasp {
    /// The category's id, e.g. `API8:2023`.
    pub fn id(self) -> &'static str {
        match self {
            Owasp::Api1 => "API1:2023",
            Owasp::Api2 => "API2:2023",
            Owasp::Api3 => "API3:2023",
            Owasp::Api4 => "API4:2023",
            Owasp::Api5 => "API5:2023",
            Owasp::Api6 => "API6:2023",
            Owasp::Api7 => "API7:2023",
            Owasp::Api8 => "API8:2023",
            Owasp::Api9 => "API9:2023",
            Owasp::Api10 => "API10:2023",
        }
    }

    /// The category's name, e.g. `Security Misconfiguration`.
    pub fn name(self) -> &'static str {
        match self {
            Owasp::Api1 => "Broken Object Level Authorization",
            Owasp::Api2 => "Broken Authentication",
            Owasp::Api3 => "Broken Object Property Level Authorization",
            Owasp::Api4 => "Unrestricted Resource Consumption",
            Owasp::Api5 => "Broken Function Level Authorization",
            Owasp::Api6 => "Unrestricted Access to Sensitive Business Flows",
            Owasp::Api7 => "Server Side Request Forgery",
            Owasp::Api8 => "Security Misconfiguration",
            Owasp::Api9 => "Improper Inventory Management",
            Owasp::Api10 => "Unsafe Consumption of APIs",
        }
    }
}

/// How sure a finding is.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// The response suggests the flaw; a person should confirm it.
    Likely,
    /// An oracle proved it (a canary came back, a delay repeated, a
    /// differential held), or the deviation is plain in the exchange itself.
    #[default]
    Confirmed,
}

/// One named piece of a finding's proof: the payload, the canary, the
/// timings, a second identity's request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofItem {
    /// What it is, e.g. `payload`, `canary`, `baseline_ms`.
    pub name: String,
    /// Its value, as text.
    pub value: String,
}

impl ProofItem {
    /// A proof item named `name` with `value`.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> ProofItem {
        ProofItem {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// What a check found in one exchange.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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
    /// How sure it is (confirmed unless the check says otherwise).
    pub confidence: Confidence,
    /// The proof beyond the exchange itself (payload, canary, timings).
    pub proof: Vec<ProofItem>,
}

/// Limits some checks judge against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Responses slower than this are findings of `max_response_time`.
    pub max_response_time: Duration,
    /// How hard weak_jwt_secret tries to crack a token's secret.
    pub jwt: super::jwt_crack::JwtCracking,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_response_time: Duration::from_millis(1000),
            jwt: super::jwt_crack::JwtCracking::default(),
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
    pub(crate) memo: &'a Memo,
    /// The scan's JWT cracking state (weak_jwt_secret), when the judge has one.
    pub(crate) cracker: Option<&'a super::jwt_crack::Cracker>,
    leaks: OnceCell<Vec<Leak>>,
    body_key: OnceCell<BodyKey>,
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
        memo: &'a Memo,
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
            memo,
            cracker: None,
            leaks: OnceCell::new(),
            body_key: OnceCell::new(),
        }
    }

    /// The leaks in the response body, found once however many checks ask.
    pub fn leaks(&self) -> &[Leak] {
        self.leaks
            .get_or_init(|| match (self.matcher, self.exchange.response()) {
                (Some(m), Some(r)) if !r.body.is_empty() => {
                    // a body that held no leak lately holds none now (memo.rs)
                    if self.memo.leak_free(self.body_key()) {
                        return Vec::new();
                    }
                    let found = m.find(&r.text());
                    if found.is_empty() {
                        self.memo.remember_leak_free(self.body_key());
                    }
                    found
                }
                _ => Vec::new(),
            })
    }

    /// The key of the response body for the judge's memo, computed once.
    pub(crate) fn body_key(&self) -> BodyKey {
        *self.body_key.get_or_init(|| {
            let body = self.exchange.response().map_or(&[][..], |r| &r.body);
            self.memo.key(body)
        })
    }
}
