//! The reqwest path (taken with `--follow-redirects`, through a proxy and
//! for HTTP/2-only servers) against a server that sends an extra,
//! unrequested response after each answer on a keep-alive connection:
//! no answer may be attributed to the wrong request.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::time::Duration;

use apiprobe::http::{Client, ClientOptions, Outcome, Request};
use apiprobe::model::Method;

/// Requests sent one after another in each test.
const REQUESTS: usize = 40;

/// When the server writes the response nobody asked for.
#[derive(Clone, Copy, Debug)]
enum Extra {
    /// In the same write as the answer (one TCP segment on loopback).
    SameWrite,
    /// In a write of its own, once the client says it has read the answer.
    AfterRead,
}

/// Reads one request head off `socket` (the requests here have no body);
/// gives its target, `None` when the peer closed.
fn read_target(socket: &mut TcpStream, buf: &mut Vec<u8>) -> Option<String> {
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            buf.drain(..end + 4);
            return head.split(' ').nth(1).map(str::to_owned);
        }
        if buf.len() > 1 << 16 {
            return None;
        }
        match socket.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// How many answers the client has read, shared with the server's threads.
type ReadSoFar = Arc<(Mutex<usize>, Condvar)>;

/// Serves on 127.0.0.1 on std threads: each answer's body is its request's
/// target (`/items/N`), followed by a response nobody asked for (body
/// `unrequested`) as `extra` says; with [`Extra::AfterRead`] the server
/// waits until `read` says the client has read answer N before writing
/// it, and sends N on `written` once written.
fn serve(extra: Extra, read: ReadSoFar, written: mpsc::Sender<usize>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let addr = listener.local_addr().expect("its address");
    std::thread::spawn(move || {
        for socket in listener.incoming() {
            let Ok(mut socket) = socket else { return };
            let (read, written) = (read.clone(), written.clone());
            std::thread::spawn(move || {
                let _ = socket.set_read_timeout(Some(Duration::from_secs(20)));
                let mut buf = Vec::new();
                while let Some(target) = read_target(&mut socket, &mut buf) {
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n\r\n{target}",
                        target.len()
                    );
                    let unrequested = "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 11\r\n\r\nunrequested";
                    match extra {
                        Extra::SameWrite => {
                            let both = format!("{answer}{unrequested}");
                            if socket.write_all(both.as_bytes()).is_err() {
                                return;
                            }
                        }
                        Extra::AfterRead => {
                            if socket.write_all(answer.as_bytes()).is_err() {
                                return;
                            }
                            let Some(n) = target
                                .strip_prefix("/items/")
                                .and_then(|n| n.parse::<usize>().ok())
                            else {
                                return;
                            };
                            if !wait_until_read(&read, n)
                                || socket.write_all(unrequested.as_bytes()).is_err()
                            {
                                return;
                            }
                            let _ = written.send(n);
                        }
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

/// Waits (20 s at most) until the client has read answer `n`.
fn wait_until_read(read: &ReadSoFar, n: usize) -> bool {
    let (count, changed) = &**read;
    let Ok(guard) = count.lock() else {
        return false;
    };
    changed
        .wait_timeout_while(guard, Duration::from_secs(20), |read| *read <= n)
        .is_ok_and(|(_, timeout)| !timeout.timed_out())
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

/// Sends [`REQUESTS`] requests one after another through the reqwest path
/// (redirects followed) from a runtime of one thread or several; with
/// [`Extra::AfterRead`] it waits, blocking (so it polls no socket), until
/// the previous answer's extra response was written. Gives each answer's
/// body beside the target it should echo, and the client.
fn exchange_all(extra: Extra, one_thread: bool) -> (Vec<(String, String)>, Client) {
    let read: ReadSoFar = Arc::new((Mutex::new(0), Condvar::new()));
    let (written_tx, written) = mpsc::channel();
    let base = serve(extra, read.clone(), written_tx);
    let runtime = if one_thread {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
    }
    .expect("a runtime");
    runtime.block_on(async {
        let client = Client::new(ClientOptions {
            timeout: Duration::from_secs(10),
            follow_redirects: true,
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
            if let Extra::AfterRead = extra {
                if let Ok(mut count) = read.0.lock() {
                    *count = i + 1;
                }
                read.1.notify_all();
                // a connection the client gave up on may write an extra
                // response for an earlier answer: wait for this one's (a
                // server whose answers the client read out of turn never
                // writes it: the exchange stops there, short)
                let mut waited = false;
                while let Ok(n) = written.recv_timeout(Duration::from_secs(5)) {
                    if n == i {
                        waited = true;
                        break;
                    }
                }
                if !waited {
                    break;
                }
            }
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

/// Answers the client did not attribute to their own request, and
/// requests it never got to send (the exchange stopped short).
fn misattributed(answers: &[(String, String)]) -> usize {
    answers.iter().filter(|(t, b)| t != b).count() + (REQUESTS - answers.len())
}

#[test]
fn an_unrequested_response_in_a_write_of_its_own_is_never_read_as_an_answer() {
    // one thread, blocked while the server writes: hyper's connection task
    // has not run since the bytes came when the next request is sent (with
    // kept connections, 20 of 40 answers were another request's)
    let (answers, _) = exchange_all(Extra::AfterRead, true);
    assert_eq!(misattributed(&answers), 0, "{answers:?}");
    assert_each_answer_is_its_own(&answers);
    // several threads: the connection task runs as the bytes arrive
    let (answers, _) = exchange_all(Extra::AfterRead, false);
    assert_eq!(misattributed(&answers), 0, "{answers:?}");
}

#[test]
fn an_unrequested_response_in_the_answers_segment_is_never_read_as_an_answer() {
    for one_thread in [true, false] {
        let (answers, client) = exchange_all(Extra::SameWrite, one_thread);
        assert_eq!(misattributed(&answers), 0, "{answers:?}");
        assert_each_answer_is_its_own(&answers);
        // nothing was sent again: no connection was reused
        assert_eq!(client.resent_on_fresh_connection(), 0);
    }
}
