//! The fast path for plain `http://` targets: hyper's HTTP/1.1 connection
//! API with a pool of our own, without reqwest's layers (URL parsing with
//! IDNA, redirect and retry services, proxy matching) and without
//! hyper-util's pool, which cost more than the request itself on loopback.
//! reqwest still carries every `https://` request, every request through a
//! proxy or with redirects followed, and any URL that reqwest would rewrite.
//!
//! A request takes an idle connection (or opens one) and drives it itself,
//! in its own task, until the response body is read: no connection task and
//! no wake-ups across tasks. A connection goes back to the pool only when
//! its response was read whole and the connection is still open.
//!
//! Both paths send the same bytes: the same default headers (`accept`,
//! `user-agent`, `host`), the same body and content type, and read the
//! response the same way (up to the body cap, failures named by
//! [`super::client`]).

use std::future::Future;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::client::conn::http1::{self, Connection, SendRequest};
use hyper::header::HeaderValue;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::client::{Read, USER_AGENT, failed, read_error, send_error};
use super::exchange::{Failure, FailureKind, Outcome, Response};
use super::wire;
use crate::generate::Request;

/// The bytes a URL may hold for this path: printable ASCII but those that
/// reqwest's URL parser percent-encodes or rewrites (a backslash, a quote).
const VERBATIM: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = byte.is_ascii_graphic()
            && !matches!(
                byte,
                b'"' | b'<' | b'>' | b'`' | b'{' | b'}' | b'\\' | b'^' | b'|' | b'\'' | b'#'
            );
        b += 1;
    }
    table
};

/// The body type of every request on this path.
type Body = Full<Bytes>;

/// One open connection: the handle that sends on it and the state machine
/// that reads and writes it (polled by whoever holds it).
struct Conn {
    authority: Box<str>,
    sender: SendRequest<Body>,
    /// `None` once it ended: dropped, so that hyper hands back a request
    /// it never wrote.
    io: Option<Pin<Box<Io>>>,
}

/// The connection's state machine.
type Io = Connection<TokioIo<TcpStream>, Body>;

/// An HTTP/1.1 client for `http://` URLs, with a pool of idle connections.
#[derive(Clone)]
pub(crate) struct Plain {
    idle: Arc<Mutex<Vec<Conn>>>,
    max_idle: usize,
    connect_timeout: Duration,
}

impl std::fmt::Debug for Plain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plain")
            .field("max_idle", &self.max_idle)
            .field("connect_timeout", &self.connect_timeout)
            .finish_non_exhaustive()
    }
}

/// Why a request was not answered on a connection.
enum SendFailed {
    /// The connection was closed before the request was written: it can be
    /// sent again on another.
    Unsent(Box<hyper::Request<Body>>),
    /// The request may have reached the server.
    Failed(Failure),
}

/// A TCP connection that could not be made.
#[derive(Debug, thiserror::Error)]
#[error("tcp connect to {address}")]
struct ConnectError {
    address: String,
    #[source]
    source: std::io::Error,
}

impl Plain {
    /// A client that keeps at most `max_idle` idle connections open and
    /// gives up connecting after `connect_timeout`.
    pub(crate) fn new(max_idle: usize, connect_timeout: Duration) -> Plain {
        Plain {
            idle: Arc::new(Mutex::new(Vec::new())),
            max_idle,
            connect_timeout,
        }
    }

    /// The URI for `url` when this path can send it as reqwest would: plain
    /// `http://`, and nothing that reqwest's URL parser would rewrite (bytes
    /// it percent-encodes, a backslash it turns into a slash, dot segments it
    /// removes, a host it normalises, credentials it turns into a header).
    /// Anything else goes through reqwest, so both paths put the same
    /// request on the wire.
    pub(crate) fn uri(url: &str) -> Option<hyper::Uri> {
        let rest = url
            .get(..7)
            .filter(|s| s.eq_ignore_ascii_case("http://"))
            .and_then(|_| url.get(7..))?;
        let verbatim = rest.bytes().all(|b| VERBATIM[usize::from(b)]);
        let end = rest
            .bytes()
            .position(|b| b == b'/' || b == b'?')
            .unwrap_or(rest.len());
        let authority = rest.get(..end).unwrap_or("");
        if !verbatim || !canonical_authority(authority) || has_dot_segment(rest) {
            return None;
        }
        url.parse::<hyper::Uri>().ok()
    }

