//! Raw schemas (any dialect) into the model's schema arena.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Number, Value};
use url::Url;

use super::Context;
use super::dangling::DanglingRefs;
use super::enums;
use crate::model::{
    AdditionalProperties, Discriminator, Schema, SchemaId, TypeSet, Types, WarningKind,
};
use crate::spec::documents::Documents;
use crate::spec::reference::{Reference, escape};

/// A hash of a schema's content (its JSON form, written into `scratch`
/// and hashed in one piece), `None` if it has none.
fn content_hash(scratch: &mut Vec<u8>, schema: &Schema) -> Option<u64> {
    use std::hash::{BuildHasher, BuildHasherDefault};
    scratch.clear();
    serde_json::to_writer(&mut *scratch, schema).ok()?;
    let hasher = BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default();
    Some(hasher.hash_one(scratch.as_slice()))
}

/// Deepest nesting followed (inline schemas and `$ref` targets built while
/// building another); deeper schemas become any-schemas with a warning.
const MAX_DEPTH: usize = 256;

/// Formats apiprobe knows; others are kept but warned about once.
const KNOWN_FORMATS: &[&str] = &[
    "int32",
    "int64",
    "float",
    "double",
    "byte",
    "binary",
    "date",
    "date-time",
    "time",
    "duration",
    "password",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uri-template",
    "uuid",
    "json-pointer",
    "relative-json-pointer",
    "regex",
    "url",
    "decimal",
    "number",
    "integer",
    "string",
    "base64",
    "uint32",
    "uint64",
    "int8",
    "int16",
    "uint8",
    "uint16",
    "char",
    "ip",
    "phone",
    "timestamp",
];

/// Keywords read but not enforced; each is warned about once.
const IGNORED_KEYWORDS: &[&str] = &[
    "dependentRequired",
    "dependentSchemas",
    "dependencies",
    "if",
    "then",
    "else",
    "unevaluatedProperties",
    "unevaluatedItems",
    "patternProperties",
    "propertyNames",
    "contains",
    "minContains",
    "maxContains",
    "$dynamicRef",
    "$recursiveRef",
];

/// Keywords that may sit beside a `$ref` without changing what it means.
const ANNOTATIONS: &[&str] = &[
    "description",
    "summary",
    "title",
    "example",
    "examples",
    "$comment",
    "externalDocs",
    "xml",
];

/// Builds schemas into one arena, interning `$ref` targets so that each is built once.
pub(crate) struct SchemaBuilder<'d> {
    docs: &'d Documents,
    pub(crate) arena: crate::model::Schemas,
    by_ref: HashMap<String, SchemaId>,
    /// Inline schemas built so far, by a hash of their content: an equal
    /// one gets a slot of its own that shares the stored schema.
    inline: HashMap<u64, Vec<SchemaId>>,
    /// The JSON text of the inline schema being hashed (kept for its room).
    scratch: Vec<u8>,
    any: Option<SchemaId>,
    warned_formats: HashSet<String>,
    warned_keywords: HashSet<&'static str>,
    /// Schema references that do not resolve, each one slot that allows any value.
    pub(crate) dangling: DanglingRefs,
}

impl<'d> SchemaBuilder<'d> {
    pub(crate) fn new(docs: &'d Documents) -> Self {
        SchemaBuilder {
            docs,
            arena: crate::model::Schemas::new(),
            by_ref: HashMap::new(),
            inline: HashMap::new(),
            scratch: Vec::new(),
            any: None,
            warned_formats: HashSet::new(),
            warned_keywords: HashSet::new(),
            dangling: DanglingRefs::default(),
        }
    }

    /// The shared schema that allows anything.
    pub(crate) fn any(&mut self) -> SchemaId {
        match self.any {
            Some(id) => id,
            None => {
                let id = self.arena.push(Schema::default());
                self.any = Some(id);
                id
            }
        }
    }

    /// Builds `value`, found at `loc` in the document `base`.
    pub(crate) fn build(
        &mut self,
        cx: &mut Context,
        base: &Url,
        value: &Value,
        loc: &str,
    ) -> SchemaId {
        self.node(cx, base, value, loc, 0)
    }

