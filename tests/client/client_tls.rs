//! The fast path over TLS (`https://`): the same request on the wire as
//! reqwest's (forced here by following redirects), certificates accepted
//! and refused alike on both paths (`--ca-cert`, `--insecure`, an unknown
//! issuer, a wrong name, an expired certificate), ALPN offering only
//! `http/1.1`, sessions resumed on new connections, no response read as
//! another request's answer, and a scan over `https://` finding what the
//! same scan finds over `http://`. The servers are rustls on 127.0.0.1
//! with certificates made by the test (tests/support/tls.rs).

use crate::support;
use crate::tls_support::{self, Certs, TlsListener, Validity};

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use apiprobe::http::{Client, ClientOptions, Failure, FailureKind, Outcome, Request, RequestBody};
use apiprobe::model::Method;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// A CA and a server certificate for 127.0.0.1 and localhost.
fn loopback_certs() -> Certs {
    tls_support::certs(&["127.0.0.1", "localhost"], Validity::Current).expect("certificates")
}

/// A TLS listener on 127.0.0.1 with `certs`, offering `alpn`.
async fn listen(certs: &Certs, alpn: &[&[u8]]) -> TlsListener {
    let config = tls_support::server_config(certs, alpn).expect("a server config");
    TlsListener::bind(config).await.expect("a TLS listener")
}

/// A client: the fast path, or reqwest when `reqwest` (following
/// redirects takes every request there).
fn client(reqwest: bool, insecure: bool, ca_cert: Option<&str>) -> Client {
    Client::new(ClientOptions {
        timeout: Duration::from_secs(10),
        env_proxy: false,
        follow_redirects: reqwest,
        insecure,
        ca_cert: ca_cert.map(|pem| pem.as_bytes().to_vec()),
        ..ClientOptions::default()
    })
    .expect("a client")
}

fn post() -> Request {
    Request {
        method: Method::Post,
        path: "/items/42%2F7".into(),
        query: "q=a%20b&n=1".into(),
        headers: vec![
            ("x-request-id".into(), "abc".into()),
            ("authorization".into(), "Bearer t0k3n".into()),
        ],
        body: Some(RequestBody {
            content_type: "application/json".into(),
            bytes: br#"{"name":"n\u00e9"}"#.to_vec(),
        }),
    }
}

fn get(path: &str) -> Request {
    Request {
        method: Method::Get,
        path: path.into(),
        query: String::new(),
        headers: Vec::new(),
        body: None,
    }
}

/// What a recording server saw of one request: the request line, the
/// headers (lower-cased names, sorted), the body, and the protocol ALPN
/// settled on.
type Recorded = (String, Vec<String>, Vec<u8>, Option<Vec<u8>>);

/// Takes the next TLS connection, reads one request and answers `200 {}`
/// with `connection: close`.
async fn record_one(listener: &mut TlsListener) -> Recorded {
    let (mut tls, _) = tokio::time::timeout(Duration::from_secs(10), listener.next())
        .await
        .expect("a connection within 10 s")
        .expect("a handshake");
    let alpn = tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
    let mut buf = Vec::new();
    let head_end = loop {
        let mut chunk = [0u8; 4096];
        let n = tls.read(&mut chunk).await.expect("read");
        assert!(n > 0, "the client closed before a whole head");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        assert!(buf.len() < 1 << 20, "head too long");
    };
    let head = String::from_utf8(buf[..head_end].to_vec()).expect("an ASCII head");
    let mut lines = head.split("\r\n");
    let line = lines.next().unwrap_or_default().to_owned();
    let mut headers: Vec<String> = lines
        .map(|l| {
            let (n, v) = l.split_once(':').expect("name: value");
            format!("{}: {}", n.to_ascii_lowercase(), v.trim())
        })
        .collect();
    headers.sort();
    let length: usize = headers
        .iter()
        .find_map(|h| h.strip_prefix("content-length: "))
        .map_or(0, |v| v.parse().expect("a number"));
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let mut chunk = [0u8; 4096];
        let n = tls.read(&mut chunk).await.expect("read body");
        assert!(n > 0, "the client closed inside the body");
        body.extend_from_slice(&chunk[..n]);
    }
    tls.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}")
        .await
        .expect("answer");
    let _ = tls.shutdown().await;
    (line, headers, body, alpn)
}

