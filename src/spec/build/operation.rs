//! Paths and operations: parameters, bodies, responses, links, security.

use std::collections::HashMap;

use indexmap::IndexMap;
use serde_json::{Map, Value, json};
use url::Url;

use super::path_key;
use super::schema::SchemaBuilder;
use super::{Context, child, security};
use crate::model::{
    Body, Encoding, Header, Link, MediaType, Method, Operation, Parameter, ParameterLocation,
    ParameterStyle, Response, Schema, SecurityRequirement, SkippedOperation, StatusCode, TypeSet,
    Types, WarningKind,
};
use crate::spec::SpecError;
use crate::spec::documents::Documents;
use crate::spec::lazy_paths::LazyPaths;

/// A JSON value with the document it sits in (for resolving its references)
/// and its location (for messages).
struct Located<'a> {
    value: &'a Value,
    base: Url,
    loc: String,
}

/// Resolves `value` if it is a `$ref`; a failure is recorded as the load's error.
fn deref<'a>(
    cx: &mut Context,
    docs: &'a Documents,
    value: &'a Value,
    base: &Url,
    loc: &str,
) -> Option<Located<'a>> {
    match located(cx, docs, value, base, loc) {
        Ok(found) => Some(found),
        Err((raw, why)) => {
            cx.fail_ref(base, loc, raw, &why);
            None
        }
    }
}

/// Resolves `value` if it is a `$ref`; on failure, the `$ref` and why.
fn located<'a>(
    cx: &Context,
    docs: &'a Documents,
    value: &'a Value,
    base: &Url,
    loc: &str,
) -> Result<Located<'a>, (&'a Value, String)> {
    match value.get("$ref") {
        Some(raw) => match raw
            .as_str()
            .ok_or_else(|| "$ref is not a string".to_owned())
            .and_then(|r| docs.resolve(base, r))
        {
            Ok(resolved) => Ok(Located {
                value: resolved.value,
                loc: cx.location(&resolved.reference.doc, &resolved.reference.pointer),
                base: resolved.reference.doc,
            }),
            Err(why) => Err((raw, why)),
        },
        None => Ok(Located {
            value,
            base: base.clone(),
            loc: loc.to_owned(),
        }),
    }
}

/// Every operation under `paths`, in document order, with unique ids; and the
/// operations that could not be read, each with its first error. `lazy`
/// holds the root's path items when they were kept as text.
pub(super) fn all<'d>(
    cx: &mut Context,
    docs: &'d Documents,
    lazy: Option<LazyPaths>,
    schemas: &mut SchemaBuilder<'d>,
    global_security: &[SecurityRequirement],
) -> (Vec<Operation>, Vec<(SkippedOperation, SpecError)>) {
    let mut built = Built::default();
    let mut paths = Paths {
        cx,
        docs,
        schemas,
        global_security,
        root_url: docs.root_url().clone(),
    };
    match lazy {
        Some(lazy) => {
            for (key_text, item) in lazy.into_items() {
                paths.item(&key_text, &item, &mut built);
            }
        }
        None => {
            let items = docs.root().get("paths").and_then(Value::as_object);
            for (key_text, item) in items.into_iter().flatten() {
                paths.item(key_text, item, &mut built);
            }
        }
    }
    let Built { mut out, failed } = built;
    let cx = paths.cx;
    assign_ids(cx, &mut out);
    (out, failed)
}

/// The operations built so far, and those that could not be read.
#[derive(Default)]
struct Built {
    out: Vec<Operation>,
    failed: Vec<(SkippedOperation, SpecError)>,
}

/// What building each path item needs.
struct Paths<'c, 'd, 's, 'g> {
    cx: &'c mut Context,
    docs: &'d Documents,
    schemas: &'s mut SchemaBuilder<'d>,
    global_security: &'g [SecurityRequirement],
    root_url: Url,
}

