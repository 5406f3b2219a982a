//! weak_jwt_secret cracking against servers on 127.0.0.1 of shapes other
//! than the demo's: tokens in nested fields of a 200, in a public read, as
//! the scan's own bearer; HS512 and HS256; a six-digit secret with a leading
//! zero, an English word, a word the target's own answers hold, a word of
//! the user's list. Look-alikes: a key of 32 random bytes, a nine-digit
//! number (beyond the standard budget), a word in no list. Every case over
//! several seeds.

use crate::support;

use std::time::Duration;

use apiprobe::checks::Settings;
use apiprobe::checks::jwt_crack::JwtCracking;
use apiprobe::engine::ScanResult;
use apiprobe::identity::Credential;
use apiprobe::probes::Profile;
use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Sha256, Sha512};
use support::{ScanBuilder, listing, of, plan, proof};

const SEEDS: std::ops::RangeInclusive<u64> = 1..=4;

fn token(alg: &str, key: &[u8], claims: Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(json!({"alg": alg, "typ": "JWT"}).to_string());
    let data = format!("{header}.{}", URL_SAFE_NO_PAD.encode(claims.to_string()));
    let signature = match alg {
        "HS512" => {
            let mut m = Hmac::<Sha512>::new_from_slice(key).expect("any length");
            m.update(data.as_bytes());
            m.finalize().into_bytes().to_vec()
        }
        _ => {
            let mut m = Hmac::<Sha256>::new_from_slice(key).expect("any length");
            m.update(data.as_bytes());
            m.finalize().into_bytes().to_vec()
        }
    };
    format!("{data}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// A ledger API: `POST /api/v2/sessions` answers 200 for every body, with
/// `{"ok": false, "message": ...}` for a missing user and the HS512 token
/// nested in `data.jwt` otherwise.
fn ledger(key: &'static [u8]) -> Router {
    Router::new()
        .route(
            "/api/v2/sessions",
            post(move |body: Bytes| async move {
                let user = serde_json::from_slice::<Value>(&body)
                    .ok()
                    .and_then(|v| v.get("user").and_then(Value::as_str).map(str::to_owned));
                match user {
                    Some(user) if !user.is_empty() => axum::Json(json!({
                        "ok": true,
                        "data": {"jwt": token("HS512", key, json!({"iss": "ledger", "sub": user, "n": 1}))}
                    })),
                    _ => axum::Json(json!({"ok": false, "message": "user is required"})),
                }
            }),
        )
        .route("/api/v2/rates", get(|| async { axum::Json(json!({"eur": 1.08})) }))
}

const LEDGER_SPEC: &str = r#"{"openapi": "3.0.3", "info": {"title": "Ledger", "version": "2"},
  "paths": {
    "/api/v2/sessions": {"post": {"operationId": "open",
      "requestBody": {"required": true, "content": {"application/json": {"schema": {
        "type": "object", "required": ["user"], "properties": {"user": {"type": "string", "minLength": 1, "maxLength": 20}}}}}},
      "responses": {"200": {"description": "ok"}}}},
    "/api/v2/rates": {"get": {"operationId": "rates", "responses": {"200": {"description": "ok"}}}}
  }}"#;

/// A kitchen API: `GET /v1/menu` is public and carries an HS256 guest pass.
fn kitchen(key: &'static [u8]) -> Router {
    Router::new().route(
        "/v1/menu",
        get(move || async move {
            axum::Json(json!({
                "items": ["soup", "bread"],
                "guest_pass": token("HS256", key, json!({"sub": "guest", "scope": "menu"}))
            }))
        }),
    )
}

const KITCHEN_SPEC: &str = r#"{"openapi": "3.0.3", "info": {"title": "Kitchen", "version": "1"},
  "paths": {"/v1/menu": {"get": {"operationId": "menu", "responses": {"200": {"description": "ok"}}}}}}"#;

/// A status API whose answer shows its build name; the scan's own bearer
/// token is signed with that name.
fn status() -> Router {
    Router::new()
        .route(
            "/status",
            get(|| async { axum::Json(json!({"up": true, "build": "nebula-7fq2-Harbour"})) }),
        )
        .route(
            "/me",
            get(|| async { (StatusCode::OK, "{}").into_response() }),
        )
}

const STATUS_SPEC: &str = r#"{"openapi": "3.0.3", "info": {"title": "Status", "version": "1"},
  "paths": {
    "/status": {"get": {"operationId": "status", "responses": {"200": {"description": "ok"}}}},
    "/me": {"get": {"operationId": "me", "responses": {"200": {"description": "ok"}}}}}}"#;

