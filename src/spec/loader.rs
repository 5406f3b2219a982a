//! [`Loader`]: the entry points that read a spec into an [`Api`].

use std::path::Path;

use url::Url;

use super::documents::Documents;
use super::error::SpecError;
use super::fetch::{self, Source};
use super::{build, document, lazy_paths, local_refs, openapi31, stack, swagger2, version};
use crate::model::{Api, SpecVersion, Warning, WarningKind};

/// Loads a spec from a file or URL with default options.
pub async fn load(source: &Source) -> Result<Api, SpecError> {
    Loader::new().load(source).await
}

/// Loads a spec file and the files it refers to, without async, with default options.
pub fn load_path(path: impl AsRef<Path>) -> Result<Api, SpecError> {
    Loader::new().load_path(path)
}

/// Loads a spec held in memory, with default options; `origin` names it in messages.
pub fn load_str(text: &str, origin: &str) -> Result<Api, SpecError> {
    Loader::new().load_str(text, origin)
}

/// Loads specs, with options.
#[derive(Debug, Clone, Default)]
pub struct Loader {
    strict: bool,
    allow_external_refs: bool,
}

impl Loader {
    /// A loader with default options: operations with unresolvable references are skipped.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether an unresolvable reference fails the whole load instead of
    /// leaving its operation out.
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Whether a `$ref` may read a local file outside the root spec's
    /// folder. Off by default; a `$ref` to anything but a regular file is
    /// refused either way, and a spec fetched over http(s) reads no local file.
    pub fn allow_external_refs(mut self, allow: bool) -> Self {
        self.allow_external_refs = allow;
        self
    }

    /// Loads a spec from a file or URL, with every external reference it makes.
    pub async fn load(&self, source: &Source) -> Result<Api, SpecError> {
        let root = source.url()?;
        let client = match source {
            Source::Url(_) => Some(fetch::client()?),
            Source::Path(_) => None,
        };
        let bytes = match &client {
            Some(client) => fetch::fetch_url(client, &root).await?,
            None => fetch::read_file_named(&root, Some(&source.to_string()))?,
        };
        let origin = source.to_string();
        let mut docs = stack::with_large_stack(|| root_documents(root.clone(), &bytes, &origin))?;
        // the text is parsed: a 50 MB spec need not be held twice
        drop(bytes);
        while let Some(url) = docs.next_missing() {
            let loaded = if url.scheme() == "file" {
                local_refs::read_referenced(&root, &url, self.allow_external_refs)
            } else {
                let client = match &client {
                    Some(c) => c.clone(),
                    None => fetch::client()?,
                };
                fetch::fetch_url(&client, &url).await
            };
            let docs_ref = &mut docs;
            stack::with_large_stack(move || {
                add_loaded(docs_ref, url, loaded);
                Ok(())
            })?;
        }
        stack::with_large_stack(|| self.finish(docs, &origin))
    }

    /// Loads a spec file and the files it refers to, without async. References
    /// to http(s) documents fail with a message pointing at [`Loader::load`].
    pub fn load_path(&self, path: impl AsRef<Path>) -> Result<Api, SpecError> {
        let source = Source::Path(path.as_ref().to_path_buf());
        let root = source.url()?;
        let origin = source.to_string();
        let bytes = fetch::read_file_named(&root, Some(&origin))?;
        stack::with_large_stack(move || {
            let docs = root_documents(root, &bytes, &origin)?;
            // the text is parsed: a 50 MB spec need not be held twice
            drop(bytes);
            self.load_local(docs, &origin)
        })
    }

    /// Loads a spec held in memory. `origin` names it in messages; relative
    /// file references resolve against it as a path.
    pub fn load_str(&self, text: &str, origin: &str) -> Result<Api, SpecError> {
        let root = Source::Path(Path::new(origin).to_path_buf()).url()?;
        stack::with_large_stack(|| {
            let docs = root_documents(root, text.as_bytes(), origin)?;
            self.load_local(docs, origin)
        })
    }

    fn load_local(&self, mut docs: Documents, origin: &str) -> Result<Api, SpecError> {
        while let Some(url) = docs.next_missing() {
            let loaded = if url.scheme() == "file" {
                let root = docs.root_url().clone();
                local_refs::read_referenced(&root, &url, self.allow_external_refs)
            } else {
                Err(SpecError::Fetch {
                    url: url.to_string(),
                    message: "remote references need the async loader (spec::load)".into(),
                })
            };
            add_loaded(&mut docs, url, loaded);
        }
        self.finish(docs, origin)
    }

