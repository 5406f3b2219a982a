//! Merging `allOf` into one schema where the parts agree.
//!
//! Generators and validators are simpler and faster on one flat schema than on
//! a conjunction. A part that conflicts (two patterns, two different `items`,
//! a cycle back into the schema being merged) stays in `all_of`.

use crate::model::{AdditionalProperties, Schema, SchemaId, Schemas};

#[derive(Clone, Copy, PartialEq)]
enum State {
    Todo,
    InProgress,
    Done,
}

/// Merges every schema's `all_of` into the schema itself, where possible.
pub(super) fn merge_all(arena: &mut Schemas) {
    let mut state = vec![State::Todo; arena.len()];
    for id in arena.ids() {
        merge_one(arena, id, &mut state, 0);
    }
}

fn merge_one(arena: &mut Schemas, id: SchemaId, state: &mut Vec<State>, depth: usize) {
    let i = id.0 as usize;
    if state.len() <= i {
        state.resize(i + 1, State::Todo);
    }
    if state[i] != State::Todo || arena.get(id).all_of.is_empty() {
        state[i] = State::Done;
        return;
    }
    if depth > 32 {
        return; // left as a conjunction
    }
    state[i] = State::InProgress;
    let members = arena.get(id).all_of.clone();
    for m in &members {
        merge_one(arena, *m, state, depth + 1);
    }
    let mut merged = arena.get(id).clone();
    merged.all_of.clear();
    let own_nullable = merged.nullable;
    let mut all_nullable = true;
    let mut left = Vec::new();
    for m in members {
        let in_cycle = state.get(m.0 as usize) == Some(&State::InProgress);
        let member = arena.get(m).clone();
        if in_cycle || !member.all_of.is_empty() {
            left.push(m);
            continue;
        }
        let mut attempt = merged.clone();
        if merge_into(arena, &mut attempt, &member, state, depth) {
            merged = attempt;
            if !member.types.is_any() && !member.nullable {
                all_nullable = false;
            }
        } else {
            left.push(m);
        }
    }
    // `allOf: [$ref, {nullable: true}]` is the common way of saying "this, or null".
    merged.nullable = own_nullable || (all_nullable && left.is_empty() && merged.nullable);
    merged.all_of = left;
    if let Some(slot) = arena.get_mut(id) {
        *slot = merged;
    }
    state[i] = State::Done;
}

/// Adds `m`'s constraints to `s`; false when they cannot be expressed in one schema.
fn merge_into(
    arena: &mut Schemas,
    s: &mut Schema,
    m: &Schema,
    state: &mut Vec<State>,
    depth: usize,
) -> bool {
    if !s.types.is_any() && !m.types.is_any() {
        let both = s.types.intersect(m.types);
        if both.is_any() {
            return false;
        }
        s.types = both;
    } else if s.types.is_any() {
        s.types = m.types;
    }
    s.nullable |= m.nullable;
    if !same_or_take(&mut s.format, &m.format)
        || !same_or_take(&mut s.constant, &m.constant)
        || !same_or_take(&mut s.pattern, &m.pattern)
        || !same_or_take(&mut s.multiple_of, &m.multiple_of)
        || !same_or_take(&mut s.items, &m.items)
        || !same_or_take(&mut s.not, &m.not)
        || !same_or_take(&mut s.discriminator, &m.discriminator)
    {
        return false;
    }
    match (&mut s.enumeration, &m.enumeration) {
        (Some(a), Some(b)) => a.retain(|v| b.contains(v)),
        (None, Some(b)) => s.enumeration = Some(b.clone()),
        _ => {}
    }
    if s.default.is_none() {
        s.default.clone_from(&m.default);
    }
    s.examples.extend(m.examples.iter().cloned());
    tighter_min(
        &mut s.minimum,
        &mut s.exclusive_minimum,
        &m.minimum,
        m.exclusive_minimum,
    );
    tighter_max(
        &mut s.maximum,
        &mut s.exclusive_maximum,
        &m.maximum,
        m.exclusive_maximum,
    );
    s.min_length = max_opt(s.min_length, m.min_length);
    s.max_length = min_opt(s.max_length, m.max_length);
    s.min_items = max_opt(s.min_items, m.min_items);
    s.max_items = min_opt(s.max_items, m.max_items);
    s.min_properties = max_opt(s.min_properties, m.min_properties);
    s.max_properties = min_opt(s.max_properties, m.max_properties);
    s.unique_items |= m.unique_items;
    if s.prefix_items.is_empty() {
        s.prefix_items.clone_from(&m.prefix_items);
    } else if !m.prefix_items.is_empty() && s.prefix_items != m.prefix_items {
        return false;
    }
    for (name, id) in &m.properties {
        match s.properties.get(name).copied() {
            None => {
                s.properties.insert(name.clone(), *id);
            }
            Some(existing) if existing == *id => {}
            Some(existing) => {
                // Both parts constrain the property: a merged schema for it.
                let both = arena.push(Schema {
                    all_of: vec![existing, *id],
                    ..Schema::default()
                });
                merge_one(arena, both, state, depth + 1);
                s.properties.insert(name.clone(), both);
            }
        }
    }
    for r in &m.required {
        if !s.required.contains(r) {
            s.required.push(r.clone());
        }
    }
    s.additional_properties = match (s.additional_properties, m.additional_properties) {
        (AdditionalProperties::Any, other) | (other, AdditionalProperties::Any) => other,
        (AdditionalProperties::Forbidden, _) | (_, AdditionalProperties::Forbidden) => {
            AdditionalProperties::Forbidden
        }
        (AdditionalProperties::Schema(a), AdditionalProperties::Schema(b)) if a == b => {
            AdditionalProperties::Schema(a)
        }
        _ => return false,
    };
    for (mine, theirs) in [(&mut s.one_of, &m.one_of), (&mut s.any_of, &m.any_of)] {
        if mine.is_empty() {
            mine.clone_from(theirs);
        } else if !theirs.is_empty() && mine != theirs {
            return false;
        }
    }
    s.read_only |= m.read_only;
    s.write_only |= m.write_only;
    s.deprecated |= m.deprecated;
    true
}