fn scan(
    app: Router,
    spec: &str,
    seed: u64,
    setup: impl FnOnce(ScanBuilder) -> ScanBuilder,
) -> ScanResult {
    let spec = spec.to_owned();
    support::runtime().block_on(async move {
        let base = support::serve(app).await;
        let builder = ScanBuilder::new(support::api(&spec), base)
            .checks(["weak_jwt_secret"])
            .plan(plan(3))
            .seed(seed)
            .timeout(Duration::from_secs(5));
        setup(builder).run().await
    })
}

#[test]
fn a_six_digit_hs512_secret_with_a_leading_zero_is_cracked() {
    for seed in SEEDS {
        let result = scan(ledger(b"007351"), LEDGER_SPEC, seed, |b| b);
        let found = of(&result, "weak_jwt_secret");
        assert_eq!(found.len(), 1, "seed {seed}: {:#?}", listing(&result));
        let f = found[0];
        assert_eq!(proof(f, "secret"), Some("007351"));
        assert_eq!(proof(f, "alg"), Some("HS512"));
        assert_eq!(proof(f, "source"), Some("numbers of up to 6 digits"));
        assert_eq!(f.signature, "weak_secret:ledger");
        assert_eq!(f.operation.id, "open");
    }
}

#[test]
fn an_english_word_is_cracked_in_a_public_read() {
    for seed in SEEDS {
        let result = scan(kitchen(b"cathedral"), KITCHEN_SPEC, seed, |b| b);
        let found = of(&result, "weak_jwt_secret");
        assert_eq!(found.len(), 1, "seed {seed}: {:#?}", listing(&result));
        assert_eq!(proof(found[0], "secret"), Some("cathedral"));
        assert_eq!(
            proof(found[0], "source"),
            Some("common English words (zxcvbn)")
        );
        assert_eq!(found[0].signature, "weak_secret");
    }
}

#[test]
fn a_word_the_answers_show_cracks_the_scans_own_token() {
    let own = token("HS256", b"nebula-7fq2-Harbour", json!({"sub": "ops"}));
    for seed in SEEDS {
        let result = scan(status(), STATUS_SPEC, seed, |b| {
            b.credential(Credential::bearer(&own))
        });
        let found = of(&result, "weak_jwt_secret");
        assert_eq!(found.len(), 1, "seed {seed}: {:#?}", listing(&result));
        assert_eq!(proof(found[0], "secret"), Some("nebula-7fq2-Harbour"));
        assert_eq!(
            proof(found[0], "source"),
            Some("words from the target's answers")
        );
    }
}

#[test]
fn the_users_list_cracks_what_no_bundled_list_holds() {
    let key: &'static [u8] = b"Ql9#marmot-Vext";
    let with_words = || Settings {
        jwt: JwtCracking::for_profile(Profile::Quick)
            .with_words(vec!["first".into(), "Ql9#marmot-Vext".into()]),
        ..Settings::default()
    };
    for seed in SEEDS {
        let without = scan(kitchen(key), KITCHEN_SPEC, seed, |b| b);
        assert!(
            of(&without, "weak_jwt_secret").is_empty(),
            "{:#?}",
            listing(&without)
        );
        let with = scan(kitchen(key), KITCHEN_SPEC, seed, |b| {
            b.settings(with_words())
        });
        let found = of(&with, "weak_jwt_secret");
        assert_eq!(found.len(), 1, "seed {seed}: {:#?}", listing(&with));
        assert_eq!(
            proof(found[0], "source"),
            Some("your list (--jwt-wordlist)")
        );
    }
}

#[test]
fn look_alikes_random_keys_and_numbers_beyond_the_budget_give_nothing() {
    // 32 random bytes (fixed here so that the test is the same every run)
    const RANDOM: &[u8; 32] = b"\x8f\x1d\xe2\x07\x9a\x5c\x33\xb1\x60\xfe\x4d\x12\xa8\x7e\xc9\x05\x21\xd4\x98\x6b\x0f\xe7\x3a\x54\xbb\x11\x82\xcd\x46\x9f\x70\x2e";
    for seed in SEEDS {
        for (name, app, spec) in [
            ("random ledger", ledger(RANDOM), LEDGER_SPEC),
            ("nine digits", kitchen(b"730516284"), KITCHEN_SPEC),
            ("random kitchen", kitchen(RANDOM), KITCHEN_SPEC),
        ] {
            let result = scan(app, spec, seed, |b| b);
            assert!(
                of(&result, "weak_jwt_secret").is_empty(),
                "{name}, seed {seed}: {:#?}",
                listing(&result)
            );
        }
    }
}