    fn node(
        &mut self,
        cx: &mut Context,
        base: &Url,
        value: &Value,
        loc: &str,
        depth: usize,
    ) -> SchemaId {
        if depth > MAX_DEPTH {
            cx.warn(
                WarningKind::TooDeep,
                loc,
                format!("schema nested deeper than {MAX_DEPTH} levels; accepted as any value"),
            );
            return self.any();
        }
        let map = match value {
            Value::Object(map) => map,
            Value::Bool(true) => return self.any(),
            Value::Bool(false) => {
                let any = self.any();
                return self.arena.push(Schema {
                    not: Some(any),
                    ..Schema::default()
                });
            }
            _ => {
                cx.warn(
                    WarningKind::InvalidObject,
                    loc,
                    "a schema must be an object; accepted as any value",
                );
                return self.any();
            }
        };
        let Some(raw_ref) = map.get("$ref") else {
            let schema = self.body(cx, base, map, loc, depth);
            return self.push_inline(schema);
        };
        let target = match raw_ref
            .as_str()
            .ok_or("$ref is not a string".to_owned())
            .and_then(|r| self.reference(base, r))
        {
            Ok(Interned::Known(id)) => id,
            Ok(Interned::New(id, reference)) => {
                self.fill(cx, id, &reference, depth);
                id
            }
            // one slot per dangling target, reported once with every place (dangling.rs)
            Err(why) => self
                .dangling
                .schema(cx, &mut self.arena, (base, loc), raw_ref, &why),
        };
        let siblings: Map<String, Value> = map
            .iter()
            .filter(|(k, _)| {
                k.as_str() != "$ref" && !ANNOTATIONS.contains(&k.as_str()) && !k.starts_with("x-")
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if siblings.is_empty() {
            return target;
        }
        // `$ref` with constraining siblings (3.1, and common in 3.0 practice): both apply.
        let mut wrapper = self.body(cx, base, &siblings, loc, depth);
        wrapper.all_of.insert(0, target);
        self.arena.push(wrapper)
    }

    /// Adds an inline schema; one equal to an inline schema added before
    /// shares its stored copy (a slot of its own all the same).
    fn push_inline(&mut self, schema: Schema) -> SchemaId {
        let Some(hash) = content_hash(&mut self.scratch, &schema) else {
            return self.arena.push(schema);
        };
        let same = self.inline.get(&hash).and_then(|ids| {
            ids.iter()
                .copied()
                .find(|id| *self.arena.get(*id) == schema)
        });
        if let Some(same) = same {
            return self.arena.push_same(same);
        }
        let id = self.arena.push(schema);
        self.inline.entry(hash).or_default().push(id);
        id
    }

    /// Finds or reserves the arena slot of a reference's target.
    fn reference(&mut self, base: &Url, raw: &str) -> Result<Interned, String> {
        let resolved = self.docs.resolve(base, raw)?;
        let key = resolved.reference.key();
        if let Some(id) = self.by_ref.get(&key) {
            return Ok(Interned::Known(*id));
        }
        let id = self.arena.push(Schema {
            name: resolved.reference.name(),
            ..Schema::default()
        });
        self.by_ref.insert(key, id);
        Ok(Interned::New(id, resolved.reference))
    }

    /// Builds a reserved reference target into its slot.
    fn fill(&mut self, cx: &mut Context, id: SchemaId, reference: &Reference, depth: usize) {
        let docs = self.docs;
        let Ok(value) = docs.lookup(reference) else {
            return;
        };
        let loc = cx.location(&reference.doc, &reference.pointer);
        let built = match value {
            Value::Object(map) => self.body(cx, &reference.doc, map, &loc, depth + 1),
            Value::Bool(false) => {
                let any = self.any();
                Schema {
                    not: Some(any),
                    ..Schema::default()
                }
            }
            _ => Schema::default(),
        };
        if let Some(slot) = self.arena.get_mut(id) {
            let name = slot.name.take();
            *slot = Schema { name, ..built };
        }
    }

    /// Reads every keyword of one schema object.
    fn body(
        &mut self,
        cx: &mut Context,
        base: &Url,
        map: &Map<String, Value>,
        loc: &str,
        depth: usize,
    ) -> Schema {
        let mut s = Schema::default();
        let at = |key: &str| format!("{loc}/{}", escape(key));
        // `rel` is a relative pointer, already escaped (`properties/a~1b`)
        let child = |me: &mut Self, cx: &mut Context, rel: &str, v: &Value| {
            me.node(cx, base, v, &format!("{loc}/{rel}"), depth + 1)
        };

        match map.get("type") {
            Some(Value::String(t)) => self.add_type(cx, &mut s.types, t, &at("type")),
            Some(Value::Array(list)) => {
                for t in list.iter().filter_map(Value::as_str) {
                    self.add_type(cx, &mut s.types, t, &at("type"));
                }
            }
            Some(_) => cx.warn(
                WarningKind::InvalidObject,
                &at("type"),
                "`type` must be a string or an array; ignored",
            ),
            None => {}
        }
        if s.types.contains(Types::Null) && s.types.len() > 1 {
            s.types.remove(Types::Null);
            s.nullable = true;
        }
        s.nullable |= flag(map, "nullable") || flag(map, "x-nullable");
        if let Some(f) = map.get("format").and_then(Value::as_str) {
            if !KNOWN_FORMATS.contains(&f) && self.warned_formats.insert(f.to_owned()) {
                cx.warn(
                    WarningKind::UnknownFormat,
                    &at("format"),
                    format!("unknown format {f:?}; only the type is used"),
                );
            }
            s.format = Some(f.to_owned());
        }
        match map.get("enum") {
            Some(Value::Array(values)) => {
                s.enumeration = Some(self.enumeration(cx, &mut s, values, &at("enum")))
            }
            Some(_) => cx.warn(
                WarningKind::InvalidObject,
                &at("enum"),
                "`enum` must be an array; ignored",
            ),
            None => {}
        }
        s.constant = map.get("const").cloned();
        s.default = map.get("default").cloned();
        if let Some(e) = map.get("example") {
            s.examples.push(e.clone());
        }
        match map.get("examples") {
            Some(Value::Array(list)) => s.examples.extend(list.iter().cloned()),
            Some(Value::Object(named)) => s
                .examples
                .extend(named.values().map(|e| e.get("value").unwrap_or(e).clone())),
            _ => {}
        }

        s.minimum = number(map.get("minimum"));
        s.maximum = number(map.get("maximum"));
        match map.get("exclusiveMinimum") {
            Some(Value::Bool(b)) => s.exclusive_minimum = *b && s.minimum.is_some(),
            Some(Value::Number(n)) if s.minimum.as_ref().is_none_or(|m| as_f64(m) <= as_f64(n)) => {
                s.minimum = Some(n.clone());
                s.exclusive_minimum = true;
            }
            _ => {}
        }
        match map.get("exclusiveMaximum") {
            Some(Value::Bool(b)) => s.exclusive_maximum = *b && s.maximum.is_some(),
            Some(Value::Number(n)) if s.maximum.as_ref().is_none_or(|m| as_f64(m) >= as_f64(n)) => {
                s.maximum = Some(n.clone());
                s.exclusive_maximum = true;
            }
            _ => {}
        }
        if let Some(m) = map.get("multipleOf") {
            match m.as_f64() {
                Some(v) if v > 0.0 && v.is_finite() => s.multiple_of = Some(v),
                _ => cx.warn(
                    WarningKind::InvalidObject,
                    &at("multipleOf"),
                    "`multipleOf` must be a number above 0; ignored",
                ),
            }
        }
        s.min_length = self.count(cx, map, "minLength", loc);
        s.max_length = self.count(cx, map, "maxLength", loc);
        if let Some(p) = map.get("pattern") {
            match p.as_str() {
                Some(p) => s.pattern = Some(p.to_owned()),
                None => cx.warn(
                    WarningKind::InvalidObject,
                    &at("pattern"),
                    "`pattern` must be a string; ignored",
                ),
            }
        }

        match map.get("items") {
            Some(Value::Array(tuple)) => {
                // draft-4 tuple form
                s.prefix_items = tuple
                    .iter()
                    .enumerate()
                    .map(|(i, v)| child(self, cx, &format!("items/{i}"), v))
                    .collect();
            }
            Some(v) => s.items = Some(child(self, cx, "items", v)),
            None => {}
        }
        if let Some(Value::Array(tuple)) = map.get("prefixItems") {
            s.prefix_items = tuple
                .iter()
                .enumerate()
                .map(|(i, v)| child(self, cx, &format!("prefixItems/{i}"), v))
                .collect();
        }
        s.min_items = self.count(cx, map, "minItems", loc);
        s.max_items = self.count(cx, map, "maxItems", loc);
        s.unique_items = flag(map, "uniqueItems");

        if let Some(props) = map.get("properties") {
            match props {
                Value::Object(props) => {
                    for (name, v) in props {
                        let id = child(self, cx, &format!("properties/{}", escape(name)), v);
                        s.properties.insert(name.clone(), id);
                    }
                }
                _ => cx.warn(
                    WarningKind::InvalidObject,
                    &at("properties"),
                    "`properties` must be an object; ignored",
                ),
            }
        }
        if let Some(Value::Array(req)) = map.get("required") {
            s.required = req
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
            s.required.dedup();
            for name in &s.required {
                if let Some(id) = s.properties.get(name)
                    && self.is_false(*id)
                {
                    cx.warn(
                        WarningKind::InvalidObject,
                        &format!("{loc}/properties/{}", escape(name)),
                        format!(
                            "required property {name:?} has the schema `false`: no value is valid, so no valid value of this schema exists (positive cases that need it are impossible; it is left out)"
                        ),
                    );
                }
            }
        }
        s.additional_properties = match map.get("additionalProperties") {
            None | Some(Value::Bool(true)) => AdditionalProperties::Any,
            Some(Value::Bool(false)) => AdditionalProperties::Forbidden,
            Some(v) => AdditionalProperties::Schema(child(self, cx, "additionalProperties", v)),
        };
        s.min_properties = self.count(cx, map, "minProperties", loc);
        s.max_properties = self.count(cx, map, "maxProperties", loc);

        for (key, slot) in [
            ("allOf", &mut s.all_of),
            ("oneOf", &mut s.one_of),
            ("anyOf", &mut s.any_of),
        ] {
            match map.get(key) {
                Some(Value::Array(list)) => {
                    *slot = list
                        .iter()
                        .enumerate()
                        .map(|(i, v)| child(self, cx, &format!("{key}/{i}"), v))
                        .collect();
                }
                Some(_) => cx.warn(
                    WarningKind::InvalidObject,
                    &at(key),
                    format!("`{key}` must be an array; ignored"),
                ),
                None => {}
            }
        }
        if let Some(n) = map.get("not") {
            s.not = Some(child(self, cx, "not", n));
        }
        if let Some(d) = map.get("discriminator") {
            s.discriminator = self.discriminator(cx, base, d, &s, &at("discriminator"));
        }
        s.read_only = flag(map, "readOnly");
        s.write_only = flag(map, "writeOnly");
        s.deprecated = flag(map, "deprecated");
        let (length, items, pattern) = (s.min_length, s.min_items, s.pattern.as_deref());
        if let Some(why) = crate::model::caps::over_caps(length, items, s.min_properties, pattern) {
            cx.warn(WarningKind::Capped, loc, why);
        }
        super::lint::schema(cx, &s, loc);

        for keyword in IGNORED_KEYWORDS {
            if map.contains_key(*keyword) && self.warned_keywords.insert(keyword) {
                cx.warn(
                    WarningKind::IgnoredKeyword,
                    &at(keyword),
                    format!("`{keyword}` is not enforced (warned once)"),
                );
            }
        }
        s
    }

    /// The members of an `enum`, fitted to the declared type (`enums.rs`),
    /// with a warning for each member that did not fit.
    fn enumeration(
        &mut self,
        cx: &mut Context,
        s: &mut Schema,
        values: &[Value],
        loc: &str,
    ) -> Vec<Value> {
        let fitted = enums::fit(s.types, s.nullable, values);
        let declared: Vec<&str> = s.types.iter().map(Types::as_str).collect();
        let declared = declared.join(" or ");
        if !fitted.coerced.is_empty() {
            let pairs: Vec<String> = fitted
                .coerced
                .iter()
                .map(|(from, to)| format!("{from} as {to}"))
                .collect();
            cx.warn(
                WarningKind::InvalidObject,
                loc,
                format!(
                    "enum members that are not of type {declared} are read as what their text means: {}",
                    pairs.join(", ")
                ),
            );
        }
        if !fitted.kept.is_empty() {
            let kept: Vec<String> = fitted.kept.iter().map(Value::to_string).collect();
            cx.warn(
                WarningKind::InvalidObject,
                loc,
                format!(
                    "enum members {} are not of type {declared}; kept as written (and sent as written)",
                    kept.join(", ")
                ),
            );
            for t in fitted.widened {
                match t {
                    Types::Null => s.nullable = true,
                    t => s.types.insert(t),
                }
            }
        }
        fitted.members
    }

    /// Whether schema `id` is `false`: `not` of the schema that allows anything.
    fn is_false(&self, id: SchemaId) -> bool {
        let s = self.arena.get(id);
        self.any.is_some()
            && s.not == self.any
            && *s
                == Schema {
                    not: self.any,
                    ..Schema::default()
                }
    }

    fn add_type(&mut self, cx: &mut Context, types: &mut TypeSet, name: &str, loc: &str) {
        match Types::from_name(name) {
            Some(t) => types.insert(t),
            None if name == "file" => {
                types.insert(Types::String); // Swagger 2.0 leftovers in 3.x documents
            }
            None => cx.warn(
                WarningKind::InvalidObject,
                loc,
                format!("unknown type {name:?}; ignored"),
            ),
        }
    }

    fn count(
        &mut self,
        cx: &mut Context,
        map: &Map<String, Value>,
        key: &str,
        loc: &str,
    ) -> Option<u64> {
        let v = map.get(key)?;
        match v.as_u64().or_else(|| {
            v.as_f64()
                .filter(|f| *f >= 0.0 && f.fract() == 0.0)
                .map(|f| f as u64)
        }) {
            Some(n) => Some(n),
            None => {
                cx.warn(
                    WarningKind::InvalidObject,
                    &format!("{loc}/{key}"),
                    format!("`{key}` must be a whole number of at least 0; ignored"),
                );
                None
            }
        }
    }

    fn discriminator(
        &mut self,
        cx: &mut Context,
        base: &Url,
        d: &Value,
        s: &Schema,
        loc: &str,
    ) -> Option<Discriminator> {
        let Some(property_name) = d.get("propertyName").and_then(Value::as_str) else {
            cx.warn(
                WarningKind::InvalidObject,
                loc,
                "discriminator without `propertyName`; ignored",
            );
            return None;
        };
        let mut mapping = indexmap::IndexMap::new();
        for (value, target) in d
            .get("mapping")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let Some(target) = target.as_str() else {
                continue;
            };
            let raw = if target.contains('#') || target.contains('/') || target.contains('.') {
                target.to_owned()
            } else {
                format!("#/components/schemas/{}", escape(target))
            };
            let at = format!("{loc}/mapping/{}", escape(value));
            if let Err(why) = self.docs.resolve(base, &raw) {
                cx.warn(
                    WarningKind::UnresolvedRef,
                    &at,
                    format!("discriminator mapping {target:?} does not resolve: {why}; ignored"),
                );
                continue;
            }
            let r = Value::Object(Map::from_iter([("$ref".to_owned(), Value::String(raw))]));
            let id = self.node(cx, base, &r, &at, 0);
            mapping.insert(value.clone(), id);
        }
        for id in s.one_of.iter().chain(&s.any_of) {
            if mapping.values().any(|m| m == id) {
                continue;
            }
            if let Some(name) = self.arena.get(*id).name.clone() {
                mapping.entry(name).or_insert(*id);
            }
        }
        Some(Discriminator {
            property_name: property_name.to_owned(),
            mapping,
        })
    }
}

enum Interned {
    Known(SchemaId),
    New(SchemaId, Reference),
}

fn flag(map: &Map<String, Value>, key: &str) -> bool {
    map.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn number(v: Option<&Value>) -> Option<Number> {
    match v? {
        Value::Number(n) => Some(n.clone()),
        // sloppy specs quote their bounds
        Value::String(s) => s.trim().parse::<f64>().ok().and_then(Number::from_f64),
        _ => None,
    }
}

fn as_f64(n: &Number) -> f64 {
    n.as_f64().unwrap_or(0.0)
}
