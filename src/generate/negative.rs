//! Negative values: each breaks one named constraint of its schema.

use serde::Serialize;
use serde_json::{Value, json};

use super::caps::MAX_ITEMS;
use super::formats;
use super::source::Source;
use super::value::{Generator, float_value, int_value, plain, skipped};
use crate::model::{AdditionalProperties, Direction, Schema, SchemaId, Types};

/// The constraint a negative value breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ViolationKind {
    /// A value of a type the schema does not allow.
    WrongType,
    /// `null` where the schema is not nullable.
    NullNotAllowed,
    /// A required property left out.
    MissingRequired,
    /// A property where `additionalProperties` is false.
    ExtraProperty,
    /// A value outside `enum`.
    NotInEnum,
    /// A value other than `const`.
    NotConst,
    /// A string that does not match `pattern`.
    PatternMismatch,
    /// A string that is not of its `format`.
    FormatMismatch,
    /// An integer just past the range of its `format` (2^31 for `int32`,
    /// 2^63 for `int64`, -1 for `uint64`), where no tighter bound is given.
    OutsideFormat,
    /// Just below `minimum` (or at an exclusive minimum).
    BelowMinimum,
    /// Just above `maximum` (or at an exclusive maximum).
    AboveMaximum,
    /// Not a multiple of `multipleOf`.
    NotMultipleOf,
    /// Shorter than `minLength`.
    TooShort,
    /// Longer than `maxLength`.
    TooLong,
    /// Fewer items than `minItems`.
    TooFewItems,
    /// More items than `maxItems`.
    TooManyItems,
    /// A repeated item where `uniqueItems` is true.
    DuplicateItems,
    /// More properties than `maxProperties`.
    TooManyProperties,
}

impl ViolationKind {
    /// The JSON Schema keyword this violation breaks.
    pub fn keyword(self, schema: &Schema) -> &'static str {
        match self {
            ViolationKind::WrongType | ViolationKind::NullNotAllowed => "type",
            ViolationKind::MissingRequired => "required",
            ViolationKind::ExtraProperty => "additionalProperties",
            ViolationKind::NotInEnum => "enum",
            ViolationKind::NotConst => "const",
            ViolationKind::PatternMismatch => "pattern",
            ViolationKind::FormatMismatch | ViolationKind::OutsideFormat => "format",
            ViolationKind::BelowMinimum if schema.exclusive_minimum => "exclusiveMinimum",
            ViolationKind::BelowMinimum => "minimum",
            ViolationKind::AboveMaximum if schema.exclusive_maximum => "exclusiveMaximum",
            ViolationKind::AboveMaximum => "maximum",
            ViolationKind::NotMultipleOf => "multipleOf",
            ViolationKind::TooShort => "minLength",
            ViolationKind::TooLong => "maxLength",
            ViolationKind::TooFewItems => "minItems",
            ViolationKind::TooManyItems => "maxItems",
            ViolationKind::DuplicateItems => "uniqueItems",
            ViolationKind::TooManyProperties => "maxProperties",
        }
    }
}

/// Which constraint a negative value breaks, and where inside the value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
    /// The kind of constraint.
    pub kind: ViolationKind,
    /// The JSON Schema keyword broken (`minimum`, `required`, ...).
    pub keyword: &'static str,
    /// A JSON pointer to the offending place in the value (`""` is the value itself).
    pub pointer: String,
}

/// A value with the one constraint it breaks.
#[derive(Debug, Clone, PartialEq)]
pub struct Negative {
    /// The value.
    pub value: Value,
    /// What it breaks.
    pub violation: Violation,
}

/// How deep a violation may be placed inside a value.
const MAX_DEPTH: usize = 4;

