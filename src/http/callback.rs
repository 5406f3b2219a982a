//! The callback listener: a small HTTP server apiprobe runs during a scan so
//! that out-of-band probes (SSRF) can prove the target fetched a URL. Each
//! probe gets URLs carrying a unique token; a request that arrives with it
//! confirms the finding.
//!
//! The server is a few lines over the tokio listener and httparse: it reads
//! one request head per connection, records it, answers `200` with no body
//! and closes (no web framework: the library builds without one).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, oneshot};
use tokio::task::{JoinHandle, JoinSet};

/// One request the listener received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackHit {
    /// The method.
    pub method: String,
    /// The path and query as received.
    pub target: String,
    /// The `user-agent` header, when there was one.
    pub user_agent: Option<String>,
}

#[derive(Default)]
struct Hits {
    list: Mutex<Vec<CallbackHit>>,
    arrived: Notify,
}

/// Most requests kept (a hostile target cannot grow the list without bound).
const MAX_HITS: usize = 10_000;

/// A running callback listener; stopped when dropped.
pub struct CallbackServer {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// The base URL probes give the target (the listener's own URL, or
    /// `--callback-url`).
    pub public_url: String,
    hits: Arc<Hits>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for CallbackServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackServer")
            .field("addr", &self.addr)
            .field("public_url", &self.public_url)
            .finish()
    }
}

/// The longest request head read; a longer one is answered `431`.
const MAX_HEAD: usize = 16 * 1024;
/// The most headers a request may have (hyper's limit).
const MAX_HEADERS: usize = 100;
/// The most body bytes read (and dropped) after the answer, so that closing
/// does not reset a connection whose request had a body.
const MAX_DRAIN: usize = 64 * 1024;
/// How long one connection may take, from accept to close.
const CONNECTION_TIME: Duration = Duration::from_secs(10);

const OK: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
const BAD_REQUEST: &[u8] =
    b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
const TOO_LARGE: &[u8] = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";

/// Accepts connections until `stopped`; each is served on a task of its own,
/// all of them aborted when this task ends or is aborted.
async fn accept(listener: TcpListener, hits: Arc<Hits>, mut stopped: oneshot::Receiver<()>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let hits = Arc::clone(&hits);
                    connections.spawn(async move {
                        let _ = tokio::time::timeout(CONNECTION_TIME, answer(stream, &hits)).await;
                    });
                }
                // e.g. out of file descriptors: wait a little rather than spin
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Reads one request head, records it and answers `200`; a head that does
/// not parse is answered `400` (`431` when too long) and not recorded.
async fn answer(mut stream: TcpStream, hits: &Hits) -> std::io::Result<()> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    let reply = loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&chunk[..n]);
        match parse(&head) {
            Ok(Some(hit)) => {
                record(hits, hit);
                break OK;
            }
            Ok(None) if head.len() < MAX_HEAD => continue,
            Ok(None) => break TOO_LARGE,
            Err(()) => break BAD_REQUEST,
        }
    };
    stream.write_all(reply).await?;
    stream.shutdown().await?;
    // read what the client still sends (a body) until it closes, then close
    let mut drained = 0;
    while drained < MAX_DRAIN {
        match stream.read(&mut chunk).await? {
            0 => break,
            n => drained += n,
        }
    }
    Ok(())
}

/// The request in `head`: `None` while the head is incomplete, `Err` when
/// it is not HTTP/1 or its target is not a URI.
fn parse(head: &[u8]) -> Result<Option<CallbackHit>, ()> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    match request.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(_) => return Err(()),
    }
    let (Some(method), Some(target)) = (request.method, request.path) else {
        return Err(());
    };
    let uri: http::Uri = target.parse().map_err(|_| ())?;
    Ok(Some(CallbackHit {
        method: method.to_owned(),
        // the path and query, also of a target in absolute form
        target: uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default(),
        user_agent: request
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case("user-agent"))
            .and_then(|h| http::HeaderValue::from_bytes(h.value).ok())
            .and_then(|v| v.to_str().ok().map(str::to_owned)),
    }))
}