    /// Sends `request` to `uri` and reads the response, at most `cap` body bytes.
    pub(crate) async fn fetch(&self, uri: hyper::Uri, request: &Request, cap: usize) -> Outcome {
        let mut parts = uri.into_parts();
        let Some(authority) = parts.authority.take() else {
            return failed(FailureKind::Other, "the URL names no host".into());
        };
        let mut outgoing = match hyper_request(request, &authority, parts.path_and_query) {
            Ok(r) => r,
            Err(outcome) => return outcome,
        };
        let mut reused = self.checkout(authority.as_str());
        loop {
            let fresh = reused.is_none();
            let mut conn = match reused.take() {
                Some(conn) => conn,
                None => match self.connect(&authority).await {
                    Ok(conn) => conn,
                    Err(failure) => return Outcome::Failed(failure),
                },
            };
            match send(&mut conn, outgoing).await {
                Ok(response) => return self.read(conn, response, cap).await,
                // an idle connection the server had closed: once more on a
                // new one, as hyper-util's pool does
                Err(SendFailed::Unsent(again)) if !fresh => outgoing = *again,
                Err(SendFailed::Unsent(_)) => {
                    return failed(
                        FailureKind::Closed,
                        "the connection closed before the request was sent".into(),
                    );
                }
                Err(SendFailed::Failed(failure)) => return Outcome::Failed(failure),
            }
        }
    }

    /// Reads the response body (driving the connection) and gives the
    /// connection back when it can carry another request.
    async fn read(
        &self,
        mut conn: Conn,
        response: hyper::Response<hyper::body::Incoming>,
        cap: usize,
    ) -> Outcome {
        let status = response.status().as_u16();
        let (version, headers) = wire::response_head(response.version(), response.headers());
        let mut body = response.into_body();
        let mut read = Read::new(cap);
        let mut whole = true;
        loop {
            match drive(&mut conn.io, body.frame()).await {
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data()
                        && read.push(&data)
                    {
                        // dropping the connection closes it with the rest unread
                        whole = false;
                        break;
                    }
                }
                Some(Err(e)) => return Outcome::Failed(read_error(&e)),
                None => break,
            }
        }
        if whole && still_open(&mut conn) {
            self.checkin(conn);
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

    /// An idle connection to `authority`, if there is one.
    fn checkout(&self, authority: &str) -> Option<Conn> {
        let mut idle = self.idle.lock().ok()?;
        let at = idle.iter().rposition(|c| &*c.authority == authority)?;
        Some(idle.swap_remove(at))
    }

    /// Keeps `conn` for a later request, unless the pool is full.
    fn checkin(&self, conn: Conn) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < self.max_idle
        {
            idle.push(conn);
        }
    }

    /// Opens a connection to `authority` (port 80 unless it names one).
    async fn connect(&self, authority: &hyper::http::uri::Authority) -> Result<Conn, Failure> {
        let host = authority.host();
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let port = authority.port_u16().unwrap_or(80);
        let failed = |source: std::io::Error| {
            send_error(
                &ConnectError {
                    address: authority.as_str().to_owned(),
                    source,
                },
                true,
            )
        };
        let stream = match tokio::time::timeout(
            self.connect_timeout,
            TcpStream::connect((host, port)),
        )
        .await
        {
            Ok(Ok(stream)) => stream,
            Ok(Err(e)) => return Err(failed(e)),
            Err(_) => {
                return Err(failed(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!(
                        "no connection within {} ms",
                        self.connect_timeout.as_millis()
                    ),
                )));
            }
        };
        // a lost nodelay costs latency, not correctness
        let _ = stream.set_nodelay(true);
        let (sender, io) = match http1::handshake(TokioIo::new(stream)).await {
            Ok(pair) => pair,
            Err(e) => return Err(send_error(&e, true)),
        };
        Ok(Conn {
            authority: authority.as_str().into(),
            sender,
            io: Some(Box::pin(io)),
        })
    }
}

/// The request as hyper sends it on a connection to `authority`: origin
/// form (the path and query only), the case's headers and body, and
/// reqwest's defaults (`accept`, `user-agent`, `host` without the default
/// port), so both paths send the same request.
fn hyper_request(
    request: &Request,
    authority: &hyper::http::uri::Authority,
    path: Option<hyper::http::uri::PathAndQuery>,
) -> Result<hyper::Request<Body>, Outcome> {
    let body = match &request.body {
        Some(b) => Full::new(Bytes::from(b.bytes.clone())),
        None => Full::new(Bytes::new()),
    };
    let mut outgoing = hyper::Request::new(body);
    *outgoing.method_mut() = wire::method(request.method);
    if let Some(path) = path
        && path.as_str() != "/"
    {
        let mut origin = hyper::http::uri::Parts::default();
        origin.path_and_query = Some(path);
        if let Ok(uri) = hyper::Uri::from_parts(origin) {
            *outgoing.uri_mut() = uri;
        }
    }
    *outgoing.headers_mut() = wire::request_headers(request)?;
    let headers = outgoing.headers_mut();
    if !headers.contains_key(hyper::header::ACCEPT) {
        headers.insert(hyper::header::ACCEPT, HeaderValue::from_static("*/*"));
    }
    if !headers.contains_key(hyper::header::USER_AGENT) {
        headers.insert(
            hyper::header::USER_AGENT,
            HeaderValue::from_static(USER_AGENT),
        );
    }
    if !headers.contains_key(hyper::header::HOST) {
        let host = authority
            .as_str()
            .strip_suffix(":80")
            .unwrap_or(authority.as_str());
        let Ok(value) = HeaderValue::from_str(host) else {
            return Err(failed(
                FailureKind::Other,
                format!("the host {host:?} cannot be sent"),
            ));
        };
        headers.insert(hyper::header::HOST, value);
    }
    Ok(outgoing)
}

