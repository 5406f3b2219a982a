//! The HTTP client: sends one request, reads the response up to a cap, and
//! names what went wrong when no complete response came.

use std::error::Error as StdError;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::error::ClientError;
use super::exchange::{Exchange, Failure, FailureKind, Outcome, Response, SentRequest};
use super::plain::{Fetched, Plain};
use super::request::Request;
use super::wire;

/// How the client connects and reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOptions {
    /// The longest a request may take, from connecting to the end of the body.
    pub timeout: Duration,
    /// The most body bytes read from a response; the rest is not read and
    /// the connection is dropped.
    pub max_response_bytes: usize,
    /// Accept any TLS certificate (self-signed, expired, other host).
    pub insecure: bool,
    /// Extra trusted CA certificates, PEM (one or several).
    pub ca_cert: Option<Vec<u8>>,
    /// Follow redirects (at most 5, and only to the same host and port).
    pub follow_redirects: bool,
    /// Open connections kept per host.
    pub max_idle_per_host: usize,
    /// Send through the proxies named by `HTTP_PROXY`, `HTTPS_PROXY`,
    /// `ALL_PROXY` and `NO_PROXY` (upper or lower case).
    pub env_proxy: bool,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            timeout: Duration::from_secs(10),
            max_response_bytes: 1 << 20,
            insecure: false,
            ca_cert: None,
            follow_redirects: false,
            max_idle_per_host: 64,
            env_proxy: true,
        }
    }
}

/// The `user-agent` every request carries unless it sets its own.
pub(crate) const USER_AGENT: &str = concat!("apiprobe/", env!("CARGO_PKG_VERSION"));

/// Proxy variables reqwest reads from the environment; with any of them set
/// (and `env_proxy` on) every request goes through reqwest.
const PROXY_VARIABLES: [&str; 6] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// An HTTP client for one scan (HTTP/1.1 and HTTP/2 over rustls, pooled
/// connections). `http://` and `https://` requests take a lean HTTP/1.1
/// path ([`super::plain`], over rustls for `https://`, with the same
/// certificate checks as reqwest's) unless redirects are followed or a
/// proxy is configured; an `https://` server that refuses `http/1.1` in
/// ALPN is left to reqwest (HTTP/2).
///
/// Through reqwest, only HTTP/2 connections (to a server that refused
/// `http/1.1`) are kept: every other request goes on a connection of its
/// own. hyper reads whatever arrives on a kept HTTP/1.1 connection after
/// the next request was written as that request's answer when its
/// connection task had not yet run since the bytes came (a response
/// nobody asked for, read as the next request's); HTTP/2 frames carry
/// their stream's number, so an answer cannot be another request's.
#[derive(Debug, Clone)]
pub struct Client {
    /// Pooled: for the servers the fast path found to speak HTTP/2 only.
    inner: reqwest::Client,
    /// A reqwest client that keeps no connection: every other request
    /// through reqwest goes on a fresh connection, and so does, once more,
    /// a request that failed before its answer through `inner`, perhaps on
    /// a connection the server had closed.
    fresh: reqwest::Client,
    /// Requests reqwest sent again through `fresh`.
    resent: Arc<AtomicU64>,
    plain: Option<Plain>,
    options: ClientOptions,
}

