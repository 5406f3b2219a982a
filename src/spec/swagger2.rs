//! Swagger 2.0 to the OpenAPI 3.0 shape.
//!
//! Parameter and response `$ref`s are inlined while converting (a body or
//! formData parameter becomes part of the request body, so it cannot stay a
//! reference); schema references move from `#/definitions/` to
//! `#/components/schemas/`.

use serde_json::{Map, Value, json};
use url::Url;

use super::documents::{Documents, is_data_key};
use super::locations::LocationMap;
use super::reference::{Reference, escape};
use crate::model::{Warning, WarningKind};

const FORM: &str = "application/x-www-form-urlencoded";
const MULTIPART: &str = "multipart/form-data";
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Keywords a non-body 2.0 parameter shares with a schema.
const PARAMETER_SCHEMA_KEYS: [&str; 17] = [
    "type",
    "format",
    "items",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "enum",
    "multipleOf",
    "x-nullable",
];

/// Converts the root document of `docs` (a Swagger 2.0 document) to 3.0,
/// with where each converted part is in the user's document.
pub(crate) fn convert(docs: &Documents, warnings: &mut Vec<Warning>) -> (Value, LocationMap) {
    let mut c = Converter {
        docs,
        root: docs.root(),
        warnings,
        locations: LocationMap::swagger2(),
    };
    let converted = c.document();
    (converted, c.locations)
}

struct Converter<'a, 'w> {
    docs: &'a Documents,
    root: &'a Value,
    warnings: &'w mut Vec<Warning>,
    locations: LocationMap,
}

impl Converter<'_, '_> {
    fn warn(&mut self, kind: WarningKind, location: &str, message: impl Into<String>) {
        self.warnings.push(Warning::new(kind, location, message));
    }

    fn document(&mut self) -> Value {
        let root = self.root;
        let mut out = Map::new();
        out.insert("openapi".into(), json!("3.0.3"));
        out.insert(
            "info".into(),
            root.get("info").cloned().unwrap_or_else(|| json!({})),
        );
        out.insert("servers".into(), servers(root));
        for key in ["tags", "externalDocs", "security"] {
            if let Some(v) = root.get(key) {
                out.insert(key.into(), v.clone());
            }
        }
        copy_extensions(root, &mut out);

        let mut components = Map::new();
        if let Some(defs) = root.get("definitions").and_then(Value::as_object) {
            let schemas: Map<String, Value> = defs
                .iter()
                .map(|(k, v)| (k.clone(), schema(v.clone())))
                .collect();
            components.insert("schemas".into(), Value::Object(schemas));
        }
        if let Some(params) = root.get("parameters").and_then(Value::as_object) {
            let mut converted = Map::new();
            for (name, p) in params {
                let loc = format!("#/parameters/{}", escape(name));
                self.locations.add(
                    format!("#/components/parameters/{}/schema", escape(name)),
                    &*loc,
                );
                if !matches!(
                    p.get("in").and_then(Value::as_str),
                    Some("body" | "formData")
                ) && let Some(p) = self.parameter(p, &loc)
                {
                    converted.insert(name.clone(), p);
                }
            }
            components.insert("parameters".into(), Value::Object(converted));
        }
        let global_produces = media_list(root.get("produces"));
        if let Some(responses) = root.get("responses").and_then(Value::as_object) {
            let converted: Map<String, Value> = responses
                .iter()
                .map(|(k, v)| {
                    let r = response(v, &global_produces);
                    let name = escape(k);
                    let at = format!("#/components/responses/{name}");
                    self.response_locations(&at, &format!("#/responses/{name}"), &r);
                    (k.clone(), r)
                })
                .collect();
            components.insert("responses".into(), Value::Object(converted));
        }
        if let Some(defs) = root.get("securityDefinitions").and_then(Value::as_object) {
            let mut schemes = Map::new();
            for (name, def) in defs {
                let loc = format!("#/securityDefinitions/{}", escape(name));
                match security_scheme(def) {
                    Some(s) => {
                        schemes.insert(name.clone(), s);
                    }
                    None => self.warn(
                        WarningKind::InvalidObject,
                        &loc,
                        "unknown or incomplete security definition; skipped",
                    ),
                }
            }
            components.insert("securitySchemes".into(), Value::Object(schemes));
        }
        out.insert("components".into(), Value::Object(components));

        let mut paths = Map::new();
        if let Some(items) = root.get("paths").and_then(Value::as_object) {
            for (path, item) in items {
                if path.starts_with("x-") {
                    continue;
                }
                let loc = format!("#/paths/{}", escape(path));
                paths.insert(path.clone(), self.path_item(item, &loc));
            }
        }
        out.insert("paths".into(), Value::Object(paths));
        Value::Object(out)
    }

