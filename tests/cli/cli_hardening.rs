//! Bad input and servers that give nothing back, through the binary:
//! credentials and headers with control bytes are refused at start (exit
//! 2) or, for one trailing newline, trimmed with a note; a scan none of
//! whose requests got a response never exits 0 (exit 3, with the reason),
//! while a target that accepts connections and resets them is reachable
//! and crashing (exit 1); report paths, config values and conflicting
//! flags are checked before the first request; a status outside 100-599 is
//! broken HTTP, not a server error.
//!
//! Every server here listens on 127.0.0.1, started by the test.

use crate::support;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use apiprobe::report::Report;
use support::cli::{Cli, text};
use support::raw::read_request;
use tokio::io::AsyncWriteExt as _;
use tokio::net::{TcpListener, TcpStream};

/// A scan here ends in seconds; this only catches a hang.
const GUARD: Duration = Duration::from_secs(120);
/// Connections a test server accepts at most.
const MAX_CONNECTIONS: usize = 5_000;
/// Requests a test server reads on one connection at most.
const MAX_REQUESTS_PER_CONNECTION: usize = 1_000;

/// One operation, `GET /ping`, answering a JSON object.
const SPEC: &str = r#"openapi: 3.0.3
info: { title: hardening, version: "1" }
paths:
  /ping:
    get:
      operationId: ping
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: { type: object }
"#;

/// What a test server does with each connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Behaviour {
    /// Answers every request 200 `{}` (no body to a HEAD).
    Ok,
    /// Answers every request with status 999.
    Status999,
    /// Answers every request with a 302 to `/loop`, on the same host.
    RedirectLoop,
    /// Resets every connection as soon as it is accepted (`SO_LINGER` 0),
    /// before reading a byte.
    ResetOnAccept,
    /// Reads every request and never answers (the connection stays open
    /// until the client gives up).
    Silent,
}

/// A server on 127.0.0.1 in its own runtime (stopped when dropped).
struct Server {
    addr: SocketAddr,
    /// Complete requests read.
    requests: Arc<AtomicUsize>,
    /// Each request's `authorization` value, when it had one.
    authorizations: Arc<Mutex<Vec<String>>>,
    _runtime: tokio::runtime::Runtime,
}

