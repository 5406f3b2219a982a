//! The values a probe writes into a privilege field (`role`, `is_admin`,
//! `permissions`, ...): the API's own vocabulary, never a guess where the
//! API shows what it accepts.
//!
//! The vocabulary of a field: the spec's `enum` of the field where the
//! caller's profile shows it (the "who am I" answer's schema) and in the
//! write's own body schema, with the values other identities' profiles
//! hold (the privileged identity's role first); only when none of these is
//! known, every `enum` the spec gives a property of that name. A value outside a known
//! vocabulary is never written: where the roles are `Customer`,
//! `Employee` and `Manager`, `"admin"` is no role, and a server that
//! stores it anyway may break the account for the rest of the scan.
//! Only when no vocabulary is known does a string field get `"admin"`.
//! Booleans are flipped to `true`; a list gets the vocabulary's values
//! added to what it holds.

use serde_json::Value;

use super::whoami::{Me, spec_values};
use crate::identity::is_privileged_role;
use crate::model::{Api, SchemaId};

/// Values tried at most per field.
pub const MAX_VALUES: usize = 3;

/// What a probe knows when it picks values: where the caller's profile is
/// read, the write's body schema, and what other identities' profiles show.
#[derive(Debug, Clone, Default)]
pub struct Known<'m> {
    /// The "who am I" operation (its response schema names the field's values).
    pub whoami: Option<usize>,
    /// The body schema of the write the value goes into.
    pub body: Option<SchemaId>,
    /// Other identities' profiles, with whether the identity is privileged.
    pub others: Vec<(bool, &'m Me)>,
}

/// `name` lower case, without `_` and `-`.
fn normalised(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The `enum` values of properties named `field` in the schema `root`
/// (properties and items followed, 4 levels deep).
fn enum_in(api: &Api, root: SchemaId, field: &str, out: &mut Vec<Value>) {
    let want = normalised(field);
    let mut level = vec![root];
    let mut seen = vec![root];
    for _ in 0..4 {
        let mut next = Vec::new();
        for id in level {
            let s = api.schemas.get(id);
            for (k, child) in &s.properties {
                if normalised(k) == want {
                    let p = api.schemas.get(*child);
                    let listed = p.enumeration.as_ref().or_else(|| {
                        p.items
                            .and_then(|i| api.schemas.get(i).enumeration.as_ref())
                    });
                    for v in listed.into_iter().flatten() {
                        if !v.is_null() && !out.contains(v) {
                            out.push(v.clone());
                        }
                    }
                }
                next.push(*child);
            }
            next.extend(s.items);
        }
        next.retain(|id| !seen.contains(id));
        seen.extend(next.iter().copied());
        level = next;
    }
}

/// The values `field` may hold, as far as the API shows (empty: none known).
pub fn vocabulary(api: &Api, field: &str, known: &Known<'_>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    if let Some(op) = known.whoami.and_then(|i| api.operations.get(i)) {
        for r in &op.responses {
            for m in &r.content {
                if let Some(id) = m.schema {
                    enum_in(api, id, field, &mut out);
                }
            }
        }
    }
    if let Some(id) = known.body {
        enum_in(api, id, field, &mut out);
    }
    let mut others: Vec<&(bool, &Me)> = known.others.iter().collect();
    others.sort_by_key(|(privileged, _)| !privileged);
    for (_, me) in others {
        if let Some(v) = me.privilege(field) {
            for item in items(v) {
                if !out.contains(&item) {
                    out.push(item);
                }
            }
        }
    }
    if out.is_empty() {
        out = spec_values(api, field);
    }
    out
}

/// A value's members (a list's items, else the value itself).
fn items(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(list) => list.iter().filter(|i| !i.is_null()).cloned().collect(),
        Value::Null => Vec::new(),
        other => vec![other.clone()],
    }
}

/// How privileged a vocabulary value looks: a built-in privileged word
/// (`admin`), a value a privileged identity's profile holds, or neither.
fn weight(v: &Value, known: &Known<'_>, field: &str) -> u8 {
    let held_by_privileged = known
        .others
        .iter()
        .any(|(p, me)| *p && me.privilege(field).is_some_and(|h| items(h).contains(v)));
    match (
        held_by_privileged,
        v.as_str().is_some_and(is_privileged_role),
    ) {
        (true, _) => 0,
        (false, true) => 1,
        _ => 2,
    }
}

