//! Checks of responses against the spec: status codes, content types,
//! body schemas and headers.

use std::borrow::Cow;

use serde_json::Value;

use super::check::{Context, Verdict};
use super::server::status_line;
use super::validators::SchemaErrors;
use crate::http::Response;
use crate::model::{MediaType, Method, SchemaId, Schemas, Types};
use crate::probes::ProbeKind;

/// The response, unless the probe used a method the path does not declare
/// (the spec says nothing of what such a request gets back).
fn judged_response<'a>(ctx: &Context<'a>) -> Option<&'a Response> {
    if matches!(ctx.probe, ProbeKind::UnsupportedMethod(_)) {
        return None;
    }
    ctx.exchange.response()
}

/// A status the operation does not document.
pub(crate) fn status_code_conformance(ctx: &Context<'_>, out: &mut Vec<Verdict>) {
    let Some(response) = judged_response(ctx) else {
        return;
    };
    let op = ctx.operation;
    if op.responses.is_empty() || op.response_for(response.status).is_some() {
        return;
    }
    let documented: Vec<String> = op.responses.iter().map(|r| r.status.to_string()).collect();
    out.push(Verdict {
        title: format!("Undocumented status {}", status_line(response.status)),
        evidence: format!(
            "{} is not among the documented responses: {}",
            response.status,
            documented.join(", ")
        ),
        signature: response.status.to_string(),
        ..Verdict::default()
    });
}

/// The essence of a media type: without parameters, trimmed, lower case.
fn essence(media_type: &str) -> Cow<'_, str> {
    let essence = media_type.split(';').next().unwrap_or("").trim();
    // spec media types are lower case as a rule: no copy then
    if essence.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(essence.to_ascii_lowercase())
    } else {
        Cow::Borrowed(essence)
    }
}

/// Whether a received media type (an essence) is one a documented media
/// type allows: equal, or within a `*/*` or `type/*` wildcard.
fn media_matches(documented: &str, received: &str) -> bool {
    let documented = essence(documented);
    if documented == "*/*" || documented == "*" {
        return true;
    }
    let (Some((dtype, dsub)), Some((rtype, rsub))) =
        (documented.split_once('/'), received.split_once('/'))
    else {
        return false;
    };
    dtype == rtype && (dsub == "*" || dsub == rsub)
}

/// Whether a media type is JSON: `application/json`, `*/json` or `*/*+json`.
fn is_json(media_type: &str) -> bool {
    let m = essence(media_type);
    m.ends_with("/json") || m.ends_with("+json")
}

/// A body whose Content-Type the spec does not document for its status.
pub(crate) fn content_type_conformance(ctx: &Context<'_>, out: &mut Vec<Verdict>) {
    let Some(response) = judged_response(ctx) else {
        return;
    };
    let Some(declared) = ctx.operation.response_for(response.status) else {
        return;
    };
    if declared.content.is_empty() || response.body.is_empty() {
        return;
    }
    let received = response.media_type().filter(|m| !m.is_empty());
    if let Some(received) = &received
        && declared
            .content
            .iter()
            .any(|m| media_matches(&m.media_type, received))
    {
        return;
    }
    let documented: Vec<&str> = declared
        .content
        .iter()
        .map(|m| m.media_type.as_str())
        .collect();
    let shown = received.as_deref().unwrap_or("none");
    let (title, evidence) = match &received {
        Some(r) => (
            format!("Undocumented Content-Type {r} for {}", response.status),
            format!(
                "a {} response came as {r}; the spec documents {}",
                response.status,
                documented.join(", ")
            ),
        ),
        None => (
            format!("No Content-Type on a {} response body", response.status),
            format!(
                "a {} response has a {}-byte body but no Content-Type; the spec documents {}",
                response.status,
                response.body.len(),
                documented.join(", ")
            ),
        ),
    };
    out.push(Verdict {
        title,
        evidence,
        signature: format!("{shown} for {}", response.status),
        ..Verdict::default()
    });
}

/// The documented media type whose schema a body of `received` type is
/// judged by: the same type, else one whose wildcard covers it, else the
/// first JSON one.
fn schema_for<'a>(content: &'a [MediaType], received: &str) -> Option<(&'a MediaType, SchemaId)> {
    let with_schema = || content.iter().filter_map(|m| m.schema.map(|s| (m, s)));
    with_schema()
        .find(|(m, _)| essence(&m.media_type) == received)
        .or_else(|| with_schema().find(|(m, _)| media_matches(&m.media_type, received)))
        .or_else(|| with_schema().find(|(m, _)| is_json(&m.media_type)))
}

