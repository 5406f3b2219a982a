//! `apiprobe cases --seed S` prints the requests `apiprobe scan --seed S`
//! sends: a scan of a recording server on 127.0.0.1 and `cases` over the
//! same spec, compared request by request (method, path, query, body).
//!
//! The scan sends with many workers at once, so the requests are compared
//! as multisets (sorted), not in order. Its other probes (undeclared
//! methods on a path) are left out by method and path; the spec has no
//! path parameters (so no live-resource pool), no required headers (so no
//! header left out), and the scan runs one passive check (so no active
//! phase) without shrinking: what remains is exactly the positive,
//! boundary, negative and attack probes `cases` can print.

use crate::support;

use std::sync::{Arc, Mutex};

use apiprobe::generate::Payloads;
use support::cli::{Cli, fresh_dir, text};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

const SPEC: &str = r#"
openapi: 3.0.3
info: {title: seeds, version: "1"}
paths:
  /search:
    get:
      operationId: search
      parameters:
        - {name: q, in: query, required: true, schema: {type: string, minLength: 1, maxLength: 12}}
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 50}}
        - {name: sort, in: query, schema: {type: string, enum: [asc, desc]}}
      responses: {"200": {description: ok}}
  /items:
    post:
      operationId: createItem
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name, count]
              properties:
                name: {type: string, maxLength: 20}
                count: {type: integer, minimum: 0, maximum: 9}
                tags: {type: array, maxItems: 3, items: {type: string}}
      responses: {"201": {description: created}}
  /notes:
    put:
      operationId: putNote
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              required: [title]
              properties:
                title: {type: string, minLength: 2}
                pinned: {type: boolean}
      responses: {"204": {description: saved}}
"#;

/// The operations of [`SPEC`], by method and path: the requests compared.
const DECLARED: [(&str, &str); 3] = [("GET", "/search"), ("POST", "/items"), ("PUT", "/notes")];

/// Valid cases an operation in the scan (`--cases`): boundary ones are half as many.
const CASES: u32 = 4;
/// Attack cases per payload family and operation in the scan (`--attacks`).
const ATTACKS: u32 = 1;

/// One request: method, path, query (without `?`), body as text.
type Seen = (String, String, String, String);

/// The longest request the recording server reads.
const MAX_REQUEST_BYTES: usize = 1 << 20;

