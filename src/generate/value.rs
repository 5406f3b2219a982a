//! The generator and its positive values: values a schema accepts.

use std::collections::HashMap;

use serde_json::{Map, Number, Value, json};

use super::caps::{Budget, MAX_ITEMS, MAX_STRING_CHARS};
use super::formats;
use super::hints;
use super::pattern::{self, PatternGen};
use super::source::{AsRng, Source};
use crate::model::{AdditionalProperties, Direction, Schema, SchemaId, Schemas, Types};

/// Characters plain generated strings are made of.
const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// Limits that keep generated values small and bounded.
#[derive(Debug, Clone)]
pub struct Options {
    /// At most this many characters beyond `minLength` in a positive string.
    pub string_spread: u64,
    /// The length of "long string" boundary values where `maxLength` gives none.
    pub long_string: u64,
    /// At most this many items beyond `minItems` in a positive array.
    pub array_spread: u64,
    /// Nesting beyond which only required properties and minimum items are generated.
    pub soft_depth: usize,
    /// Every optional property and parameter present, and never null (an
    /// active probe's base request: every field a slot).
    pub maximal: bool,
    /// Plain fields take the values their names hint at (`month` 1-12,
    /// `email`, `avatar_url`; see `hints.rs`) where the schema accepts them.
    pub hints: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            string_spread: 12,
            long_string: 10_000,
            array_spread: 3,
            soft_depth: 5,
            maximal: false,
            hints: false,
        }
    }
}

/// Hard nesting limit: past it a value is cut short even if that breaks the schema.
const HARD_DEPTH: usize = 24;

/// Generates values for the schemas of one API.
pub struct Generator<'a> {
    pub(crate) schemas: &'a Schemas,
    pub(crate) options: Options,
    patterns: HashMap<String, Option<PatternGen>>,
    matchers: HashMap<String, Option<fancy_regex::Regex>>,
    /// Which value of each enum to take (modulo its length) instead of one
    /// at random: set for a plan round's positive values (`case.rs`).
    pub(crate) enum_pick: Option<usize>,
    /// Which edge of a boundary value to take (modulo their number) instead
    /// of one at random: set for a plan round's boundary case (`case.rs`).
    pub(crate) edge_pick: Option<usize>,
    /// What the value being generated may still take (`caps.rs`).
    pub(crate) budget: Budget,
}

impl<'a> Generator<'a> {
    /// A generator over `schemas` with `options`.
    pub fn new(schemas: &'a Schemas, options: Options) -> Self {
        Generator {
            schemas,
            options,
            patterns: HashMap::new(),
            matchers: HashMap::new(),
            enum_pick: None,
            edge_pick: None,
            budget: Budget::default(),
        }
    }

    /// A compiled matcher for `pattern`, cached; `None` when Rust's regex engine rejects it.
    pub(crate) fn matcher(&mut self, pattern: &str) -> Option<&fancy_regex::Regex> {
        if !self.matchers.contains_key(pattern) {
            self.matchers
                .insert(pattern.to_owned(), pattern::matcher(pattern));
        }
        self.matchers.get(pattern).and_then(Option::as_ref)
    }

