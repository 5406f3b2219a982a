//! Every document a spec consists of: the root and the files and URLs it refers to.

use std::collections::{HashMap, HashSet};

use serde_json::Value;
use url::Url;

use super::lazy_paths::LazyPaths;
use super::reference::{self, Reference};

/// Most documents one spec may pull in through `$ref`s.
const MAX_DOCUMENTS: usize = 1_000;

/// The root document and every external document reached from it, by URL.
#[derive(Debug)]
pub(crate) struct Documents {
    root: Url,
    loaded: HashMap<Url, Value>,
    /// Documents that could not be loaded, with the reason; reported when a
    /// reference that needs them is followed.
    failed: HashMap<Url, String>,
    /// Documents referred to but not yet loaded, in discovery order.
    queue: Vec<Url>,
    seen: HashSet<Url>,
    /// Notes about documents (repairs made to parse them), for the model's warnings.
    notes: Vec<(Url, String)>,
    /// The root's path items, while they are kept as text (the root's
    /// `paths` is then an empty object).
    lazy_paths: Option<LazyPaths>,
}

/// What a reference resolves to.
#[derive(Debug)]
pub(crate) struct Resolved<'a> {
    /// The target, parsed.
    pub reference: Reference,
    /// The value at the target.
    pub value: &'a Value,
}

impl Documents {
    /// A set holding the root document; its external references are queued.
    pub fn new(root: Url, value: Value) -> Self {
        let mut docs = Documents::empty(&root);
        docs.add(root, Ok(value));
        docs
    }

    /// A set that holds nothing yet, with `root` as its root.
    fn empty(root: &Url) -> Self {
        Documents {
            root: root.clone(),
            loaded: HashMap::new(),
            failed: HashMap::new(),
            queue: Vec::new(),
            seen: HashSet::from([root.clone()]),
            notes: Vec::new(),
            lazy_paths: None,
        }
    }

    /// [`new`](Self::new) for a root whose path items were kept as text
    /// ([`lazy_paths::parse`](super::lazy_paths::parse)); `value`'s
    /// `paths` is an empty object standing for them.
    pub fn with_lazy_paths(root: Url, value: Value, paths: LazyPaths) -> Self {
        let mut docs = Documents::empty(&root);
        docs.add_with_paths(root, Ok(value), Some(&paths));
        docs.lazy_paths = Some(paths);
        docs
    }

    /// The root's path items kept as text, taken out to be built one at a
    /// time; `None` when the root's `paths` holds them as values.
    pub fn take_lazy_paths(&mut self) -> Option<LazyPaths> {
        self.lazy_paths.take()
    }

    /// Puts path items kept as text back into the root as values, for a
    /// step that needs the whole document (Swagger 2.0 conversion, a
    /// `$ref` into the root's `paths`).
    pub fn materialise_paths(&mut self) {
        let Some(paths) = self.lazy_paths.take() else {
            return;
        };
        if let Some(Value::Object(root)) = self.loaded.get_mut(&self.root) {
            root.insert("paths".into(), paths.into_value());
        }
    }

    /// The root document's URL.
    pub fn root_url(&self) -> &Url {
        &self.root
    }

    /// The root document.
    pub fn root(&self) -> &Value {
        self.loaded.get(&self.root).unwrap_or(&Value::Null)
    }

