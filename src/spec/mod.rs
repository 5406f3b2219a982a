//! Reading specs: JSON or YAML, files or URLs, Swagger 2.0 and OpenAPI 3.0/3.1,
//! every `$ref` resolved, into one [`Api`](crate::model::Api).
//!
//! ```no_run
//! let api = apiprobe::spec::load_path("specs/petstore.yaml")?;
//! println!("{} operations", api.operations.len());
//! # Ok::<(), apiprobe::spec::SpecError>(())
//! ```
//!
//! A schema `$ref` that cannot be resolved is read as a schema that allows
//! any value, everywhere it is used, with one warning naming the reference
//! and the operations that reach it; a response that cannot be resolved is
//! kept without its schema check. An operation that needs a parameter,
//! request body or path item which cannot be resolved is left out of the
//! model and listed in [`Api::skipped`](crate::model::Api::skipped) with the
//! error. A [strict](Loader::strict) loader fails on any of them instead.
//!
//! - `loader`: [`Loader`] and [`load`], [`load_path`], [`load_str`]: the entry points.
//! - `fetch`: [`Source`], a file or URL, and reading it.
//! - `local_refs`: which local files a `$ref` may read (regular files in the spec's folder).
//! - `version`, `swagger2`, `openapi31`: the document's version, and 2.0 and 3.1 normalised to 3.0.
//! - `document`, `documents`, `reference`, `stack`: the documents of a spec and `$ref` resolution.
//! - `lazy_paths`: a root's path items (JSON or YAML) kept as compact JSON text until their operations are built.
//! - `build`: the model built from the resolved documents.
//! - `locations`: where a converted Swagger 2.0 document's parts are in the user's file.
//! - `error`: [`SpecError`].

mod build;
mod document;
mod documents;
mod error;
mod fetch;
mod lazy_paths;
mod loader;
mod local_refs;
mod locations;
mod openapi31;
mod reference;
mod stack;
mod swagger2;
mod version;

pub use error::SpecError;
pub use fetch::Source;
pub use loader::{Loader, load, load_path, load_str};
pub use stack::large_stack_thread;
