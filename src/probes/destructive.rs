//! Operations that reset or wipe the target's state: a database reset, a
//! seed, a purge, a DELETE on a whole collection. A scan must not send them
//! among its other probes (what they wipe changes every answer after them,
//! and oracles that compare answers read the change as a flaw); the engine
//! sends each once, alone, after every other probe (src/engine/wipe.rs).
//!
//! Recognised by words (path segments, the operationId, the summary) and by
//! shape (a DELETE whose path ends on a literal segment and that names no
//! id). Account flows that share the words (`password reset`, `reset
//! token`) are not wipes.

use crate::model::{Method, Operation, ParameterLocation};

/// Verbs that reset or wipe state.
const VERBS: &[&str] = &[
    "reset",
    "reseed",
    "seed",
    "drop",
    "dropdb",
    "purge",
    "wipe",
    "truncate",
    "flush",
    "flushall",
    "flushdb",
    "nuke",
    "createdb",
    "initdb",
    "resetdb",
    "reinit",
    "reinitialize",
    "reinitialise",
    "factoryreset",
];

/// What a verb may be fused with into one word (`resetdb`, `wipedata`).
const OBJECTS: &[&str] = &["db", "database", "data", "all", "tables", "schema"];

/// Verbs that wipe only with a whole-store object: `init db`, `clear all`.
const WEAK_VERBS: &[&str] = &[
    "init",
    "initialize",
    "initialise",
    "create",
    "recreate",
    "rebuild",
    "clear",
    "delete",
    "remove",
    "erase",
    "empty",
];

/// Objects that make a weak verb a wipe.
const WHOLE: &[&str] = &[
    "db",
    "database",
    "databases",
    "all",
    "everything",
    "tables",
    "table",
    "schema",
    "fixtures",
];

/// Words of account flows that share the verbs: a password reset, a token
/// reset, a key rotation change one account's secret, not the store.
const ACCOUNT: &[&str] = &[
    "password",
    "passwords",
    "passwd",
    "pwd",
    "pin",
    "credential",
    "credentials",
    "secret",
    "token",
    "tokens",
    "key",
    "apikey",
    "mfa",
    "otp",
    "2fa",
    "totp",
    "email",
    "username",
    "login",
    "account",
    "recovery",
    "forgot",
];

/// Why an operation counts as destructive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destructive {
    /// What gave it away, e.g. `path segment "reset-db"`.
    pub reason: String,
}

/// Whether `op` resets or wipes state, and why.
pub fn destructive(op: &Operation) -> Option<Destructive> {
    if let Some(reason) = path_reason(&op.path) {
        return Some(Destructive { reason });
    }
    if let Some(id) = &op.operation_id
        && wipes(&words(id), true)
    {
        return Some(Destructive {
            reason: format!("operationId {id:?}"),
        });
    }
    if let Some(summary) = &op.summary
        && wipes(&words(summary), true)
    {
        return Some(Destructive {
            reason: format!("summary {summary:?}"),
        });
    }
    if op.method == Method::Delete && is_collection_delete(op) {
        return Some(Destructive {
            reason: format!("DELETE on the collection {} (no id)", op.path),
        });
    }
    None
}

/// Whether a concrete path (no operation behind it, e.g. a discovery
/// candidate) names a reset or a wipe.
pub fn destructive_path(path: &str) -> bool {
    path_reason(path).is_some()
}

/// The reason a path template names a wipe: one of its literal segments does.
fn path_reason(path: &str) -> Option<String> {
    let literal: Vec<&str> = path
        .split('/')
        .filter(|s| !s.is_empty() && !s.starts_with('{'))
        .collect();
    let all: Vec<String> = literal.iter().flat_map(|s| words(s)).collect();
    if all.iter().any(|w| ACCOUNT.contains(&w.as_str())) {
        return None;
    }
    literal
        .iter()
        .find(|s| wipes(&words(s), false))
        .map(|s| format!("path segment {s:?}"))
}

