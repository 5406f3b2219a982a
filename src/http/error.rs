//! What can stop the HTTP client from being built.

/// Why a [`Client`](super::Client) cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The CA certificate file holds no usable certificate.
    #[error("--ca-cert: {0}")]
    CaCert(String),
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}