impl Generator<'_> {
    /// A value that breaks one constraint of schema `id`, and which; `None`
    /// when the schema has nothing to break. With `textual`, only violations
    /// that survive being sent as text (a path, query, header or cookie
    /// value) are chosen.
    pub fn negative(
        &mut self,
        id: SchemaId,
        dir: Direction,
        src: &mut dyn Source,
        textual: bool,
    ) -> Option<Negative> {
        self.budget.reset();
        self.break_at(id, dir, src, textual, 0)
    }

    /// A value that breaks schema `id` itself (not inside it) with its
    /// `pick`th applicable violation, counted modulo their number (the next
    /// one when that cannot be applied): the plan's rounds enumerate
    /// violations this way, the same for every seed. `None` when the
    /// schema has nothing to break.
    pub(crate) fn negative_nth(
        &mut self,
        id: SchemaId,
        dir: Direction,
        src: &mut dyn Source,
        textual: bool,
        pick: usize,
    ) -> Option<Negative> {
        self.budget.reset();
        let schemas = self.schemas;
        let s = schemas.get(id);
        if s.is_composed() {
            return None;
        }
        let kinds = self.applicable(s, textual);
        for i in 0..kinds.len() {
            let kind = kinds[(pick + i) % kinds.len()];
            if let Some(value) = self.apply(id, s, kind, dir, src) {
                let violation = Violation {
                    kind,
                    keyword: kind.keyword(s),
                    pointer: String::new(),
                };
                return Some(Negative { value, violation });
            }
        }
        None
    }

    fn break_at(
        &mut self,
        id: SchemaId,
        dir: Direction,
        src: &mut dyn Source,
        textual: bool,
        depth: usize,
    ) -> Option<Negative> {
        let schemas = self.schemas;
        let s = schemas.get(id);
        if s.is_composed() {
            return None; // another branch might still accept a broken value
        }
        let kinds = self.applicable(s, textual);
        let go_deeper = !textual && depth < MAX_DEPTH && (kinds.is_empty() || src.chance(1, 2));
        if go_deeper && let Some(n) = self.break_inside(s, dir, src, depth) {
            return Some(n);
        }
        if kinds.is_empty() {
            return None;
        }
        let start = src.index(kinds.len());
        for i in 0..kinds.len() {
            let kind = kinds[(start + i) % kinds.len()];
            if let Some(value) = self.apply(id, s, kind, dir, src) {
                let violation = Violation {
                    kind,
                    keyword: kind.keyword(s),
                    pointer: String::new(),
                };
                return Some(Negative { value, violation });
            }
        }
        None
    }

    /// Breaks a property or an item, keeping the rest of the value valid.
    fn break_inside(
        &mut self,
        s: &Schema,
        dir: Direction,
        src: &mut dyn Source,
        depth: usize,
    ) -> Option<Negative> {
        let schemas = self.schemas;
        let is_object =
            s.types.contains(Types::Object) || (s.types.is_any() && !s.properties.is_empty());
        let is_array = s.types.contains(Types::Array) || (s.types.is_any() && s.items.is_some());
        if is_object && !s.properties.is_empty() {
            let names: Vec<&String> = s
                .properties
                .keys()
                .filter(|k| !skipped(schemas.get(s.properties[*k]), dir))
                .collect();
            if names.is_empty() {
                return None;
            }
            let start = src.index(names.len());
            for i in 0..names.len().min(4) {
                let name = names[(start + i) % names.len()];
                let child = s.properties[name];
                if let Some(inner) = self.break_at(child, dir, src, false, depth + 1) {
                    let Value::Object(mut map) = self.object(s, dir, src, depth) else {
                        return None;
                    };
                    map.insert(name.clone(), inner.value);
                    if s.max_properties.is_some_and(|m| map.len() as u64 > m) {
                        return None;
                    }
                    let pointer = format!("/{}{}", escape(name), inner.violation.pointer);
                    return Some(Negative {
                        value: Value::Object(map),
                        violation: Violation {
                            pointer,
                            ..inner.violation
                        },
                    });
                }
            }
        } else if is_array && s.prefix_items.is_empty() {
            let item = s.items?;
            let inner = self.break_at(item, dir, src, false, depth + 1)?;
            let min = s.min_items.unwrap_or(0).max(1);
            if s.max_items.is_some_and(|m| m < 1) {
                return None;
            }
            let mut items = vec![inner.value];
            while (items.len() as u64) < min && items.len() < 64 {
                let v = self.valid(item, dir, src, depth + 1);
                if s.unique_items && items.contains(&v) {
                    break;
                }
                items.push(v);
            }
            let pointer = format!("/0{}", inner.violation.pointer);
            return Some(Negative {
                value: Value::Array(items),
                violation: Violation {
                    pointer,
                    ..inner.violation
                },
            });
        }
        None
    }

    /// The violations this schema can be given (at this level).
    fn applicable(&mut self, s: &Schema, textual: bool) -> Vec<ViolationKind> {
        use ViolationKind as K;
        let mut out = Vec::new();
        let typed = !s.types.is_any();
        if typed && wrong_type_value(s, textual).is_some() {
            out.push(K::WrongType);
        }
        if !textual
            && typed
            && !s.nullable
            && !s.types.contains(Types::Null)
            && !s
                .enumeration
                .as_ref()
                .is_some_and(|e| e.contains(&Value::Null))
        {
            out.push(K::NullNotAllowed);
        }
        if s.enumeration.is_some() {
            out.push(K::NotInEnum);
        }
        if s.constant.is_some() {
            out.push(K::NotConst);
        }
        if s.enumeration.is_some() || s.constant.is_some() {
            return out; // other keywords rarely matter beside a closed set
        }
        let string = s.allows_type(Types::String)
            && (typed || s.min_length.is_some() || s.max_length.is_some() || s.pattern.is_some());
        if string {
            if s.pattern
                .as_deref()
                .is_some_and(|p| self.matcher(p).is_some())
            {
                out.push(K::PatternMismatch);
            }
            if s.format.as_deref().and_then(formats::invalid).is_some() {
                out.push(K::FormatMismatch);
            }
            if s.min_length.is_some_and(|m| m > 0) {
                out.push(K::TooShort);
            }
            if s.max_length.is_some_and(|m| m < self.options.long_string) {
                out.push(K::TooLong);
            }
        }
        let numeric = s.types.contains(Types::Integer) || s.types.contains(Types::Number);
        if numeric {
            if s.minimum.is_some() {
                out.push(K::BelowMinimum);
            }
            if s.maximum.is_some() {
                out.push(K::AboveMaximum);
            }
            if s.multiple_of.is_some() {
                out.push(K::NotMultipleOf);
            }
            if past_format(s).is_some() {
                out.push(K::OutsideFormat);
            }
        }
        if s.types.contains(Types::Array) {
            if s.min_items.is_some_and(|m| m > 0) {
                out.push(K::TooFewItems);
            }
            if s.max_items.is_some_and(|m| m < 64) {
                out.push(K::TooManyItems);
            }
            if s.unique_items && s.max_items.is_none_or(|m| m >= 2) && s.items.is_some() {
                out.push(K::DuplicateItems);
            }
        }
        if !textual && s.types.contains(Types::Object) {
            if !s.required.is_empty() {
                out.push(K::MissingRequired);
            }
            if s.additional_properties == AdditionalProperties::Forbidden {
                out.push(K::ExtraProperty);
            }
            if s.max_properties.is_some_and(|m| m < 32)
                && s.additional_properties != AdditionalProperties::Forbidden
            {
                out.push(K::TooManyProperties);
            }
        }
        out
    }

    /// A value of `s` that breaks `kind`, if one can be made.
    fn apply(
        &mut self,
        id: SchemaId,
        s: &Schema,
        kind: ViolationKind,
        dir: Direction,
        src: &mut dyn Source,
    ) -> Option<Value> {
        use ViolationKind as K;
        let value = match kind {
            K::WrongType => wrong_type_value(s, false)?,
            K::NullNotAllowed => Value::Null,
            K::NotInEnum => {
                let values = s.enumeration.as_ref()?;
                let candidates = [
                    json!("apiprobe_not_in_enum"),
                    json!(-987_654_321),
                    json!(987_654_321),
                    json!(false),
                    json!(true),
                ];
                let same_type = |v: &Value| {
                    values
                        .iter()
                        .any(|e| super::accepts::type_of(e) == super::accepts::type_of(v))
                };
                candidates
                    .into_iter()
                    .find(|c| same_type(c) && !values.contains(c))?
            }
            K::NotConst => {
                let c = s.constant.as_ref()?;
                match c {
                    Value::String(t) => json!(format!("{t}_not_const")),
                    Value::Number(n) => float_value(n.as_f64().unwrap_or(0.0) + 1.0),
                    Value::Bool(b) => json!(!b),
                    Value::Null => json!("not-null"),
                    _ => Value::Null,
                }
            }
            K::PatternMismatch => {
                let p = s.pattern.clone()?;
                let min = s.min_length.unwrap_or(0);
                let max = s.max_length.unwrap_or(u64::MAX);
                let mut candidates: Vec<String> = ["", "!", " ", "~~~~~~~~", "\u{1}", "0", "-"]
                    .iter()
                    .map(|c| (*c).to_owned())
                    .collect();
                candidates.push(plain(min.max(1), src));
                let m = self.matcher(&p)?;
                candidates
                    .into_iter()
                    .find_map(|c| {
                        let c = pad_to(c, min);
                        let n = c.chars().count() as u64;
                        (n <= max && !m.is_match(&c).unwrap_or(true)).then_some(c)
                    })
                    .map(Value::String)?
            }
            K::FormatMismatch => json!(formats::invalid(s.format.as_deref()?)?),
            K::OutsideFormat => int_value(past_format(s)?),
            K::BelowMinimum => beyond(s, true)?,
            K::AboveMaximum => beyond(s, false)?,
            K::NotMultipleOf => {
                let m = s.multiple_of?;
                let base = self.valid_scalar(id, src)?.as_f64()?;
                let off = if s.types.contains(Types::Integer) && !s.types.contains(Types::Number) {
                    if m < 2.0 { return None } else { 1.0 }
                } else {
                    m / 2.0
                };
                let v = base + off;
                let within = s
                    .maximum
                    .as_ref()
                    .and_then(|x| x.as_f64())
                    .is_none_or(|max| v < max);
                if !within {
                    return None;
                }
                float_value(v)
            }
            K::TooShort => json!(plain(s.min_length?.saturating_sub(1), src)),
            K::TooLong => json!(plain(s.max_length?.saturating_add(1), src)),
            K::TooFewItems => {
                let n = s.min_items?.saturating_sub(1);
                Value::Array(self.items(s, n, dir, src))
            }
            K::TooManyItems => {
                let n = s.max_items?.saturating_add(1);
                Value::Array(self.items(s, n, dir, src))
            }
            K::DuplicateItems => {
                let item = self.valid(s.items?, dir, src, 1);
                let n = s.min_items.unwrap_or(2).clamp(2, MAX_ITEMS);
                Value::Array(vec![item; n as usize])
            }
            K::MissingRequired => {
                let schemas = self.schemas;
                let required: Vec<&String> = s
                    .required
                    .iter()
                    .filter(|r| {
                        s.properties
                            .get(*r)
                            .is_none_or(|p| !skipped(schemas.get(*p), dir))
                    })
                    .collect();
                let gone = required.get(src.index(required.len()))?.to_string();
                let Value::Object(mut map) = self.object(s, dir, src, 1) else {
                    return None;
                };
                map.remove(&gone);
                Value::Object(map)
            }
            K::ExtraProperty => {
                let Value::Object(mut map) = self.object(s, dir, src, 1) else {
                    return None;
                };
                map.insert("apiprobe_unexpected_property".into(), json!("x"));
                Value::Object(map)
            }
            K::TooManyProperties => {
                let Value::Object(mut map) = self.object(s, dir, src, 1) else {
                    return None;
                };
                let max = s.max_properties?;
                let mut i = 0;
                while map.len() as u64 <= max && i < 64 {
                    let key = s
                        .properties
                        .keys()
                        .find(|k| !map.contains_key(*k))
                        .cloned()
                        .unwrap_or_else(|| format!("apiprobe_extra_{i}"));
                    let v = match (s.properties.get(&key), s.additional_properties) {
                        (Some(p), _) => self.valid(*p, dir, src, 1),
                        (None, AdditionalProperties::Schema(a)) => self.valid(a, dir, src, 1),
                        _ => json!("x"),
                    };
                    map.insert(key, v);
                    i += 1;
                }
                Value::Object(map)
            }
        };
        Some(value)
    }

    /// A valid number for a numeric schema.
    fn valid_scalar(&mut self, id: SchemaId, src: &mut dyn Source) -> Option<Value> {
        let schemas = self.schemas;
        let s = schemas.get(id);
        if s.types.contains(Types::Integer) && !s.types.contains(Types::Number) {
            Some(self.integer(s, src))
        } else {
            Some(self.number(s, src))
        }
    }

    fn items(&mut self, s: &Schema, n: u64, dir: Direction, src: &mut dyn Source) -> Vec<Value> {
        let n = n.min(MAX_ITEMS);
        let mut out: Vec<Value> = Vec::new();
        let mut attempts = 0;
        while (out.len() as u64) < n && attempts < n * 4 + 8 {
            attempts += 1;
            let v = match s.items {
                Some(it) => self.valid(it, dir, src, 1),
                None => json!(plain(4, src)),
            };
            if s.unique_items && out.contains(&v) {
                continue;
            }
            out.push(v);
        }
        out
    }
}