    /// Normalises the root to the 3.0 shape, then builds the model.
    fn finish(&self, mut docs: Documents, origin: &str) -> Result<Api, SpecError> {
        let version = version::detect(docs.root(), origin)?;
        let mut warnings: Vec<Warning> = docs
            .notes()
            .iter()
            .map(|(url, note)| {
                let at = if url == docs.root_url() {
                    "#".to_owned()
                } else {
                    format!("{url}#")
                };
                Warning::new(WarningKind::Conversion, at, note.clone())
            })
            .collect();
        let root = docs.take_root();
        let mut locations = None;
        let root = match &version {
            SpecVersion::Swagger2 => {
                docs.replace_root(root);
                docs.materialise_paths();
                let (converted, map) = swagger2::convert(&docs, &mut warnings);
                locations = Some(map);
                converted
            }
            SpecVersion::OpenApi31(_) => openapi31::normalise(root, &mut warnings),
            SpecVersion::OpenApi30(_) => {
                let mut root = root;
                openapi31::remove_webhooks(&mut root, &mut warnings);
                root
            }
        };
        docs.replace_root(root);
        let paths = docs.take_lazy_paths();
        build::build(
            &docs,
            paths,
            version,
            origin,
            warnings,
            locations,
            self.strict,
        )
    }
}

fn root_documents(root: Url, bytes: &[u8], origin: &str) -> Result<Documents, SpecError> {
    let parsed = document::parse_root(bytes, origin)?;
    let mut docs = match parsed.paths {
        Some(paths) => Documents::with_lazy_paths(root.clone(), parsed.value, paths),
        None => Documents::new(root.clone(), parsed.value),
    };
    if let Some(note) = parsed.repair {
        docs.note(root, note);
    }
    Ok(docs)
}

fn add_loaded(docs: &mut Documents, url: Url, loaded: Result<Vec<u8>, SpecError>) {
    let origin = docs.describe(&url);
    if let Ok(bytes) = &loaded
        && std::str::from_utf8(bytes).is_ok_and(lazy_paths::mentions_paths)
    {
        // it may refer into the root's `paths`
        docs.materialise_paths();
    }
    match loaded.and_then(|bytes| document::parse_noting_repairs(&bytes, &origin)) {
        Ok(parsed) => {
            if let Some(note) = parsed.repair {
                docs.note(url.clone(), note);
            }
            docs.add(url, Ok(parsed.value));
        }
        Err(e) => docs.add(url, Err(strip_origin(&e.to_string(), &origin))),
    }
}

fn strip_origin(message: &str, origin: &str) -> String {
    message
        .strip_prefix(origin)
        .map(|m| m.trim_start_matches(':').trim().to_owned())
        .unwrap_or_else(|| message.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r##"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
      "paths": {
        "/a/{id}": {
          "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
          "get": {"parameters": [{"name": "n", "in": "query", "schema": {"type": "integer", "minimum": 0}}],
            "responses": {"200": {"description": "ok",
              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/s"}}}}}}},
        "x-note": {"get": {}},
        "/b": {"get": {"parameters": [{"name": "n", "in": "query", "schema": {"type": "integer", "minimum": 0}},
            {"name": "m", "in": "query", "schema": {"type": "integer", "minimum": 0, "allOf": [{"maximum": 9}]}}],
          "responses": {"default": {"description": "d"}}}},
        "/c": 3
      },
      "components": {"schemas": {"s": {"type": "object",
        "properties": {"n": {"type": "integer", "minimum": 0}, "m": {"type": "integer", "minimum": 0}}}}}}"##;

    #[test]
    fn path_items_kept_as_text_build_the_model_the_whole_document_builds() {
        let lazy = load_str(SPEC, "spec.json").unwrap();
        // a document that may refer into its own paths is read whole
        let whole_text = SPEC.replacen(
            r#""info""#,
            r##""x-see": {"$ref": "#/paths/~1b"}, "info""##,
            1,
        );
        let whole = load_str(&whole_text, "spec.json").unwrap();
        assert_eq!(
            serde_json::to_value(&lazy).unwrap(),
            serde_json::to_value(&whole).unwrap()
        );
        assert_eq!(lazy.operations.len(), 2);
        assert!(!lazy.warnings.is_empty(), "/c is not an object");
        assert_eq!(lazy.schemas.len(), whole.schemas.len());
        for id in lazy.schemas.ids() {
            assert_eq!(lazy.schemas.get(id), whole.schemas.get(id));
        }
        // equal inline schemas are slots of their own, and merging one's allOf changes only it
        let b = lazy.operation("GET /b").unwrap();
        let (n, m) = (
            b.parameters[0].schema.unwrap(),
            b.parameters[1].schema.unwrap(),
        );
        assert_ne!(n, m);
        assert_eq!(lazy.schemas.get(n).maximum, None);
        assert_eq!(lazy.schemas.get(m).maximum, Some(9.into()));
    }
}
