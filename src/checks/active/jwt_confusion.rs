//! jwt_alg_confusion: an RS256 service whose verifier takes the algorithm
//! from the token's header accepts an HS256 token whose HMAC key is the
//! service's public key, which anyone can read. The probe signs the claims
//! of a real RS256 token (the scan's, or one a login-like operation issued
//! to the scan's account) with HS256 and each form of the public key
//! (PEM with and without its trailing newline, PKCS#1, DER), the key found
//! at a key URL of the spec (a JWKS operation, an openIdConnect discovery
//! document), at `/.well-known/jwks.json`, or given with
//! `--jwt-public-key`. Judged only where the real token is accepted, no
//! token is refused and a token with a broken signature is refused too, so
//! acceptance means the forged signature was verified with the public key.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use serde_json::{Value, json};

use super::compare::{differs, holds, shape};
use super::credentials::{bearer_jwt, split, success};
use super::sign_ins::{login_operations, sign_in};
use super::{ActiveProbe, Stage};
use super::{Identity, Session};
use crate::checks::check::{Check, How, Owasp, Scope, Severity};
use crate::checks::jwt::{self, Jwt};
use crate::checks::public_keys::{self, PublicKey};
use crate::checks::{ProofItem, Verdict};
use crate::http::{Exchange, Request};
use crate::identity::Credential;
use crate::model::login::find_login;
use crate::model::{Api, Method, Operation, SecurityScheme};
use crate::probes::Profile;

/// The `jwt_alg_confusion` check.
pub(in crate::checks) const CHECK: Check = Check {
    name: "jwt_alg_confusion",
    severity: Severity::Critical,
    cwe: Some(347),
    owasp: Some(Owasp::Api2),
    summary: "An HS256 token signed with the server's RSA public key (from its JWKS, the spec or --jwt-public-key) was accepted where RS256 tokens are expected and a broken signature is refused.",
    scope: Scope::Target,
    how: How::Probe(ActiveProbe {
        stage: Stage::Authentication,
        applies,
        run,
    }),
};

/// Shelf keys: the keys found, the RS tokens, and whether it was found.
const KEYS: &str = "jwt_alg_confusion:keys";
const TOKENS: &str = "jwt_alg_confusion:tokens";
const FOUND: &str = "jwt_alg_confusion:found";

/// Key URLs fetched at most.
const MAX_FETCHES: usize = 6;

pub(super) fn applies(_: &Api, op: &Operation, _: Profile) -> bool {
    !op.is_public()
}

/// An RS token to forge from, and where it came from.
#[derive(Debug, Clone)]
struct Source {
    token: String,
    from: String,
}

fn is_rsa(token: &str) -> bool {
    Jwt::parse(token).is_some_and(|t| {
        matches!(
            t.alg(),
            "RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512"
        )
    })
}

/// The RS-signed tokens the probe can forge from: the scan's bearer JWT,
/// and those the other login-like operations issue to the scan's account
/// (each sign-in, the scan's own included, judged by the passive checks).
async fn sources(s: &mut Session<'_>) -> Vec<Source> {
    if let Some(cached) = s.shelf().and_then(|sh| sh.get::<Arc<Vec<Source>>>(TOKENS)) {
        return cached.as_ref().clone();
    }
    let mut out = Vec::new();
    let own = bearer_jwt(s.credentials()).map(|(t, _)| t);
    if let Some(token) = own.as_ref().filter(|t| is_rsa(t)) {
        out.push(Source {
            token: token.clone(),
            from: "the scan's credential".into(),
        });
    }
    let api = s.api();
    let scan_login = find_login(api);
    for operation in login_operations(api) {
        // every sign-in's answer is judged (the claims of what it issues);
        // the scan's own sign-in issued the scan's credential, already a source
        let again = own.is_some() && Some(operation) == scan_login;
        if let Some((token, _)) = sign_in(s, operation).await
            && !again
            && is_rsa(&token)
        {
            out.push(Source {
                token,
                from: format!("the sign-in {}", api.operations[operation].id),
            });
        }
    }
    if let Some(shelf) = s.shelf() {
        shelf.put(TOKENS, Arc::new(out.clone()));
    }
    out
}