    /// Takes the root document out, to be converted and put back with [`replace_root`](Self::replace_root).
    pub fn take_root(&mut self) -> Value {
        self.loaded
            .get_mut(&self.root)
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Replaces the root document (after conversion to the 3.0 shape).
    pub fn replace_root(&mut self, value: Value) {
        self.loaded.insert(self.root.clone(), value);
    }

    /// The next referred document that is neither loaded nor failed.
    pub fn next_missing(&mut self) -> Option<Url> {
        self.queue.pop()
    }

    /// Adds a loaded document (or the reason it could not be loaded) and
    /// queues the documents it refers to.
    pub fn add(&mut self, url: Url, value: Result<Value, String>) {
        self.add_with_paths(url, value, None);
    }

    /// [`add`](Self::add), with the path items of a root kept as text.
    fn add_with_paths(
        &mut self,
        url: Url,
        value: Result<Value, String>,
        paths: Option<&LazyPaths>,
    ) {
        match value {
            Ok(value) => {
                let mut refs = Vec::new();
                match (paths, value.get("paths")) {
                    (Some(paths), Some(slot)) => {
                        collect_refs_beside(&value, slot, paths, &mut refs)
                    }
                    _ => collect_refs(&value, &mut refs),
                }
                for raw in refs {
                    let Ok(target) = Reference::parse(&url, raw) else {
                        continue; // reported when followed
                    };
                    if self.seen.contains(&target.doc) {
                        continue;
                    }
                    self.seen.insert(target.doc.clone());
                    if let Some(why) = refused(&url, &target.doc) {
                        self.failed.insert(target.doc, why);
                    } else if self.seen.len() > MAX_DOCUMENTS {
                        let why = format!("more than {MAX_DOCUMENTS} documents are referenced");
                        self.failed.insert(target.doc, why);
                    } else {
                        self.queue.push(target.doc);
                    }
                }
                self.loaded.insert(url, value);
            }
            Err(why) => {
                self.failed.insert(url, why);
            }
        }
    }

    /// Records a note about a document, reported as a warning on the model.
    pub fn note(&mut self, url: Url, note: String) {
        self.notes.push((url, note));
    }

    /// The notes recorded so far.
    pub fn notes(&self) -> &[(Url, String)] {
        &self.notes
    }

    /// Resolves `raw`, written in the document at `base`, following chains of
    /// references (a `$ref` whose target is itself only a `$ref`).
    pub fn resolve(&self, base: &Url, raw: &str) -> Result<Resolved<'_>, String> {
        let mut reference = Reference::parse(base, raw)?;
        for _ in 0..64 {
            let value = self.lookup(&reference)?;
            match value.get("$ref").and_then(Value::as_str) {
                Some(next) if value.as_object().is_some_and(|m| m.len() == 1) => {
                    reference = Reference::parse(&reference.doc, next)?;
                }
                _ => return Ok(Resolved { reference, value }),
            }
        }
        Err("the reference chain loops or is longer than 64 steps".into())
    }

    /// The value a reference points at, without following further references.
    pub fn lookup(&self, reference: &Reference) -> Result<&Value, String> {
        let doc = match self.loaded.get(&reference.doc) {
            Some(doc) => doc,
            None => {
                let doc = self.describe(&reference.doc);
                return Err(match self.failed.get(&reference.doc) {
                    Some(why) => why.clone(),
                    None => format!("{doc} was not loaded"),
                });
            }
        };
        match reference::follow(doc, &reference.pointer) {
            Ok(v) => Ok(v),
            // A converted Swagger 2.0 root moved its sections into components.
            Err(e) if reference.doc == self.root => match legacy_alias(&reference.pointer) {
                Some(alias) => reference::follow(doc, &alias).map_err(|_| e),
                None => Err(e),
            },
            Err(e) => Err(format!("in {}: {e}", self.describe(&reference.doc))),
        }
    }

    /// How a document is named in messages: the root by what the user gave, others by URL.
    pub fn describe(&self, url: &Url) -> String {
        if url.scheme() == "file" {
            url.to_file_path()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| url.to_string())
        } else {
            url.to_string()
        }
    }
}

/// Why a document may not refer to a target, if it may not.
fn refused(from: &Url, to: &Url) -> Option<String> {
    match (from.scheme(), to.scheme()) {
        (_, "http" | "https") => None,
        ("file", "file") => None,
        (_, "file") => Some("a remote document may not refer to local files".into()),
        (_, other) => Some(format!("the {other:?} scheme is not supported")),
    }
}

