//! Enum members that do not fit their schema's declared type
//! (`type: string, enum: [false, true]` from unquoted YAML, `type: number,
//! enum: ['2', '3']`): coerced to the declared type where the text means
//! it, else kept as written, with the type widened so that the member stays
//! a value to send (a parameter's member is text on the wire either way).

use serde_json::{Number, Value};

use crate::model::{TypeSet, Types};

/// Members after [`fit`], with what was done to the ones that did not fit.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Fitted {
    /// The members, in order, coerced where they could be.
    pub members: Vec<Value>,
    /// `(as written, as read)` for every member that was coerced.
    pub coerced: Vec<(Value, Value)>,
    /// Members kept as written although they do not fit the declared type.
    pub kept: Vec<Value>,
    /// Types added to the schema so that the kept members are values of it.
    pub widened: Vec<Types>,
}

/// The members of `values` fitted to a schema declaring `types` (empty: any).
pub(super) fn fit(types: TypeSet, nullable: bool, values: &[Value]) -> Fitted {
    let mut out = Fitted::default();
    for v in values {
        if fits(types, nullable, v) {
            out.members.push(v.clone());
            continue;
        }
        match coerce(types, v) {
            Some(c) => {
                out.coerced.push((v.clone(), c.clone()));
                out.members.push(c);
            }
            None => {
                let t = type_of(v);
                if !out.widened.contains(&t) {
                    out.widened.push(t);
                }
                out.kept.push(v.clone());
                out.members.push(v.clone());
            }
        }
    }
    out
}

fn fits(types: TypeSet, nullable: bool, v: &Value) -> bool {
    let t = type_of(v);
    types.is_any()
        || types.contains(t)
        || (t == Types::Integer && types.contains(Types::Number))
        || (t == Types::Null && nullable)
}

/// `v` as a value of one of `types`, where its text means one.
fn coerce(types: TypeSet, v: &Value) -> Option<Value> {
    let text = match v {
        Value::String(s) => s.trim().to_owned(),
        Value::Bool(_) | Value::Number(_) => v.to_string(),
        _ => return None,
    };
    for t in [Types::Integer, Types::Number, Types::Boolean, Types::String] {
        if !types.contains(t) {
            continue;
        }
        let coerced = match t {
            Types::Integer => integer(&text),
            Types::Number => integer(&text).or_else(|| {
                text.parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .and_then(Number::from_f64)
                    .map(Value::Number)
            }),
            Types::Boolean => match text.as_str() {
                "true" => Some(Value::Bool(true)),
                "false" => Some(Value::Bool(false)),
                _ => None,
            },
            // a boolean or number read from unquoted YAML: its text
            _ if !v.is_string() => Some(Value::String(text.clone())),
            _ => None,
        };
        if coerced.is_some() {
            return coerced;
        }
    }
    None
}

fn integer(text: &str) -> Option<Value> {
    if let Ok(i) = text.parse::<i64>() {
        return Some(Value::from(i));
    }
    text.parse::<u64>().ok().map(Value::from)
}

/// The JSON type of a member (a number without fraction is an integer).
fn type_of(v: &Value) -> Types {
    match v {
        Value::Null => Types::Null,
        Value::Bool(_) => Types::Boolean,
        Value::Number(n) if n.is_i64() || n.is_u64() => Types::Integer,
        Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => Types::Integer,
        Value::Number(_) => Types::Number,
        Value::String(_) => Types::String,
        Value::Array(_) => Types::Array,
        Value::Object(_) => Types::Object,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn types(list: &[Types]) -> TypeSet {
        let mut set = TypeSet::default();
        for t in list {
            set.insert(*t);
        }
        set
    }

    #[test]
    fn booleans_of_a_string_enum_become_their_text() {
        let f = fit(types(&[Types::String]), false, &[json!(false), json!(true)]);
        assert_eq!(f.members, [json!("false"), json!("true")]);
        assert_eq!(f.coerced.len(), 2);
        assert!(f.kept.is_empty() && f.widened.is_empty());
    }

    #[test]
    fn numeric_text_of_a_number_enum_becomes_numbers() {
        let f = fit(types(&[Types::Number]), false, &[json!("2"), json!("3.5")]);
        assert_eq!(f.members, [json!(2), json!(3.5)]);
        let f = fit(types(&[Types::Integer]), false, &[json!("2"), json!("2.5")]);
        assert_eq!(f.members, [json!(2), json!("2.5")]);
        assert_eq!(f.kept, [json!("2.5")]);
        assert_eq!(f.widened, [Types::String]);
    }

    #[test]
    fn members_that_fit_or_have_no_meaning_are_kept() {
        let f = fit(types(&[Types::Integer]), false, &[json!(1), json!("low")]);
        assert_eq!(f.members, [json!(1), json!("low")]);
        assert_eq!(f.kept, [json!("low")]);
        let f = fit(types(&[Types::String]), true, &[json!(null), json!("a")]);
        assert!(f.coerced.is_empty() && f.kept.is_empty());
        let f = fit(TypeSet::default(), false, &[json!(false)]);
        assert!(f.coerced.is_empty() && f.kept.is_empty());
        let f = fit(
            types(&[Types::Boolean]),
            false,
            &[json!("true"), json!("yes")],
        );
        assert_eq!(f.members, [json!(true), json!("yes")]);
    }
}
