//! Test servers that speak HTTP/1.1 by hand on a `TcpStream` (to misbehave
//! in ways a framework would not allow): reading one request, on tokio or
//! on a blocking std socket.

#![allow(dead_code)]

use tokio::io::AsyncReadExt as _;
use tokio::net::TcpStream;

/// The longest request a hand-written test server reads.
pub const MAX_REQUEST_BYTES: usize = 1 << 20;

/// Where `buf` holds a whole request head: the head in lower case and the
/// request's length with its `content-length` body. `None` while the head
/// is incomplete.
fn framed(buf: &[u8]) -> Option<(String, usize)> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
    let body = head
        .lines()
        .filter_map(|l| l.strip_prefix("content-length:"))
        .find_map(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    Some((head, end + 4 + body))
}

/// Reads one request (its head and a `content-length` body) off `buf` and
/// the socket, and takes it out of `buf`: its head in lower case, `None`
/// when the peer closed first or the request passes [`MAX_REQUEST_BYTES`].
pub async fn read_request(socket: &mut TcpStream, buf: &mut Vec<u8>) -> Option<String> {
    let mut chunk = [0u8; 4096];
    loop {
        if let Some((head, total)) = framed(buf) {
            if total > MAX_REQUEST_BYTES {
                return None;
            }
            while buf.len() < total {
                match socket.read(&mut chunk).await {
                    Ok(0) | Err(_) => return None,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            buf.drain(..total);
            return Some(head);
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

/// [`read_request`] on a blocking std socket (a read timeout set on it
/// ends the wait: `None`, as a close does).
pub fn read_request_blocking(
    socket: &mut std::net::TcpStream,
    buf: &mut Vec<u8>,
) -> Option<String> {
    use std::io::Read as _;
    let mut chunk = [0u8; 4096];
    loop {
        if let Some((head, total)) = framed(buf) {
            if total > MAX_REQUEST_BYTES {
                return None;
            }
            while buf.len() < total {
                match socket.read(&mut chunk) {
                    Ok(0) | Err(_) => return None,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            buf.drain(..total);
            return Some(head);
        }
        if buf.len() > MAX_REQUEST_BYTES {
            return None;
        }
        match socket.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}