/// Swagger 2.0 locations and where conversion moved them.
fn legacy_alias(pointer: &str) -> Option<String> {
    [
        ("/definitions/", "/components/schemas/"),
        ("/responses/", "/components/responses/"),
        ("/parameters/", "/components/parameters/"),
    ]
    .iter()
    .find_map(|(old, new)| pointer.strip_prefix(old).map(|rest| format!("{new}{rest}")))
}

/// Keys whose values are data, not spec structure: `$ref`s there are not followed.
pub(crate) fn is_data_key(key: &str) -> bool {
    key.starts_with("x-") || matches!(key, "example" | "enum" | "default" | "const")
}

/// Every `$ref` string in `value` outside data keys.
pub(crate) fn collect_refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    walk_refs(value, None, out);
}

/// [`collect_refs`] of a root whose path items are kept as text: `slot`
/// (the root's empty `paths`) stands for them, in the same order. Only
/// references to other documents are kept for them, which is all a
/// root's references are used for.
fn collect_refs_beside<'a>(
    value: &'a Value,
    slot: &'a Value,
    paths: &'a LazyPaths,
    out: &mut Vec<&'a str>,
) {
    walk_refs(value, Some((slot, paths)), out);
}

/// The walk of [`collect_refs`]; at `beside`'s slot, its paths' references.
fn walk_refs<'a>(
    value: &'a Value,
    beside: Option<(&'a Value, &'a LazyPaths)>,
    out: &mut Vec<&'a str>,
) {
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        if let Some((slot, paths)) = beside
            && std::ptr::eq(v, slot)
        {
            out.extend(paths.external_refs());
            continue;
        }
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    if k == "$ref" {
                        if let Some(s) = child.as_str() {
                            out.push(s);
                        }
                    } else if !is_data_key(k) {
                        stack.push(child);
                    }
                }
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn external_documents_are_queued_once_relative_to_their_referrer() {
        let root = json!({"a": {"$ref": "b.json#/x"}, "c": {"$ref": "b.json#/y"},
                          "x-ignored": {"$ref": "nope.json"}, "example": {"$ref": "nope2.json"}});
        let mut docs = Documents::new(url("file:///d/root.json"), root);
        assert_eq!(docs.next_missing(), Some(url("file:///d/b.json")));
        assert_eq!(docs.next_missing(), None);
        docs.add(
            url("file:///d/b.json"),
            Ok(json!({"x": {"$ref": "sub/c.json"}, "y": 2})),
        );
        assert_eq!(docs.next_missing(), Some(url("file:///d/sub/c.json")));
        docs.add(url("file:///d/sub/c.json"), Ok(json!({"type": "string"})));
        let r = docs
            .resolve(&url("file:///d/root.json"), "b.json#/x")
            .unwrap();
        assert_eq!(r.value, &json!({"type": "string"}));
        assert_eq!(r.reference.doc, url("file:///d/sub/c.json"));
    }

    #[test]
    fn loops_are_errors_not_hangs() {
        let root = json!({"a": {"$ref": "#/b"}, "b": {"$ref": "#/a"}});
        let docs = Documents::new(url("file:///r.json"), root);
        let err = docs.resolve(&url("file:///r.json"), "#/a").unwrap_err();
        assert!(err.contains("loops"), "{err}");
    }

    #[test]
    fn remote_documents_may_not_read_local_files() {
        let root = json!({"a": {"$ref": "file:///etc/passwd"}});
        let mut docs = Documents::new(url("https://example.com/api.json"), root);
        assert_eq!(docs.next_missing(), None);
        let err = docs
            .resolve(&url("https://example.com/api.json"), "file:///etc/passwd")
            .unwrap_err();
        assert!(err.contains("may not refer to local files"), "{err}");
    }

    #[test]
    fn failures_are_reported_when_followed() {
        let root = json!({"a": {"$ref": "missing.json#/x"}});
        let mut docs = Documents::new(url("file:///r.json"), root);
        let missing = docs.next_missing().unwrap();
        docs.add(missing, Err("No such file".into()));
        let err = docs
            .resolve(&url("file:///r.json"), "missing.json#/x")
            .unwrap_err();
        assert!(err.contains("No such file"), "{err}");
    }
}
