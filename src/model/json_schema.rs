//! The JSON Schema (draft 2020-12) form of a model schema, for standard validators.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{AdditionalProperties, Direction, SchemaId, Schemas, Types};

impl Schemas {
    /// The JSON Schema (draft 2020-12) form of schema `id`, self-contained:
    /// every named schema it reaches is placed under `$defs` and referred to
    /// by `$ref`, so recursive schemas stay finite.
    pub fn to_json_schema(&self, id: SchemaId) -> Value {
        self.json_schema(id, None)
    }

    /// [`to_json_schema`](Self::to_json_schema) for values travelling in
    /// `direction`: properties that are `readOnly` (in requests) or
    /// `writeOnly` (in responses) are no longer required, as OpenAPI specifies.
    pub fn to_json_schema_for(&self, id: SchemaId, direction: Direction) -> Value {
        self.json_schema(id, Some(direction))
    }

    fn json_schema(&self, id: SchemaId, direction: Option<Direction>) -> Value {
        let mut defs = BTreeMap::new();
        let mut pending = Vec::new();
        let cx = Emit { direction };
        let root = self.emit(id, true, &mut pending, cx);
        while let Some(next) = pending.pop() {
            let key = def_key(self, next);
            if defs.contains_key(&key) {
                continue;
            }
            defs.insert(key.clone(), Value::Null); // placeholder against revisits
            let body = self.emit(next, true, &mut pending, cx);
            defs.insert(key, body);
        }
        let mut out = match root {
            Value::Object(map) => map,
            other => {
                let mut map = Map::new();
                map.insert("allOf".into(), json!([other]));
                map
            }
        };
        out.insert(
            "$schema".into(),
            json!("https://json-schema.org/draft/2020-12/schema"),
        );
        if !defs.is_empty() {
            out.insert("$defs".into(), Value::Object(defs.into_iter().collect()));
        }
        Value::Object(out)
    }

    /// One schema as a JSON object; named children become `$ref`s queued in `pending`.
    fn emit(&self, id: SchemaId, top: bool, pending: &mut Vec<SchemaId>, cx: Emit) -> Value {
        let s = self.get(id);
        if !top && s.name.is_some() {
            pending.push(id);
            return json!({ "$ref": format!("#/$defs/{}", def_key(self, id)) });
        }
        let mut child = |c: SchemaId| self.emit(c, false, pending, cx);
        let mut m = Map::new();
        if !s.types.is_any() {
            let mut names: Vec<Value> = s.types.iter().map(|t| json!(t.as_str())).collect();
            if s.nullable && !s.types.contains(Types::Null) {
                names.push(json!("null"));
            }
            m.insert(
                "type".into(),
                if names.len() == 1 {
                    names.remove(0)
                } else {
                    Value::Array(names)
                },
            );
        }
        if let Some(f) = &s.format {
            m.insert("format".into(), json!(f));
        }
        if let Some(values) = &s.enumeration {
            let mut values = values.clone();
            if s.nullable && !values.contains(&Value::Null) {
                values.push(Value::Null);
            }
            m.insert("enum".into(), Value::Array(values));
        }
        if let Some(c) = &s.constant {
            m.insert("const".into(), c.clone());
        }
        if let Some(n) = &s.minimum {
            let key = if s.exclusive_minimum {
                "exclusiveMinimum"
            } else {
                "minimum"
            };
            m.insert(key.into(), Value::Number(n.clone()));
        }
        if let Some(n) = &s.maximum {
            let key = if s.exclusive_maximum {
                "exclusiveMaximum"
            } else {
                "maximum"
            };
            m.insert(key.into(), Value::Number(n.clone()));
        }
        if cx.direction == Some(Direction::Request) {
            format_bounds(s, &mut m);
        }
        if let Some(n) = s.multiple_of {
            m.insert("multipleOf".into(), json!(n));
        }
        for (key, v) in [
            ("minLength", s.min_length),
            ("maxLength", s.max_length),
            ("minItems", s.min_items),
            ("maxItems", s.max_items),
            ("minProperties", s.min_properties),
            ("maxProperties", s.max_properties),
        ] {
            if let Some(v) = v {
                m.insert(key.into(), json!(v));
            }
        }
        if let Some(p) = &s.pattern {
            m.insert("pattern".into(), json!(p));
        }
        if !s.prefix_items.is_empty() {
            let items: Vec<Value> = s.prefix_items.iter().map(|c| child(*c)).collect();
            m.insert("prefixItems".into(), Value::Array(items));
        }
        if let Some(items) = s.items {
            m.insert("items".into(), child(items));
        }
        if s.unique_items {
            m.insert("uniqueItems".into(), json!(true));
        }
        if !s.properties.is_empty() {
            let props: Map<String, Value> = s
                .properties
                .iter()
                .map(|(k, v)| (k.clone(), child(*v)))
                .collect();
            m.insert("properties".into(), Value::Object(props));
        }
        let required: Vec<&String> = s
            .required
            .iter()
            .filter(|name| {
                let Some(p) = s.properties.get(*name).map(|p| self.get(*p)) else {
                    return true;
                };
                match cx.direction {
                    Some(Direction::Request) => !p.read_only,
                    Some(Direction::Response) => !p.write_only,
                    None => true,
                }
            })
            .collect();
        if !required.is_empty() {
            m.insert("required".into(), json!(required));
        }
        match s.additional_properties {
            AdditionalProperties::Any => {}
            AdditionalProperties::Forbidden => {
                m.insert("additionalProperties".into(), json!(false));
            }
            AdditionalProperties::Schema(a) => {
                m.insert("additionalProperties".into(), child(a));
            }
        }
        for (key, list) in [
            ("allOf", &s.all_of),
            ("oneOf", &s.one_of),
            ("anyOf", &s.any_of),
        ] {
            if !list.is_empty() {
                let list: Vec<Value> = list.iter().map(|c| child(*c)).collect();
                m.insert(key.into(), Value::Array(list));
            }
        }
        if let Some(n) = s.not {
            m.insert("not".into(), child(n));
        }
        if s.read_only {
            m.insert("readOnly".into(), json!(true));
        }
        if s.write_only {
            m.insert("writeOnly".into(), json!(true));
        }
        // A 3.0 `nullable` with composition but no type: null is allowed besides.
        if s.nullable && s.types.is_any() && has_constraints(&m) {
            return json!({ "anyOf": [ { "type": "null" }, Value::Object(m) ] });
        }
        Value::Object(m)
    }
}

