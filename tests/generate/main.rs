//! Generating requests: one test binary (one link of the library) for the
//! generated values judged by an independent validator (the corpus and
//! property tests), encodings, and the cases `apiprobe cases` prints.

#[path = "../common/mod.rs"]
mod common;
#[path = "../support/mod.rs"]
mod support;

mod cases;
mod generate_caps;
mod generate_corpus;
mod generate_props;
mod generate_schema_fidelity;
mod negative_requests;
mod serialise;
