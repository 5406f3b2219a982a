//! Schemas: resolved, cycle-safe, with every keyword generation and validation need.

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::{Number, Value};

/// A schema's index in its [`Schemas`] arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct SchemaId(pub u32);

/// Which side of an exchange a value travels: `readOnly` properties are left
/// out of requests and `writeOnly` ones out of responses, and `required`
/// applies to them only on their own side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// A value the client sends.
    Request,
    /// A value the server sends.
    Response,
}

/// A JSON type a schema can allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Types {
    /// `null`
    Null,
    /// `boolean`
    Boolean,
    /// `integer`
    Integer,
    /// `number` (includes integers)
    Number,
    /// `string`
    String,
    /// `array`
    Array,
    /// `object`
    Object,
}

impl Types {
    /// Every type, in JSON Schema's customary order.
    pub const ALL: [Types; 7] = [
        Types::Null,
        Types::Boolean,
        Types::Integer,
        Types::Number,
        Types::String,
        Types::Array,
        Types::Object,
    ];

    /// The type's JSON Schema name.
    pub fn as_str(self) -> &'static str {
        match self {
            Types::Null => "null",
            Types::Boolean => "boolean",
            Types::Integer => "integer",
            Types::Number => "number",
            Types::String => "string",
            Types::Array => "array",
            Types::Object => "object",
        }
    }

    /// The type named `name` in JSON Schema, if it is one.
    pub fn from_name(name: &str) -> Option<Types> {
        Types::ALL.into_iter().find(|t| t.as_str() == name)
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of [`Types`]; empty means that any type is allowed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TypeSet(u8);

impl TypeSet {
    /// The set holding one type.
    pub fn one(t: Types) -> Self {
        TypeSet(t.bit())
    }

    /// Whether no type is named (any value is allowed).
    pub fn is_any(self) -> bool {
        self.0 == 0
    }

    /// Whether `t` is named.
    pub fn contains(self, t: Types) -> bool {
        self.0 & t.bit() != 0
    }

    /// Adds `t`.
    pub fn insert(&mut self, t: Types) {
        self.0 |= t.bit();
    }

    /// Removes `t`.
    pub fn remove(&mut self, t: Types) {
        self.0 &= !t.bit();
    }

    /// The types both sets allow; [`is_any`](Self::is_any) sets are neutral.
    pub fn intersect(self, other: TypeSet) -> TypeSet {
        if self.is_any() {
            return other;
        }
        if other.is_any() {
            return self;
        }
        // integer is a subset of number
        let mut out = TypeSet(self.0 & other.0);
        if self.contains(Types::Number) && other.contains(Types::Integer)
            || self.contains(Types::Integer) && other.contains(Types::Number)
        {
            out.insert(Types::Integer);
        }
        out
    }

    /// The named types, in [`Types::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Types> {
        Types::ALL.into_iter().filter(move |t| self.contains(*t))
    }

    /// How many types are named.
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Whether no type is named (same as [`is_any`](Self::is_any)).
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl Serialize for TypeSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// What an object allows beyond its declared properties.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AdditionalProperties {
    /// Anything (the default).
    #[default]
    Any,
    /// Nothing: `additionalProperties: false`.
    Forbidden,
    /// Values of this schema.
    Schema(SchemaId),
}

/// A `discriminator`: which property names the branch of a oneOf/anyOf.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Discriminator {
    /// The property that holds the branch name.
    pub property_name: String,
    /// Property value to branch schema, explicit mappings and implicit (schema name) ones.
    pub mapping: IndexMap<String, SchemaId>,
}

