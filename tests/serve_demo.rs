//! `apiprobe serve-demo`: a real demo server on loopback that stops on Ctrl-C.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Starts `apiprobe serve-demo ARGS` and returns it with the base URL it printed.
fn start(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_apiprobe"))
        .arg("serve-demo")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let url = rx
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_default()
        .trim()
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "printed {url:?}");
    (child, url)
}

/// A raw HTTP/1.1 GET over loopback; the whole response as text.
fn get(url: &str, path: &str) -> String {
    let host = url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .expect("sends");
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response
}

/// Sends SIGINT and waits (bounded) for the exit code.
fn interrupt(mut child: Child) -> Option<i32> {
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return status.code();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    None
}

#[test]
fn the_vulnerable_demo_serves_until_interrupted() {
    let (child, url) = start(&[]);
    let response = get(&url, "/version");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.to_ascii_lowercase().contains("x-powered-by: php/"),
        "the banner flaw is planted: {response}"
    );
    assert_eq!(interrupt(child), Some(0));
}

#[test]
fn the_fixed_demo_has_no_banner() {
    let (child, url) = start(&["--fixed"]);
    let response = get(&url, "/version");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        !response.to_ascii_lowercase().contains("x-powered-by"),
        "{response}"
    );
    assert_eq!(interrupt(child), Some(0));
}
