//! Sending a generated request to a tower service in-process: no socket, no
//! client, the same [`Exchange`] a scan judges.

use std::fmt::Display;
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes};
use http_body_util::{BodyExt, Full};
use tower::{Service, ServiceExt};

use crate::http::Request;
use crate::http::{Exchange, Failure, FailureKind, Outcome, Response, SentRequest};

/// The request body type the in-process path sends.
pub type ReqBody = Full<Bytes>;

/// `request` as an `http::Request` for a service mounted at `base_url` (its
/// scheme, host and port become the `Host` header, its path prefixes the
/// request's path). The URL is parsed as a client would before sending, so
/// characters a URL cannot carry raw are percent-encoded exactly as on the
/// wire. Adds what a client adds: `host`, `user-agent`, `accept`,
/// `content-type` and `content-length`. Returns the full URL too, or a
/// failure when the URL or a header cannot be sent at all.
pub fn to_http(
    base_url: &str,
    request: &Request,
) -> Result<(String, http::Request<ReqBody>), Failure> {
    let joined = crate::http::join_url(base_url, request);
    let url = url::Url::parse(&joined).map_err(|e| Failure {
        kind: FailureKind::Other,
        message: format!("the URL {joined:?} cannot be sent: {e}"),
    })?;
    let target = &url[url::Position::BeforePath..url::Position::AfterQuery];
    let method = crate::http::wire::method(request.method);
    let unsendable = |what: String| Failure {
        kind: FailureKind::Other,
        message: what,
    };
    let mut builder = http::Request::builder()
        .method(method)
        .uri(target)
        .version(http::Version::HTTP_11);
    let has = |name: &str| {
        request
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    };
    let mut headers = http::HeaderMap::with_capacity(request.headers.len() + 5);
    for (name, value) in &request.headers {
        let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            http::HeaderValue::from_bytes(value.as_bytes()),
        ) else {
            return Err(unsendable(format!(
                "header {name:?} cannot be sent as given"
            )));
        };
        headers.append(name, value);
    }
    let mut defaults: Vec<(http::HeaderName, String)> = Vec::new();
    if !has("host") {
        let host = match (url.host_str(), url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            (None, _) => "localhost".to_owned(),
        };
        defaults.push((http::header::HOST, host));
    }
    if !has("user-agent") {
        defaults.push((
            http::header::USER_AGENT,
            concat!("apiprobe/", env!("CARGO_PKG_VERSION")).to_owned(),
        ));
    }
    if !has("accept") {
        defaults.push((http::header::ACCEPT, "*/*".to_owned()));
    }
    let body = match &request.body {
        Some(body) => {
            defaults.push((http::header::CONTENT_TYPE, body.content_type.clone()));
            defaults.push((http::header::CONTENT_LENGTH, body.bytes.len().to_string()));
            Bytes::from(body.bytes.clone())
        }
        None => Bytes::new(),
    };
    for (name, value) in defaults {
        if let Ok(value) = http::HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    if let Some(h) = builder.headers_mut() {
        *h = headers;
    }
    let request = builder
        .body(Full::new(body))
        .map_err(|e| unsendable(format!("the request cannot be built: {e}")))?;
    Ok((joined, request))
}

/// Sends `http` to `service` (once ready) and reads the response, its body
/// capped at `cap` bytes, all within `timeout`. Never fails: a service
/// error is a closed connection (what a client of a real server would see),
/// a body that fails is an aborted body.
pub(crate) async fn send<S, B>(
    service: S,
    http: http::Request<ReqBody>,
    timeout: Duration,
    cap: usize,
) -> (Outcome, Duration)
where
    S: Service<http::Request<ReqBody>, Response = http::Response<B>>,
    S::Error: Display,
    B: http_body::Body,
    B::Error: Display,
{
    let started = Instant::now();
    let outcome = match tokio::time::timeout(timeout, fetch(service, http, cap)).await {
        Ok(outcome) => outcome,
        Err(_) => Outcome::Failed(Failure {
            kind: FailureKind::Timeout,
            message: format!("no complete response within {} ms", timeout.as_millis()),
        }),
    };
    (outcome, started.elapsed())
}

async fn fetch<S, B>(service: S, http: http::Request<ReqBody>, cap: usize) -> Outcome
where
    S: Service<http::Request<ReqBody>, Response = http::Response<B>>,
    S::Error: Display,
    B: http_body::Body,
    B::Error: Display,
{
    let response = match service.oneshot(http).await {
        Ok(r) => r,
        Err(e) => {
            return Outcome::Failed(Failure {
                kind: FailureKind::Closed,
                message: format!("the service failed: {e}"),
            });
        }
    };
    let (parts, body) = response.into_parts();
    let version = match parts.version {
        http::Version::HTTP_09 => "HTTP/0.9",
        http::Version::HTTP_10 => "HTTP/1.0",
        http::Version::HTTP_2 => "HTTP/2",
        http::Version::HTTP_3 => "HTTP/3",
        _ => "HTTP/1.1",
    };
    let headers = parts
        .headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let mut body = std::pin::pin!(body);
    let mut bytes = Vec::new();
    let mut truncated = false;
    loop {
        let frame = body.as_mut().frame().await;
        match frame {
            None => break,
            Some(Err(e)) => {
                return Outcome::Failed(Failure {
                    kind: FailureKind::BodyAborted,
                    message: format!("the response body failed: {e}"),
                });
            }
            Some(Ok(frame)) => {
                let Ok(mut data) = frame.into_data() else {
                    continue; // trailers
                };
                let data = data.copy_to_bytes(data.remaining());
                let room = cap.saturating_sub(bytes.len());
                if data.len() > room {
                    bytes.extend_from_slice(&data[..room]);
                    truncated = true;
                    break;
                }
                bytes.extend_from_slice(&data);
            }
        }
    }
    Outcome::Response(Response {
        status: parts.status.as_u16(),
        version,
        headers,
        body: bytes,
        truncated,
    })
}

/// The exchange of a request that never reached the service.
pub(crate) fn unsent(url: String, request: Request, failure: Failure) -> Exchange {
    Exchange {
        request: SentRequest { url, request },
        outcome: Outcome::Failed(failure),
        elapsed: Duration::ZERO,
    }
}
