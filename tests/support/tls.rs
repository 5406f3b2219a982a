//! TLS for loopback test servers (the client tests and `bench_scan --tls`):
//! a CA and a server certificate made at run time with rcgen (no key is
//! checked in), a rustls server configuration, and an axum listener whose
//! connections are TLS ([`TlsListener`]).

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::server::TlsStream;

/// A server certificate and its key, and the CA that signed it (PEM, what
/// `--ca-cert` reads).
pub struct Certs {
    /// The CA's certificate, PEM.
    pub ca_pem: String,
    /// The server's certificate.
    pub cert: CertificateDer<'static>,
    /// The server's key (PKCS#8).
    pub key: PrivatePkcs8KeyDer<'static>,
}

/// When a certificate is valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    /// From a year ago to ten years on (rcgen's defaults: 1975 to 4096).
    Current,
    /// 2020 only: expired.
    Expired,
}

/// A new CA and a server certificate it signed for `names` (DNS names or
/// IP addresses).
pub fn certs(names: &[&str], validity: Validity) -> Result<Certs, String> {
    let err = |e: rcgen::Error| e.to_string();
    let ca_key = rcgen::KeyPair::generate().map_err(err)?;
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    // a name of its own: two CAs of one name would be taken for one (and
    // the other's signature found bad, not its issuer unknown)
    static MADE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = MADE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    ca.distinguished_name.push(
        rcgen::DnType::CommonName,
        format!("apiprobe test CA {} {n}", std::process::id()),
    );
    ca.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca.self_signed(&ca_key).map_err(err)?;
    let key = rcgen::KeyPair::generate().map_err(err)?;
    let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    let mut leaf = rcgen::CertificateParams::new(names).map_err(err)?;
    leaf.distinguished_name
        .push(rcgen::DnType::CommonName, "apiprobe test server");
    leaf.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    if validity == Validity::Expired {
        leaf.not_before = rcgen::date_time_ymd(2020, 1, 1);
        leaf.not_after = rcgen::date_time_ymd(2020, 12, 31);
    }
    let issuer = rcgen::Issuer::from_params(&ca, &ca_key);
    let cert = leaf.signed_by(&key, &issuer).map_err(err)?;
    Ok(Certs {
        ca_pem: ca_cert.pem(),
        cert: cert.der().clone(),
        key: PrivatePkcs8KeyDer::from(key.serialize_der()),
    })
}

/// A rustls server configuration with `certs` (ring, TLS 1.2 and 1.3),
/// offering `alpn` (empty: no ALPN).
pub fn server_config(certs: &Certs, alpn: &[&[u8]]) -> Result<Arc<rustls::ServerConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(
            vec![certs.cert.clone()],
            PrivateKeyDer::Pkcs8(certs.key.clone_key()),
        )
        .map_err(|e| e.to_string())?;
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(Arc::new(config))
}

/// A listener on 127.0.0.1 whose accepted connections have completed
/// their TLS handshake (each handshake in a task of its own, so that a
/// client that stalls in one holds no other back); one that failed is
/// dropped. Serves axum through `axum::serve`.
pub struct TlsListener {
    connections: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    addr: SocketAddr,
}

impl TlsListener {
    /// Listens on 127.0.0.1 (a free port) with `config`.
    pub async fn bind(config: Arc<rustls::ServerConfig>) -> Result<TlsListener, String> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| e.to_string())?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let acceptor = tokio_rustls::TlsAcceptor::from(config);
        let (tx, connections) = mpsc::channel(256);
        tokio::spawn(async move {
            while let Ok((socket, peer)) = listener.accept().await {
                let _ = socket.set_nodelay(true);
                let (acceptor, tx) = (acceptor.clone(), tx.clone());
                tokio::spawn(async move {
                    if let Ok(tls) = acceptor.accept(socket).await {
                        let _ = tx.send((tls, peer)).await;
                    }
                });
            }
        });
        Ok(TlsListener { connections, addr })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The next connection whose handshake completed (`None` once the
    /// accepting task ended).
    pub async fn next(&mut self) -> Option<(TlsStream<TcpStream>, SocketAddr)> {
        self.connections.recv().await
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.connections.recv().await {
            Some(connection) => connection,
            // the accepting task ended: nothing more will come
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.addr)
    }
}

/// Serves `app` over TLS with `config` on 127.0.0.1 until the runtime ends;
/// gives its base URL (`https://127.0.0.1:PORT`).
pub async fn serve(app: axum::Router, config: Arc<rustls::ServerConfig>) -> Result<String, String> {
    let listener = TlsListener::bind(config).await?;
    let base = format!("https://{}", listener.addr());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(base)
}
