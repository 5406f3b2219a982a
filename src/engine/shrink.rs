//! Shrinking: before a finding is reported, optional parameters and body
//! fields are dropped and strings shortened, one at a time, as long as the
//! finding still reproduces; the smallest request that shows it is kept.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::send::send;
use super::shared::{Shared, Witness};
use crate::checks::{Finding, Scope};
use crate::generate::{Generator, Options, Slot, Values, serialise};
use crate::model::{Operation, Schemas};
use crate::probes::adapt;

/// Requests one finding may spend on shrinking.
const ATTEMPTS: usize = 24;
/// The longest the whole shrinking phase may take.
const PHASE_LIMIT: Duration = Duration::from_secs(20);
/// Findings slower than this are not shrunk (each try would take as long).
const SLOW: Duration = Duration::from_millis(500);

/// Shrinks every finding that has a witness, within the phase's limit.
pub(crate) async fn shrink_all(shared: &Shared) {
    let witnesses = match shared.witnesses.lock() {
        Ok(mut w) => std::mem::take(&mut *w),
        Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
    };
    let deadline = Instant::now() + PHASE_LIMIT;
    shared.observer.on_event(&crate::engine::Event::Shrinking {
        findings: witnesses.len(),
    });
    for w in &witnesses {
        if Instant::now() >= deadline || shared.stop.is_set() {
            return;
        }
        let finding = {
            let Ok(set) = shared.findings.lock() else {
                return;
            };
            match set.findings().get(w.finding) {
                Some(f) => f.clone(),
                None => continue,
            }
        };
        if let Some(smaller) = shrink_one(shared, w, &finding, deadline).await
            && let Ok(mut set) = shared.findings.lock()
            && let Some(slot) = set.findings_mut().get_mut(w.finding)
        {
            slot.request = smaller.request;
            slot.response = smaller.response;
            slot.failure = smaller.failure;
            slot.curl = smaller.curl;
            slot.elapsed_ms = smaller.elapsed_ms;
            slot.evidence = smaller.evidence;
            slot.shrunk = true;
        }
    }
}

/// One candidate change to the values.
enum Step {
    DropParameter(usize),
    DropBody,
    DropField(String),
    HalveParameter(usize),
    HalveField(String),
}

async fn shrink_one(
    shared: &Shared,
    w: &Witness,
    finding: &Finding,
    deadline: Instant,
) -> Option<Finding> {
    if w.case.attack.as_ref().is_some_and(|a| a.raw.is_some())
        || finding.elapsed_ms >= SLOW.as_millis() as u64
        || finding.check == "max_response_time"
        || crate::checks::find(&finding.check).is_some_and(|c| c.scope == Scope::Target)
    {
        return None;
    }
    let op = shared.api.operations.get(w.probe.operation)?;
    let protected = w.case.violation.as_ref().map(|(slot, _)| slot).or(w
        .case
        .attack
        .as_ref()
        .map(|a| &a.slot));
    let mut generator = Generator::new(&shared.api.schemas, Options::default());
    let mut values = w.case.values.clone();
    let mut best: Option<Finding> = None;
    let mut spent = 0;
    for step in steps(op, &values, protected) {
        if spent >= ATTEMPTS || Instant::now() >= deadline {
            break;
        }
        let Some(candidate) = apply(&values, &step) else {
            continue;
        };
        // a smaller request must still be what the probe meant: every value
        // outside the protected slot valid, so that the finding is not
        // reproduced for another reason (a required field gone, a length broken)
        if !still_valid(
            &mut generator,
            &shared.api.schemas,
            op,
            &candidate,
            protected,
        ) {
            continue;
        }
        let Ok(mut request) = serialise(&shared.api, op, &candidate) else {
            continue;
        };
        if !adapt(&w.probe.kind, &mut request) {
            continue;
        }
        spent += 1;
        let request = super::send::with_operation_headers(shared, w.probe.operation, &request);
        let exchange = send(shared, &request).await?;
        let same = shared
            .judge
            .judge(&shared.api, op, &w.probe.kind, &w.case, &exchange)
            .into_iter()
            .find(|(check, v)| check.name == finding.check && v.signature == finding.signature);
        // a smaller request that crashed must crash again (confirm.rs)
        if same.is_some() && !super::confirm::again(shared, &request, &exchange).await? {
            continue;
        }
        if let Some((check, verdict)) = same {
            values = candidate;
            best = Some(Finding::new(check, verdict, op, &w.probe.kind, &exchange));
        }
    }
    best
}