impl Server {
    fn start(behaviour: Behaviour) -> Server {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        let listener = runtime
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .expect("a loopback port");
        let addr = listener.local_addr().expect("the listener's address");
        let requests = Arc::new(AtomicUsize::new(0));
        let authorizations = Arc::new(Mutex::new(Vec::new()));
        let (count, seen) = (Arc::clone(&requests), Arc::clone(&authorizations));
        runtime.spawn(async move {
            for _ in 0..MAX_CONNECTIONS {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                if behaviour == Behaviour::ResetOnAccept {
                    socket.set_zero_linger().expect("SO_LINGER 0");
                    drop(socket);
                    continue;
                }
                tokio::spawn(serve(
                    socket,
                    behaviour,
                    Arc::clone(&count),
                    Arc::clone(&seen),
                ));
            }
        });
        Server {
            addr,
            requests,
            authorizations,
            _runtime: runtime,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    fn authorizations(&self) -> Vec<String> {
        self.authorizations.lock().expect("the list").clone()
    }
}

/// Serves one connection, request after request.
async fn serve(
    mut socket: TcpStream,
    behaviour: Behaviour,
    count: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<String>>>,
) {
    let mut buf = Vec::new();
    for _ in 0..MAX_REQUESTS_PER_CONNECTION {
        let Some(head) = read_request(&mut socket, &mut buf).await else {
            return;
        };
        count.fetch_add(1, Ordering::SeqCst);
        if let Some(v) = head
            .lines()
            .find_map(|l| l.strip_prefix("authorization:").map(str::trim))
        {
            seen.lock().expect("the list").push(v.to_owned());
        }
        let head_request = head.starts_with("head ");
        let answer: &[u8] = match behaviour {
            Behaviour::Ok if head_request => {
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n"
            }
            Behaviour::Ok => {
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"
            }
            Behaviour::Status999 if head_request => {
                b"HTTP/1.1 999 Odd\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n"
            }
            Behaviour::Status999 => {
                b"HTTP/1.1 999 Odd\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"
            }
            Behaviour::RedirectLoop => {
                b"HTTP/1.1 302 Found\r\nlocation: /loop\r\ncontent-length: 0\r\n\r\n"
            }
            Behaviour::ResetOnAccept => return,
            Behaviour::Silent => continue,
        };
        if socket.write_all(answer).await.is_err() {
            return;
        }
    }
}

/// A port on 127.0.0.1 that nothing listens on (bound, then let go).
fn refused_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    listener.local_addr().expect("its address").port()
}

/// A fresh folder for one test, with the spec in it.
fn workdir(name: &str) -> PathBuf {
    let dir = support::cli::fresh_dir(&format!("cli-hardening-{name}"));
    std::fs::write(dir.join("spec.yaml"), SPEC).expect("the spec");
    dir
}

/// `apiprobe scan spec.yaml --url URL` with a small plan, no config file
/// unless `extra` names one, then `extra`; run in `dir`.
fn scan(dir: &Path, url: &str, extra: &[&str]) -> Cli {
    scan_spec(dir, "spec.yaml", url, extra)
}

/// [`scan`] of another spec.
fn scan_spec(dir: &Path, spec: &str, url: &str, extra: &[&str]) -> Cli {
    let mut args = vec![
        "scan",
        spec,
        "--url",
        url,
        "--quiet",
        "--seed",
        "1",
        "--cases",
        "1",
        "--attacks",
        "0",
        "--checks",
        "not_a_server_error,crash",
    ];
    if !extra.contains(&"--config") {
        args.push("--no-config");
    }
    args.extend_from_slice(extra);
    Cli::new(args).dir(dir).guard(GUARD)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The run exited with `code` and printed `line` on stderr, whole.
#[track_caller]
fn assert_exit_with_line(out: &Output, code: i32, line: &str) {
    assert_eq!(out.status.code(), Some(code), "{}", text(out));
    let err = stderr(out);
    assert!(
        err.lines().any(|l| l == line),
        "stderr has no line {line:?}:\n{}",
        text(out)
    );
}

fn read_report(path: &Path) -> Report {
    let text = std::fs::read_to_string(path).expect("the report was written");
    serde_json::from_str(&text).expect("the report is a Report")
}

// --- item 1: control bytes in credentials and headers ----------------------

#[test]
fn a_control_byte_in_a_credential_or_header_is_refused_at_start() {
    let server = Server::start(Behaviour::Ok);
    let dir = workdir("control");
    let cases: &[(&[&str], &str)] = &[
        (
            &["--bearer", "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJ\nX"],
            "error: --bearer: control byte 0x0a at position 37",
        ),
        (
            &["--basic", "user:pa\rss"],
            "error: --basic: control byte 0x0d at position 8",
        ),
        (
            // (a NUL cannot be in an argument: the config test has one)
            &["--api-key", "X-Key:ab\u{1}c"],
            "error: --api-key: control byte 0x01 at position 9",
        ),
        (
            &["-H", "X-Tenant: a\r\nX-Injected: 1"],
            "error: -H: control byte 0x0d at position 12",
        ),
        (
            &["-H", "X-Tenant: a\u{7f}"],
            "error: -H: control byte 0x7f at position 12",
        ),
        (
            &["--login", "alice:pw\u{1b}"],
            "error: --login: control byte 0x1b at position 9",
        ),
        (
            &["--identity", "bob=bearer:to\tken"],
            "error: --identity: control byte 0x09 at position 14",
        ),
    ];
    for (extra, line) in cases {
        let out = scan(&dir, &server.url(), extra).run();
        assert_exit_with_line(&out, 2, line);
    }
    // nothing was sent for any of them
    assert_eq!(server.requests(), 0);
}

#[test]
fn a_control_byte_from_the_config_file_is_refused_naming_the_key() {
    let server = Server::start(Behaviour::Ok);
    let dir = workdir("control-config");
    let config = dir.join("apiprobe.toml");
    std::fs::write(
        &config,
        "bearer = \"${HARDENING_TOKEN}\"\n[headers]\nX-Tenant = \"a\\u0000b\"\n",
    )
    .expect("the config");
    let config_arg = config.display().to_string();
    let out = scan(&dir, &server.url(), &["--config", &config_arg])
        .env("HARDENING_TOKEN", "tok")
        .run();
    assert_exit_with_line(
        &out,
        2,
        &format!("error: {config_arg}: headers.X-Tenant: control byte 0x00 at position 2"),
    );
    assert_eq!(server.requests(), 0);
}

#[test]
fn a_trailing_newline_is_removed_with_a_note_and_the_scan_runs() {
    let server = Server::start(Behaviour::Ok);
    let dir = workdir("newline");
    // what `--bearer "$(cat token.txt)"` would give if the shell kept it
    let out = scan(&dir, &server.url(), &["--bearer", "tok-from-a-file\n"]).run();
    assert_exit_with_line(&out, 0, "note: --bearer: trailing newline removed");
    assert!(server.requests() > 0, "{}", text(&out));
    let seen = server.authorizations();
    assert!(
        !seen.is_empty() && seen.iter().all(|a| a == "bearer tok-from-a-file"),
        "{seen:?}"
    );

    // the same from a variable the config file reads, CRLF and all
    let server = Server::start(Behaviour::Ok);
    let config = dir.join("apiprobe.toml");
    std::fs::write(&config, "bearer = \"${HARDENING_TOKEN}\"\n").expect("the config");
    let config_arg = config.display().to_string();
    let out = scan(&dir, &server.url(), &["--config", &config_arg])
        .env("HARDENING_TOKEN", "tok-from-env\r\n")
        .run();
    assert_exit_with_line(
        &out,
        0,
        &format!("note: {config_arg}: bearer: trailing newline removed"),
    );
    let seen = server.authorizations();
    assert!(
        !seen.is_empty() && seen.iter().all(|a| a == "bearer tok-from-env"),
        "{seen:?}"
    );
}

// --- item 2: no response at all is never a pass ----------------------------

#[test]
fn a_budget_spent_on_a_refused_port_exits_3() {
    let dir = workdir("budget");
    let port = refused_port();
    let url = format!("http://127.0.0.1:{port}");
    let refused = format!("tcp connect to 127.0.0.1:{port}: Connection refused (os error 111)");
    for (budget, line) in [
        (
            "1",
            format!(
                "error: the target cannot be reached: {url}: no response to any of 1 request before the request budget (--max-requests) ran out: no connection ({refused})"
            ),
        ),
        (
            "2",
            format!(
                "error: the target cannot be reached: {url}: no response to any of 2 requests before the request budget (--max-requests) ran out: no connection ({refused})"
            ),
        ),
        // three refusals in a row: the engine's own streak says so first
        (
            "3",
            format!("error: the target cannot be reached: {url}: {refused}"),
        ),
    ] {
        let out = scan(
            &dir,
            &url,
            &["--max-requests", budget, "--concurrency", "1"],
        )
        .run();
        assert_exit_with_line(&out, 3, &line);
    }
}

#[test]
fn a_budget_of_no_request_is_refused() {
    let server = Server::start(Behaviour::Ok);
    let dir = workdir("budget-0");
    let out = scan(&dir, &server.url(), &["--max-requests", "0"]).run();
    assert_exit_with_line(
        &out,
        2,
        "error: invalid value '0' for '--max-requests <N>': 0 would send no request: give 1 or more",
    );
    assert_eq!(server.requests(), 0);
    // and from the config file, through the same check
    let config = dir.join("apiprobe.toml");
    std::fs::write(&config, "max-requests = 0\n").expect("the config");
    let config_arg = config.display().to_string();
    let out = scan(&dir, &server.url(), &["--config", &config_arg]).run();
    assert_exit_with_line(
        &out,
        2,
        &format!(
            "error: {config_arg}:1:16: max-requests = 0: 0 would send no request: give 1 or more"
        ),
    );
    assert_eq!(server.requests(), 0);
}

#[test]
fn a_same_host_redirect_loop_exits_3() {
    let server = Server::start(Behaviour::RedirectLoop);
    let dir = workdir("redirect");
    let url = server.url();
    let out = scan(&dir, &url, &["--follow-redirects"]).run();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let prefix = format!("error: the target cannot be reached: {url}: no response to any of ");
    let line = stderr(&out)
        .lines()
        .find(|l| l.starts_with(&prefix))
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("no line starting {prefix:?}:\n{}", text(&out)));
    assert!(
        line.contains(": a redirect could not be followed (--follow-redirects) (")
            && line.contains("more than 5 redirects"),
        "{line}"
    );
    // the server did answer: with redirects only
    assert!(server.requests() > 0);
}

#[test]
fn requests_all_refused_before_sending_exit_3() {
    let server = Server::start(Behaviour::Ok);
    let dir = workdir("local");
    let url = server.url();
    // a header name with a space: no request can carry it
    let out = scan(&dir, &url, &["--api-key", "X Key:secret:header"]).run();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let prefix = format!("error: the target cannot be reached: {url}: no response to any of ");
    let suffix = ": refused before it was sent (header \"X Key\" cannot be sent as given)";
    assert!(
        stderr(&out)
            .lines()
            .any(|l| l.starts_with(&prefix) && l.ends_with(suffix)),
        "{}",
        text(&out)
    );
    assert_eq!(server.requests(), 0);
}

#[test]
fn a_target_that_resets_every_connection_is_reachable_and_crashing() {
    let server = Server::start(Behaviour::ResetOnAccept);
    let dir = workdir("reset");
    let report = dir.join("reset.json");
    let report_arg = format!("json:{}", report.display());
    // the demo's 25 operations: enough connections at once that some are
    // reset before the client's connect call returns (which was taken for
    // a refused connection, and three of those for an unreachable target)
    let spec = concat!(env!("CARGO_MANIFEST_DIR"), "/specs/demo.yaml");
    let out = scan_spec(&dir, spec, &server.url(), &["--report", &report_arg]).run();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        !stderr(&out).contains("cannot be reached") && !stderr(&out).contains("no response"),
        "{}",
        text(&out)
    );
    let report = read_report(&report);
    let crash: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.check == "crash")
        .map(|f| f.signature.as_str())
        .collect();
    // the server reset each connection, whatever the client was doing then
    assert!(crash.contains(&"reset"), "{crash:?}\n{}", text(&out));
    assert!(
        crash.iter().all(|s| ["reset", "closed"].contains(s)),
        "{crash:?}\n{}",
        text(&out)
    );
}

