//! What a successful read after a DELETE shows: the deleted resource
//! itself, a tombstone (the resource marked deleted, as Stripe answers for
//! a deleted customer), or another resource that took the freed id (SQLite
//! without AUTOINCREMENT, MySQL after a restart and many in-memory stores
//! hand the highest id out again once it is free).

use serde_json::Value;

/// What the read after the delete answered, compared with the read before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Afterlife {
    /// The same resource as before the delete: it was not deleted.
    Same,
    /// The resource, marked deleted (`deleted: true`, a `deleted_at`, a
    /// `status` of deleted or removed): the API answers with a tombstone.
    Tombstone,
    /// Another resource, or a body that cannot be told to be the same one.
    Other,
}

/// Fields whose values change between two reads of one resource, or when it
/// is deleted (timestamps, versions, entity tags): not part of its identity.
const VOLATILE: &[&str] = &[
    "updated",
    "updatedat",
    "updatedon",
    "modified",
    "modifiedat",
    "lastmodified",
    "lastupdated",
    "version",
    "etag",
    "rev",
    "revision",
    "deleted",
    "isdeleted",
    "deletedat",
    "deletedon",
    "removed",
    "status",
    "state",
    "fetchedat",
    "servertime",
    "requestid",
    "traceid",
];

/// Compares the body read before the delete with the body read after it.
pub(super) fn afterlife(before: &[u8], after: &[u8]) -> Afterlife {
    let (Ok(b), Ok(a)) = (
        serde_json::from_slice::<Value>(before),
        serde_json::from_slice::<Value>(after),
    ) else {
        return if before == after {
            Afterlife::Same
        } else {
            Afterlife::Other
        };
    };
    if marked_deleted(&a, 2) {
        return Afterlife::Tombstone;
    }
    if stable(&b) == stable(&a) {
        Afterlife::Same
    } else {
        Afterlife::Other
    }
}

/// A field name folded for comparison: lower case, without `_` and `-`.
fn folded(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The value without its volatile fields, at any depth.
fn stable(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !VOLATILE.contains(&folded(k).as_str()))
                .map(|(k, v)| (k.clone(), stable(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(stable).collect()),
        other => other.clone(),
    }
}

/// Whether an object (or one it wraps, `depth` levels down, as
/// `{"data": {...}}`) says the resource is deleted.
fn marked_deleted(value: &Value, depth: u8) -> bool {
    let Value::Object(map) = value else {
        return false;
    };
    let says = map.iter().any(|(k, v)| match folded(k).as_str() {
        "deleted" | "isdeleted" | "removed" | "isremoved" => v == &Value::Bool(true),
        "deletedat" | "deletedon" | "removedat" => !v.is_null() && v != &Value::Bool(false),
        "status" | "state" => v
            .as_str()
            .is_some_and(|s| matches!(s.to_ascii_lowercase().as_str(), "deleted" | "removed")),
        _ => false,
    });
    says || (depth > 0 && map.values().any(|v| marked_deleted(v, depth - 1)))
}

#[cfg(test)]
mod tests {
    use super::{Afterlife, afterlife};

    #[test]
    fn the_same_body_is_the_same_resource() {
        let body = br#"{"id":5,"title":"a","body":"b"}"#;
        assert_eq!(afterlife(body, body), Afterlife::Same);
        assert_eq!(afterlife(b"plain text", b"plain text"), Afterlife::Same);
    }

    #[test]
    fn key_order_spacing_and_timestamps_do_not_make_another_resource() {
        let before = br#"{"id":5,"title":"a","updated_at":"2026-01-01T00:00:00Z"}"#;
        let after = br#"{ "title": "a", "id": 5, "updatedAt": "2026-01-02T00:00:00Z" }"#;
        assert_eq!(afterlife(before, after), Afterlife::Same);
    }

    #[test]
    fn a_new_resource_at_a_reused_id_is_another() {
        let before = br#"{"id":5,"owner":"alice","title":"mine"}"#;
        let after = br#"{"id":5,"owner":"bob","title":"theirs"}"#;
        assert_eq!(afterlife(before, after), Afterlife::Other);
        assert_eq!(afterlife(b"mine", b"theirs"), Afterlife::Other);
    }

    #[test]
    fn a_resource_marked_deleted_is_a_tombstone() {
        let before = br#"{"id":"cus_1","object":"customer","email":"a@b.c"}"#;
        for after in [
            r#"{"id":"cus_1","object":"customer","deleted":true}"#,
            r#"{"id":5,"is_deleted":true}"#,
            r#"{"id":5,"deletedAt":"2026-01-01T00:00:00Z"}"#,
            r#"{"data":{"id":5,"status":"DELETED"}}"#,
        ] {
            assert_eq!(
                afterlife(before, after.as_bytes()),
                Afterlife::Tombstone,
                "{after}"
            );
        }
        // a flag that says not deleted is no tombstone
        let live = br#"{"id":"cus_1","object":"customer","email":"a@b.c","deleted":false}"#;
        assert_eq!(afterlife(before, live), Afterlife::Same);
    }
}