/// One schema, with every keyword generation and validation need.
///
/// Swagger 2.0, OpenAPI 3.0 and 3.1 forms are all normalised into this one:
/// 3.1 type arrays with `null` become `nullable`, `x-nullable` too, boolean and
/// numeric exclusive bounds become a bound plus a flag, `example` and
/// `examples` are collected into [`examples`](Self::examples).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Schema {
    /// The component's name when the schema came from a named `$ref` target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Allowed types; empty means any.
    #[serde(skip_serializing_if = "is_any_type")]
    pub types: TypeSet,
    /// Whether `null` is allowed as well as [`types`](Self::types).
    #[serde(skip_serializing_if = "is_false")]
    pub nullable: bool,
    /// `format`, e.g. `date-time`, `uuid`, `int64`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// `enum`: the only allowed values.
    #[serde(rename = "enum", skip_serializing_if = "Option::is_none")]
    pub enumeration: Option<Vec<Value>>,
    /// `const`: the one allowed value.
    #[serde(rename = "const", skip_serializing_if = "Option::is_none")]
    pub constant: Option<Value>,
    /// `default`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    /// `example` and `examples`, merged.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<Value>,
    /// Lower bound for numbers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum: Option<Number>,
    /// Whether [`minimum`](Self::minimum) itself is excluded.
    #[serde(skip_serializing_if = "is_false")]
    pub exclusive_minimum: bool,
    /// Upper bound for numbers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum: Option<Number>,
    /// Whether [`maximum`](Self::maximum) itself is excluded.
    #[serde(skip_serializing_if = "is_false")]
    pub exclusive_maximum: bool,
    /// Numbers must be a multiple of this (greater than zero).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multiple_of: Option<f64>,
    /// Minimum string length in characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u64>,
    /// Maximum string length in characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u64>,
    /// An ECMA-262 regular expression strings must match (unanchored).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// The schema of array items (after any [`prefix_items`](Self::prefix_items)).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<SchemaId>,
    /// Tuple positions (3.1 `prefixItems`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub prefix_items: Vec<SchemaId>,
    /// Minimum item count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_items: Option<u64>,
    /// Maximum item count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_items: Option<u64>,
    /// Whether items must be distinct.
    #[serde(skip_serializing_if = "is_false")]
    pub unique_items: bool,
    /// Declared object properties, in the spec's order.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub properties: IndexMap<String, SchemaId>,
    /// Properties an object must have.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub required: Vec<String>,
    /// What is allowed beyond [`properties`](Self::properties).
    #[serde(skip_serializing_if = "is_any_additional")]
    pub additional_properties: AdditionalProperties,
    /// Minimum property count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_properties: Option<u64>,
    /// Maximum property count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_properties: Option<u64>,
    /// Every one of these must match too (left only where merging was impossible).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub all_of: Vec<SchemaId>,
    /// Exactly one of these must match.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub one_of: Vec<SchemaId>,
    /// At least one of these must match.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub any_of: Vec<SchemaId>,
    /// This must not match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not: Option<SchemaId>,
    /// Which property selects the oneOf/anyOf branch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discriminator: Option<Discriminator>,
    /// Sent by the server only: left out of requests.
    #[serde(skip_serializing_if = "is_false")]
    pub read_only: bool,
    /// Sent by the client only: left out of expected responses.
    #[serde(skip_serializing_if = "is_false")]
    pub write_only: bool,
    /// Whether the spec marks it deprecated.
    #[serde(skip_serializing_if = "is_false")]
    pub deprecated: bool,
}

