//! Password hashing and HS256 JSON Web Tokens (flaw 14: the weak secret
//! "secret" and `alg: none` are accepted when flawed).

use super::state::AppState;
use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::time::{SystemTime, UNIX_EPOCH};

type HmacSha256 = Hmac<Sha256>;

/// Lifetime of an issued token, in seconds.
const TOKEN_LIFETIME: u64 = 3600;

/// The stored form of a password: salted SHA-256, as a leaky list shows it.
pub(crate) fn hash_password(username: &str, password: &str) -> String {
    let digest = Sha256::digest(format!("{username}:{password}").as_bytes());
    let hex = hex::encode(digest);
    format!("$sha256${username}${hex}")
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn sign(secret: &[u8], data: &str) -> Option<Vec<u8>> {
    let mut mac = HmacSha256::new_from_slice(secret).ok()?;
    mac.update(data.as_bytes());
    Some(mac.finalize().into_bytes().to_vec())
}

/// A signed HS256 token for `username`.
pub(crate) fn issue(state: &AppState, username: &str, role: &str) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let claims =
        json!({"sub": username, "role": role, "iat": now(), "exp": now() + TOKEN_LIFETIME});
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string().as_bytes());
    let data = format!("{header}.{payload}");
    let signature = sign(&state.secret, &data).unwrap_or_default();
    format!("{data}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// The authenticated caller.
pub(crate) struct Caller {
    pub(crate) username: String,
    pub(crate) role: String,
}

impl Caller {
    pub(crate) fn is_admin(&self) -> bool {
        self.role == "admin"
    }
}

fn decode_json(part: &str) -> Option<Value> {
    let bytes = URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The caller named by a valid bearer token, with the role the database holds.
pub(crate) fn caller(state: &AppState, headers: &HeaderMap) -> Option<Caller> {
    let value = headers.get("authorization")?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let mut parts = token.trim().split('.');
    let (header_b64, payload_b64) = (parts.next()?, parts.next()?);
    let signature_b64 = parts.next().unwrap_or("");
    if parts.next().is_some() {
        return None;
    }
    let header = decode_json(header_b64)?;
    let claims = decode_json(payload_b64)?;
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
    let accepted = if alg.eq_ignore_ascii_case("none") {
        // Flaw 14: an unsigned token is trusted.
        !state.config.fixed
    } else if alg == "HS256" {
        let expected = sign(&state.secret, &format!("{header_b64}.{payload_b64}"))?;
        let given = URL_SAFE_NO_PAD
            .decode(signature_b64.trim_end_matches('='))
            .ok()?;
        // Constant-time comparison through the MAC itself.
        let mut mac = HmacSha256::new_from_slice(&state.secret).ok()?;
        mac.update(format!("{header_b64}.{payload_b64}").as_bytes());
        !expected.is_empty() && mac.verify_slice(&given).is_ok()
    } else {
        false
    };
    if !accepted {
        return None;
    }
    if let Some(exp) = claims.get("exp").and_then(Value::as_u64)
        && exp < now()
    {
        return None;
    }
    let username = claims.get("sub").and_then(Value::as_str)?.to_owned();
    let role: String = state
        .db()
        .query_row(
            "SELECT role FROM users WHERE username = ?1",
            [&username],
            |row| row.get(0),
        )
        .ok()?;
    Some(Caller { username, role })
}