/// Sends `request` on `conn` and waits for the response head.
async fn send(
    conn: &mut Conn,
    request: hyper::Request<Body>,
) -> Result<hyper::Response<hyper::body::Incoming>, SendFailed> {
    if drive(&mut conn.io, conn.sender.ready()).await.is_err() {
        return Err(SendFailed::Unsent(Box::new(request)));
    }
    match drive(&mut conn.io, conn.sender.try_send_request(request)).await {
        Ok(response) => Ok(response),
        Err(mut e) => match e.take_message() {
            Some(unsent) => Err(SendFailed::Unsent(Box::new(unsent))),
            None => Err(SendFailed::Failed(send_error(e.error(), false))),
        },
    }
}

/// Polls `future` and the connection together until `future` is done.
/// When the connection ends first, its state machine is dropped (`io`
/// becomes `None`): hyper then settles what it still owed, a request it
/// never wrote handed back, a body's buffered bytes and its end or error.
async fn drive<F: Future>(io: &mut Option<Pin<Box<Io>>>, future: F) -> F::Output {
    let mut future = pin!(future);
    std::future::poll_fn(|cx| {
        if let Poll::Ready(out) = future.as_mut().poll(cx) {
            return Poll::Ready(out);
        }
        let Some(conn) = io.as_mut() else {
            return Poll::Pending;
        };
        if conn.as_mut().poll(cx).is_ready() {
            // an ended connection is never polled again
            *io = None;
        }
        // what the connection just did is often all the future waited for
        future.as_mut().poll(cx)
    })
    .await
}

/// Whether the connection can carry another request: polled once, it has
/// not ended (the server did not close it or ask to).
fn still_open(conn: &mut Conn) -> bool {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    !conn.sender.is_closed()
        && conn
            .io
            .as_mut()
            .is_some_and(|io| io.as_mut().poll(&mut cx).is_pending())
}

/// Whether an authority is one reqwest sends as it is: no credentials (it
/// turns them into an `authorization` header), no percent-encoding or upper
/// case in the host (it decodes and lower-cases), and an IP address only in
/// its canonical form (it rewrites `127.1` and `0x7f.0.0.1`).
fn canonical_authority(authority: &str) -> bool {
    if authority.is_empty()
        || authority
            .bytes()
            .any(|b| matches!(b, b'@' | b'%') || b.is_ascii_uppercase())
    {
        return false;
    }
    if let Some(inner) = authority.strip_prefix('[') {
        let Some((address, port)) = inner.split_once(']') else {
            return false;
        };
        return canonical_port(port)
            && address
                .parse::<Ipv6Addr>()
                .is_ok_and(|ip| ip.to_string() == address);
    }
    let (host, port) = match authority.find(':') {
        Some(at) => authority.split_at(at),
        None => (authority, ""),
    };
    if !canonical_port(port) {
        return false;
    }
    let last = host.rsplit('.').next().unwrap_or("");
    let numeric = !last.is_empty()
        && (last.bytes().all(|b| b.is_ascii_digit())
            || last
                .strip_prefix("0x")
                .is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit())));
    // std parses only the dotted-quad form; a zero that leads an octet is
    // octal to reqwest
    !numeric
        || (host.parse::<Ipv4Addr>().is_ok()
            && host
                .split('.')
                .all(|octet| octet == "0" || !octet.starts_with('0')))
}

/// Whether the port part of an authority (`""` or `:DIGITS`) is written as
/// reqwest writes it: no empty port, no leading zero.
fn canonical_port(port: &str) -> bool {
    match port.strip_prefix(':') {
        None => port.is_empty(),
        Some(digits) => {
            !digits.is_empty()
                && !digits.starts_with('0')
                && digits.bytes().all(|b| b.is_ascii_digit())
        }
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
        // what reqwest's URL parser normalises in the host, too
        assert!(Plain::uri("http://user:pw@127.0.0.1/").is_none());
        assert!(Plain::uri("http://LOCALHOST/").is_none());
        assert!(Plain::uri("http://127.1/").is_none());
        assert!(Plain::uri("http://0x7f.0.0.1/").is_none());
        assert!(Plain::uri("http://127.0.0.01/").is_none());
        assert!(Plain::uri("http://loc%61lhost/").is_none());
        assert!(Plain::uri("http://[::0001]:8080/").is_none());
        assert!(Plain::uri("http://[::1]:8080/a").is_some());
        assert!(Plain::uri("http://127.0.0.1:080/").is_none());
        assert!(Plain::uri("http://127.0.0.1:/").is_none());
        assert!(Plain::uri("http://[::1]:08080/").is_none());
        assert!(Plain::uri("http://127.0.0.1:80/").is_some());
        assert!(Plain::uri("http://api.example.test:8080/a").is_some());
        assert!(Plain::uri("http://127.0.0.1.example/a").is_some());
        // dots inside a segment are only dots
        assert!(Plain::uri("http://127.0.0.1/files/a..b/.env?x=..").is_some());
    }
}
