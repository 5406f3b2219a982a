//! jwt_alg_confusion, token_not_revoked and the claims of issued tokens
//! (sensitive_data_exposure): the demo's SSO service (flaws 34-36) over ten
//! seeds and its repaired form; then servers of other shapes: an OpenID
//! Connect service whose keys are found through its discovery document
//! (absolute URLs, form sign-in, 200 with an error for a bad token), the
//! same service keeping its key unpublished (found only with
//! `--jwt-public-key`), and a shop whose opaque tokens a sign-out may or
//! may not revoke. Each flawed server has a careful twin that gives nothing.
#![cfg(feature = "demo")]

use crate::support;

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use apiprobe::checks::{Finding, Severity};
use apiprobe::demo::{DEMO_ACCOUNT, DemoConfig, serve as serve_demo};
use apiprobe::engine::ScanResult;
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
use ring::signature::{
    RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair, UnparsedPublicKey,
};
use serde_json::{Value, json};
use sha2::Sha256;
use support::{ScanBuilder, listing, of, proof};

const CHECKS: [&str; 3] = [
    "jwt_alg_confusion",
    "token_not_revoked",
    "sensitive_data_exposure",
];

/// The one finding of `check` in `result`, or a failure listing what was found.
fn one<'a>(result: &'a ScanResult, check: &str) -> &'a Finding {
    let hits = of(result, check);
    assert_eq!(hits.len(), 1, "{check}: {:#?}", listing(result));
    hits[0]
}

fn scan_demo(fixed: bool, seed: u64) -> ScanResult {
    support::runtime().block_on(async {
        let server = serve_demo(DemoConfig { fixed })
            .await
            .expect("the demo starts");
        let result = ScanBuilder::new(support::demo_api(), server.base_url())
            .checks(CHECKS)
            .plan(support::active_only())
            .login(DEMO_ACCOUNT)
            .seed(seed)
            .run()
            .await;
        server.shutdown().await;
        result
    })
}

