//! Headers added to every response: X-Powered-By (flaw 10), CORS that
//! reflects any Origin with credentials on `/health` (flaw 26), and
//! elsewhere a CORS check that trusts any origin ending in the demo's
//! domain (flaw 33: `https://evilapiprobe-demo.example` passes).

use super::DemoConfig;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The banner the flawed server sends.
pub(crate) const POWERED_BY: &str = "PHP/7.4.3";

/// The demo's own domain: its web app is `https://app.apiprobe-demo.example`.
pub(crate) const DEMO_DOMAIN: &str = "apiprobe-demo.example";
/// The web app's origin, sent when the caller's origin is not trusted.
const APP_ORIGIN: &str = "https://app.apiprobe-demo.example";

/// Whether the flawed CORS check trusts `origin`: any origin whose text
/// ends in the demo's domain (flaw 33), not only its subdomains over https.
fn trusted(origin: &str) -> bool {
    origin.ends_with(DEMO_DOMAIN)
}

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
    // flaw 26 on /health: any origin at all
    let any_origin = request.uri().path() == "/health";
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
        let allowed = if any_origin || origin.to_str().is_ok_and(trusted) {
            origin
        } else {
            HeaderValue::from_static(APP_ORIGIN)
        };
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allowed);
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
