//! template_injection: an arithmetic canary (the product of two random
//! numbers) in each template syntax, in each string slot; a finding when
//! the product appears in the response and not in the base value's.
//!
//! Syntaxes written for apiprobe from the engines' documentation (Jinja2,
//! Twig, Handlebars-like, Freemarker, Velocity, ERB, Thymeleaf, Razor).

use futures_util::future::BoxFuture;
use serde_json::Value;

use super::Session;
use super::{ActiveProbe, Stage};
use crate::checks::check::{Check, How, Owasp, Scope, Severity};
use crate::checks::{Confidence, ProofItem, Verdict};
use crate::model::{Api, Operation};
use crate::probes::Profile;

/// The `template_injection` check.
pub(in crate::checks) const CHECK: Check = Check {
    name: "template_injection",
    severity: Severity::Critical,
    cwe: Some(1336),
    owasp: Some(Owasp::Api8),
    summary: "Server-side template injection: an arithmetic expression sent in a template syntax came back evaluated (the product of two random numbers).",
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

/// Expression syntaxes: `{e}` stands for the expression.
fn syntaxes(more: bool) -> Vec<&'static str> {
    let mut out = vec!["{{{e}}}", "${{e}}", "<%= {e} %>", "#{{e}}"];
    if more {
        out.extend([
            "${{{e}}}",
            "{{= {e}}}",
            "[[${{e}}]]",
            "@({e})",
            "#set($x={e})${x}",
        ]);
    }
    out
}

pub(super) fn run<'s>(s: &'s mut Session<'_>) -> BoxFuture<'s, ()> {
    Box::pin(async move {
        let base_request = s.base_request().clone();
        let Some(base) = s.send(&base_request).await else {
            return;
        };
        let base_text = base
            .response()
            .map(|r| r.text().into_owned())
            .unwrap_or_default();
        'slots: for slot in s.string_slots() {
            let v = slot.value.as_str().unwrap_or("").to_owned();
            for syntax in syntaxes(s.profile().more_payloads()) {
                if s.stopping() {
                    return;
                }
                let (a, b) = (s.number(10_000, 99_999), s.number(10_000, 99_999));
                let product = (a * b).to_string();
                if base_text.contains(&product) {
                    continue;
                }
                let expression = syntax.replace("{e}", &format!("{a}*{b}"));
                let payload = format!("{v}{expression}");
                let Some(request) = s.request_with(&slot, Value::String(payload.clone())) else {
                    continue;
                };
                let Some(exchange) = s.send(&request).await else {
                    return;
                };
                let Some(r) = exchange.response() else {
                    continue;
                };
                if !r.text().contains(&product) {
                    continue;
                }
                let verdict = Verdict {
                    title: format!("Server-side template injection in {}", slot.label()),
                    evidence: format!("{expression:?} was evaluated: the response holds {product}"),
                    signature: format!("{} {}", slot.slot.location, slot.name()),
                    confidence: Confidence::Confirmed,
                    proof: vec![
                        ProofItem::new("slot", slot.label()),
                        ProofItem::new("payload", payload),
                        ProofItem::new("expression", expression),
                        ProofItem::new("product", product),
                    ],
                };
                s.report(verdict, &exchange);
                continue 'slots;
            }
        }
    })
}
