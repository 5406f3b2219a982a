//! The fast path for `http://` and `https://` targets: HTTP/1.1 spoken on
//! tokio's `TcpStream` directly, or on rustls over it ([`super::stream`],
//! [`super::tls`]), ([`super::h1`]), with a pool of idle connections of
//! its own, without reqwest's layers (URL parsing with IDNA, redirect and
//! retry services, proxy matching) and without hyper's client machinery
//! (dispatcher, channels, header maps), which cost more than the request
//! itself on loopback. reqwest still carries every request through a proxy
//! or with redirects followed, `https://` to a server that refuses
//! `http/1.1` in ALPN (HTTP/2 only), and any URL or header that reqwest
//! would rewrite or frame its own way.
//!
//! A request takes an idle connection (or opens one), writes its bytes and
//! reads the response in its own task: no connection task and no wake-ups
//! across tasks. A connection goes back to the pool only when its response
//! was read whole and nothing followed it.
//!
//! Both paths send the same bytes: the same default headers (`accept`,
//! `user-agent`, `host`), the same body and content type, and read the
//! response the same way (up to the body cap, failures named as
//! [`super::client`] names them).

use std::collections::HashSet;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpStream;

use super::client::{USER_AGENT, failed, send_error};
use super::exchange::{Failure, FailureKind, Outcome};
use super::h1;
use super::request::Request;
use super::stream::{Idle, Stream, idle_state};
use super::tls;
use crate::model::Method;

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

/// The read buffer a connection starts with.
const INPUT_BUFFER: usize = 8 * 1024;
/// The largest read buffer an idle connection keeps.
const MAX_IDLE_BUFFER: usize = 64 * 1024;

/// One open connection and its buffers (kept with it, so that a request
/// allocates none).
struct Conn {
    authority: Box<str>,
    /// Over TLS (`https://`).
    tls: bool,
    stream: Stream,
    /// Bytes read off the stream.
    input: Vec<u8>,
    /// The request being written.
    output: Vec<u8>,
}

/// An HTTP/1.1 client for `http://` and `https://` URLs, with a pool of
/// idle connections.
#[derive(Clone)]
pub(crate) struct Plain {
    idle: Arc<Mutex<Vec<Conn>>>,
    max_idle: usize,
    connect_timeout: Duration,
    /// The rustls configuration for `https://` (one for the client: its
    /// session cache resumes sessions); `None`: `https://` goes through
    /// reqwest.
    tls: Option<Arc<rustls::ClientConfig>>,
    /// Authorities whose TLS handshake failed on ALPN (a server that
    /// speaks HTTP/2 only): reqwest carries their requests.
    alpn_refused: Arc<Mutex<HashSet<Box<str>>>>,
    /// Whether `alpn_refused` holds any (read without the lock).
    any_alpn_refused: Arc<AtomicBool>,
    /// Connections dropped because bytes arrived on them that no request
    /// asked for (an unrequested response): while idle, or right after a
    /// whole response.
    unrequested: Arc<AtomicU64>,
    /// Requests sent again on a new connection because a reused one failed
    /// before any byte of the answer.
    resent: Arc<AtomicU64>,
}

impl std::fmt::Debug for Plain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plain")
            .field("max_idle", &self.max_idle)
            .field("connect_timeout", &self.connect_timeout)
            .finish_non_exhaustive()
    }
}

/// Where a URL of this path goes: where its authority (`host[:port]`,
/// after `http://` or `https://`) ends, the path and query following it,
/// the port, and whether it is over TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Target {
    /// The start of the authority (after the scheme).
    authority_start: usize,
    /// The end of the authority.
    authority_end: usize,
    port: u16,
    /// `https://`.
    tls: bool,
}

/// What the fast path did with a request.
pub(crate) enum Fetched {
    /// Sent, and this came back.
    Outcome(Outcome),
    /// Not sent: the server refused `http/1.1` in the TLS handshake; the
    /// request is for reqwest (HTTP/2).
    Refused,
}

/// A TCP connection that could not be made.
#[derive(Debug, thiserror::Error)]
#[error("tcp connect to {address}")]
struct ConnectError {
    address: String,
    #[source]
    source: std::io::Error,
}

/// A TLS handshake that failed: named by its cause (rustls' error, or the
/// socket's), as reqwest's connector names it, so that both paths report
/// an unknown issuer, a wrong name or an expired certificate alike.
#[derive(Debug, thiserror::Error)]
#[error("handshake with {address}")]
struct HandshakeError {
    address: String,
    #[source]
    source: std::io::Error,
}

