//! The demo's sign-in service for other clients (flaws 34-36): RS256 tokens
//! from `POST /sso/token`, verified by `GET /sso/profile` and `POST
//! /sso/logout` with the public key published at `/.well-known/jwks.json`.
//!
//! - Flaw 34: the verifier takes the algorithm from the token's header, so
//!   an HS256 token whose HMAC key is the public key's PEM text (as the
//!   service was configured with it, trailing newline included) passes.
//! - Flaw 35: `/sso/logout` answers 200 and revokes nothing.
//! - Flaw 36: the token carries the user's password hash as a claim.
//!
//! Fixed: RS256 only, logout revokes the token's `jti`, no hash claim.
//! The RSA key is a test key written for the demo (2048 bits, PKCS#8,
//! generated with `openssl genpkey` for this file); it guards nothing.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair};
use serde_json::{Value, json};
use sha2::Sha256;

use super::account::{failures_exceeded, record_failure};
use super::auth::hash_password;
use super::response::{Rejection, error, json as answer, object, string_field, unauthorized};
use super::state::AppState;

/// The demo's test key (PKCS#8 DER, base64), written for the demo only.
const TEST_KEY_PKCS8: [&str; 22] = [
    "MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQDVZJmcSo960yrb5ekuh6uYHmob",
    "GuG+C7AN1RSZMKW2OiTLz97ZIqyM+EFKD5IZwEqT15i0ovY78cXrSt2j2bawJGJ6ZNrOcNF5gseB",
    "bMKx8ecMLOx1e7pw3P7hQP1qzh9iFfW6DGEzJd0/KNdFkK398UsTKggHS2ouMGJnTLkgiavmOgG/",
    "DsmW6CWNi2BhVLWUAapvEvzUKGevBx6DFzMJC8W2RVIZJuWLaCfU9pbtelC7nud5rjKqh09/046y",
    "oeZPA2FywDcHsa2UuUSMAlGCyhiENiZIo0VuiFKQjdoQ26QNuNs0ZF7hR3AXRyyRIe2V/AaQyrxa",
    "5m5X457GeSD/AgMBAAECggEADh9mUIMEE+uTKT0svY5FEQA8+CZDTRdA7j7ClOY0prwaYKgVO5Gh",
    "PIMsRFaGI3t9HrkPZi+9fszK0yj/74QiecMusU2oyC43RC9051/nUsI2ZFvkxQcMmRjx1Wk+XFSK",
    "nIHk4rdHB4zjTkwe/dT2xEO1Ou4hMeUP1ewQgdMAvY0VTqnhp3DFVS+BnKH42O/3oCmxz7WTgKDq",
    "+/GUbPH2oy1yY2ZyjlDaPT8emWopUlyQ4mxRxGeJ4eupidoi3tCm+nnivBNI0/c1bM9jicsw8VA+",
    "bqpmR+bWtip5QtWcMEJTpeVn6f3HQC3mcsls84rgt3AfIIQy2LH6xFmIZJ1IYQKBgQD5bITM9hMb",
    "7HBHfRBzfQX4JA1ZoGkeCebClzNWFiE5AlJprYxeRPKL8StqxCbHGF4xSY5bYCoUq0cEVlgH7ycx",
    "FltrODexx5KbzPiCdWhDpm3NNjkr+WcrxvqLWWn/qImUxmU55xvOtTaUTxecKafow8dQaKr4thPy",
    "QuY7iaQmlQKBgQDbBOQrV5h5nFT/RCEz3KA8hk4SFPnLOMzhy8XpF9PY0+GPS1RDRHXzQHFlSZX3",
    "OoRckuOFhm8MhN2PsjKcWViGw1jhBa/5DrKfRpBW1W/yhfXYoR8Tg5SjFAGnRBzoJdSzlX0nW5XF",
    "GRxZvBLvGQa2iem4Pm9dNPIS4nLqoFzoQwKBgBrgfLbxVUHPCpJJgbpQIJKKn/2mcW1RN9KEJH4E",
    "SHQyMds9XkDSQSifRkRs+pi9oXjCKlriU+aCRlbLTxUbyidZ92PoXOgFT2EGh0jXifKwPmi8jRCW",
    "AW4QNPNLIUbxTFIBxuqkYrS1hjoZA7xKKNPGNPYPMU03oZKbbt+/hza5AoGAM7/jHa6T02Ax4SK6",
    "6aMepU5ikfks0Gy6VDuuppW/s4LUz+PPpBk/+VrnsDQD4CeOcMUwRzNtd7rJExPay4B831K25GxQ",
    "mPt1DxdAMZQ64EXwwd/IFPdJHoMypM/+OIf/yvLuYGdOawS04ysCGkaChIzvkV4HODGzZOzmlDOR",
    "4DsCgYAyikVWHtead6tybsYmxgoAhmdJbrteNAZjFFw0mHLtQ5uffM1vurS+B4U6/8GR0LRK7Ncm",
    "33XI+ztB/Y3lFIKvXKwVBuOLEqJa37ctoJglPZwdNRq7HkiMTY6mhzL8aJt009HDsyF5eF0NO+vC",
    "EMOHdc8SWzboONHx0k27SVf+Iw==",
];

