//! The one internal description of an API.
//!
//! Everything after the spec reader works from these types: the generator,
//! the probes, the engine and the checks never read the raw document. Schemas
//! live in one arena ([`Schemas`]) and refer to each other by [`SchemaId`], so
//! recursive schemas are plain cycles of ids.
//!
//! [`login`] reads which operation signs in, its fields, and where its
//! answer holds a token.

mod api;
pub mod caps;
mod json_schema;
pub mod login;
mod operation;
mod schema;
mod security;
mod warning;

pub use api::{Api, Server, ServerVariable, SkippedOperation, SpecVersion};
pub use operation::{
    Body, Encoding, Header, Link, MediaType, Method, Operation, Parameter, ParameterLocation,
    ParameterStyle, Response, StatusCode,
};
pub use schema::{
    AdditionalProperties, Direction, Discriminator, Schema, SchemaId, Schemas, TypeSet, Types,
};
pub use security::{ApiKeyLocation, OAuthFlow, SecurityRequirement, SecurityScheme};
pub use warning::{Warning, WarningKind};
