//! Operations and what they take and give.

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value;

use super::{SchemaId, SecurityRequirement};

/// An HTTP method that OpenAPI can describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// GET
    Get,
    /// PUT
    Put,
    /// POST
    Post,
    /// DELETE
    Delete,
    /// OPTIONS
    Options,
    /// HEAD
    Head,
    /// PATCH
    Patch,
    /// TRACE
    Trace,
}

impl Method {
    /// Every method, in the order OpenAPI lists them in a path item.
    pub const ALL: [Method; 8] = [
        Method::Get,
        Method::Put,
        Method::Post,
        Method::Delete,
        Method::Options,
        Method::Head,
        Method::Patch,
        Method::Trace,
    ];

    /// The method's name in upper case, as sent on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
        }
    }

    /// The key of this method in a path item (`get`, `put`, ...).
    pub fn key(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Put => "put",
            Method::Post => "post",
            Method::Delete => "delete",
            Method::Options => "options",
            Method::Head => "head",
            Method::Patch => "patch",
            Method::Trace => "trace",
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ParameterLocation {
    /// A `{variable}` in the path template.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
    /// A cookie.
    Cookie,
}

impl ParameterLocation {
    /// The location's name as OpenAPI spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ParameterLocation::Path => "path",
            ParameterLocation::Query => "query",
            ParameterLocation::Header => "header",
            ParameterLocation::Cookie => "cookie",
        }
    }
}

/// How a parameter value is serialised (OpenAPI 3 `style`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ParameterStyle {
    /// `{;id}`: path, `;name=value`.
    Matrix,
    /// `{.id}`: path, `.value`.
    Label,
    /// Query and cookie default: `name=value`, arrays repeated or comma-joined.
    Form,
    /// Path and header default: comma-joined.
    Simple,
    /// Query arrays joined by spaces.
    SpaceDelimited,
    /// Query arrays joined by `|`.
    PipeDelimited,
    /// Query objects as `name[key]=value`.
    DeepObject,
}

/// One parameter of an operation (path-level and operation-level merged).
#[derive(Debug, Clone, Serialize)]
pub struct Parameter {
    /// Its name (the header name, query key, cookie name or path variable).
    pub name: String,
    /// Where it travels.
    pub location: ParameterLocation,
    /// Whether a request must carry it (always true for path parameters).
    pub required: bool,
    /// Whether the spec marks it deprecated.
    pub deprecated: bool,
    /// How it is serialised.
    pub style: ParameterStyle,
    /// Whether arrays and objects are exploded into several pairs.
    pub explode: bool,
    /// Whether an empty value is allowed (query only).
    pub allow_empty_value: bool,
    /// Whether reserved characters are sent without percent-encoding (query only).
    pub allow_reserved: bool,
    /// The schema of its value; `None` when the spec gives none.
    pub schema: Option<SchemaId>,
    /// When the parameter is described by `content` instead of `schema`: its media type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// Example values from the spec.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<Value>,
}

/// One media type of a request or response body.
#[derive(Debug, Clone, Serialize)]
pub struct MediaType {
    /// The media type, e.g. `application/json` or `multipart/form-data`.
    pub media_type: String,
    /// The body's schema; `None` when the spec gives none.
    pub schema: Option<SchemaId>,
    /// Per-property encodings (content type of multipart parts, style of form fields).
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub encoding: IndexMap<String, Encoding>,
    /// Example bodies from the spec.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<Value>,
}

/// How one property of a form or multipart body is encoded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Encoding {
    /// The part's content type (multipart).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// How the field is serialised (urlencoded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub style: Option<ParameterStyle>,
    /// Whether arrays and objects are exploded (urlencoded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explode: Option<bool>,
}

/// The request body of an operation.
#[derive(Debug, Clone, Serialize)]
pub struct Body {
    /// Whether a request must carry a body.
    pub required: bool,
    /// The accepted media types, in the spec's order.
    pub content: Vec<MediaType>,
}

/// The status a response is declared for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusCode {
    /// One exact code, e.g. 200.
    Exact(u16),
    /// A range such as `2XX`, holding its first digit.
    Range(u8),
    /// `default`: every code not declared otherwise.
    Default,
}

