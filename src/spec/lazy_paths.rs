//! A root document (JSON or YAML) whose path items stay compact JSON text until the
//! model is built from them, one path item at a time.
//!
//! As a `serde_json::Value` (with `preserve_order`) a document takes about
//! six times its text (docs/performance.md, "Huge specs"); the path items
//! are nearly all of a large spec, and each is needed only while its own
//! operations are built. Each item is parsed in place by the same parser
//! as the rest of the document (same errors, same nesting limit) and
//! written out as compact text while it is parsed, without becoming a
//! `Value` (its references to other documents noted on the way); it is
//! read again when its turn comes.

use std::fmt;

use indexmap::IndexMap;
use serde::Deserialize as _;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::documents::is_data_key;

/// The `paths` object of a root document, each path item as compact JSON text.
#[derive(Debug, Default)]
pub(crate) struct LazyPaths {
    /// Path key to path item, in document order (a repeated key keeps its
    /// first place and its last value, as in a `Value`).
    items: IndexMap<String, Box<str>>,
    /// Per item (same index), the `$ref`s it makes to other documents.
    refs: Vec<Vec<String>>,
    /// The string value of a `$ref` key of the `paths` object itself.
    own_ref: Option<String>,
}

impl LazyPaths {
    /// The `$ref`s to other documents in the `paths` object, in the order a
    /// walk of the whole document (`documents::collect_refs`) meets them.
    pub(crate) fn external_refs(&self) -> impl Iterator<Item = &str> {
        let items = self
            .items
            .keys()
            .zip(&self.refs)
            .rev()
            .filter(|(key, _)| key.as_str() != "$ref" && !is_data_key(key))
            .flat_map(|(_, refs)| refs.iter().map(String::as_str));
        self.own_ref.as_deref().into_iter().chain(items)
    }

    /// The path items, parsed one at a time as they are taken.
    pub(crate) fn into_items(self) -> impl Iterator<Item = (String, Value)> {
        self.items.into_iter().map(|(key, text)| {
            // the text was written by `Compact` from JSON that parsed: it reads back
            let item = serde_json::from_str(&text).unwrap_or(Value::Null);
            (key, item)
        })
    }

    /// The `paths` object as a `Value`.
    pub(crate) fn into_value(self) -> Value {
        Value::Object(self.into_items().collect::<Map<String, Value>>())
    }
}

/// Whether `text` may refer into its own `paths` (a `$ref` such as
/// `#/paths/~1pets/get/parameters/0`): such a document is read whole.
pub(crate) fn mentions_paths(text: &str) -> bool {
    ["#/paths", "#\\/paths", "#%", "/%70aths"]
        .iter()
        .any(|marker| text.contains(marker))
}

/// Parses JSON text whose top level is an object, with the same result and
/// errors as `serde_json::from_str::<Value>` except that the items of a
/// top-level `paths` object are returned apart, as text; `paths` itself is
/// then an empty object in the value.
pub(crate) fn parse(text: &str) -> serde_json::Result<(Value, Option<LazyPaths>)> {
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = (&mut de).deserialize_any(RootVisitor)?;
    de.end()?;
    Ok(parsed)
}

/// A root document read by a serde deserializer other than JSON's (YAML):
/// the value with its `paths` object empty and the path items apart, as
/// for [`parse`]; a root that is not a mapping is only a value.
pub(crate) struct LazyRoot {
    pub value: Value,
    pub paths: Option<LazyPaths>,
}

impl<'de> serde::Deserialize<'de> for LazyRoot {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (value, paths) = deserializer.deserialize_any(RootVisitor)?;
        Ok(LazyRoot { value, paths })
    }
}

struct RootVisitor;

/// A root that is not an object, as a `Value` would have it.
fn not_object<E>(value: Result<Paths, E>) -> Result<(Value, Option<LazyPaths>), E> {
    value.map(|value| match value {
        Paths::Other(value) => (value, None),
        Paths::Lazy(paths) => (Value::Object(Map::new()), Some(paths)),
    })
}

