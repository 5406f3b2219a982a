//! Headers added to every response: X-Powered-By (flaw 10) and CORS that
//! reflects any Origin with credentials (flaw 26).

use super::DemoConfig;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The banner the flawed server sends.
pub(crate) const POWERED_BY: &str = "PHP/7.4.3";

/// Adds the flawed server's banner and CORS headers; the fixed server adds none.
pub(crate) async fn headers(
    State(config): State<DemoConfig>,
    request: Request,
    next: Next,
) -> Response {
    if config.fixed {
        return next.run(request).await;
    }
    let origin = request.headers().get(header::ORIGIN).cloned();
    let preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut response = match (&origin, preflight) {
        (Some(_), true) => (StatusCode::NO_CONTENT, Body::empty()).into_response(),
        _ => next.run(request).await,
    };
    let headers = response.headers_mut();
    headers.insert("x-powered-by", HeaderValue::from_static(POWERED_BY));
    if let Some(origin) = origin {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
        if preflight {
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, POST, PUT, DELETE, OPTIONS"),
            );
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("Authorization, Content-Type"),
            );
        }
    }
    response
}
