//! HTTP/1.1 on one connection of the fast path ([`super::plain`]): the
//! request written as bytes, the response read off the stream (the head
//! parsed by `httparse`, the body framed by `content-length`, chunked
//! coding or the connection's close, RFC 9112 section 6).
//!
//! It sends what hyper's client sends for the same request (lower-case
//! header names, `content-length` for a non-empty body, none for an empty
//! one) and reads what hyper reads (at most 100 headers, 1xx interim
//! answers skipped), without hyper's dispatcher, channels and header maps:
//! those cost more than the exchange itself on loopback.

use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};

use super::client::{Read, read_error, send_error};
use super::exchange::{Failure, FailureKind, Response};
use super::grammar::{is_header_value_byte, is_tchar};
use super::request::Request;

/// The most headers a response head may hold (hyper's limit too).
const MAX_HEADERS: usize = 100;
/// The longest response head read (about hyper's read buffer limit).
const MAX_HEAD_BYTES: usize = 400 * 1024;
/// The longest chunk-size line, or trailer section, read.
const MAX_CHUNK_LINE: usize = 8 * 1024;
const MAX_TRAILERS: usize = 64 * 1024;
/// Bytes asked of the socket at least, per read.
const READ_SIZE: usize = 8 * 1024;

/// Request headers the fast path leaves to reqwest: they change how the
/// message is framed or whether the connection lives on, which hyper and
/// reqwest each settle in their own way.
const FRAMING_HEADERS: [&str; 6] = [
    "content-length",
    "transfer-encoding",
    "connection",
    "te",
    "upgrade",
    "expect",
];

/// Whether this path can send the request's headers exactly as reqwest
/// would: none of [`FRAMING_HEADERS`].
pub(crate) fn sendable(request: &Request) -> bool {
    request.headers.iter().all(|(name, _)| {
        !FRAMING_HEADERS
            .iter()
            .any(|framing| name.eq_ignore_ascii_case(framing))
    })
}

/// The header was not sendable as given.
#[derive(Debug)]
pub(crate) struct BadHeader(pub(crate) String);