#[test]
fn a_target_that_never_answers_does_not_pass() {
    // no check judges a timeout here: nothing found, and nothing heard
    let server = Server::start(Behaviour::Silent);
    let dir = workdir("silent");
    let out = scan(&dir, &server.url(), &["--timeout", "300ms"]).run();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let prefix = "error: no response from the target: none of the ";
    assert!(
        stderr(&out)
            .lines()
            .any(|l| l.starts_with(prefix) && l.contains(" requests sent got one; ")),
        "{}",
        text(&out)
    );
    assert!(server.requests() > 0);
}

// --- item 7: checked before the first request, one validation path ---------

#[test]
fn a_report_path_that_cannot_be_written_is_found_before_the_first_request() {
    let server = Server::start(Behaviour::Ok);
    let dir = workdir("report-path");
    for format in ["json", "sarif", "junit", "html", "ndjson", "har"] {
        let path = format!("/no/such/dir/x.{format}");
        let out = scan(
            &dir,
            &server.url(),
            &["--report", &format!("{format}:{path}")],
        )
        .run();
        // found before the scan, not after it: the server heard nothing
        assert_eq!(server.requests(), 0, "{format}: {}", text(&out));
        assert_exit_with_line(
            &out,
            2,
            &format!(
                "error: cannot write the report {path}: No such file or directory (os error 2)"
            ),
        );
    }
    // a folder where the file should be
    let folder = dir.display().to_string();
    let out = scan(
        &dir,
        &server.url(),
        &["--report", &format!("json:{folder}")],
    )
    .run();
    assert_exit_with_line(
        &out,
        2,
        &format!("error: cannot write the report {folder}: it is a folder"),
    );
    assert_eq!(server.requests(), 0);
}

