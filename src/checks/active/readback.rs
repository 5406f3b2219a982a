//! Privilege read-back (part of `privilege_escalation`): a write by a
//! non-privileged identity that carries a privilege field (one the body
//! schema declares, or one the identity's "who am I" shows, on a write
//! about the caller: `PUT /profile`, `PATCH /users/{id}` with its own id),
//! then a fresh read of the identity's "who am I", whatever the write
//! answered (a 500 may still have stored the value). A privilege field
//! that now holds the value sent is a raised privilege: the finding, with
//! the write and the read-back in its proof. The value read before is
//! written back at once, and the read-back after that says whether it held.
//!
//! Values come from the API's vocabulary (`privilege_values`): a value
//! outside it is never written. Fields the identity must not change (its
//! password, user name, e-mail) keep their current values or are left out.

use serde_json::{Map, Value};

use super::Session;
use super::privilege_values::{Known, raised};
use super::sequence::step;
use super::whoami::{self, Me, Who, is_privilege_field};
use crate::checks::{ProofItem, Verdict};
use crate::generate::Values;
use crate::identity::is_privileged_role;
use crate::model::login::login_fields;
use crate::model::{Api, Method, Operation, ParameterLocation};
use crate::probes::Profile;

/// Writes tried at most per operation.
const WRITES: usize = 4;

/// Path segments of a write about the caller's account.
const CALLER_WORDS: [&str; 10] = [
    "me", "profile", "account", "accounts", "user", "users", "self", "settings", "member",
    "members",
];

/// Body fields that change how the identity signs in: never sent changed.
const SIGN_IN_FIELDS: [&str; 6] = ["password", "passwd", "pass", "newpassword", "secret", "pin"];