/// Writes the request into `out` (cleared first): the request line with
/// `origin` (path and query), the case's headers (names lower-cased), its
/// body's content type in place of any the headers gave, reqwest's default
/// `accept`, `user-agent` and `host` where the case set none, and
/// `content-length` for a non-empty body.
pub(crate) fn encode(
    out: &mut Vec<u8>,
    request: &Request,
    origin: &str,
    host: &str,
    user_agent: &str,
) -> Result<(), BadHeader> {
    out.clear();
    out.extend_from_slice(request.method.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(origin.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\n");
    let body = request.body.as_ref();
    let (mut accept, mut agent, mut has_host) = (false, false, false);
    for (name, value) in &request.headers {
        if name.is_empty()
            || !name.bytes().all(is_tchar)
            || !value.bytes().all(is_header_value_byte)
        {
            return Err(BadHeader(name.clone()));
        }
        // the body's own content type replaces the headers' (as
        // `HeaderMap::insert` does on the reqwest path)
        if body.is_some() && name.eq_ignore_ascii_case("content-type") {
            continue;
        }
        accept |= name.eq_ignore_ascii_case("accept");
        agent |= name.eq_ignore_ascii_case("user-agent");
        has_host |= name.eq_ignore_ascii_case("host");
        header(out, name.as_bytes(), value.as_bytes());
    }
    if let Some(body) = body
        && body.content_type.bytes().all(is_header_value_byte)
    {
        header(out, b"content-type", body.content_type.as_bytes());
    }
    if !accept {
        header(out, b"accept", b"*/*");
    }
    if !agent {
        header(out, b"user-agent", user_agent.as_bytes());
    }
    if !has_host {
        header(out, b"host", host.as_bytes());
    }
    let bytes = body.map_or(&[][..], |b| b.bytes.as_slice());
    if !bytes.is_empty() {
        out.extend_from_slice(b"content-length: ");
        out.extend_from_slice(itoa::Buffer::new().format(bytes.len()).as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(bytes);
    Ok(())
}

fn header(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    out.extend(name.iter().map(u8::to_ascii_lowercase));
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

/// Why no response was read.
#[derive(Debug)]
pub(crate) struct Failed {
    pub(crate) failure: Failure,
    /// No byte of a response arrived (the request may be sent again on a
    /// new connection when the old one had been idle).
    pub(crate) nothing_received: bool,
}

impl Failed {
    /// A failure after some of the response arrived.
    fn after_bytes(failure: Failure) -> Failed {
        Failed {
            failure,
            nothing_received: false,
        }
    }
}

/// An I/O error and what was being done, named by the reqwest path's
/// rules ([`send_error`], [`read_error`]) so that both paths name alike.
#[derive(Debug, thiserror::Error)]
#[error("{doing}")]
struct IoError {
    doing: &'static str,
    #[source]
    source: std::io::Error,
}

/// An I/O error before the body: reset, closed, timeout or other.
fn head_failure(doing: &'static str, source: std::io::Error) -> Failure {
    send_error(&IoError { doing, source }, false)
}

/// Writes `request` (already encoded) on `stream`, flushed (over TLS,
/// rustls may hold records back until then).
pub(crate) async fn write<S: AsyncWrite + Unpin>(
    stream: &mut S,
    request: &[u8],
) -> Result<(), Failed> {
    let written = async {
        stream.write_all(request).await?;
        stream.flush().await
    };
    written.await.map_err(|e| Failed {
        failure: head_failure("writing the request", e),
        nothing_received: true,
    })
}

/// How the body of a response is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// No body (a `HEAD` request, 1xx, 204, 304).
    Empty,
    Length(u64),
    Chunked,
    /// Until the server closes the connection.
    Close,
}

/// A parsed response head.
struct Head {
    status: u16,
    version: &'static str,
    headers: Vec<(String, String)>,
    framing: Framing,
    /// The server keeps the connection open after this response.
    keep_alive: bool,
}

/// A response and whether its connection can carry another request.
pub(crate) struct Answer {
    pub(crate) response: Response,
    pub(crate) reusable: bool,
    /// Bytes followed the whole response in the same read: the start of a
    /// response no request asked for (the connection is not reused).
    pub(crate) unrequested: bool,
}

/// The read side of a connection: the stream, the bytes read off it, and
/// how many of those are consumed.
struct Input<'a, S> {
    stream: &'a mut S,
    buf: &'a mut Vec<u8>,
    pos: usize,
}

impl<S: AsyncRead + Unpin> Input<'_, S> {
    /// The bytes read and not consumed yet.
    fn rest(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    /// Reads more bytes after the unconsumed ones (the consumed are
    /// dropped first): how many (0: the server closed).
    async fn fill(&mut self) -> std::io::Result<usize> {
        if self.pos == self.buf.len() {
            self.buf.clear();
        } else if self.pos > 0 {
            self.buf.drain(..self.pos);
        }
        self.pos = 0;
        if self.buf.capacity() - self.buf.len() < READ_SIZE / 2 {
            self.buf.reserve(READ_SIZE);
        }
        self.stream.read_buf(self.buf).await
    }

    /// Reads more body bytes, or fails: a close before the body's end is a
    /// body cut short, as is a reset.
    async fn more(&mut self, doing: &'static str) -> Result<(), Failure> {
        match self.fill().await {
            Ok(0) => Err(Failure {
                kind: FailureKind::BodyAborted,
                message: format!("{doing}: the connection closed before the body was complete"),
            }),
            Ok(_) => Ok(()),
            Err(source) => Err(read_error(&IoError { doing, source })),
        }
    }
}

/// Reads one response off `stream` into `buf` (cleared first: a connection
/// starts each exchange with nothing unread), at most `cap` body bytes.
/// `head_request`: the request was `HEAD` (the response has no body
/// whatever its headers say).
pub(crate) async fn read<S: AsyncRead + Unpin>(
    stream: &mut S,
    buf: &mut Vec<u8>,
    head_request: bool,
    cap: usize,
) -> Result<Answer, Failed> {
    buf.clear();
    let mut input = Input {
        stream,
        buf,
        pos: 0,
    };
    let head = loop {
        match parse_head(input.rest(), head_request) {
            Ok(Some((used, head))) => {
                input.pos += used;
                // interim answers (100 Continue and the like) are skipped;
                // 101 ends the exchange
                if (100..200).contains(&head.status) && head.status != 101 {
                    continue;
                }
                break head;
            }
            Ok(None) => {}
            Err(message) => {
                return Err(Failed::after_bytes(Failure {
                    kind: FailureKind::Malformed,
                    message,
                }));
            }
        }
        if input.rest().len() > MAX_HEAD_BYTES {
            return Err(Failed::after_bytes(Failure {
                kind: FailureKind::Malformed,
                message: format!("the response head is over {MAX_HEAD_BYTES} bytes"),
            }));
        }
        let nothing = input.rest().is_empty();
        let failure = match input.fill().await {
            Ok(0) if nothing => Failure {
                kind: FailureKind::Closed,
                message: "the connection closed before a response".into(),
            },
            Ok(0) => Failure {
                kind: FailureKind::Closed,
                message: "the connection closed inside the response head".into(),
            },
            Ok(_) => continue,
            Err(e) => head_failure("reading the response head", e),
        };
        return Err(Failed {
            failure,
            nothing_received: nothing,
        });
    };
    let mut body = Read::new(cap);
    let complete = match head.framing {
        Framing::Empty => Ok(true),
        Framing::Length(n) => length_body(&mut input, n, &mut body).await,
        Framing::Chunked => chunked_body(&mut input, &mut body).await,
        Framing::Close => close_body(&mut input, &mut body).await,
    }
    .map_err(Failed::after_bytes)?;
    // a connection is reused only after a whole response with nothing
    // after it; bytes after a whole response are one nobody asked for
    let trailing = complete && !input.rest().is_empty();
    let reusable = complete
        && head.keep_alive
        && head.framing != Framing::Close
        && head.status != 101
        && !trailing;
    let (body, truncated) = body.finish();
    Ok(Answer {
        response: Response {
            status: head.status,
            version: head.version,
            headers: head.headers,
            body,
            truncated,
        },
        reusable,
        unrequested: trailing,
    })
}

/// Parses a response head at the start of `bytes`: `None` while it is
/// incomplete, else its length and what it says.
fn parse_head(bytes: &[u8], head_request: bool) -> Result<Option<(usize, Head)>, String> {
    if bytes.is_empty() {
        return Ok(None);
    }
    let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Response::new(&mut slots);
    let used = match parsed.parse(bytes) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(format!("invalid HTTP response head: {e}")),
    };
    let status = parsed.code.unwrap_or(0);
    if !(100..=999).contains(&status) {
        return Err(format!("invalid HTTP status code {status}"));
    }
    let http10 = parsed.version == Some(0);
    let mut keep_alive = !http10;
    let mut length: Option<u64> = None;
    let mut chunked = false;
    let mut encoded = false;
    let mut headers = Vec::with_capacity(parsed.headers.len());
    for h in parsed.headers.iter() {
        let value = h.value;
        if h.name.eq_ignore_ascii_case("content-length") {
            let n = std::str::from_utf8(value)
                .ok()
                .map(str::trim)
                .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|v| v.parse::<u64>().ok());
            match (n, length) {
                (None, _) => return Err("invalid content-length in the response".into()),
                (Some(n), Some(earlier)) if n != earlier => {
                    return Err("conflicting content-length values in the response".into());
                }
                (Some(n), _) => length = Some(n),
            }
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            encoded = true;
            // chunked must be the last coding (RFC 9112 6.3)
            chunked = value
                .rsplit(|&b| b == b',')
                .next()
                .is_some_and(|last| last.trim_ascii().eq_ignore_ascii_case(b"chunked"));
        } else if h.name.eq_ignore_ascii_case("connection") {
            for token in value.split(|&b| b == b',') {
                let token = token.trim_ascii();
                if token.eq_ignore_ascii_case(b"close") {
                    keep_alive = false;
                } else if http10 && token.eq_ignore_ascii_case(b"keep-alive") {
                    keep_alive = true;
                }
            }
        }
        headers.push((
            h.name.to_ascii_lowercase(),
            String::from_utf8_lossy(value).into_owned(),
        ));
    }
    let framing = if head_request || matches!(status, 100..=199 | 204 | 304) {
        Framing::Empty
    } else if encoded {
        if chunked {
            Framing::Chunked
        } else {
            Framing::Close
        }
    } else if let Some(n) = length {
        Framing::Length(n)
    } else {
        Framing::Close
    };
    Ok(Some((
        used,
        Head {
            status,
            version: if http10 { "HTTP/1.0" } else { "HTTP/1.1" },
            headers,
            framing,
            keep_alive,
        },
    )))
}

/// A body of `n` bytes. `Ok(false)` when the cap was reached first.
async fn length_body<S: AsyncRead + Unpin>(
    input: &mut Input<'_, S>,
    n: u64,
    body: &mut Read,
) -> Result<bool, Failure> {
    let mut left = n;
    loop {
        let rest = input.rest();
        let take = usize::try_from(left).map_or(rest.len(), |l| l.min(rest.len()));
        let full = body.push(&rest[..take]);
        input.pos += take;
        left -= take as u64;
        if full {
            return Ok(false);
        }
        if left == 0 {
            return Ok(true);
        }
        input.more("reading the body").await?;
    }
}

/// A chunked body (RFC 9112 7.1), trailers read and dropped. `Ok(false)`
/// when the cap was reached first.
async fn chunked_body<S: AsyncRead + Unpin>(
    input: &mut Input<'_, S>,
    body: &mut Read,
) -> Result<bool, Failure> {
    loop {
        // the chunk-size line
        let size = loop {
            match httparse::parse_chunk_size(input.rest()) {
                Ok(httparse::Status::Complete((used, size))) => {
                    input.pos += used;
                    break size;
                }
                Ok(httparse::Status::Partial) => {
                    if input.rest().len() > MAX_CHUNK_LINE {
                        return Err(malformed_body("a chunk-size line is too long"));
                    }
                    input.more("reading a chunk size").await?;
                }
                Err(_) => return Err(malformed_body("an invalid chunk size")),
            }
        };
        if size == 0 {
            return trailers(input).await.map(|()| true);
        }
        if !length_body(input, size, body).await? {
            return Ok(false);
        }
        // the CRLF after the chunk's data
        while input.rest().len() < 2 {
            input.more("reading a chunk's end").await?;
        }
        if !input.rest().starts_with(b"\r\n") {
            return Err(malformed_body("a chunk's data is not followed by CRLF"));
        }
        input.pos += 2;
    }
}

/// The trailer section after the last chunk, up to its empty line.
async fn trailers<S: AsyncRead + Unpin>(input: &mut Input<'_, S>) -> Result<(), Failure> {
    loop {
        let rest = input.rest();
        if let Some(end) = rest.windows(2).position(|w| w == b"\r\n") {
            input.pos += end + 2;
            if end == 0 {
                return Ok(());
            }
            continue;
        }
        if rest.len() > MAX_TRAILERS {
            return Err(malformed_body("the trailer section is too long"));
        }
        input.more("reading the trailers").await?;
    }
}

/// A body delimited by the connection's close. `Ok(false)` when the cap
/// was reached first.
async fn close_body<S: AsyncRead + Unpin>(
    input: &mut Input<'_, S>,
    body: &mut Read,
) -> Result<bool, Failure> {
    loop {
        let full = body.push(input.rest());
        input.pos = input.buf.len();
        if full {
            return Ok(false);
        }
        match input.fill().await {
            Ok(0) => return Ok(true),
            Ok(_) => {}
            Err(source) => {
                return Err(read_error(&IoError {
                    doing: "reading the body",
                    source,
                }));
            }
        }
    }
}

fn malformed_body(what: &str) -> Failure {
    Failure {
        kind: FailureKind::Malformed,
        message: format!("invalid chunked body: {what}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(bytes: &[u8]) -> Head {
        match parse_head(bytes, false) {
            Ok(Some((_, head))) => head,
            Ok(None) => panic!("incomplete"),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn framing_follows_rfc_9112() {
        let h = head(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n");
        assert_eq!((h.framing, h.keep_alive), (Framing::Length(5), true));
        let h = head(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\ncontent-length: 5\r\n\r\n",
        );
        assert_eq!(h.framing, Framing::Chunked);
        let h = head(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked, gzip\r\n\r\n");
        assert_eq!(h.framing, Framing::Close);
        let h = head(b"HTTP/1.1 204 No Content\r\ncontent-length: 5\r\n\r\n");
        assert_eq!(h.framing, Framing::Empty);
        let h = head(b"HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\n\r\n");
        assert_eq!((h.framing, h.keep_alive), (Framing::Close, false));
        let h = head(b"HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n");
        assert_eq!((h.version, h.keep_alive), ("HTTP/1.0", false));
        let h = head(b"HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 0\r\n\r\n");
        assert!(h.keep_alive);
        assert!(matches!(
            parse_head(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n", false),
            Ok(None)
        ));
        assert_eq!(
            parse_head(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n", true)
                .ok()
                .flatten()
                .map(|(_, h)| h.framing),
            Some(Framing::Empty)
        );
    }

    #[test]
    fn heads_that_are_not_http_are_refused() {
        for bad in [
            &b"HTTP/1.1 abc nonsense\r\n\r\n"[..],
            b"\x00\x01garbage\r\n\r\n",
            b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\n",
            b"HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n",
            b"HTTP/1.1 200 OK\r\ncontent-length: 1e3\r\n\r\n",
            b"HTTP/1.1 042 Odd\r\n\r\n",
        ] {
            assert!(parse_head(bad, false).is_err(), "{bad:?}");
        }
        // the same length twice is one length
        let h = head(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nContent-Length: 5\r\n\r\n");
        assert_eq!(h.framing, Framing::Length(5));
        let many: Vec<u8> = [
            &b"HTTP/1.1 200 OK\r\n"[..],
            &b"x: y\r\n".repeat(101),
            b"\r\n",
        ]
        .concat();
        assert!(parse_head(&many, false).is_err());
    }

    #[test]
    fn headers_keep_their_order_with_lower_case_names() {
        let h =
            head(b"HTTP/1.1 200 OK\r\nX-B: 1\r\nContent-Type: text/plain\r\nx-b: \xff2\r\n\r\n");
        let names: Vec<_> = h
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("x-b", "1"),
                ("content-type", "text/plain"),
                ("x-b", "\u{fffd}2")
            ]
        );
    }

    /// How the loopback server of [`read_served`] writes its answer.
    #[derive(Clone, Copy)]
    enum Writes {
        /// One byte at a time, then holds the connection open: every read
        /// ends inside the head, a chunk line, a chunk's data or the
        /// trailers, and only the framing may end the body.
        Dribbled,
        /// All at once, then closes the connection.
        ThenCloses,
    }

    /// Reads one response that a loopback server writes as `writes` says.
    fn read_served(
        answer: &'static [u8],
        writes: Writes,
        head_request: bool,
    ) -> Result<Answer, Failed> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let addr = listener.local_addr().expect("addr");
            let server = tokio::spawn(async move {
                let (mut socket, _) = listener.accept().await.expect("accept");
                if let Writes::ThenCloses = writes {
                    let _ = socket.write_all(answer).await;
                    return;
                }
                let _ = socket.set_nodelay(true);
                for byte in answer {
                    if socket.write_all(std::slice::from_ref(byte)).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(std::time::Duration::from_micros(50)).await;
                }
                tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            });
            let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
            let mut buf = Vec::new();
            let read = tokio::time::timeout(
                std::time::Duration::from_secs(10),
                read(&mut stream, &mut buf, head_request, 1 << 20),
            )
            .await
            .expect("an outcome within 10 s");
            server.abort();
            read
        })
    }

    type Dribbled = (&'static [u8], bool, u16, &'static [u8], bool);

    #[test]
    fn responses_split_anywhere_are_read_whole() {
        // the answer, whether the request was HEAD, and what must be read:
        // status, body, whether the connection can be used again
        let cases: [Dribbled; 5] = [
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nx-t: 1\r\ny-t: 2\r\n\r\n",
                false,
                200,
                b"abc0123456789",
                true,
            ),
            (
                b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\nmade",
                false,
                201,
                b"made",
                true,
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n",
                true,
                200,
                b"",
                true,
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nbye",
                false,
                200,
                b"bye",
                false,
            ),
            (
                b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n",
                false,
                404,
                b"",
                false,
            ),
        ];
        for (answer, head_request, status, body, reusable) in cases {
            match read_served(answer, Writes::Dribbled, head_request) {
                Ok(a) => {
                    assert_eq!(
                        (a.response.status, a.response.body.as_slice(), a.reusable),
                        (status, body, reusable),
                        "{}",
                        String::from_utf8_lossy(answer)
                    );
                    assert!(!a.response.truncated);
                }
                Err(e) => panic!("{}: {:?}", String::from_utf8_lossy(answer), e.failure),
            }
        }
    }

    #[test]
    fn a_body_cut_short_is_aborted_and_a_bad_chunk_malformed() {
        for (answer, kind) in [
            (
                &b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"[..],
                FailureKind::BodyAborted,
            ),
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                FailureKind::Malformed,
            ),
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY",
                FailureKind::Malformed,
            ),
            (b"HTTP/1.1 200 O", FailureKind::Closed),
        ] {
            match read_served(answer, Writes::ThenCloses, false) {
                Ok(a) => panic!("{answer:?}: answered {}", a.response.status),
                Err(e) => assert_eq!(e.failure.kind, kind, "{answer:?}: {}", e.failure.message),
            }
        }
    }

    fn request(headers: &[(&str, &str)], body: Option<(&str, &[u8])>) -> Request {
        Request {
            method: crate::model::Method::Post,
            path: "/a".into(),
            query: String::new(),
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            body: body.map(|(ct, bytes)| crate::http::RequestBody {
                content_type: ct.into(),
                bytes: bytes.to_vec(),
            }),
        }
    }

    fn encoded(r: &Request) -> String {
        let mut out = Vec::new();
        match encode(&mut out, r, "/a?b=1", "h:8080", "ua/1") {
            Ok(()) => String::from_utf8_lossy(&out).into_owned(),
            Err(BadHeader(name)) => format!("refused {name}"),
        }
    }

    #[test]
    fn requests_carry_the_defaults_and_their_length() {
        let r = request(
            &[("X-Id", "7"), ("Content-Type", "text/plain")],
            Some(("application/json", b"{}")),
        );
        assert_eq!(
            encoded(&r),
            "POST /a?b=1 HTTP/1.1\r\nx-id: 7\r\ncontent-type: application/json\r\naccept: */*\r\nuser-agent: ua/1\r\nhost: h:8080\r\ncontent-length: 2\r\n\r\n{}"
        );
        // the case's own accept, user-agent and host win; no body, no length
        let r = request(
            &[("Accept", "text/html"), ("user-agent", "x"), ("Host", "y")],
            None,
        );
        assert_eq!(
            encoded(&r),
            "POST /a?b=1 HTTP/1.1\r\naccept: text/html\r\nuser-agent: x\r\nhost: y\r\n\r\n"
        );
        assert_eq!(
            encoded(&request(&[("bad name", "1")], None)),
            "refused bad name"
        );
        assert_eq!(encoded(&request(&[("x", "a\r\nb: c")], None)), "refused x");
        assert!(!sendable(&request(&[("Content-Length", "3")], None)));
        assert!(sendable(&request(&[("x-content-length", "3")], None)));
    }
}
