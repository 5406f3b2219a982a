//! The fast path for plain `http://` targets: hyper's pooled HTTP/1.1 client,
//! without reqwest's layers (URL parsing with IDNA, redirect and retry
//! services, proxy matching) that cost more than the request itself on
//! loopback. reqwest still carries every `https://` request, every request
//! through a proxy or with redirects followed, and any URL that `http::Uri`
//! does not take as it is.
//!
//! Both paths send the same bytes: the same default headers (`accept`,
//! `user-agent`), the same body and content type, and read the response the
//! same way (up to the body cap, failures named by [`super::client`]).

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::header::{HeaderName, HeaderValue};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::client::{Read, USER_AGENT, failed, read_error, send_error};
use super::exchange::{FailureKind, Outcome, Response};
use crate::generate::Request;
use crate::model::Method;

/// A pooled HTTP/1.1 client for `http://` URLs.
#[derive(Debug, Clone)]
pub(crate) struct Plain {
    inner: HyperClient<HttpConnector, Full<Bytes>>,
}

impl Plain {
    /// A client that keeps `max_idle_per_host` connections open per host and
    /// gives up connecting after `connect_timeout`.
    pub(crate) fn new(max_idle_per_host: usize, connect_timeout: Duration) -> Plain {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(connect_timeout));
        // the `http://` check is ours: the connector need not refuse https
        connector.enforce_http(true);
        let inner = HyperClient::builder(TokioExecutor::new())
            .pool_max_idle_per_host(max_idle_per_host)
            .build(connector);
        Plain { inner }
    }

    /// The URI for `url` when this path can send it as reqwest would: plain
    /// `http://`, and nothing that reqwest's URL parser would rewrite (bytes
    /// it percent-encodes, a backslash it turns into a slash, dot segments it
    /// removes). Anything else goes through reqwest, so both paths put the
    /// same request line on the wire.
    pub(crate) fn uri(url: &str) -> Option<hyper::Uri> {
        let rest = url
            .get(..7)
            .filter(|s| s.eq_ignore_ascii_case("http://"))
            .and_then(|_| url.get(7..))?;
        let verbatim = rest.bytes().all(|b| {
            b.is_ascii_graphic()
                && !matches!(
                    b,
                    b'"' | b'<' | b'>' | b'`' | b'{' | b'}' | b'\\' | b'^' | b'|' | b'\'' | b'#'
                )
        });
        if !verbatim || has_dot_segment(rest) {
            return None;
        }
        url.parse::<hyper::Uri>().ok()
    }

    /// Sends `request` to `uri` and reads the response, at most `cap` body bytes.
    pub(crate) async fn fetch(&self, uri: hyper::Uri, request: &Request, cap: usize) -> Outcome {
        let method = match request.method {
            Method::Get => hyper::Method::GET,
            Method::Put => hyper::Method::PUT,
            Method::Post => hyper::Method::POST,
            Method::Delete => hyper::Method::DELETE,
            Method::Options => hyper::Method::OPTIONS,
            Method::Head => hyper::Method::HEAD,
            Method::Patch => hyper::Method::PATCH,
            Method::Trace => hyper::Method::TRACE,
        };
        let body = match &request.body {
            Some(b) => Full::new(Bytes::from(b.bytes.clone())),
            None => Full::new(Bytes::new()),
        };
        let mut outgoing = hyper::Request::new(body);
        *outgoing.method_mut() = method;
        *outgoing.uri_mut() = uri;
        let headers = outgoing.headers_mut();
        headers.reserve(request.headers.len() + 3);
        for (name, value) in &request.headers {
            let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_bytes(value.as_bytes()),
            ) else {
                return failed(
                    FailureKind::Other,
                    format!("header {name:?} cannot be sent as given"),
                );
            };
            headers.append(name, value);
        }
        if let Some(b) = &request.body
            && let Ok(value) = HeaderValue::from_str(&b.content_type)
        {
            headers.insert(hyper::header::CONTENT_TYPE, value);
        }
        // reqwest's defaults, so both paths send the same request
        if !headers.contains_key(hyper::header::ACCEPT) {
            headers.insert(hyper::header::ACCEPT, HeaderValue::from_static("*/*"));
        }
        if !headers.contains_key(hyper::header::USER_AGENT) {
            headers.insert(
                hyper::header::USER_AGENT,
                HeaderValue::from_static(USER_AGENT),
            );
        }
        let response = match self.inner.request(outgoing).await {
            Ok(r) => r,
            Err(e) => return Outcome::Failed(send_error(&e, e.is_connect())),
        };
        let status = response.status().as_u16();
        let version = match response.version() {
            hyper::Version::HTTP_09 => "HTTP/0.9",
            hyper::Version::HTTP_10 => "HTTP/1.0",
            hyper::Version::HTTP_2 => "HTTP/2",
            hyper::Version::HTTP_3 => "HTTP/3",
            _ => "HTTP/1.1",
        };
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = response.into_body();
        let mut read = Read::new(cap);
        loop {
            match body.frame().await {
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data()
                        && read.push(&data)
                    {
                        // dropping the body closes the connection unread
                        break;
                    }
                }
                None => break,
                Some(Err(e)) => return Outcome::Failed(read_error(&e)),
            }
        }
        let (body, truncated) = read.finish();
        Outcome::Response(Response {
            status,
            version,
            headers,
            body,
            truncated,
        })
    }
}

/// Whether the path holds a `.` or `..` segment, also percent-encoded
/// (`%2e`), which URL parsers remove.
fn has_dot_segment(rest: &str) -> bool {
    let path = rest.split('?').next().unwrap_or("");
    path.split('/').skip(1).any(|segment| {
        let plain = segment.to_ascii_lowercase().replace("%2e", ".");
        plain == "." || plain == ".."
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_http_urls_take_the_fast_path() {
        assert!(Plain::uri("http://127.0.0.1:8080/a/b?x=1").is_some());
        assert!(Plain::uri("HTTP://localhost/").is_some());
        assert!(Plain::uri("https://127.0.0.1/").is_none());
        // what http::Uri refuses goes through reqwest, which encodes it
        assert!(Plain::uri("http://127.0.0.1/a b").is_none());
        assert!(Plain::uri("http://127.0.0.1/caf\u{e9}").is_none());
        assert!(Plain::uri("ftp://127.0.0.1/").is_none());
        assert!(Plain::uri("http:/").is_none());
        // what reqwest's URL parser rewrites is left to reqwest
        assert!(Plain::uri("http://127.0.0.1/files/../etc/passwd").is_none());
        assert!(Plain::uri("http://127.0.0.1/files/%2E%2e/x").is_none());
        assert!(Plain::uri("http://127.0.0.1/a/.").is_none());
        assert!(Plain::uri("http://127.0.0.1/a\\b").is_none());
        assert!(Plain::uri("http://127.0.0.1/a?q='1").is_none());
        // dots inside a segment are only dots
        assert!(Plain::uri("http://127.0.0.1/files/a..b/.env?x=..").is_some());
    }
}
