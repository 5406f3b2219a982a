//! [`build`]: the whole model (servers, operations, security) from the documents.

use serde_json::Value;
use url::Url;

use super::context::Context;
use super::schema::SchemaBuilder;
use super::{allof, operation, security};
use crate::model::{Api, Server, ServerVariable, SpecVersion, Warning, WarningKind};
use crate::spec::SpecError;
use crate::spec::documents::Documents;
use crate::spec::lazy_paths::LazyPaths;
use crate::spec::locations::LocationMap;

/// Builds the model from the documents, whose root is in the 3.0 shape;
/// `paths` holds the root's path items when they were kept as text (each is
/// read, built and dropped in turn); `locations` maps a converted Swagger
/// 2.0 root's places back to the user's file.
pub(crate) fn build(
    docs: &Documents,
    paths: Option<LazyPaths>,
    spec_version: SpecVersion,
    origin: &str,
    warnings: Vec<Warning>,
    locations: Option<LocationMap>,
    strict: bool,
) -> Result<Api, SpecError> {
    let root = docs.root();
    let mut cx = Context::new(docs.root_url().clone(), origin, warnings).with_locations(locations);
    let mut schemas = SchemaBuilder::new(docs);
    let info = root.get("info");
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let title = text(info.and_then(|i| i.get("title")));
    let version = text(info.and_then(|i| i.get("version")));
    let servers = servers(&mut cx, root.get("servers"), docs.root_url());
    let security_schemes = security::schemes(&mut cx, docs, root);
    let security = security::requirements(&mut cx, root.get("security"), "#/security");
    let (operations, failed) = operation::all(&mut cx, docs, paths, &mut schemas, &security);
    let mut skipped = Vec::new();
    for (info, error) in failed {
        if strict {
            return Err(error);
        }
        skipped.push(info);
    }
    let dangling = std::mem::take(&mut schemas.dangling);
    if strict && !dangling.is_empty() {
        if let Some(error) = dangling.into_error() {
            return Err(error);
        }
    } else {
        dangling.warn(&mut cx, &schemas.arena, &operations);
    }
    allof::merge_all(&mut schemas.arena);
    let warnings = cx.into_warnings();
    Ok(Api {
        title,
        version,
        spec_version,
        source: origin.to_owned(),
        servers,
        security_schemes,
        security,
        operations,
        schemas: schemas.arena,
        warnings,
        skipped,
    })
}

/// Servers; relative URLs in a spec fetched over http(s) are resolved against
/// the spec's own URL, as OpenAPI 3 specifies.
fn servers(cx: &mut Context, raw: Option<&Value>, spec_url: &Url) -> Vec<Server> {
    let absolute = |url: String| -> String {
        let remote = matches!(spec_url.scheme(), "http" | "https");
        if remote && !url.contains("://") && !url.contains('{') {
            spec_url.join(&url).map(|u| u.to_string()).unwrap_or(url)
        } else {
            url
        }
    };
    let mut out = Vec::new();
    for (i, s) in raw
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let loc = format!("#/servers/{i}");
        match serde_json::from_value::<openapiv3::Server>(s.clone()) {
            Ok(server) => out.push(Server {
                url: absolute(server.url),
                description: server.description,
                variables: server
                    .variables
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(name, v)| {
                        (
                            name,
                            ServerVariable {
                                default: v.default,
                                allowed: v.enumeration,
                            },
                        )
                    })
                    .collect(),
            }),
            Err(e) => cx.warn(
                WarningKind::InvalidObject,
                &loc,
                format!("invalid server: {e}; skipped"),
            ),
        }
    }
    if out.is_empty() {
        out.push(Server {
            url: absolute("/".into()),
            description: None,
            variables: Default::default(),
        });
    }
    out
}
