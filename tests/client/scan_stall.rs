//! A target that stalls: a single-threaded server (one connection at a
//! time, as many small servers are) whose `POST /users` takes time
//! exponential in the length of its `email` (a catastrophic regular
//! expression, modelled: 2^(length/8) ms), while `GET /search` has a quick,
//! plain flaw (a 500 with a traceback). A long boundary value stalls the
//! whole server; the scan must name that request as a `denial_of_service`
//! finding, wait for the target, go on with its other findings intact, and
//! end in bounded time; a target that never comes back ends the scan with
//! `TargetLost` (exit 3, reports written).
//!
//! Look-alikes: a server slow on every request but always answering within
//! the timeout, and a server with many threads on which one kind of request
//! times out while every other is answered, give no `denial_of_service`.
//!
//! A stalled request blocks until the test releases it or its hold runs out
//! (a bounded wait on a channel); the servers end with the test.

use crate::support;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use apiprobe::checks::Finding;
use apiprobe::engine::{Event, Observer, ScanResult, Stop, StopReason};
use apiprobe::generate::Payloads;
use apiprobe::probes::PlanOptions;
use support::ScanBuilder;
use support::cli::{Cli, fresh_dir, text};

/// `GET /status`, `GET /search` (a 500 with a traceback to every request)
/// and `POST /users` (slow in the length of `email`), in this order.
const SPEC: &str = r#"
openapi: 3.0.3
info: { title: stall, version: "1" }
paths:
  /status:
    get:
      operationId: status
      responses:
        "200":
          description: Up.
          content:
            application/json:
              schema: { type: object }
  /search:
    get:
      operationId: search
      parameters:
        - { name: q, in: query, required: true, schema: { type: string, maxLength: 20 } }
      responses:
        "200": { description: Results. }
  /users:
    post:
      operationId: createUser
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [email]
              properties:
                email: { type: string, minLength: 3, maxLength: 200 }
      responses:
        "201": { description: Created. }
        "400": { description: Invalid. }
"#;

/// An `email` longer than this takes more than 2^(64/8) = 256 ms: the
/// handler holds instead (see [`Hold`]).
const LONGEST_QUICK: usize = 64;
/// The client's timeout in these scans.
const TIMEOUT: Duration = Duration::from_secs(1);
/// The hang guard of every scan here (not a speed assertion).
const GUARD: Duration = Duration::from_secs(120);

/// How long a long `email` holds the server.
#[derive(Debug, Clone, Copy)]
enum Hold {
    /// This long, then the server goes on.
    For(Duration),
    /// Until the test ends (at most a minute).
    Forever,
}

/// How the server serves.
#[derive(Debug, Clone, Copy)]
struct Behaviour {
    hold: Hold,
    /// A thread per connection instead of one connection at a time.
    threaded: bool,
    /// Every answer takes this long at least.
    delay: Duration,
}

const STALLS: Behaviour = Behaviour {
    hold: Hold::For(Duration::from_secs(2)),
    threaded: false,
    delay: Duration::ZERO,
};

/// A server on 127.0.0.1 that behaves as [`Behaviour`] says.
struct Server {
    url: String,
    /// Dropped at the end: ends every hold at once.
    release: Option<Sender<()>>,
    done: Arc<AtomicBool>,
    /// Requests that held the server.
    holds: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
    addr: std::net::SocketAddr,
}