/// For a request, an integer format's range as `minimum`/`maximum` where the
/// schema gives none or a looser one: a server that reads `format: int32`
/// into a 32-bit integer rejects 2^31, so such a value is an invalid request.
fn format_bounds(s: &super::Schema, m: &mut Map<String, Value>) {
    let Some(((lo, hi), (lower, upper))) = s.format_sides() else {
        return;
    };
    if !s.allows_type(Types::Integer) {
        return;
    }
    if lower {
        m.remove("exclusiveMinimum");
        m.insert("minimum".into(), int_number(lo));
    }
    if upper {
        m.remove("exclusiveMaximum");
        m.insert("maximum".into(), int_number(hi));
    }
}

/// An integer within 64 bits as a JSON number.
fn int_number(v: i128) -> Value {
    i64::try_from(v)
        .map(Value::from)
        .or_else(|_| u64::try_from(v).map(Value::from))
        .unwrap_or(Value::Null)
}

/// What every schema of one export shares.
#[derive(Clone, Copy)]
struct Emit {
    direction: Option<Direction>,
}

fn has_constraints(m: &Map<String, Value>) -> bool {
    !m.is_empty()
}

/// The `$defs` key of a named schema: its name made safe for a pointer, plus its id.
fn def_key(schemas: &Schemas, id: SchemaId) -> String {
    let name = schemas.get(id).name.as_deref().unwrap_or("schema");
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{safe}-{}", id.0)
}

#[cfg(test)]
mod tests {
    use super::super::{Schema, TypeSet};
    use super::*;

    #[test]
    fn recursive_schema_becomes_defs_with_refs() {
        let mut arena = Schemas::new();
        let node = arena.push(Schema::default());
        let list = arena.push(Schema {
            types: TypeSet::one(Types::Array),
            items: Some(node),
            ..Schema::default()
        });
        if let Some(n) = arena.get_mut(node) {
            n.name = Some("Node".into());
            n.types = TypeSet::one(Types::Object);
            n.properties.insert("children".into(), list);
        }
        let js = arena.to_json_schema(node);
        assert_eq!(js["type"], "object");
        assert_eq!(
            js["properties"]["children"]["items"]["$ref"],
            "#/$defs/Node-0"
        );
        assert_eq!(js["$defs"]["Node-0"]["type"], "object");
    }

    #[test]
    fn nullable_adds_null_to_type_and_enum() {
        let mut arena = Schemas::new();
        let id = arena.push(Schema {
            types: TypeSet::one(Types::String),
            nullable: true,
            enumeration: Some(vec![json!("a")]),
            ..Schema::default()
        });
        let js = arena.to_json_schema(id);
        assert_eq!(js["type"], json!(["string", "null"]));
        assert_eq!(js["enum"], json!(["a", null]));
    }
}