impl Paths<'_, '_, '_, '_> {
    /// The operations of the path item `item` under the `paths` key `key_text`.
    fn item(&mut self, key_text: &str, item: &Value, built: &mut Built) {
        let (cx, docs, root_url) = (&mut *self.cx, self.docs, &self.root_url);
        let (global_security, schemas) = (self.global_security, &mut *self.schemas);
        let Built { out, failed } = built;
        if key_text.starts_with("x-") {
            return;
        }
        let path = key_text;
        let key = path_key::split(key_text);
        let path_loc = child("#/paths", path);
        let Some(item) = deref(cx, docs, item, root_url, &path_loc) else {
            for error in cx.errors.drain(..) {
                let info = SkippedOperation {
                    operation: path.to_owned(),
                    pointer: path_loc.clone(),
                    error: error.to_string(),
                };
                failed.push((info, error));
            }
            return;
        };
        let Some(item_map) = item.value.as_object() else {
            cx.warn(
                WarningKind::InvalidObject,
                &path_loc,
                "a path item must be an object; skipped",
            );
            return;
        };
        let shared = item_map.get("parameters");
        for method in Method::ALL {
            let Some(op) = item_map.get(method.key()) else {
                continue;
            };
            let op_loc = child(&item.loc, method.key());
            let Some(op_map) = op.as_object() else {
                cx.warn(
                    WarningKind::InvalidObject,
                    &op_loc,
                    "an operation must be an object; skipped",
                );
                continue;
            };
            cx.errors.clear();
            let mut b = OperationBuilder {
                cx: &mut *cx,
                docs,
                schemas: &mut *schemas,
                base: &item.base,
                pointer: child(&path_loc, method.key()),
            };
            let mut parameters = b.parameters(
                shared,
                op_map.get("parameters"),
                &item.loc,
                &op_loc,
                &key.path,
            );
            b.key_parameters(&key, &mut parameters);
            let body = op_map
                .get("requestBody")
                .and_then(|rb| b.body(rb, &child(&op_loc, "requestBody")));
            let responses = b.responses(op_map.get("responses"), &child(&op_loc, "responses"));
            let security = match op_map.get("security") {
                Some(raw) => security::requirements(cx, Some(raw), &child(&op_loc, "security")),
                None => global_security.to_vec(),
            };
            let text_list = |v: Option<&Value>| -> Vec<String> {
                v.and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            };
            if let Some(error) = cx.errors.drain(..).next() {
                let info = SkippedOperation {
                    operation: format!("{method} {path}"),
                    pointer: child(&path_loc, method.key()),
                    error: error.to_string(),
                };
                failed.push((info, error));
                continue;
            }
            out.push(Operation {
                id: String::new(),
                operation_id: op_map
                    .get("operationId")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                method,
                path: key.path.clone(),
                key_rest: key.rest.clone(),
                fixed_query: key.fixed_query.clone(),
                fixed_headers: key.fixed_headers.clone(),
                tags: text_list(op_map.get("tags")),
                summary: op_map
                    .get("summary")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                deprecated: op_map
                    .get("deprecated")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                parameters,
                body,
                responses,
                security,
                pointer: child(&path_loc, method.key()),
                extensions: op_map
                    .iter()
                    .filter(|(k, _)| k.starts_with("x-"))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            });
        }
    }
}

/// Ids: the operationId, or `METHOD /path`; later duplicates get a numeric suffix.
fn assign_ids(cx: &mut Context, ops: &mut [Operation]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for op in ops.iter_mut() {
        let base = op
            .operation_id
            .clone()
            .filter(|id| !id.trim().is_empty())
            .unwrap_or_else(|| {
                let rest = op.key_rest.as_deref().unwrap_or("");
                format!("{} {}{rest}", op.method, op.path)
            });
        let n = seen.entry(base.clone()).or_insert(0);
        *n += 1;
        op.id = if *n == 1 {
            base
        } else {
            let id = format!("{base}_{n}");
            cx.warn(
                WarningKind::DuplicateOperationId,
                &op.pointer,
                format!("operationId {base:?} is used more than once; this one is {id:?}"),
            );
            id
        };
    }
}

struct OperationBuilder<'c, 'd, 's, 'b> {
    cx: &'c mut Context,
    docs: &'d Documents,
    schemas: &'s mut SchemaBuilder<'d>,
    base: &'b Url,
    /// The operation's pointer, naming it where a response reference dangles.
    pointer: String,
}