impl Plain {
    /// A client that keeps at most `max_idle` idle connections open, gives
    /// up connecting after `connect_timeout`, and speaks TLS with `tls`
    /// (`None`: no `https://`).
    pub(crate) fn new(
        max_idle: usize,
        connect_timeout: Duration,
        tls: Option<Arc<rustls::ClientConfig>>,
    ) -> Plain {
        Plain {
            idle: Arc::new(Mutex::new(Vec::new())),
            max_idle,
            connect_timeout,
            tls,
            alpn_refused: Arc::new(Mutex::new(HashSet::new())),
            any_alpn_refused: Arc::new(AtomicBool::new(false)),
            unrequested: Arc::new(AtomicU64::new(0)),
            resent: Arc::new(AtomicU64::new(0)),
        }
    }

    /// How many requests were sent again on a new connection because the
    /// reused one they went on failed before any byte of the answer.
    pub(crate) fn resent(&self) -> u64 {
        self.resent.load(Ordering::Relaxed)
    }

    /// How many idle connections were dropped because the server had sent
    /// bytes on them that no request asked for.
    pub(crate) fn unrequested(&self) -> u64 {
        self.unrequested.load(Ordering::Relaxed)
    }

    /// Where `url` goes when this path can send `request` to it as reqwest
    /// would: plain `http://`, nothing that reqwest's URL parser would
    /// rewrite (bytes it percent-encodes, a backslash it turns into a
    /// slash, dot segments it removes, a host it normalises, credentials it
    /// turns into a header), and no header that frames the message
    /// ([`h1::sendable`]). Anything else goes through reqwest, so both
    /// paths put the same request on the wire.
    pub(crate) fn target(url: &str, request: &Request) -> Option<Target> {
        let scheme = |name: &str| {
            url.get(..name.len())
                .is_some_and(|s| s.eq_ignore_ascii_case(name))
        };
        let (start, tls) = if scheme("http://") {
            (7, false)
        } else if scheme("https://") {
            (8, true)
        } else {
            return None;
        };
        let rest = url.get(start..)?;
        let verbatim = rest.bytes().all(|b| VERBATIM[usize::from(b)]);
        let end = rest
            .bytes()
            .position(|b| b == b'/' || b == b'?')
            .unwrap_or(rest.len());
        let authority = rest.get(..end).unwrap_or("");
        if !verbatim || !canonical_authority(authority) || has_dot_segment(rest) {
            return None;
        }
        let port = match split_port(authority).1 {
            Some(port) => port.parse().ok()?,
            None if tls => 443,
            None => 80,
        };
        if !h1::sendable(request) {
            return None;
        }
        Some(Target {
            authority_start: start,
            authority_end: start + end,
            port,
            tls,
        })
    }

    /// Whether this client sends to `target` of `url`: always for
    /// `http://`; for `https://` when it has a TLS configuration and the
    /// server has not refused `http/1.1`.
    pub(crate) fn takes(&self, url: &str, target: Target) -> bool {
        if !target.tls {
            return true;
        }
        self.tls.is_some() && !self.http1_refused(url, target)
    }

    /// Whether the `https://` server of `target` has refused `http/1.1` in
    /// ALPN (it speaks HTTP/2 only).
    pub(crate) fn http1_refused(&self, url: &str, target: Target) -> bool {
        if !target.tls || !self.any_alpn_refused.load(Ordering::Relaxed) {
            return false;
        }
        let authority = url
            .get(target.authority_start..target.authority_end)
            .unwrap_or("");
        self.alpn_refused
            .lock()
            .is_ok_and(|set| set.contains(authority))
    }

