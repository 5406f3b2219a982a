//! Dangling `$ref`s: one decision per reference, whatever the order of
//! `paths`.
//!
//! A schema reference that does not resolve becomes one arena slot that
//! allows any value, shared by every place that writes it; a response (or
//! a response header or link) that does not resolve is kept without its
//! schema check. Once every operation is built, each dangling reference
//! gets one warning naming the reference, where it is written and every
//! operation that reaches it (through any chain of named schemas). A
//! strict load fails on the first one instead.

use std::collections::{BTreeSet, HashMap};

use indexmap::IndexMap;
use serde_json::Value;
use url::Url;

use super::Context;
use crate::model::{Operation, Schema, SchemaId, Schemas, WarningKind};
use crate::spec::SpecError;
use crate::spec::reference::Reference;

/// Most places or operations named in one warning; the rest are counted.
const MAX_LISTED: usize = 12;

/// Every dangling reference met so far, by target.
#[derive(Default)]
pub(crate) struct DanglingRefs {
    entries: IndexMap<String, Entry>,
}

struct Entry {
    /// The reference as written (as the user wrote it, for a Swagger 2.0 root).
    reference: String,
    /// Why it does not resolve.
    reason: String,
    /// The slot that stands for the target, for a schema reference.
    schema: Option<SchemaId>,
    /// Where the reference is written.
    written_at: BTreeSet<String>,
    /// Operations (by pointer) that use it directly: responses, headers, links.
    used_by: BTreeSet<String>,
    /// The error a strict load fails with.
    error: SpecError,
}

impl DanglingRefs {
    /// The slot standing for the schema reference `raw`, written at `loc`
    /// in the document `base`, that does not resolve (`why`): the same slot
    /// for every place that writes the same target.
    pub(crate) fn schema(
        &mut self,
        cx: &mut Context,
        arena: &mut Schemas,
        at: (&Url, &str),
        raw: &Value,
        why: &str,
    ) -> SchemaId {
        let entry = self.entry(cx, at, raw, why);
        match entry.schema {
            Some(id) => id,
            None => {
                let id = arena.push(Schema::default());
                entry.schema = Some(id);
                id
            }
        }
    }

    /// Records a response-side object reference `raw` that does not resolve,
    /// used by the operation at `operation` (its pointer).
    pub(crate) fn response(
        &mut self,
        cx: &mut Context,
        at: (&Url, &str),
        raw: &Value,
        why: &str,
        operation: &str,
    ) {
        let entry = self.entry(cx, at, raw, why);
        entry.used_by.insert(operation.to_owned());
    }

    fn entry(&mut self, cx: &mut Context, at: (&Url, &str), raw: &Value, why: &str) -> &mut Entry {
        let (base, loc) = at;
        let text = raw
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| raw.to_string());
        let key = Reference::parse(base, &text)
            .map(|r| r.key())
            .unwrap_or_else(|_| format!("{base} {text}"));
        let entry = self.entries.entry(key).or_insert_with(|| Entry {
            reference: cx.written_reference(base, &text),
            reason: why.to_owned(),
            schema: None,
            written_at: BTreeSet::new(),
            used_by: BTreeSet::new(),
            error: cx.unresolved(base, loc, raw, why),
        });
        entry.written_at.insert(cx.user_location(loc));
        entry
    }

    /// Whether no reference dangles.
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The error a strict load fails with: the first dangling reference's.
    pub(crate) fn into_error(self) -> Option<SpecError> {
        self.entries.into_values().next().map(|e| e.error)
    }

    /// One warning per dangling reference, naming where it is written and
    /// every operation of `ops` that reaches it; in an order that does not
    /// depend on the order of `paths`.
    pub(crate) fn warn(self, cx: &mut Context, arena: &Schemas, ops: &[Operation]) {
        if self.entries.is_empty() {
            return;
        }
        let parents = parents(arena);
        let by_pointer: HashMap<&str, &str> = ops
            .iter()
            .map(|o| (o.pointer.as_str(), o.id.as_str()))
            .collect();
        let mut entries: Vec<Entry> = self.entries.into_values().collect();
        entries.sort_by(|a, b| (&a.written_at, &a.reference).cmp(&(&b.written_at, &b.reference)));
        for entry in entries {
            let mut users: BTreeSet<&str> = entry
                .used_by
                .iter()
                .filter_map(|p| by_pointer.get(p.as_str()).copied())
                .collect();
            if let Some(id) = entry.schema {
                let reaching = reaching(&parents, id);
                for op in ops {
                    if roots(op).any(|r| reaching.get(r.0 as usize).copied().unwrap_or(false)) {
                        users.insert(op.id.as_str());
                    }
                }
            }
            let what = if entry.schema.is_some() {
                "read as a schema that allows any value"
            } else {
                "the response is kept without its schema check"
            };
            let location = entry.written_at.iter().next().cloned().unwrap_or_default();
            let mut message = format!(
                "$ref {:?} cannot be resolved ({}); {what}",
                entry.reference, entry.reason
            );
            if entry.written_at.len() > 1 {
                message.push_str(&format!("; written at {}", listed(&entry.written_at)));
            }
            if users.is_empty() {
                message.push_str("; used by no loaded operation");
            } else {
                message.push_str(&format!("; used by {}", listed(&users)));
            }
            cx.warn(WarningKind::UnresolvedRef, &location, message);
        }
    }
}

/// The first few of `items`, comma-separated, with a count of the rest.
fn listed<T: AsRef<str>>(items: &BTreeSet<T>) -> String {
    let mut out: Vec<&str> = items.iter().take(MAX_LISTED).map(AsRef::as_ref).collect();
    let rest = items.len().saturating_sub(MAX_LISTED);
    let more = format!("and {rest} more");
    if rest > 0 {
        out.push(&more);
    }
    out.join(", ")
}

/// For every schema, the schemas that refer to it directly.
fn parents(arena: &Schemas) -> Vec<Vec<SchemaId>> {
    let mut out = vec![Vec::new(); arena.len()];
    for id in arena.ids() {
        for child in arena.children(id) {
            if let Some(list) = out.get_mut(child.0 as usize) {
                list.push(id);
            }
        }
        if let Some(d) = &arena.get(id).discriminator {
            for child in d.mapping.values() {
                if let Some(list) = out.get_mut(child.0 as usize) {
                    list.push(id);
                }
            }
        }
    }
    out
}

/// Which schemas reach `target` (itself included), by index.
fn reaching(parents: &[Vec<SchemaId>], target: SchemaId) -> Vec<bool> {
    let mut seen = vec![false; parents.len()];
    let mut stack = vec![target];
    while let Some(id) = stack.pop() {
        let Some(mark) = seen.get_mut(id.0 as usize) else {
            continue;
        };
        if *mark {
            continue;
        }
        *mark = true;
        if let Some(ps) = parents.get(id.0 as usize) {
            stack.extend(ps.iter().copied());
        }
    }
    seen
}

/// The schemas an operation uses directly: parameters, bodies, responses and their headers.
fn roots(op: &Operation) -> impl Iterator<Item = SchemaId> + '_ {
    let params = op.parameters.iter().filter_map(|p| p.schema);
    let body = op
        .body
        .iter()
        .flat_map(|b| b.content.iter().filter_map(|m| m.schema));
    let responses = op.responses.iter().flat_map(|r| {
        r.content
            .iter()
            .filter_map(|m| m.schema)
            .chain(r.headers.iter().filter_map(|h| h.schema))
    });
    params.chain(body).chain(responses)
}