    /// The enum values of schema `id` that also satisfy its other keywords
    /// (specs list values that break their own `maxLength` or `type`).
    pub(crate) fn usable_enum(&mut self, id: SchemaId) -> Vec<&'a Value> {
        let schemas = self.schemas;
        let values = schemas.get(id).enumeration.as_deref().unwrap_or_default();
        values.iter().filter(|v| self.accepts(id, v)).collect()
    }

    /// Whether a generator can be built for `pattern`.
    pub fn can_generate_pattern(&mut self, pattern: &str) -> bool {
        self.pattern_gen(pattern).is_some()
    }

    fn pattern_gen(&mut self, pattern: &str) -> Option<&PatternGen> {
        if !self.patterns.contains_key(pattern) {
            self.patterns
                .insert(pattern.to_owned(), PatternGen::compile(pattern).ok());
        }
        self.patterns.get(pattern).and_then(Option::as_ref)
    }

    /// A value that schema `id` accepts.
    pub fn positive(&mut self, id: SchemaId, dir: Direction, src: &mut dyn Source) -> Value {
        self.budget.reset();
        self.valid(id, dir, src, 0)
    }

    /// A value that schema `id` accepts for a field called `name`: with
    /// [`Options::hints`], what the name hints at when the schema is plain
    /// and accepts it.
    pub fn positive_named(
        &mut self,
        id: SchemaId,
        name: &str,
        dir: Direction,
        src: &mut dyn Source,
    ) -> Value {
        self.budget.reset();
        self.named(id, name, dir, src, 0)
    }

    /// A short digit string (`"7"`) for a plain string schema that accepts
    /// one: what a server reading the field as a number takes when random
    /// strings fail. `None` for other schemas.
    pub fn digits(&mut self, id: SchemaId, src: &mut dyn Source) -> Option<Value> {
        let s = self.schemas.get(id);
        if !hints::plain_field(s) || !s.allows_type(Types::String) {
            return None;
        }
        let v = hints::digits(src);
        self.accepts(id, &v).then_some(v)
    }

    /// A value of `id` for the field `name` (a hint, else any valid value).
    fn named(
        &mut self,
        id: SchemaId,
        name: &str,
        dir: Direction,
        src: &mut dyn Source,
        depth: usize,
    ) -> Value {
        if self.options.hints {
            let s = self.schemas.get(id);
            if hints::plain_field(s)
                && let Some(v) = hints::hinted(name, s, src)
                && self.accepts(id, &v)
            {
                return v;
            }
        }
        self.valid(id, dir, src, depth)
    }

    pub(crate) fn valid(
        &mut self,
        id: SchemaId,
        dir: Direction,
        src: &mut dyn Source,
        depth: usize,
    ) -> Value {
        let schemas = self.schemas;
        let s = schemas.get(id);
        if let Some(c) = &s.constant {
            return c.clone();
        }
        if s.enumeration.is_some() {
            // (when no enum value fits, the enum is ignored and the type decides)
            let usable = self.usable_enum(id);
            if !usable.is_empty() {
                let i = match self.enum_pick {
                    Some(k) => k % usable.len(),
                    None => src.index(usable.len()),
                };
                return usable[i].clone();
            }
        }
        if depth > HARD_DEPTH || self.budget.exhausted() {
            return minimal(s);
        }
        self.budget.charge(8);
        // Examples and defaults from the spec, where they fit (formats are generated, not copied).
        if (!s.examples.is_empty() || s.default.is_some()) && s.format.is_none() {
            let pick = src.below(4);
            if pick == 3 {
                let candidates: Vec<Value> =
                    s.examples.iter().chain(s.default.iter()).cloned().collect();
                let candidate = candidates[src.index(candidates.len())].clone();
                if self.accepts(id, &candidate) {
                    return candidate;
                }
            }
        }
        if !s.one_of.is_empty() {
            return self.one_of(id, s, dir, src, depth);
        }
        if !s.any_of.is_empty() {
            let branch = s.any_of[src.index(s.any_of.len())];
            let v = self.valid(branch, dir, src, depth + 1);
            return self.with_own_keywords(id, s, v, dir, src, depth);
        }
        if s.nullable && !self.options.maximal && src.chance(1, 12) {
            return Value::Null;
        }
        let v = self.by_type(s, dir, src, depth);
        if !s.all_of.is_empty() || s.not.is_some() {
            return self.with_own_keywords(id, s, v, dir, src, depth);
        }
        v
    }

    /// A branch value merged with the schema's own keywords (properties beside
    /// `anyOf`, leftover `allOf` parts), retried when `not` rejects it.
    fn with_own_keywords(
        &mut self,
        id: SchemaId,
        s: &Schema,
        mut v: Value,
        dir: Direction,
        src: &mut dyn Source,
        depth: usize,
    ) -> Value {
        if let Value::Object(map) = &mut v {
            for part in &s.all_of {
                if let Value::Object(extra) = self.valid(*part, dir, src, depth + 1) {
                    for (k, x) in extra {
                        map.entry(k).or_insert(x);
                    }
                }
            }
            if !s.properties.is_empty()
                && let Value::Object(own) = self.object(s, dir, src, depth)
            {
                for (k, x) in own {
                    map.entry(k).or_insert(x);
                }
            }
        } else if let Some(first) = s.all_of.first()
            && !self.accepts(id, &v)
        {
            v = self.valid(*first, dir, src, depth + 1);
        }
        if s.not.is_some() {
            for _ in 0..4 {
                if self.accepts(id, &v) {
                    break;
                }
                v = self.by_type(s, dir, src, depth);
            }
        }
        v
    }

    fn one_of(
        &mut self,
        id: SchemaId,
        s: &Schema,
        dir: Direction,
        src: &mut dyn Source,
        depth: usize,
    ) -> Value {
        let n = s.one_of.len();
        let start = src.index(n);
        let mut fallback = None;
        for attempt in 0..n.min(4) {
            let branch = s.one_of[(start + attempt) % n];
            let mut v = self.valid(branch, dir, src, depth + 1);
            if let (Some(d), Value::Object(map)) = (&s.discriminator, &mut v)
                && let Some(key) = d
                    .mapping
                    .iter()
                    .find(|(_, b)| **b == branch)
                    .map(|(k, _)| k.clone())
            {
                let before = map.insert(d.property_name.clone(), Value::String(key));
                // an implicit mapping (the schema's name) can clash with the property's own enum
                if !self.accepts(branch, &v)
                    && let (Value::Object(map), Some(before)) = (&mut v, before)
                {
                    map.insert(d.property_name.clone(), before);
                }
            }
            if let (Value::Object(map), false) = (&mut v, s.properties.is_empty())
                && let Value::Object(own) = self.object(s, dir, src, depth)
            {
                for (k, x) in own {
                    map.entry(k).or_insert(x);
                }
            }
            if self.accepts(id, &v) || self.separate(id, s, branch, &mut v) {
                return v;
            }
            fallback.get_or_insert(v);
        }
        fallback.unwrap_or(Value::Null)
    }

    /// Makes `v`, a value of the `oneOf` branch `branch` that another branch
    /// also accepts (branches told apart only by a discriminator, which JSON
    /// Schema ignores), match that branch alone: it gains a property the
    /// other branch declares, in a form the other branch rejects and its own
    /// branch allows (`packSize: null` on a Cat, where a Dog's packSize is
    /// an integer). False, and `v` unchanged, when no such property works.
    fn separate(&mut self, id: SchemaId, s: &Schema, branch: SchemaId, v: &mut Value) -> bool {
        if !v.is_object() {
            return false;
        }
        let schemas = self.schemas;
        let mut names: Vec<String> = Vec::new();
        for &other in s.one_of.iter().filter(|&&o| o != branch) {
            let o = schemas.get(other);
            let members = std::iter::once(o).chain(o.all_of.iter().map(|&a| schemas.get(a)));
            for m in members {
                names.extend(m.properties.keys().cloned());
            }
        }
        let candidates = [
            Value::Null,
            Value::Bool(false),
            Value::String(String::new()),
            Value::from(0),
            Value::Array(Vec::new()),
            Value::Object(serde_json::Map::new()),
        ];
        for name in names {
            if v.get(&name).is_some() {
                continue;
            }
            for candidate in &candidates {
                if let Value::Object(map) = v {
                    map.insert(name.clone(), candidate.clone());
                }
                if self.accepts(id, v) {
                    return true;
                }
                if let Value::Object(map) = v {
                    map.shift_remove(&name);
                }
            }
        }
        false
    }

    fn by_type(&mut self, s: &Schema, dir: Direction, src: &mut dyn Source, depth: usize) -> Value {
        let t = self.pick_type(s, src);
        match t {
            Types::Null => Value::Null,
            Types::Boolean => Value::Bool(src.below(2) == 1),
            Types::Integer => self.integer(s, src),
            Types::Number => self.number(s, src),
            Types::String => Value::String(self.string(s, src)),
            Types::Array => self.array(s, dir, src, depth),
            Types::Object => self.object(s, dir, src, depth),
        }
    }

    /// The type to generate: a declared one, or one the other keywords suggest.
    pub(crate) fn pick_type(&self, s: &Schema, src: &mut dyn Source) -> Types {
        if !s.types.is_any() {
            let count = s.types.iter().count();
            let pick = src.index(count);
            if let Some(t) = s.types.iter().nth(pick) {
                return t;
            }
        }
        if !s.properties.is_empty()
            || s.additional_properties != AdditionalProperties::Any
            || !s.required.is_empty()
        {
            Types::Object
        } else if s.items.is_some() || !s.prefix_items.is_empty() || s.min_items.is_some() {
            Types::Array
        } else if s.minimum.is_some() || s.maximum.is_some() || s.multiple_of.is_some() {
            Types::Number
        } else {
            Types::String
        }
    }

    /// An integer within the schema's bounds and format.
    pub(crate) fn integer(&mut self, s: &Schema, src: &mut dyn Source) -> Value {
        let (lo, hi) = int_bounds(s);
        let (lo, hi) = match (s.minimum.is_some(), s.maximum.is_some()) {
            (false, false) => (lo.max(0), hi.min(1000)),
            (true, false) => (lo, hi.min(lo.saturating_add(1000))),
            (false, true) => (lo.max(hi.saturating_sub(1000)), hi),
            (true, true) => (lo, hi),
        };
        match s.multiple_of {
            Some(m) if m >= 1.0 && m.fract() == 0.0 => {
                let m = m as i128;
                let k_lo = div_ceil(lo, m);
                let k_hi = hi.div_euclid(m);
                int_value(src.int_in(k_lo, k_hi.max(k_lo)).saturating_mul(m))
            }
            _ => int_value(src.int_in(lo, hi)),
        }
    }

    /// A number within the schema's bounds.
    pub(crate) fn number(&mut self, s: &Schema, src: &mut dyn Source) -> Value {
        let min = s.minimum.as_ref().and_then(Number::as_f64);
        let max = s.maximum.as_ref().and_then(Number::as_f64);
        let (lo, hi) = match (min, max) {
            (None, None) => (0.0, 1000.0),
            (Some(a), None) => (a, a + 1000.0),
            (None, Some(b)) => (b - 1000.0, b),
            (Some(a), Some(b)) => (a, b),
        };
        if let Some(m) = s.multiple_of {
            let (ql, qh) = (snap(lo / m), snap(hi / m));
            let k_lo = ql.ceil()
                + if s.exclusive_minimum && ql.fract() == 0.0 {
                    1.0
                } else {
                    0.0
                };
            let k_hi = qh.floor()
                - if s.exclusive_maximum && qh.fract() == 0.0 {
                    1.0
                } else {
                    0.0
                };
            let k = src.int_in(k_lo as i128, (k_hi as i128).max(k_lo as i128));
            let v = k as f64 * m;
            // keep the decimals the multiple has, so that v / m is whole again
            let decimals = decimals_of(m);
            let rounded = (v * 10f64.powi(decimals)).round() / 10f64.powi(decimals);
            return float_value(rounded);
        }
        // an integer-valued number when the range allows it, else a fraction
        let int_lo = if s.exclusive_minimum {
            lo.floor() + 1.0
        } else {
            lo.ceil()
        };
        let int_hi = if s.exclusive_maximum {
            hi.ceil() - 1.0
        } else {
            hi.floor()
        };
        if int_lo <= int_hi && src.below(3) != 2 {
            return float_value(src.int_in(int_lo as i128, int_hi as i128) as f64);
        }
        let span = hi - lo;
        let v = lo + span * (0.25 + 0.5 * src.unit());
        // two decimals read well; rounding must not land on (or past) a bound
        let rounded = (v * 100.0).round() / 100.0;
        float_value(if rounded > lo && rounded < hi {
            rounded
        } else {
            lo + span / 2.0
        })
    }

    /// A string: by format, by pattern, or plain, within the length bounds.
    pub(crate) fn string(&mut self, s: &Schema, src: &mut dyn Source) -> String {
        let min = s.min_length.unwrap_or(0);
        let max = s.max_length.unwrap_or(u64::MAX).max(min);
        if min > MAX_STRING_CHARS || self.budget.exhausted() {
            // past the caps: a bounded string that breaks minLength
            let len = self.budget.take(min);
            return plain(len, src);
        }
        let checked = s.pattern.as_deref().is_some_and(pattern::has_lookaround);
        let fits_len = |v: &str| {
            let n = v.chars().count() as u64;
            n >= min && n <= max
        };
        // a format and a pattern: values of the format that the pattern
        // matches first, then samples of the pattern that are of the format
        let format = s
            .format
            .as_deref()
            .filter(|f| s.pattern.is_some() && formats::checked(f));
        if let (Some(f), Some(p)) = (format, s.pattern.as_deref()) {
            for _ in 0..24 {
                let Some(v) = formats::valid(f, src) else {
                    break;
                };
                if fits_len(&v)
                    && self
                        .matcher(p)
                        .is_some_and(|m| m.is_match(&v).unwrap_or(false))
                {
                    self.budget.charge(v.len() as u64);
                    return v;
                }
            }
        }
        if let Some(p) = s.pattern.clone() {
            // samples of patterns with lookaround are checked against the whole pattern
            let fits = |me: &mut Self, v: &str| {
                fits_len(v)
                    && format.is_none_or(|f| formats::satisfies(f, v))
                    && (!checked || me.matcher(&p).is_none_or(|m| m.is_match(v).unwrap_or(true)))
            };
            if self.pattern_gen(&p).is_some() {
                // a lookaround is checked, not generated: `(?=.*\d)[a-z\d]{8,}`
                // samples lack the digit a quarter of the time, so six tries
                // left one value in ~4,000 invalid
                let attempts = if checked || format.is_some() { 32 } else { 6 };
                for attempt in 0..attempts {
                    let sample = match self.pattern_gen(&p) {
                        Some(g) => g.sample(&mut AsRng::new(src), attempt >= attempts / 2),
                        None => break,
                    };
                    if fits(self, &sample) {
                        self.budget.charge(sample.len() as u64);
                        return sample;
                    }
                }
                // too short for minLength: let repetitions run longer
                if min > 0 {
                    let repeat = u32::try_from(min.saturating_add(2)).unwrap_or(u32::MAX);
                    for _ in 0..48 {
                        let sample = self
                            .patterns
                            .get_mut(&p)
                            .and_then(Option::as_mut)
                            .and_then(|g| g.sample_long(&mut AsRng::new(src), repeat));
                        match sample {
                            Some(v) if fits(self, &v) => {
                                self.budget.charge(v.len() as u64);
                                return v;
                            }
                            Some(_) => {}
                            None => break,
                        }
                    }
                    // a match padded on the right still matches a pattern not anchored at its end
                    if let Some(g) = self.pattern_gen(&p) {
                        let head = g.sample(&mut AsRng::new(src), true);
                        let pad = min.saturating_sub(head.chars().count() as u64);
                        let pad = self.budget.take(pad);
                        let padded = head + &plain(pad, src);
                        if self
                            .matcher(&p)
                            .is_some_and(|m| m.is_match(&padded).unwrap_or(false))
                            && fits_len(&padded)
                        {
                            return padded;
                        }
                    }
                }
            }
        }
        if let Some(f) = &s.format
            && let Some(v) = formats::valid(f, src)
            && fits_len(&v)
        {
            self.budget.charge(v.len() as u64);
            return v;
        }
        let spread = (max - min).min(self.options.string_spread);
        let len = self.budget.take(min + src.below(spread + 1));
        plain(len, src)
    }

    fn array(&mut self, s: &Schema, dir: Direction, src: &mut dyn Source, depth: usize) -> Value {
        let min = s.min_items.unwrap_or(0).max(if s.items.is_none() {
            s.prefix_items.len() as u64
        } else {
            0
        });
        let min = min.min(MAX_ITEMS);
        let max = s.max_items.unwrap_or(u64::MAX).max(min);
        let spread = if depth >= self.options.soft_depth {
            0
        } else {
            (max - min).min(self.options.array_spread)
        };
        let len = (min + src.below(spread + 1)).min(min.max(64));
        let mut out: Vec<Value> = Vec::with_capacity(len as usize);
        let mut attempts = 0;
        while (out.len() as u64) < len && attempts < len * 4 + 8 && !self.budget.exhausted() {
            attempts += 1;
            let i = out.len();
            let item = match s.prefix_items.get(i) {
                Some(p) => self.valid(*p, dir, src, depth + 1),
                None => match s.items {
                    Some(it) => self.valid(it, dir, src, depth + 1),
                    None => json!(plain(4, src)),
                },
            };
            if s.unique_items && out.iter().any(|x| super::accepts::json_eq(x, &item)) {
                continue;
            }
            out.push(item);
        }
        Value::Array(out)
    }

    pub(crate) fn object(
        &mut self,
        s: &Schema,
        dir: Direction,
        src: &mut dyn Source,
        depth: usize,
    ) -> Value {
        let schemas = self.schemas;
        let mut map = Map::new();
        let shallow = depth >= self.options.soft_depth;
        for (name, id) in &s.properties {
            // a property whose schema is `false` has no valid value: left out
            if skipped(schemas.get(*id), dir) || never(schemas, *id) {
                continue;
            }
            let required = s.is_required(name);
            if required || (!shallow && (self.options.maximal || src.chance(1, 2))) {
                let v = self.named(*id, name, dir, src, depth + 1);
                map.insert(name.clone(), v);
            }
        }
        // required properties that are not declared
        for name in &s.required {
            if !map.contains_key(name) && !s.properties.contains_key(name) {
                let v = match s.additional_properties {
                    AdditionalProperties::Schema(a) => self.valid(a, dir, src, depth + 1),
                    _ => json!(plain(6, src)),
                };
                map.insert(name.clone(), v);
            }
        }
        let min = s.min_properties.unwrap_or(0).min(MAX_ITEMS) as usize;
        let mut n = 0;
        while map.len() < min && n < min + 8 {
            n += 1;
            let name = s
                .properties
                .iter()
                .find(|(k, id)| !map.contains_key(*k) && !never(schemas, **id))
                .map(|(k, _)| k.clone());
            match (name, s.additional_properties) {
                (Some(k), _) => {
                    let id = s.properties[&k];
                    let v = self.valid(id, dir, src, depth + 1);
                    map.insert(k, v);
                }
                (None, AdditionalProperties::Forbidden) => break,
                (None, AdditionalProperties::Schema(a)) => {
                    let v = self.valid(a, dir, src, depth + 1);
                    map.insert(format!("key{n}"), v);
                }
                (None, AdditionalProperties::Any) => {
                    map.insert(format!("key{n}"), json!(plain(4, src)));
                }
            }
        }
        if let AdditionalProperties::Schema(a) = s.additional_properties
            && s.properties.is_empty()
            && !shallow
            && map.len() < min.max(1) + 1
            && src.chance(1, 2)
        {
            let v = self.valid(a, dir, src, depth + 1);
            map.insert(format!("{}{}", plain(3, src), map.len()), v);
        }
        if let Some(max) = s.max_properties {
            while map.len() as u64 > max {
                let optional = map.keys().find(|k| !s.is_required(k)).cloned();
                match optional {
                    Some(k) => {
                        map.remove(&k);
                    }
                    None => break,
                }
            }
        }
        Value::Object(map)
    }
}

