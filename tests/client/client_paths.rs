//! The client's two request paths put the same request on the wire: HTTP/1.1
//! written on the socket directly for plain `http://` (the fast path, src/engine/h1.rs), reqwest for the rest
//! (here forced by following redirects). A raw TCP server on 127.0.0.1
//! records each request head and body; the two recordings must match, header
//! for header.

use std::time::Duration;

use apiprobe::generate::{Request, RequestBody};
use apiprobe::http::{Client, ClientOptions, Outcome};
use apiprobe::model::Method;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

/// Accepts one connection, reads one request (head and `content-length`
/// body), answers 200 and returns what it read: the request line, the
/// headers (lower-cased names, sorted) and the body.
async fn record_one(listener: &TcpListener) -> (String, Vec<String>, Vec<u8>) {
    let (mut socket, _) = tokio::time::timeout(Duration::from_secs(10), listener.accept())
        .await
        .expect("a connection within 10 s")
        .expect("accept");
    let mut buf = Vec::new();
    let head_end = loop {
        let mut chunk = [0u8; 4096];
        let n = socket.read(&mut chunk).await.expect("read");
        assert!(n > 0, "the client closed before a whole head");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        assert!(buf.len() < 1 << 20, "head too long");
    };
    let head = String::from_utf8(buf[..head_end].to_vec()).expect("an ASCII head");
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default().to_owned();
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
        let n = socket.read(&mut chunk).await.expect("read body");
        assert!(n > 0, "the client closed inside the body");
        body.extend_from_slice(&chunk[..n]);
    }
    socket
        .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}")
        .await
        .expect("answer");
    (request_line, headers, body)
}

fn request() -> Request {
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

#[test]
fn both_paths_send_the_same_request() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!(
            "http://{}/items/42%2F7?q=a%20b&n=1",
            listener.local_addr().expect("addr")
        );
        let mut seen = Vec::new();
        for follow_redirects in [false, true] {
            let client = Client::new(ClientOptions {
                env_proxy: false,
                follow_redirects,
                ..ClientOptions::default()
            })
            .expect("a client");
            let (recorded, exchange) =
                tokio::join!(record_one(&listener), client.send(url.clone(), request()));
            match exchange.outcome {
                Outcome::Response(r) => {
                    assert_eq!((r.status, r.body.as_slice()), (200, &b"{}"[..]))
                }
                Outcome::Failed(f) => panic!("no response: {f:?}"),
            }
            seen.push(recorded);
        }
        let (fast, reqwest) = (&seen[0], &seen[1]);
        assert_eq!(fast.0, "POST /items/42%2F7?q=a%20b&n=1 HTTP/1.1");
        assert_eq!(fast, reqwest, "the fast path and reqwest differ");
        // the defaults both paths add
        for header in [
            "accept: */*",
            "content-type: application/json",
            "content-length: 18",
            "authorization: Bearer t0k3n",
        ] {
            assert!(
                fast.1.iter().any(|h| h == header),
                "{header} missing from {:?}",
                fast.1
            );
        }
        assert!(
            fast.1
                .iter()
                .any(|h| h.starts_with("user-agent: apiprobe/"))
        );
        assert!(fast.1.iter().any(|h| h.starts_with("host: 127.0.0.1:")));
    });
}

/// The answer of a [`Counting`] server.
#[derive(Clone, Copy)]
enum Answers {
    /// `200 {}` to every request, keeping the connection open.
    KeepAlive,
    /// `200 {}`, then the connection closed 20 ms later without saying so.
    CloseAfterAnswer,
    /// These, one a request in order; the connection closed after the last.
    Script(&'static [&'static [u8]]),
}

/// `200 {}` with keep-alive.
const OK: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";

/// A raw HTTP/1.1 server on 127.0.0.1 that reads bodiless requests and
/// answers each as `answers` says. Counts connections and requests.
struct Counting {
    url: String,
    connections: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    requests: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl Counting {
    async fn start(answers: Answers) -> Counting {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/ping", listener.local_addr().expect("addr"));
        let connections = std::sync::Arc::new(AtomicUsize::new(0));
        let requests = std::sync::Arc::new(AtomicUsize::new(0));
        let (c, r) = (connections.clone(), requests.clone());
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                c.fetch_add(1, Ordering::SeqCst);
                let r = r.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut script = match answers {
                        Answers::Script(list) => list.iter(),
                        _ => [].iter(),
                    };
                    loop {
                        let mut chunk = [0u8; 4096];
                        let Ok(n) = socket.read(&mut chunk).await else {
                            return;
                        };
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        // no bodies: one head is one request
                        while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            buf.drain(..end + 4);
                            r.fetch_add(1, Ordering::SeqCst);
                            let answer = match answers {
                                Answers::Script(_) => match script.next() {
                                    Some(answer) => *answer,
                                    None => return,
                                },
                                _ => OK,
                            };
                            if socket.write_all(answer).await.is_err() {
                                return;
                            }
                            match answers {
                                Answers::KeepAlive => {}
                                Answers::CloseAfterAnswer => {
                                    // after the client has put the
                                    // connection back in its pool
                                    tokio::time::sleep(Duration::from_millis(20)).await;
                                    return;
                                }
                                Answers::Script(_) if script.len() == 0 => return,
                                Answers::Script(_) => {}
                            }
                        }
                    }
                });
            }
        });
        Counting {
            url,
            connections,
            requests,
        }
    }

    fn counts(&self) -> (usize, usize) {
        use std::sync::atomic::Ordering;
        (
            self.connections.load(Ordering::SeqCst),
            self.requests.load(Ordering::SeqCst),
        )
    }
}