/// The key id the tokens and the JWKS name.
const KID: &str = "demo-sso-1";
/// The issuer claim.
const ISSUER: &str = "apiprobe-demo-sso";
/// Lifetime of a token, in seconds.
const LIFETIME: u64 = 3600;
/// Revoked token ids kept at most (a hostile client cannot grow the set without bound).
const MAX_REVOKED: usize = 10_000;

/// The service's key and what it revoked.
struct Sso {
    fixed: bool,
    app: Arc<AppState>,
    key: Option<RsaKeyPair>,
    /// The public key as `RSAPublicKey` DER (PKCS#1), for verification.
    public: Vec<u8>,
    /// The public key as a PEM `PUBLIC KEY` (SPKI), trailing newline included.
    pem: String,
    jwks: Value,
    rng: SystemRandom,
    issued: AtomicU64,
    revoked: Mutex<HashSet<String>>,
}

type Shared = State<Arc<Sso>>;

/// The SSO routes, their state built from the demo's shared state.
pub(crate) fn routes(app: Arc<AppState>) -> Router {
    let fixed = app.config.fixed;
    let der = STANDARD.decode(TEST_KEY_PKCS8.concat()).unwrap_or_default();
    let key = RsaKeyPair::from_pkcs8(&der).ok();
    let public = key
        .as_ref()
        .map(|k| k.public().as_ref().to_vec())
        .unwrap_or_default();
    let (n, e) = key
        .as_ref()
        .map(|k| {
            let c = ring::rsa::PublicKeyComponents::<Vec<u8>>::from(k.public());
            (c.n, c.e)
        })
        .unwrap_or_default();
    let jwks = json!({"keys": [{
        "kty": "RSA", "use": "sig", "alg": "RS256", "kid": KID,
        "n": URL_SAFE_NO_PAD.encode(&n), "e": URL_SAFE_NO_PAD.encode(&e),
    }]});
    let sso = Sso {
        fixed,
        app,
        key,
        pem: pem_of(&public),
        public,
        jwks,
        rng: SystemRandom::new(),
        issued: AtomicU64::new(0),
        revoked: Mutex::new(HashSet::new()),
    };
    Router::new()
        .route("/.well-known/jwks.json", get(key_set))
        .route("/sso/token", post(token))
        .route("/sso/profile", get(profile))
        .route("/sso/logout", post(logout))
        .with_state(Arc::new(sso))
}

/// DER: a tag, its length and the content.
fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// The PEM `PUBLIC KEY` (SubjectPublicKeyInfo) of a PKCS#1 RSA public key,
/// lines of 64 characters and a trailing newline, as `openssl` writes it.
fn pem_of(pkcs1: &[u8]) -> String {
    // rsaEncryption (1.2.840.113549.1.1.1) with NULL parameters
    let algorithm = [
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
    ];
    let mut bits = vec![0u8];
    bits.extend_from_slice(pkcs1);
    let mut content = algorithm.to_vec();
    content.extend(der(0x03, &bits));
    let spki = der(0x30, &content);
    let text = STANDARD.encode(spki);
    let mut pem = String::from("-----BEGIN PUBLIC KEY-----\n");
    for chunk in text.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(chunk));
        pem.push('\n');
    }
    pem.push_str("-----END PUBLIC KEY-----\n");
    pem
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// GET /.well-known/jwks.json: the public key.
async fn key_set(State(sso): Shared) -> Response {
    answer(StatusCode::OK, sso.jwks.clone())
}

