//! One identity on another's object, judged by what the owner sees: a
//! read that shows the owner's object, a write the owner's read-back
//! shows (then written back), for the `bola` probe.

use serde_json::Value;

use super::{Identity, Session};
use crate::generate::Values;
use crate::http::Exchange;
use crate::model::Method;

/// Keys (lower case, `_` and `-` left out) an intruder's write leaves as
/// they were: ids and owner fields (changing them could hand the object
/// over) and passwords.
const KEPT: [&str; 12] = [
    "id",
    "uuid",
    "owner",
    "ownerid",
    "user",
    "userid",
    "username",
    "author",
    "createdby",
    "email",
    "password",
    "role",
];

/// Whether `exchange` (the intruder's read) shows the owner's object: a
/// 2xx whose JSON holds `field: id` somewhere (three levels deep at
/// most), or whose body is the owner's own read byte for byte.
pub(super) fn shows(exchange: &Exchange, field: &str, id: &Value, owner_read: &Exchange) -> bool {
    let Some(response) = exchange.response() else {
        return false;
    };
    if !(200..300).contains(&response.status) {
        return false;
    }
    if owner_read
        .response()
        .is_some_and(|r| !r.body.is_empty() && r.body == response.body)
    {
        return true;
    }
    let Ok(body) = serde_json::from_slice::<Value>(&response.body) else {
        return false;
    };
    holds(&body, field, id, 0)
}

/// Whether `exchange` answers 2xx with a JSON body that holds `field: id`
/// (a read that found the object, not a 200 with an error message).
pub(super) fn names_id(exchange: &Exchange, field: &str, id: &Value) -> bool {
    exchange.response().is_some_and(|r| {
        (200..300).contains(&r.status)
            && serde_json::from_slice::<Value>(&r.body).is_ok_and(|body| holds(&body, field, id, 0))
    })
}

fn holds(v: &Value, field: &str, id: &Value, depth: usize) -> bool {
    if depth > 3 {
        return false;
    }
    match v {
        Value::Object(map) => {
            map.get(field).is_some_and(|x| same_id(x, id))
                || map.values().any(|x| holds(x, field, id, depth + 1))
        }
        Value::Array(items) => items
            .iter()
            .take(50)
            .any(|x| holds(x, field, id, depth + 1)),
        _ => false,
    }
}