/// Whether a property is left out in this direction.
pub(crate) fn skipped(s: &Schema, dir: Direction) -> bool {
    match dir {
        Direction::Request => s.read_only,
        Direction::Response => s.write_only,
    }
}

/// Whether schema `id` is `false` (`not` of the schema that allows
/// anything): no value is valid, so none is generated for it.
pub(crate) fn never(schemas: &Schemas, id: SchemaId) -> bool {
    let s = schemas.get(id);
    s.not.is_some_and(|n| *schemas.get(n) == Schema::default())
        && *s
            == Schema {
                not: s.not,
                ..Schema::default()
            }
}

/// The smallest value of a schema's first type, for when nesting runs out.
fn minimal(s: &Schema) -> Value {
    if s.nullable {
        return Value::Null;
    }
    match s.types.iter().next() {
        Some(Types::Array) => json!([]),
        Some(Types::String) => json!(""),
        Some(Types::Integer) | Some(Types::Number) => json!(0),
        Some(Types::Boolean) => json!(false),
        Some(Types::Null) => Value::Null,
        _ => json!({}),
    }
}

/// The inclusive integer range a schema allows, with format limits.
/// Without a format, a missing bound is the 64-bit one and a given bound
/// holds as written (JSON Schema integers have no size limit: `minimum:
/// -1e30` alone is the range -1e30..=i64::MAX, not an empty one).
pub(crate) fn int_bounds(s: &Schema) -> (i128, i128) {
    let Some((fmt_lo, fmt_hi)) = s.format_range() else {
        return unformatted_bounds(s);
    };
    let lo = s.minimum.as_ref().map(|m| {
        let f = num_i128(m, true);
        if s.exclusive_minimum && !has_fraction(m) {
            f + 1
        } else {
            f
        }
    });
    let hi = s.maximum.as_ref().map(|m| {
        let f = num_i128(m, false);
        if s.exclusive_maximum && !has_fraction(m) {
            f - 1
        } else {
            f
        }
    });
    (
        lo.unwrap_or(fmt_lo).max(fmt_lo),
        hi.unwrap_or(fmt_hi).min(fmt_hi),
    )
}