/// The values to write into `field` to raise a privilege from `current`
/// (what the caller holds now, if known), best first, at most
/// [`MAX_VALUES`]: another value of the vocabulary (privileged-looking
/// ones first), `true` for a boolean, the list with one more member.
/// Empty when nothing can be written without leaving a known vocabulary.
pub fn raised(api: &Api, field: &str, current: Option<&Value>, known: &Known<'_>) -> Vec<Value> {
    let vocabulary = vocabulary(api, field, known);
    let held: Vec<Value> = current.map(items).unwrap_or_default();
    let mut out: Vec<Value> = Vec::new();
    match current {
        Some(Value::Bool(false)) => out.push(Value::Bool(true)),
        Some(Value::Bool(true)) => {}
        _ if vocabulary.is_empty() => match current {
            None if looks_boolean(field) => out.push(Value::Bool(true)),
            None if is_list_field(field) => out.push(Value::Array(vec![Value::from("admin")])),
            None | Some(Value::String(_)) => out.push(Value::from("admin")),
            Some(Value::Array(list)) if list.iter().all(Value::is_string) => {
                let mut more = list.clone();
                more.push(Value::from("admin"));
                out.push(Value::Array(more));
            }
            _ => {}
        },
        _ => {
            let mut fresh: Vec<&Value> = vocabulary.iter().filter(|v| !held.contains(v)).collect();
            fresh.sort_by_key(|v| weight(v, known, field));
            for v in fresh {
                out.push(match current {
                    Some(Value::Array(list)) => {
                        let mut more = list.clone();
                        more.push(v.clone());
                        Value::Array(more)
                    }
                    None if is_list_field(field) => Value::Array(vec![v.clone()]),
                    _ => v.clone(),
                });
            }
        }
    }
    out.truncate(MAX_VALUES);
    out
}

/// `is_admin`, `admin`, `isStaff`: a field that holds a yes or no.
fn looks_boolean(field: &str) -> bool {
    let n = normalised(field);
    n.starts_with("is") || n == "admin" || n == "superuser" || n == "staff"
}

/// `roles`, `permissions`, `scopes`, `groups`: a field that holds a list.
fn is_list_field(field: &str) -> bool {
    normalised(field).ends_with('s')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::active::whoami::Privilege;
    use serde_json::json;

    fn me(role: &str) -> Me {
        Me {
            operation: 0,
            user: "u".into(),
            user_id: None,
            email: None,
            privileges: vec![Privilege {
                name: "role".into(),
                pointer: "/role".into(),
                value: json!(role),
            }],
            exchange: crate::http::Exchange {
                request: crate::http::SentRequest {
                    url: "http://127.0.0.1/me".into(),
                    request: crate::http::Request {
                        method: crate::model::Method::Get,
                        path: "/me".into(),
                        query: String::new(),
                        headers: Vec::new(),
                        body: None,
                    },
                },
                outcome: crate::http::Outcome::Failed(crate::http::Failure {
                    kind: crate::http::FailureKind::Timeout,
                    message: String::new(),
                }),
                elapsed: std::time::Duration::ZERO,
            },
        }
    }

    fn api() -> Api {
        crate::spec::Loader::new()
            .load_str(
                r#"{"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{}}"#,
                "t.json",
            )
            .expect("spec")
    }

    #[test]
    fn other_profiles_give_the_vocabulary_and_admin_is_never_added_to_it() {
        let api = api();
        let (plain, manager) = (me("Customer"), me("Manager"));
        let known = Known {
            others: vec![(false, &plain), (true, &manager)],
            ..Known::default()
        };
        assert_eq!(
            raised(&api, "role", Some(&json!("Customer")), &known),
            vec![json!("Manager")]
        );
        // every profile holds the caller's own value: nothing to write
        let same = Known {
            others: vec![(false, &plain)],
            ..Known::default()
        };
        assert!(raised(&api, "role", Some(&json!("Customer")), &same).is_empty());
    }

    #[test]
    fn without_a_vocabulary_strings_get_admin_and_booleans_are_flipped() {
        let api = api();
        let none = Known::default();
        assert_eq!(
            raised(&api, "role", Some(&json!("user")), &none),
            vec![json!("admin")]
        );
        assert_eq!(
            raised(&api, "is_admin", Some(&json!(false)), &none),
            vec![json!(true)]
        );
        assert!(raised(&api, "is_admin", Some(&json!(true)), &none).is_empty());
        assert_eq!(raised(&api, "isAdmin", None, &none), vec![json!(true)]);
    }
}
