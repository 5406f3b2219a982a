//! Crashes that reproduce: a connection dropped without an answer (a
//! reset, a close, bytes that were not HTTP) is reported as `crash` only
//! when the same request, sent once more, fails that way again. A server
//! that dropped one connection for a reason of its own (a restart, a
//! worker recycled, a close that crossed the request) is not reported; the
//! second exchange is judged instead, so that an input answered with a 500
//! the second time is reported as what it is.
//!
//! The client already sends a request again on a fresh connection when a
//! kept-alive one failed before any byte of the answer
//! (`Client::resent_on_fresh_connection`): the failure confirmed here is
//! one on a fresh connection.

use std::sync::atomic::Ordering;

use super::event::Event;
use super::health::Origin;
use super::send::{Sent, send_from};
use super::shared::Shared;
use crate::checks::{Check, ProofItem, Scope, Verdict, fingerprint};
use crate::generate::Case;
use crate::http::{Exchange, Outcome, Request};
use crate::identity::Credential;
use crate::model::Operation;

/// The name of the check whose verdicts must reproduce.
const CRASH: &str = "crash";

/// What the crash check reports in an exchange: a failure of a crash kind
/// ([`crate::http::FailureKind::is_crash`]), or a status outside 100-599.
pub(crate) fn crashed(exchange: &Exchange) -> bool {
    match &exchange.outcome {
        Outcome::Failed(f) => f.kind.is_crash(),
        Outcome::Response(r) => !(100..=599).contains(&r.status),
    }
}

/// For shrinking (shrink.rs), whose candidates are judged alone: false
/// when `exchange` crashed and `request`, sent once more, does not crash
/// again; true for any other exchange. `None` when the scan stops.
pub(crate) async fn again(shared: &Shared, request: &Request, exchange: &Exchange) -> Option<bool> {
    if !crashed(exchange) {
        return Some(true);
    }
    let second = super::send::send(shared, request).await?;
    Some(crashed(&second))
}

/// What the exchange showed, in a word, for the proof: the failure's kind
/// or the status.
fn shown(exchange: &Exchange) -> String {
    match &exchange.outcome {
        Outcome::Failed(f) => f.kind.as_str().to_owned(),
        Outcome::Response(r) => format!("status {}", r.status),
    }
}

/// Whether the scan runs the crash check (no request is repeated for a
/// check that is off).
fn crash_checked(shared: &Shared) -> bool {
    shared.judge.checks().iter().any(|c| c.name == CRASH)
}

/// The second try of a request whose first one crashed.
pub(crate) enum Repeat {
    /// It crashed again: the first exchange stands. Holds what the second
    /// showed.
    Reproduced(String),
    /// It did not: this exchange stands instead (already announced as an
    /// event), and the crash is not reported.
    Instead(Box<Sent>),
    /// The scan is stopping.
    Stopping,
}

/// Sends `request` (before credentials, as [`send_from`] takes it) once
/// more after its exchange crashed, and says whether it crashed again.
pub(crate) async fn repeat(
    shared: &Shared,
    operation: &Operation,
    request: &Request,
    credentials: &[Credential],
    origin: Origin<'_>,
) -> Repeat {
    let Some(sent) = send_from(shared, request, credentials, 0, Some(origin)).await else {
        return Repeat::Stopping;
    };
    shared.observer.on_event(&Event::Exchange {
        operation,
        probe: origin.kind,
        exchange: &sent.exchange,
    });
    if sent.judged && crashed(&sent.exchange) {
        Repeat::Reproduced(shown(&sent.exchange))
    } else {
        shared
            .crashes_not_reproduced
            .fetch_add(1, Ordering::Relaxed);
        Repeat::Instead(Box::new(sent))
    }
}

/// Whether `verdicts` hold a crash not reported yet on `operation`: one
/// whose finding must reproduce before it is made. A crash already
/// reported (it reproduced once) only counts one more occurrence.
fn new_crash(
    shared: &Shared,
    operation: &Operation,
    verdicts: &[(&'static Check, Verdict)],
) -> bool {
    // most exchanges: no crash, and no lock taken
    if !verdicts.iter().any(|(check, _)| check.name == CRASH) {
        return false;
    }
    let findings = match shared.findings.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    };
    verdicts.iter().any(|(check, verdict)| {
        let subject = match check.scope {
            Scope::Operation => operation.id.as_str(),
            Scope::Target => "",
        };
        check.name == CRASH
            && !findings.contains(&fingerprint(subject, check.name, &verdict.signature))
    })
}

/// Adds to each crash verdict what the second try showed.
fn note_reproduced(verdicts: &mut [(&'static Check, Verdict)], again: &str) {
    for (check, verdict) in verdicts {
        if check.name == CRASH {
            verdict.proof.push(ProofItem::new("sent_again", again));
        }
    }
}

/// For a port's send (the active phase, which judges later): the exchange
/// the session gets for a request whose exchange may have crashed. A
/// crash stands only when the request, sent once more, crashes again;
/// otherwise the session gets the second exchange (`None` when the scan
/// stops or the target stalled on it).
pub(crate) async fn settled(
    shared: &Shared,
    operation: &Operation,
    request: &Request,
    credentials: &[Credential],
    origin: Origin<'_>,
    exchange: Exchange,
) -> Option<Exchange> {
    if !crashed(&exchange) || !crash_checked(shared) {
        return Some(exchange);
    }
    match repeat(shared, operation, request, credentials, origin).await {
        Repeat::Reproduced(_) => Some(exchange),
        Repeat::Instead(sent) => sent.judged.then_some(sent.exchange),
        Repeat::Stopping => None,
    }
}

/// A plan exchange's verdicts, a new crash among them only once it
/// reproduced: when the judge finds one, `request` is sent once more and,
/// unless it crashes again, the second exchange is judged instead. `None`
/// when the scan stops or the target stalled on the second try.
pub(crate) async fn judged(
    shared: &Shared,
    operation: &Operation,
    case: &Case,
    request: &Request,
    origin: Origin<'_>,
    exchange: Exchange,
) -> Option<(Exchange, Vec<(&'static Check, Verdict)>)> {
    let judge = |exchange: &Exchange| {
        shared
            .judge
            .judge(&shared.api, operation, origin.kind, case, exchange)
    };
    let mut verdicts = judge(&exchange);
    if !new_crash(shared, operation, &verdicts) {
        return Some((exchange, verdicts));
    }
    let credentials = &shared.options.credentials;
    match repeat(shared, operation, request, credentials, origin).await {
        Repeat::Reproduced(again) => {
            note_reproduced(&mut verdicts, &again);
            Some((exchange, verdicts))
        }
        Repeat::Instead(sent) if sent.judged => {
            let verdicts = judge(&sent.exchange);
            Some((sent.exchange, verdicts))
        }
        Repeat::Instead(_) | Repeat::Stopping => None,
    }
}