/// A value of a type the schema does not allow; with `textual`, only a
/// string (the one kind of wrong value a text location can carry).
fn wrong_type_value(s: &Schema, textual: bool) -> Option<Value> {
    if !s.allows_type(Types::String) {
        return Some(json!("apiprobe-not-a-number"));
    }
    if textual {
        return None;
    }
    if !s.allows_type(Types::Integer) {
        return Some(json!(12345));
    }
    if !s.allows_type(Types::Object) {
        return Some(json!({"apiprobe": "not-an-object"}));
    }
    if !s.allows_type(Types::Array) {
        return Some(json!(["not-an-array"]));
    }
    None
}

/// The first integer past the range of the schema's integer `format` on a
/// side where no given bound is tighter: above the top (2^31 for `int32`)
/// unless the format's top is past 64 bits' reach or bounded, else below
/// (-1 for `uint64`; not below `int64`, whose next value a JSON number here
/// cannot hold exactly). `None` when no side is left.
fn past_format(s: &Schema) -> Option<i128> {
    if !s.types.contains(Types::Integer) {
        return None;
    }
    let ((lo, hi), (lower, upper)) = s.format_sides()?;
    if hi < i128::from(u64::MAX) && upper {
        return Some(hi + 1);
    }
    // below `int64` is past what a JSON number holds exactly here
    (lo > i128::from(i64::MIN) && lower).then_some(lo - 1)
}

