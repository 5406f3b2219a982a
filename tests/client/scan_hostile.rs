//! Scans of misbehaving servers: each server here breaks HTTP in one way
//! (resets, silence, an endless body, invalid JSON, bytes that are not HTTP,
//! a close without an answer, a 429, nothing listening at all), and a real
//! scan must name what happened, end within its timeouts and keep no more of
//! a body than its cap.
//!
//! The servers are raw `TcpListener`s on 127.0.0.1 (ephemeral ports) started
//! inside each test. Every test runs under a hang guard: a scan that hangs
//! fails the test instead of stalling the suite.
//!
//! Two layers are asserted separately: what the engine saw on the wire (the
//! `transport_*` tests, through an observer of every exchange), and what the
//! checks made of it (the `finding_*` tests).
//!
//! Where a test waits for the server, it waits on the server's counts
//! ([`Tally::until`]), not on a clock.

use crate::support;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use apiprobe::checks::Finding;
use apiprobe::engine::{Event, Observer, ScanResult, Stop, StopReason};
use apiprobe::generate::Payloads;
use apiprobe::http::{ClientOptions, FailureKind, Outcome};
use apiprobe::spec::Loader;
use support::cli::Cli;
use support::raw::read_request;
use support::{ScanBuilder, active_checks, plan};
use tokio::io::AsyncWriteExt as _;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// The longest any test may run before it counts as hung.
const HANG_GUARD: Duration = Duration::from_secs(60);
/// The response cap of every scan here.
const CAP: usize = 64 * 1024;
/// The most an endless body is written before the server gives up.
const ENDLESS_BOUND: usize = 50 * 1024 * 1024;
/// The most connections a server accepts, and requests it reads on one.
const MAX_CONNECTIONS: usize = 1000;
const MAX_REQUESTS_PER_CONNECTION: usize = 1000;

/// One operation, `GET /item`, documented to answer 200 with a JSON object.
const SPEC: &str = r#"
openapi: 3.0.3
info: { title: hostile, version: "1" }
paths:
  /item:
    get:
      operationId: getItem
      responses:
        "200":
          description: An item.
          content:
            application/json:
              schema:
                type: object
                required: [id]
                properties:
                  id: { type: integer }
"#;

/// The body the invalid-JSON server sends (documented as a JSON object).
const INVALID_JSON: &[u8] = br#"{"id": 1,,,"#;

