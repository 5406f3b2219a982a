//! The scan's one sending path: budgets, the rate limit, 429 pauses and
//! retries, signing in again after a 401, and what each exchange tells
//! about the target (reached, unreachable, lost; a stall, watched by the
//! health monitor, src/engine/health.rs).

use std::borrow::Cow;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

use super::event::{Event, StopReason};
use super::health::{After, Origin, RESENDS, counts};
use super::rate::retry_after;
use super::shared::Shared;
use crate::http::{Exchange, FailureKind, Outcome, Request, join_url};
use crate::identity::{Credential, apply_credentials};

/// The longest a 429 pause may last.
const MAX_PAUSE: Duration = Duration::from_secs(60);
/// Connection failures in a row, with no response ever, that make a target unreachable.
const UNREACHABLE_AFTER: u64 = 3;
/// Connection failures in a row that mean the target has gone away.
const LOST_AFTER: u64 = 25;

/// Whether a failure shows the target was there: it accepted the
/// connection and then reset it, closed it, sent bytes that were not HTTP,
/// or kept it open without an answer. A connection refused, a TLS
/// handshake that failed, redirects that could not be followed and a
/// request refused before it was sent reached no HTTP server.
fn reaches(kind: FailureKind) -> bool {
    kind.is_crash() || kind == FailureKind::Timeout
}

/// `request` with the extra headers configured for operation `operation`
/// (borrowed as it is when there are none, or when the request is for
/// another path: discovery's undocumented paths are no operation's).
pub(crate) fn with_operation_headers<'r>(
    shared: &Shared,
    operation: usize,
    request: &'r Request,
) -> Cow<'r, Request> {
    let on_path = shared
        .api
        .operations
        .get(operation)
        .is_some_and(|op| on_template(&op.path, &request.path));
    match shared
        .options
        .operation_headers
        .iter()
        .find(|(i, _)| *i == operation && on_path)
    {
        Some((_, extra)) => {
            let mut request = request.clone();
            apply_credentials(extra, &mut request);
            Cow::Owned(request)
        }
        None => Cow::Borrowed(request),
    }
}

/// Whether `path` (filled in) is an instance of the path `template` (a
/// segment with a `{param}` matches any one segment).
fn on_template(template: &str, path: &str) -> bool {
    let t = template.trim_matches('/').split('/');
    let p = path.trim_matches('/').split('/');
    t.clone().count() == p.clone().count() && t.zip(p).all(|(t, p)| t == p || t.contains('{'))
}

/// Sends one request with the scan's credentials, within the budgets and the
/// pace, sending it again after a 429. `None` when the scan is stopping.
pub(crate) async fn send(shared: &Shared, request: &Request) -> Option<Exchange> {
    send_with(
        shared,
        request,
        &shared.options.credentials,
        shared.options.retries_on_429,
    )
    .await
}

/// [`send`] with these credentials instead of the scan's, sent again at
/// most `retries_on_429` times after a 429 (0: the 429 is the answer).
pub(crate) async fn send_with(
    shared: &Shared,
    request: &Request,
    credentials: &[Credential],
    retries_on_429: u32,
) -> Option<Exchange> {
    send_from(shared, request, credentials, retries_on_429, None)
        .await
        .map(|s| s.exchange)
}

/// A request's exchange, from [`send_from`].
pub(crate) struct Sent {
    /// The request as sent and what came back.
    pub(crate) exchange: Exchange,
    /// False when the target stalled on this request, or its probe kind
    /// was left out after a stall (health.rs): the exchange is recorded
    /// (an event), not judged.
    pub(crate) judged: bool,
}

/// Hands an exchange that is sent again (after a 429 or a sign-in) to the
/// observer: it went out and counts as a request, so the reports list it
/// like the exchange that replaces it.
fn superseded(shared: &Shared, origin: Option<Origin<'_>>, exchange: &Exchange) {
    let Some(origin) = origin else { return };
    if let Some(operation) = shared.api.operations.get(origin.operation) {
        shared.observer.on_event(&Event::Exchange {
            operation,
            probe: origin.kind,
            exchange,
        });
    }
}

