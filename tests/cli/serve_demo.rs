//! `apiprobe serve-demo`: a real demo server on loopback that stops on Ctrl-C.
#![cfg(feature = "demo")]

use crate::support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use support::cli::{Cli, Running, Stream};

/// Starts `apiprobe serve-demo ARGS` and returns it with the base URL it
/// printed (its first line, once it listens).
fn start(args: &[&str]) -> (Running, String) {
    let mut child = Cli::new(["serve-demo"].iter().chain(args))
        .guard(Duration::from_secs(120))
        .spawn(Stream::Stdout);
    let url = child
        .wait_for("http://", Duration::from_secs(30))
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
fn interrupt(child: Running) -> Option<i32> {
    child.interrupt();
    child.finish().status.code()
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