/// [`int_bounds`] of an integer without a format.
fn unformatted_bounds(s: &Schema) -> (i128, i128) {
    let given = |m: &Number, lower: bool| {
        let f = num_i128(m, lower);
        match (lower, s.exclusive_minimum, s.exclusive_maximum) {
            (true, true, _) if !has_fraction(m) => f.saturating_add(1),
            (false, _, true) if !has_fraction(m) => f.saturating_sub(1),
            _ => f,
        }
    };
    let lo = s.minimum.as_ref().map(|m| given(m, true));
    let hi = s.maximum.as_ref().map(|m| given(m, false));
    match (lo, hi) {
        (Some(lo), Some(hi)) => (lo, hi),
        (Some(lo), None) => (lo, i128::from(i64::MAX).max(lo)),
        (None, Some(hi)) => (i128::from(i64::MIN).min(hi), hi),
        (None, None) => (i128::from(i64::MIN), i128::from(i64::MAX)),
    }
}

fn has_fraction(n: &Number) -> bool {
    !n.is_i64() && !n.is_u64() && n.as_f64().is_some_and(|f| f.fract() != 0.0)
}

/// A bound as an integer: rounded up for lower bounds, down for upper ones.
fn num_i128(n: &Number, lower: bool) -> i128 {
    if let Some(i) = n.as_i64() {
        return i128::from(i);
    }
    if let Some(u) = n.as_u64() {
        return i128::from(u);
    }
    let f = n.as_f64().unwrap_or(0.0);
    let f = if lower { f.ceil() } else { f.floor() };
    f.clamp(-1.7e38, 1.7e38) as i128
}

