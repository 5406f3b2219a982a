//! Findings that reproduce (issue 27 item 4): a connection the server
//! drops is a `crash` only when the failure was on a fresh connection and
//! the same request, sent once more, fails again.
//!
//! One hand-written server (std `TcpListener`, a thread a connection on
//! 127.0.0.1) answers by path:
//! - `/items` as uvicorn does after an unhandled error: a 500 without
//!   `Connection: close`, after which the connection is dead; the next
//!   request on it is read and the connection closed without an answer
//!   (the server's close crosses the request: the client cannot know in
//!   time). A correct client sends that request again on a fresh
//!   connection; nothing there is a crash.
//! - `/boom` drops every connection a request reaches without an answer:
//!   a crash every time, which must be reported.
//! - `/flaky` drops the first request that reaches it and answers every
//!   other with 200: one dropped connection that does not happen again,
//!   which must not be reported.
//!
//! Each scan runs on both request paths (the HTTP/1.1 fast path, and
//! reqwest, forced by following redirects) and with several seeds.

use crate::support;

use std::io::Write as _;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use apiprobe::checks::Finding;
use apiprobe::engine::{ScanResult, StopReason};
use apiprobe::generate::Payloads;
use apiprobe::http::ClientOptions;
use apiprobe::spec::Loader;
use support::cli::{Cli, fresh_dir, text};
use support::{ScanBuilder, active_checks, plan};

/// The seeds every scan here runs with.
const SEEDS: [u64; 3] = [1, 2, 3];
/// The most connections the server accepts.
const MAX_CONNECTIONS: usize = 5000;
/// How long a connection thread waits for a request before it gives up.
const IDLE: Duration = Duration::from_secs(30);

const SPEC: &str = r#"
openapi: 3.0.3
info: { title: reproduce, version: "1" }
paths:
  /items:
    get:
      operationId: listItems
      responses:
        "200":
          description: Items.
          content:
            application/json:
              schema: { type: array, items: { type: object } }
    post:
      operationId: createItem
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: { type: string, maxLength: 20 }
      responses:
        "201":
          description: Created.
          content:
            application/json:
              schema: { type: object }
  /boom:
    post:
      operationId: boom
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: { type: string, maxLength: 20 }
      responses:
        "201":
          description: Created.
  /flaky:
    get:
      operationId: flaky
      responses:
        "200":
          description: An item.
          content:
            application/json:
              schema: { type: object }
"#;

/// Operation indices, in the spec's order.
const LIST_ITEMS: usize = 0;
const CREATE_ITEM: usize = 1;
const BOOM: usize = 2;
const FLAKY: usize = 3;