/// [`send_with`] for a request of `origin` (its operation and probe): the
/// health monitor names them when the target stalls on it. A request a
/// stall failed is sent again once the target answers again.
pub(crate) async fn send_from(
    shared: &Shared,
    request: &Request,
    credentials: &[Credential],
    retries_on_429: u32,
    origin: Option<Origin<'_>>,
) -> Option<Sent> {
    let mut request = request.clone();
    // a login's older credential goes out as its current one (relogin.rs)
    let mut credentials = shared.signers.current(credentials);
    // a login's password stays its own (keep.rs)
    let own = shared
        .options
        .account
        .as_ref()
        .map(|a| (a, &shared.options.credentials[..]));
    shared.signers.keep(&credentials, own, &mut request);
    apply_credentials(&credentials, &mut request);
    let mut url = join_url(&shared.options.base_url, &request);
    let mut attempt = 0;
    let mut signed_in_again = false;
    let mut resent = 0;
    loop {
        if let Some(max) = shared.options.max_requests
            && shared.requests.load(Ordering::Relaxed) >= max
        {
            shared.stop.request(StopReason::RequestBudget);
            return None;
        }
        // a stop ends a 429 pause or a wait for the rate limit at once
        tokio::select! {
            _ = shared.pause.wait() => {}
            _ = shared.stop.wait() => return None,
        }
        // a stalled target: no request goes out until it answers again
        if !shared.health.ready(shared).await {
            return None;
        }
        if let Some(rate) = &shared.rate {
            tokio::select! {
                _ = rate.acquire() => {}
                _ = shared.stop.wait() => return None,
            }
        }
        if shared.stop.is_set() {
            return None;
        }
        shared.requests.fetch_add(1, Ordering::Relaxed);
        let aboard = shared.health.depart(origin, &request);
        // the request and its URL go into the exchange, not copied: a
        // resend takes them back from there
        let exchange = tokio::select! {
            exchange = shared.client.send(url, request) => exchange,
            _ = shared.stop.wait() => return None,
        };
        let flight = aboard.land();
        match &exchange.outcome {
            Outcome::Response(r) => {
                shared.responses.fetch_add(1, Ordering::Relaxed);
                // each written only when it changes: a store on every
                // response would bounce the cache line between the workers
                if shared.connect_streak.load(Ordering::Relaxed) != 0 {
                    shared.connect_streak.store(0, Ordering::Relaxed);
                }
                if !shared.reached.load(Ordering::Relaxed) {
                    shared.reached.store(true, Ordering::Relaxed);
                }
                shared
                    .health
                    .answered(&exchange, origin, shared.client.options().timeout);
                if r.status == 429 && attempt < retries_on_429 {
                    let wait = r
                        .header("retry-after")
                        .and_then(|v| retry_after(v, SystemTime::now()))
                        .unwrap_or(Duration::from_secs(1 << attempt))
                        .min(MAX_PAUSE);
                    if shared.pause.extend(Instant::now() + wait) {
                        shared.observer.on_event(&Event::Paused { wait });
                    }
                    attempt += 1;
                    superseded(shared, origin, &exchange);
                    (url, request) = (exchange.request.url, exchange.request.request);
                    continue;
                }
                if signed_in_again {
                    shared.signers.resent(&credentials, r.status != 401);
                } else if r.status == 401
                    && let Some((old, new)) = shared
                        .signers
                        .refresh(shared, &exchange.request.request, &credentials)
                        .await
                {
                    // sent once more, with the login's fresh credential (the
                    // request itself went into the exchange: take it back)
                    signed_in_again = true;
                    superseded(shared, origin, &exchange);
                    request = exchange.request.request;
                    let mut fresh = credentials.into_owned();
                    fresh.retain(|c| *c != old);
                    fresh.push(new);
                    apply_credentials(&fresh, &mut request);
                    url = join_url(&shared.options.base_url, &request);
                    credentials = std::borrow::Cow::Owned(fresh);
                    continue;
                }
            }
            Outcome::Failed(f) => {
                shared.failures.fetch_add(1, Ordering::Relaxed);
                if reaches(f.kind) {
                    shared.reached.store(true, Ordering::Relaxed);
                } else if !shared.reached.load(Ordering::Relaxed)
                    && let Ok(mut first) = shared.first_unreached.lock()
                    && first.is_none()
                {
                    *first = Some(f.clone());
                }
                if f.kind == FailureKind::Connect {
                    let streak = shared.connect_streak.fetch_add(1, Ordering::Relaxed) + 1;
                    let never = shared.responses.load(Ordering::Relaxed) == 0;
                    if never && streak >= UNREACHABLE_AFTER {
                        shared.stop.request(StopReason::Unreachable(format!(
                            "{}: {}",
                            shared.options.base_url, f.message
                        )));
                    } else if streak >= LOST_AFTER {
                        shared.stop.request(StopReason::TargetLost(format!(
                            "{} stopped accepting connections: {}",
                            shared.options.base_url, f.message
                        )));
                    }
                } else {
                    shared.connect_streak.store(0, Ordering::Relaxed);
                }
                if counts(f.kind)
                    && let Some(flight) = flight
                {
                    match shared.health.failed(shared, flight, &exchange).await {
                        After::Judge => {}
                        After::Resend if resent < RESENDS => {
                            resent += 1;
                            (url, request) = (exchange.request.url, exchange.request.request);
                            continue;
                        }
                        After::Resend => {}
                        After::Spared => {
                            return Some(Sent {
                                exchange,
                                judged: false,
                            });
                        }
                        After::Stopping => return None,
                    }
                }
            }
        }
        return Some(Sent {
            exchange,
            judged: true,
        });
    }
}