    /// Follows a `$ref` (if `value` is one) and returns the target, with its
    /// own references made valid in the root document; a reference that
    /// cannot be resolved comes back as written.
    fn inline(&self, value: &Value) -> Value {
        self.inline_at(value, "").0
    }

    /// [`inline`](Self::inline), with where the result is in the user's
    /// documents: the reference's target, or `written` (where `value` is).
    fn inline_at(&self, value: &Value, written: &str) -> (Value, String) {
        let Some(raw) = value.get("$ref").and_then(Value::as_str) else {
            return (value.clone(), written.to_owned());
        };
        match self.docs.resolve(self.docs.root_url(), raw) {
            Ok(resolved) => {
                let mut target = resolved.value.clone();
                let doc = &resolved.reference.doc;
                let at = if doc == self.docs.root_url() {
                    format!("#{}", resolved.reference.pointer)
                } else {
                    rebase_refs(&mut target, doc, self.docs.root_url());
                    format!("{doc}#{}", resolved.reference.pointer)
                };
                (target, at)
            }
            // Kept as written: the model builder reports it like any other
            // unresolvable reference (the operation is skipped, or strict fails).
            Err(_) => (value.clone(), written.to_owned()),
        }
    }

    /// Records where a converted response's parts are in the user's document.
    fn response_locations(&mut self, converted: &str, original: &str, response: &Value) {
        self.locations.add(converted, original);
        for mt in response
            .get("content")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(mt, _)| escape(mt))
        {
            self.locations.add(
                format!("{converted}/content/{mt}/schema"),
                format!("{original}/schema"),
            );
        }
        for h in response
            .get("headers")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(h, _)| escape(h))
        {
            let (c, o) = (
                format!("{converted}/headers/{h}"),
                format!("{original}/headers/{h}"),
            );
            self.locations.add(format!("{c}/schema"), o.clone());
            self.locations.add(c, o);
        }
    }

    fn path_item(&mut self, item: &Value, loc: &str) -> Value {
        let item = self.inline(item);
        let mut out = Map::new();
        let shared: Vec<Value> = item
            .get("parameters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (key, value) in item.as_object().into_iter().flatten() {
            if METHODS.contains(&key.as_str()) {
                let op_loc = format!("{loc}/{key}");
                out.insert(key.clone(), self.operation(value, &shared, &op_loc));
            } else if key.starts_with("x-") {
                out.insert(key.clone(), value.clone());
            }
        }
        Value::Object(out)
    }

    fn operation(&mut self, op: &Value, shared: &[Value], loc: &str) -> Value {
        let mut out = Map::new();
        for key in [
            "operationId",
            "tags",
            "summary",
            "description",
            "deprecated",
            "security",
            "externalDocs",
        ] {
            if let Some(v) = op.get(key) {
                out.insert(key.into(), v.clone());
            }
        }
        copy_extensions(op, &mut out);
        let consumes = media_list(op.get("consumes").or_else(|| self.root.get("consumes")));
        let produces = media_list(op.get("produces").or_else(|| self.root.get("produces")));

        // Path-level parameters first; operation-level ones replace them by (name, in).
        let mut params: Vec<(Value, String)> = Vec::new();
        let own = op.get("parameters").and_then(Value::as_array);
        let item_loc = loc.rsplit_once('/').map_or(loc, |(item, _)| item);
        let sources = shared
            .iter()
            .enumerate()
            .map(|(i, p)| (p, format!("{item_loc}/parameters/{i}")))
            .chain(
                own.into_iter()
                    .flatten()
                    .enumerate()
                    .map(|(i, p)| (p, format!("{loc}/parameters/{i}"))),
            )
            .collect::<Vec<_>>();
        for (p, ploc) in sources {
            let (p, ploc) = self.inline_at(p, &ploc);
            let key = |v: &Value| {
                (
                    v.get("name").cloned(),
                    v.get("in").cloned(),
                    v.get("$ref").cloned(),
                )
            };
            params.retain(|(existing, _)| key(existing) != key(&p));
            params.push((p, ploc));
        }

        let mut parameters = Vec::new();
        let mut body: Option<Value> = None;
        let mut form_props = Map::new();
        let mut form_required = Vec::new();
        let mut form_encoding = Map::new();
        let mut form_locs: Vec<(String, String)> = Vec::new();
        let mut body_loc = None;
        let mut has_file = false;
        for (p, ploc) in &params {
            if p.get("$ref").is_some() {
                // unresolvable: kept for the model builder to report
                self.locations
                    .add(format!("{loc}/parameters/{}", parameters.len()), ploc);
                parameters.push(p.clone());
                continue;
            }
            match p.get("in").and_then(Value::as_str) {
                Some("body") => {
                    body = Some(self.body(p, &consumes));
                    body_loc = Some(ploc.clone());
                }
                Some("formData") => {
                    let Some(name) = p.get("name").and_then(Value::as_str) else {
                        self.warn(
                            WarningKind::InvalidObject,
                            ploc,
                            "formData parameter without a name; skipped",
                        );
                        continue;
                    };
                    if p.get("type").and_then(Value::as_str) == Some("file") {
                        has_file = true;
                    }
                    let mut s = parameter_schema(p);
                    if let Some(d) = p.get("description") {
                        s.insert("description".into(), d.clone());
                    }
                    form_props.insert(name.to_owned(), schema(Value::Object(s)));
                    form_locs.push((escape(name), ploc.clone()));
                    if p.get("required").and_then(Value::as_bool) == Some(true) {
                        form_required.push(json!(name));
                    }
                    if p.get("collectionFormat").and_then(Value::as_str) == Some("multi") {
                        form_encoding
                            .insert(name.to_owned(), json!({"style": "form", "explode": true}));
                    }
                }
                _ => {
                    if let Some(converted) = self.parameter(p, ploc) {
                        let at = format!("{loc}/parameters/{}", parameters.len());
                        self.locations.add(format!("{at}/schema"), ploc);
                        self.locations.add(at, ploc);
                        parameters.push(converted);
                    }
                }
            }
        }
        if !parameters.is_empty() {
            out.insert("parameters".into(), Value::Array(parameters));
        }
        if !form_props.is_empty() {
            let mut schema = json!({"type": "object", "properties": form_props});
            if !form_required.is_empty() {
                schema["required"] = Value::Array(form_required.clone());
            }
            let mut types: Vec<&str> = consumes
                .iter()
                .map(String::as_str)
                .filter(|m| m.starts_with(FORM) || m.starts_with(MULTIPART))
                .collect();
            if types.is_empty() {
                types.push(if has_file { MULTIPART } else { FORM });
            }
            let mut content = Map::new();
            for mt in types {
                for (name, ploc) in &form_locs {
                    self.locations.add(
                        format!(
                            "{loc}/requestBody/content/{}/schema/properties/{name}",
                            escape(mt)
                        ),
                        ploc,
                    );
                }
                let mut media = json!({"schema": schema.clone()});
                if !form_encoding.is_empty() && mt.starts_with(FORM) {
                    media["encoding"] = Value::Object(form_encoding.clone());
                }
                content.insert(mt.to_owned(), media);
            }
            let mut rb = json!({"content": content});
            if !form_required.is_empty() {
                rb["required"] = json!(true);
            }
            if body.is_some() {
                self.warn(
                    WarningKind::Conversion,
                    loc,
                    "both a body and formData parameters are declared; the formData ones are used",
                );
            }
            body = Some(rb);
            body_loc = None;
        }
        if let Some(b) = body {
            if let Some(original) = body_loc {
                let at = format!("{loc}/requestBody");
                for (mt, _) in b
                    .get("content")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    self.locations.add(
                        format!("{at}/content/{}/schema", escape(mt)),
                        format!("{original}/schema"),
                    );
                }
                self.locations.add(at, original);
            }
            out.insert("requestBody".into(), b);
        }

        let mut responses = Map::new();
        for (code, r) in op
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if code.starts_with("x-") {
                continue;
            }
            let written = format!("{loc}/responses/{}", escape(code));
            let (r, original) = self.inline_at(r, &written);
            let converted = if r.get("$ref").is_some() {
                r // unresolvable: kept for the model builder to report
            } else {
                response(&r, &produces)
            };
            self.response_locations(&written, &original, &converted);
            responses.insert(code.clone(), converted);
        }
        if responses.is_empty() {
            responses.insert("default".into(), json!({"description": ""}));
        }
        out.insert("responses".into(), Value::Object(responses));
        Value::Object(out)
    }

    fn body(&mut self, p: &Value, consumes: &[String]) -> Value {
        let s = schema(p.get("schema").cloned().unwrap_or_else(|| json!({})));
        let mut types: Vec<&str> = consumes
            .iter()
            .map(String::as_str)
            .filter(|m| !m.starts_with(FORM) && !m.starts_with(MULTIPART))
            .collect();
        if types.is_empty() {
            types.push("application/json");
        }
        let content: Map<String, Value> = types
            .into_iter()
            .map(|mt| (mt.to_owned(), json!({"schema": s.clone()})))
            .collect();
        let mut rb = json!({"content": content});
        if let Some(d) = p.get("description") {
            rb["description"] = d.clone();
        }
        if p.get("required").and_then(Value::as_bool) == Some(true) {
            rb["required"] = json!(true);
        }
        if let Some(name) = p.get("name") {
            rb["x-codegen-request-body-name"] = name.clone();
        }
        rb
    }

    /// A path, query, header or (unusual) cookie parameter.
    fn parameter(&mut self, p: &Value, loc: &str) -> Option<Value> {
        let Some(location) = p.get("in").and_then(Value::as_str) else {
            self.warn(
                WarningKind::InvalidObject,
                loc,
                "parameter without `in`; skipped",
            );
            return None;
        };
        let mut out = Map::new();
        for key in [
            "name",
            "in",
            "description",
            "required",
            "allowEmptyValue",
            "deprecated",
        ] {
            if let Some(v) = p.get(key) {
                out.insert(key.into(), v.clone());
            }
        }
        if let Some(example) = p.get("x-example") {
            out.insert("example".into(), example.clone());
        }
        copy_extensions(p, &mut out);
        let is_array = p.get("type").and_then(Value::as_str) == Some("array");
        if is_array {
            let format = p
                .get("collectionFormat")
                .and_then(Value::as_str)
                .unwrap_or("csv");
            let (style, explode) = match (format, location) {
                ("multi", _) => ("form", true),
                ("ssv", _) => ("spaceDelimited", false),
                ("pipes", _) => ("pipeDelimited", false),
                ("tsv", _) => {
                    self.warn(
                        WarningKind::Conversion,
                        loc,
                        "collectionFormat tsv has no OpenAPI 3 equivalent; sent comma-separated",
                    );
                    ("form", false)
                }
                (_, "query" | "cookie") => ("form", false),
                _ => ("simple", false),
            };
            if matches!(location, "path" | "header") && style != "simple" {
                self.warn(
                    WarningKind::Conversion,
                    loc,
                    format!("collectionFormat {format} in {location}; sent comma-separated"),
                );
                out.insert("style".into(), json!("simple"));
            } else {
                out.insert("style".into(), json!(style));
            }
            out.insert("explode".into(), json!(explode));
        }
        out.insert("schema".into(), schema(Value::Object(parameter_schema(p))));
        Some(Value::Object(out))
    }
}