const SERVER_ERROR: &[u8] = b"HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\ncontent-length: 34\r\n\r\n{\"detail\":\"Internal Server Error\"}";
const OK_ITEM: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 8\r\n\r\n{\"id\":1}";
const NOT_FOUND: &[u8] = b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n";

/// What the server counted.
#[derive(Debug, Default)]
struct Tally {
    /// Requests read.
    requests: AtomicUsize,
    /// Connections closed without an answer to a request read on them.
    dropped: AtomicUsize,
    /// Requests `/flaky` has seen.
    flaky: AtomicUsize,
}

/// The server; stops (and joins its accept thread) when dropped.
struct Server {
    address: SocketAddr,
    stop: Arc<AtomicBool>,
    tally: Arc<Tally>,
    accept: Option<JoinHandle<()>>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let address = listener.local_addr().expect("its address");
        let stop = Arc::new(AtomicBool::new(false));
        let tally = Arc::new(Tally::default());
        let accept = {
            let (stop, tally) = (Arc::clone(&stop), Arc::clone(&tally));
            std::thread::spawn(move || {
                for socket in listener.incoming().take(MAX_CONNECTIONS) {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(socket) = socket else { continue };
                    let tally = Arc::clone(&tally);
                    std::thread::spawn(move || serve(socket, &tally));
                }
            })
        };
        Server {
            address,
            stop,
            tally,
            accept: Some(accept),
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.address)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // wakes the accept loop, which sees the flag
        let _ = TcpStream::connect(self.address);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

/// One connection: requests answered by path until one is dropped.
fn serve(mut socket: TcpStream, tally: &Tally) {
    let _ = socket.set_read_timeout(Some(IDLE));
    let mut buf = Vec::new();
    // after a 500 of /items the connection is dead, as uvicorn's is
    let mut dead = false;
    while let Some(line) = support::raw::read_request_blocking(&mut socket, &mut buf)
        .and_then(|head| head.lines().next().map(str::to_owned))
    {
        tally.requests.fetch_add(1, Ordering::SeqCst);
        let path = line.split(' ').nth(1).unwrap_or("");
        let path = path.split('?').next().unwrap_or("");
        let drop_it = dead
            || path == "/boom"
            || (path == "/flaky" && tally.flaky.fetch_add(1, Ordering::SeqCst) == 0);
        if drop_it {
            tally.dropped.fetch_add(1, Ordering::SeqCst);
            return;
        }
        let answer = match path {
            "/items" => {
                dead = true;
                SERVER_ERROR
            }
            "/flaky" => OK_ITEM,
            _ => NOT_FOUND,
        };
        if socket.write_all(answer).is_err() {
            return;
        }
    }
}

/// Which request path the scan's client takes.
#[derive(Debug, Clone, Copy)]
enum Path {
    /// The HTTP/1.1 fast path.
    Fast,
    /// reqwest (forced by following redirects).
    Reqwest,
}

const PATHS: [Path; 2] = [Path::Fast, Path::Reqwest];

fn client(path: Path) -> ClientOptions {
    ClientOptions {
        timeout: Duration::from_secs(5),
        env_proxy: false,
        follow_redirects: matches!(path, Path::Reqwest),
        ..ClientOptions::default()
    }
}

/// Scans `operations` at `url`: 8 valid probes an operation and 4
/// boundary ones, no attacks, the passive checks, four at a time.
async fn scan(url: String, operations: Vec<usize>, seed: u64, path: Path) -> ScanResult {
    let api = Loader::new()
        .load_str(SPEC, "reproduce.yaml")
        .expect("the spec loads");
    let result = ScanBuilder::new(api, url)
        .exclude(active_checks())
        .operations(operations)
        .payloads(Payloads::new())
        .client(client(path))
        .concurrency(4)
        .seed(seed)
        .plan(plan(8))
        .run()
        .await;
    assert_eq!(result.reason, StopReason::Completed, "{:?}", result.stats);
    result
}

fn crashes(result: &ScanResult) -> Vec<&Finding> {
    result
        .findings
        .iter()
        .filter(|f| f.check == "crash")
        .collect()
}

fn on(findings: &[&Finding], operation: &str) -> usize {
    findings
        .iter()
        .filter(|f| f.operation.id == operation)
        .count()
}

#[tokio::test]
async fn a_500_then_a_silent_close_is_no_crash() {
    for path in PATHS {
        for seed in SEEDS {
            let server = Server::start();
            let result = scan(server.url(), vec![LIST_ITEMS, CREATE_ITEM], seed, path).await;
            let crashes = crashes(&result);
            eprintln!(
                "{path:?} seed {seed}: {} crash findings, {:?}, server dropped {}",
                crashes.len(),
                result.stats,
                server.tally.dropped.load(Ordering::SeqCst)
            );
            assert!(
                crashes.is_empty(),
                "{path:?} seed {seed}: {:#?}",
                crashes
                    .iter()
                    .map(|f| (&f.operation.id, &f.evidence))
                    .collect::<Vec<_>>()
            );
            // the server's answers are still judged: both operations 500
            for op in ["listItems", "createItem"] {
                assert!(
                    result
                        .findings
                        .iter()
                        .any(|f| f.check == "not_a_server_error" && f.operation.id == op),
                    "{path:?} seed {seed}: no 500 on {op}"
                );
            }
            let dropped = server.tally.dropped.load(Ordering::SeqCst);
            match path {
                // the server closed kept connections under requests; they
                // went again
                Path::Fast => {
                    assert!(dropped > 0);
                    assert!(
                        result.stats.resent_on_fresh_connection > 0,
                        "{path:?} seed {seed}: {:?}",
                        result.stats
                    );
                }
                // reqwest keeps no HTTP/1.1 connection: no request meets
                // a close after a 500
                Path::Reqwest => {
                    assert_eq!(dropped, 0);
                    assert_eq!(result.stats.resent_on_fresh_connection, 0);
                }
            }
            assert_eq!(result.stats.crashes_not_reproduced, 0, "{:?}", result.stats);
        }
    }
}

#[tokio::test]
async fn a_connection_dropped_every_time_is_a_crash() {
    for path in PATHS {
        for seed in SEEDS {
            let server = Server::start();
            let result = scan(server.url(), vec![CREATE_ITEM, BOOM], seed, path).await;
            let crashes = crashes(&result);
            assert_eq!(on(&crashes, "createItem"), 0, "{path:?} seed {seed}");
            assert_eq!(on(&crashes, "boom"), 1, "{path:?} seed {seed}");
            let f = crashes[0];
            assert_eq!(
                f.failure.as_ref().map(|x| x.kind.as_str()),
                Some("closed"),
                "{path:?} seed {seed}"
            );
            // the proof says it happened again
            assert!(
                f.proof
                    .iter()
                    .any(|p| p.name == "sent_again" && p.value == "closed"),
                "{path:?} seed {seed}: {:?}",
                f.proof
            );
            assert_eq!(result.stats.crashes_not_reproduced, 0, "{:?}", result.stats);
        }
    }
}

#[tokio::test]
async fn a_connection_dropped_once_is_no_crash() {
    for path in PATHS {
        for seed in SEEDS {
            let server = Server::start();
            let result = scan(server.url(), vec![FLAKY], seed, path).await;
            assert_eq!(server.tally.dropped.load(Ordering::SeqCst), 1);
            assert!(crashes(&result).is_empty(), "{path:?} seed {seed}");
            let stats = &result.stats;
            // the first request is on a fresh connection (reqwest keeps
            // no HTTP/1.1 connection at all): the engine sends it once
            // more, and the crash does not stand
            assert_eq!(
                stats.crashes_not_reproduced, 1,
                "{path:?} {seed}: {stats:?}"
            );
            assert_eq!(
                stats.resent_on_fresh_connection, 0,
                "{path:?} {seed}: {stats:?}"
            );
            // every request but the dropped one was answered
            assert_eq!(stats.responses + 1, stats.requests, "{path:?} {stats:?}");
        }
    }
}

#[tokio::test]
async fn an_active_request_dropped_once_is_sent_again() {
    // only the active phase sends: its requests go through the same
    // confirmation, and its probes see the second answer
    for seed in SEEDS {
        let server = Server::start();
        let api = Loader::new()
            .load_str(SPEC, "reproduce.yaml")
            .expect("the spec loads");
        let result = ScanBuilder::new(api, server.url())
            .operations(vec![FLAKY])
            .client(client(Path::Fast))
            .concurrency(4)
            .seed(seed)
            .plan(plan(0))
            .run()
            .await;
        let stats = &result.stats;
        assert_eq!(server.tally.dropped.load(Ordering::SeqCst), 1, "{stats:?}");
        assert!(crashes(&result).is_empty(), "{seed}");
        assert_eq!(stats.crashes_not_reproduced, 1, "{seed}: {stats:?}");
        assert_eq!(stats.responses + 1, stats.requests, "{seed}: {stats:?}");
    }
}

#[test]
fn a_reported_crash_replays_as_a_crash() {
    let server = Server::start();
    let dir = fresh_dir("scan_reproduce_replay");
    let spec = dir.join("reproduce.yaml");
    std::fs::write(&spec, SPEC).expect("the spec is written");
    let report = dir.join("report.json");
    let spec = spec.to_string_lossy().into_owned();
    let out = Cli::new([
        "scan",
        spec.as_str(),
        "--url",
        &server.url(),
        "--include",
        "id:createItem",
        "--include",
        "id:boom",
        "--cases",
        "4",
        "--attacks",
        "0",
        "--seed",
        "1",
        "--exclude-checks",
        &active_checks().join(","),
        "--no-config",
        "--quiet",
        "--report",
        &format!("json:{}", report.display()),
    ])
    .guard(support::cli::GUARD)
    .run();
    eprintln!("{}", text(&out));
    assert_eq!(out.status.code(), Some(1), "findings: exit 1");
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).expect("the report")).expect("JSON");
    let findings = written["findings"].as_array().expect("findings");
    let crash: Vec<&serde_json::Value> =
        findings.iter().filter(|f| f["check"] == "crash").collect();
    assert_eq!(crash.len(), 1, "{findings:#?}");
    let id = crash[0]["id"].as_str().expect("an id");
    let replay = Cli::new([
        "replay",
        report.to_string_lossy().as_ref(),
        "--timeout",
        "5s",
    ])
    .guard(support::cli::GUARD)
    .run();
    let stdout = String::from_utf8_lossy(&replay.stdout);
    eprintln!("{}", text(&replay));
    // every finding replays: the crash as a crash, each 500 as a 500 (on
    // a connection the 500 before it killed, sent again on a fresh one)
    for f in findings {
        let id = f["id"].as_str().expect("an id");
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with("REPRODUCED") && l.contains(id)),
            "{id} {} not reproduced: {stdout}",
            f["check"]
        );
    }
    assert!(stdout.contains(id));
}
