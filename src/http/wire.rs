//! The request and response in the `http` crate's types, for reqwest's
//! path ([`super::client`]) and the in-process fuzz service: the method, the
//! request headers, and the response's version and headers. The fast path
//! ([`super::h1`]) writes and reads the same things as bytes.

use http::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};

use super::client::failed;
use super::exchange::{FailureKind, Outcome};
use super::request::Request;
use crate::model::Method;

/// The `http` method of `method`.
pub(crate) fn method(method: Method) -> http::Method {
    match method {
        Method::Get => http::Method::GET,
        Method::Put => http::Method::PUT,
        Method::Post => http::Method::POST,
        Method::Delete => http::Method::DELETE,
        Method::Options => http::Method::OPTIONS,
        Method::Head => http::Method::HEAD,
        Method::Patch => http::Method::PATCH,
        Method::Trace => http::Method::TRACE,
    }
}

/// The request's headers, its body's content type among them; a failed
/// outcome when a header cannot be sent as given.
pub(crate) fn request_headers(request: &Request) -> Result<HeaderMap, Outcome> {
    let mut headers = HeaderMap::with_capacity(request.headers.len() + 3);
    for (name, value) in &request.headers {
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(value.as_bytes()),
        ) else {
            return Err(failed(
                FailureKind::Other,
                format!("header {name:?} cannot be sent as given"),
            ));
        };
        headers.append(name, value);
    }
    if let Some(body) = &request.body
        && let Ok(value) = HeaderValue::from_str(&body.content_type)
    {
        headers.insert(CONTENT_TYPE, value);
    }
    Ok(headers)
}

/// A response's version as text (`HTTP/1.1`) and its headers as (lower-case
/// name, lossy value) pairs, in order.
pub(crate) fn response_head(
    version: http::Version,
    headers: &HeaderMap,
) -> (&'static str, Vec<(String, String)>) {
    let version = match version {
        http::Version::HTTP_09 => "HTTP/0.9",
        http::Version::HTTP_10 => "HTTP/1.0",
        http::Version::HTTP_2 => "HTTP/2",
        http::Version::HTTP_3 => "HTTP/3",
        _ => "HTTP/1.1",
    };
    let headers = headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    (version, headers)
}
