//! A strict server's reading of a request: an operation's parameters and
//! body decoded from what travelled (path, query, headers, cookies, a JSON
//! or urlencoded body) back into JSON values by the operation's schemas and
//! styles, the way a server framework reads them; then judged by an
//! independent validator (the jsonschema crate). Written apart from
//! apiprobe's serialiser, so that it can judge it.
#![allow(dead_code)]

use std::collections::HashMap;

use apiprobe::model::{
    Api, Direction, Operation, Parameter, ParameterLocation, ParameterStyle, SchemaId, Types,
};
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};

/// What travelled: the raw path and query (still percent-encoded), the
/// headers, and the body with its content type.
#[derive(Debug, Clone, Default)]
pub struct Wire {
    /// The path, as sent.
    pub path: String,
    /// The query without `?`, as sent.
    pub query: String,
    /// Header names and values.
    pub headers: Vec<(String, String)>,
    /// The content type and the bytes of the body.
    pub body: Option<(String, Vec<u8>)>,
}

impl Wire {
    /// What apiprobe's request carries.
    pub fn of(request: &apiprobe::generate::Request) -> Wire {
        Wire {
            path: request.path.clone(),
            query: request.query.clone(),
            headers: request.headers.clone(),
            body: request
                .body
                .as_ref()
                .map(|b| (b.content_type.clone(), b.bytes.clone())),
        }
    }

    fn header(&self, name: &str) -> Option<String> {
        let all: Vec<&str> = self
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect();
        (!all.is_empty()).then(|| all.join(", ").trim_matches([' ', '\t']).to_owned())
    }
}

/// How a server reads one slot.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    /// Not in the request.
    Absent,
    /// A value.
    Value(Value),
    /// There, but not readable (a JSON body that does not parse, a path that
    /// does not match its template): a strict server refuses it.
    Unreadable,
}

