//! Boundary values: valid, but at the edges of what a schema allows.

use serde_json::{Map, Value, json};

use super::caps::MAX_ITEMS;
use super::source::Source;
use super::value::{
    Generator, decimals_of, float_value, int_bounds, int_value, plain, skipped, snap,
};
use crate::model::{Direction, Schema, SchemaId, Types};

impl Generator<'_> {
    /// A valid value at an edge of schema `id` (a bound, a length or count
    /// limit, empty, zero, a type's extreme), somewhere in the value.
    pub fn boundary(&mut self, id: SchemaId, dir: Direction, src: &mut dyn Source) -> Value {
        self.budget.reset();
        self.edge(id, dir, src, 0)
    }

    fn edge(&mut self, id: SchemaId, dir: Direction, src: &mut dyn Source, depth: usize) -> Value {
        let schemas = self.schemas;
        let s = schemas.get(id);
        if s.is_composed() || s.constant.is_some() || depth > 3 {
            return self.valid(id, dir, src, depth);
        }
        if s.enumeration.is_some() {
            // the first and last of a closed set
            let usable = self.usable_enum(id);
            if !usable.is_empty() {
                let last = usable.len() - 1;
                return usable[if src.below(2) == 0 { 0 } else { last }].clone();
            }
        }
        let candidates = match self.pick_type(s, src) {
            Types::Integer => self.integer_edges(s),
            Types::Number => number_edges(s),
            Types::String => self.string_edges(s, src),
            Types::Array => self.array_edges(id, s, dir, src, depth),
            Types::Object => self.object_edges(s, dir, src, depth),
            Types::Boolean | Types::Null => Vec::new(),
        };
        // every candidate is checked: an edge that breaks another keyword is no edge
        let start = match self.edge_pick {
            Some(k) => k % candidates.len().max(1),
            None => src.index(candidates.len().max(1)),
        };
        for i in 0..candidates.len() {
            let v = &candidates[(start + i) % candidates.len()];
            if self.accepts(id, v) {
                return v.clone();
            }
        }
        self.valid(id, dir, src, depth)
    }

    fn integer_edges(&self, s: &Schema) -> Vec<Value> {
        let (lo, hi) = int_bounds(s);
        // JSON Schema integers have no size limit: without a format or a
        // maximum, 2^63, 2^64 and 10^20 are valid, and a server keeping the
        // field in 64 bits often fails on them (an unhandled overflow). They
        // come first, between the bounds, so that a plan's first boundary
        // rounds send them (`edge_pick`).
        if s.format.is_none() && s.maximum.is_none() && s.multiple_of.is_none() {
            let mut out = Vec::new();
            for (big, bound) in PAST_64_BITS.iter().zip([lo, hi]) {
                out.extend([int_value(*big), int_value(bound)]);
            }
            out.push(int_value(PAST_64_BITS[2]));
            out.extend(self.integer_edges_within(s, lo, hi));
            return out;
        }
        let mut out = vec![int_value(lo), int_value(hi)];
        out.extend(self.integer_edges_within(s, lo, hi));
        if let Some(m) = s.multiple_of.filter(|m| *m >= 1.0 && m.fract() == 0.0) {
            let m = m as i128;
            let first = lo.div_euclid(m) * m + if lo.rem_euclid(m) == 0 { 0 } else { m };
            let last = hi.div_euclid(m) * m;
            out = vec![int_value(first), int_value(last), int_value(0)];
        }
        out
    }

    /// Integer edges between `lo` and `hi`: zero, one either side, and the
    /// 32- and 64-bit limits.
    fn integer_edges_within(&self, _s: &Schema, lo: i128, hi: i128) -> Vec<Value> {
        let mut out = Vec::new();
        for v in [
            0,
            -1,
            1,
            i128::from(i32::MIN),
            i128::from(i32::MAX),
            i128::from(i64::MIN),
            i128::from(i64::MAX),
        ] {
            if (lo..=hi).contains(&v) {
                out.push(int_value(v));
            }
        }
        out
    }

    fn string_edges(&mut self, s: &Schema, src: &mut dyn Source) -> Vec<Value> {
        if s.pattern.is_some() || s.format.is_some() {
            return vec![json!(self.string(s, src))];
        }
        let min = self.budget.take(s.min_length.unwrap_or(0));
        let mut out = vec![json!(plain(min, src))];
        let long = s.max_length.map_or(self.options.long_string, |max| {
            max.min(self.options.long_string)
        });
        let long = self.budget.take(long);
        out.push(json!(plain(long, src)));
        out
    }

    fn array_edges(
        &mut self,
        _id: SchemaId,
        s: &Schema,
        dir: Direction,
        src: &mut dyn Source,
        depth: usize,
    ) -> Vec<Value> {
        let min = s
            .min_items
            .unwrap_or(0)
            .max(s.prefix_items.len() as u64)
            .min(MAX_ITEMS);
        let max = s.max_items.unwrap_or(min + 8).min(min + 64);
        let mut out = Vec::new();
        for n in [min, max] {
            let mut items = Vec::new();
            for i in 0..n as usize {
                let schema = s.prefix_items.get(i).copied().or(s.items);
                let v = match schema {
                    Some(it) if i == 0 => self.edge(it, dir, src, depth + 1),
                    Some(it) => self.valid(it, dir, src, depth + 1),
                    None => json!(plain(3, src)),
                };
                if s.unique_items && items.contains(&v) {
                    continue;
                }
                items.push(v);
            }
            out.push(Value::Array(items));
        }
        out
    }

    fn object_edges(
        &mut self,
        s: &Schema,
        dir: Direction,
        src: &mut dyn Source,
        depth: usize,
    ) -> Vec<Value> {
        let schemas = self.schemas;
        // only the required properties, one of them at its own edge
        let mut minimal = Map::new();
        let mut full = Map::new();
        let mut first = true;
        for (name, id) in &s.properties {
            if skipped(schemas.get(*id), dir) {
                continue;
            }
            let v = if first {
                self.edge(*id, dir, src, depth + 1)
            } else {
                self.valid(*id, dir, src, depth + 1)
            };
            first = false;
            if s.is_required(name) {
                minimal.insert(name.clone(), v.clone());
            }
            full.insert(name.clone(), v);
        }
        vec![Value::Object(minimal), Value::Object(full)]
    }
}

