//! Compiled response schemas, cached per schema.
//!
//! A response schema is exported to JSON Schema 2020-12 (with `$defs`) and
//! compiled by the `jsonschema` crate, with format validation on, once per
//! [`SchemaId`] however many exchanges and workers need it. A schema that
//! does not compile (an unsupported regex, a reference that does not
//! resolve) is remembered as such and its values go unchecked.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use jsonschema::{Draft, Validator};
use serde_json::Value;

use crate::model::{Direction, SchemaId, Schemas};

/// How many errors of one value are described at most.
const MAX_ERRORS: usize = 3;

/// Longest description of one error kept, in characters.
const MESSAGE_CAP: usize = 200;

/// Compiled JSON Schema validators for response bodies and headers.
/// `Send + Sync`: one is shared by every worker of a scan.
#[derive(Default)]
pub(crate) struct Validators {
    cache: RwLock<HashMap<SchemaId, Option<Arc<Validator>>>>,
}

/// One way a value breaks its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SchemaError {
    /// Where in the value (a JSON pointer, `""` for the value itself).
    pub instance_path: String,
    /// Where in the schema: the keyword location, the same for every value
    /// that breaks the same rule.
    pub schema_path: String,
    /// The keyword broken (`type`, `required`, ...).
    pub keyword: String,
    /// What is wrong, capped.
    pub message: String,
}

/// The errors of one value: the first few, and whether there were more.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct SchemaErrors {
    /// The first errors, at most a few.
    pub errors: Vec<SchemaError>,
    /// True when more errors than those listed were found.
    pub more: bool,
}

impl Validators {
    /// The compiled validator of response schema `id`, compiled on first
    /// use; `None` when the schema does not compile.
    pub(crate) fn get(&self, schemas: &Schemas, id: SchemaId) -> Option<Arc<Validator>> {
        {
            let cache = self.cache.read().unwrap_or_else(|e| e.into_inner());
            if let Some(known) = cache.get(&id) {
                return known.clone();
            }
        }
        // compiled outside the lock: two workers may compile the same schema
        // at once, and the first to finish wins
        let compiled = compile(&schemas.to_json_schema_for(id, Direction::Response)).map(Arc::new);
        let mut cache = self.cache.write().unwrap_or_else(|e| e.into_inner());
        cache.entry(id).or_insert(compiled).clone()
    }

    /// How `value` breaks response schema `id`: `None` when it does not (or
    /// when the schema cannot be compiled).
    pub(crate) fn errors(
        &self,
        schemas: &Schemas,
        id: SchemaId,
        value: &Value,
    ) -> Option<SchemaErrors> {
        let validator = self.get(schemas, id)?;
        let mut found = SchemaErrors::default();
        for error in validator.iter_errors(value) {
            if found.errors.len() == MAX_ERRORS {
                found.more = true;
                break;
            }
            found.errors.push(SchemaError {
                instance_path: error.instance_path().as_str().to_owned(),
                schema_path: error.schema_path().as_str().to_owned(),
                keyword: error.kind().keyword().to_owned(),
                message: cap(&error.to_string()),
            });
        }
        (!found.errors.is_empty()).then_some(found)
    }
}

/// A validator for `schema`: draft 2020-12, formats asserted, OpenAPI's
/// `byte` format checked as base64. `None` when it does not compile.
fn compile(schema: &Value) -> Option<Validator> {
    jsonschema::options()
        .with_draft(Draft::Draft202012)
        .should_validate_formats(true)
        .with_format("byte", is_base64)
        .build(schema)
        .ok()
}

/// Whether `text` is base64, in the standard or URL-safe alphabet, padded or not.
fn is_base64(text: &str) -> bool {
    [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .any(|engine| engine.decode(text).is_ok())
}

/// `text` cut to [`MESSAGE_CAP`] characters, with an ellipsis when cut.
fn cap(text: &str) -> String {
    match text.char_indices().nth(MESSAGE_CAP) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}
