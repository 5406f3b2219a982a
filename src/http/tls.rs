//! The rustls client configuration of the fast path over TLS
//! ([`super::plain`] for `https://`): built as reqwest builds its own (the
//! process's crypto provider, every protocol version, the platform's
//! verifier with `--ca-cert`'s certificates as extra roots, or no check
//! at all with `--insecure`), so that a certificate is accepted or refused,
//! and its error named, alike on both paths. ALPN offers only `http/1.1`.
//! One configuration serves the whole client: its session cache (rustls'
//! default, in memory) lets a new connection resume an earlier session.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};

/// The configuration for `insecure` (accept any certificate) and the PEM
/// certificates `ca_cert` (extra trusted roots). `None` when it cannot be
/// built (no crypto provider, unreadable roots): `https://` then goes
/// through reqwest, which reports the problem its own way.
pub(crate) fn client_config(insecure: bool, ca_cert: Option<&[u8]>) -> Option<Arc<ClientConfig>> {
    crate::tls::install_crypto_provider();
    let provider = rustls::crypto::CryptoProvider::get_default()?.clone();
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .ok()?
        .dangerous();
    let builder = if insecure {
        builder.with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
    } else {
        let verifier = match ca_cert {
            None => rustls_platform_verifier::Verifier::new(provider).ok()?,
            Some(pem) => {
                let roots: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem)
                    .collect::<Result<_, _>>()
                    .ok()?;
                if roots.is_empty() {
                    return None;
                }
                rustls_platform_verifier::Verifier::new_with_extra_roots(roots, provider).ok()?
            }
        };
        builder.with_custom_certificate_verifier(Arc::new(verifier))
    };
    let mut config = builder.with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Some(Arc::new(config))
}

/// The name a certificate must carry for `host` (an IP address without
/// brackets, or a DNS name), as hyper-rustls derives it for reqwest.
pub(crate) fn server_name(host: &str) -> Option<ServerName<'static>> {
    ServerName::try_from(host.to_owned()).ok()
}

/// `--insecure`: every certificate and signature is accepted (as
/// reqwest's `danger_accept_invalid_certs`).
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
