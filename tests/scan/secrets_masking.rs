//! No secret escapes through any output, whole, in pieces or encoded.
//!
//! The property test drives the real checks, findings and report writers
//! (JSON, SARIF, JUnit, HTML, NDJSON, HAR, the terminal summary and the
//! curl commands in them) on exchanges whose bodies echo a random secret,
//! in text and in bodies that are not UTF-8, placed across every cut: the
//! evidence's 200 characters, the summary's 240, the recorded excerpts'
//! 4 KiB and the HAR's 256 KiB. No output may hold a piece of 6 or more
//! characters of the secret, as it is, percent-encoded, base64-encoded (at
//! any alignment, so inside `Basic base64(user:password)` too) or escaped
//! (JSON, HTML, XML).
//!
//! The end-to-end test scans an echo server on 127.0.0.1 with the binary,
//! with `--bearer`, `--basic` and a URL holding `user:password@`, every
//! report format, and checks the files, stdout and stderr the same way.

use crate::support;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use apiprobe::checks::{Finding, Judge, Settings, select};
use apiprobe::engine::{Event, Observer, Silent, Stats, StopReason};
use apiprobe::generate::{Case, Intent, Request, RequestBody, Values};
use apiprobe::http::{Exchange, Failure, FailureKind, Outcome, Response, SentRequest};
use apiprobe::model::{Api, Operation};
use apiprobe::probes::ProbeKind;
use apiprobe::report::{
    Format, HAR_BODY_CAP, Report, ReportSpec, Secrets, Streams, Style, html, junit, sarif, summary,
};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use proptest::prelude::*;

/// The shortest piece of a secret no output may hold.
const PIECE: usize = 6;

// ---------------------------------------------------------------------------
// Finding pieces of a secret in an output, in every form

/// The ways an output may hold text: as it is, JSON-unescaped, HTML/XML-
/// unescaped, percent-decoded (and `+` as a space).
fn views(text: &str) -> Vec<String> {
    let json = json_unescape(text);
    let decode = |t: &str| {
        percent_encoding::percent_decode_str(t)
            .decode_utf8_lossy()
            .into_owned()
    };
    let mut out = vec![
        // as a shell reads single quotes
        text.replace("'\\''", "'"),
        decode(&json),
        decode(&text.replace('+', " ")),
        markup_unescape(text),
        decode(text),
        json,
    ];
    out.retain(|v| v != text);
    out.sort();
    out.dedup();
    out.insert(0, text.to_owned());
    out
}

fn json_unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) => out.push(ch),
                    None => out.push('\u{FFFD}'),
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

fn markup_unescape(text: &str) -> String {
    let mut out = text.to_owned();
    for (from, to) in [
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", "\""),
        ("&apos;", "'"),
        ("&#39;", "'"),
        ("&#x27;", "'"),
        ("&#34;", "\""),
        ("&#x22;", "\""),
        ("&#x2F;", "/"),
        ("&#47;", "/"),
        ("&#x60;", "`"),
        ("&#61;", "="),
        ("&#x3D;", "="),
        ("&amp;", "&"),
    ] {
        out = out.replace(from, to);
    }
    out
}

/// Every run of base64 characters (either alphabet, as the standard one)
/// of 8 or more in `text`.
fn base64_runs(text: &str, into: &mut HashSet<String>) {
    let is_b64 = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '-' | '_');
    for run in text.split(|c: char| !is_b64(c)) {
        if run.len() >= 8 && !into.contains(run) {
            into.insert(run.replace('-', "+").replace('_', "/"));
        }
    }
}

/// A run decoded at each of the 4 alignments it may have.
fn base64_decodings(run: &str) -> Vec<Vec<u8>> {
    (0..4)
        .filter_map(|skip| {
            let rest = run.get(skip..)?;
            let whole = rest.len() / 4 * 4;
            STANDARD_NO_PAD.decode(&rest[..whole]).ok()
        })
        .collect()
}

