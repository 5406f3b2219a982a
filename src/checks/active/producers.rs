//! The requests a producer (an operation that creates a resource a
//! stateful probe needs) is tried with, until one answers 2xx: the
//! maximal case, the cases the plan saw accepted, the spec's examples, the
//! minimal case. One failed creation no longer ends a probe.

use serde_json::Value;

use super::Session;
use super::session::{base_seed, complete, maximal_case};
use crate::generate::Values;
use crate::model::{Api, Operation};

/// Candidate requests sent at most per producer call.
pub(super) const PRODUCER_TRIES: usize = 5;

/// Key-like body properties whose value a second creation must change
/// when the first answers that the name is taken.
const KEYS: [&str; 7] = ["slug", "name", "key", "title", "handle", "code", "username"];

/// The values to try for operation `producer`, in order, without repeats:
/// its maximal case (every optional property present), the cases the
/// plan saw answered 2xx completed with the maximal case's fields, the
/// maximal case with the spec's examples in place, the minimal case
/// (required parameters and properties only), the accepted cases as they
/// were. Drawn from the scan's seed and the operation alone.
pub(super) fn candidates(s: &Session<'_>, producer: usize) -> Vec<Values> {
    let port = s.port();
    let api = s.api();
    let Some(op) = api.operations.get(producer) else {
        return Vec::new();
    };
    let Some(first) = maximal_case(api, port.payloads(), op, base_seed(port, producer, 0), true)
    else {
        return Vec::new();
    };
    let accepted = port.bases().accepted(producer);
    let mut out: Vec<Values> = vec![first.values.clone()];
    for case in &accepted {
        let mut values = case.values.clone();
        complete(&mut values, &first.values);
        out.push(values);
    }
    out.push(with_examples(api, op, &first.values));
    out.push(minimal(api, op, &first.values));
    out.extend(accepted.into_iter().map(|c| c.values));
    let mut unique: Vec<Values> = Vec::new();
    for v in out {
        if !unique.contains(&v) {
            unique.push(v);
        }
    }
    unique
}

/// `values` with the spec's examples where it gives them: each
/// parameter's first example, the body's first example, else each
/// top-level body property's first schema example.
fn with_examples(api: &Api, op: &Operation, values: &Values) -> Values {
    let mut out = values.clone();
    for (i, p) in op.parameters.iter().enumerate() {
        let example = p.examples.first().cloned().or_else(|| {
            p.schema
                .and_then(|id| api.schemas.get(id).examples.first().cloned())
        });
        if let (Some(example), Some(slot)) = (example, out.parameters.get_mut(i))
            && slot.is_some()
        {
            *slot = Some(example);
        }
    }
    let Some((i, body)) = out.body.as_mut() else {
        return out;
    };
    let Some(media) = op.body.as_ref().and_then(|b| b.content.get(*i)) else {
        return out;
    };
    if let Some(example) = media.examples.first() {
        *body = example.clone();
        return out;
    }
    if let (Some(root), Value::Object(map)) = (media.schema, body) {
        let schema = api.schemas.get(root);
        for (name, &id) in &schema.properties {
            if let (Some(example), Some(slot)) =
                (api.schemas.get(id).examples.first(), map.get_mut(name))
            {
                *slot = example.clone();
            }
        }
    }
    out
}

/// `values` with what is optional left out: optional parameters, and body
/// properties the body's schema does not require (at the top level).
pub(super) fn minimal(api: &Api, op: &Operation, values: &Values) -> Values {
    let mut out = values.clone();
    for (i, p) in op.parameters.iter().enumerate() {
        if !p.required
            && let Some(slot) = out.parameters.get_mut(i)
        {
            *slot = None;
        }
    }
    if let Some((i, Value::Object(map))) = out.body.as_mut()
        && let Some(root) = op
            .body
            .as_ref()
            .and_then(|b| b.content.get(*i))
            .and_then(|m| m.schema)
    {
        let required = &api.schemas.get(root).required;
        map.retain(|k, _| required.contains(k));
    }
    out
}