#[test]
fn config_values_are_checked_as_the_flags_are() {
    let server = Server::start(Behaviour::Ok);
    let dir = workdir("config");
    let config = dir.join("apiprobe.toml");
    let config_arg = config.display().to_string();
    let cases: &[(&str, String)] = &[
        (
            "concurrency = 0\n",
            format!("error: {config_arg}:1:15: concurrency = 0: 0 is not in 1..=4096"),
        ),
        (
            "bearer = \"${1BAD}\"\n",
            format!(
                "error: {config_arg}:1:10: ${{1BAD}} is not a valid variable name (letters, digits and _, not starting with a digit)"
            ),
        ),
    ];
    for (toml, line) in cases {
        std::fs::write(&config, toml).expect("the config");
        let out = scan(&dir, &server.url(), &["--config", &config_arg]).run();
        assert_exit_with_line(&out, 2, line);
    }
    // the command line's own message for the same value
    let out = scan(&dir, &server.url(), &["--concurrency", "0"]).run();
    assert_exit_with_line(
        &out,
        2,
        "error: invalid value '0' for '--concurrency <CONCURRENCY>': 0 is not in 1..=4096",
    );
    assert_eq!(server.requests(), 0);
}

#[test]
fn conflicting_credentials_are_an_error() {
    let server = Server::start(Behaviour::Ok);
    let dir = workdir("conflict");
    let out = scan(&dir, &server.url(), &["--bearer", "tok", "--basic", "u:p"]).run();
    assert_exit_with_line(
        &out,
        2,
        "error: --bearer and --basic both set the Authorization header: give only one",
    );
    let out = scan(
        &dir,
        &server.url(),
        &["--basic", "u:p", "-H", "Authorization: Token t"],
    )
    .run();
    assert_exit_with_line(
        &out,
        2,
        "error: --basic and -H Authorization both set the Authorization header: give only one",
    );
    // two in the file conflict as well
    let config = dir.join("apiprobe.toml");
    std::fs::write(&config, "bearer = \"tok\"\nbasic = \"u:p\"\n").expect("the config");
    let config_arg = config.display().to_string();
    let out = scan(&dir, &server.url(), &["--config", &config_arg]).run();
    assert_exit_with_line(
        &out,
        2,
        &format!(
            "error: {config_arg}: bearer and basic both set the Authorization header: give only one"
        ),
    );
    assert_eq!(server.requests(), 0);
    // the command line's wins over the file's, and says so
    std::fs::write(&config, "bearer = \"tok\"\n").expect("the config");
    let out = scan(
        &dir,
        &server.url(),
        &["--config", &config_arg, "--basic", "u:p"],
    )
    .run();
    assert_exit_with_line(
        &out,
        0,
        &format!("note: --basic replaces bearer from {config_arg}"),
    );
    let seen = server.authorizations();
    // base64 of u:p, lower-cased by the server
    assert!(
        !seen.is_empty() && seen.iter().all(|a| a == "basic dtpw"),
        "{seen:?}"
    );
}