fn get() -> Request {
    Request {
        method: Method::Get,
        path: "/ping".into(),
        query: String::new(),
        headers: Vec::new(),
        body: None,
    }
}

fn fast_client() -> Client {
    Client::new(ClientOptions {
        env_proxy: false,
        ..ClientOptions::default()
    })
    .expect("a client")
}

/// Sends `GET url` (request number `i`), which must be answered 200.
async fn get_ok(client: &Client, url: &str, i: usize) {
    let exchange = client.send(url.to_owned(), get()).await;
    match exchange.outcome {
        Outcome::Response(r) => assert_eq!(r.status, 200, "request {i}"),
        Outcome::Failed(f) => panic!("request {i}: {f:?}"),
    }
}

#[tokio::test]
async fn the_fast_path_reuses_its_connections() {
    let server = Counting::start(Answers::KeepAlive).await;
    let client = fast_client();
    for i in 0..20 {
        get_ok(&client, &server.url, i).await;
    }
    // one after the other: one connection carries them all
    assert_eq!(server.counts(), (1, 20));
}

#[tokio::test]
async fn a_connection_the_server_closed_while_idle_is_replaced_unseen() {
    let server = Counting::start(Answers::CloseAfterAnswer).await;
    let client = fast_client();
    for i in 0..5 {
        get_ok(&client, &server.url, i).await;
        // time for the server's close to arrive before the next request
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // each request once, each on a connection of its own
    assert_eq!(server.counts(), (5, 5));
}

#[tokio::test]
async fn credentials_in_the_url_are_sent_as_basic_auth() {
    // reqwest turns `user:password@` into an authorization header; the fast
    // path would drop it, so such URLs go through reqwest
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!(
        "http://user:pw@{}/ping",
        listener.local_addr().expect("addr")
    );
    let client = fast_client();
    let ((line, headers, _), exchange) =
        tokio::join!(record_one(&listener), client.send(url, get()));
    assert!(matches!(exchange.outcome, Outcome::Response(_)));
    assert_eq!(line, "GET /ping HTTP/1.1");
    // base64 of `user:pw`
    assert!(
        headers
            .iter()
            .any(|h| h == "authorization: Basic dXNlcjpwdw=="),
        "{headers:?}"
    );
}

#[tokio::test]
async fn the_fast_path_frames_bodies_as_rfc_9112_says() {
    const ANSWERS: &[&[u8]] = &[
        // chunked, with an extension and trailers
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\nx-trailer: 1\r\n\r\n",
        // an interim answer before the real one
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
        // no body whatever the length says
        b"HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
        // the last one: closed by the server, delimited by the close
        b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end",
    ];
    let server = Counting::start(Answers::Script(ANSWERS)).await;
    let client = fast_client();
    let mut seen = Vec::new();
    for (i, method) in [
        Method::Get,
        Method::Get,
        Method::Get,
        Method::Head,
        Method::Get,
    ]
    .into_iter()
    .enumerate()
    {
        let mut request = get();
        request.method = method;
        let exchange = client.send(server.url.clone(), request).await;
        match exchange.outcome {
            Outcome::Response(r) => {
                seen.push((r.status, String::from_utf8_lossy(&r.body).into_owned()))
            }
            Outcome::Failed(f) => panic!("request {i}: {f:?}"),
        }
    }
    assert_eq!(
        seen,
        [
            (200, r#"{"a":1}"#.to_owned()),
            (201, "ok".to_owned()),
            (204, String::new()),
            (200, String::new()),
            (200, "until the end".to_owned()),
        ]
    );
    // every answer but the last left the connection open for the next
    assert_eq!(server.counts(), (1, 5));
}

#[tokio::test]
async fn a_post_never_meets_a_connection_the_server_closed_while_idle() {
    // a POST is not sent twice, so the close must be seen before sending
    let server = Counting::start(Answers::CloseAfterAnswer).await;
    let client = fast_client();
    for i in 0..5 {
        let mut request = get();
        request.method = Method::Post;
        let exchange = client.send(server.url.clone(), request).await;
        match exchange.outcome {
            Outcome::Response(r) => assert_eq!(r.status, 200, "request {i}"),
            Outcome::Failed(f) => panic!("request {i}: {f:?}"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(server.counts(), (5, 5));
}
