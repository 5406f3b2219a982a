//! mass_assignment: privileged properties the request schema does not
//! declare (role, is_admin, permissions, verified, balance, owner ids,
//! price) are added to a write operation's JSON object body; a finding when
//! the server accepts the request and answers with the injected value,
//! while the same request without it answers with another value (or none).

use futures_util::future::BoxFuture;
use serde_json::{Map, Value, json};

use super::Profile;
use crate::checks::{Confidence, ProofItem, Verdict};
use crate::engine::Session;
use crate::model::{Api, Method, Operation};

pub(super) fn applies(_: &Api, op: &Operation, _: Profile) -> bool {
    matches!(op.method, Method::Post | Method::Put | Method::Patch)
        && op.body.as_ref().is_some_and(|b| {
            b.content
                .iter()
                .any(|m| m.media_type.to_ascii_lowercase().contains("json"))
        })
}

/// The privileged properties and the values injected.
fn privileged() -> Vec<(&'static str, Value)> {
    vec![
        ("role", json!("admin")),
        ("is_admin", json!(true)),
        ("isAdmin", json!(true)),
        ("admin", json!(true)),
        ("permissions", json!(["admin"])),
        ("verified", json!(true)),
        ("email_verified", json!(true)),
        ("balance", json!(1_000_000)),
        ("owner_id", json!(1)),
        ("user_id", json!(1)),
        ("price", json!(0.01)),
    ]
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
        let extras: Vec<(&str, Value)> = privileged()
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
        let Some(answer) = described(&body) else {
            return;
        };
        let before = described(&control_body);
        for (k, v) in &extras {
            if answer.get(*k) != Some(v) {
                continue;
            }
            let was = before.and_then(|m| m.get(*k));
            if was == Some(v) {
                continue;
            }
            let was_text = was
                .map(Value::to_string)
                .unwrap_or_else(|| "nothing".into());
            let verdict = Verdict {
                title: format!("Mass assignment: the undeclared property {k:?} is accepted"),
                evidence: format!(
                    "sent {k}={v}, the response has {k}={v}; without it the response had {was_text}"
                ),
                signature: format!("property {k}"),
                confidence: Confidence::Confirmed,
                proof: vec![
                    ProofItem::new("property", *k),
                    ProofItem::new("payload", format!("{k}={v}")),
                    ProofItem::new("response_value", v.to_string()),
                    ProofItem::new("without_it", was_text),
                ],
            };
            s.report(verdict, &exchange);
        }
    })
}
