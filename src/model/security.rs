//! How an API authenticates callers.

use indexmap::IndexMap;
use serde::Serialize;

/// Where an API key travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ApiKeyLocation {
    /// In a request header.
    Header,
    /// In the query string.
    Query,
    /// In a cookie.
    Cookie,
}

/// One OAuth 2 flow.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OAuthFlow {
    /// `implicit`, `password`, `clientCredentials` or `authorizationCode`.
    pub kind: String,
    /// The authorization URL, for flows that have one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_url: Option<String>,
    /// The token URL, for flows that have one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_url: Option<String>,
    /// Scope names and their descriptions.
    pub scopes: IndexMap<String, String>,
}

/// A way of authenticating, as declared under `securitySchemes`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum SecurityScheme {
    /// An API key in a header, query parameter or cookie.
    ApiKey {
        /// The header, parameter or cookie name.
        name: String,
        /// Where it travels.
        location: ApiKeyLocation,
    },
    /// HTTP authentication: `basic`, `bearer`, `digest`, ...
    Http {
        /// The scheme, lower-cased.
        scheme: String,
        /// A hint at the bearer token's format (e.g. `JWT`).
        #[serde(skip_serializing_if = "Option::is_none")]
        bearer_format: Option<String>,
    },
    /// OAuth 2 with its flows.
    #[serde(rename = "oauth2")]
    OAuth2 {
        /// The declared flows.
        flows: Vec<OAuthFlow>,
    },
    /// OpenID Connect discovery.
    OpenIdConnect {
        /// The discovery URL.
        url: String,
    },
    /// Mutual TLS (OpenAPI 3.1).
    #[serde(rename = "mutualTLS")]
    MutualTls,
}

impl SecurityScheme {
    /// A short human label: `bearer`, `basic`, `apiKey(header X-Key)`, `oauth2`, ...
    pub fn label(&self) -> String {
        match self {
            SecurityScheme::ApiKey { name, location } => {
                let at = match location {
                    ApiKeyLocation::Header => "header",
                    ApiKeyLocation::Query => "query",
                    ApiKeyLocation::Cookie => "cookie",
                };
                format!("apiKey in {at} {name}")
            }
            SecurityScheme::Http { scheme, .. } => scheme.clone(),
            SecurityScheme::OAuth2 { .. } => "oauth2".into(),
            SecurityScheme::OpenIdConnect { .. } => "openIdConnect".into(),
            SecurityScheme::MutualTls => "mutualTLS".into(),
        }
    }
}

/// One alternative of a security requirement: every scheme named here must
/// be satisfied together, with the listed scopes. An empty requirement means
/// that anonymous access is one of the alternatives.
pub type SecurityRequirement = IndexMap<String, Vec<String>>;