impl<'d> OperationBuilder<'_, 'd, '_, '_> {
    fn schema(&mut self, base: &Url, value: &Value, loc: &str) -> crate::model::SchemaId {
        self.schemas.build(self.cx, base, value, loc)
    }

    /// Resolves a response-side object (a response, header or link); one
    /// that does not resolve is recorded as dangling, used by this operation.
    fn response_part<'a>(&mut self, value: &'a Value, base: &Url, loc: &str) -> Option<Located<'a>>
    where
        'd: 'a,
    {
        match located(self.cx, self.docs, value, base, loc) {
            Ok(found) => Some(found),
            Err((raw, why)) => {
                let dangling = &mut self.schemas.dangling;
                dangling.response(self.cx, (base, loc), raw, &why, &self.pointer);
                None
            }
        }
    }

    /// Path-level and operation-level parameters merged (operation-level wins),
    /// plus any path template variable nobody declared.
    fn parameters(
        &mut self,
        shared: Option<&Value>,
        own: Option<&Value>,
        item_loc: &str,
        op_loc: &str,
        path: &str,
    ) -> Vec<Parameter> {
        let mut out: Vec<Parameter> = Vec::new();
        let lists = [
            (shared, child(item_loc, "parameters")),
            (own, child(op_loc, "parameters")),
        ];
        for (list, loc) in lists {
            let Some(list) = list else { continue };
            let Some(items) = list.as_array() else {
                self.cx.warn(
                    WarningKind::InvalidObject,
                    &loc,
                    "`parameters` must be an array; ignored",
                );
                continue;
            };
            for (i, raw) in items.iter().enumerate() {
                let ploc = format!("{loc}/{i}");
                let base = self.base.clone();
                let Some(p) = self.parameter(raw, &base, &ploc) else {
                    continue;
                };
                if p.name.is_empty() {
                    self.cx.warn(
                        WarningKind::InvalidObject,
                        &format!("{ploc}/name"),
                        format!(
                            "a {} parameter with an empty name; it cannot be sent",
                            p.location.as_str()
                        ),
                    );
                } else if p.location == ParameterLocation::Path
                    && !template_variables(path).contains(&p.name)
                {
                    self.cx.warn(
                        WarningKind::InvalidObject,
                        &ploc,
                        format!("path parameter {:?} is not in the path template {path:?}; it is never sent", p.name),
                    );
                }
                out.retain(|q| !(q.name == p.name && q.location == p.location));
                out.push(p);
            }
        }
        for name in template_variables(path) {
            if !out
                .iter()
                .any(|p| p.location == ParameterLocation::Path && p.name == name)
            {
                self.cx.warn(
                    WarningKind::UndeclaredPathParameter,
                    op_loc,
                    format!("path variable {{{name}}} is not declared; it is treated as a required string"),
                );
                let schema = self.schemas.arena.push(Schema {
                    types: TypeSet::one(Types::String),
                    ..Schema::default()
                });
                out.push(Parameter {
                    name,
                    location: ParameterLocation::Path,
                    required: true,
                    deprecated: false,
                    style: ParameterStyle::Simple,
                    explode: false,
                    allow_empty_value: false,
                    allow_reserved: false,
                    schema: Some(schema),
                    media_type: None,
                    examples: Vec::new(),
                });
            }
        }
        out
    }

    /// The parameters a `paths` key itself names: a `name={var}` pair of
    /// its query makes `var` (declared in the path or not at all) the query
    /// parameter `name`; a declared query parameter that a fixed pair of
    /// the key sets is the fixed pair alone.
    fn key_parameters(&mut self, key: &path_key::PathKey, out: &mut Vec<Parameter>) {
        for (name, var) in &key.query_variables {
            if out
                .iter()
                .any(|p| p.location == ParameterLocation::Query && p.name == *name)
            {
                continue;
            }
            match out
                .iter_mut()
                .find(|p| p.location == ParameterLocation::Path && p.name == *var)
            {
                Some(p) => {
                    p.name.clone_from(name);
                    p.location = ParameterLocation::Query;
                    p.style = ParameterStyle::Form;
                    p.explode = true;
                }
                None => {
                    let schema = self.schemas.arena.push(Schema {
                        types: TypeSet::one(Types::String),
                        ..Schema::default()
                    });
                    out.push(Parameter {
                        name: name.clone(),
                        location: ParameterLocation::Query,
                        required: true,
                        deprecated: false,
                        style: ParameterStyle::Form,
                        explode: true,
                        allow_empty_value: false,
                        allow_reserved: false,
                        schema: Some(schema),
                        media_type: None,
                        examples: Vec::new(),
                    });
                }
            }
        }
        let fixed: Vec<&str> = key
            .fixed_query
            .iter()
            .filter_map(|pair| pair.split('=').next())
            .collect();
        out.retain(|p| {
            !(p.location == ParameterLocation::Query && fixed.contains(&p.name.as_str()))
        });
        let headers: Vec<&str> = key.fixed_headers.iter().map(|(n, _)| n.as_str()).collect();
        out.retain(|p| {
            !(p.location == ParameterLocation::Header
                && headers.contains(&p.name.to_ascii_lowercase().as_str()))
        });
    }

    fn parameter(&mut self, raw: &Value, base: &Url, loc: &str) -> Option<Parameter> {
        let p = deref(self.cx, self.docs, raw, base, loc)?;
        let Some(map) = p.value.as_object() else {
            self.cx.warn(
                WarningKind::InvalidObject,
                &p.loc,
                "a parameter must be an object; skipped",
            );
            return None;
        };
        // openapiv3 reads the structure; schemas are read from the raw value.
        let mut stripped = map.clone();
        let legacy_schema =
            !map.contains_key("schema") && !map.contains_key("content") && map.contains_key("type");
        stripped.insert("schema".into(), json!({}));
        stripped.remove("content");
        let parsed: openapiv3::Parameter = match serde_json::from_value(Value::Object(stripped)) {
            Ok(parsed) => parsed,
            Err(e) => {
                self.cx.warn(
                    WarningKind::InvalidObject,
                    &p.loc,
                    format!("invalid parameter: {e}; skipped"),
                );
                return None;
            }
        };
        let (data, location, style) = match parsed {
            openapiv3::Parameter::Query {
                parameter_data,
                style,
                allow_reserved,
                allow_empty_value,
            } => {
                let style = match style {
                    openapiv3::QueryStyle::Form => ParameterStyle::Form,
                    openapiv3::QueryStyle::SpaceDelimited => ParameterStyle::SpaceDelimited,
                    openapiv3::QueryStyle::PipeDelimited => ParameterStyle::PipeDelimited,
                    openapiv3::QueryStyle::DeepObject => ParameterStyle::DeepObject,
                };
                let flags = (allow_reserved, allow_empty_value.unwrap_or(false));
                (parameter_data, ParameterLocation::Query, (style, flags))
            }
            openapiv3::Parameter::Header { parameter_data, .. } => (
                parameter_data,
                ParameterLocation::Header,
                (ParameterStyle::Simple, (false, false)),
            ),
            openapiv3::Parameter::Path {
                parameter_data,
                style,
            } => {
                let style = match style {
                    openapiv3::PathStyle::Matrix => ParameterStyle::Matrix,
                    openapiv3::PathStyle::Label => ParameterStyle::Label,
                    openapiv3::PathStyle::Simple => ParameterStyle::Simple,
                };
                (
                    parameter_data,
                    ParameterLocation::Path,
                    (style, (false, false)),
                )
            }
            openapiv3::Parameter::Cookie { parameter_data, .. } => (
                parameter_data,
                ParameterLocation::Cookie,
                (ParameterStyle::Form, (false, false)),
            ),
        };
        let (style, (allow_reserved, allow_empty_value)) = style;
        let (schema, media_type) = if let Some(s) = map.get("schema") {
            (
                Some(self.schema(&p.base, s, &child(&p.loc, "schema"))),
                None,
            )
        } else if let Some(Value::Object(content)) = map.get("content") {
            match content.iter().next() {
                Some((mt, media)) => {
                    let schema = media.get("schema").map(|s| {
                        let loc = child(&child(&child(&p.loc, "content"), mt), "schema");
                        self.schema(&p.base, s, &loc)
                    });
                    (schema, Some(mt.clone()))
                }
                None => (None, None),
            }
        } else if legacy_schema {
            self.cx.warn(
                WarningKind::Conversion,
                &p.loc,
                "parameter has Swagger 2.0 `type` instead of `schema`; read as its schema",
            );
            (Some(self.schema(&p.base, p.value, &p.loc)), None)
        } else {
            (None, None)
        };
        Some(Parameter {
            name: data.name,
            location,
            required: location == ParameterLocation::Path || data.required,
            deprecated: data.deprecated.unwrap_or(false),
            style,
            explode: data.explode.unwrap_or(style == ParameterStyle::Form),
            allow_empty_value,
            allow_reserved,
            schema,
            media_type,
            examples: examples(self.docs, map, &p.base),
        })
    }

    fn body(&mut self, raw: &Value, loc: &str) -> Option<Body> {
        let base = self.base.clone();
        let rb = deref(self.cx, self.docs, raw, &base, loc)?;
        let content = self.content(
            rb.value.get("content"),
            &rb.base,
            &child(&rb.loc, "content"),
        );
        Some(Body {
            required: rb
                .value
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            content,
        })
    }

    fn content(&mut self, raw: Option<&Value>, base: &Url, loc: &str) -> Vec<MediaType> {
        let mut out = Vec::new();
        for (mt, media) in raw.and_then(Value::as_object).into_iter().flatten() {
            let mloc = child(loc, mt);
            let schema = media
                .get("schema")
                .map(|s| self.schema(base, s, &child(&mloc, "schema")));
            let encoding = media
                .get("encoding")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .filter_map(|(name, e)| {
                    let parsed: openapiv3::Encoding = serde_json::from_value(e.clone()).ok()?;
                    let style = parsed.style.map(|s| match s {
                        openapiv3::QueryStyle::Form => ParameterStyle::Form,
                        openapiv3::QueryStyle::SpaceDelimited => ParameterStyle::SpaceDelimited,
                        openapiv3::QueryStyle::PipeDelimited => ParameterStyle::PipeDelimited,
                        openapiv3::QueryStyle::DeepObject => ParameterStyle::DeepObject,
                    });
                    let explode = e.get("explode").and_then(Value::as_bool);
                    Some((
                        name.clone(),
                        Encoding {
                            content_type: parsed.content_type,
                            style,
                            explode,
                        },
                    ))
                })
                .collect();
            let examples = media
                .as_object()
                .map(|m| examples(self.docs, m, base))
                .unwrap_or_default();
            out.push(MediaType {
                media_type: mt.clone(),
                schema,
                encoding,
                examples,
            });
        }
        out
    }

    fn responses(&mut self, raw: Option<&Value>, loc: &str) -> Vec<Response> {
        let mut out = Vec::new();
        for (code, r) in raw.and_then(Value::as_object).into_iter().flatten() {
            if code.starts_with("x-") {
                continue;
            }
            let rloc = child(loc, code);
            let Some(status) = status(code) else {
                self.cx.warn(
                    WarningKind::InvalidObject,
                    &rloc,
                    format!("{code:?} is not a status code, a range like 2XX, or default; skipped"),
                );
                continue;
            };
            let base = self.base.clone();
            let Some(r) = self.response_part(r, &base, &rloc) else {
                // kept, without a schema to check its answers against
                out.push(Response {
                    status,
                    description: String::new(),
                    content: Vec::new(),
                    headers: Vec::new(),
                    links: Vec::new(),
                });
                continue;
            };
            let content = self.content(r.value.get("content"), &r.base, &child(&r.loc, "content"));
            let headers = self.headers(r.value.get("headers"), &r.base, &child(&r.loc, "headers"));
            let links = self.links(r.value.get("links"), &r.base, &child(&r.loc, "links"));
            out.push(Response {
                status,
                description: r
                    .value
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                content,
                headers,
                links,
            });
        }
        out
    }

    fn headers(&mut self, raw: Option<&Value>, base: &Url, loc: &str) -> Vec<Header> {
        let mut out = Vec::new();
        for (name, h) in raw.and_then(Value::as_object).into_iter().flatten() {
            let hloc = child(loc, name);
            let Some(h) = self.response_part(h, base, &hloc) else {
                continue;
            };
            let schema = match h.value.get("schema") {
                Some(s) => Some(self.schema(&h.base, s, &child(&h.loc, "schema"))),
                None => h
                    .value
                    .pointer("/content")
                    .and_then(Value::as_object)
                    .and_then(|c| c.values().next())
                    .and_then(|m| m.get("schema"))
                    .map(|s| self.schema(&h.base, s, &h.loc)),
            };
            out.push(Header {
                name: name.clone(),
                required: h
                    .value
                    .get("required")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                schema,
            });
        }
        out
    }

    fn links(&mut self, raw: Option<&Value>, base: &Url, loc: &str) -> Vec<Link> {
        let mut out = Vec::new();
        for (name, l) in raw.and_then(Value::as_object).into_iter().flatten() {
            let lloc = child(loc, name);
            let Some(l) = self.response_part(l, base, &lloc) else {
                continue;
            };
            let target = l
                .value
                .get("operationId")
                .or_else(|| l.value.get("operationRef"))
                .and_then(Value::as_str);
            let Some(target) = target else {
                self.cx.warn(
                    WarningKind::InvalidObject,
                    &l.loc,
                    "link without operationId or operationRef; skipped",
                );
                continue;
            };
            let parameters: IndexMap<String, Value> = l
                .value
                .get("parameters")
                .and_then(Value::as_object)
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default();
            out.push(Link {
                name: name.clone(),
                operation: target.to_owned(),
                parameters,
            });
        }
        out
    }
}