impl Server {
    fn start(behaviour: Behaviour) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("an address");
        let (release, released) = channel::<()>();
        let released = Arc::new(Mutex::new(released));
        let done = Arc::new(AtomicBool::new(false));
        let holds = Arc::new(AtomicUsize::new(0));
        let thread = {
            let (done, holds) = (Arc::clone(&done), Arc::clone(&holds));
            std::thread::spawn(move || {
                for socket in listener.incoming() {
                    if done.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(socket) = socket else { continue };
                    let (released, holds) = (Arc::clone(&released), Arc::clone(&holds));
                    if behaviour.threaded {
                        std::thread::spawn(move || serve(socket, behaviour, &released, &holds));
                    } else {
                        serve(socket, behaviour, &released, &holds);
                    }
                }
            })
        };
        Server {
            url: format!("http://{addr}"),
            release: Some(release),
            done,
            holds,
            thread: Some(thread),
            addr,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.done.store(true, Ordering::SeqCst);
        self.release.take();
        // wake the accept loop; it ends at its next connection
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Reads one request (head and `content-length` body) and answers it, then
/// closes the connection (`Connection: close`).
fn serve(
    mut socket: TcpStream,
    behaviour: Behaviour,
    released: &Mutex<Receiver<()>>,
    holds: &AtomicUsize,
) {
    let _ = socket.set_read_timeout(Some(Duration::from_secs(5)));
    let Some((head, body)) = read_request(&mut socket) else {
        return;
    };
    let line = head.lines().next().unwrap_or_default().to_owned();
    std::thread::sleep(behaviour.delay);
    let (status, content) = if line.starts_with("GET /status") {
        ("200 OK", r#"{"ok":true}"#.to_owned())
    } else if line.starts_with("GET /search") {
        (
            "500 Internal Server Error",
            "Traceback (most recent call last):\n  File \"app.py\", line 12, in search\nValueError: bad query".to_owned(),
        )
    } else if line.starts_with("POST /users") {
        let email = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("email").and_then(|e| e.as_str()).map(str::to_owned));
        match email {
            Some(email) => {
                let length = email.chars().count();
                if length > LONGEST_QUICK {
                    holds.fetch_add(1, Ordering::SeqCst);
                    let hold = match behaviour.hold {
                        Hold::For(d) => d,
                        Hold::Forever => Duration::from_secs(60),
                    };
                    // the test's release (dropped at its end) or the hold's end
                    let wait = released.lock().map(|r| r.recv_timeout(hold));
                    if matches!(wait, Ok(Err(RecvTimeoutError::Disconnected))) {
                        return;
                    }
                } else {
                    std::thread::sleep(Duration::from_millis(1 << (length / 8)));
                }
                ("201 Created", r#"{"id":1}"#.to_owned())
            }
            None => ("400 Bad Request", r#"{"error":"email"}"#.to_owned()),
        }
    } else {
        ("404 Not Found", String::new())
    };
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{content}",
        content.len()
    );
    // the client may have given up long ago
    let _ = socket.write_all(response.as_bytes());
    let _ = socket.shutdown(Shutdown::Both);
}

fn read_request(socket: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if data.len() > 1 << 20 {
            return None;
        }
        let n = socket.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&data[..end]).into_owned();
    let length = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(n, _)| n.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .unwrap_or(0)
        .min(1 << 20);
    let mut body = data[end..].to_vec();
    while body.len() < length {
        let n = socket.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&buf[..n]);
    }
    Some((head, body))
}

/// Records the stall and recovery events.
#[derive(Default)]
struct Recorder {
    stalled: Mutex<Vec<String>>,
    recovered: AtomicUsize,
    health: AtomicUsize,
}

impl Observer for Recorder {
    fn on_event(&self, event: &Event<'_>) {
        match event {
            Event::Stalled { last_request, .. } => {
                if let Ok(mut s) = self.stalled.lock() {
                    s.push((*last_request).to_owned());
                }
            }
            Event::Recovered { .. } => {
                self.recovered.fetch_add(1, Ordering::SeqCst);
            }
            Event::Exchange { probe, .. } if probe.label() == "active:health" => {
                self.health.fetch_add(1, Ordering::SeqCst);
            }
            _ => {}
        }
    }
}

/// The plan of these scans: 8 valid cases (4 boundary: a long `email`
/// among them, with the seeds used here), 2 invalid, no attacks.
fn small_plan() -> PlanOptions {
    PlanOptions {
        positive: 8,
        negative: 2,
        attacks_per_family: 0,
        unsupported_methods: false,
        missing_headers: false,
        ..PlanOptions::default()
    }
}

/// Scans `server` with every passive check, 4 at a time, the client's
/// timeout [`TIMEOUT`], waiting at most `recovery` for a stalled target.
async fn scan(server: &Server, seed: u64, recovery: Duration) -> (ScanResult, Arc<Recorder>) {
    let recorder = Arc::new(Recorder::default());
    let result = ScanBuilder::new(support::api(SPEC), server.url.clone())
        .exclude(support::active_checks())
        .payloads(Payloads::new())
        .timeout(TIMEOUT)
        .concurrency(4)
        .seed(seed)
        .plan(small_plan())
        .options(|o| o.recovery_timeout = recovery)
        .guard(GUARD)
        .run_with(Arc::clone(&recorder) as Arc<dyn Observer>, Stop::new())
        .await;
    (result, recorder)
}

fn findings<'r>(result: &'r ScanResult, check: &str) -> Vec<&'r Finding> {
    result
        .findings
        .iter()
        .filter(|f| f.check == check)
        .collect()
}