/// Whether words say "wipe": a verb (alone or fused with a whole-store
/// object), or a weak verb followed by a whole-store object; never with an
/// account word. In prose (`sentence`), the verb must lead (`Reset the
/// database`, `Drops all rows`), so `Get a seed` does not count.
fn wipes(words: &[String], sentence: bool) -> bool {
    if words.iter().any(|w| ACCOUNT.contains(&w.as_str())) {
        return false;
    }
    // in prose a verb may be conjugated (`Drops`); in a name a plural is a noun (`/seeds`)
    let strong = |w: &str| {
        VERBS.contains(&w)
            || VERBS.contains(&verb_form(w, sentence))
            || VERBS.iter().any(|v| {
                w.strip_prefix(v)
                    .is_some_and(|rest| OBJECTS.contains(&rest))
            })
    };
    let weak = |w: &str| WEAK_VERBS.contains(&w) || WEAK_VERBS.contains(&verb_form(w, sentence));
    if sentence {
        // the leading verb, after an `admin`-like qualifier
        let mut lead = words
            .iter()
            .skip_while(|w| matches!(w.as_str(), "admin" | "debug" | "dev" | "test" | "internal"));
        let Some(first) = lead.next() else {
            return false;
        };
        if strong(first) {
            return true;
        }
        return weak(first) && whole_object(&lead.map(String::as_str).collect::<Vec<_>>());
    }
    words.iter().enumerate().any(|(i, w)| {
        strong(w)
            || (weak(w)
                && words
                    .get(i + 1)
                    .is_some_and(|next| WHOLE.contains(&next.as_str())))
    })
}

/// Whether the words after a weak verb name the whole store: `all ...`,
/// `everything`, or `the database` ending the clause (`Create a database
/// entry` names one entry).
fn whole_object(rest: &[&str]) -> bool {
    let mut rest = rest
        .iter()
        .skip_while(|w| matches!(**w, "the" | "a" | "an" | "whole" | "entire"));
    match rest.next() {
        Some(&"all" | &"everything") => true,
        Some(w) if WHOLE.contains(w) => rest.next().is_none_or(|next| {
            matches!(
                *next,
                "and" | "or" | "then" | "with" | "from" | "to" | "tables" | "schema" | "including"
            )
        }),
        _ => false,
    }
}

/// A word as a verb: in prose, conjugated forms read as the verb
/// (`resets` → `reset`); in a name a plural is a noun (`/seeds`).
fn verb_form(w: &str, sentence: bool) -> &str {
    if sentence { singular_verb(w) } else { w }
}

/// `resets` → `reset`, `flushes` → `flush`, `wipes` → `wipe`.
fn singular_verb(w: &str) -> &str {
    if let Some(stem) = w.strip_suffix("es")
        && (stem.ends_with("sh") || stem.ends_with("ss"))
    {
        return stem;
    }
    w.strip_suffix('s').unwrap_or(w)
}

/// Lower-case words of a name or a sentence: split on anything not a
/// letter or digit and at camelCase humps (`resetDB` → `reset`, `db`).
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut prev_lower = false;
    for c in text.chars() {
        if !c.is_alphanumeric() {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        word.extend(c.to_lowercase());
    }
    if !word.is_empty() {
        out.push(word);
    }
    // `factory-reset` reads as one verb
    let joined = out.join("");
    if joined == "factoryreset" {
        return vec![joined];
    }
    out
}

