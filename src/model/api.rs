//! The API as a whole.

use indexmap::IndexMap;
use serde::Serialize;

use super::{Operation, Schemas, SecurityRequirement, SecurityScheme, Warning};

/// The description format the spec was written in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "format", content = "version")]
pub enum SpecVersion {
    /// Swagger 2.0.
    #[serde(rename = "swagger-2.0")]
    Swagger2,
    /// OpenAPI 3.0.x, with the exact version string.
    #[serde(rename = "openapi-3.0")]
    OpenApi30(String),
    /// OpenAPI 3.1.x, with the exact version string.
    #[serde(rename = "openapi-3.1")]
    OpenApi31(String),
}

impl std::fmt::Display for SpecVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SpecVersion::Swagger2 => f.write_str("Swagger 2.0"),
            SpecVersion::OpenApi30(v) | SpecVersion::OpenApi31(v) => write!(f, "OpenAPI {v}"),
        }
    }
}

/// A server the API is reachable at.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Server {
    /// The URL, possibly relative and possibly with `{variables}`.
    pub url: String,
    /// What the spec says of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Values for the `{variables}` in the URL.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub variables: IndexMap<String, ServerVariable>,
}

impl Server {
    /// The URL with every variable replaced by its default value.
    pub fn resolved_url(&self) -> String {
        let mut url = self.url.clone();
        for (name, var) in &self.variables {
            url = url.replace(&format!("{{{name}}}"), &var.default);
        }
        url
    }
}

/// A variable in a server URL.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServerVariable {
    /// The value used unless the user says otherwise.
    pub default: String,
    /// The allowed values, if restricted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<String>,
}

/// An API, as described by one spec: everything the rest of apiprobe needs.
#[derive(Debug, Clone, Serialize)]
pub struct Api {
    /// `info.title`.
    pub title: String,
    /// `info.version`, as text.
    pub version: String,
    /// The format the spec was written in.
    pub spec_version: SpecVersion,
    /// Where the spec came from (a path or URL), for messages and reports.
    pub source: String,
    /// Servers, in the spec's order; Swagger 2.0's host, basePath and schemes become servers.
    pub servers: Vec<Server>,
    /// Security schemes by name.
    pub security_schemes: IndexMap<String, SecurityScheme>,
    /// The global security requirements (alternatives); empty when none are declared.
    pub security: Vec<SecurityRequirement>,
    /// Every operation, in the spec's order.
    pub operations: Vec<Operation>,
    /// The schemas every [`SchemaId`](super::SchemaId) in this API points into.
    #[serde(skip)]
    pub schemas: Schemas,
    /// Tolerable problems met while reading the spec.
    pub warnings: Vec<Warning>,
    /// Operations that could not be read (an unresolvable `$ref` they need),
    /// left out of [`operations`](Self::operations). Empty in strict loading,
    /// which fails instead.
    pub skipped: Vec<SkippedOperation>,
}

/// An operation left out of the model, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedOperation {
    /// `METHOD /path`.
    pub operation: String,
    /// Where it is declared (JSON pointer into the root document).
    pub pointer: String,
    /// The error, naming the reference and where it is used.
    pub error: String,
}

impl Api {
    /// The operation with this id (the operationId or the synthesised one).
    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations.iter().find(|op| op.id == id)
    }
}
