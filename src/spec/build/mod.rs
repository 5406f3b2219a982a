//! The normalised (3.0-shaped) documents into the model.
//!
//! - `api`: [`build`], the whole model from the documents.
//! - `context`: [`Context`], what every builder step shares; [`child`] locations.
//! - `operation`, `schema`, `allof`, `security`: each part of the model.
//! - `dangling`: `$ref`s that do not resolve: one decision and one warning each.
//! - `enums`: enum members fitted to the declared type.
//! - `lint`: warnings for schemas no value satisfies (`minLength` above `maxLength`, ...).
//! - `path_key`: a `paths` key split into path, fixed query and fragment.

mod allof;
mod api;
mod context;
mod dangling;
mod enums;
mod lint;
mod operation;
mod path_key;
mod schema;
mod security;

pub(crate) use api::build;
pub(crate) use context::{Context, child};
