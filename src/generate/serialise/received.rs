//! What a server receives of a value once it is serialised: the readings a
//! server may make of a parameter or a body, so that a negative value is
//! kept only when every reading of it is still invalid.
//!
//! The serialiser drops some slots (the header parameters OpenAPI says to
//! ignore, a header without a name, a path parameter the template does not
//! hold), and text loses what JSON told apart: a scalar sent for an array
//! is a one-item array, a string that is not a form is read as one, header
//! values lose their outer blanks, an empty list is an empty value.

use serde_json::{Map, Value};

use super::IGNORED_HEADERS;
use super::encode::{Kind, essence, is_tchar, kind, text};
use crate::model::{
    MediaType, Operation, Parameter, ParameterLocation, ParameterStyle, Schema, Types,
};

/// Whether the serialiser sends parameter `p` of `op` at all.
pub(crate) fn sent(op: &Operation, p: &Parameter) -> bool {
    match p.location {
        ParameterLocation::Header => {
            !p.name.is_empty()
                && p.name.bytes().all(is_tchar)
                && !IGNORED_HEADERS
                    .iter()
                    .any(|h| p.name.eq_ignore_ascii_case(h))
        }
        ParameterLocation::Path => op.path.contains(&format!("{{{}}}", p.name)),
        ParameterLocation::Query | ParameterLocation::Cookie => true,
    }
}

/// The readings a server may make of `value` sent as parameter `p` (of
/// schema `schema`) of `op`: `None` where it does not arrive as that
/// parameter (a dropped slot, an empty path segment, a form value the
/// server reads as another key).
pub(crate) fn parameter(
    op: &Operation,
    p: &Parameter,
    schema: &Schema,
    value: &Value,
) -> Vec<Option<Value>> {
    if !sent(op, p) {
        return vec![None];
    }
    if p.media_type.is_some() {
        return vec![Some(value.clone())];
    }
    let delimiter = match (p.location, p.style) {
        (ParameterLocation::Query, ParameterStyle::SpaceDelimited) if !p.explode => ' ',
        (ParameterLocation::Query, ParameterStyle::PipeDelimited) if !p.explode => '|',
        (_, ParameterStyle::Label) if p.explode => '.',
        _ => ',',
    };
    let header = p.location == ParameterLocation::Header;
    let trim = |t: String| {
        if header {
            t.trim_matches([' ', '\t']).to_owned()
        } else {
            t
        }
    };
    let array = schema.types.contains(Types::Array) && !schema.allows_type(Types::String);
    let object = schema.types.contains(Types::Object) && !schema.allows_type(Types::String);
    match value {
        // an empty list is an empty value: read as no item or one empty item
        Value::Array(items) if items.is_empty() => {
            if p.location == ParameterLocation::Path {
                return vec![None];
            }
            vec![
                Some(Value::Array(Vec::new())),
                Some(Value::Array(vec![Value::String(String::new())])),
            ]
        }
        Value::Array(_) | Value::Object(_) => vec![Some(value.clone())],
        scalar => {
            let t = trim(text(scalar));
            if p.location == ParameterLocation::Path && t.is_empty() {
                return vec![None];
            }
            let mut out = Vec::new();
            if array {
                // a scalar arrives as a one-item list, or split at the style's delimiter
                out.push(Some(Value::Array(vec![scalar_reading(scalar, &t)])));
                if t.contains(delimiter) {
                    let items: Vec<&str> = t.split(delimiter).collect();
                    let raw = items.iter().map(|i| Value::String((*i).to_owned()));
                    out.push(Some(Value::Array(raw.collect())));
                    // items the server parses as the numbers or booleans they spell
                    let parsed = items.iter().map(|i| {
                        serde_json::from_str::<Value>(i)
                            .ok()
                            .filter(|v| v.is_number() || v.is_boolean())
                            .unwrap_or_else(|| Value::String((*i).to_owned()))
                    });
                    out.push(Some(Value::Array(parsed.collect())));
                }
            } else if object {
                let exploded_form = p.explode
                    && matches!(
                        p.location,
                        ParameterLocation::Query | ParameterLocation::Cookie
                    )
                    && p.style == ParameterStyle::Form;
                if exploded_form {
                    // `name=text`: the object's property `name`
                    let mut map = Map::new();
                    map.insert(p.name.clone(), Value::String(t.clone()));
                    out.push(Some(Value::Object(map)));
                } else if p.style == ParameterStyle::DeepObject {
                    // `name=text` holds no `name[key]`: the object may be read as absent
                    out.push(None);
                }
                out.push(Some(scalar_reading(scalar, &t)));
            } else {
                out.push(Some(scalar_reading(scalar, &t)));
            }
            out
        }
    }
}

/// The reading of a scalar: the value itself, unless the text changed on the way.
fn scalar_reading(scalar: &Value, t: &str) -> Value {
    match scalar {
        Value::String(s) if s != t => Value::String(t.to_owned()),
        other => other.clone(),
    }
}

/// The readings a server may make of `value` sent as a body of `media`.
pub(crate) fn body(media: &MediaType, value: &Value) -> Vec<Option<Value>> {
    match kind(&essence(&media.media_type)) {
        Kind::Form if !value.is_object() => vec![Some(form(&text(value)))],
        _ => vec![Some(value.clone())],
    }
}

/// A urlencoded text read as a form: its fields as strings, an unnamed
/// value as a field without a value.
fn form(t: &str) -> Value {
    let mut map = Map::new();
    for pair in t.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        map.insert(k.to_owned(), Value::String(v.to_owned()));
    }
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_is_no_form_reads_as_one_field() {
        assert_eq!(
            form("apiprobe-not-a-number"),
            serde_json::json!({"apiprobe-not-a-number": ""})
        );
        assert_eq!(form("a=1&b"), serde_json::json!({"a": "1", "b": ""}));
    }
}