fn decode(s: &str) -> String {
    percent_decode_str(&s.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

fn pairs(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// The text of a primitive as the schema's type reads it: numbers and
/// booleans parsed where the schema does not take a string.
fn typed(api: &Api, id: Option<SchemaId>, text: &str) -> Value {
    let Some(id) = id else {
        return Value::String(text.to_owned());
    };
    let s = api.schemas.get(id);
    if s.allows_type(Types::String) {
        return Value::String(text.to_owned());
    }
    let parsed: Option<Value> = serde_json::from_str(text).ok();
    match parsed {
        Some(v @ (Value::Number(_) | Value::Bool(_)))
            if s.allows_type(Types::Number) || s.allows_type(Types::Boolean) =>
        {
            v
        }
        Some(v @ (Value::Array(_) | Value::Object(_))) => v,
        Some(Value::Null) if s.allows_type(Types::Null) => Value::Null,
        _ => Value::String(text.to_owned()),
    }
}

fn is_array(api: &Api, id: Option<SchemaId>) -> bool {
    id.is_some_and(|id| {
        let s = api.schemas.get(id);
        s.types.contains(Types::Array) && !s.allows_type(Types::String)
    })
}

fn is_object(api: &Api, id: Option<SchemaId>) -> bool {
    id.is_some_and(|id| {
        let s = api.schemas.get(id);
        s.types.contains(Types::Object) && !s.allows_type(Types::String)
    })
}

fn items(api: &Api, id: Option<SchemaId>) -> Option<SchemaId> {
    id.and_then(|id| api.schemas.get(id).items)
}

fn property(api: &Api, id: Option<SchemaId>, name: &str) -> Option<SchemaId> {
    id.and_then(|id| api.schemas.get(id).properties.get(name).copied())
}

/// A delimited text (`a,b,c`) as the schema reads it: a list of typed
/// items, an object of `key,value` pairs (or `key=value` items), or one value.
fn delimited(
    api: &Api,
    id: Option<SchemaId>,
    text: &str,
    sep: char,
    explode: bool,
    dec: bool,
) -> Value {
    let d = |s: &str| if dec { decode(s) } else { s.to_owned() };
    if is_array(api, id) {
        let it = items(api, id);
        return Value::Array(text.split(sep).map(|i| typed(api, it, &d(i))).collect());
    }
    if is_object(api, id) {
        let mut map = Map::new();
        let parts: Vec<&str> = text.split(sep).collect();
        if explode {
            for part in parts {
                let Some((k, v)) = part.split_once('=') else {
                    return Value::String(d(text));
                };
                let k = d(k);
                map.insert(k.clone(), typed(api, property(api, id, &k), &d(v)));
            }
        } else {
            if !parts.len().is_multiple_of(2) {
                return Value::String(d(text));
            }
            for kv in parts.chunks(2) {
                let k = d(kv[0]);
                map.insert(k.clone(), typed(api, property(api, id, &k), &d(kv[1])));
            }
        }
        return Value::Object(map);
    }
    typed(api, id, &d(text))
}

/// The value of path parameter `name` in `path`, by the template: `None`
/// when the path does not match it or the template does not hold `name`.
fn path_text(template: &str, path: &str, name: &str) -> Option<String> {
    let mut pattern = String::from("^");
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close = open + rest[open..].find('}')?;
        pattern.push_str(&regex::escape(&rest[..open]));
        pattern.push_str("([^/]*)");
        names.push(&rest[open + 1..close]);
        rest = &rest[close + 1..];
    }
    pattern.push_str(&regex::escape(rest));
    pattern.push('$');
    let caps = regex::Regex::new(&pattern).ok()?.captures(path)?;
    let at = names.iter().position(|n| *n == name)?;
    Some(caps.get(at + 1)?.as_str().to_owned())
}

/// The operation of `api` that a request of `method` (upper case) to
/// `path` is for: the one whose template matches the path.
pub fn operation_for<'a>(api: &'a Api, method: &str, path: &str) -> Option<&'a Operation> {
    api.operations.iter().find(|op| {
        op.method.as_str().eq_ignore_ascii_case(method)
            && (op.path == path || {
                let vars: Vec<&str> = op
                    .path
                    .split('{')
                    .skip(1)
                    .filter_map(|v| v.split('}').next())
                    .collect();
                match vars.first() {
                    Some(first) => path_text(&op.path, path, first).is_some(),
                    None => false,
                }
            })
    })
}

/// How a server reads parameter `p` of `op` from `wire`.
pub fn parameter(api: &Api, op: &Operation, p: &Parameter, wire: &Wire) -> Reading {
    let id = p.schema;
    if let Some(media) = &p.media_type {
        let text = match p.location {
            ParameterLocation::Query => pairs(&wire.query)
                .into_iter()
                .find(|(k, _)| *k == p.name)
                .map(|(_, v)| v),
            ParameterLocation::Header => wire.header(&p.name),
            ParameterLocation::Path => path_text(&op.path, &wire.path, &p.name).map(|t| decode(&t)),
            ParameterLocation::Cookie => cookies(wire)
                .into_iter()
                .find(|(k, _)| *k == p.name)
                .map(|(_, v)| decode(&v)),
        };
        return match text {
            None => Reading::Absent,
            Some(t) if media.contains("json") => {
                serde_json::from_str(&t).map_or(Reading::Unreadable, Reading::Value)
            }
            Some(t) => Reading::Value(Value::String(t)),
        };
    }
    match p.location {
        ParameterLocation::Path => {
            if !op.path.contains(&format!("{{{}}}", p.name)) {
                return Reading::Absent;
            }
            let Some(raw) = path_text(&op.path, &wire.path, &p.name) else {
                return Reading::Unreadable;
            };
            match p.style {
                ParameterStyle::Label => {
                    let Some(t) = raw.strip_prefix('.') else {
                        return Reading::Unreadable;
                    };
                    let sep = if p.explode { '.' } else { ',' };
                    Reading::Value(delimited(api, id, t, sep, p.explode, true))
                }
                ParameterStyle::Matrix => {
                    let prefix = format!(";{}", p.name);
                    if p.explode && is_array(api, id) {
                        let list: Vec<Value> = raw
                            .split(';')
                            .skip(1)
                            .map(|kv| {
                                typed(
                                    api,
                                    items(api, id),
                                    &decode(kv.split_once('=').map_or("", |x| x.1)),
                                )
                            })
                            .collect();
                        return Reading::Value(Value::Array(list));
                    }
                    if p.explode && is_object(api, id) {
                        let t = raw.trim_start_matches(';').replace(';', ",");
                        return Reading::Value(delimited(api, id, &t, ',', true, true));
                    }
                    let Some(t) = raw.strip_prefix(&prefix) else {
                        return Reading::Unreadable;
                    };
                    let t = t.strip_prefix('=').unwrap_or(t);
                    Reading::Value(delimited(api, id, t, ',', false, true))
                }
                _ => Reading::Value(delimited(api, id, &raw, ',', p.explode, true)),
            }
        }
        ParameterLocation::Query => query(api, p, &pairs(&wire.query)),
        ParameterLocation::Header => match wire.header(&p.name) {
            None => Reading::Absent,
            Some(t) => Reading::Value(delimited(api, id, &t, ',', p.explode, false)),
        },
        ParameterLocation::Cookie => {
            let cookies = cookies(wire);
            let values: Vec<&String> = cookies
                .iter()
                .filter(|(k, _)| *k == p.name)
                .map(|(_, v)| v)
                .collect();
            match values.as_slice() {
                [] => Reading::Absent,
                many if p.explode && is_array(api, id) => Reading::Value(Value::Array(
                    many.iter()
                        .map(|v| typed(api, items(api, id), &decode(v)))
                        .collect(),
                )),
                [first, ..] => Reading::Value(delimited(api, id, first, ',', false, true)),
            }
        }
    }
}