/// Whether a path names a key set (`/.well-known/jwks.json`, `/oauth2/v3/certs`).
fn key_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.contains("jwk")
        || lower.ends_with("/certs")
        || (lower.contains("/.well-known/") && lower.ends_with("keys"))
}

/// `url` as a path under the scan's base URL, if it is one (relative, or
/// absolute under the base): keys on other hosts are not fetched.
fn under_base(url: &str, base: &str) -> Option<String> {
    if url.starts_with('/') {
        return Some(url.to_owned());
    }
    let rest = url.strip_prefix(base.trim_end_matches('/'))?;
    rest.starts_with('/').then(|| rest.to_owned())
}

fn get(path: &str) -> Request {
    Request {
        method: Method::Get,
        path: path.to_owned(),
        query: String::new(),
        headers: vec![("accept".into(), "application/json".into())],
        body: None,
    }
}

/// The JSON a GET of `path` answers with 2xx, anonymously.
async fn fetch(s: &mut Session<'_>, operation: usize, path: &str) -> Option<Value> {
    let exchange = s
        .send_to(operation, &get(path), &Identity::Anonymous)
        .await?;
    let response = exchange.response().filter(|r| r.status / 100 == 2)?;
    serde_json::from_slice(&response.body).ok()
}

/// The RSA keys of the key set at `path` (fetched once, six fetches at most).
async fn key_set(
    s: &mut Session<'_>,
    operation: usize,
    path: &str,
    fetched: &mut Vec<String>,
) -> Vec<PublicKey> {
    if fetched.len() >= MAX_FETCHES || fetched.iter().any(|p| p == path) {
        return Vec::new();
    }
    fetched.push(path.to_owned());
    match fetch(s, operation, path).await {
        Some(json) => public_keys::from_jwks(path, &json),
        None => Vec::new(),
    }
}

/// The `jwks_uri` of the OpenID discovery document at `path`, under the base.
async fn jwks_uri(
    s: &mut Session<'_>,
    path: &str,
    base: &str,
    fetched: &mut Vec<String>,
) -> Option<String> {
    if fetched.len() >= MAX_FETCHES || fetched.iter().any(|p| p == path) {
        return None;
    }
    fetched.push(path.to_owned());
    let me = s.index();
    let doc = fetch(s, me, path).await?;
    under_base(doc.get("jwks_uri")?.as_str()?, base)
}

/// The target's RSA public keys: `--jwt-public-key`, the key sets the
/// spec lists (public GET operations on key paths, `jwks_uri` of its
/// openIdConnect discovery documents), else `/.well-known/jwks.json` and
/// `/.well-known/openid-configuration`'s `jwks_uri`.
async fn public_keys(s: &mut Session<'_>) -> Vec<PublicKey> {
    if let Some(cached) = s.shelf().and_then(|sh| sh.get::<Arc<Vec<PublicKey>>>(KEYS)) {
        return cached.as_ref().clone();
    }
    let mut keys = Vec::new();
    if let Some(bytes) = s.jwt_public_key() {
        keys.extend(public_keys::from_file("--jwt-public-key", bytes));
    }
    let api = s.api();
    let base = s.base_url().to_owned();
    let me = s.index();
    let mut sets: Vec<(usize, String)> = api
        .operations
        .iter()
        .enumerate()
        .filter(|(_, op)| {
            op.method == Method::Get
                && op.is_public()
                && !op.path.contains('{')
                && key_path(&op.path)
        })
        .map(|(i, op)| (i, op.path.clone()))
        .collect();
    let discovery: Vec<String> = api
        .security_schemes
        .values()
        .filter_map(|scheme| match scheme {
            SecurityScheme::OpenIdConnect { url } => under_base(url, &base),
            _ => None,
        })
        .collect();
    let mut fetched: Vec<String> = Vec::new();
    for path in discovery {
        if let Some(uri) = jwks_uri(s, &path, &base, &mut fetched).await {
            sets.push((me, uri));
        }
    }
    for (operation, path) in sets {
        keys.extend(key_set(s, operation, &path, &mut fetched).await);
    }
    // nothing listed: the well-known places
    if keys.is_empty() {
        keys.extend(key_set(s, me, "/.well-known/jwks.json", &mut fetched).await);
    }
    if keys.is_empty()
        && let Some(uri) =
            jwks_uri(s, "/.well-known/openid-configuration", &base, &mut fetched).await
    {
        keys.extend(key_set(s, me, &uri, &mut fetched).await);
    }
    if let Some(shelf) = s.shelf() {
        shelf.put(KEYS, Arc::new(keys.clone()));
    }
    keys
}