/// POST /sso/token: an RS256 token for a username and password. Failures
/// answer alike and are limited (10 a minute per username) in both modes.
async fn token(State(sso): Shared, body: Bytes) -> Response {
    let parsed = object(&body).and_then(|map| {
        let user = string_field(&map, "username")?.to_owned();
        let password = string_field(&map, "password")?.to_owned();
        Ok::<_, Rejection>((user, password))
    });
    let (user, password) = match parsed {
        Ok(parts) => parts,
        Err(rejection) => return rejection.into_response(),
    };
    if failures_exceeded(&sso.app, &user) {
        return error(
            StatusCode::TOO_MANY_REQUESTS,
            "too many failed attempts; try again later",
        );
    }
    let found: Option<(String, String, String)> = sso
        .app
        .db()
        .query_row(
            "SELECT password_hash, role, email FROM users WHERE username = ?1",
            [&user],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .ok();
    let Some((hash, role, email)) = found.filter(|(h, _, _)| *h == hash_password(&user, &password))
    else {
        record_failure(&sso.app, &user);
        return error(StatusCode::UNAUTHORIZED, "invalid username or password");
    };
    let jti = format!("sso-{}", sso.issued.fetch_add(1, Ordering::Relaxed) + 1);
    let mut claims = json!({
        "iss": ISSUER, "sub": user, "role": role, "email": email,
        "iat": now(), "exp": now() + LIFETIME, "jti": jti,
    });
    if !sso.fixed {
        // Flaw 36: the password hash travels in every token.
        claims["password_hash"] = json!(hash);
    }
    let Some(token) = sign(&sso, &claims) else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "signing failed");
    };
    answer(
        StatusCode::OK,
        json!({"id_token": token, "token_type": "Bearer", "expires_in": LIFETIME}),
    )
}

/// An RS256 token with `claims`.
fn sign(sso: &Sso, claims: &Value) -> Option<String> {
    let key = sso.key.as_ref()?;
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": KID});
    let data = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let mut signature = vec![0u8; key.public().modulus_len()];
    key.sign(&RSA_PKCS1_SHA256, &sso.rng, data.as_bytes(), &mut signature)
        .ok()?;
    Some(format!("{data}.{}", URL_SAFE_NO_PAD.encode(signature)))
}

fn decode(part: &str) -> Option<Value> {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()
}

/// The claims of a valid bearer token, or `None`.
fn verified(sso: &Sso, headers: &HeaderMap) -> Option<Value> {
    let value = headers.get("authorization")?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let mut parts = token.trim().split('.');
    let (h, p, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header = decode(h)?;
    let claims = decode(p)?;
    let signature = URL_SAFE_NO_PAD.decode(s).ok()?;
    let data = format!("{h}.{p}");
    let good = match header.get("alg").and_then(Value::as_str)? {
        "RS256" => {
            let key = ring::signature::UnparsedPublicKey::new(
                &RSA_PKCS1_2048_8192_SHA256,
                sso.public.as_slice(),
            );
            key.verify(data.as_bytes(), &signature).is_ok()
        }
        // Flaw 34: the "key" of the configured algorithm is the PEM text,
        // and HS256 is honoured with it.
        "HS256" if !sso.fixed => Hmac::<Sha256>::new_from_slice(sso.pem.as_bytes())
            .map(|mut mac| {
                mac.update(data.as_bytes());
                mac.verify_slice(&signature).is_ok()
            })
            .unwrap_or(false),
        _ => false,
    };
    if !good || claims.get("iss").and_then(Value::as_str) != Some(ISSUER) {
        return None;
    }
    if claims
        .get("exp")
        .and_then(Value::as_u64)
        .is_none_or(|exp| exp < now())
    {
        return None;
    }
    let jti = claims
        .get("jti")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if sso.fixed && revoked(sso).contains(jti) {
        return None;
    }
    Some(claims)
}

fn revoked(sso: &Sso) -> std::sync::MutexGuard<'_, HashSet<String>> {
    sso.revoked
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// GET /sso/profile: who the token names.
async fn profile(State(sso): Shared, headers: HeaderMap) -> Response {
    match verified(&sso, &headers) {
        Some(claims) => answer(
            StatusCode::OK,
            json!({"username": claims.get("sub"), "role": claims.get("role")}),
        ),
        None => unauthorized(),
    }
}

/// POST /sso/logout: ends the token's session. Flaw 35: nothing is revoked.
async fn logout(State(sso): Shared, headers: HeaderMap) -> Response {
    let Some(claims) = verified(&sso, &headers) else {
        return unauthorized();
    };
    if sso.fixed
        && let Some(jti) = claims.get("jti").and_then(Value::as_str)
    {
        let mut set = revoked(&sso);
        if set.len() < MAX_REVOKED {
            set.insert(jti.to_owned());
        }
    }
    answer(StatusCode::OK, json!({"logged_out": true}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_key_loads_and_its_pem_is_what_openssl_writes() {
        let der = STANDARD.decode(TEST_KEY_PKCS8.concat()).unwrap();
        let key = RsaKeyPair::from_pkcs8(&der).unwrap();
        let pem = pem_of(key.public().as_ref());
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA1WSZnEqPetMq2+XpLoer\n"), "{pem}");
        assert!(
            pem.ends_with("/wIDAQAB\n-----END PUBLIC KEY-----\n"),
            "{pem}"
        );
    }
}