/// `name` lower case, without `_` and `-`.
fn normalised(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether a write about the caller (or one declaring a privilege field)
/// gets the read-back: POST, PUT or PATCH with a JSON object body, not a
/// sign-in.
pub(super) fn applies(api: &Api, op: &Operation, _: Profile) -> bool {
    if !matches!(op.method, Method::Post | Method::Put | Method::Patch)
        || login_fields(api, op).is_some()
    {
        return false;
    }
    let Some(schema) = op
        .body
        .as_ref()
        .and_then(|b| b.content.iter().find(|m| m.media_type.contains("json")))
        .and_then(|m| m.schema)
    else {
        return false;
    };
    let declares = api
        .schemas
        .get(schema)
        .properties
        .keys()
        .any(|k| is_privilege_field(api, k));
    declares || about_caller(op)
}

/// A path naming the caller's account (`/profile`, `/users/{id}`, `/me/settings`).
fn about_caller(op: &Operation) -> bool {
    op.path
        .split('/')
        .filter(|s| !s.is_empty() && !s.starts_with('{'))
        .any(|s| CALLER_WORDS.contains(&normalised(s).as_str()))
        && op.parameters_in(ParameterLocation::Path).count() <= 1
}

/// Whether `after` (a read-back value) holds what was `sent`: equal, or a
/// list holding every member sent.
pub(super) fn holds(after: &Value, sent: &Value) -> bool {
    match (after, sent) {
        (Value::Array(have), Value::Array(want)) => want.iter().all(|w| have.contains(w)),
        (Value::String(a), Value::String(b)) => a.eq_ignore_ascii_case(b),
        (a, b) => a == b,
    }
}

/// Whether a profile shows a privileged value (a built-in privileged role word, or `true` in an admin-like flag).
fn looks_privileged(me: &Me) -> bool {
    me.privileges.iter().any(|p| match &p.value {
        Value::String(r) => is_privileged_role(r),
        Value::Array(rs) => rs.iter().filter_map(Value::as_str).any(is_privileged_role),
        Value::Bool(b) => *b && normalised(&p.name).contains("admin"),
        _ => false,
    })
}

/// The profiles of the scan's named identities (read once per scan), with
/// whether each identity is privileged.
pub(super) async fn profiles(s: &mut Session<'_>) -> Vec<(bool, Me)> {
    let mut out = Vec::new();
    for identity in s.identities() {
        if s.stopping() {
            break;
        }
        if let Some(me) = s.whoami(&Who::named(identity)).await {
            out.push((identity.is_privileged(), me));
        }
    }
    out
}

/// The identity whose writes are read back: the first non-privileged named
/// identity whose "who am I" is found, else the scan's own credentials.
async fn writer(s: &mut Session<'_>) -> Option<(Who, Me)> {
    let mut whos: Vec<Who> = s
        .identities()
        .iter()
        .filter(|i| !i.is_privileged())
        .map(Who::named)
        .collect();
    whos.push(Who::scan(s));
    for who in whos {
        if s.stopping() {
            return None;
        }
        if let Some(me) = s.whoami(&who).await
            && !looks_privileged(&me)
        {
            return Some((who, me));
        }
    }
    None
}

/// The write's values: the base with the caller's own id or name in the
/// path, its own user name and e-mail in the body, fields that sign in
/// left out; `None` when that cannot be done.
fn own_values(s: &Session<'_>, me: &Me) -> Option<Values> {
    let api = s.api();
    let op = s.operation();
    let mut values = s.values().clone();
    for (i, p) in op.parameters.iter().enumerate() {
        if p.location != ParameterLocation::Path {
            continue;
        }
        let n = normalised(&p.name);
        let v = if n.contains("name") || n == "user" || n == "login" {
            Value::String(me.user.clone())
        } else if n.contains("mail") {
            Value::String(me.email.clone()?)
        } else {
            me.user_id.clone()?
        };
        *values.parameters.get_mut(i)? = Some(v);
    }
    let (index, body) = values.body.as_mut()?;
    let map: &mut Map<String, Value> = body.as_object_mut()?;
    let schema = op
        .body
        .as_ref()
        .and_then(|b| b.content.get(*index))
        .and_then(|m| m.schema)
        .map(|id| api.schemas.get(id));
    let keys: Vec<String> = map.keys().cloned().collect();
    for k in keys {
        let n = normalised(&k);
        if SIGN_IN_FIELDS.contains(&n.as_str()) {
            if schema.is_some_and(|s| s.is_required(&k)) {
                return None;
            }
            map.remove(&k);
        } else if matches!(n.as_str(), "username" | "user" | "login") {
            map.insert(k, Value::String(me.user.clone()));
        } else if n.contains("mail") {
            match &me.email {
                Some(e) => {
                    map.insert(k, Value::String(e.clone()));
                }
                None if schema.is_some_and(|s| s.is_required(&k)) => return None,
                None => {
                    map.remove(&k);
                }
            }
        } else if is_privilege_field(api, &k) {
            // a privilege field keeps what the caller holds; the probe sets it
            match me.privilege(&k) {
                Some(v) => {
                    map.insert(k, v.clone());
                }
                None => {
                    map.remove(&k);
                }
            }
        }
    }
    Some(values)
}

/// The read-back of one write operation (see the module's doc).
pub(super) async fn run(s: &mut Session<'_>) {
    let api = s.api();
    let op = s.operation();
    let Some((who, first)) = writer(s).await else {
        return;
    };
    let Some(base) = own_values(s, &first) else {
        return;
    };
    let body_schema = op
        .body
        .as_ref()
        .and_then(|b| base.body.as_ref().and_then(|(i, _)| b.content.get(*i)))
        .and_then(|m| m.schema);
    // the fields: those the body declares, and on a write about the caller those its profile shows
    let mut fields: Vec<String> = body_schema
        .map(|id| {
            api.schemas
                .get(id)
                .properties
                .keys()
                .filter(|k| is_privilege_field(api, k))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    if about_caller(op) {
        for p in &first.privileges {
            if p.pointer.matches('/').count() <= 2 && !fields.iter().any(|f| f == &p.name) {
                fields.push(p.name.clone());
            }
        }
    }
    if fields.is_empty() {
        return;
    }
    let others = profiles(s).await;
    let known = Known {
        whoami: Some(first.operation),
        body: body_schema,
        others: others
            .iter()
            .filter(|(_, m)| m.user != first.user)
            .map(|(p, m)| (*p, m))
            .collect(),
    };
    let mut tries: Vec<(String, Value)> = Vec::new();
    for f in &fields {
        for v in raised(api, f, first.privilege(f), &known) {
            tries.push((f.clone(), v));
        }
    }
    tries.truncate(WRITES);
    let identity = who.identity.clone();
    for (field, value) in tries {
        if s.stopping() {
            return;
        }
        let Some(before) = whoami::read(s, first.operation, &who).await else {
            return;
        };
        let mut values = base.clone();
        if let Some((_, Value::Object(map))) = values.body.as_mut() {
            map.insert(field.clone(), value.clone());
        }
        let Some(request) = s.request_from(&values) else {
            continue;
        };
        let Some(write) = s.send_as(&request, &identity).await else {
            return;
        };
        let Some(after) = whoami::read(s, first.operation, &who).await else {
            // the write broke the account: say nothing, try nothing more
            return;
        };
        let gained = whoami::changed(&before, &after)
            .into_iter()
            .find(|(k, _, v)| k.eq_ignore_ascii_case(&field) && holds(v, &value));
        let Some((_, old, new)) = gained else {
            continue;
        };
        // restore what the identity held
        let restored = match before.privilege(&field) {
            Some(old_value) => {
                let mut back = base.clone();
                if let Some((_, Value::Object(map))) = back.body.as_mut() {
                    map.insert(field.clone(), old_value.clone());
                }
                match s.request_from(&back) {
                    Some(r) => {
                        let _ = s.send_as(&r, &identity).await;
                        whoami::read(s, first.operation, &who)
                            .await
                            .and_then(|m| m.privilege(&field).cloned())
                            .is_some_and(|v| &v == old_value)
                    }
                    None => false,
                }
            }
            None => false,
        };
        let path = &api.operations[first.operation].path;
        let verdict = Verdict {
            title: format!(
                "{} {} lets a user set its own {field} to {value}",
                op.method.as_str(),
                op.path
            ),
            evidence: format!(
                "{} sent {field}={value} ({}); GET {path} then showed {field}: {old} -> {new}{}",
                who.key,
                step(&write),
                if restored {
                    "; the old value was written back"
                } else {
                    "; the old value could not be written back"
                }
            ),
            signature: format!("write_privilege_field:{}", normalised(&field)),
            proof: vec![
                ProofItem::new("write", step(&write)),
                ProofItem::new("privilege_field", format!("{field}={value}")),
                ProofItem::new("read_before", step(&before.exchange)),
                ProofItem::new("read_back", step(&after.exchange)),
                ProofItem::new("read_back_shows", format!("{field}: {old} -> {new}")),
                ProofItem::new("restored", restored.to_string()),
            ],
            ..Verdict::default()
        };
        s.report(verdict, &write);
        return;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_read_back_holds_what_was_sent() {
        assert!(holds(&json!("Manager"), &json!("manager")));
        assert!(holds(&json!(["user", "editor"]), &json!(["editor"])));
        assert!(!holds(&json!("Customer"), &json!("Manager")));
        assert!(!holds(&json!(false), &json!(true)));
    }
}
