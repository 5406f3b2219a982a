//! OpenAPI 3.1 to the 3.0 shape, for what is outside schemas.
//!
//! Schema keywords (type arrays, `const`, numeric exclusive bounds, `examples`,
//! `prefixItems`, `$ref` with siblings) are read by the schema builder
//! directly, so that nothing is lost on the way; this pass handles the
//! document structure.

use serde_json::{Value, json};

use super::reference::escape;
use crate::model::{Warning, WarningKind};

/// The dialect 3.1 documents use unless they say otherwise.
const OAS_DIALECT: &str = "https://spec.openapis.org/oas/3.1/dialect/base";

/// Normalises a 3.1 root document: webhooks become warnings, and a
/// `paths`-less document gets an empty one.
pub(crate) fn normalise(mut doc: Value, warnings: &mut Vec<Warning>) -> Value {
    remove_webhooks(&mut doc, warnings);
    let Some(map) = doc.as_object_mut() else {
        return doc;
    };
    if let Some(dialect) = map.get("jsonSchemaDialect").and_then(Value::as_str)
        && dialect != OAS_DIALECT
        && !dialect.contains("2020-12")
    {
        warnings.push(Warning::new(
            WarningKind::IgnoredKeyword,
            "#/jsonSchemaDialect",
            format!("schemas are read as JSON Schema 2020-12, not {dialect:?}"),
        ));
    }
    if !map.contains_key("paths") {
        map.insert("paths".into(), json!({}));
    }
    doc
}

/// Webhooks (3.1 `webhooks`, and `webhooks` / `x-webhooks` that some 3.0
/// documents carry) are called by the API, not on it: each becomes a warning.
pub(crate) fn remove_webhooks(doc: &mut Value, warnings: &mut Vec<Warning>) {
    let Some(map) = doc.as_object_mut() else {
        return;
    };
    for key in ["webhooks", "x-webhooks"] {
        let Some(Value::Object(hooks)) = map.remove(key) else {
            continue;
        };
        for (name, item) in &hooks {
            let methods: Vec<String> = item
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(k, _)| {
                    matches!(
                        k.as_str(),
                        "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace"
                    )
                })
                .map(|(k, _)| k.to_uppercase())
                .collect();
            warnings.push(Warning::new(
                WarningKind::Webhook,
                format!("#/{key}/{}", escape(name)),
                format!(
                    "webhook {name:?} ({}) is called by the API, not on it; not tested",
                    if methods.is_empty() {
                        "no operations".to_owned()
                    } else {
                        methods.join(", ")
                    }
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhooks_become_warnings() {
        let mut warnings = Vec::new();
        let out = normalise(
            json!({"openapi": "3.1.0", "webhooks": {"newPet": {"post": {}}}}),
            &mut warnings,
        );
        assert!(out.get("webhooks").is_none());
        assert_eq!(out["paths"], json!({}));
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].kind, WarningKind::Webhook);
        assert!(warnings[0].message.contains("POST"));
        assert_eq!(warnings[0].location, "#/webhooks/newPet");
    }
}