/// The cookies of the request: decoded names, raw values.
fn cookies(wire: &Wire) -> Vec<(String, String)> {
    wire.header("cookie")
        .unwrap_or_default()
        .split(';')
        .filter_map(|c| c.trim().split_once('='))
        .map(|(k, v)| (decode(k), v.to_owned()))
        .collect()
}

fn query(api: &Api, p: &Parameter, pairs: &[(String, String)]) -> Reading {
    let id = p.schema;
    let values: Vec<&String> = pairs
        .iter()
        .filter(|(k, _)| *k == p.name)
        .map(|(_, v)| v)
        .collect();
    if p.style == ParameterStyle::DeepObject {
        let prefix = format!("{}[", p.name);
        let mut map = Map::new();
        for (k, v) in pairs {
            if let Some(key) = k.strip_prefix(&prefix).and_then(|r| r.strip_suffix(']')) {
                if key.contains('[') {
                    continue; // nested deeper: not judged
                }
                map.insert(key.to_owned(), typed(api, property(api, id, key), v));
            }
        }
        return if map.is_empty() {
            Reading::Absent
        } else {
            Reading::Value(Value::Object(map))
        };
    }
    let exploded = p.explode && p.style == ParameterStyle::Form;
    if let Some(object) = id.filter(|_| exploded && is_object(api, id)) {
        // the object's properties are query keys of their own
        let s = api.schemas.get(object);
        let mut map = Map::new();
        for (k, v) in pairs {
            if let Some(prop) = s.properties.get(k) {
                map.insert(k.clone(), typed(api, Some(*prop), v));
            }
        }
        return if map.is_empty() {
            Reading::Absent
        } else {
            Reading::Value(Value::Object(map))
        };
    }
    if values.is_empty() {
        return Reading::Absent;
    }
    if p.explode
        && is_array(api, id)
        && !matches!(
            p.style,
            ParameterStyle::SpaceDelimited | ParameterStyle::PipeDelimited
        )
    {
        return Reading::Value(Value::Array(
            values
                .iter()
                .map(|v| typed(api, items(api, id), v))
                .collect(),
        ));
    }
    let sep = match p.style {
        ParameterStyle::SpaceDelimited => ' ',
        ParameterStyle::PipeDelimited => '|',
        _ => ',',
    };
    Reading::Value(delimited(api, id, values[0], sep, false, false))
}