/// `example` and the values of `examples` (Example objects, by reference or inline).
/// Examples are data: one that cannot be resolved is left out.
fn examples(docs: &Documents, map: &Map<String, Value>, base: &Url) -> Vec<Value> {
    let mut out = Vec::new();
    if let Some(e) = map.get("example") {
        out.push(e.clone());
    }
    for e in map
        .get("examples")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(_, e)| e)
    {
        let e = match e.get("$ref").and_then(Value::as_str) {
            Some(r) => match docs.resolve(base, r) {
                Ok(resolved) => resolved.value,
                Err(_) => continue,
            },
            None => e,
        };
        if let Some(v) = e.get("value") {
            out.push(v.clone());
        }
    }
    out
}

/// A response key: `200`, `2XX`, or `default`.
fn status(code: &str) -> Option<StatusCode> {
    let code = code.trim();
    if code.eq_ignore_ascii_case("default") {
        return Some(StatusCode::Default);
    }
    let bytes = code.as_bytes();
    if bytes.len() == 3
        && bytes[1..].eq_ignore_ascii_case(b"xx")
        && (b'1'..=b'5').contains(&bytes[0])
    {
        return Some(StatusCode::Range(bytes[0] - b'0'));
    }
    match code.parse::<u16>() {
        Ok(n) if (100..=599).contains(&n) => Some(StatusCode::Exact(n)),
        _ => None,
    }
}

/// The `{names}` in a path template, in order.
fn template_variables(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else { break };
        let name = &after[..end];
        if !name.is_empty() && !out.iter().any(|n| n == name) {
            out.push(name.to_owned());
        }
        rest = &after[end + 1..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_keys() {
        assert_eq!(status("200"), Some(StatusCode::Exact(200)));
        assert_eq!(status("2XX"), Some(StatusCode::Range(2)));
        assert_eq!(status("4xx"), Some(StatusCode::Range(4)));
        assert_eq!(status("default"), Some(StatusCode::Default));
        assert_eq!(status("20"), None);
        assert_eq!(status("ok"), None);
        assert_eq!(status("6XX"), None);
    }

    #[test]
    fn template_variables_in_order() {
        assert_eq!(
            template_variables("/a/{x}/b/{y}.{fmt}"),
            vec!["x", "y", "fmt"]
        );
        assert_eq!(template_variables("/a/{x"), Vec::<String>::new());
    }
}