impl StatusCode {
    /// Whether a received status is covered by this declaration.
    pub fn matches(self, status: u16) -> bool {
        match self {
            StatusCode::Exact(code) => code == status,
            StatusCode::Range(digit) => status / 100 == u16::from(digit),
            StatusCode::Default => true,
        }
    }
}

impl std::fmt::Display for StatusCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StatusCode::Exact(code) => write!(f, "{code}"),
            StatusCode::Range(digit) => write!(f, "{digit}XX"),
            StatusCode::Default => f.write_str("default"),
        }
    }
}

/// A response header declared by the spec.
#[derive(Debug, Clone, Serialize)]
pub struct Header {
    /// The header name.
    pub name: String,
    /// Whether the response must carry it.
    pub required: bool,
    /// The schema of its value.
    pub schema: Option<SchemaId>,
}

/// A declared response of an operation.
#[derive(Debug, Clone, Serialize)]
pub struct Response {
    /// The status (exact, range or default) it is declared for.
    pub status: StatusCode,
    /// What the spec says of it.
    pub description: String,
    /// Body media types with their schemas; empty when the response has no body.
    pub content: Vec<MediaType>,
    /// Declared headers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<Header>,
    /// Links from this response to other operations.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
}

/// An OpenAPI link: how values of a response feed another operation.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    /// The link's name.
    pub name: String,
    /// The target, by operationId or operationRef.
    pub operation: String,
    /// Parameter name to runtime expression (e.g. `$response.body#/id`).
    pub parameters: IndexMap<String, Value>,
}

/// One operation: a method on a path template.
#[derive(Debug, Clone, Serialize)]
pub struct Operation {
    /// A unique id: the operationId, or `METHOD /path` synthesised, suffixed when duplicated.
    pub id: String,
    /// The operationId as declared, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<String>,
    /// The HTTP method.
    pub method: Method,
    /// The path template, e.g. `/pets/{petId}`, without the server's base path.
    pub path: String,
    /// What the spec's `paths` key held after the template, as written
    /// (`?op=LIST`, `#Action=DescribeAlarms`): see [`Operation::fixed_query`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_rest: Option<String>,
    /// Encoded `name=value` query pairs every request carries, read from
    /// the `paths` key (`/jobs?op=LIST`, AWS-style `/#Action=X`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fixed_query: Vec<String>,
    /// Headers every request carries, read from the `paths` key
    /// (`/#X-Amz-Target=Service.Op`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fixed_headers: Vec<(String, String)>,
    /// Tags, for grouping and filtering.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// A one-line summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Whether the spec marks it deprecated.
    pub deprecated: bool,
    /// Parameters: path-level merged with operation-level (operation-level wins).
    pub parameters: Vec<Parameter>,
    /// The request body, if it takes one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Body>,
    /// Declared responses, in the spec's order.
    pub responses: Vec<Response>,
    /// The effective security: the operation's own, else the global one.
    /// An empty list means the operation is public.
    pub security: Vec<SecurityRequirement>,
    /// Where it is declared: a JSON pointer into the root document.
    pub pointer: String,
    /// `x-` extensions on the operation, e.g. for role hints.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub extensions: IndexMap<String, Value>,
}

impl Operation {
    /// Whether calling it needs no credentials.
    pub fn is_public(&self) -> bool {
        self.security.is_empty() || self.security.iter().any(|req| req.is_empty())
    }

    /// The declared response that covers `status`: exact first, then range, then default.
    pub fn response_for(&self, status: u16) -> Option<&Response> {
        let find = |want: fn(StatusCode) -> bool| {
            self.responses
                .iter()
                .find(|r| want(r.status) && r.status.matches(status))
        };
        find(|s| matches!(s, StatusCode::Exact(_)))
            .or_else(|| find(|s| matches!(s, StatusCode::Range(_))))
            .or_else(|| find(|s| matches!(s, StatusCode::Default)))
    }

    /// The parameters at one location.
    pub fn parameters_in(&self, location: ParameterLocation) -> impl Iterator<Item = &Parameter> {
        self.parameters
            .iter()
            .filter(move |p| p.location == location)
    }
}