const OK_ITEM: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 8\r\n\r\n{\"id\":1}";

const THROTTLED: &[u8] =
    b"HTTP/1.1 429 Too Many Requests\r\nretry-after: 1\r\ncontent-length: 0\r\n\r\n";

const THROTTLED_FOR_AN_HOUR: &[u8] =
    b"HTTP/1.1 429 Too Many Requests\r\nretry-after: 3600\r\ncontent-length: 0\r\n\r\n";

/// What a server does with each request.
#[derive(Debug, Clone, Copy)]
enum Behaviour {
    /// Reads the request, then drops the socket with `SO_LINGER` 0 (a TCP RST).
    Reset,
    /// Reads the request and never answers; drops the socket after `hold`.
    Silent { hold: Duration },
    /// Answers 200 `application/json` and streams the body forever (up to
    /// [`ENDLESS_BOUND`] bytes): delimited by the connection's close, or chunked.
    Endless { chunked: bool },
    /// Answers every request on the connection with these bytes.
    Reply(&'static str),
    /// Reads the request, writes these bytes and closes the connection.
    Garbage(&'static str),
    /// Reads the request and closes the connection (FIN) without a byte.
    Close,
    /// Answers the server's very first request with 429 and `Retry-After: 1`,
    /// and every other with 200.
    TooManyOnce,
    /// Answers every request with 429 and `Retry-After: 3600`.
    TooManyForAnHour,
}

/// What a server counted.
#[derive(Debug, Default)]
struct Tally {
    /// Complete requests read.
    requests: AtomicUsize,
    /// 429 answers sent.
    throttled: AtomicUsize,
    /// Endless bodies started.
    streams: AtomicUsize,
    /// Endless bodies the client cut off (a write failed).
    cut_off: AtomicUsize,
    /// Endless bodies written to the bound without the client hanging up.
    exhausted: AtomicUsize,
    /// Told of every count above.
    changed: tokio::sync::Notify,
}

impl Tally {
    /// Adds one to `counter` (one of this tally's) and tells whoever waits
    /// in [`Tally::until`]; the count before.
    fn bump(&self, counter: &AtomicUsize) -> usize {
        let before = counter.fetch_add(1, Ordering::SeqCst);
        self.changed.notify_waiters();
        before
    }

    /// Waits until `done` holds of the tally, woken by each count (not by a
    /// clock); false if it still does not after `limit`.
    async fn until(&self, limit: Duration, done: impl Fn(&Tally) -> bool) -> bool {
        let wait = async {
            loop {
                let changed = self.changed.notified();
                tokio::pin!(changed);
                // registered before the check: a count between the two still wakes it
                changed.as_mut().enable();
                if done(self) {
                    return;
                }
                changed.await;
            }
        };
        tokio::time::timeout(limit, wait).await.is_ok()
    }
}

/// A hostile server on 127.0.0.1; stops accepting when dropped.
struct Server {
    addr: SocketAddr,
    tally: Arc<Tally>,
    accept: JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl Server {
    async fn start(behaviour: Behaviour) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let addr = listener.local_addr().expect("the listener's address");
        let tally = Arc::new(Tally::default());
        let counts = Arc::clone(&tally);
        let accept = tokio::spawn(async move {
            for _ in 0..MAX_CONNECTIONS {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(serve(socket, behaviour, Arc::clone(&counts)));
            }
        });
        Server {
            addr,
            tally,
            accept,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn requests(&self) -> usize {
        self.tally.requests.load(Ordering::SeqCst)
    }
}

/// Serves one connection: request after request (keep-alive), as `behaviour` says.
async fn serve(mut socket: TcpStream, behaviour: Behaviour, tally: Arc<Tally>) {
    let mut buf = Vec::new();
    for _ in 0..MAX_REQUESTS_PER_CONNECTION {
        if read_request(&mut socket, &mut buf).await.is_none() {
            return;
        }
        let first = tally.bump(&tally.requests) == 0;
        match behaviour {
            Behaviour::Reset => {
                socket.set_zero_linger().expect("SO_LINGER 0");
                drop(socket);
                return;
            }
            Behaviour::Silent { hold } => {
                tokio::time::sleep(hold).await;
                return;
            }
            Behaviour::Endless { chunked } => {
                stream_forever(&mut socket, chunked, &tally).await;
                return;
            }
            Behaviour::Reply(bytes) => {
                if socket.write_all(bytes.as_bytes()).await.is_err() {
                    return;
                }
            }
            Behaviour::Garbage(bytes) => {
                let _ = socket.write_all(bytes.as_bytes()).await;
                let _ = socket.shutdown().await;
                return;
            }
            Behaviour::Close => {
                let _ = socket.shutdown().await;
                return;
            }
            Behaviour::TooManyForAnHour => {
                tally.bump(&tally.throttled);
                if socket.write_all(THROTTLED_FOR_AN_HOUR).await.is_err() {
                    return;
                }
            }
            Behaviour::TooManyOnce => {
                let answer = if first {
                    tally.bump(&tally.throttled);
                    THROTTLED
                } else {
                    OK_ITEM
                };
                if socket.write_all(answer).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// Writes a 200 JSON head and then body bytes until a write fails (the
/// client hung up) or [`ENDLESS_BOUND`] bytes are out.
async fn stream_forever(socket: &mut TcpStream, chunked: bool, tally: &Tally) {
    tally.bump(&tally.streams);
    let head: &[u8] = if chunked {
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
    } else {
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n"
    };
    let piece: Vec<u8> = b"0,".repeat(8 * 1024);
    let framed: Vec<u8> = if chunked {
        let mut f = format!("{:x}\r\n", piece.len()).into_bytes();
        f.extend_from_slice(&piece);
        f.extend_from_slice(b"\r\n");
        f
    } else {
        piece.clone()
    };
    let opening: &[u8] = if chunked { b"1\r\n[\r\n" } else { b"[" };
    let mut written = 0;
    let mut result = socket.write_all(head).await;
    if result.is_ok() {
        result = socket.write_all(opening).await;
    }
    while result.is_ok() && written < ENDLESS_BOUND {
        result = socket.write_all(&framed).await;
        written += piece.len();
    }
    if result.is_err() {
        tally.bump(&tally.cut_off);
    } else {
        tally.bump(&tally.exhausted);
    }
}

/// What the observer saw of one exchange.
#[derive(Debug, Clone)]
enum Seen {
    Response {
        status: u16,
        body: Vec<u8>,
        truncated: bool,
    },
    Failed {
        kind: FailureKind,
        message: String,
    },
}

/// Records every exchange of a scan, and the pauses a 429 began.
#[derive(Debug, Default)]
struct Recorder {
    seen: Mutex<Vec<Seen>>,
    /// The waits of the `Paused` events.
    pauses: Mutex<Vec<Duration>>,
    /// Woken by a `Paused` event (a permit is kept when nobody waits yet).
    paused: tokio::sync::Notify,
}

impl Observer for Recorder {
    fn on_event(&self, event: &Event<'_>) {
        if let Event::Paused { wait } = event {
            self.pauses.lock().expect("the recorder's lock").push(*wait);
            self.paused.notify_one();
        }
        if let Event::Exchange { exchange, .. } = event {
            let seen = match &exchange.outcome {
                Outcome::Response(r) => Seen::Response {
                    status: r.status,
                    body: r.body.clone(),
                    truncated: r.truncated,
                },
                Outcome::Failed(f) => Seen::Failed {
                    kind: f.kind,
                    message: f.message.clone(),
                },
            };
            self.seen.lock().expect("the recorder's lock").push(seen);
        }
    }
}

/// A scan's result and every exchange it saw.
struct Run {
    result: ScanResult,
    seen: Vec<Seen>,
}

impl Run {
    /// The failures seen, failing the test on any response.
    fn failures(&self) -> Vec<(FailureKind, &str)> {
        assert!(
            !self.seen.is_empty(),
            "no exchange at all: {:?}",
            self.result
        );
        self.seen
            .iter()
            .map(|s| match s {
                Seen::Failed { kind, message } => (*kind, message.as_str()),
                Seen::Response { status, .. } => {
                    panic!(
                        "expected only failures, got a {status} response: {:?}",
                        self.seen
                    )
                }
            })
            .collect()
    }

    /// Every exchange failed with `kind`, and there were exchanges: a scan
    /// that sent nothing, or got any response, fails this. The engine's own
    /// counts agree: as many failures as exchanges, no response.
    fn assert_every_exchange_failed_with(&self, kind: FailureKind) {
        let failures = self.failures();
        assert!(!failures.is_empty(), "no failure at all: {:?}", self.result);
        for (seen, message) in &failures {
            assert_eq!(*seen, kind, "{message}");
        }
        let stats = &self.result.stats;
        assert_eq!(stats.failures, failures.len() as u64, "{stats:?}");
        assert_eq!(stats.responses, 0, "{stats:?}");
    }

    /// The responses seen, failing the test on any failure.
    fn responses(&self) -> Vec<(u16, &[u8], bool)> {
        assert!(
            !self.seen.is_empty(),
            "no exchange at all: {:?}",
            self.result
        );
        self.seen
            .iter()
            .map(|s| match s {
                Seen::Response {
                    status,
                    body,
                    truncated,
                } => (*status, body.as_slice(), *truncated),
                Seen::Failed { kind, message } => {
                    panic!("expected only responses, got a {kind:?} failure: {message}")
                }
            })
            .collect()
    }

    /// The findings of `check`.
    fn findings(&self, check: &str) -> Vec<&Finding> {
        self.result
            .findings
            .iter()
            .filter(|f| f.check == check)
            .collect()
    }

    /// The finding of `check` with `signature`, failing the test when it is missing.
    fn finding(&self, check: &str, signature: &str) -> &Finding {
        self.result
            .findings
            .iter()
            .find(|f| f.check == check && f.signature == signature)
            .unwrap_or_else(|| {
                let found: Vec<(&str, &str)> = self
                    .result
                    .findings
                    .iter()
                    .map(|f| (f.check.as_str(), f.signature.as_str()))
                    .collect();
                panic!("no {check} finding with signature {signature:?}; found {found:?}")
            })
    }

    /// The scan ran to its end: every planned probe was sent once (none
    /// skipped, none retried; but a request that crashed, which is sent
    /// once more before the crash is reported, src/engine/confirm.rs) and
    /// its exchange observed and counted.
    fn assert_completed_plainly(&self) {
        let stats = &self.result.stats;
        assert_eq!(self.result.reason, StopReason::Completed, "{stats:?}");
        assert!(stats.planned > 0, "{stats:?}");
        assert_eq!(stats.skipped, 0, "{stats:?}");
        let crashed = self
            .seen
            .iter()
            .filter(|s| matches!(s, Seen::Failed { kind, .. } if kind.is_crash()))
            .count();
        if crashed == 0 {
            assert_eq!(self.seen.len(), stats.planned, "{stats:?}");
        } else {
            assert!(
                (stats.planned..=2 * stats.planned).contains(&self.seen.len()),
                "{stats:?}"
            );
        }
        assert_eq!(self.seen.len() as u64, stats.requests, "{stats:?}");
        assert_eq!(
            stats.requests,
            stats.responses + stats.failures,
            "{stats:?}"
        );
    }
}

/// Client options for these scans: a response cap of [`CAP`], no proxy.
fn client_options(timeout: Duration) -> ClientOptions {
    ClientOptions {
        timeout,
        max_response_bytes: CAP,
        env_proxy: false,
        ..ClientOptions::default()
    }
}

/// Scans `GET /item` at `url` with every check: `positive` valid probes
/// (and half as many boundary ones), nothing else, two at a time, no shrinking.
async fn scan(url: String, client: ClientOptions, positive: u32, stop: Stop) -> Run {
    scan_recorded(url, client, positive, stop, Arc::new(Recorder::default())).await
}

/// [`scan`], observed by `recorder`.
async fn scan_recorded(
    url: String,
    client: ClientOptions,
    positive: u32,
    stop: Stop,
    recorder: Arc<Recorder>,
) -> Run {
    let api = Loader::new()
        .load_str(SPEC, "hostile.yaml")
        .expect("the spec loads");
    assert_eq!(api.operations.len(), 1, "the spec has one operation");
    let result = ScanBuilder::new(api, url)
        // every check but the active probes, whose extra requests an
        // operation would blur the request counts these tests assert
        .exclude(active_checks())
        .operations(vec![0])
        .payloads(Payloads::new())
        .client(client)
        .concurrency(2)
        .seed(1)
        .plan(plan(positive))
        .run_with(Arc::clone(&recorder) as Arc<dyn Observer>, stop)
        .await;
    let seen = recorder.seen.lock().expect("the recorder's lock").clone();
    Run { result, seen }
}

/// Starts a server behaving as `behaviour` and scans it with three valid probes.
async fn scan_server(behaviour: Behaviour, timeout: Duration) -> (Server, Run) {
    let server = Server::start(behaviour).await;
    let run = scan(server.url(), client_options(timeout), 3, Stop::new()).await;
    for s in &run.seen {
        match s {
            Seen::Failed { kind, message } => eprintln!("{behaviour:?}: {kind:?}: {message}"),
            Seen::Response {
                status,
                body,
                truncated,
            } => eprintln!(
                "{behaviour:?}: {status}, {} body bytes, truncated: {truncated}",
                body.len()
            ),
        }
    }
    eprintln!("{behaviour:?}: {:?}", run.result.stats);
    (server, run)
}

/// Runs `test`, failing if it is still running after [`HANG_GUARD`].
async fn guard<T>(what: &str, test: impl Future<Output = T>) -> T {
    match tokio::time::timeout(HANG_GUARD, test).await {
        Ok(out) => out,
        Err(_) => panic!("{what}: still running after {HANG_GUARD:?}: apiprobe hung"),
    }
}

const FAST: Duration = Duration::from_millis(800);

// --- reset ---------------------------------------------------------------

#[tokio::test]
async fn transport_reset_is_a_reset() {
    guard("reset", async {
        let (server, run) = scan_server(Behaviour::Reset, FAST).await;
        run.assert_completed_plainly();
        run.assert_every_exchange_failed_with(FailureKind::Reset);
        assert_eq!(server.requests() as u64, run.result.stats.requests);
    })
    .await;
}

#[tokio::test]
async fn finding_reset_is_a_crash() {
    guard("reset", async {
        let (_server, run) = scan_server(Behaviour::Reset, FAST).await;
        let f = run.finding("crash", "reset");
        assert_eq!(f.failure.as_ref().map(|x| x.kind.as_str()), Some("reset"));
        assert!(f.response.is_none());
        assert!(run.findings("max_response_time").is_empty());
    })
    .await;
}

// --- silence -------------------------------------------------------------

const SILENCE: Behaviour = Behaviour::Silent {
    hold: Duration::from_secs(10),
};

#[tokio::test]
async fn transport_silence_times_out() {
    guard("silent", async {
        let (server, run) = scan_server(SILENCE, Duration::from_millis(500)).await;
        run.assert_completed_plainly();
        run.assert_every_exchange_failed_with(FailureKind::Timeout);
        assert_eq!(server.requests() as u64, run.result.stats.requests);
    })
    .await;
}

#[tokio::test]
async fn finding_silence_is_a_timeout() {
    guard("silent", async {
        let (_server, run) = scan_server(SILENCE, Duration::from_millis(500)).await;
        let f = run.finding("max_response_time", "timeout");
        assert_eq!(f.failure.as_ref().map(|x| x.kind.as_str()), Some("timeout"));
        // silence is slowness, not a crash
        assert!(
            run.findings("crash").is_empty(),
            "{:?}",
            run.result.findings
        );
    })
    .await;
}

#[tokio::test]
async fn a_stop_abandons_requests_in_flight() {
    guard("interrupt", async {
        let server = Server::start(Behaviour::Silent {
            hold: Duration::from_secs(120),
        })
        .await;
        let stop = Stop::new();
        let tally = Arc::clone(&server.tally);
        let stopper = {
            let stop = stop.clone();
            tokio::spawn(async move {
                // both workers' first requests are at the server (a bounded
                // wait; the assertions below fail if it ran out)
                tally
                    .until(Duration::from_secs(10), |t| {
                        t.requests.load(Ordering::SeqCst) >= 2
                    })
                    .await;
                stop.request(StopReason::Interrupted);
            })
        };
        let run = scan(
            server.url(),
            client_options(Duration::from_secs(30)),
            3,
            stop,
        )
        .await;
        stopper.await.expect("the stopper ran");
        assert_eq!(run.result.reason, StopReason::Interrupted);
        assert_eq!(server.requests(), 2, "both workers had a request in flight");
        assert_eq!(run.result.stats.requests, 2, "{:?}", run.result.stats);
        // the requests in flight were dropped, not waited out to their timeout
        assert!(run.seen.is_empty(), "{:?}", run.seen);
        assert_eq!(run.result.stats.failures, 0, "{:?}", run.result.stats);
        assert!(run.result.findings.is_empty(), "{:?}", run.result.findings);
    })
    .await;
}

// --- an endless body -----------------------------------------------------

/// Every body is capped at exactly [`CAP`] bytes and marked truncated, the
/// scan ends, and every stream was cut off by the client hanging up (not
/// read to the end and thrown away).
async fn endless(chunked: bool) {
    let (server, run) = scan_server(Behaviour::Endless { chunked }, FAST).await;
    run.assert_completed_plainly();
    let responses = run.responses();
    let largest = responses.iter().map(|(_, b, _)| b.len()).max();
    assert!(
        largest.is_some_and(|n| n <= CAP),
        "largest body {largest:?}"
    );
    for (status, body, truncated) in &responses {
        assert_eq!(*status, 200);
        assert_eq!(body.len(), CAP);
        assert!(truncated, "a capped body must be marked truncated");
        assert_eq!(body[0], b'[', "the body starts where the server's does");
    }
    assert!(
        run.findings("crash").is_empty(),
        "{:?}",
        run.result.findings
    );
    // the server notices the hang-up when its next write fails: wait for it
    // (bounded; the assertions below fail if it ran out)
    let tally = &server.tally;
    tally
        .until(Duration::from_secs(10), |t| {
            t.cut_off.load(Ordering::SeqCst) + t.exhausted.load(Ordering::SeqCst)
                == t.streams.load(Ordering::SeqCst)
        })
        .await;
    assert_eq!(
        tally.streams.load(Ordering::SeqCst),
        responses.len(),
        "one stream per exchange"
    );
    assert_eq!(
        tally.exhausted.load(Ordering::SeqCst),
        0,
        "a stream was read to its {ENDLESS_BOUND}-byte bound"
    );
    assert_eq!(
        tally.cut_off.load(Ordering::SeqCst),
        responses.len(),
        "every stream is cut off by the client"
    );
}

#[tokio::test]
async fn transport_endless_body_is_capped() {
    guard("endless", endless(false)).await;
}

#[tokio::test]
async fn transport_endless_chunked_body_is_capped() {
    guard("endless chunked", endless(true)).await;
}

// --- invalid JSON --------------------------------------------------------

const INVALID_JSON_REPLY: &str =
    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{\"id\": 1,,,";

#[tokio::test]
async fn transport_invalid_json_arrives_whole() {
    guard("invalid json", async {
        let (server, run) = scan_server(Behaviour::Reply(INVALID_JSON_REPLY), FAST).await;
        run.assert_completed_plainly();
        for (status, body, truncated) in run.responses() {
            assert_eq!(status, 200);
            assert_eq!(body, INVALID_JSON);
            assert!(!truncated);
        }
        assert_eq!(server.requests() as u64, run.result.stats.requests);
    })
    .await;
}

#[tokio::test]
async fn finding_invalid_json_breaks_the_schema() {
    guard("invalid json", async {
        let (_server, run) = scan_server(Behaviour::Reply(INVALID_JSON_REPLY), FAST).await;
        let f = run.finding("response_schema_conformance", "invalid-json");
        let response = f.response.as_ref().expect("the finding keeps the response");
        assert_eq!(response.status, 200);
        assert_eq!(response.body.as_bytes(), INVALID_JSON);
        assert!(f.failure.is_none());
        // the status and content type are the documented ones
        assert!(run.findings("status_code_conformance").is_empty());
        assert!(run.findings("content_type_conformance").is_empty());
        assert!(run.findings("crash").is_empty());
    })
    .await;
}

// --- bytes that are not HTTP ---------------------------------------------

const NONSENSE_STATUS: &str = "HTTP/1.1 abc nonsense\r\n\r\n";
const GARBAGE: &str = "\x00\x01garbage\r\n\r\n";

#[tokio::test]
async fn transport_broken_http_is_malformed() {
    guard("broken http", async {
        for bytes in [NONSENSE_STATUS, GARBAGE] {
            let (_server, run) = scan_server(Behaviour::Garbage(bytes), FAST).await;
            run.assert_completed_plainly();
            run.assert_every_exchange_failed_with(FailureKind::Malformed);
        }
    })
    .await;
}

#[tokio::test]
async fn finding_broken_http_is_a_crash() {
    guard("broken http", async {
        for bytes in [NONSENSE_STATUS, GARBAGE] {
            let (_server, run) = scan_server(Behaviour::Garbage(bytes), FAST).await;
            let f = run.finding("crash", "malformed");
            assert_eq!(
                f.failure.as_ref().map(|x| x.kind.as_str()),
                Some("malformed")
            );
        }
    })
    .await;
}

// --- a close without an answer -------------------------------------------

#[tokio::test]
async fn transport_close_without_answer_is_closed() {
    guard("close", async {
        let (server, run) = scan_server(Behaviour::Close, FAST).await;
        run.assert_completed_plainly();
        run.assert_every_exchange_failed_with(FailureKind::Closed);
        assert_eq!(server.requests() as u64, run.result.stats.requests);
    })
    .await;
}

#[tokio::test]
async fn finding_close_without_answer_is_a_crash() {
    guard("close", async {
        let (_server, run) = scan_server(Behaviour::Close, FAST).await;
        let f = run.finding("crash", "closed");
        assert_eq!(f.failure.as_ref().map(|x| x.kind.as_str()), Some("closed"));
    })
    .await;
}

// --- 429 -----------------------------------------------------------------

#[tokio::test]
async fn a_429_is_sent_again() {
    guard("429", async {
        let server = Server::start(Behaviour::TooManyOnce).await;
        let run = scan(server.url(), client_options(FAST), 2, Stop::new()).await;
        let stats = &run.result.stats;
        assert_eq!(run.result.reason, StopReason::Completed, "{stats:?}");
        // every probe ends in a 200: the 429 was not the last word; the
        // reports list the 429 as well (it went out)
        let all = run.responses();
        let (throttled, responses): (Vec<_>, Vec<_>) =
            all.into_iter().partition(|(status, _, _)| *status == 429);
        assert_eq!(throttled.len(), 1);
        for (status, body, _) in &responses {
            assert_eq!(*status, 200);
            assert_eq!(*body, b"{\"id\":1}");
        }
        let probes = responses.len();
        assert_eq!(
            probes as u64,
            stats.planned as u64 - stats.skipped,
            "{stats:?}"
        );
        // exactly one 429, and exactly one request more than probes
        assert_eq!(server.tally.throttled.load(Ordering::SeqCst), 1);
        assert_eq!(server.requests(), probes + 1, "{stats:?}");
        assert_eq!(stats.requests, probes as u64 + 1, "{stats:?}");
        assert_eq!(stats.responses, probes as u64 + 1, "{stats:?}");
        assert_eq!(stats.failures, 0, "{stats:?}");
        assert!(
            run.result
                .findings
                .iter()
                .all(|f| f.response.as_ref().is_none_or(|r| r.status != 429)),
            "{:?}",
            run.result.findings
        );
    })
    .await;
}

#[tokio::test]
async fn a_stop_ends_a_429_pause() {
    // The server asks for an hour and the engine caps a pause at 60 s: this
    // guard is shorter than that pause, so a scan that sits it out fails here.
    let pause_guard = Duration::from_secs(20);
    let server = Server::start(Behaviour::TooManyForAnHour).await;
    let stop = Stop::new();
    let tally = Arc::clone(&server.tally);
    let recorder = Arc::new(Recorder::default());
    let stopper = {
        let stop = stop.clone();
        let recorder = Arc::clone(&recorder);
        tokio::spawn(async move {
            // both workers got their 429 (bounded wait)
            tally
                .until(Duration::from_secs(10), |t| {
                    t.throttled.load(Ordering::SeqCst) >= 2
                })
                .await;
            // and the engine said it paused (its Paused event)
            tokio::time::timeout(Duration::from_secs(10), recorder.paused.notified())
                .await
                .expect("the scan announces its pause");
            stop.request(StopReason::Interrupted);
        })
    };
    let run = tokio::time::timeout(
        pause_guard,
        scan_recorded(
            server.url(),
            client_options(FAST),
            3,
            stop,
            Arc::clone(&recorder),
        ),
    )
    .await
    .expect("the scan sat out the 429 pause after it was stopped");
    stopper.await.expect("the stopper ran");
    assert_eq!(run.result.reason, StopReason::Interrupted);
    assert_eq!(server.tally.throttled.load(Ordering::SeqCst), 2);
    assert_eq!(run.result.stats.requests, 2, "{:?}", run.result.stats);
    // only the two 429s went out, and the reports list just them
    assert_eq!(run.seen.len(), 2, "{:?}", run.seen);
    assert!(
        run.seen
            .iter()
            .all(|s| matches!(s, Seen::Response { status: 429, .. })),
        "{:?}",
        run.seen
    );
    // the pause announced is the engine's cap, not the hour asked for
    let pauses = recorder.pauses.lock().expect("the recorder's lock").clone();
    assert!(
        pauses
            .iter()
            .all(|w| *w > Duration::from_secs(50) && *w <= Duration::from_secs(60)),
        "{pauses:?}"
    );
}

// --- nothing listening (the binary) --------------------------------------

#[test]
fn binary_reports_an_unreachable_target() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        listener.local_addr().expect("its address").port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let out = Cli::new(["scan", "specs/demo.yaml", "--url", &url, "--quiet"])
        .guard(HANG_GUARD)
        .run();
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{}", support::cli::text(&out));
    assert_eq!(out.status.code(), Some(3), "stderr: {stderr}");
    assert!(stderr.contains("cannot be reached"), "stderr: {stderr}");
    // the URL itself, not one with a longer port
    let named = stderr.match_indices(&url).any(|(at, _)| {
        !stderr[at + url.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
    });
    assert!(named, "stderr does not name {url}: {stderr}");
}