/// The first piece of `secret` (of [`PIECE`] characters; the secrets here
/// are ASCII) that `output` holds in any form, with where.
fn leak(output: &str, secret: &str) -> Option<String> {
    let pieces: Vec<&str> = (0..=secret.len() - PIECE)
        .filter_map(|i| secret.get(i..i + PIECE))
        .collect();
    let views = views(output);
    for view in &views {
        if let Some(p) = pieces.iter().find(|p| view.contains(*p)) {
            let at = view.find(p).unwrap_or(0);
            let context: String = view
                .get(at.saturating_sub(60)..)
                .unwrap_or_default()
                .chars()
                .take(140)
                .collect();
            return Some(format!("{p:?} in {context:?}"));
        }
    }
    let set: HashSet<&[u8]> = pieces.iter().map(|p| p.as_bytes()).collect();
    let mut runs = HashSet::new();
    for view in &views {
        base64_runs(view, &mut runs);
    }
    for run in &runs {
        for bytes in base64_decodings(run) {
            if let Some(w) = bytes.windows(PIECE).find(|w| set.contains(w)) {
                let context: String = run.chars().take(80).collect();
                return Some(format!(
                    "{:?} base64-encoded in {context}",
                    String::from_utf8_lossy(w)
                ));
            }
        }
    }
    None
}

fn assert_no_leak(name: &str, output: &str, secret: &str) {
    if let Some(found) = leak(output, secret) {
        panic!("{name} holds the secret {secret:?}: {found}");
    }
}

#[test]
fn the_leak_finder_finds_every_form() {
    let secret = "s3cr\"t/<t0k3n>&'+x";
    let b64 = STANDARD.encode(format!("alice:{secret}"));
    let pct = percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
        .to_string();
    let json = serde_json::to_string(secret).expect("json");
    let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    for text in [
        format!("x {} y", &secret[3..10]),
        format!("Basic {b64}"),
        format!("q={pct}"),
        format!("q={form}"),
        format!("{{\"a\":{json}}}"),
        "s3cr&quot;t/&lt;t0k3n&gt;".to_owned(),
        format!("xy{}", STANDARD.encode(format!("z{secret}"))),
    ] {
        assert!(leak(&text, secret).is_some(), "{text}");
    }
    assert!(leak("s3cr\" and t/<t0 and 3n>&' x", secret).is_none());
}

// ---------------------------------------------------------------------------
// The property test: the real checks and writers, secrets across every cut

const SPEC: &str = r#"
openapi: 3.0.3
info: { title: echo, version: '1' }
paths:
  /echo:
    post:
      operationId: echo
      requestBody:
        content:
          text/plain: { schema: { type: string } }
      responses:
        '200': { description: The request, echoed. }
"#;

/// Text around the secret, in bodies that are UTF-8.
fn text_filler(n: usize) -> Vec<u8> {
    b"lorem ipsum dolor; "
        .iter()
        .copied()
        .cycle()
        .take(n)
        .collect()
}

/// Bytes around the secret that are not UTF-8 (each reads as one U+FFFD).
fn binary_filler(n: usize) -> Vec<u8> {
    [0xffu8, b'#', 0xfe, 0x80, b'x']
        .iter()
        .copied()
        .cycle()
        .take(n)
        .collect()
}

/// The forms of a secret that a server echoes.
fn forms(secret: &str) -> Vec<String> {
    vec![
        secret.to_owned(),
        format!("Basic {}", STANDARD.encode(format!("alice:{secret}"))),
        STANDARD.encode(secret),
        percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
            .to_string(),
        serde_json::to_string(secret).expect("json"),
    ]
}

/// A body whose `form` starts `before` characters before `cut` (so it lies
/// across the cut), with every other form of the secret after it.
fn body_across(cut: usize, before: usize, form: &str, all: &[String], binary: bool) -> Vec<u8> {
    let filler = if binary { binary_filler } else { text_filler };
    let mut body = filler(cut - before.min(cut));
    body.extend_from_slice(form.as_bytes());
    for f in all {
        body.extend_from_slice(b"\n echo: ");
        body.extend_from_slice(f.as_bytes());
    }
    body.extend(filler(300));
    body
}

fn request(op: &Operation, secret: &str, body: Vec<u8>) -> Request {
    Request {
        method: op.method,
        path: op.path.clone(),
        query: format!(
            "q={}",
            percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
        ),
        headers: vec![
            ("authorization".into(), format!("Bearer {secret}")),
            ("x-note".into(), format!("token {secret} noted")),
        ],
        body: Some(RequestBody {
            content_type: "text/plain".into(),
            bytes: body,
        }),
    }
}

fn exchange(op: &Operation, req: Request, outcome: Outcome) -> Exchange {
    Exchange {
        request: SentRequest {
            url: format!("http://127.0.0.1:9{}?{}", op.path, req.query),
            request: req,
        },
        outcome,
        elapsed: Duration::from_millis(7),
    }
}