fn div_ceil(a: i128, b: i128) -> i128 {
    let q = a.div_euclid(b);
    if q * b < a { q + 1 } else { q }
}

/// An integer as a JSON number (i64, or u64 above i64::MAX).
pub(crate) fn int_value(v: i128) -> Value {
    if let Ok(i) = i64::try_from(v) {
        Value::from(i)
    } else if let Ok(u) = u64::try_from(v) {
        Value::from(u)
    } else {
        Value::from(v as f64)
    }
}

/// A float as a JSON number; whole values within i64 become integers.
pub(crate) fn float_value(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        return Value::from(f as i64);
    }
    Number::from_f64(f)
        .map(Value::Number)
        .unwrap_or(Value::from(0))
}

/// A quotient within floating-point error of a whole number, as that number
/// (-3.51 / 0.01 is -350.99999999999994).
pub(crate) fn snap(q: f64) -> f64 {
    let r = q.round();
    if (q - r).abs() < 1e-9 * r.abs().max(1.0) {
        r
    } else {
        q
    }
}

/// How many decimal places a multipleOf has (0.25 has 2), at most 12.
pub(crate) fn decimals_of(m: f64) -> i32 {
    let mut d = 0;
    let mut x = m;
    while x.fract().abs() > 1e-12 && d < 12 {
        x *= 10.0;
        d += 1;
    }
    d
}

/// A plain alphanumeric string of `len` characters (at most [`MAX_STRING_CHARS`]).
pub(crate) fn plain(len: u64, src: &mut dyn Source) -> String {
    (0..len.min(MAX_STRING_CHARS))
        .map(|_| ALPHABET[src.index(ALPHABET.len())] as char)
        .collect()
}
