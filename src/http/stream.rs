//! A connection of the fast path: a `TcpStream` for `http://`, rustls over
//! one for `https://` ([`Stream`]), and what has arrived on it while it was
//! idle ([`Idle`], [`idle_state`]).

use std::io::Read as _;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{Context, Poll};

use socket2::SockRef;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

/// Plain TCP, or TLS over TCP.
pub(crate) enum Stream {
    Tcp(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// What has arrived on an idle connection since its last response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Idle {
    /// Nothing: it may carry the next request.
    Quiet,
    /// The server closed it (or it failed), or, over TLS, sent a record
    /// that holds no data (a close_notify, a key update, a ticket): not
    /// clean, not used again.
    Closed,
    /// Bytes no request asked for (over TLS: records that decrypt to data).
    Unrequested,
}

/// The most bytes of an idle TLS connection read to see whether they hold
/// data: an unrequested response starts within the first records.
const IDLE_TLS_READ: usize = 64 * 1024;

/// Looks at the socket's receive queue itself (a non-blocking peek, one
/// system call): the runtime's readiness report may lag behind bytes that
/// have already arrived, and a connection taken on that stale report would
/// hand the next request someone else's answer. Over TLS, data that rustls
/// decrypted and the answer's reader did not take counts too, and bytes on
/// the socket are read (the connection is dropped anyway) and decrypted to
/// tell an unrequested response from a record without data.
pub(crate) fn idle_state(stream: &mut Stream) -> Idle {
    match stream {
        Stream::Tcp(tcp) => peek(tcp),
        Stream::Tls(tls) => {
            let (tcp, session) = tls.get_mut();
            match plaintext(session) {
                Idle::Quiet => {}
                other => return other,
            }
            match peek(tcp) {
                Idle::Unrequested => {}
                other => return other,
            }
            let mut buf = vec![0u8; IDLE_TLS_READ];
            let socket = SockRef::from(&*tcp);
            let mut reader: &socket2::Socket = &socket;
            // tokio's sockets are non-blocking: this takes what is there
            let n = match reader.read(&mut buf) {
                Ok(n) => n,
                Err(_) => return Idle::Closed,
            };
            let mut bytes = buf.get(..n).unwrap_or(&[]);
            while !bytes.is_empty() {
                match session.read_tls(&mut bytes) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
                if session.process_new_packets().is_err() {
                    return Idle::Closed;
                }
            }
            match plaintext(session) {
                Idle::Unrequested => Idle::Unrequested,
                _ => Idle::Closed,
            }
        }
    }
}

/// A non-blocking peek at a socket's receive queue.
fn peek(tcp: &TcpStream) -> Idle {
    let mut probe = [MaybeUninit::<u8>::uninit(); 1];
    // tokio's sockets are non-blocking: an empty queue is WouldBlock
    match SockRef::from(tcp).peek(&mut probe) {
        Ok(0) => Idle::Closed,
        Ok(_) => Idle::Unrequested,
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Idle::Quiet,
        Err(_) => Idle::Closed,
    }
}

/// Whether rustls holds decrypted data nobody read (`Unrequested`), saw
/// the peer's close (`Closed`), or neither (`Quiet`).
fn plaintext(session: &mut rustls::ClientConnection) -> Idle {
    let mut probe = [0u8; 1];
    match session.reader().read(&mut probe) {
        Ok(0) => Idle::Closed,
        Ok(_) => Idle::Unrequested,
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Idle::Quiet,
        Err(_) => Idle::Closed,
    }
}