fn response_of(outcome: Outcome) -> apiprobe::http::Response {
    match outcome {
        Outcome::Response(r) => r,
        Outcome::Failed(f) => panic!("no response: {f:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_paths_send_the_same_request_over_tls() {
    let certs = loopback_certs();
    let mut listener = listen(&certs, &[b"http/1.1"]).await;
    let url = format!("https://{}/items/42%2F7?q=a%20b&n=1", listener.addr());
    let mut seen = Vec::new();
    for reqwest in [false, true] {
        let client = client(reqwest, false, Some(&certs.ca_pem));
        let (recorded, exchange) =
            tokio::join!(record_one(&mut listener), client.send(url.clone(), post()));
        let r = response_of(exchange.outcome);
        assert_eq!(
            (r.status, r.version, r.body.as_slice()),
            (200, "HTTP/1.1", &b"{}"[..])
        );
        seen.push(recorded);
    }
    let (fast, reqwest) = (&seen[0], &seen[1]);
    assert_eq!(fast.0, "POST /items/42%2F7?q=a%20b&n=1 HTTP/1.1");
    assert_eq!(fast, reqwest, "the fast path and reqwest differ over TLS");
    for header in [
        "accept: */*",
        "content-type: application/json",
        "content-length: 18",
        "authorization: Bearer t0k3n",
    ] {
        assert!(
            fast.1.iter().any(|h| h == header),
            "{header} missing: {:?}",
            fast.1
        );
    }
    assert!(fast.1.iter().any(|h| h.starts_with("host: 127.0.0.1:")));
    assert_eq!(fast.3.as_deref(), Some(&b"http/1.1"[..]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fast_path_offers_only_http_1_1() {
    // a server that prefers h2: reqwest would settle on it, the fast
    // path offers http/1.1 alone
    let certs = loopback_certs();
    let mut listener = listen(&certs, &[b"h2", b"http/1.1"]).await;
    let url = format!("https://localhost:{}/ping", listener.addr().port());
    let client = client(false, false, Some(&certs.ca_pem));
    let ((line, headers, _, alpn), exchange) =
        tokio::join!(record_one(&mut listener), client.send(url, get("/ping")));
    assert_eq!(response_of(exchange.outcome).version, "HTTP/1.1");
    assert_eq!(line, "GET /ping HTTP/1.1");
    assert_eq!(alpn.as_deref(), Some(&b"http/1.1"[..]));
    let port = listener.addr().port();
    assert!(
        headers.contains(&format!("host: localhost:{port}")),
        "{headers:?}"
    );
}

/// Sends one GET to a TLS server with `certs` through both paths, with
/// `insecure` and `ca_cert`: the two outcomes (fast path first).
async fn both_outcomes(
    certs: &Certs,
    host: &str,
    insecure: bool,
    ca_cert: Option<&str>,
) -> [Outcome; 2] {
    let config = tls_support::server_config(certs, &[b"http/1.1"]).expect("a server config");
    let app = axum::Router::new().route("/ping", axum::routing::get(|| async { "pong" }));
    let base = tls_support::serve(app, config).await.expect("a TLS server");
    let port = base.rsplit(':').next().unwrap_or_default().to_owned();
    let url = format!("https://{host}:{port}/ping");
    let mut outcomes = Vec::new();
    for reqwest in [false, true] {
        let client = client(reqwest, insecure, ca_cert);
        outcomes.push(client.send(url.clone(), get("/ping")).await.outcome);
    }
    let [fast, slow]: [Outcome; 2] = outcomes.try_into().unwrap_or_else(|_| unreachable!());
    [fast, slow]
}

fn failure(outcome: &Outcome) -> &Failure {
    match outcome {
        Outcome::Failed(f) => f,
        Outcome::Response(r) => panic!("answered {}: a certificate was accepted", r.status),
    }
}

/// The cause rustls gave, as both paths report it: the message from
/// `invalid peer certificate`, with the times of an expiry left out (the
/// verification time is the second it ran).
fn rustls_cause(f: &Failure) -> String {
    let at = f
        .message
        .find("invalid peer certificate")
        .unwrap_or_else(|| panic!("no rustls cause in {:?}", f.message));
    f.message[at..]
        .chars()
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_errors_are_named_alike_on_both_paths() {
    let good = loopback_certs();
    let other_ca = loopback_certs();
    let wrong_name =
        tls_support::certs(&["api.example.test"], Validity::Current).expect("certificates");
    let expired =
        tls_support::certs(&["127.0.0.1", "localhost"], Validity::Expired).expect("certificates");
    let cases: [(&str, &Certs, Option<&str>, &str); 4] = [
        ("no --ca-cert", &good, None, "UnknownIssuer"),
        ("another CA", &good, Some(&other_ca.ca_pem), "UnknownIssuer"),
        (
            "wrong name",
            &wrong_name,
            Some(&wrong_name.ca_pem),
            "not valid for name",
        ),
        ("expired", &expired, Some(&expired.ca_pem), "expired"),
    ];
    for (label, certs, ca_cert, cause) in cases {
        let [fast, slow] = both_outcomes(certs, "127.0.0.1", false, ca_cert).await;
        let (fast, slow) = (failure(&fast), failure(&slow));
        assert_eq!(
            (fast.kind, slow.kind),
            (FailureKind::Tls, FailureKind::Tls),
            "{label}"
        );
        assert!(fast.message.contains(cause), "{label}: {}", fast.message);
        assert_eq!(rustls_cause(fast), rustls_cause(slow), "{label}");
        // the same certificate with --insecure: answered on both paths
        for outcome in both_outcomes(certs, "127.0.0.1", true, None).await {
            assert_eq!(
                response_of(outcome).body,
                b"pong",
                "{label} with --insecure"
            );
        }
    }
    // the right CA and the right name: answered
    for host in ["127.0.0.1", "localhost"] {
        for outcome in both_outcomes(&good, host, false, Some(&good.ca_pem)).await {
            assert_eq!(response_of(outcome).body, b"pong", "{host} with --ca-cert");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_connections_resume_the_tls_session() {
    // every answer closes its connection: each request is a new handshake
    let certs = loopback_certs();
    let mut listener = listen(&certs, &[b"http/1.1"]).await;
    let url = format!("https://{}/ping", listener.addr());
    let client = client(false, false, Some(&certs.ca_pem));
    let resumed = Arc::new(AtomicUsize::new(0));
    for i in 0..5 {
        let (tls, _) = {
            let accept = async {
                tokio::time::timeout(Duration::from_secs(10), listener.next())
                    .await
                    .expect("a connection within 10 s")
                    .expect("a handshake")
            };
            let send = client.send(url.clone(), get("/ping"));
            let serve = async {
                let (mut tls, peer) = accept.await;
                if tls.get_ref().1.handshake_kind() == Some(rustls::HandshakeKind::Resumed) {
                    resumed.fetch_add(1, Ordering::SeqCst);
                }
                let mut buf = Vec::new();
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    let mut chunk = [0u8; 1024];
                    let n = tls.read(&mut chunk).await.expect("read");
                    assert!(n > 0, "request {i}: closed before the head");
                    buf.extend_from_slice(&chunk[..n]);
                }
                tls.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                )
                .await
                .expect("answer");
                let _ = tls.shutdown().await;
                (tls, peer)
            };
            let (served, exchange) = tokio::join!(serve, send);
            assert_eq!(response_of(exchange.outcome).body, b"ok", "request {i}");
            served
        };
        drop(tls);
    }
    // the first handshake is a full one; every later one resumes
    assert_eq!(resumed.load(Ordering::SeqCst), 4);
}

/// Requests sent one after another in the unrequested-response test.
const REQUESTS: usize = 20;

#[test]
fn an_unrequested_response_over_tls_is_never_read_as_an_answer() {
    // the server's runtime answers each request with its target, then,
    // once the client has read it, writes a response nobody asked for;
    // the client's runtime (one thread, blocked while it waits) has not
    // seen those bytes arrive when the next request looks for a connection
    let server = support::runtime();
    let certs = loopback_certs();
    let (read_tx, read_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let (written_tx, written) = std::sync::mpsc::channel::<()>();
    let base = server.block_on(async {
        let mut listener = listen(&certs, &[b"http/1.1"]).await;
        let base = format!("https://{}", listener.addr());
        let read = Arc::new(tokio::sync::Mutex::new(read_rx));
        tokio::spawn(async move {
            while let Some((mut tls, _)) = listener.next().await {
                let (read, written) = (read.clone(), written_tx.clone());
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    loop {
                        while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                            let mut chunk = [0u8; 4096];
                            match tls.read(&mut chunk).await {
                                Ok(n) if n > 0 => buf.extend_from_slice(&chunk[..n]),
                                _ => return,
                            }
                        }
                        let end = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(0);
                        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
                        buf.drain(..end + 4);
                        let target = head.split(' ').nth(1).unwrap_or("").to_owned();
                        let answer = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n\r\n{target}",
                            target.len()
                        );
                        if tls.write_all(answer.as_bytes()).await.is_err() {
                            return;
                        }
                        if read.lock().await.recv().await.is_none() {
                            return;
                        }
                        let extra = "HTTP/1.1 200 OK\r\ncontent-length: 11\r\n\r\nunrequested";
                        if tls.write_all(extra.as_bytes()).await.is_err() || tls.flush().await.is_err() {
                            return;
                        }
                        let _ = written.send(());
                    }
                });
            }
        });
        base
    });
    let client_runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let (answers, unrequested) = client_runtime.block_on(async {
        let client = client(false, false, Some(&certs.ca_pem));
        let mut answers = Vec::new();
        for i in 0..REQUESTS {
            let target = format!("/items/{i}");
            let exchange = client.send(format!("{base}{target}"), get(&target)).await;
            let body = match exchange.outcome {
                Outcome::Response(r) => String::from_utf8_lossy(&r.body).into_owned(),
                Outcome::Failed(f) => format!("failed: {}", f.message),
            };
            answers.push((target, body));
            read_tx.send(()).expect("the server is running");
            written
                .recv_timeout(Duration::from_secs(10))
                .expect("the server wrote its extra response");
        }
        (answers, client.unrequested_responses())
    });
    let wrong: Vec<_> = answers.iter().filter(|(t, b)| t != b).collect();
    assert!(wrong.is_empty(), "answers not their request's: {wrong:?}");
    // each request but the first found the previous extra response
    // (decrypted: data, not a TLS record of the protocol's own)
    assert_eq!(unrequested, REQUESTS as u64 - 1);
}

const SCAN_SPEC: &str = r#"
openapi: 3.0.3
info: { title: orders, version: "1" }
paths:
  /orders/{id}:
    get:
      operationId: getOrder
      parameters:
        - { name: id, in: path, required: true, schema: { type: integer, minimum: 1 } }
      responses:
        "200":
          description: An order.
          content:
            application/json:
              schema:
                type: object
                required: [id, total]
                properties:
                  id: { type: integer }
                  total: { type: number }
  /notes:
    post:
      operationId: addNote
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [text]
              properties:
                text: { type: string, maxLength: 40 }
      responses:
        "201":
          description: Created.
          content:
            application/json:
              schema:
                type: object
                required: [id]
                properties:
                  id: { type: integer }
"#;

/// A small API with flaws: an id that is not a number crashes `/orders`
/// (a 500), and `/notes` answers an id of the wrong type.
fn orders_app() -> axum::Router {
    use axum::extract::Path;
    use axum::http::StatusCode;
    axum::Router::new()
        .route(
            "/orders/{id}",
            axum::routing::get(|Path(id): Path<String>| async move {
                match id.parse::<i64>() {
                    Ok(n) => (
                        StatusCode::OK,
                        [("content-type", "application/json")],
                        format!(r#"{{"id":{n},"total":12.5}}"#),
                    ),
                    Err(_) => (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        [("content-type", "text/plain")],
                        "Traceback: ValueError".to_owned(),
                    ),
                }
            }),
        )
        .route(
            "/notes",
            axum::routing::post(|| async {
                (
                    StatusCode::CREATED,
                    [("content-type", "application/json")],
                    r#"{"id":"n-1"}"#,
                )
            }),
        )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scan_over_https_finds_what_it_finds_over_http() {
    let certs = loopback_certs();
    let config = tls_support::server_config(&certs, &[b"http/1.1"]).expect("a server config");
    let https = tls_support::serve(orders_app(), config)
        .await
        .expect("a TLS server");
    let http = support::serve(orders_app()).await;
    for seed in 1..=3 {
        let mut listings = Vec::new();
        for base in [&http, &https] {
            let result = support::ScanBuilder::new(support::api(SCAN_SPEC), base.clone())
                .client(ClientOptions {
                    ca_cert: Some(certs.ca_pem.as_bytes().to_vec()),
                    ..support::client_options()
                })
                .seed(seed)
                .run()
                .await;
            assert!(result.stats.responses > 0, "{base}: no response");
            assert_eq!(result.stats.failures, 0, "{base}: transport failures");
            let mut listing = support::listing(&result);
            listing.sort();
            listings.push(listing);
        }
        assert!(
            !listings[0].is_empty(),
            "seed {seed}: nothing found over http"
        );
        assert_eq!(
            listings[0], listings[1],
            "seed {seed}: http and https differ"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_refuses_http_1_1_is_left_to_reqwest() {
    // ALPN h2 only: the fast path's handshake is refused once, and that
    // server's requests go through reqwest (which offers h2) from then on
    let certs = loopback_certs();
    let config = tls_support::server_config(&certs, &[b"h2"]).expect("a server config");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("https://{}/ping", listener.local_addr().expect("addr"));
    let refused = Arc::new(AtomicUsize::new(0));
    let prefaces = Arc::new(AtomicUsize::new(0));
    let (r, p) = (refused.clone(), prefaces.clone());
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let (acceptor, r, p) = (acceptor.clone(), r.clone(), p.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(socket).await else {
                    r.fetch_add(1, Ordering::SeqCst);
                    return;
                };
                // an HTTP/2 client starts with the connection preface;
                // then the connection is closed unanswered
                let mut preface = [0u8; 24];
                if tls.read_exact(&mut preface).await.is_ok()
                    && &preface == b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
                {
                    p.fetch_add(1, Ordering::SeqCst);
                }
            });
        }
    });
    let client = client(false, false, Some(&certs.ca_pem));
    for i in 0..3 {
        let exchange = client.send(url.clone(), get("/ping")).await;
        assert!(
            matches!(exchange.outcome, Outcome::Failed(_)),
            "request {i}: this server answers nothing"
        );
    }
    assert_eq!(refused.load(Ordering::SeqCst), 1, "handshakes refused");
    assert!(prefaces.load(Ordering::SeqCst) >= 3, "HTTP/2 prefaces seen");
}