impl<'de> Visitor<'de> for RootVisitor {
    type Value = (Value, Option<LazyPaths>);

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        not_object(PathsVisitor.visit_bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        not_object(PathsVisitor.visit_i64(v))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Self::Value, E> {
        not_object(PathsVisitor.visit_i128(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        not_object(PathsVisitor.visit_u64(v))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Self::Value, E> {
        not_object(PathsVisitor.visit_u128(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        not_object(PathsVisitor.visit_f64(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        not_object(PathsVisitor.visit_str(v))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        not_object(PathsVisitor.visit_string(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        not_object(PathsVisitor.visit_unit())
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        not_object(PathsVisitor.visit_none())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        not_object(PathsVisitor.visit_seq(seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut values = Map::new();
        let mut lazy = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "paths" {
                match map.next_value_seed(PathsSeed)? {
                    Paths::Lazy(paths) => {
                        values.insert(key, Value::Object(Map::new()));
                        lazy = Some(paths);
                    }
                    Paths::Other(value) => {
                        values.insert(key, value);
                        lazy = None;
                    }
                }
            } else {
                let value: Value = map.next_value()?;
                values.insert(key, value);
            }
        }
        Ok((Value::Object(values), lazy))
    }
}

/// A `paths` value: an object kept as text, or anything else as it is.
enum Paths {
    Lazy(LazyPaths),
    Other(Value),
}

struct PathsSeed;

impl<'de> DeserializeSeed<'de> for PathsSeed {
    type Value = Paths;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Paths, D::Error> {
        deserializer.deserialize_any(PathsVisitor)
    }
}

struct PathsVisitor;

impl<'de> Visitor<'de> for PathsVisitor {
    type Value = Paths;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Paths, E> {
        Ok(Paths::Other(Value::Bool(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Paths, E> {
        Ok(Paths::Other(Value::from(v)))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Paths, E> {
        wide(de::value::I128Deserializer::new(v)).map(Paths::Other)
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Paths, E> {
        wide(de::value::U128Deserializer::new(v)).map(Paths::Other)
    }

    fn visit_u64<E>(self, v: u64) -> Result<Paths, E> {
        Ok(Paths::Other(Value::from(v)))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Paths, E> {
        Ok(Paths::Other(Value::from(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Paths, E> {
        Ok(Paths::Other(Value::String(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Paths, E> {
        Ok(Paths::Other(Value::String(v)))
    }

    fn visit_unit<E>(self) -> Result<Paths, E> {
        Ok(Paths::Other(Value::Null))
    }

    fn visit_none<E>(self) -> Result<Paths, E> {
        Ok(Paths::Other(Value::Null))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Paths, D::Error> {
        serde::Deserialize::deserialize(deserializer).map(Paths::Other)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Paths, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Value>()? {
            items.push(item);
        }
        Ok(Paths::Other(Value::Array(items)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Paths, A::Error> {
        let mut lazy = LazyPaths::default();
        while let Some(key) = map.next_key::<String>()? {
            let mut text = String::new();
            let found = map.next_value_seed(Compact {
                out: &mut text,
                keep_string: key == "$ref",
            })?;
            if key == "$ref" {
                lazy.own_ref = found.string;
            }
            // a `#...` reference stays in this document, which is never queued
            let mut refs = found.refs;
            refs.retain(|r| !r.starts_with('#'));
            let (index, old) = lazy.items.insert_full(key, text.into_boxed_str());
            match (old, lazy.refs.get_mut(index)) {
                (Some(_), Some(slot)) => *slot = refs,
                _ => lazy.refs.push(refs),
            }
        }
        Ok(Paths::Lazy(lazy))
    }
}

/// What [`Compact`] learnt of the value it wrote.
#[derive(Default)]
struct Written {
    /// The `$ref`s in the value outside data keys, in the order
    /// [`collect_refs`](super::documents::collect_refs) meets them in the
    /// value's `serde_json::Value`.
    refs: Vec<String>,
    /// The value itself, when it is a string and was asked for.
    string: Option<String>,
}

/// Writes one JSON value as compact text into `out` while it is parsed,
/// without building a `Value`: the text reads back to the `Value` the
/// value would have parsed to (a repeated key is written twice and, read
/// back, keeps its first place and its last value, as it would have).
struct Compact<'o> {
    out: &'o mut String,
    /// Whether a string value is returned in [`Written::string`].
    keep_string: bool,
}

impl<'o> Compact<'o> {
    fn inner(out: &'o mut String) -> Self {
        Compact {
            out,
            keep_string: false,
        }
    }

    fn scalar<E: de::Error>(self, value: impl fmt::Display) -> Result<Written, E> {
        use std::fmt::Write as _;
        write!(self.out, "{value}").map_err(E::custom)?;
        Ok(Written::default())
    }
}

impl<'de> DeserializeSeed<'de> for Compact<'_> {
    type Value = Written;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Written, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Compact<'_> {
    type Value = Written;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Written, E> {
        self.scalar(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Written, E> {
        self.scalar(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Written, E> {
        self.scalar(v)
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Written, E> {
        self.scalar(wide(de::value::I128Deserializer::new(v))?)
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Written, E> {
        self.scalar(wide(de::value::U128Deserializer::new(v))?)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Written, E> {
        // as a `Value` writes it (a number JSON cannot write is null)
        self.scalar(Value::from(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Written, E> {
        push_string(self.out, v).map_err(E::custom)?;
        Ok(Written {
            refs: Vec::new(),
            string: self.keep_string.then(|| v.to_owned()),
        })
    }

    fn visit_unit<E: de::Error>(self) -> Result<Written, E> {
        self.out.push_str("null");
        Ok(Written::default())
    }

    fn visit_none<E: de::Error>(self) -> Result<Written, E> {
        self.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Written, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Written, A::Error> {
        self.out.push('[');
        // the walk meets the items last first
        let mut items: Vec<Vec<String>> = Vec::new();
        let mut first = true;
        loop {
            let at = self.out.len();
            if !first {
                self.out.push(',');
            }
            match seq.next_element_seed(Compact::inner(self.out))? {
                Some(written) => {
                    if !written.refs.is_empty() {
                        items.push(written.refs);
                    }
                }
                None => {
                    self.out.truncate(at);
                    break;
                }
            }
            first = false;
        }
        self.out.push(']');
        Ok(Written {
            refs: items.into_iter().rev().flatten().collect(),
            string: None,
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Written, A::Error> {
        self.out.push('{');
        // the object's own `$ref` (the last one written wins), then its
        // members' references, last member first; a repeated key's value
        // is its last one, in its first place
        let mut own: Option<Option<String>> = None;
        let mut members: Vec<(String, Vec<String>)> = Vec::new();
        let mut first = true;
        while let Some(key) = map.next_key::<Key<'de>>()? {
            if !first {
                self.out.push(',');
            }
            first = false;
            let key = key.as_str();
            push_string(self.out, key).map_err(de::Error::custom)?;
            self.out.push(':');
            let written = map.next_value_seed(Compact {
                out: self.out,
                keep_string: key == "$ref",
            })?;
            if key == "$ref" {
                own = Some(written.string);
            } else if is_data_key(key) {
                continue;
            } else if let Some(slot) = members.iter_mut().find(|(k, _)| k == key) {
                slot.1 = written.refs;
            } else if !written.refs.is_empty() {
                members.push((key.to_owned(), written.refs));
            }
        }
        self.out.push('}');
        let refs = own
            .flatten()
            .into_iter()
            .chain(members.into_iter().rev().flat_map(|(_, refs)| refs))
            .collect();
        Ok(Written { refs, string: None })
    }
}

/// A 128-bit integer as a `Value` reads it: a number when it fits in 64
/// bits, else the same error.
fn wide<'de, D, E>(deserializer: D) -> Result<Value, E>
where
    D: Deserializer<'de, Error = E>,
{
    serde_json::Number::deserialize(deserializer).map(Value::Number)
}

/// Appends `text` as a JSON string.
fn push_string(out: &mut String, text: &str) -> serde_json::Result<()> {
    if text.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        out.push_str(&serde_json::to_string(text)?);
    } else {
        out.push('"');
        out.push_str(text);
        out.push('"');
    }
    Ok(())
}

/// An object key, borrowed from the text when it has no escapes.
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(text) => text,
            Key::Owned(text) => text,
        }
    }
}

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
        Ok(Key::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
        Ok(Key::Owned(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
        Ok(Key::Owned(v))
    }
}

#[cfg(test)]
mod tests {
    use super::super::documents::collect_refs;
    use super::*;
    use serde_json::json;

    const TEXT: &str = r##"{"openapi": "3.0.3", "paths": {
        "/a": {"get": {"responses": {"200": {"$ref": "ext.json#/r"}}}, "x": 1.5e300},
        "x-skip": {"$ref": "data.json"},
        "$ref": "top.json",
        "/b": {"parameters": [{"$ref": "#/components/parameters/p"}],
               "post": {"requestBody": {"$ref": "other.json#/b"}}},
        "/a": {"get": {"responses": {"200": {"$ref": "last.json#/r"}}}, "y": [null, true, -3]}
    }, "components": {"schemas": {"s": {"$ref": "schemas.json#/s"}}}}"##;

    #[test]
    fn the_items_read_back_to_the_whole_documents_value() {
        let (mut value, paths) = parse(TEXT).unwrap();
        assert_eq!(value["paths"], json!({}));
        value["paths"] = paths.unwrap().into_value();
        let whole: Value = serde_json::from_str(TEXT).unwrap();
        assert_eq!(value, whole);
        // the same order too, repeated keys in their first place
        assert_eq!(
            serde_json::to_string(&value).unwrap(),
            serde_json::to_string(&whole).unwrap()
        );
    }

    #[test]
    fn external_references_come_in_the_order_of_a_walk_of_the_whole_document() {
        let whole: Value = serde_json::from_str(TEXT).unwrap();
        let mut walked = Vec::new();
        collect_refs(&whole["paths"], &mut walked);
        walked.retain(|r| !r.starts_with('#'));
        let (_, paths) = parse(TEXT).unwrap();
        let paths = paths.unwrap();
        assert_eq!(paths.external_refs().collect::<Vec<_>>(), walked);
        assert_eq!(walked, ["top.json", "other.json#/b", "last.json#/r"]);
    }

    #[test]
    fn repeated_keys_arrays_and_escapes_read_back_and_walk_as_a_value_does() {
        let text = r##"{"paths": {
            "/a\"b": {"get": {"parameters": [{"$ref": "p1.json"}, {"x": [{"$ref": "p2.json"}]}],
                       "responses": {"200": {"$ref": "gone.json"}, "200": {"description": "é\u0041\n"}},
                       "$ref": "own1.json", "$ref": "own2.json"},
                     "put": {"$ref": "first.json", "$ref": 7, "default": {"$ref": "data.json"}},
                     "n": [1, -2, 0.5, 1e300, -0.0, 18446744073709551615, true, null, "\ud83d\ude00"]}
        }}"##;
        let whole: Value = serde_json::from_str(text).unwrap();
        let (mut value, paths) = parse(text).unwrap();
        let paths = paths.unwrap();
        let mut walked = Vec::new();
        collect_refs(&whole["paths"], &mut walked);
        assert_eq!(paths.external_refs().collect::<Vec<_>>(), walked);
        assert_eq!(walked, ["own2.json", "p2.json", "p1.json"]);
        value["paths"] = paths.into_value();
        assert_eq!(value, whole);
        assert_eq!(
            serde_json::to_string(&value).unwrap(),
            serde_json::to_string(&whole).unwrap()
        );
    }

    #[test]
    fn errors_and_other_paths_are_as_for_a_value() {
        for text in [
            r#"{"paths": {"/a": {"get": }}}"#,
            r#"{"paths": {"/a": {}}} x"#,
            r#"{"paths": {"/a": [[[[1]]]]}, "#,
        ] {
            let lazy = parse(text).unwrap_err().to_string();
            let whole = serde_json::from_str::<Value>(text).unwrap_err().to_string();
            assert_eq!(lazy, whole);
        }
        let deep = format!(
            r#"{{"paths": {{"/a": {}1{}}}}}"#,
            "[".repeat(130),
            "]".repeat(130)
        );
        let lazy = parse(&deep).unwrap_err().to_string();
        let whole = serde_json::from_str::<Value>(&deep)
            .unwrap_err()
            .to_string();
        assert_eq!(lazy, whole);
        for text in [
            r#"{"paths": [1, "a"]}"#,
            r#"{"paths": null}"#,
            r#"{"paths": 2}"#,
        ] {
            let (value, paths) = parse(text).unwrap();
            assert!(paths.is_none());
            assert_eq!(value, serde_json::from_str::<Value>(text).unwrap());
        }
        let (value, paths) = parse(r#"{"paths": {"/a": {}}, "paths": false}"#).unwrap();
        assert!(paths.is_none());
        assert_eq!(value, json!({"paths": false}));
    }

    #[test]
    fn a_document_that_may_refer_into_its_paths_is_read_whole() {
        assert!(mentions_paths(r##"{"$ref": "#/paths/~1a/get"}"##));
        assert!(mentions_paths(r##"{"$ref": "#\/paths/~1a"}"##));
        assert!(!mentions_paths(
            r##"{"paths": {}, "$ref": "#/components/x"}"##
        ));
    }
}
