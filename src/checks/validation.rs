//! Checks that the server validates input as the spec says.

use super::check::{Context, Verdict};
use super::server::{body_excerpt, serial_name, status_line};
use crate::generate::ViolationKind;
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
    if slot.location == "body" && !broken_as_sent(ctx, &slot.pointer, violation.kind) {
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

/// Whether the body that went out still holds the case's value at
/// `pointer`. The engine may rewrite a body on its way out (a login's
/// password fields carry its own password, engine/keep.rs); a negative
/// whose broken value was so replaced was a valid request when it left.
fn broken_as_sent(ctx: &Context<'_>, pointer: &str, kind: ViolationKind) -> bool {
    let (Some(meant), Some(sent)) = (
        ctx.case.request.body.as_ref(),
        ctx.exchange.request.request.body.as_ref(),
    ) else {
        return true;
    };
    if meant.bytes == sent.bytes {
        return true;
    }
    let at = |bytes: &[u8]| -> Option<serde_json::Value> {
        let kind = sent.content_type.to_ascii_lowercase();
        if kind.contains("x-www-form-urlencoded") {
            let name = pointer
                .strip_prefix('/')?
                .replace("~1", "/")
                .replace("~0", "~");
            let value = url::form_urlencoded::parse(bytes)
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.into_owned())?;
            return Some(serde_json::Value::String(value));
        }
        serde_json::from_slice::<serde_json::Value>(bytes)
            .ok()?
            .pointer(pointer)
            .cloned()
    };
    let (meant, sent) = (at(&meant.bytes), at(&sent.bytes));
    match (kind, &meant, &sent) {
        // a violation of the object's keys survives new values in its fields
        (
            ViolationKind::MissingRequired
            | ViolationKind::ExtraProperty
            | ViolationKind::TooManyProperties,
            Some(serde_json::Value::Object(m)),
            Some(serde_json::Value::Object(s)),
        ) => m.keys().eq(s.keys()),
        _ => meant == sent,
    }
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
