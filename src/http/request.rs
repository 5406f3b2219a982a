//! A generated request, ready to send: what the engine sends and curl shows.

use crate::model::Method;

/// One HTTP request for one operation, fully serialised.
///
/// Every field holds exactly what goes on the wire: the path and query are
/// already percent-encoded where their location requires it, and nowhere
/// else, so an attack string reaches the server byte for byte as intended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// The path with parameters filled in and encoded, starting with `/`,
    /// relative to the server URL (e.g. `/pets/42`).
    pub path: String,
    /// The query string without the leading `?`, encoded; empty when there is none.
    pub query: String,
    /// Header name and value pairs, in order (cookies are one `cookie` header).
    pub headers: Vec<(String, String)>,
    /// The body, if any.
    pub body: Option<RequestBody>,
}

/// A request body and its content type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestBody {
    /// The `content-type` header value (with the multipart boundary, where there is one).
    pub content_type: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// A value that cannot be sent where it must go (e.g. a line break in a
/// header value): reported, never silently changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location} {name:?} cannot carry this value: {reason}")]
pub struct Unsendable {
    /// `header`, `cookie`, `path`, ...
    pub location: String,
    /// The parameter or field name.
    pub name: String,
    /// Why not.
    pub reason: String,
}