/// Whether an answer says the key the client chose is taken (409, or a
/// 4xx whose text says it exists): the same request with a fresh key may pass.
pub(super) fn taken(status: u16, body: &[u8]) -> bool {
    if status == 409 {
        return true;
    }
    if !(400..500).contains(&status) {
        return false;
    }
    let text = String::from_utf8_lossy(&body[..body.len().min(2048)]).to_ascii_lowercase();
    ["already", "exists", "taken", "duplicate", "in use"]
        .iter()
        .any(|w| text.contains(w))
}

/// `values` with every key-like top-level string body property
/// (`slug`, `name`, `title`, ...) given `fresh` as its value, so that a
/// second creation does not collide with the first. `None` when there is none.
pub(super) fn freshened(values: &Values, fresh: &str) -> Option<Values> {
    let mut out = values.clone();
    let Some((_, Value::Object(map))) = out.body.as_mut() else {
        return None;
    };
    let mut any = false;
    for (k, v) in map.iter_mut() {
        let folded: String = k
            .chars()
            .filter(|c| *c != '_' && *c != '-')
            .flat_map(char::to_lowercase)
            .collect();
        if v.is_string() && KEYS.iter().any(|key| folded.ends_with(key)) {
            *v = Value::String(fresh.to_owned());
            any = true;
        }
    }
    any.then_some(out)
}

/// `values` with every top-level body property whose schema is a plain
/// string (no `enum`, `const`, `format` or `pattern`; `fresh` within its
/// length bounds) given `fresh` as its value: an object no other probe's
/// creation matches, when a probe must tell its own object from one made
/// at the same id meanwhile. `None` when there is no such property.
pub(super) fn distinct(api: &Api, op: &Operation, values: &Values, fresh: &str) -> Option<Values> {
    let mut out = values.clone();
    let Some((media, Value::Object(map))) = out.body.as_mut() else {
        return None;
    };
    let schema = op.body.as_ref()?.content.get(*media)?.schema?;
    let props = &api.schemas.get(schema).properties;
    let len = fresh.chars().count() as u64;
    let mut any = false;
    for (k, v) in map.iter_mut() {
        let Some(id) = props.get(k) else { continue };
        let p = api.schemas.get(*id);
        let plain = p.types.iter().eq([crate::model::Types::String])
            && p.enumeration.is_none()
            && p.constant.is_none()
            && p.format.is_none()
            && p.pattern.is_none()
            && p.min_length.is_none_or(|m| m <= len)
            && p.max_length.is_none_or(|m| m >= len);
        if plain && v.is_string() {
            *v = Value::String(fresh.to_owned());
            any = true;
        }
    }
    any.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SPEC: &str = r#"
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /ads:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                headline: {type: string, maxLength: 100}
                text: {type: string}
                tiny: {type: string, maxLength: 3}
                kind: {type: string, enum: [sale, wanted]}
                contact: {type: string, format: email}
                code: {type: string, pattern: '^[0-9]+$'}
                price: {type: integer}
      responses: {'201': {description: created}}
"#;

    #[test]
    fn distinct_gives_plain_strings_the_canary_and_leaves_the_rest() {
        let api = crate::spec::Loader::new()
            .load_str(SPEC, "t.yaml")
            .expect("loads");
        let op = &api.operations[0];
        let body = json!({
            "headline": "h", "text": "t", "tiny": "abc", "kind": "sale",
            "contact": "a@b.example", "code": "12", "price": 3
        });
        let values = Values {
            body: Some((0, body.clone())),
            ..Values::default()
        };
        let out = distinct(&api, op, &values, "q1w2e3r4t5y6").expect("plain strings");
        let (_, got) = out.body.expect("a body");
        assert_eq!(got["headline"], "q1w2e3r4t5y6");
        assert_eq!(got["text"], "q1w2e3r4t5y6");
        for keep in ["tiny", "kind", "contact", "code", "price"] {
            assert_eq!(got[keep], body[keep], "{keep}");
        }
        // nothing plain: no distinct form
        let values = Values {
            body: Some((0, json!({"kind": "sale"}))),
            ..Values::default()
        };
        assert!(distinct(&api, op, &values, "q1w2e3r4t5y6").is_none());
    }
}