/// Just outside the lower (`below`) or upper bound, of the schema's own type.
fn beyond(s: &Schema, below: bool) -> Option<Value> {
    let integer = s.types.contains(Types::Integer) && !s.types.contains(Types::Number);
    let (bound, exclusive) = if below {
        (s.minimum.as_ref()?, s.exclusive_minimum)
    } else {
        (s.maximum.as_ref()?, s.exclusive_maximum)
    };
    let step: i128 = if below { -1 } else { 1 };
    if integer {
        if let Some(b) = bound
            .as_i64()
            .map(i128::from)
            .or_else(|| bound.as_u64().map(i128::from))
        {
            return Some(int_value(if exclusive { b } else { b + step }));
        }
        // a fractional bound: the nearest integer on the wrong side of it
        let f = bound.as_f64()?;
        return Some(int_value(if below {
            f.floor() as i128
        } else {
            f.ceil() as i128
        }));
    }
    let f = bound.as_f64()?;
    let delta = (f.abs() * 1e-6).max(1.0);
    Some(if exclusive {
        float_value(f)
    } else {
        float_value(f + step as f64 * delta)
    })
}

fn pad_to(mut s: String, min: u64) -> String {
    while (s.chars().count() as u64) < min {
        s.push('~');
    }
    s
}

fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}
