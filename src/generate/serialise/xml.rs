//! A small XML writer for `application/xml` and `+xml` bodies.

use serde_json::Value;

use super::body::property;
use super::encode::text;
use crate::model::{Api, SchemaId};

/// How deep elements nest before the rest is written as JSON text.
const MAX_DEPTH: usize = 64;

/// The document for `value`: the root element is named after the schema
/// (or `root`), properties are child elements, array properties repeat
/// their element, items of other arrays are named after their schema (or
/// `item`), null is an empty element, and text is escaped.
pub(super) fn encode(api: &Api, schema: Option<SchemaId>, value: &Value) -> Vec<u8> {
    let root = schema
        .and_then(|id| api.schemas.get(id).name.as_deref())
        .unwrap_or("root");
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    element(&mut out, api, &element_name(root), schema, value, 0);
    out.into_bytes()
}

fn items_of(api: &Api, schema: Option<SchemaId>) -> Option<SchemaId> {
    schema.and_then(|id| api.schemas.get(id).items)
}

fn element(
    out: &mut String,
    api: &Api,
    name: &str,
    schema: Option<SchemaId>,
    value: &Value,
    depth: usize,
) {
    if depth >= MAX_DEPTH {
        out.push_str(&format!("<{name}>{}</{name}>", escape(&value.to_string())));
        return;
    }
    match value {
        Value::Null => out.push_str(&format!("<{name}/>")),
        Value::Object(map) => {
            out.push_str(&format!("<{name}>"));
            for (key, child) in map {
                let child_name = element_name(key);
                let child_schema = property(api, schema, key);
                match child {
                    Value::Array(list) => {
                        let item_schema = items_of(api, child_schema);
                        for item in list {
                            element(out, api, &child_name, item_schema, item, depth + 1);
                        }
                    }
                    _ => element(out, api, &child_name, child_schema, child, depth + 1),
                }
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::Array(list) => {
            let item_schema = items_of(api, schema);
            let item_name = item_schema
                .and_then(|id| api.schemas.get(id).name.as_deref())
                .map_or_else(|| "item".to_owned(), element_name);
            out.push_str(&format!("<{name}>"));
            for item in list {
                element(out, api, &item_name, item_schema, item, depth + 1);
            }
            out.push_str(&format!("</{name}>"));
        }
        other => out.push_str(&format!("<{name}>{}</{name}>", escape(&text(other)))),
    }
}

/// A valid XML element name for `key`: characters that cannot be in a name
/// become `_`, and a name that cannot start as it does gets a `_` in front.
pub(super) fn element_name(key: &str) -> String {
    let mut out: String = key
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    out
}

/// Text content with markup characters as entities, and control characters
/// (and CR, which parsers would normalise away) as character references.
pub(super) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' => out.push(c),
            c if c.is_control() => out.push_str(&format!("&#x{:X};", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_controls() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>\r\u{1}é"),
            "&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;&#xD;&#x1;é"
        );
    }

    #[test]
    fn element_names_are_valid() {
        assert_eq!(element_name("pet name"), "pet_name");
        assert_eq!(element_name("1st"), "_1st");
        assert_eq!(element_name(""), "_");
        assert_eq!(element_name("a<b>"), "a_b_");
        assert_eq!(element_name("ok-1.x"), "ok-1.x");
    }
}
