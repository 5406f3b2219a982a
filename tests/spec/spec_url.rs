//! Loading specs over http from a real server on loopback, external
//! references included.

use crate::common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;

use apiprobe::spec::{Source, SpecError, load};

/// Serves the files under `root` on 127.0.0.1 for at most `max` connections.
fn serve(root: PathBuf, max: usize) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        for stream in listener.incoming().take(max) {
            let Ok(mut stream) = stream else { continue };
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            let head = String::from_utf8_lossy(&head);
            let target = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
            let file = root.join(target.trim_start_matches('/'));
            let response = match std::fs::read(&file) {
                Ok(body) if !target.contains("..") => {
                    let mut r = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/yaml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    r.extend_from_slice(&body);
                    r
                }
                _ => b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    .to_vec(),
            };
            let _ = stream.write_all(&response);
        }
    });
    addr
}

fn url(addr: SocketAddr, path: &str) -> Source {
    Source::parse(&format!("http://{addr}/{path}"))
}

#[tokio::test]
async fn a_spec_and_its_external_references_load_over_http() {
    let addr = serve(common::path("tests/fixtures/refs"), 64);
    let api = load(&url(addr, "main.yaml"))
        .await
        .expect("loads over http");
    assert_eq!(api.operations.len(), 6);
    assert!(api.skipped.is_empty(), "{:?}", api.skipped);
    // the external path item, parameters and schemas all came over http
    let item = api
        .operation("getItem")
        .expect("path item from paths/items.yaml");
    assert_eq!(item.path, "/items/{itemId}");
    assert!(api.source.starts_with("http://127.0.0.1:"));
    // no servers declared: the spec's own origin, as OpenAPI 3 specifies
    assert_eq!(api.servers[0].url, format!("http://{addr}/"));
}

#[tokio::test]
async fn http_errors_name_the_url_and_status() {
    let addr = serve(common::path("tests/fixtures/refs"), 4);
    match load(&url(addr, "nope.yaml")).await.unwrap_err() {
        SpecError::Fetch { url, message } => {
            assert!(url.ends_with("/nope.yaml"));
            assert!(message.contains("404"), "{message}");
        }
        other => panic!("{other}"),
    }
}

#[tokio::test]
async fn an_unreachable_server_is_a_clear_error() {
    // bind, take the port, close: nothing listens there any more
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let err = load(&Source::parse(&format!("http://127.0.0.1:{port}/api.yaml")))
        .await
        .unwrap_err();
    assert!(matches!(err, SpecError::Fetch { .. }), "{err}");
    assert!(err.to_string().contains(&port.to_string()), "{err}");
}

#[test]
fn sources_tell_urls_from_paths() {
    assert!(matches!(
        Source::parse("https://example.com/api.json"),
        Source::Url(_)
    ));
    assert!(matches!(
        Source::parse("HTTP://example.com/api.json"),
        Source::Url(_)
    ));
    assert!(matches!(
        Source::parse("specs/petstore.yaml"),
        Source::Path(_)
    ));
    assert!(matches!(Source::parse("C:/specs/a.yaml"), Source::Path(_)));
}