#[test]
fn the_demo_sso_flaws_are_found_with_every_seed_and_repaired_when_fixed() {
    for seed in 1..=10 {
        let flawed = scan_demo(false, seed);
        let f = one(&flawed, "jwt_alg_confusion");
        assert_eq!(f.operation.id, "ssoProfile", "seed {seed}");
        assert_eq!(f.severity, Severity::Critical);
        assert_eq!(f.cwe, Some(347));
        assert_eq!(proof(f, "forged_alg"), Some("HS256"));
        assert_eq!(proof(f, "key_source"), Some("/.well-known/jwks.json"));
        assert_eq!(
            proof(f, "key_form"),
            Some("PEM (SPKI) with a trailing newline")
        );
        assert_eq!(proof(f, "token_from"), Some("the sign-in ssoToken"));
        assert_eq!(proof(f, "no_token_status"), Some("401"));
        assert_eq!(proof(f, "broken_signature_status"), Some("401"));
        assert_eq!(proof(f, "forged_token_status"), Some("200"));
        let forged = proof(f, "forged_token").expect("the forged token");
        let header = URL_SAFE_NO_PAD
            .decode(forged.split('.').next().unwrap())
            .unwrap();
        assert!(String::from_utf8_lossy(&header).contains(r#""alg":"HS256""#));

        let f = one(&flawed, "token_not_revoked");
        assert_eq!(f.operation.id, "ssoLogout", "seed {seed}");
        assert_eq!(f.cwe, Some(613));
        assert_eq!(proof(f, "read"), Some("ssoProfile"));
        assert_eq!(proof(f, "logout_status"), Some("200"));
        assert_eq!(proof(f, "read_after_logout_status"), Some("200"));
        assert_eq!(proof(f, "read_without_token_status"), Some("401"));

        let claims: Vec<&Finding> = of(&flawed, "sensitive_data_exposure")
            .into_iter()
            .filter(|f| f.signature.starts_with("jwt_claim:"))
            .collect();
        assert!(
            claims
                .iter()
                .any(|f| f.operation.id == "ssoToken" && f.signature == "jwt_claim:password_hash"),
            "seed {seed}: {:#?}",
            listing(&flawed)
        );
        for f in &claims {
            assert!(!f.evidence.contains("$sha256$alice$"), "{}", f.evidence);
        }

        let fixed = scan_demo(true, seed);
        assert!(
            fixed
                .findings
                .iter()
                .all(|f| !(f.check == "jwt_alg_confusion"
                    || f.check == "token_not_revoked"
                    || f.operation.id.starts_with("sso"))),
            "seed {seed}, fixed: {:#?}",
            listing(&fixed)
        );
    }
}

/// The look-alikes' test key (PKCS#8 DER, base64), written for this file.
const TEST_KEY_PKCS8: [&str; 22] = [
    "MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCLmn/8BsaTPqIT8XHiQBF6RJ36",
    "wDuosH4s9RAYIeDU9wayiPl5CEz0whCNk7AwrKgdQPJAis0W0DhwuKy6RxkB6cu7OFzZwsN+zUPT",
    "PQlXWarGfzItwLwzwCer7Cg/gAIpmj2ZiUCLwUA0NxMqKMVAvKvD2s7q88HVlwnaqVJFz5BW2gJM",
    "lS9pNlU/KJ+b29IR1dMdxvfy4hapgGTXW/cxzAgERKvaSHvrpDB+o1h/BD6OmuhKCOv7JDJZx1rs",
    "UwV5fxDhgKeWhzvGuobqrSy/Od3uvwYUzePcduvY++LnaMeFtKEO+TLkGqygp1TSu1CrmpSnj9ch",
    "KLS3PobJmm59AgMBAAECggEABN4XIwVlLGJtU0pCgQ870VgN2ctwO13bcq38ewd/Xrj/Gts5W5XF",
    "Stu38i1+Bmff4ZSq62dUr7xN2le7ygs5Acf/4U3muJp0FUOLFhUVYDmsyprcU2URL2h1R130X01K",
    "PN6uGwUnLA8lRCg833hfKgicVyVe4OAtDu31dqSJKJ7s2G3/bGElhD3Om75JWP/1OyYLOOo42tHU",
    "09L2/i+RzxclBOv9qPs7J+/smKM7+Rsi/+zhEINuWhpTUlwf3OrzA/yq6APzLeh7/4Qq1eHWc3Lp",
    "eGZY8gR9L5/6uXHtt3Jy/p2CpofXDvJJ8J9dCUssnC21aZr2fMZP2EI9kVogsQKBgQDDDIm2I1DT",
    "XVEMcochkwX9C1fM+UWothFn5DzvI5FklDpJmrDFiQ4ZVEIzBcgIyJeZsieaqugRkGhnWz/dAyGy",
    "GunXDk2GYVggTsqdWU7qsiJ+4ZoqXeeWzUSow7icuAMhCY6HWQj0c/slsEg/RUYor+QfqB2I48+j",
    "W9RXyRg2WQKBgQC3OnRrjUFcw2IMXFbKBAw2rEKW+NGtjCL6NNSFZNN61LXEAazlxKw3vpOqEt74",
    "1YRPkPJdNL0pBOzQr+WtaFRXzUYGB6mfCPggV4Bit2Q47bCXaIShaswsw/j/slJjaEQ5NP4E9tqQ",
    "V0b7oTQDqG8DY7LB/gk70uiRGNvHayH8xQKBgFOtiVcOh5pmKmNAryCERslsmFpjhrL+iTEdBddC",
    "VxnjTa5OIxBb4CSVtWDWVh8Oj5tshvkf4TfH0EKnLxrOQSJ70V5l0HSaRoh1xQ8ERYsCqTHt74nF",
    "h5l2rsIIVadGenEt/Guskt7s8w4UNqqOOa8y5pd+NE2KDoZy2wJeT3jhAoGAfggoQj6EYiFG1QfC",
    "7uv/1q+AkkYOPBizinVCZYrn6IpdiLg6TEWOzD07ZvXaB0Ee5HfoLfJz1r47goQrMK8drNNWwhkN",
    "NIY/3kcx2TUaLApauJq8+Cb00CnwoTjwcM4sd0kbHSELT9Oo0Laeh5GY4rT2JXfutAarz/pQWog3",
    "dZ0CgYB+L2ekcRbBwRsbJROQGWd1Hun5q4UVbpcg9gZ+N6ouLI0Yzk1RMTHElOKm3f3QUYTuqbYC",
    "yp3xK6gSxBjUyx/YLKJjExbNfGlo+kV9wQgQucInxuthz4gk5rjyTz4M47gPOg+VKcvvxOUjnJ1A",
    "Qk4pxnffqOXvu65a611F8XrjSA==",
];

/// Its public key as `openssl pkey -pubout` writes it.
const TEST_PUBLIC_PEM: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAi5p//AbGkz6iE/Fx4kAR
ekSd+sA7qLB+LPUQGCHg1PcGsoj5eQhM9MIQjZOwMKyoHUDyQIrNFtA4cLisukcZ
AenLuzhc2cLDfs1D0z0JV1mqxn8yLcC8M8Anq+woP4ACKZo9mYlAi8FANDcTKijF
QLyrw9rO6vPB1ZcJ2qlSRc+QVtoCTJUvaTZVPyifm9vSEdXTHcb38uIWqYBk11v3
McwIBESr2kh766QwfqNYfwQ+jproSgjr+yQyWcda7FMFeX8Q4YCnloc7xrqG6q0s
vznd7r8GFM3j3Hbr2Pvi52jHhbShDvky5BqsoKdU0rtQq5qUp4/XISi0tz6GyZpu
fQIDAQAB
-----END PUBLIC KEY-----
";

/// How the OpenID Connect look-alike behaves.
#[derive(Clone, Copy, PartialEq)]
struct Oidc {
    /// Accepts HS256 signed with the PEM text (without its trailing
    /// newline), and puts another user's address in its tokens.
    flawed: bool,
    /// Serves its discovery document and key set.
    published: bool,
}

struct OidcState {
    mode: Oidc,
    key: RsaKeyPair,
    rng: SystemRandom,
}

fn oidc_spec(base: &str) -> String {
    format!(
        r#"openapi: 3.0.3
info: {{title: accounts, version: "2"}}
components:
  securitySchemes:
    oidc:
      type: openIdConnect
      openIdConnectUrl: {base}/.well-known/openid-configuration
paths:
  /oauth/token:
    post:
      operationId: issueToken
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              required: [username, password]
              properties:
                username: {{type: string}}
                password: {{type: string}}
      responses:
        '200': {{description: a token}}
        '400': {{description: refused}}
  /v2/me:
    get:
      operationId: me
      security: [{{oidc: []}}]
      responses:
        '200': {{description: the caller, or an error}}
"#
    )
}

fn form_value(body: &str, name: &str) -> String {
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| {
            percent_encoding::percent_decode_str(&v.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        })
        .unwrap_or_default()
}

async fn oidc_token(State(st): State<Arc<OidcState>>, body: Bytes) -> Response {
    let body = String::from_utf8_lossy(&body);
    if form_value(&body, "username") != "alice" || form_value(&body, "password") != "s3cret-pass" {
        return (StatusCode::BAD_REQUEST, r#"{"error":"invalid_grant"}"#).into_response();
    }
    let mut claims = json!({"iss": "accounts", "sub": "alice", "email": "alice@accounts.example",
        "scope": "read", "aud": "api", "exp": 4_000_000_000u64, "jti": "t1"});
    if st.mode.flawed {
        claims["manager"] = json!("carol@accounts.example");
    }
    let data = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(json!({"alg": "RS256", "typ": "JWT", "kid": "k-2024"}).to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let mut signature = vec![0u8; st.key.public().modulus_len()];
    st.key
        .sign(&RSA_PKCS1_SHA256, &st.rng, data.as_bytes(), &mut signature)
        .expect("signing");
    let token = format!("{data}.{}", URL_SAFE_NO_PAD.encode(signature));
    let body = json!({"access_token": token, "token_type": "Bearer"}).to_string();
    (StatusCode::OK, body).into_response()
}

fn oidc_valid(st: &OidcState, headers: &HeaderMap) -> bool {
    let Some(token) = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    let parts: Vec<&str> = token.split('.').collect();
    let [h, p, s] = parts[..] else {
        return false;
    };
    let (Ok(header), Ok(signature)) = (URL_SAFE_NO_PAD.decode(h), URL_SAFE_NO_PAD.decode(s)) else {
        return false;
    };
    let header: Value = serde_json::from_slice(&header).unwrap_or_default();
    let data = format!("{h}.{p}");
    match header["alg"].as_str() {
        Some("RS256") => {
            UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, st.key.public().as_ref())
                .verify(data.as_bytes(), &signature)
                .is_ok()
        }
        Some("HS256") if st.mode.flawed => {
            let mut mac =
                Hmac::<Sha256>::new_from_slice(TEST_PUBLIC_PEM.trim_end().as_bytes()).unwrap();
            mac.update(data.as_bytes());
            mac.verify_slice(&signature).is_ok()
        }
        _ => false,
    }
}

fn oidc(mode: Oidc) -> Router {
    let der = STANDARD.decode(TEST_KEY_PKCS8.concat()).unwrap();
    let key = RsaKeyPair::from_pkcs8(&der).expect("the test key");
    let state = Arc::new(OidcState {
        mode,
        key,
        rng: SystemRandom::new(),
    });
    let mut router = Router::new()
        .route("/oauth/token", post(oidc_token))
        .route(
            "/v2/me",
            get(|State(st): State<Arc<OidcState>>, headers: HeaderMap| async move {
                // a refused token is a 200 with an error, as some gateways answer
                if oidc_valid(&st, &headers) {
                    r#"{"user":"alice","plan":"pro","features":["export","share","audit"],"quota":{"used":12,"limit":1000}}"#
                } else {
                    r#"{"error":"invalid_token"}"#
                }
            }),
        );
    if mode.published {
        router = router
            .route(
                "/.well-known/openid-configuration",
                get(|headers: HeaderMap| async move {
                    let host = headers
                        .get("host")
                        .and_then(|h| h.to_str().ok())
                        .unwrap_or_default();
                    json!({"issuer": "accounts", "jwks_uri": format!("http://{host}/oauth2/keys")})
                        .to_string()
                }),
            )
            .route(
                "/oauth2/keys",
                get(|State(st): State<Arc<OidcState>>| async move {
                    let c = ring::rsa::PublicKeyComponents::<Vec<u8>>::from(st.key.public());
                    json!({"keys": [{"kty": "RSA", "kid": "k-2024", "alg": "RS256",
                        "n": URL_SAFE_NO_PAD.encode(&c.n), "e": URL_SAFE_NO_PAD.encode(&c.e)}]})
                    .to_string()
                }),
            );
    }
    router.with_state(state)
}

fn scan_oidc(mode: Oidc, seed: u64, key_file: Option<&str>) -> ScanResult {
    support::runtime().block_on(async {
        let url = support::serve(oidc(mode)).await;
        let key = key_file.map(|k| k.as_bytes().to_vec());
        ScanBuilder::new(support::api(&oidc_spec(&url)), url)
            .checks(CHECKS)
            .plan(support::active_only())
            .login(("alice", "s3cret-pass"))
            .seed(seed)
            .options(move |o| o.jwt_public_key = key)
            .run()
            .await
    })
}

#[test]
fn an_oidc_service_is_found_through_its_discovery_document_and_its_careful_twin_is_not() {
    for seed in 1..=10 {
        let flawed = scan_oidc(
            Oidc {
                flawed: true,
                published: true,
            },
            seed,
            None,
        );
        let f = one(&flawed, "jwt_alg_confusion");
        assert_eq!(f.operation.id, "me");
        assert_eq!(proof(f, "token_from"), Some("the scan's credential"));
        assert_eq!(proof(f, "key_source"), Some("/oauth2/keys"));
        assert_eq!(
            proof(f, "key_form"),
            Some("PEM (SPKI) without a trailing newline")
        );
        // 200 with an error for a bad token: the status alone says nothing
        assert_eq!(proof(f, "no_token_status"), Some("200"));
        let claim = one(&flawed, "sensitive_data_exposure");
        assert_eq!(claim.signature, "jwt_claim:manager");
        assert_eq!(claim.operation.id, "issueToken");
        assert!(
            claim.evidence.contains("c***@accounts.example"),
            "{}",
            claim.evidence
        );
        assert!(!claim.evidence.contains("carol"), "{}", claim.evidence);

        let careful = scan_oidc(
            Oidc {
                flawed: false,
                published: true,
            },
            seed,
            None,
        );
        assert!(
            careful.findings.is_empty(),
            "seed {seed}: {:#?}",
            listing(&careful)
        );
    }
}

#[test]
fn an_unpublished_key_is_used_when_given_with_jwt_public_key() {
    let hidden = Oidc {
        flawed: true,
        published: false,
    };
    for seed in [1, 2, 3] {
        let without = scan_oidc(hidden, seed, None);
        assert!(
            of(&without, "jwt_alg_confusion").is_empty(),
            "{:#?}",
            listing(&without)
        );
        let with = scan_oidc(hidden, seed, Some(TEST_PUBLIC_PEM));
        let f = one(&with, "jwt_alg_confusion");
        assert_eq!(proof(f, "key_source"), Some("--jwt-public-key"));
        assert_eq!(proof(f, "key_form"), Some("the file, trimmed"));
        let careful = scan_oidc(
            Oidc {
                flawed: false,
                published: false,
            },
            seed,
            Some(TEST_PUBLIC_PEM),
        );
        assert!(
            of(&careful, "jwt_alg_confusion").is_empty(),
            "{:#?}",
            listing(&careful)
        );
    }
}

const SHOP_SPEC: &str = r#"
openapi: 3.0.3
info: {title: shop, version: "1"}
components:
  securitySchemes:
    token: {type: http, scheme: bearer}
security: [{token: []}]
paths:
  /api/auth/signin:
    post:
      operationId: signIn
      security: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [email, passwd]
              properties:
                email: {type: string}
                passwd: {type: string}
      responses:
        '200': {description: signed in}
        '401': {description: refused}
  /api/account:
    get:
      operationId: account
      responses:
        '200': {description: the account}
        '401': {description: refused}
  /api/auth/sign-out:
    post:
      operationId: signOut
      responses:
        '204': {description: signed out}
        '401': {description: refused}
"#;

struct Shop {
    revokes: bool,
    tokens: Mutex<HashSet<String>>,
    next: AtomicU64,
}

fn bearer(headers: &HeaderMap) -> String {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_owned()
}

fn shop(revokes: bool) -> Router {
    let state = Arc::new(Shop {
        revokes,
        tokens: Mutex::new(HashSet::new()),
        next: AtomicU64::new(1),
    });
    Router::new()
        .route(
            "/api/auth/signin",
            post(|State(st): State<Arc<Shop>>, body: Bytes| async move {
                let v: Value = serde_json::from_slice(&body).unwrap_or_default();
                if v["email"] != "ann@shop.example" || v["passwd"] != "pw-1234-long" {
                    return (
                        StatusCode::UNAUTHORIZED,
                        r#"{"message":"Unauthorized"}"#.to_owned(),
                    );
                }
                let n = st.next.fetch_add(1, Ordering::Relaxed);
                let token = format!(
                    "{:032x}",
                    n.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5bd1_e995
                );
                st.tokens.lock().unwrap().insert(token.clone());
                (
                    StatusCode::OK,
                    json!({"data": {"accessToken": token}}).to_string(),
                )
            }),
        )
        .route(
            "/api/account",
            get(
                |State(st): State<Arc<Shop>>, headers: HeaderMap| async move {
                    if st.tokens.lock().unwrap().contains(&bearer(&headers)) {
                        (
                            StatusCode::OK,
                            r#"{"email":"ann@shop.example","orders":3,"points":120}"#,
                        )
                    } else {
                        (StatusCode::UNAUTHORIZED, r#"{"message":"Unauthorized"}"#)
                    }
                },
            ),
        )
        .route(
            "/api/auth/sign-out",
            post(
                |State(st): State<Arc<Shop>>, headers: HeaderMap| async move {
                    let token = bearer(&headers);
                    let mut tokens = st.tokens.lock().unwrap();
                    if !tokens.contains(&token) {
                        return StatusCode::UNAUTHORIZED;
                    }
                    if st.revokes {
                        tokens.remove(&token);
                    }
                    StatusCode::NO_CONTENT
                },
            ),
        )
        .with_state(state)
}

fn scan_shop(revokes: bool, seed: u64) -> ScanResult {
    support::runtime().block_on(async {
        let url = support::serve(shop(revokes)).await;
        ScanBuilder::new(support::api(SHOP_SPEC), url)
            .checks(CHECKS)
            .plan(support::active_only())
            .login(("ann@shop.example", "pw-1234-long"))
            .seed(seed)
            .run()
            .await
    })
}

#[test]
fn a_sign_out_that_keeps_opaque_tokens_alive_is_found_and_one_that_revokes_is_not() {
    for seed in 1..=10 {
        let flawed = scan_shop(false, seed);
        let f = one(&flawed, "token_not_revoked");
        assert_eq!(f.operation.id, "signOut");
        assert_eq!(proof(f, "signed_in_with"), Some("signIn"));
        assert_eq!(proof(f, "logout_status"), Some("204"));
        assert_eq!(proof(f, "read_after_logout_status"), Some("200"));
        assert_eq!(flawed.findings.len(), 1, "{:#?}", listing(&flawed));

        let careful = scan_shop(true, seed);
        assert!(
            careful.findings.is_empty(),
            "seed {seed}: {:#?}",
            listing(&careful)
        );
    }
}
