//! Reading specs: JSON or YAML, files or URLs, Swagger 2.0 and OpenAPI 3.0/3.1,
//! every `$ref` resolved, into one [`Api`](crate::model::Api).
//!
//! ```no_run
//! let api = apiprobe::spec::load_path("specs/petstore.yaml")?;
//! println!("{} operations", api.operations.len());
//! # Ok::<(), apiprobe::spec::SpecError>(())
//! ```
//!
//! An operation that needs a `$ref` which cannot be resolved is left out of
//! the model and listed in [`Api::skipped`](crate::model::Api::skipped) with
//! the error; a [strict](Loader::strict) loader fails on it instead.
//!
//! - `loader`: [`Loader`] and [`load`], [`load_path`], [`load_str`]: the entry points.
//! - `fetch`: [`Source`], a file or URL, and reading it.
//! - `version`, `swagger2`, `openapi31`: the document's version, and 2.0 and 3.1 normalised to 3.0.
//! - `document`, `documents`, `reference`, `stack`: the documents of a spec and `$ref` resolution.
//! - `build`: the model built from the resolved documents.
//! - `error`: [`SpecError`].

mod build;
mod document;
mod documents;
mod error;
mod fetch;
mod loader;
mod openapi31;
mod reference;
mod stack;
mod swagger2;
mod version;

pub use error::SpecError;
pub use fetch::Source;
pub use loader::{Loader, load, load_path, load_str};
