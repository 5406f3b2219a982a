//! ssrf: every URL-like slot (format uri/url, names like url, callback,
//! webhook, target, link, image, or a value that is an http URL) gets a
//! unique URL of apiprobe's callback listener; a request arriving there
//! with the slot's token confirms the finding and names the field.

use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::Value;

use super::{ActiveProbe, Stage};
use super::{Session, ValueSlot};
use crate::checks::check::{Check, How, Owasp, Scope, Severity};
use crate::checks::{Confidence, ProofItem, Verdict};
use crate::model::{Api, Operation};
use crate::probes::Profile;

/// The `ssrf` check.
pub(in crate::checks) const CHECK: Check = Check {
    name: "ssrf",
    severity: Severity::High,
    cwe: Some(918),
    owasp: Some(Owasp::Api7),
    summary: "Server-side request forgery: a URL given to the API was fetched (a request with its unique token reached apiprobe's callback listener).",
    scope: Scope::Operation,
    how: How::Probe(ActiveProbe {
        stage: Stage::Injection,
        applies,
        run,
    }),
};

pub(super) fn applies(_: &Api, op: &Operation, _: Profile) -> bool {
    !op.parameters.is_empty() || op.body.is_some()
}

/// Names that suggest a URL the server will fetch.
const URL_NAMES: [&str; 14] = [
    "url", "uri", "callback", "webhook", "target", "link", "image", "href", "redirect", "endpoint",
    "feed", "avatar", "src", "dest",
];

fn url_like(s: &Session<'_>, slot: &ValueSlot) -> bool {
    let format = slot
        .schema
        .and_then(|id| s.api().schemas.get(id).format.clone())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if matches!(
        format.as_str(),
        "uri" | "url" | "iri" | "uri-reference" | "iri-reference"
    ) {
        return true;
    }
    let name = slot.name().to_ascii_lowercase();
    if URL_NAMES.iter().any(|n| name.contains(n)) {
        return true;
    }
    slot.value
        .as_str()
        .is_some_and(|v| v.starts_with("http://") || v.starts_with("https://"))
}

pub(super) fn run<'s>(s: &'s mut Session<'_>) -> BoxFuture<'s, ()> {
    Box::pin(async move {
        let Some(callback) = s.callback() else {
            return;
        };
        let wait = match s.profile() {
            Profile::Quick => Duration::from_secs(1),
            Profile::Standard => Duration::from_secs(2),
            Profile::Aggressive => Duration::from_secs(4),
        };
        // every URL-like slot of the (maximal) base, however many string slots it has
        let slots: Vec<ValueSlot> = s
            .all_string_slots()
            .into_iter()
            .filter(|slot| url_like(s, slot))
            .collect();
        for slot in slots {
            if s.stopping() {
                return;
            }
            let token = s.canary(16);
            let url = callback.url_for(&token);
            let Some(request) = s.request_with(&slot, Value::String(url.clone())) else {
                continue;
            };
            let Some(exchange) = s.send(&request).await else {
                return;
            };
            let hits = callback.wait_for(&token, wait).await;
            let Some(hit) = hits.first() else {
                continue;
            };
            let verdict = Verdict {
                title: format!("Server-side request forgery through {}", slot.label()),
                evidence: format!(
                    "the server fetched {url} given in {}: {} {} arrived at the callback listener",
                    slot.label(),
                    hit.method,
                    hit.target
                ),
                signature: format!("{} {}", slot.slot.location, slot.name()),
                confidence: Confidence::Confirmed,
                proof: vec![
                    ProofItem::new("slot", slot.label()),
                    ProofItem::new("field", slot.name()),
                    ProofItem::new("callback_url", url),
                    ProofItem::new("token", token),
                    ProofItem::new("callback_request", format!("{} {}", hit.method, hit.target)),
                    ProofItem::new(
                        "callback_user_agent",
                        hit.user_agent.clone().unwrap_or_default(),
                    ),
                ],
            };
            s.report(verdict, &exchange);
        }
    })
}
