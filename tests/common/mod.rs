//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod corpus;

use std::path::PathBuf;

use apiprobe::model::{Api, Operation, Schema, SchemaId};

/// A path under the crate root.
pub fn path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// Loads a spec under the crate root, failing the test with the error.
pub fn load(relative: &str) -> Api {
    apiprobe::spec::load_path(path(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

/// The operation with this id, failing the test when it is missing.
pub fn op<'a>(api: &'a Api, id: &str) -> &'a Operation {
    api.operation(id).unwrap_or_else(|| {
        let ids: Vec<&str> = api.operations.iter().map(|o| o.id.as_str()).collect();
        panic!("no operation {id:?}; have {ids:?}")
    })
}

/// The schema of the first media type of the response for `status`.
pub fn response_schema(op: &Operation, status: u16) -> SchemaId {
    op.response_for(status)
        .and_then(|r| r.content.first())
        .and_then(|m| m.schema)
        .unwrap_or_else(|| panic!("{}: no schema for {status}", op.id))
}

/// The schema of a named parameter.
pub fn param_schema<'a>(api: &'a Api, op: &Operation, name: &str) -> &'a Schema {
    let p = op
        .parameters
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("{}: no parameter {name}", op.id));
    api.schemas
        .get(p.schema.unwrap_or_else(|| panic!("{name} has no schema")))
}

/// The id of property `name` of schema `id`.
pub fn prop(api: &Api, id: SchemaId, name: &str) -> SchemaId {
    *api.schemas
        .get(id)
        .properties
        .get(name)
        .unwrap_or_else(|| panic!("schema {id:?} has no property {name}"))
}