/// Integers past 64 bits: 2^63 (one past `i64::MAX`), 2^64 (one past
/// `u64::MAX`) and 10^20.
const PAST_64_BITS: [i128; 3] = [1 << 63, 1 << 64, 100_000_000_000_000_000_000];

fn number_edges(s: &Schema) -> Vec<Value> {
    let min = s.minimum.as_ref().and_then(|m| m.as_f64());
    let max = s.maximum.as_ref().and_then(|m| m.as_f64());
    let mut out = Vec::new();
    if let Some(m) = s.multiple_of {
        // the first and last multiples inside the bounds
        let exact = |k: f64| {
            let d = decimals_of(m);
            float_value((k * m * 10f64.powi(d)).round() / 10f64.powi(d))
        };
        if let Some(lo) = min {
            let q = snap(lo / m);
            out.push(exact(
                q.ceil()
                    + if s.exclusive_minimum && q.fract() == 0.0 {
                        1.0
                    } else {
                        0.0
                    },
            ));
        }
        if let Some(hi) = max {
            let q = snap(hi / m);
            out.push(exact(
                q.floor()
                    - if s.exclusive_maximum && q.fract() == 0.0 {
                        1.0
                    } else {
                        0.0
                    },
            ));
        }
        out.push(json!(0));
        return out;
    }
    if let Some(m) = min {
        out.push(float_value(if s.exclusive_minimum {
            m.next_up()
        } else {
            m
        }));
    }
    if let Some(m) = max {
        out.push(float_value(if s.exclusive_maximum {
            m.next_down()
        } else {
            m
        }));
    }
    out.extend([0.0, -1.0, 1e308, -1e308, 5e-324, 0.1].map(float_value));
    out
}
