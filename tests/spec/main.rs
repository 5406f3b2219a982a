//! Reading specs: one test binary (one link of the library) for every test
//! of loading, `$ref` resolution, errors, specs over http and the
//! real-world corpus.

#[path = "../common/mod.rs"]
mod common;

mod corpus;
mod resources_corpus;
mod shard_corpus;
mod spec_dangling;
mod spec_errors;
mod spec_examples;
mod spec_lint;
mod spec_local_refs;
mod spec_refs;
mod spec_swagger2_locations;
mod spec_url;
