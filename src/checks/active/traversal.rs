//! path_traversal: traversal sequences (plain, encoded, filter-evading,
//! Windows) towards files every system has, in each string slot; a finding
//! when the response holds the file's signature and the base value's does not.
//!
//! Payloads written for apiprobe; the signatures are the first lines of
//! /etc/passwd and the sections of C:\Windows\win.ini.

use futures_util::future::BoxFuture;
use regex::Regex;
use serde_json::Value;
use std::sync::LazyLock;

use super::Session;
use super::{ActiveProbe, Stage};
use crate::checks::check::{Check, How, Owasp, Scope, Severity};
use crate::checks::{Confidence, ProofItem, Verdict};
use crate::model::{Api, Operation};
use crate::probes::Profile;

/// The `path_traversal` check.
pub(in crate::checks) const CHECK: Check = Check {
    name: "path_traversal",
    severity: Severity::High,
    cwe: Some(22),
    owasp: Some(Owasp::Api8),
    summary: "A traversal sequence in a parameter read a file outside the served folder (the signature of /etc/passwd or win.ini came back).",
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

/// A file and the text that proves it was read.
struct Target {
    file: &'static str,
    signature: &'static LazyLock<Option<Regex>>,
}

impl Target {
    /// The signature's first match in `text`.
    fn find<'t>(&self, text: &'t str) -> Option<&'t str> {
        self.signature
            .as_ref()
            .and_then(|r| r.find(text))
            .map(|m| m.as_str())
    }
}

static PASSWD: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"root:[^:\r\n]*:0:0:").ok());
static WIN_INI: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)\[(extensions|fonts|mci extensions)\]").ok());

/// The payloads: (text, file it reads).
fn payloads(more: bool) -> Vec<(String, Target)> {
    let passwd = || Target {
        file: "/etc/passwd",
        signature: &PASSWD,
    };
    let win = || Target {
        file: "C:\\Windows\\win.ini",
        signature: &WIN_INI,
    };
    let up = "../".repeat(8);
    let mut out = vec![
        (format!("{up}etc/passwd"), passwd()),
        ("/etc/passwd".to_owned(), passwd()),
        (format!("{}etc%2fpasswd", "..%2f".repeat(8)), passwd()),
        (format!("{}windows\\win.ini", "..\\".repeat(8)), win()),
    ];
    if more {
        out.extend([
            (format!("{}etc/passwd", "....//".repeat(8)), passwd()),
            (format!("{}etc%252fpasswd", "..%252f".repeat(8)), passwd()),
            (format!("{}etc/passwd", "%2e%2e%2f".repeat(8)), passwd()),
            (format!("{}etc/passwd", "..%c0%af".repeat(8)), passwd()),
            (format!("{up}etc/passwd%00.txt"), passwd()),
            ("file:///etc/passwd".to_owned(), passwd()),
            ("C:\\Windows\\win.ini".to_owned(), win()),
            (format!("{}windows/win.ini", "../".repeat(8)), win()),
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
            for (payload, target) in payloads(s.profile().more_payloads()) {
                if s.stopping() {
                    return;
                }
                if target.find(&base_text).is_some() {
                    continue;
                }
                let Some(request) = s.request_with(&slot, Value::String(payload.clone())) else {
                    continue;
                };
                let Some(exchange) = s.send(&request).await else {
                    return;
                };
                let Some(r) = exchange.response() else {
                    continue;
                };
                let text = r.text();
                let Some(matched) = target.find(&text).map(str::to_owned) else {
                    continue;
                };
                let verdict = Verdict {
                    title: format!(
                        "Path traversal in {}: {} was read",
                        slot.label(),
                        target.file
                    ),
                    evidence: format!(
                        "{payload:?} answered {} with {matched:?}, which the base value's answer lacks",
                        r.status
                    ),
                    signature: format!("{} {}", slot.slot.location, slot.name()),
                    confidence: Confidence::Confirmed,
                    proof: vec![
                        ProofItem::new("slot", slot.label()),
                        ProofItem::new("payload", payload),
                        ProofItem::new("file", target.file),
                        ProofItem::new("signature", matched),
                    ],
                };
                s.report(verdict, &exchange);
                continue 'slots;
            }
        }
    })
}