/// `7` and `"7"` are the same id.
fn same_id(a: &Value, b: &Value) -> bool {
    a == b || text(a).is_some_and(|t| Some(t) == text(b))
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(t) => Some(t.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// What a confirmed cross-identity write showed.
pub(super) struct Written {
    /// The owner's read before the write.
    pub(super) before: Exchange,
    /// The intruder's write.
    pub(super) write: Exchange,
    /// The owner's read after it.
    pub(super) after: Exchange,
    /// What the read-back shows changed.
    pub(super) change: String,
    /// The owner's write that put the values read before back, if sent.
    pub(super) restore: Option<Exchange>,
}

/// The intruder writes to the owner's object with operation `op` (its
/// path parameters filled, in `values`), and the owner reads it back with
/// `read` (operation index and request). A PUT or PATCH carries fresh
/// strings in the body fields that are not ids, owner fields or passwords.
/// `Some` only when the write answered 2xx and the owner's read-back shows
/// the change (the fresh strings, the object gone after a DELETE, the
/// object changed after a POST); the values read before are then written
/// back by the owner where the body names them.
pub(super) async fn write(
    s: &mut Session<'_>,
    op: usize,
    values: &Values,
    read: (usize, &crate::http::Request),
    owner: &Identity,
    intruder: &Identity,
) -> Option<Written> {
    let api = s.api();
    let method = api.operations.get(op)?.method;
    let before = s.send_to(read.0, read.1, owner).await?;
    if !ok(&before) {
        return None;
    }
    let before_json = json_of(&before);
    let mut changed = values.clone();
    let mut fresh: Vec<String> = Vec::new();
    if matches!(method, Method::Put | Method::Patch)
        && let Some((_, body)) = changed.body.as_mut()
    {
        let mut leaves = Vec::new();
        string_leaves(body, String::new(), &mut leaves);
        for pointer in leaves {
            let canary = s.canary(12);
            if let Some(leaf) = body.pointer_mut(&pointer) {
                *leaf = Value::String(canary.clone());
                fresh.push(canary);
            }
        }
    }
    let request = s.request_of(op, &changed)?;
    let write = s.send_to(op, &request, intruder).await?;
    if !ok(&write) {
        return None;
    }
    let after = s.send_to(read.0, read.1, owner).await?;
    let change = match method {
        Method::Delete => {
            let gone = after
                .response()
                .is_some_and(|r| matches!(r.status, 404 | 410));
            gone.then(|| format!("the owner's read now answers {}", status_of(&after)))
        }
        Method::Put | Method::Patch if !fresh.is_empty() => {
            let body = after.response().map(|r| r.body.clone()).unwrap_or_default();
            let text = String::from_utf8_lossy(&body);
            fresh
                .iter()
                .find(|c| text.contains(c.as_str()))
                .map(|c| format!("the owner's read shows the intruder's value {c:?}"))
        }
        _ => {
            let after_json = json_of(&after);
            (ok(&after)
                && before_json.is_some()
                && after_json.is_some()
                && strip_times(before_json.clone()) != strip_times(after_json))
            .then(|| "the owner's read shows the object changed".to_owned())
        }
    }?;
    let restore = match (method, &before_json) {
        (Method::Put | Method::Patch, Some(old)) => {
            let mut back = changed.clone();
            let mut any = false;
            if let Some((_, body)) = back.body.as_mut() {
                let mut leaves = Vec::new();
                string_leaves(body, String::new(), &mut leaves);
                for pointer in leaves {
                    let original = old.pointer(&pointer).cloned().or_else(|| {
                        values
                            .body
                            .as_ref()
                            .and_then(|(_, b)| b.pointer(&pointer).cloned())
                    });
                    if let (Some(original), Some(leaf)) = (original, body.pointer_mut(&pointer)) {
                        *leaf = original;
                        any = true;
                    }
                }
            }
            match any {
                true => match s.request_of(op, &back) {
                    Some(req) => s.send_to(op, &req, owner).await,
                    None => None,
                },
                false => None,
            }
        }
        _ => None,
    };
    Some(Written {
        before,
        write,
        after,
        change,
        restore,
    })
}

/// Pointers of the string leaves of a JSON body an intruder may change
/// (not ids, owner fields or passwords).
fn string_leaves(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                if KEPT.contains(&folded(k).as_str()) {
                    continue;
                }
                string_leaves(
                    x,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::String(_) if !at.is_empty() => out.push(at),
        _ => {}
    }
}

/// A JSON value without the keys that change on every write (times,
/// versions, etags).
fn strip_times(v: Option<Value>) -> Option<Value> {
    fn strip(v: &mut Value) {
        if let Value::Object(map) = v {
            map.retain(|k, _| {
                let k = folded(k);
                !(k.ends_with("edat")
                    || k.contains("time")
                    || k.contains("date")
                    || k.contains("updated")
                    || k.contains("modified")
                    || k == "etag"
                    || k == "version")
            });
            map.values_mut().for_each(strip);
        }
    }
    v.map(|mut v| {
        strip(&mut v);
        v
    })
}

fn json_of(exchange: &Exchange) -> Option<Value> {
    serde_json::from_slice(&exchange.response()?.body).ok()
}

fn ok(exchange: &Exchange) -> bool {
    exchange
        .response()
        .is_some_and(|r| (200..300).contains(&r.status))
}

fn status_of(exchange: &Exchange) -> String {
    exchange
        .response()
        .map_or_else(|| "no response".to_owned(), |r| r.status.to_string())
}

fn folded(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}
