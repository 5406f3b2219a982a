//! Security schemes and requirements.

use indexmap::IndexMap;
use serde_json::Value;

use super::{Context, child};
use crate::model::{ApiKeyLocation, OAuthFlow, SecurityRequirement, SecurityScheme, WarningKind};
use crate::spec::documents::Documents;

/// `components.securitySchemes`, by name; invalid ones are skipped with a warning.
pub(super) fn schemes(
    cx: &mut Context,
    docs: &Documents,
    root: &Value,
) -> IndexMap<String, SecurityScheme> {
    let mut out = IndexMap::new();
    let raw = root
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object);
    for (name, value) in raw.into_iter().flatten() {
        let loc = child("#/components/securitySchemes", name);
        let value = match value.get("$ref").and_then(Value::as_str) {
            Some(r) => match docs.resolve(docs.root_url(), r) {
                Ok(resolved) => resolved.value,
                Err(why) => {
                    cx.warn(
                        WarningKind::UnresolvedRef,
                        &loc,
                        format!("cannot resolve {r:?}: {why}; skipped"),
                    );
                    continue;
                }
            },
            None => value,
        };
        match scheme(value) {
            Ok(s) => {
                out.insert(name.clone(), s);
            }
            Err(why) => cx.warn(
                WarningKind::InvalidObject,
                &loc,
                format!("invalid security scheme: {why}; skipped"),
            ),
        }
    }
    out
}

fn scheme(value: &Value) -> Result<SecurityScheme, String> {
    if value.get("type").and_then(Value::as_str) == Some("mutualTLS") {
        return Ok(SecurityScheme::MutualTls);
    }
    let parsed: openapiv3::SecurityScheme =
        serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
    Ok(match parsed {
        openapiv3::SecurityScheme::APIKey { location, name, .. } => SecurityScheme::ApiKey {
            name,
            location: match location {
                openapiv3::APIKeyLocation::Query => ApiKeyLocation::Query,
                openapiv3::APIKeyLocation::Header => ApiKeyLocation::Header,
                openapiv3::APIKeyLocation::Cookie => ApiKeyLocation::Cookie,
            },
        },
        openapiv3::SecurityScheme::HTTP {
            scheme,
            bearer_format,
            ..
        } => SecurityScheme::Http {
            scheme: scheme.to_ascii_lowercase(),
            bearer_format,
        },
        openapiv3::SecurityScheme::OAuth2 { flows, .. } => {
            let mut out = Vec::new();
            let scopes = |s: IndexMap<String, String>| s;
            if let Some(f) = flows.implicit {
                out.push(OAuthFlow {
                    kind: "implicit".into(),
                    authorization_url: Some(f.authorization_url),
                    token_url: None,
                    scopes: scopes(f.scopes),
                });
            }
            if let Some(f) = flows.password {
                out.push(OAuthFlow {
                    kind: "password".into(),
                    authorization_url: None,
                    token_url: Some(f.token_url),
                    scopes: scopes(f.scopes),
                });
            }
            if let Some(f) = flows.client_credentials {
                out.push(OAuthFlow {
                    kind: "clientCredentials".into(),
                    authorization_url: None,
                    token_url: Some(f.token_url),
                    scopes: scopes(f.scopes),
                });
            }
            if let Some(f) = flows.authorization_code {
                out.push(OAuthFlow {
                    kind: "authorizationCode".into(),
                    authorization_url: Some(f.authorization_url),
                    token_url: Some(f.token_url),
                    scopes: scopes(f.scopes),
                });
            }
            SecurityScheme::OAuth2 { flows: out }
        }
        openapiv3::SecurityScheme::OpenIDConnect {
            open_id_connect_url,
            ..
        } => SecurityScheme::OpenIdConnect {
            url: open_id_connect_url,
        },
    })
}

/// A `security` array: alternatives, each a map of scheme name to scopes.
pub(super) fn requirements(
    cx: &mut Context,
    raw: Option<&Value>,
    loc: &str,
) -> Vec<SecurityRequirement> {
    let Some(raw) = raw else { return Vec::new() };
    let Some(list) = raw.as_array() else {
        cx.warn(
            WarningKind::InvalidObject,
            loc,
            "`security` must be an array; ignored",
        );
        return Vec::new();
    };
    list.iter()
        .filter_map(|alt| alt.as_object())
        .map(|alt| {
            alt.iter()
                .map(|(name, scopes)| {
                    let scopes = scopes
                        .as_array()
                        .map(|s| {
                            s.iter()
                                .filter_map(Value::as_str)
                                .map(str::to_owned)
                                .collect()
                        })
                        .unwrap_or_default();
                    (name.clone(), scopes)
                })
                .collect()
        })
        .collect()
}