/// Takes `theirs` when `mine` is unset; false when both are set and differ.
fn same_or_take<T: Clone + PartialEq>(mine: &mut Option<T>, theirs: &Option<T>) -> bool {
    match (mine.as_ref(), theirs) {
        (_, None) => true,
        (None, Some(t)) => {
            *mine = Some(t.clone());
            true
        }
        (Some(a), Some(b)) => a == b,
    }
}

fn max_opt(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    }
}

fn min_opt(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

fn tighter_min(
    min: &mut Option<serde_json::Number>,
    excl: &mut bool,
    other: &Option<serde_json::Number>,
    other_excl: bool,
) {
    let Some(o) = other else { return };
    let of = o.as_f64().unwrap_or(f64::MIN);
    match min.as_ref().and_then(|m| m.as_f64()) {
        Some(mf) if mf > of || (mf == of && (*excl || !other_excl)) => {}
        _ => {
            *min = Some(o.clone());
            *excl = other_excl;
        }
    }
}

fn tighter_max(
    max: &mut Option<serde_json::Number>,
    excl: &mut bool,
    other: &Option<serde_json::Number>,
    other_excl: bool,
) {
    let Some(o) = other else { return };
    let of = o.as_f64().unwrap_or(f64::MAX);
    match max.as_ref().and_then(|m| m.as_f64()) {
        Some(mf) if mf < of || (mf == of && (*excl || !other_excl)) => {}
        _ => {
            *max = Some(o.clone());
            *excl = other_excl;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{TypeSet, Types};

    fn object(props: &[(&str, SchemaId)], required: &[&str]) -> Schema {
        Schema {
            types: TypeSet::one(Types::Object),
            properties: props.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            required: required.iter().map(|s| s.to_string()).collect(),
            ..Schema::default()
        }
    }

    #[test]
    fn compatible_parts_merge_into_one_schema() {
        let mut a = Schemas::new();
        let s = a.push(Schema {
            types: TypeSet::one(Types::String),
            ..Schema::default()
        });
        let i = a.push(Schema {
            types: TypeSet::one(Types::Integer),
            minimum: Some(1.into()),
            ..Schema::default()
        });
        let base = a.push(object(&[("name", s)], &["name"]));
        let ext = a.push(object(&[("id", i)], &["id"]));
        let all = a.push(Schema {
            all_of: vec![base, ext],
            ..Schema::default()
        });
        merge_all(&mut a);
        let m = a.get(all);
        assert!(m.all_of.is_empty());
        assert_eq!(m.types, TypeSet::one(Types::Object));
        assert_eq!(m.properties.keys().collect::<Vec<_>>(), ["name", "id"]);
        assert_eq!(m.required, ["name", "id"]);
    }

    #[test]
    fn conflicting_parts_stay_in_all_of() {
        let mut a = Schemas::new();
        let p1 = a.push(Schema {
            pattern: Some("^a".into()),
            ..Schema::default()
        });
        let p2 = a.push(Schema {
            pattern: Some("b$".into()),
            ..Schema::default()
        });
        let all = a.push(Schema {
            all_of: vec![p1, p2],
            ..Schema::default()
        });
        merge_all(&mut a);
        assert_eq!(a.get(all).pattern.as_deref(), Some("^a"));
        assert_eq!(a.get(all).all_of, vec![p2]);
    }

    #[test]
    fn bounds_take_the_tighter_side() {
        let mut a = Schemas::new();
        let p1 = a.push(Schema {
            minimum: Some(1.into()),
            maximum: Some(10.into()),
            max_length: Some(5),
            ..Schema::default()
        });
        let p2 = a.push(Schema {
            minimum: Some(3.into()),
            maximum: Some(20.into()),
            max_length: Some(3),
            ..Schema::default()
        });
        let all = a.push(Schema {
            all_of: vec![p1, p2],
            ..Schema::default()
        });
        merge_all(&mut a);
        let m = a.get(all);
        assert_eq!(m.minimum, Some(3.into()));
        assert_eq!(m.maximum, Some(10.into()));
        assert_eq!(m.max_length, Some(3));
    }

    #[test]
    fn self_reference_through_all_of_does_not_loop() {
        let mut a = Schemas::new();
        let id = a.push(Schema::default());
        if let Some(s) = a.get_mut(id) {
            s.all_of = vec![id];
        }
        merge_all(&mut a);
        assert_eq!(a.get(id).all_of, vec![id]);
    }

    #[test]
    fn nullable_wrapper_keeps_null() {
        let mut a = Schemas::new();
        let target = a.push(object(&[], &[]));
        let wrapper = a.push(Schema {
            nullable: true,
            all_of: vec![target],
            ..Schema::default()
        });
        merge_all(&mut a);
        assert!(a.get(wrapper).nullable);
        assert_eq!(a.get(wrapper).types, TypeSet::one(Types::Object));
    }
}