/// The schema part of a non-body 2.0 parameter (or of its `items`).
fn parameter_schema(p: &Value) -> Map<String, Value> {
    let mut s = Map::new();
    for key in PARAMETER_SCHEMA_KEYS {
        if let Some(v) = p.get(key) {
            let v = if key == "items" {
                Value::Object(parameter_schema(v))
            } else {
                v.clone()
            };
            s.insert(key.into(), v);
        }
    }
    if let Some(r) = p.get("$ref") {
        s.insert("$ref".into(), r.clone());
    }
    s
}

/// A 2.0 response: its schema becomes one media type per `produces` entry.
fn response(r: &Value, produces: &[String]) -> Value {
    let mut out = Map::new();
    out.insert(
        "description".into(),
        r.get("description").cloned().unwrap_or_else(|| json!("")),
    );
    if let Some(s) = r.get("schema") {
        let s = schema(s.clone());
        let examples = r.get("examples").and_then(Value::as_object);
        let mut content = Map::new();
        let types: Vec<String> = if produces.is_empty() {
            vec!["application/json".into()]
        } else {
            produces.to_vec()
        };
        for mt in types {
            let mut media = json!({"schema": s.clone()});
            if let Some(example) = examples.and_then(|e| e.get(&mt)) {
                media["example"] = example.clone();
            }
            content.insert(mt, media);
        }
        out.insert("content".into(), Value::Object(content));
    }
    if let Some(headers) = r.get("headers").and_then(Value::as_object) {
        let converted: Map<String, Value> = headers
            .iter()
            .map(|(name, h)| {
                let mut header = json!({"schema": schema(Value::Object(parameter_schema(h)))});
                if let Some(d) = h.get("description") {
                    header["description"] = d.clone();
                }
                (name.clone(), header)
            })
            .collect();
        out.insert("headers".into(), Value::Object(converted));
    }
    copy_extensions(r, &mut out);
    Value::Object(out)
}