/// A reqwest client with `options`, keeping at most `idle` connections per
/// host (0: none, every request on a new connection).
fn build(options: &ClientOptions, idle: usize) -> Result<reqwest::Client, ClientError> {
    let redirect = if options.follow_redirects {
        reqwest::redirect::Policy::custom(|attempt| {
            let same = attempt.previous().first().is_some_and(|first| {
                first.host_str() == attempt.url().host_str()
                    && first.port_or_known_default() == attempt.url().port_or_known_default()
            });
            if attempt.previous().len() > 5 {
                attempt.error("more than 5 redirects")
            } else if !same {
                attempt.stop()
            } else {
                attempt.follow()
            }
        })
    } else {
        reqwest::redirect::Policy::none()
    };
    let mut builder = reqwest::Client::builder()
        .redirect(redirect)
        .timeout(options.timeout)
        .connect_timeout(options.timeout.min(Duration::from_secs(10)))
        .pool_max_idle_per_host(idle)
        .tcp_nodelay(true)
        .user_agent(USER_AGENT)
        .tls_danger_accept_invalid_certs(options.insecure);
    if !options.env_proxy {
        builder = builder.no_proxy();
    }
    if let Some(pem) = &options.ca_cert {
        let certs = reqwest::Certificate::from_pem_bundle(pem)
            .map_err(|e| ClientError::CaCert(e.to_string()))?;
        if certs.is_empty() {
            return Err(ClientError::CaCert("no PEM certificate in the file".into()));
        }
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder.build().map_err(|e| ClientError::Client(chain(&e)))
}

/// Whether a reqwest failure came before any byte of the answer and may
/// be the server's close of a kept-alive connection crossing the request
/// (reqwest does not say whether the connection was reused): a reset or a
/// close before the response head. A failure inside the body is named
/// [`FailureKind::BodyAborted`] and is not one.
fn before_answer(outcome: &Outcome) -> bool {
    matches!(outcome, Outcome::Failed(f) if matches!(f.kind, FailureKind::Reset | FailureKind::Closed))
}

impl Client {
    /// A client with `options`. Fails on a CA file that holds no certificate.
    pub fn new(options: ClientOptions) -> Result<Client, ClientError> {
        crate::tls::install_crypto_provider();
        let inner = build(&options, options.max_idle_per_host)?;
        let fresh = build(&options, 0)?;
        let proxied = options.env_proxy
            && PROXY_VARIABLES
                .iter()
                .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()));
        let plain = (!options.follow_redirects && !proxied).then(|| {
            Plain::new(
                options.max_idle_per_host,
                options.timeout.min(Duration::from_secs(10)),
                super::tls::client_config(options.insecure, options.ca_cert.as_deref()),
            )
        });
        Ok(Client {
            inner,
            fresh,
            resent: Arc::new(AtomicU64::new(0)),
            plain,
            options,
        })
    }

    /// The options it was built with.
    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// How many idle connections it dropped because the server had sent
    /// bytes on them that no request asked for (an unrequested response),
    /// instead of reading those bytes as the next request's answer. Counted
    /// on the fast path (`http://`, and `https://` when the bytes decrypt
    /// to data); reqwest's HTTP/1.1 connections carry one request each, so
    /// such bytes are never read there (nor counted).
    pub fn unrequested_responses(&self) -> u64 {
        self.plain.as_ref().map_or(0, Plain::unrequested)
    }

    /// How many requests were sent again on a fresh connection because the
    /// first try failed before any byte of the answer (a reset or a close),
    /// on a connection that was, or may have been, reused: the server's
    /// close of an idle connection crossed them. Only a failure on a fresh
    /// connection is the server's answer to the request.
    pub fn resent_on_fresh_connection(&self) -> u64 {
        self.resent.load(Ordering::Relaxed) + self.plain.as_ref().map_or(0, Plain::resent)
    }

    /// Sends `request` to `url` (the base URL joined with the request's path
    /// and query) and reads the response. Never fails: a transport problem
    /// is the exchange's outcome.
    pub async fn send(&self, url: String, request: Request) -> Exchange {
        let started = Instant::now();
        let fetch = async {
            let mut http2 = false;
            if let (Some(plain), Some(target)) = (&self.plain, Plain::target(&url, &request)) {
                if plain.takes(&url, target) {
                    let fetched = plain
                        .fetch(&url, target, &request, self.options.max_response_bytes)
                        .await;
                    match fetched {
                        Fetched::Outcome(outcome) => return outcome,
                        // an HTTP/2-only server: reqwest's ALPN offers h2
                        Fetched::Refused => http2 = true,
                    }
                } else {
                    http2 = plain.http1_refused(&url, target);
                }
            }
            self.through_reqwest(&url, &request, http2).await
        };
        let outcome = match tokio::time::timeout(self.options.timeout, fetch).await {
            Ok(outcome) => outcome,
            Err(_) => Outcome::Failed(Failure {
                kind: FailureKind::Timeout,
                message: format!(
                    "no complete response within {} ms",
                    self.options.timeout.as_millis()
                ),
            }),
        };
        Exchange {
            request: SentRequest { url, request },
            outcome,
            elapsed: started.elapsed(),
        }
    }

    /// Sends through reqwest: on a connection of its own, or, to a server
    /// that speaks HTTP/2 only (`http2`), on a pooled one and once more on
    /// a fresh connection when that try failed before any byte of the
    /// answer.
    async fn through_reqwest(&self, url: &str, request: &Request, http2: bool) -> Outcome {
        if !http2 || self.options.max_idle_per_host == 0 {
            return self.fetch(&self.fresh, url, request).await;
        }
        let outcome = self.fetch(&self.inner, url, request).await;
        if before_answer(&outcome) {
            self.resent.fetch_add(1, Ordering::Relaxed);
            self.fetch(&self.fresh, url, request).await
        } else {
            outcome
        }
    }

    async fn fetch(&self, client: &reqwest::Client, url: &str, request: &Request) -> Outcome {
        let headers = match wire::request_headers(request) {
            Ok(h) => h,
            Err(failed) => return failed,
        };
        let mut builder = client.request(wire::method(request.method), url);
        if let Some(body) = &request.body {
            builder = builder.body(body.bytes.clone());
        }
        let mut response = match builder.headers(headers).send().await {
            Ok(r) => r,
            Err(e) => return Outcome::Failed(classify(&e, false)),
        };
        let status = response.status().as_u16();
        let (version, headers) = wire::response_head(response.version(), response.headers());
        let mut read = Read::new(self.options.max_response_bytes);
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if read.push(&chunk) {
                        // dropping the response closes the connection unread
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => return Outcome::Failed(classify(&e, true)),
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

/// A response body read up to a cap.
pub(crate) struct Read {
    body: Vec<u8>,
    cap: usize,
    truncated: bool,
}

impl Read {
    /// Nothing read yet; at most `cap` bytes will be kept.
    pub(crate) fn new(cap: usize) -> Read {
        Read {
            body: Vec::new(),
            cap,
            truncated: false,
        }
    }

    /// Adds a chunk; true when the cap is reached and the rest must not be read.
    pub(crate) fn push(&mut self, chunk: &[u8]) -> bool {
        let room = self.cap.saturating_sub(self.body.len());
        if chunk.len() > room {
            self.body.extend_from_slice(&chunk[..room]);
            self.truncated = true;
            return true;
        }
        self.body.extend_from_slice(chunk);
        false
    }

    /// The body and whether it was cut at the cap.
    pub(crate) fn finish(self) -> (Vec<u8>, bool) {
        (self.body, self.truncated)
    }
}

pub(crate) fn failed(kind: FailureKind, message: String) -> Outcome {
    Outcome::Failed(Failure { kind, message })
}

/// The error and its causes, joined: `a: b: c`.
fn chain(e: &dyn StdError) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let next = s.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = s.source();
    }
    text
}

