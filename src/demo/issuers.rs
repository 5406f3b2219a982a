//! Two more token-issuing deployments behind the demo (flaws 60 and 61),
//! each with its own HMAC key, for weak_jwt_secret's cracking:
//!
//! - Flaw 60: `POST /partner/token`, the partner gateway, hands out HS256
//!   tokens (issuer `partner-gateway`) signed with the six-digit number
//!   `482913`, and `GET /partner/orders` takes them.
//! - Flaw 61: `POST /kiosk/session`, the in-store kiosks' service, hands out
//!   HS384 tokens (issuer `kiosk-service`) signed with the common password
//!   `keyboard` (in no JWT secrets list, in the common passwords).
//!
//! Fixed: both keys are 32 random bytes drawn when the router is built.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Sha256, Sha384};

use super::response::{Rejection, json as answer, object, string_field, unauthorized};
use super::state::AppState;

/// The partner gateway's weak key (flaw 60).
const PARTNER_SECRET: &[u8] = b"482913";
/// The kiosk service's weak key (flaw 61).
const KIOSK_SECRET: &[u8] = b"keyboard";
const PARTNER_ISSUER: &str = "partner-gateway";
const KIOSK_ISSUER: &str = "kiosk-service";

struct Issuers {
    partner: Vec<u8>,
    kiosk: Vec<u8>,
    issued: AtomicU64,
}

type Shared = State<Arc<Issuers>>;

/// 32 bytes no one can guess (std's random hash keys; the demo needs no
/// cryptographic generator for a key that guards nothing).
fn random_key() -> Vec<u8> {
    let state = RandomState::new();
    (0..4u64)
        .flat_map(|i| {
            let mut h = state.build_hasher();
            h.write_u64(i);
            h.finish().to_le_bytes()
        })
        .collect()
}

/// The issuers' routes.
pub(crate) fn routes(app: Arc<AppState>) -> Router {
    let (partner, kiosk) = if app.config.fixed {
        (random_key(), random_key())
    } else {
        (PARTNER_SECRET.to_vec(), KIOSK_SECRET.to_vec())
    };
    Router::new()
        .route("/partner/token", post(partner_token))
        .route("/partner/orders", get(partner_orders))
        .route("/kiosk/session", post(kiosk_session))
        .with_state(Arc::new(Issuers {
            partner,
            kiosk,
            issued: AtomicU64::new(0),
        }))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn mac256(key: &[u8], data: &str) -> Vec<u8> {
    Hmac::<Sha256>::new_from_slice(key)
        .map(|mut m| {
            m.update(data.as_bytes());
            m.finalize().into_bytes().to_vec()
        })
        .unwrap_or_default()
}

fn mac384(key: &[u8], data: &str) -> Vec<u8> {
    Hmac::<Sha384>::new_from_slice(key)
        .map(|mut m| {
            m.update(data.as_bytes());
            m.finalize().into_bytes().to_vec()
        })
        .unwrap_or_default()
}

fn sign(alg: &str, key: &[u8], claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(json!({"alg": alg, "typ": "JWT"}).to_string());
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let data = format!("{header}.{payload}");
    let signature = if alg == "HS384" {
        mac384(key, &data)
    } else {
        mac256(key, &data)
    };
    format!("{data}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// POST /partner/token: a token for any partner client id (flaw 60).
async fn partner_token(State(s): Shared, body: Bytes) -> Result<Response, Rejection> {
    let map = object(&body)?;
    let client = string_field(&map, "client_id")?;
    if client.is_empty() || client.len() > 64 {
        return Err(Rejection("client_id must have 1 to 64 characters".into()));
    }
    let claims = json!({
        "iss": PARTNER_ISSUER,
        "sub": client,
        "scope": "orders:read",
        "iat": now(),
        "exp": now() + 900,
    });
    Ok(answer(
        StatusCode::OK,
        json!({"access_token": sign("HS256", &s.partner, &claims), "token_type": "Bearer", "expires_in": 900}),
    ))
}

/// GET /partner/orders: the orders a partner token may read.
async fn partner_orders(State(s): Shared, headers: HeaderMap) -> Response {
    let valid = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(|token| {
            let (data, signature) = token.trim().rsplit_once('.')?;
            let given = URL_SAFE_NO_PAD.decode(signature).ok()?;
            let (header, payload) = data.split_once('.')?;
            let header: Value =
                serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
            let claims: Value =
                serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
            (header["alg"] == "HS256"
                && claims["iss"] == PARTNER_ISSUER
                && claims["exp"].as_u64().is_some_and(|exp| exp > now())
                && mac256(&s.partner, data) == given)
                .then_some(claims)
        });
    match valid {
        Some(claims) => answer(
            StatusCode::OK,
            json!({"partner": claims["sub"], "orders": [{"id": 7001, "status": "shipped"}]}),
        ),
        None => unauthorized(),
    }
}

/// POST /kiosk/session: a session token for a kiosk (flaw 61).
async fn kiosk_session(State(s): Shared, body: Bytes) -> Result<Response, Rejection> {
    let map = object(&body)?;
    let store = string_field(&map, "store")?;
    if store.is_empty() || store.len() > 64 {
        return Err(Rejection("store must have 1 to 64 characters".into()));
    }
    let n = s.issued.fetch_add(1, Ordering::Relaxed);
    let claims = json!({
        "iss": KIOSK_ISSUER,
        "sub": format!("kiosk-{n}"),
        "store": store,
        "iat": now(),
    });
    Ok((
        StatusCode::CREATED,
        axum::Json(
            json!({"token": sign("HS384", &s.kiosk, &claims), "kiosk": format!("kiosk-{n}")}),
        ),
    )
        .into_response())
}