fn answer(status: u16, body: Vec<u8>, binary: bool, secret: &str) -> Outcome {
    let mime = if binary {
        "application/octet-stream"
    } else {
        "text/plain"
    };
    Outcome::Response(Response {
        status,
        version: "HTTP/1.1",
        headers: vec![
            ("content-type".into(), mime.into()),
            ("x-echo".into(), format!("Bearer {secret}")),
        ],
        body,
        truncated: false,
    })
}

/// The masking the CLI sets up for `--bearer SECRET` and `--basic alice:SECRET`.
fn secrets(secret: &str) -> Secrets {
    let mut s = Secrets::new();
    s.add_value(&format!("Bearer {secret}"));
    s.add_value(&format!(
        "Basic {}",
        STANDARD.encode(format!("alice:{secret}"))
    ));
    s.add_value(&format!("alice:{secret}"));
    s.add_value(secret);
    s
}

fn api() -> &'static Api {
    static API: std::sync::LazyLock<Api> = std::sync::LazyLock::new(|| support::api(SPEC));
    &API
}

/// Every output of a scan that saw `exchanges`, by name.
fn outputs(secret: &str, exchanges: &[Exchange], dir: &Path) -> Vec<(String, String)> {
    let api = api();
    let op = &api.operations[0];
    let probe = ProbeKind::Positive;
    let case = Case {
        operation: op.id.clone(),
        intent: Intent::Positive,
        violation: None,
        attack: None,
        values: Values::default(),
        request: exchanges[0].request.request.clone(),
    };
    let names = ["not_a_server_error".to_owned(), "crash".to_owned()];
    let judge = Judge::new(select(&names, &[]).expect("checks"), Settings::default());
    let secrets = secrets(secret);
    let specs = [
        ReportSpec {
            format: Format::Ndjson,
            path: dir.join("events.ndjson"),
        },
        ReportSpec {
            format: Format::Har,
            path: dir.join("exchanges.har"),
        },
    ];
    let streams = Streams::open(&specs, secrets.clone(), Arc::new(Silent)).expect("streams");
    streams.on_event(&Event::Started {
        operations: 1,
        probes: exchanges.len(),
        base_url: "http://127.0.0.1:9",
        seed: 1,
    });
    let mut findings: Vec<Finding> = Vec::new();
    for x in exchanges {
        streams.on_event(&Event::Exchange {
            operation: op,
            probe: &probe,
            exchange: x,
        });
        for (check, verdict) in judge.judge(api, op, &probe, &case, x) {
            let f = Finding::new(check, verdict, op, &probe, x);
            streams.on_event(&Event::Finding(&f));
            findings.push(f);
        }
    }
    let stats = Stats::default();
    let reason = StopReason::Completed;
    streams.on_event(&Event::Finished {
        stats: &stats,
        reason: &reason,
    });
    streams.finish().expect("the streams are written");
    assert!(
        findings.len() >= exchanges.len() - 1,
        "each 5xx and the reset is a finding: {findings:#?}"
    );
    let result = apiprobe::engine::ScanResult {
        findings,
        stats,
        reason,
        seed: 1,
    };
    let mut report = Report::new(api, "http://127.0.0.1:9", &["not_a_server_error"], &result);
    secrets.report(&mut report);
    let mut out = vec![
        (
            "json".to_owned(),
            serde_json::to_string_pretty(&report).expect("json"),
        ),
        ("sarif".to_owned(), sarif(&report).to_string()),
        ("junit".to_owned(), junit(&report)),
        ("html".to_owned(), html(&report)),
        ("summary".to_owned(), summary(&report, Style::default())),
    ];
    for f in &report.findings {
        out.push(("curl".to_owned(), f.curl.clone()));
    }
    for name in ["events.ndjson", "exchanges.har"] {
        let text = std::fs::read_to_string(dir.join(name)).expect("a stream");
        out.push((name.to_owned(), text));
    }
    out
}

fn case_dir() -> PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("apiprobe-secrets-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temp dir");
    dir
}

/// The caps a secret is placed across: the evidence's body excerpt (200
/// characters; with its 40-character lead, the summary's 240), the recorded
/// excerpts' 4 KiB and the HAR's 256 KiB.
const EVIDENCE_BODY: usize = 200;
const EXCERPT: usize = apiprobe::checks::EXCERPT_CAP;

