//! Active probes: what to try when one request cannot prove a flaw. Each
//! probe runs once per operation it applies to, in a
//! [`Session`](crate::engine::Session) of the scan's active phase, sending
//! several requests derived from one valid case (a baseline, a true and a
//! false condition, a repeated delay, a callback) and reporting verdicts of
//! its check (a named entry of [`CHECKS`](crate::checks::CHECKS), so that
//! `--checks` and `--exclude-checks` select it).
//!
//! - `profile`: [`Profile`], how hard the probes push (`--profile`).
//! - `timing`: latency samples and the repeated-delay oracle.
//! - `compare`: whether two responses differ materially.
//! - one file per oracle, its payloads and its judgement.
//!
//! To add a probe: write `fn applies(&Api, &Operation, Profile) -> bool`
//! and `fn run(&mut Session) -> BoxFuture<()>` in a new file, add a check
//! of the same name to the registry (judge: `checks::active_only`), and
//! list the probe in a `PROBES` slice that [`all`] chains.

use futures_util::future::BoxFuture;

use crate::engine::Session;
use crate::model::{Api, Operation};

mod afterlife;
mod bfla;
mod bola;
mod command;
mod compare;
mod cors;
mod credentials;
mod escalation;
mod ignored_auth;
mod jwt_forgery;
mod lifecycle;
mod login_rate_limit;
mod mass_assignment;
mod nosql;
mod profile;
mod resource;
mod sequence;
mod sqli;
mod ssrf;
mod template;
mod timing;
mod traversal;
mod user_enumeration;
mod xss;

pub use profile::Profile;
pub(crate) use sequence::id_from;

/// The body of an active probe: sends what it needs through the session
/// and reports what it proves.
pub type Run = for<'s, 'a> fn(&'s mut Session<'a>) -> BoxFuture<'s, ()>;

/// One active probe.
#[derive(Debug)]
pub struct ActiveProbe {
    /// The name of the check its findings belong to (selection, severity,
    /// CWE and OWASP category come from that check).
    pub check: &'static str,
    /// Whether it has anything to try on an operation under a profile
    /// (cheap: no request is sent).
    pub applies: fn(&Api, &Operation, Profile) -> bool,
    /// What it does.
    pub run: Run,
}

/// The injection probes, in the order they run on an operation.
pub static INJECTION: &[ActiveProbe] = &[
    ActiveProbe {
        check: "reflected_xss",
        applies: xss::applies,
        run: xss::run,
    },
    ActiveProbe {
        check: "sql_injection",
        applies: sqli::applies,
        run: sqli::run,
    },
    ActiveProbe {
        check: "command_injection",
        applies: command::applies,
        run: command::run,
    },
    ActiveProbe {
        check: "path_traversal",
        applies: traversal::applies,
        run: traversal::run,
    },
    ActiveProbe {
        check: "template_injection",
        applies: template::applies,
        run: template::run,
    },
    ActiveProbe {
        check: "nosql_injection",
        applies: nosql::applies,
        run: nosql::run,
    },
    ActiveProbe {
        check: "ssrf",
        applies: ssrf::applies,
        run: ssrf::run,
    },
    ActiveProbe {
        check: "resource_consumption",
        applies: resource::applies,
        run: resource::run,
    },
    ActiveProbe {
        check: "mass_assignment",
        applies: mass_assignment::applies,
        run: mass_assignment::run,
    },
];

/// The authentication probes (CORS with credentials among them), in the
/// order they run on an operation.
pub static AUTH: &[ActiveProbe] = &[
    ActiveProbe {
        check: "ignored_auth",
        applies: ignored_auth::applies,
        run: ignored_auth::run,
    },
    ActiveProbe {
        check: "jwt_forgery",
        applies: jwt_forgery::applies,
        run: jwt_forgery::run,
    },
    ActiveProbe {
        check: "cors_misconfiguration",
        applies: cors::applies,
        run: cors::run,
    },
    ActiveProbe {
        check: "user_enumeration",
        applies: user_enumeration::applies,
        run: user_enumeration::run,
    },
    ActiveProbe {
        check: "login_rate_limit",
        applies: login_rate_limit::applies,
        run: login_rate_limit::run,
    },
];

/// The stateful probes: sequences over resources created for them, and
/// several identities acting on each other's resources.
pub static STATEFUL: &[ActiveProbe] = &[
    ActiveProbe {
        check: "ensure_resource_availability",
        applies: lifecycle::applies_availability,
        run: lifecycle::availability,
    },
    ActiveProbe {
        check: "use_after_free",
        applies: lifecycle::applies_use_after_free,
        run: lifecycle::use_after_free,
    },
    ActiveProbe {
        check: "bola",
        applies: bola::applies,
        run: bola::run,
    },
    ActiveProbe {
        check: "bfla",
        applies: bfla::applies,
        run: bfla::run,
    },
    ActiveProbe {
        check: "privilege_escalation",
        applies: escalation::applies,
        run: escalation::run,
    },
];

/// Every list of active probes.
static LISTS: &[&[ActiveProbe]] = &[INJECTION, AUTH, STATEFUL];

/// Every active probe.
pub fn all() -> impl Iterator<Item = &'static ActiveProbe> {
    LISTS.iter().flat_map(|list| list.iter())
}
