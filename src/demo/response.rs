//! Small helpers to build the demo's responses and read its bodies.

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// A JSON response.
pub(crate) fn json(status: StatusCode, value: Value) -> Response {
    (status, axum::Json(value)).into_response()
}

/// A JSON error: `{"error": message}`.
pub(crate) fn error(status: StatusCode, message: &str) -> Response {
    json(status, json!({ "error": message }))
}

/// 401 for a missing or invalid token.
pub(crate) fn unauthorized() -> Response {
    error(StatusCode::UNAUTHORIZED, "missing or invalid bearer token")
}

/// A request the demo refuses with 400 and this message.
pub(crate) struct Rejection(pub(crate) String);

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        error(StatusCode::BAD_REQUEST, &self.0)
    }
}

/// The body as a JSON object, or a rejection.
pub(crate) fn object(body: &Bytes) -> Result<serde_json::Map<String, Value>, Rejection> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Rejection("expected a JSON object".to_owned())),
        Err(_) => Err(Rejection("invalid JSON body".to_owned())),
    }
}

/// A required string field of a JSON object, or a 400 response.
pub(crate) fn string_field<'a>(
    map: &'a serde_json::Map<String, Value>,
    name: &str,
) -> Result<&'a str, Rejection> {
    map.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| Rejection(format!("field '{name}' is required and must be a string")))
}

/// A path segment, like `Path<String>`, whose rejection (e.g. percent-encoded
/// bytes that are not UTF-8) is the demo's documented JSON 400 rather than
/// axum's plain-text one.
pub(crate) struct Segment(pub(crate) String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Segment {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<String>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(segment)) => Ok(Segment(segment)),
            Err(rejection) => Err(error(StatusCode::BAD_REQUEST, &rejection.body_text())),
        }
    }
}
