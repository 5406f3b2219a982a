//! A server that sends an extra, unrequested response after each answer on
//! a keep-alive connection (in a write of its own) must not make the client
//! attribute that response to the next request: each answer read is the
//! answer to its own request on the fast path (plain `http://`), which
//! counts the connections it dropped for it. (The reqwest path, for
//! proxies and redirects, keeps no HTTP/1.1 connection:
//! client_desync_reqwest.rs.)

use crate::support;

use std::time::Duration;

use apiprobe::http::{Client, ClientOptions, Outcome, Request};
use apiprobe::model::Method;
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// Requests sent one after another in each test.
const REQUESTS: usize = 30;

/// Serves on 127.0.0.1: each answer's body is its request's target.
/// Once the client says it has read the answer (`read`), a response
/// nobody asked for follows (body `unrequested`), then a message on
/// `written`. Gives the base URL.
async fn serve_with_extra_responses(
    read: mpsc::UnboundedReceiver<()>,
    written: std::sync::mpsc::Sender<()>,
) -> String {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let addr = listener.local_addr().expect("its address");
    let read = std::sync::Arc::new(tokio::sync::Mutex::new(read));
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let (read, written) = (read.clone(), written.clone());
            tokio::spawn(async move {
                let mut buf = Vec::new();
                while let Some(head) = support::raw::read_request(&mut socket, &mut buf).await {
                    let target = head.split(' ').nth(1).unwrap_or("").to_owned();
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n\r\n{target}",
                        target.len()
                    );
                    if socket.write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                    // the extra response is not in the answer's read
                    if read.lock().await.recv().await.is_none() {
                        return;
                    }
                    let extra = "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 11\r\n\r\nunrequested";
                    if socket.write_all(extra.as_bytes()).await.is_err() {
                        return;
                    }
                    let _ = written.send(());
                }
            });
        }
    });
    format!("http://{addr}")
}

fn get(path: String) -> Request {
    Request {
        method: Method::Get,
        path,
        query: String::new(),
        headers: Vec::new(),
        body: None,
    }
}

/// Sends [`REQUESTS`] requests one after another from a runtime of one
/// thread, which, between two requests, waits (blocking, so it polls no
/// socket) until the previous answer's extra response was written: the
/// runtime has not seen it arrive when the next request looks for an idle
/// connection. Gives each answer's body beside the target it should echo,
/// and the client.
fn exchange_all() -> (Vec<(String, String)>, Client) {
    let server = support::runtime();
    let (read_tx, read_rx) = mpsc::unbounded_channel();
    let (written_tx, written) = std::sync::mpsc::channel();
    let base = server.block_on(serve_with_extra_responses(read_rx, written_tx));
    let client_runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    client_runtime.block_on(async {
        let client = Client::new(ClientOptions {
            timeout: Duration::from_secs(10),
            env_proxy: false,
            ..ClientOptions::default()
        })
        .expect("a client");
        let mut answers = Vec::new();
        for i in 0..REQUESTS {
            let target = format!("/items/{i}");
            let exchange = client
                .send(format!("{base}{target}"), get(target.clone()))
                .await;
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
        (answers, client)
    })
}

fn assert_each_answer_is_its_own(answers: &[(String, String)]) {
    let wrong: Vec<_> = answers.iter().filter(|(t, b)| t != b).collect();
    assert!(
        wrong.is_empty(),
        "{} of {} answers were not their request's: {wrong:?}",
        wrong.len(),
        answers.len()
    );
}

#[test]
fn the_fast_path_never_reads_an_unrequested_response_as_an_answer() {
    let (answers, client) = exchange_all();
    assert_each_answer_is_its_own(&answers);
    // every request but the first found the previous extra response on
    // the idle connection, dropped it and went on a fresh one
    assert_eq!(client.unrequested_responses(), REQUESTS as u64 - 1);
}