/// A JSON body that does not parse, or does not match its schema.
pub(crate) fn response_schema_conformance(ctx: &Context<'_>, out: &mut Vec<Verdict>) {
    let Some(response) = judged_response(ctx) else {
        return;
    };
    if response.truncated
        || ctx.exchange.request.request.method == Method::Head
        || matches!(response.status, 204 | 304)
    {
        return;
    }
    let Some(declared) = ctx.operation.response_for(response.status) else {
        return;
    };
    let Some(received) = response.media_type().filter(|m| is_json(m)) else {
        return;
    };
    if !declared.content.iter().any(|m| is_json(&m.media_type)) {
        return;
    }
    let Some((media, schema)) = schema_for(&declared.content, &received) else {
        return;
    };
    let status = response.status;
    let bytes = response
        .body
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(&response.body);
    // a body that already conformed to this schema conforms again
    let key = ctx.body_key();
    if ctx.memo.conformed(schema, key) {
        return;
    }
    let value: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => {
            let evidence = if bytes.iter().all(u8::is_ascii_whitespace) {
                format!("the {status} response is {received} but its body is empty")
            } else {
                format!("the {status} response is {received} but its body is not JSON: {e}")
            };
            out.push(Verdict {
                title: format!("{status} response body is not valid JSON"),
                evidence,
                signature: "invalid-json".to_owned(),
                ..Verdict::default()
            });
            return;
        }
    };
    let Some(found) = ctx.validators.errors(&ctx.api.schemas, schema, &value) else {
        // conforming, or a schema that does not compile: the same body
        // gives no verdict next time either
        ctx.memo.remember_conforming(schema, key);
        return;
    };
    let Some(first) = found.errors.first() else {
        return;
    };
    out.push(Verdict {
        title: format!(
            "{status} response body breaks `{}` of its schema",
            first.keyword
        ),
        evidence: describe(&found, &media.media_type),
        signature: format!("{} for {status}", schema_location(&first.schema_path)),
        ..Verdict::default()
    });
}

/// A schema path for signatures: `/` for the root rather than nothing.
fn schema_location(path: &str) -> &str {
    if path.is_empty() { "/" } else { path }
}

/// The errors of a value, one per line.
fn describe(found: &SchemaErrors, media_type: &str) -> String {
    let mut lines = vec![format!("does not match the {media_type} schema:")];
    for e in &found.errors {
        let at = if e.instance_path.is_empty() {
            "(root)"
        } else {
            e.instance_path.as_str()
        };
        lines.push(format!(
            "at {at}: {} (schema {})",
            e.message,
            schema_location(&e.schema_path)
        ));
    }
    if found.more {
        lines.push("and more".to_owned());
    }
    lines.join("\n")
}

/// A header value as the JSON value its schema wants: a number or boolean
/// when the schema allows one and the text is one, a list of such for
/// arrays (comma-separated, OpenAPI's `simple` style), else the text.
fn coerce(schemas: &Schemas, schema: SchemaId, text: &str) -> Value {
    let s = schemas.get(schema);
    let types = s.types;
    let text = text.trim();
    if types.contains(Types::Array) {
        let items = text
            .split(',')
            .filter(|part| !part.trim().is_empty())
            .map(|part| match s.items {
                Some(item) => coerce(schemas, item, part),
                None => Value::String(part.trim().to_owned()),
            })
            .collect();
        return Value::Array(items);
    }
    if (types.contains(Types::Integer) || types.contains(Types::Number))
        && let Ok(n) = text.parse::<serde_json::Number>()
    {
        return Value::Number(n);
    }
    if types.contains(Types::Boolean) {
        match text {
            "true" => return Value::Bool(true),
            "false" => return Value::Bool(false),
            _ => {}
        }
    }
    Value::String(text.to_owned())
}

/// A documented required response header missing, or one whose value does
/// not match its schema.
pub(crate) fn response_headers_conformance(ctx: &Context<'_>, out: &mut Vec<Verdict>) {
    let Some(response) = judged_response(ctx) else {
        return;
    };
    let Some(declared) = ctx.operation.response_for(response.status) else {
        return;
    };
    let status = response.status;
    for header in &declared.headers {
        let name = header.name.to_ascii_lowercase();
        // OpenAPI: a `Content-Type` header declaration SHALL be ignored
        if name == "content-type" {
            continue;
        }
        let Some(value) = response.header(&name) else {
            if header.required {
                out.push(Verdict {
                    title: format!("Required header {} missing", header.name),
                    evidence: format!(
                        "the {status} response lacks the header {}, which the spec requires",
                        header.name
                    ),
                    signature: format!("missing:{name}"),
                    ..Verdict::default()
                });
            }
            continue;
        };
        let Some(schema) = header.schema else {
            continue;
        };
        let coerced = coerce(&ctx.api.schemas, schema, value);
        let Some(found) = ctx.validators.errors(&ctx.api.schemas, schema, &coerced) else {
            continue;
        };
        let problems: Vec<&str> = found.errors.iter().map(|e| e.message.as_str()).collect();
        out.push(Verdict {
            title: format!("Header {} does not match its schema", header.name),
            evidence: format!(
                "the {status} response's {}: {value:?} does not match its schema: {}",
                header.name,
                problems.join("; ")
            ),
            signature: format!("invalid:{name}"),
            ..Verdict::default()
        });
    }
}
