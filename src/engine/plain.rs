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
use hyper::header::HeaderValue;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::client::{Read, USER_AGENT, read_error, send_error};
use super::exchange::{Outcome, Response};
use super::wire;
use crate::generate::Request;

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
        let body = match &request.body {
            Some(b) => Full::new(Bytes::from(b.bytes.clone())),
            None => Full::new(Bytes::new()),
        };
        let mut outgoing = hyper::Request::new(body);
        *outgoing.method_mut() = wire::method(request.method);
        *outgoing.uri_mut() = uri;
        *outgoing.headers_mut() = match wire::request_headers(request) {
            Ok(h) => h,
            Err(failed) => return failed,
        };
        let headers = outgoing.headers_mut();
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
        let (version, headers) = wire::response_head(response.version(), response.headers());
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
    path.split('/').skip(1).any(is_dot_segment)
}

/// Whether a path segment is `.` or `..`, each dot plain or `%2e` (any case),
/// without allocating: this runs on every request of the fast path.
fn is_dot_segment(segment: &str) -> bool {
    let mut rest = segment.as_bytes();
    let mut dots = 0;
    while !rest.is_empty() {
        if rest[0] == b'.' {
            rest = &rest[1..];
        } else if rest.len() >= 3
            && rest[0] == b'%'
            && rest[1] == b'2'
            && rest[2].eq_ignore_ascii_case(&b'e')
        {
            rest = &rest[3..];
        } else {
            return false;
        }
        dots += 1;
    }
    matches!(dots, 1 | 2)
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