fn is_any_type(t: &TypeSet) -> bool {
    t.is_any()
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_any_additional(a: &AdditionalProperties) -> bool {
    *a == AdditionalProperties::Any
}

impl Schema {
    /// Whether this schema allows values of type `t` (ignoring other keywords).
    pub fn allows_type(&self, t: Types) -> bool {
        if t == Types::Null && self.nullable {
            return true;
        }
        self.types.is_any()
            || self.types.contains(t)
            || (t == Types::Integer && self.types.contains(Types::Number))
    }

    /// Whether the schema combines others (`allOf` left unmerged, `oneOf`,
    /// `anyOf`, `not`), so that its values depend on more than its own keywords.
    pub fn is_composed(&self) -> bool {
        !self.all_of.is_empty()
            || !self.one_of.is_empty()
            || !self.any_of.is_empty()
            || self.not.is_some()
    }

    /// Whether property `name` is required.
    pub fn is_required(&self, name: &str) -> bool {
        self.required.iter().any(|r| r == name)
    }

    /// The range an integer `format` allows (`int32`, `uint64`, ...), when
    /// the schema has such a format.
    pub fn format_range(&self) -> Option<(i128, i128)> {
        format_range(self.format.as_deref()?)
    }

    /// For an integer `format`: its range, and for each side (lower,
    /// upper) whether no given `minimum`/`maximum` is as tight as the
    /// format's bound there, so that the format's own bound is the one that
    /// holds (`format: int32, minimum: 0` leaves only the upper side open).
    pub fn format_sides(&self) -> Option<((i128, i128), (bool, bool))> {
        let (lo, hi) = self.format_range()?;
        let open = |given: Option<&Number>, bound: i128, lower: bool| {
            given.and_then(Number::as_f64).is_none_or(|f| {
                let b = bound as f64;
                if lower { f < b } else { f > b }
            })
        };
        let sides = (
            open(self.minimum.as_ref(), lo, true),
            open(self.maximum.as_ref(), hi, false),
        );
        Some(((lo, hi), sides))
    }
}

/// The inclusive range of integer format `format`; `None` for other formats.
pub fn format_range(format: &str) -> Option<(i128, i128)> {
    Some(match format {
        "int8" => (i128::from(i8::MIN), i128::from(i8::MAX)),
        "int16" => (i128::from(i16::MIN), i128::from(i16::MAX)),
        "int32" => (i128::from(i32::MIN), i128::from(i32::MAX)),
        "int64" => (i128::from(i64::MIN), i128::from(i64::MAX)),
        "uint8" => (0, i128::from(u8::MAX)),
        "uint16" => (0, i128::from(u16::MAX)),
        "uint32" => (0, i128::from(u32::MAX)),
        "uint64" => (0, i128::from(u64::MAX)),
        _ => return None,
    })
}

/// The arena every [`SchemaId`] of one API points into.
///
/// Every id is a slot of its own, but slots may share one stored schema
/// when their schemas are equal ([`push_same`](Self::push_same)): a spec
/// that repeats `{type: integer, minimum: 0}` on every operation stores it
/// once. [`get_mut`](Self::get_mut) gives a slot a copy of its own before
/// it is changed, so a change never shows through another slot.
#[derive(Debug, Clone, Default)]
pub struct Schemas {
    /// Per slot, its schema's index in `stored`.
    slots: Vec<u32>,
    /// The schemas.
    stored: Vec<Schema>,
    /// Per stored schema, how many slots hold it.
    users: Vec<u32>,
}

static ANY: std::sync::LazyLock<Schema> = std::sync::LazyLock::new(Schema::default);

impl Schemas {
    /// An empty arena.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a schema and returns its id.
    pub fn push(&mut self, schema: Schema) -> SchemaId {
        let id = SchemaId(u32::try_from(self.slots.len()).unwrap_or(u32::MAX));
        let at = u32::try_from(self.stored.len()).unwrap_or(u32::MAX);
        self.stored.push(schema);
        self.users.push(1);
        self.slots.push(at);
        id
    }

    /// Adds a slot holding the schema of `like`, stored once for both, and
    /// returns its id; for an id from another arena, a slot of its own
    /// with the any-schema (what [`get`](Self::get) gives for it).
    pub fn push_same(&mut self, like: SchemaId) -> SchemaId {
        let shared = self
            .slots
            .get(like.0 as usize)
            .copied()
            .filter(|at| (*at as usize) < self.users.len());
        let Some(at) = shared else {
            return self.push(Schema::default());
        };
        if let Some(n) = self.users.get_mut(at as usize) {
            *n += 1;
        }
        let id = SchemaId(u32::try_from(self.slots.len()).unwrap_or(u32::MAX));
        self.slots.push(at);
        id
    }

    /// The schema with this id; an id from another arena gives the any-schema.
    pub fn get(&self, id: SchemaId) -> &Schema {
        self.slots
            .get(id.0 as usize)
            .and_then(|at| self.stored.get(*at as usize))
            .unwrap_or(&ANY)
    }

    /// Mutable access, for the builder; `None` for an id from another arena.
    /// A schema stored once for several slots is copied for this one first.
    pub fn get_mut(&mut self, id: SchemaId) -> Option<&mut Schema> {
        let at = *self.slots.get(id.0 as usize)? as usize;
        let users = self.users.get_mut(at)?;
        if *users > 1 {
            let copy = self.stored.get(at)?.clone();
            *users -= 1;
            let own = u32::try_from(self.stored.len()).unwrap_or(u32::MAX);
            self.stored.push(copy);
            self.users.push(1);
            if let Some(slot) = self.slots.get_mut(id.0 as usize) {
                *slot = own;
            }
            return self.stored.last_mut();
        }
        self.stored.get_mut(at)
    }

    /// How many schemas the arena holds.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether the arena is empty.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Every id, in insertion order.
    pub fn ids(&self) -> impl Iterator<Item = SchemaId> + use<> {
        (0..self.slots.len() as u32).map(SchemaId)
    }

    /// The ids a schema refers to directly (items, properties, branches, ...).
    pub fn children(&self, id: SchemaId) -> Vec<SchemaId> {
        let s = self.get(id);
        let mut out: Vec<SchemaId> = Vec::new();
        out.extend(s.items);
        out.extend(&s.prefix_items);
        out.extend(s.properties.values());
        if let AdditionalProperties::Schema(a) = s.additional_properties {
            out.push(a);
        }
        out.extend(&s.all_of);
        out.extend(&s.one_of);
        out.extend(&s.any_of);
        out.extend(s.not);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_sharing_a_schema_are_copied_before_a_change() {
        let mut arena = Schemas::new();
        let a = arena.push(Schema {
            types: TypeSet::one(Types::Integer),
            ..Schema::default()
        });
        let b = arena.push_same(a);
        assert_ne!(a, b);
        assert_eq!(arena.len(), 2);
        assert_eq!(arena.get(a), arena.get(b));
        if let Some(s) = arena.get_mut(b) {
            s.minimum = Some(Number::from(0));
        }
        assert_eq!(arena.get(a).minimum, None);
        assert_eq!(arena.get(b).minimum, Some(Number::from(0)));
        // from another arena: a slot of its own with the any-schema
        let c = arena.push_same(SchemaId(99));
        assert_eq!(arena.get(c), &Schema::default());
        assert_eq!(arena.ids().collect::<Vec<_>>(), [a, b, c]);
    }
}
