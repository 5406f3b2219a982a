//! What a newcomer sees in the terminal (issue 25): the demo's curl commands
//! carry its own tokens; a scan of one's own API masks and says how to see
//! them; long commands are cut and say where they are whole; the summary
//! says the seed and how to repeat, and which flags would reach operations
//! that refused every request. A snapshot of the demo's summary makes a
//! change of what it looks like a reviewed change.
//!
//! The snapshot: `tests/cli/snapshots/cli__cli_first_look__demo_summary.snap`.
//! After an intended change, `INSTA_UPDATE=always cargo test --test cli --
//! cli_first_look` rewrites it (or `cargo insta review` / `accept` with
//! cargo-insta); review the diff and commit it.
#![cfg(feature = "demo")]

use crate::support;

use std::io::Write as _;
use std::net::TcpListener;
use std::path::PathBuf;
use std::time::Duration;

use apiprobe::report::Report;
use support::cli::{fresh_dir, run as apiprobe, text};
use support::raw::read_request_blocking;

/// A server that answers every request with `status` and a JSON body, on
/// 127.0.0.1 (one thread per connection, keep-alive).
fn server(status: u16) -> String {
    server_for_bodies(status, 0)
}

/// A server that answers `status` to requests whose body is at least
/// `min_body` bytes long, 200 to the others.
fn server_for_bodies(status: u16, min_body: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        for socket in listener.incoming() {
            let Ok(mut socket) = socket else { continue };
            std::thread::spawn(move || {
                let _ = socket.set_read_timeout(Some(Duration::from_secs(30)));
                let mut buf = Vec::new();
                while let Some(head) = read_request_blocking(&mut socket, &mut buf) {
                    let length = head
                        .lines()
                        .find_map(|l| {
                            let (name, value) = l.split_once(':')?;
                            name.eq_ignore_ascii_case("content-length")
                                .then(|| value.trim().parse::<usize>().ok())?
                        })
                        .unwrap_or(0);
                    let status = if length >= min_body { status } else { 200 };
                    let body = r#"{"error":"no"}"#;
                    let answer = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if socket.write_all(answer.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("http://{address}")
}

/// A spec of three operations behind a bearer token and one with a long
/// required body (its valid requests are over 2,000 characters).
const SPEC: &str = r#"openapi: 3.0.3
info: {title: first look, version: "1"}
components:
  securitySchemes:
    token: {type: http, scheme: bearer}
security: [{token: []}]
paths:
  /ledger:
    get:
      responses: {"200": {description: ok}}
  /ledger/{entry}:
    get:
      parameters: [{name: entry, in: path, required: true, schema: {type: integer}}]
      responses: {"200": {description: ok}}
  /exports:
    get:
      responses: {"200": {description: ok}}
  /letters:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [text]
              properties:
                text: {type: string, minLength: 2200, maxLength: 2300, pattern: "^[a-z]+$"}
      responses: {"201": {description: ok}}
"#;

fn spec(dir: &std::path::Path) -> String {
    let path = dir.join("spec.yaml");
    std::fs::write(&path, SPEC).expect("spec written");
    path.display().to_string()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A scan of `url` with `extra` flags (few cases, no active probes).
fn scan(dir: &std::path::Path, url: &str, extra: &[&str]) -> std::process::Output {
    let spec = spec(dir);
    let mut args = vec![
        "scan",
        &spec,
        "--url",
        url,
        "--quiet",
        "--cases",
        "3",
        "--attacks",
        "0",
    ];
    args.extend_from_slice(extra);
    let out = apiprobe(&args);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out));
    out
}

#[test]
fn a_scan_without_credentials_of_a_refusing_api_names_the_flags() {
    let dir = fresh_dir("first-look-refused");
    let url = server(401);
    let out = scan(&dir, &url, &["--seed", "4"]);
    let shown = stdout(&out);
    assert!(
        shown.contains(
            "4 operations of 4 answered 401 or 403 to every request and the scan had no credentials: --bearer TOKEN would reach past the sign-in: GET /ledger, GET /ledger/{entry}, GET /exports, POST /letters"
        ),
        "{shown}"
    );
    // given a token that is refused too, the hint says so instead
    let out = scan(&dir, &url, &["--seed", "4", "--bearer", "tok-refused-1234"]);
    let shown = stdout(&out);
    assert!(
        shown.contains(
            "4 operations of 4 answered 401 or 403 to every request, with the credentials given"
        ),
        "{shown}"
    );
    assert!(!shown.contains("tok-refused-1234"), "{shown}");
    // an API that answers gives no such hint
    let out = scan(&dir, &server(500), &["--seed", "4"]);
    assert!(
        !stdout(&out).contains("answered 401 or 403"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn masked_secrets_are_announced_once_and_shown_on_request() {
    let dir = fresh_dir("first-look-masked");
    let url = server(500);
    let token = "tok-first-look-5678";
    let out = scan(&dir, &url, &["--seed", "2", "--bearer", token]);
    let shown = stdout(&out);
    assert!(shown.contains("Bearer ***"), "{shown}");
    assert!(!shown.contains(token), "{shown}");
    assert!(
        shown.ends_with("secrets are masked; --show-secrets prints them\n"),
        "{shown}"
    );
    assert_eq!(shown.matches("--show-secrets prints them").count(), 1);
    let out = scan(
        &dir,
        &url,
        &["--seed", "2", "--bearer", token, "--show-secrets"],
    );
    let shown = stdout(&out);
    assert!(shown.contains(&format!("Bearer {token}")), "{shown}");
    assert!(!shown.contains("secrets are masked"), "{shown}");
    // nothing to mask, nothing said
    let out = scan(&dir, &url, &["--seed", "2"]);
    assert!(
        !stdout(&out).contains("secrets are masked"),
        "{}",
        stdout(&out)
    );
}

/// The reproduce line of the not_a_server_error finding on POST /letters.
fn letters_line(shown: &str) -> String {
    let mut lines = shown
        .lines()
        .skip_while(|l| !l.contains("POST /letters: 500"));
    lines
        .find(|l| l.trim_start().starts_with("reproduce:"))
        .unwrap_or_else(|| panic!("no reproduce line for POST /letters: {shown}"))
        .to_owned()
}

#[test]
fn long_commands_are_cut_and_say_where_they_are_whole() {
    let dir = fresh_dir("first-look-cut");
    let url = server_for_bodies(500, 2000);
    let only = [
        "--seed",
        "6",
        "--checks",
        "not_a_server_error",
        "--no-shrink",
    ];
    let out = scan(&dir, &url, &only);
    let line = letters_line(&stdout(&out));
    assert!(line.chars().count() < 900, "{line}");
    assert!(
        line.contains("in the JSON report: add --report json:PATH)"),
        "{line}"
    );
    // with a JSON report, the line names it and the finding's id in it
    let path: PathBuf = dir.join("r.json");
    let report = format!("json:{}", path.display());
    let out = scan(&dir, &url, &[&only[..], &["--report", &report]].concat());
    let line = letters_line(&stdout(&out));
    let written: Report =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("report")).expect("a report");
    let finding = written
        .findings
        .iter()
        .find(|f| f.operation.path == "/letters")
        .expect("the finding on /letters");
    assert!(finding.curl.chars().count() > 2200, "{}", finding.curl);
    assert!(
        line.contains(&format!(
            "whole: finding {} in {})",
            finding.id,
            path.display()
        )),
        "{line}"
    );
    // the cut keeps the URL and the headers whole, and the body's start
    assert!(
        line.contains("-H 'content-type: application/json' --data-binary '{\"text\":\""),
        "{line}"
    );
    // a short command is shown whole
    assert!(
        stdout(&out)
            .lines()
            .filter(|l| l.contains("reproduce:") && !l.contains("/letters"))
            .all(|l| !l.contains("(cut at")),
        "{}",
        stdout(&out)
    );
}

#[test]
fn the_summary_says_the_seed_and_how_to_repeat() {
    let dir = fresh_dir("first-look-seed");
    let url = server(500);
    let out = scan(&dir, &url, &["--seed", "5"]);
    assert!(
        stdout(&out).contains("seed 5: the same flags with --seed 5 send the same requests again"),
        "{}",
        stdout(&out)
    );
    let out = scan(&dir, &url, &[]);
    let shown = stdout(&out);
    let seed = shown
        .lines()
        .find_map(|l| {
            l.strip_prefix("apiprobe: ")?
                .rsplit_once("seed ")
                .map(|(_, s)| s.to_owned())
        })
        .unwrap_or_else(|| panic!("no seed in the header: {shown}"));
    assert!(
        shown.contains(&format!(
            "seed {seed} (picked for this run): another seed generates other values and can find more or fewer; --seed {seed} repeats this run"
        )),
        "{shown}"
    );
}

#[test]
fn the_demo_prints_its_own_tokens_so_its_commands_can_be_pasted() {
    let out = apiprobe(&[
        "demo",
        "--seed",
        "2",
        "--quiet",
        "--checks",
        "jwt_forgery,server_banner",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let shown = stdout(&out);
    assert!(!shown.contains("***"), "{shown}");
    assert!(!shown.contains("secrets are masked"), "{shown}");
    // a signed-in command carries a whole token (header.payload.signature)
    let token = shown
        .lines()
        .filter(|l| l.contains("reproduce:"))
        .find_map(|l| l.split("Bearer ").nth(1)?.split('\'').next())
        .unwrap_or_else(|| panic!("no bearer token in a command: {shown}"));
    assert_eq!(token.split('.').count(), 3, "{token}");
    assert!(token.starts_with("eyJ"), "{token}");
}

/// The demo's summary reduced to what does not change from run to run:
/// the port, the counts and times of the header, the evidence (ids the
/// server made, timings) and the commands (ids, generated values, tokens)
/// are replaced; the rest is kept.
fn stable(summary: &str) -> String {
    let mut out = Vec::new();
    for line in summary.lines() {
        let line = mask_port(line);
        let line = if let Some(rest) = line.strip_prefix("apiprobe: ") {
            let (operations, rest) = rest.split_once(", ").unwrap_or((rest, ""));
            let seed = rest.rsplit_once(", ").map_or("", |(_, s)| s);
            format!("apiprobe: {operations}, [N] requests in [T] s ([R] requests/s), {seed}")
        } else if line.trim_start().starts_with("evidence:") {
            "    evidence: [..]".to_owned()
        } else if let Some(command) = line.trim_start().strip_prefix("reproduce: ") {
            // which request (its ids, its generated values) varies; how a
            // cut one ends does not
            let cut = command
                .split_once("… (cut at ")
                .map(|(_, tail)| {
                    let id = tail
                        .split("finding ")
                        .nth(1)
                        .and_then(|t| t.split(' ').next());
                    let tail = id.map_or(tail.to_owned(), |id| tail.replace(id, "[ID]"));
                    format!(" … (cut at {}", digits(&tail))
                })
                .unwrap_or_default();
            let curl = command.split(' ').next().unwrap_or_default();
            format!("    reproduce: {curl} [..]{cut}")
        } else if line.starts_with("re-signed") || line.starts_with("note: ") {
            // counts of connection and token events: timing, not the scan
            continue;
        } else if let Some((title, _)) = line.rsplit_once(" ×") {
            format!("{title} ×[N]")
        } else {
            line
        };
        out.push(line);
    }
    out.join("\n")
}

fn mask_port(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find("127.0.0.1:") {
        out.push_str(&rest[..at]);
        out.push_str("127.0.0.1:PORT");
        rest = rest[at + "127.0.0.1:".len()..].trim_start_matches(|c: char| c.is_ascii_digit());
    }
    out.push_str(rest);
    out
}

/// Runs of digits as `N`.
fn digits(text: &str) -> String {
    let mut out = String::new();
    let mut in_number = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            if !in_number {
                out.push('N');
            }
            in_number = true;
        } else {
            out.push(c);
            in_number = false;
        }
    }
    out
}

/// The checks of the snapshot.
const STABLE_CHECKS: &str = "command_injection,sql_injection,sql_error_leak,secret_leak,\
     crash,template_injection,path_traversal,jwt_forgery,debug_page,stack_trace_leak";

#[test]
fn demo_summary() {
    // checks whose findings on the demo do not vary from run to run (timing
    // checks and the ones that race the demo's shared state left out), the
    // crash on POST /comments among them for a cut command
    let out = apiprobe(&["demo", "--seed", "1", "--quiet", "--checks", STABLE_CHECKS]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let shown = stable(&stdout(&out));
    assert!(shown.contains("(cut at"), "{shown}");
    insta::assert_snapshot!("demo_summary", shown);
}