fn security_scheme(def: &Value) -> Option<Value> {
    let get = |k: &str| def.get(k).cloned();
    let mut out = match def.get("type").and_then(Value::as_str)? {
        "basic" => json!({"type": "http", "scheme": "basic"}),
        "apiKey" => json!({"type": "apiKey", "name": get("name")?, "in": get("in")?}),
        "oauth2" => {
            let scopes = get("scopes").unwrap_or_else(|| json!({}));
            let flow = def.get("flow").and_then(Value::as_str)?;
            let (name, body) = match flow {
                "implicit" => (
                    "implicit",
                    json!({"authorizationUrl": get("authorizationUrl")?, "scopes": scopes}),
                ),
                "password" => (
                    "password",
                    json!({"tokenUrl": get("tokenUrl")?, "scopes": scopes}),
                ),
                "application" => (
                    "clientCredentials",
                    json!({"tokenUrl": get("tokenUrl")?, "scopes": scopes}),
                ),
                "accessCode" => (
                    "authorizationCode",
                    json!({"authorizationUrl": get("authorizationUrl")?, "tokenUrl": get("tokenUrl")?, "scopes": scopes}),
                ),
                _ => return None,
            };
            json!({"type": "oauth2", "flows": {name: body}})
        }
        _ => return None,
    };
    if let Some(d) = get("description") {
        out["description"] = d;
    }
    Some(out)
}