/// Names a reqwest error by walking its causes: hyper's and the OS's errors
/// say what the server did.
fn classify(e: &reqwest::Error, in_body: bool) -> Failure {
    if e.is_timeout() {
        return Failure {
            kind: FailureKind::Timeout,
            message: chain(e),
        };
    }
    if e.is_redirect() {
        return Failure {
            kind: FailureKind::Redirect,
            message: chain(e),
        };
    }
    if in_body {
        read_error(e)
    } else {
        send_error(e, e.is_connect())
    }
}

/// Names an error before any response: `connect` when no connection was
/// made. A reset while connecting is the server's (it accepted the
/// connection and reset it before the connect call returned), not a
/// target that cannot be reached.
pub(crate) fn send_error(e: &(dyn StdError + 'static), connect: bool) -> Failure {
    let message = chain(e);
    let kind = if connect {
        if message.contains("certificate") || message.to_ascii_lowercase().contains("tls") {
            FailureKind::Tls
        } else {
            match cause_kind(e) {
                Some(FailureKind::Timeout) => FailureKind::Timeout,
                Some(FailureKind::Reset) if accepted_then_reset(e) => FailureKind::Reset,
                _ => FailureKind::Connect,
            }
        }
    } else {
        cause_kind(e).unwrap_or(FailureKind::Other)
    };
    Failure { kind, message }
}

/// Names an error while reading a response body: a body cut short is its
/// own kind, whatever closed it.
pub(crate) fn read_error(e: &(dyn StdError + 'static)) -> Failure {
    let message = chain(e);
    let kind = match cause_kind(e) {
        None | Some(FailureKind::Closed | FailureKind::Reset) => FailureKind::BodyAborted,
        Some(k) => k,
    };
    Failure { kind, message }
}

/// Whether an error while connecting is a reset of an accepted
/// connection: ECONNRESET (ECONNABORTED and EPIPE are the client's own or
/// a refusal on some systems, and stay connection failures).
fn accepted_then_reset(e: &(dyn StdError + 'static)) -> bool {
    let mut source: Option<&(dyn StdError + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return io.kind() == std::io::ErrorKind::ConnectionReset;
        }
        source = s.source();
    }
    false
}

fn cause_kind(e: &(dyn StdError + 'static)) -> Option<FailureKind> {
    let mut source: Option<&(dyn StdError + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind as K;
            match io.kind() {
                K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe => {
                    return Some(FailureKind::Reset);
                }
                K::UnexpectedEof => return Some(FailureKind::Closed),
                K::TimedOut => return Some(FailureKind::Timeout),
                _ => {}
            }
        }
        if let Some(h) = s.downcast_ref::<hyper::Error>() {
            if h.is_parse() || h.is_parse_status() || h.is_parse_too_large() {
                return Some(FailureKind::Malformed);
            }
            if h.is_incomplete_message() || h.is_closed() || h.is_canceled() {
                return Some(FailureKind::Closed);
            }
            if h.is_timeout() {
                return Some(FailureKind::Timeout);
            }
        }
        source = s.source();
    }
    None
}