/// The `email` of a finding's request, when it has one.
fn email(finding: &Finding) -> Option<String> {
    let body = finding.request.body.as_ref()?;
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    v.get("email")?.as_str().map(str::to_owned)
}

fn summary(result: &ScanResult) -> String {
    let found: Vec<(&str, &str, &str)> = result
        .findings
        .iter()
        .map(|f| {
            (
                f.check.as_str(),
                f.operation.id.as_str(),
                f.signature.as_str(),
            )
        })
        .collect();
    format!("{:?}; {:?}; {found:?}", result.reason, result.stats)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stall_is_named_and_the_scan_goes_on() {
    // whether a seed's plan sends a long email is the plan's choice (the
    // boundary edge of a string is its shortest or its longest value):
    // seeds that send none must find no stall, the others must name it
    let mut stalled_seeds = 0;
    for seed in 1..=8 {
        let server = Server::start(STALLS);
        let started = std::time::Instant::now();
        let (result, recorder) = scan(&server, seed, Duration::from_secs(20)).await;
        let why = summary(&result);
        eprintln!(
            "seed {seed}: {:.1} s: {why}",
            started.elapsed().as_secs_f64()
        );
        assert_eq!(result.reason, StopReason::Completed, "{why}");
        if server.holds.load(Ordering::SeqCst) == 0 {
            assert!(findings(&result, "denial_of_service").is_empty(), "{why}");
            assert_eq!(result.stats.stalls, 0, "{why}");
            continue;
        }
        stalled_seeds += 1;
        // the stall, named: the request with the long email
        let dos = findings(&result, "denial_of_service");
        assert_eq!(dos.len(), 1, "{why}");
        let f = dos[0];
        eprintln!("{}: {}", f.title, f.evidence);
        assert_eq!(f.operation.id, "createUser", "{why}");
        assert_eq!(f.severity.as_str(), "high");
        assert_eq!(f.cwe, Some(400));
        let long = email(f).is_some_and(|e| e.chars().count() > LONGEST_QUICK);
        assert!(long, "the finding names another request: {:?}", f.request);
        assert!(f.evidence.contains("GET /status"), "{}", f.evidence);
        assert!(f.curl.contains("/users"), "{}", f.curl);
        assert!(result.stats.stalls >= 1, "{why}");
        // the display heard of it, and of the recovery
        let stalled = recorder
            .stalled
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default();
        assert!(
            stalled.iter().any(|s| s.starts_with("POST /users")),
            "{stalled:?}"
        );
        assert!(recorder.recovered.load(Ordering::SeqCst) >= 1, "{why}");
        assert!(recorder.health.load(Ordering::SeqCst) >= 2, "{why}");
        // the other findings are intact
        assert!(
            result
                .findings
                .iter()
                .any(|f| f.check == "not_a_server_error" && f.operation.id == "search"),
            "{why}"
        );
        // requests the stall failed were sent again, not reported as slow
        let timeouts: Vec<&str> = findings(&result, "max_response_time")
            .iter()
            .filter(|f| f.signature == "timeout")
            .map(|f| f.operation.id.as_str())
            .collect();
        assert!(
            timeouts.iter().all(|op| *op == "createUser"),
            "timeouts reported on operations the stall only held up: {timeouts:?}; {why}"
        );
    }
    assert!(
        stalled_seeds >= 3,
        "only {stalled_seeds} seeds sent a long email"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_never_comes_back_is_lost() {
    let server = Server::start(Behaviour {
        hold: Hold::Forever,
        ..STALLS
    });
    let (result, recorder) = scan(&server, 1, Duration::from_secs(2)).await;
    let why = summary(&result);
    eprintln!("{why}");
    match &result.reason {
        StopReason::TargetLost(detail) => {
            assert!(detail.contains("POST /users"), "{detail}");
            assert!(detail.contains("--recovery-timeout"), "{detail}");
        }
        other => panic!("expected a lost target, got {other:?}: {why}"),
    }
    assert!(result.reason.is_target_error());
    assert_eq!(findings(&result, "denial_of_service").len(), 1, "{why}");
    // found before the stall, kept
    assert!(
        result
            .findings
            .iter()
            .any(|f| f.check == "not_a_server_error" && f.operation.id == "search"),
        "{why}"
    );
    assert_eq!(recorder.recovered.load(Ordering::SeqCst), 0, "{why}");
}

#[test]
fn the_binary_exits_3_with_its_reports_when_the_target_is_lost() {
    let server = Server::start(Behaviour {
        hold: Hold::Forever,
        ..STALLS
    });
    let dir = fresh_dir("stall-lost");
    let spec = dir.join("spec.yaml");
    std::fs::write(&spec, SPEC).expect("the spec is written");
    let report = dir.join("report.json");
    let ndjson = dir.join("events.ndjson");
    let out = Cli::new([
        "scan",
        spec.to_str().expect("a UTF-8 path"),
        "--url",
        &server.url,
        "--timeout",
        "1s",
        "--recovery-timeout",
        "2s",
        "--concurrency",
        "4",
        "--cases",
        "4",
        "--attacks",
        "0",
        "--exclude-checks",
        &support::active_checks().join(","),
        "--seed",
        "1",
        "--quiet",
        "--report",
        &format!("json:{}", report.display()),
        "--report",
        &format!("ndjson:{}", ndjson.display()),
    ])
    .guard(GUARD)
    .run();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("target lost"), "{}", text(&out));
    let json = std::fs::read_to_string(&report).expect("the JSON report is written");
    assert!(json.contains("denial_of_service"), "{json}");
    let events = std::fs::read_to_string(&ndjson).expect("the NDJSON report is written");
    assert!(events.contains("\"event\":\"stalled\""), "{events}");
    assert!(
        events.contains("active:health"),
        "health requests are listed: {events}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

// --- look-alikes -----------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_slow_on_every_request_is_no_stall() {
    // one connection at a time, 100 ms each, 4 clients: up to about
    // 400 ms an answer, below the 1 s timeout; no email is long enough to hold
    let server = Server::start(Behaviour {
        delay: Duration::from_millis(100),
        hold: Hold::For(Duration::ZERO),
        ..STALLS
    });
    let (result, recorder) = scan(&server, 1, Duration::from_secs(20)).await;
    let why = summary(&result);
    assert_eq!(result.reason, StopReason::Completed, "{why}");
    assert!(findings(&result, "denial_of_service").is_empty(), "{why}");
    assert_eq!(result.stats.stalls, 0, "{why}");
    assert!(
        recorder
            .stalled
            .lock()
            .map(|s| s.is_empty())
            .unwrap_or(false),
        "{why}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_on_a_server_that_still_answers_are_no_stall() {
    // a thread per connection: a long email holds its own thread past the
    // client's timeout, while the server answers everything else
    let server = Server::start(Behaviour {
        threaded: true,
        ..STALLS
    });
    let (result, recorder) = scan(&server, 1, Duration::from_secs(20)).await;
    let why = summary(&result);
    assert!(
        server.holds.load(Ordering::SeqCst) > 0,
        "nothing timed out: {why}"
    );
    assert_eq!(result.reason, StopReason::Completed, "{why}");
    assert!(findings(&result, "denial_of_service").is_empty(), "{why}");
    assert_eq!(result.stats.stalls, 0, "{why}");
    // the timeouts are the requests' own, reported as such
    assert!(
        findings(&result, "max_response_time")
            .iter()
            .any(|f| f.signature == "timeout" && f.operation.id == "createUser"),
        "{why}"
    );
    // a health request told them apart
    assert!(recorder.health.load(Ordering::SeqCst) >= 1, "{why}");
}
