//! A quick judgement of whether a value satisfies a schema.
//!
//! The generator uses it to keep spec examples that fit, to make a `oneOf`
//! value match exactly one branch, and to honour `not`. It covers every
//! keyword of the model except `format`; the checks use a standard JSON
//! Schema validator instead.

use serde_json::Value;

use super::value::Generator;
use crate::model::{AdditionalProperties, SchemaId, Types};

/// How deep the judgement follows nested schemas before giving the benefit of the doubt.
const MAX_DEPTH: usize = 24;

impl Generator<'_> {
    /// Whether `value` satisfies schema `id` (formats are not checked).
    pub fn accepts(&mut self, id: SchemaId, value: &Value) -> bool {
        self.accepts_at(id, value, 0)
    }

    fn accepts_at(&mut self, id: SchemaId, value: &Value, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return true;
        }
        let schemas = self.schemas;
        let s = schemas.get(id);
        let t = type_of(value);
        if !(s.allows_type(t) || (t == Types::Integer && s.allows_type(Types::Number))) {
            return false;
        }
        if value.is_null() && s.nullable {
            return true;
        }
        if let Some(values) = &s.enumeration
            && !values.iter().any(|v| json_eq(v, value))
        {
            return false;
        }
        if let Some(c) = &s.constant
            && !json_eq(c, value)
        {
            return false;
        }
        match value {
            Value::Number(n) => {
                let x = n.as_f64().unwrap_or(0.0);
                if let Some(min) = s.minimum.as_ref().and_then(|m| m.as_f64())
                    && (x < min || (s.exclusive_minimum && x == min))
                {
                    return false;
                }
                if let Some(max) = s.maximum.as_ref().and_then(|m| m.as_f64())
                    && (x > max || (s.exclusive_maximum && x == max))
                {
                    return false;
                }
                if let Some(m) = s.multiple_of {
                    // relative tolerance; a non-zero value whose quotient rounds to 0 is no multiple
                    let q = x / m;
                    let r = q.round();
                    if (q - r).abs() > 1e-9 * r.abs().max(1.0) || (r == 0.0 && x != 0.0) {
                        return false;
                    }
                }
                if s.types.contains(Types::Integer)
                    && !s.types.contains(Types::Number)
                    && x.fract() != 0.0
                {
                    return false;
                }
            }
            Value::String(text) => {
                let len = text.chars().count() as u64;
                if s.min_length.is_some_and(|m| len < m) || s.max_length.is_some_and(|m| len > m) {
                    return false;
                }
                if let Some(p) = &s.pattern
                    && let Some(m) = self.matcher(p)
                    && !m.is_match(text).unwrap_or(true)
                {
                    return false;
                }
            }
            Value::Array(items) => {
                let n = items.len() as u64;
                if s.min_items.is_some_and(|m| n < m) || s.max_items.is_some_and(|m| n > m) {
                    return false;
                }
                if s.unique_items {
                    for (i, a) in items.iter().enumerate() {
                        if items[..i].iter().any(|b| json_eq(a, b)) {
                            return false;
                        }
                    }
                }
                for (i, item) in items.iter().enumerate() {
                    let schema = s
                        .prefix_items
                        .get(i)
                        .copied()
                        .or(if i >= s.prefix_items.len() {
                            s.items
                        } else {
                            None
                        });
                    if let Some(schema) = schema
                        && !self.accepts_at(schema, item, depth + 1)
                    {
                        return false;
                    }
                }
            }
            Value::Object(map) => {
                let n = map.len() as u64;
                if s.min_properties.is_some_and(|m| n < m)
                    || s.max_properties.is_some_and(|m| n > m)
                {
                    return false;
                }
                if s.required.iter().any(|r| !map.contains_key(r)) {
                    return false;
                }
                for (k, v) in map {
                    let ok = match s.properties.get(k) {
                        Some(p) => self.accepts_at(*p, v, depth + 1),
                        None => match s.additional_properties {
                            AdditionalProperties::Any => true,
                            AdditionalProperties::Forbidden => false,
                            AdditionalProperties::Schema(a) => self.accepts_at(a, v, depth + 1),
                        },
                    };
                    if !ok {
                        return false;
                    }
                }
            }
            _ => {}
        }
        if !s
            .all_of
            .iter()
            .all(|p| self.accepts_at(*p, value, depth + 1))
        {
            return false;
        }
        if !s.any_of.is_empty()
            && !s
                .any_of
                .iter()
                .any(|p| self.accepts_at(*p, value, depth + 1))
        {
            return false;
        }
        if !s.one_of.is_empty()
            && s.one_of
                .iter()
                .filter(|p| self.accepts_at(**p, value, depth + 1))
                .count()
                != 1
        {
            return false;
        }
        if let Some(not) = s.not
            && self.accepts_at(not, value, depth + 1)
        {
            return false;
        }
        true
    }
}

/// The JSON type of a value (integers are numbers with no fraction).
pub(crate) fn type_of(value: &Value) -> Types {
    match value {
        Value::Null => Types::Null,
        Value::Bool(_) => Types::Boolean,
        Value::Number(n)
            if n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0) =>
        {
            Types::Integer
        }
        Value::Number(_) => Types::Number,
        Value::String(_) => Types::String,
        Value::Array(_) => Types::Array,
        Value::Object(_) => Types::Object,
    }
}

/// JSON equality, with 1 and 1.0 equal.
pub(crate) fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}
