//! TLS setup shared by every HTTP client apiprobe builds.

use std::sync::Once;

/// Installs rustls's ring crypto provider as the process default, once.
/// reqwest is built without a provider of its own and needs one before any
/// client is built.
pub fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Err means another part of the process installed one first: fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
