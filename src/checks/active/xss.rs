//! reflected_xss: a unique canary wrapped in markup, sent in each string
//! slot; a finding when the HTML response, read as a browser reads it
//! ([`html_context`](super::html_context)), holds an element or an attribute
//! built from it (not when it is only text: inside `<title>`, `<textarea>`,
//! a comment, a script's string, an attribute value with its quotes escaped).

use futures_util::future::BoxFuture;
use serde_json::Value;

use super::Session;
use super::html_context::{self, Injection};
use super::{ActiveProbe, Stage};
use crate::checks::check::{Check, How, Owasp, Scope, Severity};
use crate::checks::{Confidence, ProofItem, Verdict};
use crate::model::{Api, Operation};
use crate::probes::Profile;

/// The `reflected_xss` check.
pub(in crate::checks) const CHECK: Check = Check {
    name: "reflected_xss",
    severity: Severity::High,
    cwe: Some(79),
    owasp: Some(Owasp::Api8),
    summary: "Markup sent in a parameter builds an element or attribute in an HTML response (a unique canary tag proves it; text inside <title>, comments or escaped attributes does not count).",
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

/// Whether a response's media type renders as HTML in a browser.
fn is_html(media: Option<&str>) -> bool {
    matches!(media, Some("text/html" | "application/xhtml+xml"))
}

pub(super) fn run<'s>(s: &'s mut Session<'_>) -> BoxFuture<'s, ()> {
    Box::pin(async move {
        for slot in s.string_slots() {
            if s.stopping() {
                return;
            }
            let canary = s.canary(10);
            // a tag named after the canary: nothing else can produce it
            let markup = format!("<{canary} x=\"{canary}\">");
            let payload = format!("{canary}\"'>{markup}");
            let Some(request) = s.request_with(&slot, Value::String(payload.clone())) else {
                continue;
            };
            let Some(exchange) = s.send(&request).await else {
                return;
            };
            let Some(response) = exchange.response() else {
                continue;
            };
            let media = response.media_type();
            if !is_html(media.as_deref()) {
                continue;
            }
            let Some(built) = html_context::injection(&response.body, &canary) else {
                continue;
            };
            let context = built.context();
            let reflected = match &built {
                Injection::Element { .. } => markup.clone(),
                Injection::Attribute { name, .. } => name.clone(),
            };
            let verdict = Verdict {
                title: format!(
                    "Markup in {} is reflected unescaped in an HTML page",
                    slot.label()
                ),
                evidence: format!(
                    "{context}: the response ({}) holds the injected markup where a browser builds it",
                    media.unwrap_or_default()
                ),
                signature: format!("{} {}", slot.slot.location, slot.name()),
                confidence: Confidence::Confirmed,
                proof: vec![
                    ProofItem::new("slot", slot.label()),
                    ProofItem::new("payload", payload),
                    ProofItem::new("canary", canary),
                    ProofItem::new("reflected", reflected),
                    ProofItem::new("context", context),
                ],
            };
            s.report(verdict, &exchange);
        }
    })
}