/// `token` with its signature's first byte changed.
fn broken(token: &Jwt) -> String {
    let mut bytes = base64::Engine::decode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        token.signature_b64.trim_end_matches('='),
    )
    .unwrap_or_default();
    match bytes.first_mut() {
        Some(b) => *b ^= 0x5a,
        None => bytes.push(0x5a),
    }
    format!(
        "{}.{}.{}",
        token.header_b64,
        token.payload_b64,
        jwt::b64(&bytes)
    )
}

/// The HMAC algorithms to try for an RS token: the same hash size, then HS256.
fn hmac_algs(alg: &str) -> Vec<&'static str> {
    let same = match &alg[alg.len().saturating_sub(3)..] {
        "384" => "HS384",
        "512" => "HS512",
        _ => "HS256",
    };
    let mut out = vec![same];
    if same != "HS256" {
        out.push("HS256");
    }
    out
}

fn status_text(exchange: &Exchange) -> String {
    exchange
        .response()
        .map_or_else(|| "no response".to_owned(), |r| r.status.to_string())
}

/// The credentials with `token` as the bearer instead of the scan's own.
fn with_token(others: &[Credential], token: &str) -> Identity {
    let mut credentials = others.to_vec();
    credentials.push(Credential::bearer(token));
    Identity::With(credentials)
}

pub(super) fn run<'s>(s: &'s mut Session<'_>) -> BoxFuture<'s, ()> {
    Box::pin(async move {
        if s.shelf().and_then(|sh| sh.get::<bool>(FOUND)) == Some(true) {
            return;
        }
        let sources = sources(s).await;
        if sources.is_empty() {
            return;
        }
        let keys = public_keys(s).await;
        if keys.is_empty() {
            return;
        }
        let (_, others) = split(s.api(), s.credentials());
        let request = s.base_request().clone();
        for source in sources {
            if try_source(s, &request, &others, &source, &keys).await {
                if let Some(shelf) = s.shelf() {
                    shelf.put(FOUND, true);
                }
                return;
            }
        }
    })
}

/// The probe with one RS token on the session's operation; true when it
/// reported.
async fn try_source(
    s: &mut Session<'_>,
    request: &Request,
    others: &[Credential],
    source: &Source,
    keys: &[PublicKey],
) -> bool {
    let Some(real) = Jwt::parse(&source.token) else {
        return false;
    };
    let Some(baseline) = s.send_as(request, &with_token(others, &source.token)).await else {
        return false;
    };
    if !success(baseline.response().map(|r| r.status)) {
        return false;
    }
    let base_shape = shape(&baseline, &[]);
    let Some(anonymous) = s.send_as(request, &Identity::With(others.to_vec())).await else {
        return false;
    };
    let anonymous_shape = shape(&anonymous, &[]);
    if !differs(&base_shape, &anonymous_shape) {
        return false;
    }
    let Some(tampered) = s
        .send_as(request, &with_token(others, &broken(&real)))
        .await
    else {
        return false;
    };
    // a verifier that ignores signatures is jwt_forgery's finding
    if holds(&base_shape, &shape(&tampered, &[])) {
        return false;
    }
    let kid = real.header.get("kid").and_then(Value::as_str);
    let mut ordered: Vec<&PublicKey> = keys.iter().collect();
    ordered.sort_by_key(|k| k.kid.as_deref() != kid || kid.is_none());
    for key in ordered {
        for (form, secret) in &key.forms {
            for alg in hmac_algs(real.alg()) {
                let mut header = json!({"alg": alg, "typ": "JWT"});
                if let Some(kid) = kid {
                    header["kid"] = json!(kid);
                }
                let forged = jwt::encode(&header, &real.claims, Some(secret));
                let Some(exchange) = s.send_as(request, &with_token(others, &forged)).await else {
                    return false;
                };
                let forged_shape = shape(&exchange, &[]);
                if !success(forged_shape.status)
                    || !holds(&base_shape, &forged_shape)
                    || !differs(&forged_shape, &anonymous_shape)
                {
                    continue;
                }
                report(
                    s,
                    &exchange,
                    source,
                    key,
                    form,
                    alg,
                    &forged,
                    [&baseline, &anonymous, &tampered],
                );
                return true;
            }
        }
    }
    false
}