#[test]
fn a_status_outside_100_to_599_is_broken_http_not_a_server_error() {
    let server = Server::start(Behaviour::Status999);
    let dir = workdir("status-999");
    let report = dir.join("999.json");
    let report_arg = format!("json:{}", report.display());
    let out = scan(&dir, &server.url(), &["--report", &report_arg]).run();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = read_report(&report);
    let found: Vec<(&str, &str)> = report
        .findings
        .iter()
        .map(|f| (f.check.as_str(), f.signature.as_str()))
        .collect();
    assert_eq!(found, [("crash", "malformed")], "{}", text(&out));
    let f = &report.findings[0];
    assert_eq!(f.title, "Response is not valid HTTP");
    assert!(
        f.evidence
            .starts_with("status 999 is outside 100-599, the range HTTP defines"),
        "{}",
        f.evidence
    );
}

#[test]
fn an_overflowing_timeout_is_too_large_not_zero() {
    let dir = workdir("timeout");
    let url = format!("http://127.0.0.1:{}", refused_port());
    let out = scan(&dir, &url, &["--timeout", "99999999999999999999s"]).run();
    assert_exit_with_line(
        &out,
        2,
        "error: invalid value '99999999999999999999s' for '--timeout <TIMEOUT>': \"99999999999999999999s\" is too large (at most 999999999 seconds)",
    );
    let out = scan(&dir, &url, &["--timeout", "0s"]).run();
    assert_exit_with_line(
        &out,
        2,
        "error: invalid value '0s' for '--timeout <TIMEOUT>': \"0s\" must be more than zero",
    );
}

#[test]
fn inspect_exits_2_when_operations_could_not_be_read() {
    let out = Cli::new(["inspect", "tests/fixtures/refs/broken_parameter.yaml"])
        .guard(GUARD)
        .run();
    assert_exit_with_line(
        &out,
        2,
        "error: 1 operation(s) could not be read and are left out:",
    );
    // what could be read is still printed
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("skipped:    1"),
        "{}",
        text(&out)
    );
}