/// Reads one request off `socket` (what is left of the last read in `buf`):
/// `None` when the peer closed, or the request is too long or unreadable
/// (then it is recorded as such, so that the comparison fails).
async fn read_request(socket: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Seen> {
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let mut lines = head.split("\r\n");
            let mut start = lines.next().unwrap_or_default().split(' ');
            let method = start.next().unwrap_or_default().to_owned();
            let target = start.next().unwrap_or_default();
            let (path, query) = target.split_once('?').unwrap_or((target, ""));
            let mut length = 0;
            for line in lines {
                let Some((name, value)) = line.split_once(':') else {
                    continue;
                };
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().ok()?;
                } else if name.eq_ignore_ascii_case("transfer-encoding") {
                    // not read here: recorded as unreadable
                    return Some((method, path.into(), query.into(), "<chunked>".into()));
                }
            }
            let total = end + 4 + length;
            if total > MAX_REQUEST_BYTES {
                return None;
            }
            while buf.len() < total {
                match socket.read(&mut chunk).await {
                    Ok(0) | Err(_) => return None,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            let body = String::from_utf8_lossy(&buf[end + 4..total]).into_owned();
            let seen = (method, path.to_owned(), query.to_owned(), body);
            buf.drain(..total);
            return Some(seen);
        }
        if buf.len() > MAX_REQUEST_BYTES {
            return None;
        }
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// Serves on 127.0.0.1 until the runtime ends, answering `200 {}` to every
/// request after recording it in `seen`; gives the base URL.
async fn recording_server(seen: Arc<Mutex<Vec<Seen>>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let addr = listener.local_addr().expect("its address");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let seen = Arc::clone(&seen);
            tokio::spawn(async move {
                let mut buf = Vec::new();
                while let Some(request) = read_request(&mut socket, &mut buf).await {
                    // recorded before the answer goes out: once the scan has
                    // its answers, every request it sent is in `seen`
                    seen.lock().expect("the record").push(request);
                    let answer = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";
                    if socket.write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

/// The requests `apiprobe cases ARGS --format json` prints, one per case
/// (an object with `unsendable` is a case that cannot be sent, which the
/// scan skips too).
fn printed(spec: &str, seed: u64, args: &[&str]) -> Vec<Seen> {
    let seed = seed.to_string();
    let mut all = vec!["cases", spec, "--seed", &seed, "--format", "json"];
    all.extend_from_slice(args);
    let out = Cli::new(all.clone()).run();
    assert_eq!(out.status.code(), Some(0), "{all:?}\n{}", text(&out));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .filter(|case: &serde_json::Value| case.get("unsendable").is_none())
        .map(|case| {
            let r = &case["request"];
            let field = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
            (
                field(&r["method"]),
                field(&r["path"]),
                field(&r["query"]),
                field(&r["body"]["text"]),
            )
        })
        .collect()
}

/// What a scan with `seed` sent to the operations of [`SPEC`], and what
/// `cases` with `seed` prints for the same probes, both sorted.
fn scan_and_cases(spec: &str, seed: u64) -> (Vec<Seen>, Vec<Seen>) {
    let rt = support::runtime();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let base = rt.block_on(recording_server(Arc::clone(&seen)));
    let seed_text = seed.to_string();
    let cases = CASES.to_string();
    let attacks = ATTACKS.to_string();
    let out = Cli::new([
        "scan",
        spec,
        "--url",
        &base,
        "--seed",
        &seed_text,
        "--cases",
        &cases,
        "--attacks",
        &attacks,
        "--checks",
        "not_a_server_error",
        "--no-shrink",
        "--no-config",
        "--quiet",
    ])
    .run();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "the scan ran to its end\n{}",
        text(&out)
    );
    let mut sent: Vec<Seen> = seen
        .lock()
        .expect("the record")
        .iter()
        .filter(|(m, p, _, _)| DECLARED.contains(&(m.as_str(), p.as_str())))
        .cloned()
        .collect();
    drop(rt);
    sent.sort();

    // the scan's probes of each kind, as `cases` counts them: n cases per
    // operation and intent, the attack ones going round the payload families
    let families = Payloads::builtin().families().count() as u32;
    let boundary = CASES.div_ceil(2).to_string();
    let attack_cases = (families * ATTACKS).to_string();
    let mut printed_all = printed(
        spec,
        seed,
        &["--intent", "positive", "--intent", "negative", "-n", &cases],
    );
    printed_all.extend(printed(
        spec,
        seed,
        &["--intent", "boundary", "-n", &boundary],
    ));
    printed_all.extend(printed(
        spec,
        seed,
        &["--intent", "attack", "-n", &attack_cases],
    ));
    printed_all.sort();
    (sent, printed_all)
}

#[test]
fn cases_prints_the_requests_a_scan_with_the_same_seed_sends() {
    let dir = fresh_dir("cli-cases-seed");
    let spec = dir.join("seeds.yaml");
    std::fs::write(&spec, SPEC).expect("the spec is written");
    let spec = spec.to_string_lossy().into_owned();
    let mut runs = Vec::new();
    for seed in [7, 90_210] {
        let (sent, printed) = scan_and_cases(&spec, seed);
        assert!(sent.len() > 30, "seed {seed}: only {} requests", sent.len());
        if sent != printed {
            let only_sent: Vec<&Seen> = sent.iter().filter(|r| !printed.contains(r)).collect();
            let only_printed: Vec<&Seen> = printed.iter().filter(|r| !sent.contains(r)).collect();
            panic!(
                "seed {seed}: {} sent, {} printed\nsent, not printed ({}): {:#?}\nprinted, not sent ({}): {:#?}",
                sent.len(),
                printed.len(),
                only_sent.len(),
                only_sent.iter().take(5).collect::<Vec<_>>(),
                only_printed.len(),
                only_printed.iter().take(5).collect::<Vec<_>>(),
            );
        }
        runs.push(sent);
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert_ne!(runs[0], runs[1], "another seed, other requests");
}
