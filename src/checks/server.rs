//! Checks on how the server held up: 5xx answers, crashes, slowness.

use std::time::Duration;

use serde::Serialize;

use super::check::{Context, Verdict};
use crate::http::{FailureKind, Outcome};

/// How much of a body evidence quotes, in characters.
const BODY_EXCERPT: usize = 200;

/// A status with its reason phrase, e.g. `500 Internal Server Error`; the
/// bare code when it has no registered phrase.
pub(super) fn status_line(status: u16) -> String {
    match http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
    {
        Some(reason) => format!("{status} {reason}"),
        None => status.to_string(),
    }
}

/// The first [`BODY_EXCERPT`] characters of a body (lossy), with an
/// ellipsis when there is more.
pub(super) fn body_excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match text.char_indices().nth(BODY_EXCERPT) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// A value's serialised name (a unit enum variant's `snake_case` name).
pub(super) fn serial_name(value: impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => "unknown".to_owned(),
    }
}

/// The status codes HTTP defines (RFC 9110 15: three digits, 100 to 599).
const VALID_STATUS: std::ops::RangeInclusive<u16> = 100..=599;

/// A 5xx status (a status above 599 is no server error but a protocol
/// violation, which [`crash`] reports).
pub(crate) fn not_a_server_error(ctx: &Context<'_>, out: &mut Vec<Verdict>) {
    let Some(response) = ctx.exchange.response() else {
        return;
    };
    if !(500..=599).contains(&response.status) {
        return;
    }
    let line = status_line(response.status);
    let body = body_excerpt(&response.body);
    let evidence = if body.is_empty() {
        format!("status {line}, empty body")
    } else {
        format!("status {line}; body: {body}")
    };
    out.push(Verdict {
        title: line,
        evidence,
        signature: response.status.to_string(),
        ..Verdict::default()
    });
}

/// The connection reset or closed without a complete response, or bytes
/// that were not HTTP (a status outside 100-599 among them).
pub(crate) fn crash(ctx: &Context<'_>, out: &mut Vec<Verdict>) {
    let failure = match &ctx.exchange.outcome {
        Outcome::Failed(f) => f,
        Outcome::Response(r) => {
            if !VALID_STATUS.contains(&r.status) {
                out.push(Verdict {
                    title: "Response is not valid HTTP".to_owned(),
                    evidence: format!(
                        "status {} is outside 100-599, the range HTTP defines (RFC 9110, section 15)",
                        r.status
                    ),
                    signature: FailureKind::Malformed.as_str().to_owned(),
                    ..Verdict::default()
                });
            }
            return;
        }
    };
    if !failure.kind.is_crash() {
        return;
    }
    let title = match failure.kind {
        FailureKind::Reset => "Connection reset by the server",
        FailureKind::Closed => "Connection closed before a response",
        FailureKind::BodyAborted => "Connection lost while reading the body",
        FailureKind::Malformed => "Response is not valid HTTP",
        _ => "Connection failed",
    };
    out.push(Verdict {
        title: title.to_owned(),
        evidence: failure.message.clone(),
        signature: failure.kind.as_str().to_owned(),
        ..Verdict::default()
    });
}

/// A stall of the whole target. One exchange cannot show it: the engine's
/// health monitor (src/engine/health.rs) makes these findings, when a
/// request times out and the health request after it is not answered
/// either. Judged over one exchange, nothing.
pub(crate) fn denial_of_service(_ctx: &Context<'_>, _out: &mut Vec<Verdict>) {}

/// `elapsed` and `limit` in milliseconds with the fewest decimals (up to
/// 6) that tell them apart: 1000.4 ms is not shown as "1000 ms" beside a
/// limit of 1000 ms.
fn apart(elapsed: Duration, limit: Duration) -> (String, String) {
    let took = elapsed.as_secs_f64() * 1000.0;
    let most = limit.as_secs_f64() * 1000.0;
    let mut shown = (format!("{took:.0}"), format!("{most:.0}"));
    for decimals in 1..=6 {
        if shown.0 != shown.1 {
            break;
        }
        shown = (format!("{took:.decimals$}"), format!("{most:.decimals$}"));
    }
    shown
}

/// A response slower than the limit, or none before the timeout.
pub(crate) fn max_response_time(ctx: &Context<'_>, out: &mut Vec<Verdict>) {
    let limit = ctx.settings.max_response_time;
    let elapsed = ctx.exchange.elapsed;
    match &ctx.exchange.outcome {
        Outcome::Response(_) if elapsed > limit => out.push(Verdict {
            title: format!("Response slower than {} ms", limit.as_millis()),
            evidence: {
                let (took, most) = apart(elapsed, limit);
                format!("the response took {took} ms; the limit is {most} ms")
            },
            signature: "slow".to_owned(),
            ..Verdict::default()
        }),
        Outcome::Failed(f) if f.kind == FailureKind::Timeout => out.push(Verdict {
            title: "No response before the timeout".to_owned(),
            evidence: format!(
                "no complete response after {} ms (the limit is {} ms): {}",
                elapsed.as_millis(),
                limit.as_millis(),
                f.message
            ),
            signature: "timeout".to_owned(),
            ..Verdict::default()
        }),
        _ => {}
    }
}
