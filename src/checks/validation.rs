//! Checks that the server validates input as the spec says.

use super::check::{Context, Verdict};
use super::server::{body_excerpt, serial_name, status_line};
use crate::probes::ProbeKind;

/// A request that breaks one constraint was accepted with a 2xx status.
pub(crate) fn negative_data_rejection(ctx: &Context<'_>, out: &mut Vec<Verdict>) {
    if *ctx.probe != ProbeKind::Negative {
        return;
    }
    let (Some(response), Some((slot, violation))) =
        (ctx.exchange.response(), ctx.case.violation.as_ref())
    else {
        return;
    };
    if !(200..300).contains(&response.status) {
        return;
    }
    let pointer = if slot.pointer.is_empty() {
        String::new()
    } else {
        format!(" at {}", slot.pointer)
    };
    let place = if slot.location == "body" {
        format!("the {} body{pointer}", slot.name)
    } else {
        format!("{} parameter {}{pointer}", slot.location, slot.name)
    };
    out.push(Verdict {
        title: format!("Accepted {place} breaking `{}`", violation.keyword),
        evidence: format!(
            "{place} broke `{}` ({}) and the server answered {}",
            violation.keyword,
            serial_name(violation.kind),
            status_line(response.status)
        ),
        signature: format!(
            "{}:{}{}:{}",
            slot.location, slot.name, slot.pointer, violation.keyword
        ),
        ..Verdict::default()
    });
}

/// A valid request was rejected as invalid.
pub(crate) fn positive_data_acceptance(ctx: &Context<'_>, out: &mut Vec<Verdict>) {
    if *ctx.probe != ProbeKind::Positive {
        return;
    }
    let Some(response) = ctx.exchange.response() else {
        return;
    };
    if !matches!(response.status, 400 | 415 | 422) {
        return;
    }
    let line = status_line(response.status);
    let body = body_excerpt(&response.body);
    let evidence = if body.is_empty() {
        format!("a request following the spec was answered {line}")
    } else {
        format!("a request following the spec was answered {line}; body: {body}")
    };
    out.push(Verdict {
        title: format!("Valid request rejected with {line}"),
        evidence,
        signature: response.status.to_string(),
        ..Verdict::default()
    });
}

/// A request without a required header was accepted with a 2xx status.
pub(crate) fn missing_required_header(ctx: &Context<'_>, out: &mut Vec<Verdict>) {
    let ProbeKind::MissingRequiredHeader(name) = ctx.probe else {
        return;
    };
    let Some(response) = ctx.exchange.response() else {
        return;
    };
    if !(200..300).contains(&response.status) {
        return;
    }
    out.push(Verdict {
        title: format!("Accepted without required header {name}"),
        evidence: format!(
            "a request without the required header {name} was answered {}",
            status_line(response.status)
        ),
        signature: name.to_ascii_lowercase(),
        ..Verdict::default()
    });
}

/// A method the path does not declare was answered with something other
/// than 405 Method Not Allowed (or 501 Not Implemented).
pub(crate) fn unsupported_method(ctx: &Context<'_>, out: &mut Vec<Verdict>) {
    let ProbeKind::UnsupportedMethod(method) = ctx.probe else {
        return;
    };
    let Some(response) = ctx.exchange.response() else {
        return;
    };
    if matches!(response.status, 405 | 501) {
        return;
    }
    out.push(Verdict {
        title: format!("{method} answered {}", status_line(response.status)),
        evidence: format!(
            "{method} {} answered {}, expected 405",
            ctx.operation.path, response.status
        ),
        signature: (*method).to_owned(),
        ..Verdict::default()
    });
}