fn run_case(secret: &str, form: usize, split: f64, offset: usize, binary: bool) {
    let api = api();
    let op = &api.operations[0];
    let all = forms(secret);
    let chosen = &all[form % all.len()];
    // how much of the chosen form lies before the cut: 1..len-1
    let before = 1 + ((chosen.len() - 2) as f64 * split) as usize;
    let small_body = body_across(0, 0, "", &all, binary);
    // the form echoed in both the request and the response body, `before`
    // of its bytes ahead of `at`
    let echoed = |at: usize, before: usize, status: u16| {
        exchange(
            op,
            request(op, secret, body_across(at, before, chosen, &all, binary)),
            answer(
                status,
                body_across(at, before, chosen, &all, binary),
                binary,
                secret,
            ),
        )
    };
    let mut exchanges = Vec::new();
    // the 5xx evidence cut (and, with its lead, the summary's)
    exchanges.push(exchange(
        op,
        request(op, secret, small_body.clone()),
        answer(
            500,
            body_across(EVIDENCE_BODY, before, chosen, &all, binary),
            binary,
            secret,
        ),
    ));
    // at a random offset, whole
    exchanges.push(echoed(offset, 0, 502));
    // the recorded excerpts' cut, request and response
    exchanges.push(echoed(EXCERPT, before, 503));
    // the summary's evidence cut, in a failure's message (evidence uncut)
    let lead = "connection reset; the server said: ".len();
    let mut message = String::from("connection reset; the server said: ");
    message.push_str(&"m".repeat(240 - lead - before.min(240 - lead)));
    message.push_str(chosen);
    message.push_str(" and more");
    exchanges.push(exchange(
        op,
        request(op, secret, small_body.clone()),
        Outcome::Failed(Failure {
            kind: FailureKind::Reset,
            message,
        }),
    ));
    // the HAR's cut, request and response (a 2xx: no finding, HAR only)
    exchanges.push(echoed(HAR_BODY_CAP, before, 200));
    let dir = case_dir();
    for (name, text) in outputs(secret, &exchanges, &dir) {
        assert_no_leak(&name, &text, secret);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn no_output_holds_a_piece_of_a_secret(
        secret in "[!-~][ -~]{6,38}[!-~]",
        form in 0usize..5,
        split in 0.0f64..1.0,
        offset in 0usize..600,
        binary in any::<bool>(),
    ) {
        run_case(&secret, form, split, offset, binary);
    }
}

/// The cases that failed before masking came first, named: a bearer token
/// across each cut, a Basic header across the evidence cut, a binary body.
#[test]
fn known_cases() {
    for binary in [false, true] {
        for form in 0..5 {
            for split in [0.0, 0.5, 0.99] {
                run_case("tok3n-Zq8\"w/x+9%Lk", form, split, 17, binary);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// End to end: the binary against an echo server on 127.0.0.1

const ECHO_SPEC: &str = r#"
openapi: 3.0.3
info: { title: echo, version: '1' }
paths:
  /text:
    get:
      operationId: text
      responses:
        '200': { description: The request's headers, echoed in text. }
  /binary:
    get:
      operationId: binary
      responses:
        '200': { description: The request's headers, echoed in bytes that are not UTF-8. }
"#;

/// The credentials the server saw.
type Seen = Arc<Mutex<Vec<String>>>;

/// A body echoing the request's headers, each value placed across every
/// cut (the evidence's 200 characters, 4 KiB, 256 KiB) and again as JSON,
/// percent-encoded and base64-encoded; with bytes that are not UTF-8
/// around them when `binary`.
fn echo_body(headers: &axum::http::HeaderMap, binary: bool) -> Vec<u8> {
    let filler = if binary { binary_filler } else { text_filler };
    let mut lines: Vec<String> = Vec::new();
    let mut json = serde_json::Map::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        lines.push(format!("{name}: {value}"));
        lines.push(format!(
            "{name}%: {}",
            percent_encoding::utf8_percent_encode(&value, percent_encoding::NON_ALPHANUMERIC)
        ));
        lines.push(format!("{name}/b64: {}", STANDARD.encode(&value)));
        json.insert(name.to_string(), serde_json::Value::String(value));
    }
    lines.push(serde_json::Value::Object(json).to_string());
    let mut body = Vec::new();
    for cut in [EVIDENCE_BODY, EXCERPT, HAR_BODY_CAP] {
        for (name, value) in headers {
            if name != "authorization" {
                continue;
            }
            let line = format!("{name}: {}", String::from_utf8_lossy(value.as_bytes()));
            // the value's middle on the cut
            let middle = line.len() - value.len() / 2;
            let pad = cut.saturating_sub(body.len() + middle);
            body.extend(filler(pad));
            body.extend_from_slice(line.as_bytes());
        }
        for l in &lines {
            body.extend_from_slice(b"\n");
            body.extend_from_slice(l.as_bytes());
        }
    }
    body.extend(filler(64));
    body
}

fn echo_app(seen: Seen) -> axum::Router {
    use axum::http::{HeaderMap, StatusCode, Uri, header};
    axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap| {
        let seen = Arc::clone(&seen);
        async move {
            if let Some(auth) = headers.get(header::AUTHORIZATION) {
                seen.lock()
                    .expect("the list")
                    .push(String::from_utf8_lossy(auth.as_bytes()).into_owned());
            }
            let binary = uri.path().starts_with("/binary");
            let mime = if binary {
                "application/octet-stream"
            } else {
                "text/plain"
            };
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, mime)],
                echo_body(&headers, binary),
            )
        }
    })
}

struct Scanned {
    code: Option<i32>,
    outputs: Vec<(String, String)>,
}

/// Scans the echo server with `args` (after the spec and the URL) and every
/// report, in a fresh folder.
fn scan_echo(name: &str, url: &str, args: &[&str]) -> Scanned {
    let dir = support::cli::fresh_dir(&format!("secrets-e2e-{name}"));
    std::fs::write(dir.join("echo.yaml"), ECHO_SPEC).expect("the spec");
    let mut all: Vec<&str> = vec![
        "scan",
        "echo.yaml",
        "--url",
        url,
        "--no-config",
        "--seed",
        "1",
        "--cases",
        "1",
        "--attacks",
        "0",
        "--profile",
        "quick",
        "--checks",
        "not_a_server_error",
        "--no-shrink",
        "--report",
        "json:r.json",
        "--report",
        "sarif:r.sarif",
        "--report",
        "junit:r.xml",
        "--report",
        "html:r.html",
        "--report",
        "ndjson:r.ndjson",
        "--report",
        "har:r.har",
    ];
    all.extend_from_slice(args);
    let out = support::cli::Cli::new(&all).dir(&dir).run();
    let mut outputs = vec![
        (
            "stdout".to_owned(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        ),
        (
            "stderr".to_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ),
    ];
    for file in ["r.json", "r.sarif", "r.xml", "r.html", "r.ndjson", "r.har"] {
        let text = std::fs::read_to_string(dir.join(file))
            .unwrap_or_else(|e| panic!("{file}: {e}\n{}", support::cli::text(&out)));
        outputs.push((file.to_owned(), text));
    }
    let _ = std::fs::remove_dir_all(&dir);
    Scanned {
        code: out.status.code(),
        outputs,
    }
}

fn assert_masked(scanned: &Scanned, secrets: &[&str]) {
    let report = scanned
        .outputs
        .iter()
        .find(|(n, _)| n == "r.json")
        .map(|(_, t)| t.as_str())
        .unwrap_or_default();
    // the scan did find the 5xx, with the echo recorded (masked)
    assert!(report.contains("not_a_server_error"), "{report}");
    assert!(report.contains("***"), "{report}");
    assert_eq!(scanned.code, Some(1), "findings: exit 1");
    for (name, text) in &scanned.outputs {
        for s in secrets {
            assert_no_leak(name, text, s);
        }
    }
}

#[test]
fn scans_of_an_echo_server_show_no_secret() {
    let rt = support::runtime();
    let seen: Seen = Arc::default();
    let base = rt.block_on(support::serve(echo_app(Arc::clone(&seen))));
    let token = "tok3n-\"Bq/9+w%41<x>&'Zr-eyJhbGciOi";
    let password = "Pa55w0rd\"/+%41-planted:9";
    let url_password = "u1nf0-P4ss/w0rd!";

    let bearer = scan_echo("bearer", &base, &["--bearer", token]);
    assert_masked(&bearer, &[token]);

    let basic = format!("alice:{password}");
    let with_basic = scan_echo("basic", &base, &["--basic", &basic]);
    assert_masked(&with_basic, &[password]);

    let host = base.trim_start_matches("http://");
    let with_userinfo = format!("http://admin:u1nf0-P4ss%2Fw0rd!@{host}");
    let userinfo = scan_echo("userinfo", &with_userinfo, &[]);
    assert_masked(&userinfo, &[url_password]);

    // every credential reached the server: the echoes held them
    let seen = seen.lock().expect("the list").clone();
    for expected in [
        format!("Bearer {token}"),
        format!("Basic {}", STANDARD.encode(&basic)),
        format!("Basic {}", STANDARD.encode(format!("admin:{url_password}"))),
    ] {
        assert!(seen.contains(&expected), "{expected} not in {seen:?}");
    }
}
