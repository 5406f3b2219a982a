//! The normalised (3.0-shaped) documents into the model.

mod allof;
mod operation;
mod schema;
mod security;

use serde_json::Value;
use url::Url;

use super::SpecError;
use super::documents::Documents;
use super::reference::escape;
use crate::model::{Api, Server, ServerVariable, SpecVersion, Warning, WarningKind};
use schema::SchemaBuilder;

/// Most warnings kept on one model; the rest are counted in a last warning.
const MAX_WARNINGS: usize = 2_000;

/// What every builder step shares: where we are, and what went wrong so far.
pub(crate) struct Context {
    root: Url,
    origin: String,
    warnings: Vec<Warning>,
    dropped_warnings: usize,
    /// Unresolvable references met while building the current operation.
    pub(crate) errors: Vec<SpecError>,
}

impl Context {
    pub(crate) fn warn(&mut self, kind: WarningKind, location: &str, message: impl Into<String>) {
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(Warning::new(kind, location, message));
        } else {
            self.dropped_warnings += 1;
        }
    }

    /// A location for messages: the pointer, with the file in front when it is not the root.
    pub(crate) fn location(&self, doc: &Url, pointer: &str) -> String {
        if doc == &self.root {
            format!("#{pointer}")
        } else {
            format!("{doc}#{pointer}")
        }
    }

    /// Records an unresolvable reference where the model needs its target.
    pub(crate) fn fail_ref(&mut self, base: &Url, location: &str, reference: &Value, why: &str) {
        let origin = if base == &self.root {
            self.origin.clone()
        } else {
            base.to_string()
        };
        self.errors.push(SpecError::UnresolvedRef {
            origin,
            location: location.to_owned(),
            reference: reference
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| reference.to_string()),
            reason: why.to_owned(),
        });
    }
}

/// Builds the model from the documents, whose root is in the 3.0 shape.
pub(crate) fn build(
    docs: &Documents,
    spec_version: SpecVersion,
    origin: &str,
    warnings: Vec<Warning>,
    strict: bool,
) -> Result<Api, SpecError> {
    let root = docs.root();
    let mut cx = Context {
        root: docs.root_url().clone(),
        origin: origin.to_owned(),
        warnings,
        dropped_warnings: 0,
        errors: Vec::new(),
    };
    let mut schemas = SchemaBuilder::new(docs);
    let info = root.get("info");
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let title = text(info.and_then(|i| i.get("title")));
    let version = text(info.and_then(|i| i.get("version")));
    let servers = servers(&mut cx, root.get("servers"), docs.root_url());
    let security_schemes = security::schemes(&mut cx, docs, root);
    let security = security::requirements(&mut cx, root.get("security"), "#/security");
    let (operations, failed) = operation::all(&mut cx, docs, &mut schemas, &security);
    let mut skipped = Vec::new();
    for (info, error) in failed {
        if strict {
            return Err(error);
        }
        skipped.push(info);
    }
    allof::merge_all(&mut schemas.arena);
    let mut warnings = cx.warnings;
    if cx.dropped_warnings > 0 {
        warnings.push(Warning::new(
            WarningKind::InvalidObject,
            "#",
            format!("{} more warnings not listed", cx.dropped_warnings),
        ));
    }
    Ok(Api {
        title,
        version,
        spec_version,
        source: origin.to_owned(),
        servers,
        security_schemes,
        security,
        operations,
        schemas: schemas.arena,
        warnings,
        skipped,
    })
}

/// Servers; relative URLs in a spec fetched over http(s) are resolved against
/// the spec's own URL, as OpenAPI 3 specifies.
fn servers(cx: &mut Context, raw: Option<&Value>, spec_url: &Url) -> Vec<Server> {
    let absolute = |url: String| -> String {
        let remote = matches!(spec_url.scheme(), "http" | "https");
        if remote && !url.contains("://") && !url.contains('{') {
            spec_url.join(&url).map(|u| u.to_string()).unwrap_or(url)
        } else {
            url
        }
    };
    let mut out = Vec::new();
    for (i, s) in raw
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let loc = format!("#/servers/{i}");
        match serde_json::from_value::<openapiv3::Server>(s.clone()) {
            Ok(server) => out.push(Server {
                url: absolute(server.url),
                description: server.description,
                variables: server
                    .variables
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(name, v)| {
                        (
                            name,
                            ServerVariable {
                                default: v.default,
                                allowed: v.enumeration,
                            },
                        )
                    })
                    .collect(),
            }),
            Err(e) => cx.warn(
                WarningKind::InvalidObject,
                &loc,
                format!("invalid server: {e}; skipped"),
            ),
        }
    }
    if out.is_empty() {
        out.push(Server {
            url: absolute("/".into()),
            description: None,
            variables: Default::default(),
        });
    }
    out
}

/// `#/paths/~1pets/get`-style location of a key under a parent pointer.
pub(crate) fn child(loc: &str, key: &str) -> String {
    format!("{loc}/{}", escape(key))
}