/// A DELETE whose path ends on a literal segment (`/items`, not
/// `/items/{id}`) and that takes no required id in its query: it deletes
/// a whole collection.
fn is_collection_delete(op: &Operation) -> bool {
    let last = op
        .path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("");
    if last.is_empty() || last.starts_with('{') {
        return false;
    }
    let names_id = op
        .parameters
        .iter()
        .filter(|p| p.required && p.location != ParameterLocation::Header)
        .any(|p| {
            let n = p.name.to_ascii_lowercase();
            n == "id" || n == "ids" || n.ends_with("id") || n.ends_with("_id") || n.ends_with("ids")
        });
    !names_id && op.body.as_ref().is_none_or(|b| !b.required)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Api;
    use crate::spec::Loader;

    const SPEC: &str = r#"
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /admin/reset-db:
    get: {operationId: adminResetDb, responses: {'200': {description: ok}}}
  /createdb:
    post: {responses: {'200': {description: ok}}}
  /internal/initdb:
    post: {responses: {'200': {description: ok}}}
  /fixtures/seed:
    post: {responses: {'200': {description: ok}}}
  /cache/flush:
    post: {responses: {'200': {description: ok}}}
  /factory-reset:
    post: {responses: {'200': {description: ok}}}
  /maintenance:
    post: {operationId: truncateTables, responses: {'200': {description: ok}}}
  /maintenance/run:
    post: {summary: Drops and re-creates every table., responses: {'200': {description: ok}}}
  /cleanup:
    post: {summary: Delete all records, responses: {'200': {description: ok}}}
  /items:
    get: {responses: {'200': {description: ok}}}
    post: {responses: {'201': {description: ok}}}
    delete: {summary: Remove items., responses: {'204': {description: ok}}}
  /items/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    get: {responses: {'200': {description: ok}}}
    delete: {summary: Delete one item., responses: {'204': {description: ok}}}
  /tags:
    delete:
      parameters: [{name: tagId, in: query, required: true, schema: {type: string}}]
      responses: {'204': {description: ok}}
  /seeds/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    get: {summary: Get a seed by id., responses: {'200': {description: ok}}}
  /seeds:
    get: {operationId: listSeeds, summary: List the seeds., responses: {'200': {description: ok}}}
  /passwords/reset-request:
    post: {summary: Reset a forgotten password., responses: {'200': {description: ok}}}
  /users/{id}/password/reset:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    post: {responses: {'200': {description: ok}}}
  /auth/reset-token:
    post: {operationId: resetToken, responses: {'200': {description: ok}}}
  /droplets:
    get: {summary: List droplets., responses: {'200': {description: ok}}}
  /resettlement/cases:
    get: {responses: {'200': {description: ok}}}
  /databases:
    post: {summary: Create a database entry for the catalogue., responses: {'200': {description: ok}}}
  /search:
    get: {summary: Search, even the deleted ones, responses: {'200': {description: ok}}}
"#;

    fn api() -> Api {
        Loader::new().load_str(SPEC, "t.yaml").expect("loads")
    }

    fn is(api: &Api, method: Method, path: &str) -> bool {
        let op = api
            .operations
            .iter()
            .find(|o| o.method == method && o.path == path)
            .unwrap_or_else(|| panic!("{method:?} {path}"));
        destructive(op).is_some()
    }

    #[test]
    fn resets_seeds_and_wipes_are_recognised() {
        let api = api();
        for (m, p) in [
            (Method::Get, "/admin/reset-db"),
            (Method::Post, "/createdb"),
            (Method::Post, "/internal/initdb"),
            (Method::Post, "/fixtures/seed"),
            (Method::Post, "/cache/flush"),
            (Method::Post, "/factory-reset"),
            (Method::Post, "/maintenance"),
            (Method::Post, "/maintenance/run"),
            (Method::Post, "/cleanup"),
            (Method::Delete, "/items"),
        ] {
            assert!(is(&api, m, p), "{m:?} {p} is destructive");
        }
    }

    #[test]
    fn look_alikes_are_not() {
        let api = api();
        for (m, p) in [
            (Method::Get, "/items"),
            (Method::Post, "/items"),
            (Method::Get, "/items/{id}"),
            (Method::Delete, "/items/{id}"),
            (Method::Delete, "/tags"),
            (Method::Get, "/seeds/{id}"),
            (Method::Get, "/seeds"),
            (Method::Post, "/passwords/reset-request"),
            (Method::Post, "/users/{id}/password/reset"),
            (Method::Post, "/auth/reset-token"),
            (Method::Get, "/droplets"),
            (Method::Get, "/resettlement/cases"),
            (Method::Post, "/databases"),
            (Method::Get, "/search"),
        ] {
            assert!(!is(&api, m, p), "{m:?} {p} is not destructive");
        }
    }

    #[test]
    fn the_reason_names_what_gave_it_away() {
        let api = api();
        let op = api
            .operations
            .iter()
            .find(|o| o.path == "/admin/reset-db")
            .expect("the reset");
        assert_eq!(
            destructive(op).map(|d| d.reason),
            Some("path segment \"reset-db\"".to_owned())
        );
    }

    #[test]
    fn discovery_paths() {
        for p in [
            "/reset",
            "/admin/reset",
            "/flush",
            "/seed",
            "/purge/users",
            "/wipe",
        ] {
            assert!(destructive_path(p), "{p}");
        }
        for p in [
            "/admin",
            "/seeds",
            "/password/reset",
            "/init",
            "/users",
            "/.env",
        ] {
            assert!(!destructive_path(p), "{p}");
        }
    }

    #[test]
    fn the_demo_has_no_destructive_operation() {
        let api = Loader::new()
            .load_str(include_str!("../../specs/demo.yaml"), "demo.yaml")
            .expect("the demo spec loads");
        let found: Vec<&str> = api
            .operations
            .iter()
            .filter(|o| destructive(o).is_some())
            .map(|o| o.id.as_str())
            .collect();
        assert!(found.is_empty(), "{found:?}");
    }
}
