//! Which description format a document is written in.

use serde_json::Value;

use super::SpecError;
use crate::model::SpecVersion;

/// Reads `swagger` / `openapi` at the top level and says which version it is.
pub(crate) fn detect(doc: &Value, origin: &str) -> Result<SpecVersion, SpecError> {
    let Some(map) = doc.as_object() else {
        let kind = match doc {
            Value::Array(_) => "an array",
            Value::String(_) => "a string",
            Value::Null => "empty",
            _ => "a scalar",
        };
        return Err(SpecError::NotOpenApi {
            origin: origin.to_owned(),
            message: format!("the top level is {kind}, not an object"),
        });
    };
    let text = |v: &Value| match v {
        Value::String(s) => s.trim().to_owned(),
        other => other.to_string(),
    };
    if let Some(v) = map.get("openapi") {
        let version = text(v);
        return if version.starts_with("3.0") {
            Ok(SpecVersion::OpenApi30(version))
        } else if version.starts_with("3.1") {
            Ok(SpecVersion::OpenApi31(version))
        } else {
            Err(SpecError::UnsupportedVersion {
                origin: origin.to_owned(),
                version,
            })
        };
    }
    if let Some(v) = map.get("swagger") {
        let version = text(v);
        return if version == "2.0" || version == "2" {
            Ok(SpecVersion::Swagger2)
        } else {
            Err(SpecError::UnsupportedVersion {
                origin: origin.to_owned(),
                version,
            })
        };
    }
    Err(SpecError::NotOpenApi {
        origin: origin.to_owned(),
        message: "it has neither an `openapi` nor a `swagger` field at the top level".into(),
    })
}
