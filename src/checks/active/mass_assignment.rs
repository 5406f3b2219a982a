//! mass_assignment: privileged properties the request schema does not
//! declare (role, is_admin, permissions, verified, balance, owner ids,
//! price) are added to a write operation's JSON object body (privilege
//! values from the API's own vocabulary, see `privilege_values`); a finding when
//! the server accepts the request and answers with the injected value (in
//! its response, or in a later read of the created resource through
//! `GET {path}/{id}`), while the same request without it shows another
//! value (or none).

use futures_util::future::BoxFuture;
use serde_json::{Map, Value, json};

use super::Session;
use super::privilege_values::{Known, raised};
use super::{ActiveProbe, Stage};
use crate::checks::check::{Check, How, Owasp, Scope, Severity};
use crate::checks::{Confidence, ProofItem, Verdict};
use crate::http::Exchange;
use crate::http::Request;
use crate::model::{Api, Method, Operation, ParameterLocation};
use crate::probes::Profile;

/// The `mass_assignment` check.
pub(in crate::checks) const CHECK: Check = Check {
    name: "mass_assignment",
    severity: Severity::High,
    cwe: Some(915),
    owasp: Some(Owasp::Api3),
    summary: "A privileged property the request schema does not declare (role, is_admin, balance, ...) was accepted and shows in the response.",
    scope: Scope::Operation,
    how: How::Probe(ActiveProbe {
        stage: Stage::Injection,
        applies,
        run,
    }),
};

pub(super) fn applies(_: &Api, op: &Operation, _: Profile) -> bool {
    matches!(op.method, Method::Post | Method::Put | Method::Patch)
        && op.body.as_ref().is_some_and(|b| {
            b.content
                .iter()
                .any(|m| m.media_type.to_ascii_lowercase().contains("json"))
        })
}

