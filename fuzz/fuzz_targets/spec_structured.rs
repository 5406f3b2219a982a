//! An arbitrary-derived spec structure (Swagger 2.0, OpenAPI 3.0 or 3.1:
//! paths with parameters, bodies and responses; schemas of every type with
//! bounds, patterns, formats, enums, composition, nullability and
//! references, recursive ones included), serialised and loaded; then cases
//! of every intent are generated for every operation. Nothing may panic.
#![no_main]

use apiprobe::generate::{CaseGenerator, Fuzzed, Intent, Options, Payloads};
use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value, json};

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Version {
    Swagger2,
    OpenApi30,
    OpenApi31,
}

/// A name: mostly one of a few short ones (so references and required
/// lists meet), sometimes any string.
#[derive(Arbitrary, Debug)]
enum Name {
    Short(u8),
    Any(String),
}

impl Name {
    fn text(&self) -> String {
        match self {
            Name::Short(n) => format!("n{}", n % 8),
            Name::Any(s) => s.clone(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Format {
    Int32,
    Int64,
    Float,
    Double,
    Date,
    DateTime,
    Email,
    Uuid,
    Uri,
    Ipv4,
    Byte,
    Binary,
    Password,
    Other(String),
}

impl Format {
    fn text(&self) -> String {
        match self {
            Format::Int32 => "int32",
            Format::Int64 => "int64",
            Format::Float => "float",
            Format::Double => "double",
            Format::Date => "date",
            Format::DateTime => "date-time",
            Format::Email => "email",
            Format::Uuid => "uuid",
            Format::Uri => "uri",
            Format::Ipv4 => "ipv4",
            Format::Byte => "byte",
            Format::Binary => "binary",
            Format::Password => "password",
            Format::Other(s) => return s.clone(),
        }
        .to_owned()
    }
}

#[derive(Arbitrary, Debug)]
enum Pattern {
    Digits(u8),
    Word,
    Anchored(String),
    Any(String),
}

impl Pattern {
    fn text(&self) -> String {
        match self {
            Pattern::Digits(n) => format!("^[0-9]{{{}}}$", n % 12),
            Pattern::Word => "^[a-z][a-z0-9_-]*$".to_owned(),
            Pattern::Anchored(s) => format!("^{s}$"),
            Pattern::Any(s) => s.clone(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Scalar {
    Str(String),
    Int(i64),
    Num(f64),
    Bool(bool),
    Null,
}

impl Scalar {
    fn value(&self) -> Value {
        match self {
            Scalar::Str(s) => json!(s),
            Scalar::Int(i) => json!(i),
            Scalar::Num(n) => serde_json::Number::from_f64(*n).map_or(Value::Null, Value::Number),
            Scalar::Bool(b) => json!(b),
            Scalar::Null => Value::Null,
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Schema {
    Ref(u8),
    Any,
    Bool(bool),
    String {
        min: Option<u8>,
        max: Option<u8>,
        pattern: Option<Pattern>,
        format: Option<Format>,
        values: Vec<Scalar>,
    },
    Integer {
        min: Option<i64>,
        max: Option<i64>,
        exclusive: bool,
        multiple_of: Option<u16>,
        format: Option<Format>,
    },
    Number {
        min: Option<f64>,
        max: Option<f64>,
        multiple_of: Option<f64>,
    },
    Boolean,
    Array {
        items: Box<Schema>,
        min: Option<u8>,
        max: Option<u8>,
        unique: bool,
    },
    Object {
        properties: Vec<(Name, Schema)>,
        required: Vec<Name>,
        additional: Option<Box<Schema>>,
        closed: bool,
        min: Option<u8>,
        max: Option<u8>,
    },
    OneOf(Vec<Schema>),
    AnyOf(Vec<Schema>),
    AllOf(Vec<Schema>),
    Not(Box<Schema>),
    Nullable(Box<Schema>),
    Const(Scalar),
    Enum(Vec<Scalar>),
    Example(Box<Schema>, Scalar),
    ReadOnly(Box<Schema>),
    WriteOnly(Box<Schema>),
}

#[derive(Arbitrary, Debug)]
enum Location {
    Path,
    Query,
    Header,
    Cookie,
}

#[derive(Arbitrary, Debug)]
struct Parameter {
    name: Name,
    location: Location,
    required: bool,
    schema: Schema,
}

#[derive(Arbitrary, Debug)]
enum Media {
    Json,
    Form,
    Multipart,
    Xml,
    Text,
    Binary,
}

impl Media {
    fn text(&self) -> &'static str {
        match self {
            Media::Json => "application/json",
            Media::Form => "application/x-www-form-urlencoded",
            Media::Multipart => "multipart/form-data",
            Media::Xml => "application/xml",
            Media::Text => "text/plain",
            Media::Binary => "application/octet-stream",
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Method {
    Get,
    Put,
    Post,
    Delete,
    Patch,
    Head,
    Options,
}

impl Method {
    fn key(&self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Put => "put",
            Method::Post => "post",
            Method::Delete => "delete",
            Method::Patch => "patch",
            Method::Head => "head",
            Method::Options => "options",
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Operation {
    method: Method,
    id: Option<Name>,
    parameters: Vec<Parameter>,
    body: Option<(Media, bool, Schema)>,
    responses: Vec<(u16, Option<Schema>)>,
}

#[derive(Arbitrary, Debug)]
enum Segment {
    Literal(Name),
    Parameter(Name),
}

#[derive(Arbitrary, Debug)]
struct PathItem {
    segments: Vec<Segment>,
    operations: Vec<Operation>,
}

#[derive(Arbitrary, Debug)]
struct Spec {
    version: Version,
    paths: Vec<PathItem>,
    schemas: Vec<Schema>,
}

/// Nesting past this depth is written as an any-schema: the loader has its
/// own limits, and this keeps inputs about what they vary.
const MAX_DEPTH: usize = 12;

struct Writer {
    version: Version,
    schemas: usize,
}

impl Writer {
    fn reference(&self, n: u8) -> String {
        let i = usize::from(n) % self.schemas.max(1);
        match self.version {
            Version::Swagger2 => format!("#/definitions/s{i}"),
            _ => format!("#/components/schemas/s{i}"),
        }
    }

    fn schema(&self, s: &Schema, depth: usize) -> Value {
        if depth > MAX_DEPTH {
            return json!({});
        }
        let d = depth + 1;
        let list = |items: &[Schema]| -> Value {
            Value::Array(items.iter().map(|i| self.schema(i, d)).collect())
        };
        let mut out = Map::new();
        match s {
            Schema::Ref(n) => {
                if self.schemas == 0 {
                    return json!({});
                }
                out.insert("$ref".into(), json!(self.reference(*n)));
            }
            Schema::Any => {}
            Schema::Bool(b) => {
                if matches!(self.version, Version::OpenApi31) {
                    return json!(b);
                }
            }
            Schema::String {
                min,
                max,
                pattern,
                format,
                values,
            } => {
                out.insert("type".into(), json!("string"));
                if let Some(m) = min {
                    out.insert("minLength".into(), json!(m));
                }
                if let Some(m) = max {
                    out.insert("maxLength".into(), json!(m));
                }
                if let Some(p) = pattern {
                    out.insert("pattern".into(), json!(p.text()));
                }
                if let Some(f) = format {
                    out.insert("format".into(), json!(f.text()));
                }
                if !values.is_empty() {
                    out.insert(
                        "enum".into(),
                        Value::Array(values.iter().map(Scalar::value).collect()),
                    );
                }
            }
            Schema::Integer {
                min,
                max,
                exclusive,
                multiple_of,
                format,
            } => {
                out.insert("type".into(), json!("integer"));
                if let Some(m) = min {
                    out.insert("minimum".into(), json!(m));
                }
                if let Some(m) = max {
                    out.insert("maximum".into(), json!(m));
                }
                if *exclusive && min.is_some() {
                    match self.version {
                        Version::OpenApi31 => {
                            let m = out.remove("minimum").unwrap_or(Value::Null);
                            out.insert("exclusiveMinimum".into(), m);
                        }
                        _ => {
                            out.insert("exclusiveMinimum".into(), json!(true));
                        }
                    }
                }
                if let Some(m) = multiple_of {
                    out.insert("multipleOf".into(), json!(m));
                }
                if let Some(f) = format {
                    out.insert("format".into(), json!(f.text()));
                }
            }
            Schema::Number {
                min,
                max,
                multiple_of,
            } => {
                out.insert("type".into(), json!("number"));
                let num = |f: &f64| serde_json::Number::from_f64(*f).map(Value::Number);
                if let Some(v) = min.as_ref().and_then(num) {
                    out.insert("minimum".into(), v);
                }
                if let Some(v) = max.as_ref().and_then(num) {
                    out.insert("maximum".into(), v);
                }
                if let Some(v) = multiple_of.as_ref().and_then(num) {
                    out.insert("multipleOf".into(), v);
                }
            }
            Schema::Boolean => {
                out.insert("type".into(), json!("boolean"));
            }
            Schema::Array {
                items,
                min,
                max,
                unique,
            } => {
                out.insert("type".into(), json!("array"));
                out.insert("items".into(), self.schema(items, d));
                if let Some(m) = min {
                    out.insert("minItems".into(), json!(m));
                }
                if let Some(m) = max {
                    out.insert("maxItems".into(), json!(m));
                }
                if *unique {
                    out.insert("uniqueItems".into(), json!(true));
                }
            }
            Schema::Object {
                properties,
                required,
                additional,
                closed,
                min,
                max,
            } => {
                out.insert("type".into(), json!("object"));
                let props: Map<String, Value> = properties
                    .iter()
                    .map(|(n, s)| (n.text(), self.schema(s, d)))
                    .collect();
                out.insert("properties".into(), Value::Object(props));
                if !required.is_empty() {
                    let names: Vec<String> = required.iter().map(Name::text).collect();
                    out.insert("required".into(), json!(names));
                }
                if *closed {
                    out.insert("additionalProperties".into(), json!(false));
                } else if let Some(a) = additional {
                    out.insert("additionalProperties".into(), self.schema(a, d));
                }
                if let Some(m) = min {
                    out.insert("minProperties".into(), json!(m));
                }
                if let Some(m) = max {
                    out.insert("maxProperties".into(), json!(m));
                }
            }
            Schema::OneOf(items) => {
                out.insert("oneOf".into(), list(items));
            }
            Schema::AnyOf(items) => {
                out.insert("anyOf".into(), list(items));
            }
            Schema::AllOf(items) => {
                out.insert("allOf".into(), list(items));
            }
            Schema::Not(inner) => {
                out.insert("not".into(), self.schema(inner, d));
            }
            Schema::Nullable(inner) => {
                let inner = self.schema(inner, d);
                return match self.version {
                    Version::OpenApi31 => json!({"anyOf": [inner, {"type": "null"}]}),
                    Version::OpenApi30 => json!({"allOf": [inner], "nullable": true}),
                    Version::Swagger2 => json!({"allOf": [inner], "x-nullable": true}),
                };
            }
            Schema::Const(v) => match self.version {
                Version::OpenApi31 => {
                    out.insert("const".into(), v.value());
                }
                _ => {
                    out.insert("enum".into(), json!([v.value()]));
                }
            },
            Schema::Enum(values) => {
                out.insert(
                    "enum".into(),
                    Value::Array(values.iter().map(Scalar::value).collect()),
                );
            }
            Schema::Example(inner, v) => {
                let mut inner = self.schema(inner, d);
                if let Value::Object(m) = &mut inner {
                    m.insert("example".into(), v.value());
                }
                return inner;
            }
            Schema::ReadOnly(inner) | Schema::WriteOnly(inner) => {
                let key = if matches!(s, Schema::ReadOnly(_)) {
                    "readOnly"
                } else {
                    "writeOnly"
                };
                let mut inner = self.schema(inner, d);
                if let Value::Object(m) = &mut inner {
                    m.insert(key.into(), json!(true));
                }
                return inner;
            }
        }
        Value::Object(out)
    }

    fn parameter(&self, p: &Parameter, path_names: &[String]) -> Value {
        let location = match p.location {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
            Location::Cookie => "cookie",
        };
        let schema = self.schema(&p.schema, 0);
        let mut out = Map::new();
        let name = if matches!(p.location, Location::Path) {
            path_names.first().cloned().unwrap_or_else(|| p.name.text())
        } else {
            p.name.text()
        };
        out.insert("name".into(), json!(name));
        out.insert("in".into(), json!(location));
        out.insert(
            "required".into(),
            json!(p.required || matches!(p.location, Location::Path)),
        );
        match self.version {
            // 2.0 parameters carry their schema's keywords themselves
            Version::Swagger2 => {
                if let Value::Object(m) = schema {
                    for (k, v) in m {
                        out.entry(k).or_insert(v);
                    }
                }
                out.entry("type").or_insert(json!("string"));
            }
            _ => {
                out.insert("schema".into(), schema);
            }
        }
        Value::Object(out)
    }

    fn operation(&self, op: &Operation, path_names: &[String]) -> Value {
        let mut out = Map::new();
        if let Some(id) = &op.id {
            out.insert("operationId".into(), json!(id.text()));
        }
        let mut params: Vec<Value> = op
            .parameters
            .iter()
            .map(|p| self.parameter(p, path_names))
            .collect();
        // every path template name needs a parameter
        for name in path_names {
            let declared = params
                .iter()
                .any(|p| p["name"] == json!(name) && p["in"] == "path");
            if !declared {
                let mut p = json!({"name": name, "in": "path", "required": true});
                match self.version {
                    Version::Swagger2 => p["type"] = json!("string"),
                    _ => p["schema"] = json!({"type": "string"}),
                }
                params.push(p);
            }
        }
        let mut responses = Map::new();
        for (status, schema) in &op.responses {
            let code = 100 + status % 500;
            let mut r = json!({"description": "r"});
            if let Some(s) = schema {
                let s = self.schema(s, 0);
                match self.version {
                    Version::Swagger2 => r["schema"] = s,
                    _ => r["content"] = json!({"application/json": {"schema": s}}),
                }
            }
            responses.insert(code.to_string(), r);
        }
        if responses.is_empty() {
            responses.insert("200".into(), json!({"description": "ok"}));
        }
        out.insert("responses".into(), Value::Object(responses));
        if let Some((media, required, schema)) = &op.body {
            let schema = self.schema(schema, 0);
            match self.version {
                Version::Swagger2 => {
                    out.insert("consumes".into(), json!([media.text()]));
                    params.push(json!({"name": "body", "in": "body", "required": required, "schema": schema}));
                }
                _ => {
                    out.insert(
                        "requestBody".into(),
                        json!({"required": required, "content": {media.text(): {"schema": schema}}}),
                    );
                }
            }
        }
        out.insert("parameters".into(), Value::Array(params));
        Value::Object(out)
    }

    fn spec(&self, spec: &Spec) -> Value {
        let mut paths = Map::new();
        for item in &spec.paths {
            let mut path = String::new();
            let mut names = Vec::new();
            for segment in &item.segments {
                path.push('/');
                match segment {
                    Segment::Literal(n) => path.push_str(&n.text()),
                    Segment::Parameter(n) => {
                        let name = n.text();
                        path.push('{');
                        path.push_str(&name);
                        path.push('}');
                        names.push(name);
                    }
                }
            }
            if path.is_empty() {
                path.push('/');
            }
            let mut ops = Map::new();
            for op in &item.operations {
                ops.insert(op.method.key().into(), self.operation(op, &names));
            }
            paths.insert(path, Value::Object(ops));
        }
        let schemas: Map<String, Value> = spec
            .schemas
            .iter()
            .enumerate()
            .map(|(i, s)| (format!("s{i}"), self.schema(s, 0)))
            .collect();
        let info = json!({"title": "fuzz", "version": "1"});
        match self.version {
            Version::Swagger2 => json!({
                "swagger": "2.0", "info": info, "paths": paths, "definitions": schemas
            }),
            Version::OpenApi30 => json!({
                "openapi": "3.0.3", "info": info, "paths": paths,
                "components": {"schemas": schemas}
            }),
            Version::OpenApi31 => json!({
                "openapi": "3.1.0", "info": info, "paths": paths,
                "components": {"schemas": schemas}
            }),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(spec) = Spec::arbitrary(&mut u) else {
        return;
    };
    let writer = Writer {
        version: spec.version,
        schemas: spec.schemas.len(),
    };
    let text = writer.spec(&spec).to_string();
    let Ok(api) = apiprobe::spec::load_str(&text, "structured.json") else {
        return;
    };
    let payloads = Payloads::builtin();
    let mut cases = CaseGenerator::new(&api, Options::default(), &payloads);
    let mut src = Fuzzed::new(u.take_rest());
    for op in &api.operations {
        for intent in Intent::ALL {
            let _ = cases.case(op, intent, &mut src);
        }
    }
});