#[allow(clippy::too_many_arguments)]
fn report(
    s: &mut Session<'_>,
    exchange: &Exchange,
    source: &Source,
    key: &PublicKey,
    form: &str,
    alg: &str,
    forged: &str,
    [baseline, anonymous, tampered]: [&Exchange; 3],
) {
    let real_alg = Jwt::parse(&source.token)
        .map(|t| t.alg().to_owned())
        .unwrap_or_default();
    let verdict = Verdict {
        title: format!(
            "An {alg} token signed with the server's RSA public key was accepted (algorithm confusion)"
        ),
        evidence: format!(
            "the {real_alg} token from {}: {}; no token: {}; its signature broken: {}; the same claims as {alg} with the public key ({form}, from {}) as the HMAC secret: {}",
            source.from,
            status_text(baseline),
            status_text(anonymous),
            status_text(tampered),
            key.source,
            status_text(exchange),
        ),
        signature: "hmac_with_public_key".to_owned(),
        proof: vec![
            ProofItem::new("real_alg", real_alg),
            ProofItem::new("token_from", source.from.clone()),
            ProofItem::new("key_source", key.source.clone()),
            ProofItem::new("key_form", form),
            ProofItem::new("forged_alg", alg),
            ProofItem::new("forged_token", forged),
            ProofItem::new("real_token_status", status_text(baseline)),
            ProofItem::new("no_token_status", status_text(anonymous)),
            ProofItem::new("broken_signature_status", status_text(tampered)),
            ProofItem::new("forged_token_status", status_text(exchange)),
        ],
        ..Verdict::default()
    };
    s.report(verdict, exchange);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_paths_and_urls_under_the_base() {
        assert!(key_path("/.well-known/jwks.json"));
        assert!(key_path("/oauth2/v3/certs"));
        assert!(key_path("/.well-known/keys"));
        assert!(!key_path("/api/keys/{id}") || key_path("/api/jwk"));
        assert!(!key_path("/users"));
        let base = "http://127.0.0.1:8080/api";
        assert_eq!(
            under_base("http://127.0.0.1:8080/api/keys.json", base).as_deref(),
            Some("/keys.json")
        );
        assert_eq!(under_base("/jwks", base).as_deref(), Some("/jwks"));
        assert_eq!(under_base("https://idp.example.com/jwks", base), None);
    }

    #[test]
    fn a_broken_signature_differs_and_algorithms_keep_the_hash_size() {
        let token = jwt::encode(&json!({"alg": "HS256"}), &json!({"sub": "a"}), Some(b"k"));
        let real = Jwt::parse(&token).unwrap();
        let bad = Jwt::parse(&broken(&real)).unwrap();
        assert_ne!(bad.signature_b64, real.signature_b64);
        assert_eq!(bad.payload_b64, real.payload_b64);
        assert_eq!(hmac_algs("RS256"), ["HS256"]);
        assert_eq!(hmac_algs("PS512"), ["HS512", "HS256"]);
        assert!(is_rsa(&jwt::encode(
            &json!({"alg": "RS256"}),
            &json!({}),
            None
        )));
        assert!(!is_rsa(&token));
    }
}