fn servers(root: &Value) -> Value {
    let host = root
        .get("host")
        .and_then(Value::as_str)
        .map(|h| h.trim_end_matches('/'));
    let base = root.get("basePath").and_then(Value::as_str).unwrap_or("");
    let base = if base.is_empty() || base.starts_with('/') {
        base.to_owned()
    } else {
        format!("/{base}")
    };
    let Some(host) = host.filter(|h| !h.is_empty()) else {
        return json!([{ "url": if base.is_empty() { "/".to_owned() } else { base } }]);
    };
    let mut schemes: Vec<&str> = root
        .get("schemes")
        .and_then(Value::as_array)
        .map(|s| {
            s.iter()
                .filter_map(Value::as_str)
                .filter(|s| matches!(*s, "http" | "https"))
                .collect()
        })
        .unwrap_or_default();
    if schemes.is_empty() {
        let local = host.starts_with("localhost") || host.starts_with("127.");
        schemes.push(if local { "http" } else { "https" });
    }
    Value::Array(
        schemes
            .into_iter()
            .map(|s| json!({"url": format!("{s}://{host}{base}")}))
            .collect(),
    )
}

fn media_list(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn copy_extensions(from: &Value, to: &mut Map<String, Value>) {
    for (k, v) in from.as_object().into_iter().flatten() {
        if k.starts_with("x-") {
            to.insert(k.clone(), v.clone());
        }
    }
}

/// A 2.0 schema in 3.0 form: `#/definitions/` refs, `x-nullable`, `type: file`,
/// string discriminators. Walks the whole subtree except data values.
fn schema(mut value: Value) -> Value {
    fix_schema(&mut value, 0);
    value
}

fn fix_schema(value: &mut Value, depth: usize) {
    if depth > 256 {
        return;
    }
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get_mut("$ref")
                && let Some(rest) = r.strip_prefix("#/definitions/")
            {
                *r = format!("#/components/schemas/{rest}");
            }
            if let Some(n) = map.remove("x-nullable") {
                map.insert("nullable".into(), n);
            }
            if map.get("type").and_then(Value::as_str) == Some("file") {
                map.insert("type".into(), json!("string"));
                map.insert("format".into(), json!("binary"));
            }
            if let Some(Value::String(name)) = map.get("discriminator") {
                let d = json!({"propertyName": name});
                map.insert("discriminator".into(), d);
            }
            for (k, child) in map.iter_mut() {
                if !is_data_key(k) && k != "discriminator" {
                    fix_schema(child, depth + 1);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| fix_schema(v, depth + 1)),
        _ => {}
    }
}

/// Rewrites every reference in a value taken from document `from` so that it
/// is valid when placed in document `root`.
pub(crate) fn rebase_refs(value: &mut Value, from: &Url, root: &Url) {
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                for (k, child) in map.iter_mut() {
                    if k == "$ref" {
                        if let Value::String(raw) = child
                            && let Ok(target) = Reference::parse(from, raw)
                        {
                            *raw = if &target.doc == root {
                                format!("#{}", target.pointer)
                            } else {
                                format!("{}#{}", target.doc, target.pointer)
                            };
                        }
                    } else if !is_data_key(k) {
                        stack.push(child);
                    }
                }
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn convert_doc(doc: Value) -> (Value, Vec<Warning>) {
        let docs = Documents::new(Url::parse("file:///spec.json").unwrap(), doc);
        let mut warnings = Vec::new();
        let (out, _) = convert(&docs, &mut warnings);
        (out, warnings)
    }

    #[test]
    fn host_base_path_and_schemes_become_servers() {
        let (out, _) = convert_doc(json!({"swagger": "2.0", "host": "api.example.com",
            "basePath": "/v1", "schemes": ["http", "https", "ws"], "paths": {}}));
        assert_eq!(
            out["servers"],
            json!([{"url": "http://api.example.com/v1"}, {"url": "https://api.example.com/v1"}])
        );
        let (out, _) = convert_doc(json!({"swagger": "2.0", "basePath": "/v2", "paths": {}}));
        assert_eq!(out["servers"], json!([{"url": "/v2"}]));
        let (out, _) = convert_doc(json!({"swagger": "2.0", "host": "example.com", "paths": {}}));
        assert_eq!(out["servers"], json!([{"url": "https://example.com"}]));
    }

    #[test]
    fn body_parameter_becomes_request_body_per_consumes() {
        let (out, _) = convert_doc(
            json!({"swagger": "2.0", "consumes": ["application/json", "application/xml"],
            "paths": {"/p": {"post": {"parameters": [{"in": "body", "name": "pet", "required": true,
                "schema": {"$ref": "#/definitions/Pet"}}], "responses": {"200": {"description": "ok"}}}}},
            "definitions": {"Pet": {"type": "object"}}}),
        );
        let rb = &out["paths"]["/p"]["post"]["requestBody"];
        assert_eq!(rb["required"], true);
        assert_eq!(
            rb["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/Pet"
        );
        assert_eq!(
            rb["content"]["application/xml"]["schema"]["$ref"],
            "#/components/schemas/Pet"
        );
        assert_eq!(out["components"]["schemas"]["Pet"]["type"], "object");
        assert!(out["paths"]["/p"]["post"].get("parameters").is_none());
    }

    #[test]
    fn form_data_becomes_urlencoded_or_multipart() {
        let (out, _) = convert_doc(json!({"swagger": "2.0", "paths": {
            "/form": {"post": {"consumes": ["application/x-www-form-urlencoded"], "parameters": [
                {"in": "formData", "name": "name", "type": "string", "required": true},
                {"in": "formData", "name": "tags", "type": "array", "items": {"type": "string"}, "collectionFormat": "multi"}],
                "responses": {"200": {"description": "ok"}}}},
            "/upload": {"post": {"parameters": [
                {"in": "formData", "name": "file", "type": "file"}], "responses": {"200": {"description": "ok"}}}}}}));
        let form = &out["paths"]["/form"]["post"]["requestBody"]["content"][FORM];
        assert_eq!(form["schema"]["properties"]["name"]["type"], "string");
        assert_eq!(form["schema"]["required"], json!(["name"]));
        assert_eq!(form["encoding"]["tags"]["explode"], true);
        let upload = &out["paths"]["/upload"]["post"]["requestBody"]["content"][MULTIPART];
        assert_eq!(
            upload["schema"]["properties"]["file"],
            json!({"type": "string", "format": "binary"})
        );
    }

    #[test]
    fn collection_formats_become_style_and_explode() {
        let (out, w) = convert_doc(
            json!({"swagger": "2.0", "paths": {"/q": {"get": {"parameters": [
            {"in": "query", "name": "a", "type": "array", "items": {"type": "string"}},
            {"in": "query", "name": "b", "type": "array", "items": {"type": "string"}, "collectionFormat": "multi"},
            {"in": "query", "name": "c", "type": "array", "items": {"type": "string"}, "collectionFormat": "pipes"},
            {"in": "query", "name": "d", "type": "array", "items": {"type": "string"}, "collectionFormat": "ssv"},
            {"in": "header", "name": "e", "type": "array", "items": {"type": "integer"}},
            {"in": "query", "name": "f", "type": "array", "items": {"type": "string"}, "collectionFormat": "tsv"}],
            "responses": {"200": {"description": "ok"}}}}}}),
        );
        let params = out["paths"]["/q"]["get"]["parameters"].as_array().unwrap();
        let style = |i: usize| (params[i]["style"].clone(), params[i]["explode"].clone());
        assert_eq!(style(0), (json!("form"), json!(false)));
        assert_eq!(style(1), (json!("form"), json!(true)));
        assert_eq!(style(2), (json!("pipeDelimited"), json!(false)));
        assert_eq!(style(3), (json!("spaceDelimited"), json!(false)));
        assert_eq!(style(4), (json!("simple"), json!(false)));
        assert_eq!(params[4]["schema"]["items"]["type"], "integer");
        assert!(w.iter().any(|w| w.message.contains("tsv")));
    }

    #[test]
    fn security_definitions_become_security_schemes() {
        let (out, _) = convert_doc(
            json!({"swagger": "2.0", "paths": {}, "securityDefinitions": {
            "basic": {"type": "basic"},
            "key": {"type": "apiKey", "name": "api_key", "in": "query"},
            "implicit": {"type": "oauth2", "flow": "implicit", "authorizationUrl": "https://a/auth", "scopes": {"r": "read"}},
            "code": {"type": "oauth2", "flow": "accessCode", "authorizationUrl": "https://a/auth", "tokenUrl": "https://a/token", "scopes": {}},
            "app": {"type": "oauth2", "flow": "application", "tokenUrl": "https://a/token", "scopes": {}}}}),
        );
        let s = &out["components"]["securitySchemes"];
        assert_eq!(s["basic"], json!({"type": "http", "scheme": "basic"}));
        assert_eq!(
            s["key"],
            json!({"type": "apiKey", "name": "api_key", "in": "query"})
        );
        assert_eq!(
            s["implicit"]["flows"]["implicit"]["authorizationUrl"],
            "https://a/auth"
        );
        assert_eq!(
            s["code"]["flows"]["authorizationCode"]["tokenUrl"],
            "https://a/token"
        );
        assert_eq!(
            s["app"]["flows"]["clientCredentials"]["tokenUrl"],
            "https://a/token"
        );
    }

    #[test]
    fn responses_use_produces_and_shared_refs_are_inlined() {
        let (out, _) = convert_doc(json!({"swagger": "2.0", "produces": ["application/json"],
            "responses": {"NotFound": {"description": "nope", "schema": {"$ref": "#/definitions/Err"}}},
            "parameters": {"limit": {"in": "query", "name": "limit", "type": "integer", "x-nullable": true}},
            "paths": {"/a": {"get": {"produces": ["application/xml"],
                "parameters": [{"$ref": "#/parameters/limit"}],
                "responses": {"200": {"description": "ok", "schema": {"type": "file"},
                                      "headers": {"X-Rate": {"type": "integer"}}},
                              "404": {"$ref": "#/responses/NotFound"}}}}}}));
        let get = &out["paths"]["/a"]["get"];
        assert_eq!(get["parameters"][0]["name"], "limit");
        assert_eq!(get["parameters"][0]["schema"]["nullable"], true);
        assert_eq!(
            get["responses"]["200"]["content"]["application/xml"]["schema"]["format"],
            "binary"
        );
        assert_eq!(
            get["responses"]["200"]["headers"]["X-Rate"]["schema"]["type"],
            "integer"
        );
        assert_eq!(
            get["responses"]["404"]["content"]["application/xml"]["schema"]["$ref"],
            "#/components/schemas/Err"
        );
    }

    #[test]
    fn unresolvable_parameter_refs_are_kept_for_the_builder_to_report() {
        let (out, w) = convert_doc(json!({"swagger": "2.0", "paths": {"/a": {"get": {
            "parameters": [{"$ref": "#/parameters/missing"}], "responses": {"200": {"$ref": "#/responses/gone"}}}}}}));
        assert_eq!(
            out["paths"]["/a"]["get"]["parameters"][0]["$ref"],
            "#/parameters/missing"
        );
        assert_eq!(
            out["paths"]["/a"]["get"]["responses"]["200"]["$ref"],
            "#/responses/gone"
        );
        assert!(w.is_empty());
    }

    #[test]
    fn operation_parameters_override_path_parameters() {
        let (out, _) = convert_doc(json!({"swagger": "2.0", "paths": {"/a/{id}": {
            "parameters": [{"in": "path", "name": "id", "type": "string", "required": true}],
            "get": {"parameters": [{"in": "path", "name": "id", "type": "integer", "required": true}],
                    "responses": {}}}}}));
        let params = out["paths"]["/a/{id}"]["get"]["parameters"]
            .as_array()
            .unwrap();
        assert_eq!(params.len(), 1);
        assert_eq!(params[0]["schema"]["type"], "integer");
        assert!(out["paths"]["/a/{id}"]["get"]["responses"]["default"].is_object());
    }

    #[test]
    fn refs_from_other_files_are_rebased() {
        let mut v = json!({"schema": {"$ref": "#/Foo"}, "other": {"$ref": "../x.json#/Bar"}, "root": {"$ref": "spec.json#/definitions/A"}});
        rebase_refs(
            &mut v,
            &Url::parse("file:///d/sub/p.json").unwrap(),
            &Url::parse("file:///d/spec.json").unwrap(),
        );
        assert_eq!(v["schema"]["$ref"], "file:///d/sub/p.json#/Foo");
        assert_eq!(v["other"]["$ref"], "file:///d/x.json#/Bar");
        assert_eq!(v["root"]["$ref"], "file:///d/sub/spec.json#/definitions/A");
    }
}