fn record(hits: &Hits, hit: CallbackHit) {
    if let Ok(mut list) = hits.list.lock()
        && list.len() < MAX_HITS
    {
        list.push(hit);
    }
    hits.arrived.notify_waiters();
}

impl CallbackServer {
    /// Starts a listener on `listen` (`127.0.0.1:0` by default). Probes hand
    /// out URLs under `public_url`, or under the listener's own URL when none
    /// is given.
    pub async fn start(
        listen: Option<SocketAddr>,
        public_url: Option<&str>,
    ) -> std::io::Result<CallbackServer> {
        let listen = listen.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let hits = Arc::new(Hits::default());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(accept(listener, Arc::clone(&hits), stopped));
        let public_url = match public_url {
            Some(u) => u.trim_end_matches('/').to_owned(),
            None => format!("http://{addr}"),
        };
        Ok(CallbackServer {
            addr,
            public_url,
            hits,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// The URL that carries `token`.
    pub fn url_for(&self, token: &str) -> String {
        format!("{}/apiprobe/{token}", self.public_url)
    }

    /// The requests whose path or query holds `token`.
    pub fn hits_for(&self, token: &str) -> Vec<CallbackHit> {
        match self.hits.list.lock() {
            Ok(list) => list
                .iter()
                .filter(|h| h.target.contains(token))
                .cloned()
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// Waits up to `wait` for a request holding `token`; the hits so far.
    pub async fn wait_for(&self, token: &str, wait: Duration) -> Vec<CallbackHit> {
        let deadline = Instant::now() + wait;
        loop {
            let notified = self.hits.arrived.notified();
            let hits = self.hits_for(token);
            if !hits.is_empty() {
                return hits;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return hits;
            }
            // a poll interval as well, in case a notification raced the check
            let _ = tokio::time::timeout(left.min(Duration::from_millis(100)), notified).await;
        }
    }
}

impl Drop for CallbackServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sends `request` raw to the listener and returns the whole answer.
    async fn send(server: &CallbackServer, request: &[u8]) -> String {
        let mut stream = TcpStream::connect(server.addr).await.expect("connects");
        stream.write_all(request).await.expect("sends");
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.expect("reads");
        String::from_utf8_lossy(&answer).into_owned()
    }

    #[tokio::test]
    async fn a_request_with_the_token_is_recorded_and_answered() {
        let server = CallbackServer::start(None, None).await.expect("starts");
        let url = server.url_for("tok123");
        assert_eq!(url, format!("http://{}/apiprobe/tok123", server.addr));
        let answer = send(
            &server,
            b"POST /apiprobe/tok123?x=1 HTTP/1.1\r\nHost: a\r\nUser-Agent: curl/8\r\ncontent-length: 5\r\n\r\nhello",
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        // a target in absolute form is recorded by its path and query
        let answer = send(
            &server,
            b"GET http://example.com/apiprobe/tok123 HTTP/1.1\r\n\r\n",
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        let hits = server.wait_for("tok123", Duration::from_secs(5)).await;
        assert_eq!(
            hits,
            [
                CallbackHit {
                    method: "POST".into(),
                    target: "/apiprobe/tok123?x=1".into(),
                    user_agent: Some("curl/8".into()),
                },
                CallbackHit {
                    method: "GET".into(),
                    target: "/apiprobe/tok123".into(),
                    user_agent: None,
                },
            ]
        );
        assert!(server.hits_for("other").is_empty());
    }

    #[tokio::test]
    async fn a_request_that_is_not_http_is_refused_and_not_recorded() {
        let server = CallbackServer::start(None, None).await.expect("starts");
        let answer = send(&server, b"\x16\x03\x01 tok456 not http\r\n\r\n").await;
        assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
        let mut long = b"GET /apiprobe/tok456 HTTP/1.1\r\nx: ".to_vec();
        long.extend(std::iter::repeat_n(b'a', MAX_HEAD));
        let answer = send(&server, &long).await;
        assert!(answer.starts_with("HTTP/1.1 431 "), "{answer}");
        assert!(server.hits_for("tok456").is_empty());
    }
}