/// Whether every value of `values` outside the protected slot is valid for
/// its schema (inside a protected body, only that no required property is gone
/// and that the other properties stay valid).
fn still_valid(
    generator: &mut Generator<'_>,
    schemas: &Schemas,
    op: &Operation,
    values: &Values,
    protected: Option<&Slot>,
) -> bool {
    for (i, p) in op.parameters.iter().enumerate() {
        if is_protected(protected, p.location.as_str(), &p.name) {
            continue;
        }
        if let (Some(Some(v)), Some(id)) = (values.parameters.get(i), p.schema)
            && !generator.accepts(id, v)
        {
            return false;
        }
    }
    let Some((index, body)) = &values.body else {
        return true;
    };
    let Some(id) = op
        .body
        .as_ref()
        .and_then(|b| b.content.get(*index))
        .and_then(|m| m.schema)
    else {
        return true;
    };
    match protected.filter(|s| s.location == "body") {
        None => generator.accepts(id, body),
        Some(slot) => {
            let guarded = first_key(&slot.pointer);
            let Value::Object(map) = body else {
                return true;
            };
            let schema = schemas.get(id);
            schema.required.iter().all(|k| map.contains_key(k))
                && map.iter().all(|(k, v)| {
                    guarded.as_deref() == Some(k.as_str())
                        || schema
                            .properties
                            .get(k)
                            .is_none_or(|&pid| generator.accepts(pid, v))
                })
        }
    }
}

fn is_protected(protected: Option<&Slot>, location: &str, name: &str) -> bool {
    protected.is_some_and(|s| s.location == location && s.name == name)
}

/// The first key of a JSON pointer (`/a/b` gives `a`).
fn first_key(pointer: &str) -> Option<String> {
    let rest = pointer.strip_prefix('/')?;
    let key = rest.split('/').next()?;
    Some(key.replace("~1", "/").replace("~0", "~"))
}

fn steps(op: &Operation, values: &Values, protected: Option<&Slot>) -> Vec<Step> {
    let mut steps = Vec::new();
    let body_slot = protected.filter(|s| s.location == "body");
    let guarded_key = body_slot.and_then(|s| first_key(&s.pointer));
    let whole_body_guarded = body_slot.is_some() && guarded_key.is_none();
    for (i, p) in op.parameters.iter().enumerate() {
        if !p.required
            && values.parameters.get(i).is_some_and(Option::is_some)
            && !is_protected(protected, p.location.as_str(), &p.name)
        {
            steps.push(Step::DropParameter(i));
        }
    }
    if let Some((_, body)) = &values.body {
        let optional = op.body.as_ref().is_some_and(|b| !b.required);
        if optional && body_slot.is_none() {
            steps.push(Step::DropBody);
        }
        if let Value::Object(map) = body
            && !whole_body_guarded
        {
            for key in map.keys() {
                if guarded_key.as_deref() != Some(key.as_str()) {
                    steps.push(Step::DropField(key.clone()));
                }
            }
            for (key, v) in map {
                if guarded_key.as_deref() != Some(key.as_str())
                    && v.as_str().is_some_and(|s| s.chars().count() > 4)
                {
                    steps.push(Step::HalveField(key.clone()));
                }
            }
        }
    }
    for (i, p) in op.parameters.iter().enumerate() {
        let long = values
            .parameters
            .get(i)
            .and_then(Option::as_ref)
            .and_then(Value::as_str)
            .is_some_and(|s| s.chars().count() > 4);
        if long && !is_protected(protected, p.location.as_str(), &p.name) {
            steps.push(Step::HalveParameter(i));
        }
    }
    steps
}

fn halve(text: &str) -> String {
    let keep = text.chars().count().div_ceil(2);
    text.chars().take(keep).collect()
}

fn apply(values: &Values, step: &Step) -> Option<Values> {
    let mut v = values.clone();
    match step {
        Step::DropParameter(i) => *v.parameters.get_mut(*i)? = None,
        Step::DropBody => v.body = None,
        Step::DropField(key) => {
            let (_, Value::Object(map)) = v.body.as_mut()? else {
                return None;
            };
            map.shift_remove(key)?;
        }
        Step::HalveParameter(i) => {
            let slot = v.parameters.get_mut(*i)?.as_mut()?;
            let short = halve(slot.as_str()?);
            *slot = Value::String(short);
        }
        Step::HalveField(key) => {
            let (_, Value::Object(map)) = v.body.as_mut()? else {
                return None;
            };
            let field = map.get_mut(key)?;
            let short = halve(field.as_str()?);
            *field = Value::String(short);
        }
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halving_keeps_characters_whole() {
        assert_eq!(halve("ééééé"), "ééé");
        assert_eq!(halve("abcd"), "ab");
    }

    #[test]
    fn pointers_name_their_first_key() {
        assert_eq!(first_key("/a~1b/c").as_deref(), Some("a/b"));
        assert_eq!(first_key(""), None);
    }
}