/// The privileged properties and the values injected. A privilege field
/// (`role`, `is_admin`, `permissions`) gets the API's own vocabulary's
/// most privileged value (`privilege_values`; `"admin"` only when the API
/// shows none) and is left out when the vocabulary has nothing to raise to.
fn privileged(api: &Api) -> Vec<(&'static str, Value)> {
    let known = Known::default();
    let mut out: Vec<(&'static str, Value)> =
        ["role", "is_admin", "isAdmin", "admin", "permissions"]
            .into_iter()
            .filter_map(|k| {
                raised(api, k, None, &known)
                    .into_iter()
                    .next()
                    .map(|v| (k, v))
            })
            .collect();
    out.extend([
        ("verified", json!(true)),
        ("email_verified", json!(true)),
        ("balance", json!(1_000_000)),
        ("owner_id", json!(1)),
        ("user_id", json!(1)),
        ("price", json!(0.01)),
    ]);
    out
}

/// The object a response describes: the body, or its only nested object
/// (`{"user": {...}}`).
fn described(body: &Value) -> Option<&Map<String, Value>> {
    let map = body.as_object()?;
    if map.len() == 1
        && let Some(Value::Object(inner)) = map.values().next()
    {
        return Some(inner);
    }
    Some(map)
}

pub(super) fn run<'s>(s: &'s mut Session<'_>) -> BoxFuture<'s, ()> {
    Box::pin(async move {
        let op = s.operation();
        let Some((index, Value::Object(_))) = &s.values().body else {
            return;
        };
        let index = *index;
        let declared: Vec<String> = op
            .body
            .as_ref()
            .and_then(|b| b.content.get(index))
            .and_then(|m| m.schema)
            .map(|id| {
                let schema = s.api().schemas.get(id);
                schema
                    .properties
                    .iter()
                    .filter(|(_, p)| !s.api().schemas.get(**p).read_only)
                    .map(|(k, _)| k.to_ascii_lowercase())
                    .collect()
            })
            .unwrap_or_default();
        let extras: Vec<(&str, Value)> = privileged(s.api())
            .into_iter()
            .filter(|(k, _)| !declared.contains(&k.to_ascii_lowercase()))
            .collect();
        if extras.is_empty() {
            return;
        }
        // the control: the base body as it is
        let control_request = s.base_request().clone();
        let Some(control) = s.send(&control_request).await else {
            return;
        };
        // the injected request: fresh valid values (a second create must not collide), plus the extras
        let Some(mut values) = s.fresh_values() else {
            return;
        };
        if let Some((_, Value::Object(map))) = values.body.as_mut() {
            for (k, v) in &extras {
                map.insert((*k).to_owned(), v.clone());
            }
        }
        let Some(request) = s.request_from(&values) else {
            return;
        };
        let Some(exchange) = s.send(&request).await else {
            return;
        };
        let Some(r) = exchange.response() else {
            return;
        };
        if !(200..300).contains(&r.status) {
            return;
        }
        let Ok(body) = serde_json::from_slice::<Value>(&r.body) else {
            return;
        };
        let control_body = control
            .response()
            .and_then(|c| serde_json::from_slice::<Value>(&c.body).ok())
            .unwrap_or(Value::Null);
        let answer = described(&body).cloned().unwrap_or_default();
        let before = described(&control_body).cloned();
        let mut read = None;
        let mut control_read = None;
        if extras.iter().all(|(k, v)| answer.get(*k) != Some(v)) {
            // not in the response: read the created resource back, when the API has a read
            let Some(reader) = read_path(s.api(), op) else {
                return;
            };
            let Some(exchange) = read_back(s, &reader, &answer).await else {
                return;
            };
            if let Some(c) = &before {
                control_read = read_back(s, &reader, c).await;
            }
            read = Some(exchange);
        }
        let read_body = read
            .as_ref()
            .and_then(|e| e.response())
            .filter(|r| (200..300).contains(&r.status))
            .and_then(|r| serde_json::from_slice::<Value>(&r.body).ok());
        let shown = match &read_body {
            Some(b) => described(b).cloned().unwrap_or_default(),
            None => answer.clone(),
        };
        let before = match &control_read {
            Some(e) => e
                .response()
                .and_then(|r| serde_json::from_slice::<Value>(&r.body).ok())
                .and_then(|b| described(&b).cloned()),
            None => before,
        };
        let mut accepted: Vec<(&str, &Value, String)> = Vec::new();
        for (k, v) in &extras {
            if shown.get(*k) != Some(v) {
                continue;
            }
            let was = before.as_ref().and_then(|m| m.get(*k));
            if was == Some(v) {
                continue;
            }
            let was_text = was
                .map(Value::to_string)
                .unwrap_or_else(|| "nothing".into());
            accepted.push((k, v, was_text));
        }
        if accepted.is_empty() {
            return;
        }
        let (place, proof_exchange) = match &read {
            Some(e) if read_body.is_some() => (format!("a later read ({})", e.request.url), e),
            _ => ("the response".to_owned(), &exchange),
        };
        let names: Vec<&str> = accepted.iter().map(|(k, _, _)| *k).collect();
        let sent: Vec<String> = accepted
            .iter()
            .map(|(k, v, _)| format!("{k}={v}"))
            .collect();
        let without: Vec<String> = accepted
            .iter()
            .map(|(k, _, w)| format!("{k}: {w}"))
            .collect();
        let mut proof = vec![
            ProofItem::new("property", names.join(", ")),
            ProofItem::new("payload", sent.join(", ")),
            ProofItem::new("seen_in", place.clone()),
            ProofItem::new("without_it", without.join(", ")),
        ];
        if let [(_, v, _)] = accepted.as_slice() {
            proof.push(ProofItem::new("response_value", v.to_string()));
        }
        let verdict = Verdict {
            title: format!(
                "Mass assignment: undeclared privileged properties are accepted ({})",
                names.join(", ")
            ),
            evidence: format!(
                "sent {}; {place} shows them; without them: {}",
                sent.join(", "),
                without.join(", ")
            ),
            signature: format!("property {}", names.join(",")),
            confidence: Confidence::Confirmed,
            proof,
        };
        s.report(verdict, proof_exchange);
    })
}

/// The path of a read of what `op` creates: a GET on `{op.path}/{param}`
/// with that one path parameter, and the parameter's name.
fn read_path(api: &Api, op: &Operation) -> Option<(String, String)> {
    let prefix = format!("{}/", op.path.trim_end_matches('/'));
    api.operations.iter().find_map(|o| {
        if o.method != Method::Get {
            return None;
        }
        let rest = o.path.strip_prefix(&prefix)?;
        let name = rest.strip_prefix('{')?.strip_suffix('}')?;
        if name.contains(['/', '{', '}']) {
            return None;
        }
        let declared = o
            .parameters
            .iter()
            .any(|p| p.location == ParameterLocation::Path && p.name == name);
        declared.then(|| (prefix.clone(), name.to_owned()))
    })
}

/// Reads back the resource an answer describes (by its `id`, or the read's
/// parameter name).
async fn read_back(
    s: &mut Session<'_>,
    (prefix, name): &(String, String),
    answer: &Map<String, Value>,
) -> Option<Exchange> {
    let id = answer.get(name.as_str()).or_else(|| answer.get("id"))?;
    let id = match id {
        Value::String(t) => t.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let encoded =
        percent_encoding::utf8_percent_encode(&id, percent_encoding::NON_ALPHANUMERIC).to_string();
    let request = Request {
        method: Method::Get,
        path: format!("{prefix}{encoded}"),
        query: String::new(),
        headers: Vec::new(),
        body: None,
    };
    s.send(&request).await
}