/// The essence of a media type: `type/subtype`, lower-cased.
fn essence(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// How a server reads the body of `op` from `wire`: the index of the
/// declared media type it matches, and the value. `None` when there is no
/// body, no declared media type matches, or the kind (multipart, XML, ...)
/// is not judged here.
pub fn body(api: &Api, op: &Operation, wire: &Wire) -> Option<(usize, Reading)> {
    let (content_type, bytes) = wire.body.as_ref()?;
    let sent = essence(content_type);
    let index = op
        .body
        .as_ref()?
        .content
        .iter()
        .position(|m| essence(&m.media_type) == sent)?;
    let media = &op.body.as_ref()?.content[index];
    let text = String::from_utf8_lossy(bytes);
    let json = sent == "application/json" || sent.ends_with("+json") || sent.ends_with("/json");
    if json {
        return Some((
            index,
            serde_json::from_slice(bytes).map_or(Reading::Unreadable, Reading::Value),
        ));
    }
    if sent == "application/x-www-form-urlencoded" {
        let mut map = Map::new();
        for (k, v) in pairs(&text) {
            let prop = property(api, media.schema, &k);
            if is_array(api, prop) {
                let item = typed(api, items(api, prop), &v);
                if let Value::Array(list) = map.entry(k).or_insert_with(|| Value::Array(Vec::new()))
                {
                    list.push(item);
                }
            } else if is_object(api, prop) {
                map.insert(k, serde_json::from_str(&v).unwrap_or(Value::String(v)));
            } else {
                map.insert(k, typed(api, prop, &v));
            }
        }
        return Some((index, Reading::Value(Value::Object(map))));
    }
    None
}

/// Validators of request schemas, compiled once each.
#[derive(Default)]
pub struct Judge {
    validators: HashMap<SchemaId, Option<jsonschema::Validator>>,
}

impl Judge {
    /// Whether `reading` is valid for a slot of schema `id` (`required`:
    /// whether leaving it out is invalid); `None` when the schema does not
    /// compile.
    pub fn valid(
        &mut self,
        api: &Api,
        id: SchemaId,
        required: bool,
        reading: &Reading,
    ) -> Option<bool> {
        let value = match reading {
            Reading::Absent => return Some(!required),
            Reading::Unreadable => return Some(false),
            Reading::Value(v) => v,
        };
        let validator = self.validators.entry(id).or_insert_with(|| {
            let schema = api.schemas.to_json_schema_for(id, Direction::Request);
            jsonschema::options()
                .should_validate_formats(true)
                .build(&schema)
                .ok()
        });
        Some(validator.as_ref()?.is_valid(value))
    }

    /// Whether every parameter and the body of `op` in `wire` are valid, as
    /// a strict server judges them; the first slot that is not, otherwise.
    pub fn first_invalid(&mut self, api: &Api, op: &Operation, wire: &Wire) -> Option<String> {
        for p in &op.parameters {
            // OpenAPI: these header parameters SHALL be ignored
            let ignored = ["accept", "content-type", "authorization"];
            if p.location == ParameterLocation::Header
                && ignored.iter().any(|h| p.name.eq_ignore_ascii_case(h))
            {
                continue;
            }
            let reading = parameter(api, op, p, wire);
            let required = p.required && p.location != ParameterLocation::Path;
            let ok = match p.schema {
                Some(id) => self.valid(api, id, required, &reading),
                None => Some(!(required && reading == Reading::Absent)),
            };
            if ok == Some(false) {
                return Some(format!("{} {}", p.location.as_str(), p.name));
            }
        }
        if let Some(b) = &op.body {
            match body(api, op, wire) {
                Some((i, reading)) => {
                    if let Some(id) = b.content[i].schema
                        && self.valid(api, id, true, &reading) == Some(false)
                    {
                        return Some("body".into());
                    }
                }
                None if wire.body.is_none() && b.required => return Some("body".into()),
                None => {}
            }
        }
        None
    }
}
