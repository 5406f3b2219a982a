//! Request bodies by media type.

use serde_json::Value;

use super::encode::{Kind, essence, is_header_value_byte, json_text, kind, query_component, text};
use super::params::{Field, field};
use super::{multipart, xml};
use crate::generate::{RequestBody, Unsendable};
use crate::model::{Api, MediaType, ParameterStyle, SchemaId};

/// How deep schemas are searched through `allOf`/`oneOf`/`anyOf` for a property.
const MAX_BRANCH_DEPTH: usize = 8;

/// The body for `value` as `media` describes it.
pub(super) fn body(api: &Api, media: &MediaType, value: &Value) -> Result<RequestBody, Unsendable> {
    let declared = media.media_type.trim();
    let (kind, content_type) = concrete(declared, value);
    if let Some(b) = content_type.bytes().find(|b| !is_header_value_byte(*b)) {
        return Err(Unsendable {
            location: "body".into(),
            name: declared.to_owned(),
            reason: format!("byte {b:#04x} cannot be sent in the content-type header"),
        });
    }
    let structured = matches!(value, Value::Array(_) | Value::Object(_));
    let (content_type, bytes) = match kind {
        Kind::Json => (content_type, json_text(value).into_bytes()),
        Kind::Form => (content_type, urlencoded(media, value).into_bytes()),
        Kind::Multipart => {
            let (bytes, boundary) = multipart::encode(api, media, value);
            (
                format!("{}; boundary={boundary}", essence(&content_type)),
                bytes,
            )
        }
        Kind::Xml => match value {
            Value::String(s) => (content_type, s.clone().into_bytes()),
            _ => (content_type, xml::encode(api, media.schema, value)),
        },
        Kind::Text | Kind::Binary => match value {
            Value::String(s) => (content_type, s.clone().into_bytes()),
            _ => (content_type, json_text(value).into_bytes()),
        },
        Kind::Other if structured => (content_type, json_text(value).into_bytes()),
        Kind::Other => (content_type, text(value).into_bytes()),
    };
    Ok(RequestBody {
        content_type,
        bytes,
    })
}

/// The kind and content type to send for a declared media type; a range
/// (`text/*`, `*/*`, ...) is replaced by a concrete type, since a
/// content-type header cannot hold one.
fn concrete(declared: &str, value: &Value) -> (Kind, String) {
    let ess = essence(declared);
    if !ess.contains('*') {
        return (kind(&ess), declared.to_owned());
    }
    match ess.as_str() {
        "text/*" => (Kind::Text, "text/plain".into()),
        "multipart/*" => (Kind::Multipart, "multipart/form-data".into()),
        _ if matches!(value, Value::Array(_) | Value::Object(_)) => {
            (Kind::Json, "application/json".into())
        }
        _ => (Kind::Binary, "application/octet-stream".into()),
    }
}

/// `application/x-www-form-urlencoded`: an object's properties as fields
/// (style and explode from the encoding, default form exploded; objects
/// under form style as JSON text), anything else as its text, unencoded.
fn urlencoded(media: &MediaType, value: &Value) -> String {
    let Value::Object(map) = value else {
        return text(value);
    };
    let mut out: Vec<String> = Vec::with_capacity(map.len());
    for (name, v) in map {
        let encoding = media.encoding.get(name);
        let style = encoding
            .and_then(|e| e.style)
            .unwrap_or(ParameterStyle::Form);
        let explode = encoding
            .and_then(|e| e.explode)
            .unwrap_or(style == ParameterStyle::Form);
        let media_type = encoding.and_then(|e| e.content_type.as_deref());
        let nested_object = matches!(v, Value::Object(_)) && style == ParameterStyle::Form;
        if nested_object && media_type.is_none() {
            out.push(format!(
                "{}={}",
                query_component(name),
                query_component(&json_text(v))
            ));
            continue;
        }
        let f = Field {
            name,
            style,
            explode,
            allow_reserved: false,
            media_type,
        };
        out.push(field(&f, v));
    }
    out.join("&")
}

/// The schema of property `name` of `schema`, looking into `allOf`, `oneOf`
/// and `anyOf` branches when the schema does not declare it itself.
pub(super) fn property(api: &Api, schema: Option<SchemaId>, name: &str) -> Option<SchemaId> {
    fn find(api: &Api, id: SchemaId, name: &str, depth: usize) -> Option<SchemaId> {
        let s = api.schemas.get(id);
        if let Some(found) = s.properties.get(name) {
            return Some(*found);
        }
        if depth >= MAX_BRANCH_DEPTH {
            return None;
        }
        s.all_of
            .iter()
            .chain(&s.one_of)
            .chain(&s.any_of)
            .find_map(|branch| find(api, *branch, name, depth + 1))
    }
    find(api, schema?, name, 0)
}