    /// Sends `request` to `url` (where [`Plain::target`] sends it) and reads
    /// the response, at most `cap` body bytes.
    pub(crate) async fn fetch(
        &self,
        url: &str,
        target: Target,
        request: &Request,
        cap: usize,
    ) -> Fetched {
        let authority = url
            .get(target.authority_start..target.authority_end)
            .unwrap_or("");
        let origin = match url.get(target.authority_end..).unwrap_or("") {
            "" => std::borrow::Cow::Borrowed("/"),
            query if query.starts_with('?') => std::borrow::Cow::Owned(format!("/{query}")),
            path => std::borrow::Cow::Borrowed(path),
        };
        // the URL parser drops the scheme's default port, and so does the
        // `host` header reqwest writes
        let default_port = if target.tls { ":443" } else { ":80" };
        let host = authority.strip_suffix(default_port).unwrap_or(authority);
        let head_request = request.method == Method::Head;
        let mut reused = self.checkout(authority, target.tls);
        loop {
            let fresh = reused.is_none();
            let mut conn = match reused.take() {
                Some(conn) => conn,
                None => match self.connect(authority, target.port, target.tls).await {
                    Ok(conn) => conn,
                    Err(Connect::Failed(failure)) => {
                        return Fetched::Outcome(Outcome::Failed(failure));
                    }
                    Err(Connect::AlpnRefused) => return Fetched::Refused,
                },
            };
            if let Err(h1::BadHeader(name)) =
                h1::encode(&mut conn.output, request, &origin, host, USER_AGENT)
            {
                self.checkin(conn);
                return Fetched::Outcome(failed(
                    FailureKind::Other,
                    format!("header {name:?} cannot be sent as given"),
                ));
            }
            let exchange = async {
                h1::write(&mut conn.stream, &conn.output).await?;
                h1::read(&mut conn.stream, &mut conn.input, head_request, cap).await
            };
            match exchange.await {
                Ok(answer) => {
                    if answer.reusable {
                        self.checkin(conn);
                    } else if answer.unrequested {
                        self.unrequested.fetch_add(1, Ordering::Relaxed);
                    }
                    return Fetched::Outcome(Outcome::Response(answer.response));
                }
                // an idle connection the server had closed (its close
                // crossed the request, e.g. a server that closes after a
                // 500 without saying so): once more on a new one, whatever
                // the method, so that only a failure on a fresh connection
                // can be taken for the server's
                Err(e) if !fresh && e.nothing_received => {
                    self.resent.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => return Fetched::Outcome(Outcome::Failed(e.failure)),
            }
        }
    }

    /// An idle connection to `authority` that the server has not closed
    /// and has sent nothing on, if there is one. The others are dropped: a
    /// close, or an unrequested response (counted), which would otherwise
    /// be read as the answer to the next request.
    fn checkout(&self, authority: &str, tls: bool) -> Option<Conn> {
        loop {
            let mut conn = {
                let mut idle = self.idle.lock().ok()?;
                let at = idle
                    .iter()
                    .rposition(|c| &*c.authority == authority && c.tls == tls)?;
                idle.swap_remove(at)
            };
            match idle_state(&mut conn.stream) {
                Idle::Quiet => return Some(conn),
                Idle::Closed => {}
                Idle::Unrequested => {
                    self.unrequested.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }

    /// Keeps `conn` for a later request, unless the pool is full.
    fn checkin(&self, mut conn: Conn) {
        // a huge response head grew the buffer: an idle connection keeps
        // no more than a usual one
        if conn.input.capacity() > MAX_IDLE_BUFFER {
            conn.input = Vec::with_capacity(INPUT_BUFFER);
        }
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < self.max_idle
        {
            idle.push(conn);
        }
    }

    /// Opens a connection to `authority`, over TLS when `tls`.
    async fn connect(&self, authority: &str, port: u16, tls: bool) -> Result<Conn, Connect> {
        let host = split_port(authority).0;
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let failed = |source: std::io::Error| {
            send_error(
                &ConnectError {
                    address: authority.to_owned(),
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
            Ok(Err(e)) => return Err(Connect::Failed(failed(e))),
            Err(_) => {
                return Err(Connect::Failed(failed(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!(
                        "no connection within {} ms",
                        self.connect_timeout.as_millis()
                    ),
                ))));
            }
        };
        // a lost nodelay costs latency, not correctness
        let _ = stream.set_nodelay(true);
        let stream = if tls {
            Stream::Tls(Box::new(self.handshake(authority, host, stream).await?))
        } else {
            Stream::Tcp(stream)
        };
        Ok(Conn {
            authority: authority.into(),
            tls,
            stream,
            input: Vec::with_capacity(INPUT_BUFFER),
            output: Vec::with_capacity(1024),
        })
    }
}

/// Why no connection was made.
enum Connect {
    /// Named as the reqwest path names it.
    Failed(Failure),
    /// The server refused `http/1.1` in ALPN: a request for reqwest.
    AlpnRefused,
}

impl Plain {
    /// The TLS handshake on `stream` for `host` (no brackets) of
    /// `authority`. A server that refuses ALPN's `http/1.1` is remembered
    /// (its requests go through reqwest from now on).
    async fn handshake(
        &self,
        authority: &str,
        host: &str,
        stream: TcpStream,
    ) -> Result<tokio_rustls::client::TlsStream<TcpStream>, Connect> {
        let failed = |source: std::io::Error| {
            Connect::Failed(send_error(
                &HandshakeError {
                    address: authority.to_owned(),
                    source,
                },
                true,
            ))
        };
        let (Some(config), Some(name)) = (&self.tls, tls::server_name(host)) else {
            return Err(failed(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("no TLS server name for {host:?}"),
            )));
        };
        let connector = tokio_rustls::TlsConnector::from(Arc::clone(config));
        match connector.connect(name, stream).await {
            Ok(tls) => Ok(tls),
            Err(e) if alpn_refused(&e) => {
                if let Ok(mut set) = self.alpn_refused.lock() {
                    set.insert(authority.into());
                    self.any_alpn_refused.store(true, Ordering::Relaxed);
                }
                Err(Connect::AlpnRefused)
            }
            Err(e) => Err(failed(e)),
        }
    }
}

/// Whether a handshake failed because the server took none of the
/// protocols offered in ALPN (its alert, or rustls' own check).
fn alpn_refused(e: &std::io::Error) -> bool {
    use rustls::{AlertDescription, Error};
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<Error>())
        .is_some_and(|inner| {
            matches!(
                inner,
                Error::AlertReceived(AlertDescription::NoApplicationProtocol)
                    | Error::NoApplicationProtocol
            )
        })
}

/// An authority's host (an IPv6 address still in brackets) and port, if
/// it names one.
fn split_port(authority: &str) -> (&str, Option<&str>) {
    match authority.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => (host, Some(port)),
        _ => (authority, None),
    }
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
    if !canonical_port(port)
        || !host.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'_')
        })
    {
        // a name with other bytes is left to reqwest's IDNA processing
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

    fn ok(url: &str) -> Option<Target> {
        let get = Request {
            method: Method::Get,
            path: String::new(),
            query: String::new(),
            headers: Vec::new(),
            body: None,
        };
        Plain::target(url, &get)
    }

    #[test]
    fn targets_name_the_authority_and_port() {
        let url = "http://127.0.0.1:8080/a?b";
        assert_eq!(
            ok(url),
            Some(Target {
                authority_start: 7,
                authority_end: 21,
                port: 8080,
                tls: false,
            })
        );
        assert_eq!(ok("http://h?x").map(|t| t.port), Some(80));
        assert_eq!(ok("http://[::1]/").map(|t| t.port), Some(80));
        assert_eq!(ok("http://[::1]:81/").map(|t| t.port), Some(81));
        // a port no socket has goes to reqwest, which names the error
        assert_eq!(ok("http://127.0.0.1:65536/"), None);
    }

    #[test]
    fn only_http_and_https_urls_take_the_fast_path() {
        assert!(ok("http://127.0.0.1:8080/a/b?x=1").is_some());
        assert!(ok("HTTP://localhost/").is_some());
        let https = ok("https://127.0.0.1/").map(|t| (t.authority_start, t.port, t.tls));
        assert_eq!(https, Some((8, 443, true)));
        assert_eq!(ok("HTTPS://h:8443/x").map(|t| t.port), Some(8443));
        assert!(ok("https://user:pw@127.0.0.1/").is_none());
        assert!(ok("httpx://127.0.0.1/").is_none());
        // what http::Uri refuses goes through reqwest, which encodes it
        assert!(ok("http://127.0.0.1/a b").is_none());
        assert!(ok("http://127.0.0.1/caf\u{e9}").is_none());
        assert!(ok("ftp://127.0.0.1/").is_none());
        assert!(ok("http:/").is_none());
        // what reqwest's URL parser rewrites is left to reqwest
        assert!(ok("http://127.0.0.1/files/../etc/passwd").is_none());
        assert!(ok("http://127.0.0.1/files/%2E%2e/x").is_none());
        assert!(ok("http://127.0.0.1/a/.").is_none());
        assert!(ok("http://127.0.0.1/a\\b").is_none());
        assert!(ok("http://127.0.0.1/a?q='1").is_none());
        // what reqwest's URL parser normalises in the host, too
        assert!(ok("http://user:pw@127.0.0.1/").is_none());
        assert!(ok("http://LOCALHOST/").is_none());
        assert!(ok("http://127.1/").is_none());
        assert!(ok("http://0x7f.0.0.1/").is_none());
        assert!(ok("http://127.0.0.01/").is_none());
        assert!(ok("http://loc%61lhost/").is_none());
        assert!(ok("http://[::0001]:8080/").is_none());
        assert!(ok("http://[::1]:8080/a").is_some());
        assert!(ok("http://127.0.0.1:080/").is_none());
        assert!(ok("http://127.0.0.1:/").is_none());
        assert!(ok("http://[::1]:08080/").is_none());
        assert!(ok("http://127.0.0.1:80/").is_some());
        assert!(ok("http://api.example.test:8080/a").is_some());
        assert!(ok("http://127.0.0.1.example/a").is_some());
        assert!(ok("http://a*b.example/").is_none());
        assert!(ok("http://a!b/").is_none());
        // dots inside a segment are only dots
        assert!(ok("http://127.0.0.1/files/a..b/.env?x=..").is_some());
    }
}
