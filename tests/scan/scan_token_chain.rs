//! token_chain: what a forged token opens. On the demo (flaw 63), an
//! admin-only command injection no identity of the scan may call is found
//! through a token forged for `admin`, with every seed, in `aggressive`
//! only; `--no-chain` (the check left out) and the repaired demo give
//! nothing. On a staff API of another shape (a `login`/`group` profile at
//! `/account/whoami`, an operators-only `POST /ops/diagnose`), a token
//! signed with the cracked secret for the operator the listing shows opens
//! it; the same API with a random secret gives no chained finding, and the
//! forged tokens chaining sends are counted against their budget.
#![cfg(feature = "demo")]

use crate::support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use apiprobe::checks::Settings;
use apiprobe::checks::jwt_crack::JwtCracking;
use apiprobe::demo::{
    DEMO_ACCOUNT, DEMO_IDENTITIES, DEMO_PRIVILEGED_ROLE, DEMO_ROLE_IDENTITIES, DemoConfig, serve,
};
use apiprobe::engine::ScanResult;
use apiprobe::probes::Profile;
use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use support::{ScanBuilder, listing, of, plan, proof};

/// The demo's identities as `apiprobe demo` gives them.
fn demo_identities() -> Vec<String> {
    DEMO_IDENTITIES
        .iter()
        .chain(DEMO_ROLE_IDENTITIES.iter())
        .map(|(name, role, password)| format!("{name}:{role}=login:{name}:{password}"))
        .collect()
}

/// Quick cracking: the look-alike's random secret gives up fast.
fn quick_cracking() -> Settings {
    Settings {
        jwt: JwtCracking::for_profile(Profile::Quick),
        ..Settings::default()
    }
}

fn scan_demo(fixed: bool, seed: u64, profile: Profile, checks: &[&str]) -> ScanResult {
    support::runtime().block_on(async {
        let server = serve(DemoConfig { fixed }).await.expect("the demo starts");
        let api = support::demo_api();
        let operations: Vec<usize> = ["adminBackupCheck", "ping", "getAuditLog"]
            .iter()
            .filter_map(|id| api.operations.iter().position(|o| o.id == *id))
            .collect();
        assert_eq!(operations.len(), 3, "the demo's spec lists the operations");
        let result = ScanBuilder::new(api, server.base_url())
            .checks(checks)
            .operations(operations)
            .plan(plan(1))
            .profile(profile)
            .seed(seed)
            .settings(quick_cracking())
            .login(DEMO_ACCOUNT)
            .identities(demo_identities())
            .privileged_roles([DEMO_PRIVILEGED_ROLE])
            .timeout(Duration::from_secs(5))
            .guard(Duration::from_secs(120))
            .run()
            .await;
        server.shutdown().await;
        result
    })
}

/// The chained findings (those whose title says a forged token reached them).
fn chained<'a>(
    result: &'a ScanResult,
    check: &str,
    operation: &str,
) -> Vec<&'a apiprobe::checks::Finding> {
    of(result, check)
        .into_iter()
        .filter(|f| f.operation.id == operation && f.title.starts_with("with a token forged for"))
        .collect()
}

#[test]
fn flaw_63_the_admin_only_command_injection_is_reached_with_a_forged_token_every_seed() {
    for seed in 1..=10 {
        let result = scan_demo(
            false,
            seed,
            Profile::Aggressive,
            &["token_chain", "command_injection", "weak_jwt_secret"],
        );
        let all = listing(&result);
        let access = chained(&result, "token_chain", "adminBackupCheck");
        assert!(
            access.iter().any(|f| f.title.starts_with(
                "with a token forged for 'admin': POST /admin/backup-check answered 200"
            ) && proof(f, "forged_for") == Some("admin")
                && proof(f, "refused_to_scan_identities")
                    .is_some_and(|r| r.contains("scan 403") && r.contains("erin 403"))),
            "seed {seed}: {all:#?}"
        );
        let injection = chained(&result, "command_injection", "adminBackupCheck");
        assert!(
            injection.iter().any(|f| {
                f.title.starts_with(
                    "with a token forged for 'admin': OS command injection in body field /host",
                ) && f.severity == apiprobe::checks::Severity::Critical
                    && proof(f, "forged_via") == Some("weak_jwt_secret")
                    && proof(f, "forged_identity_shown_as").is_some_and(|w| w.contains("admin"))
                    && f.evidence.contains("with a token forged for 'admin'")
            }),
            "seed {seed}: {all:#?}"
        );
        // the scan's own identity never got in: only the chained finding is there
        assert!(
            of(&result, "command_injection")
                .iter()
                .filter(|f| f.operation.id == "adminBackupCheck")
                .all(|f| f.title.starts_with("with a token forged for")),
            "seed {seed}: {all:#?}"
        );
        // the ping operation answers the scan: its injection is no chained one
        assert!(
            chained(&result, "command_injection", "ping").is_empty(),
            "seed {seed}: {all:#?}"
        );
    }
}

#[test]
fn alg_none_mints_the_token_when_no_secret_was_cracked() {
    // weak_jwt_secret left out: the demo's alg none (flaw 14) signs for admin
    let result = scan_demo(
        false,
        3,
        Profile::Aggressive,
        &["token_chain", "command_injection"],
    );
    let injection = chained(&result, "command_injection", "adminBackupCheck");
    assert!(
        injection
            .iter()
            .any(|f| proof(f, "forged_via") == Some("jwt_forgery")
                && proof(f, "forged_how") == Some("alg \"none\", unsigned")),
        "{:#?}",
        listing(&result)
    );
}

#[test]
fn without_chaining_in_standard_or_when_fixed_the_admin_operation_gives_nothing() {
    let checks = ["token_chain", "command_injection", "weak_jwt_secret"];
    // --no-chain leaves the check out of the selection
    let no_chain = scan_demo(
        false,
        1,
        Profile::Aggressive,
        &["command_injection", "weak_jwt_secret"],
    );
    let standard = scan_demo(false, 1, Profile::Standard, &checks);
    let fixed = scan_demo(true, 1, Profile::Aggressive, &checks);
    for (name, result) in [
        ("no-chain", &no_chain),
        ("standard", &standard),
        ("fixed", &fixed),
    ] {
        assert!(
            result.findings.iter().all(|f| f.check != "token_chain"
                && !f.title.contains("forged")
                && !(f.check == "command_injection" && f.operation.id == "adminBackupCheck")),
            "{name}: {:#?}",
            listing(result)
        );
    }
    // the flawed demo's other flaws are still there without chaining
    assert!(
        of(&no_chain, "command_injection")
            .iter()
            .any(|f| f.operation.id == "ping"),
        "{:#?}",
        listing(&no_chain)
    );
    assert!(fixed.findings.is_empty(), "{:#?}", listing(&fixed));
}

/// The staff API's users: (login, password, group).
const STAFF: [(&str, &str, &str); 3] = [
    ("dora", "pw-dora", "staff"),
    ("ivo", "pw-ivo", "staff"),
    ("sysop", "pw-sysop-unknown", "operators"),
];

fn sign(key: &[u8], claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(json!({"alg": "HS256", "typ": "JWT"}).to_string());
    let data = format!("{header}.{}", URL_SAFE_NO_PAD.encode(claims.to_string()));
    let mut m = Hmac::<Sha256>::new_from_slice(key).expect("any length");
    m.update(data.as_bytes());
    format!(
        "{data}.{}",
        URL_SAFE_NO_PAD.encode(m.finalize().into_bytes())
    )
}

/// The user a request's token names, when the token verifies (HS256 with
/// `key` only); `forged` counts the tokens that did not.
fn user_of(
    headers: &HeaderMap,
    key: &[u8],
    forged: &AtomicU32,
) -> Option<(&'static str, &'static str)> {
    let token = headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")?
        .trim();
    let verified = (|| {
        let (data, signature) = token.rsplit_once('.')?;
        let (header, payload) = data.split_once('.')?;
        let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
        let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
        let given = URL_SAFE_NO_PAD.decode(signature).ok()?;
        let mut m = Hmac::<Sha256>::new_from_slice(key).ok()?;
        m.update(data.as_bytes());
        (header["alg"] == "HS256" && m.verify_slice(&given).is_ok()).then_some(claims)
    })();
    let Some(claims) = verified else {
        forged.fetch_add(1, Ordering::Relaxed);
        return None;
    };
    let sub = claims.get("sub")?.as_str()?;
    STAFF
        .iter()
        .find(|(login, _, _)| *login == sub)
        .map(|(login, _, group)| (*login, *group))
}

/// `echo WORD$((A*B))` after a `;` runs as a shell would (the only command
/// this simulated diagnostic knows besides its own).
fn diagnose(target: &str) -> String {
    let mut out = format!("checked {}\n", target.split(';').next().unwrap_or(""));
    for command in target.split(';').skip(1) {
        let Some(arg) = command.trim().strip_prefix("echo ") else {
            continue;
        };
        if let Some((word, rest)) = arg.split_once("$((")
            && let Some((a, b)) = rest.trim_end_matches("))").split_once('*')
            && let (Ok(a), Ok(b)) = (a.parse::<u64>(), b.parse::<u64>())
        {
            out.push_str(&format!("{word}{}\n", a * b));
        }
    }
    out
}

/// The staff API: sign-in at `POST /session/new` (`{"accessToken"}`),
/// the profile at `GET /account/whoami` (`login`, `group`), the staff list
/// at `GET /directory/users`, and `POST /ops/diagnose` for operators only
/// (403 to staff), whose `target` runs in a simulated shell.
fn staff_api(key: &'static [u8], forged: Arc<AtomicU32>) -> Router {
    let f1 = Arc::clone(&forged);
    let f2 = Arc::clone(&forged);
    let f3 = Arc::clone(&forged);
    Router::new()
        .route(
            "/session/new",
            post(move |body: Bytes| async move {
                let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                let user = STAFF.iter().find(|(login, password, _)| {
                    v["login"] == *login && v["passphrase"] == *password
                });
                match user {
                    Some((login, _, group)) => (
                        StatusCode::OK,
                        axum::Json(json!({"accessToken": sign(key, &json!({"sub": login, "grp": group, "iat": 1_700_000_000}))})),
                    ),
                    None => (StatusCode::UNAUTHORIZED, axum::Json(json!({"message": "no"}))),
                }
            }),
        )
        .route(
            "/account/whoami",
            get(move |headers: HeaderMap| async move {
                match user_of(&headers, key, &f1) {
                    Some((login, group)) => (StatusCode::OK, axum::Json(json!({"login": login, "group": group}))),
                    None => (StatusCode::UNAUTHORIZED, axum::Json(json!({"message": "sign in"}))),
                }
            }),
        )
        .route(
            "/directory/users",
            get(move |headers: HeaderMap| async move {
                match user_of(&headers, key, &f2) {
                    Some(_) => (
                        StatusCode::OK,
                        axum::Json(json!({"people": STAFF.iter().map(|(login, _, _)| json!({"login": login})).collect::<Vec<_>>()})),
                    ),
                    None => (StatusCode::UNAUTHORIZED, axum::Json(json!({"message": "sign in"}))),
                }
            }),
        )
        .route(
            "/ops/diagnose",
            post(move |headers: HeaderMap, body: Bytes| async move {
                match user_of(&headers, key, &f3) {
                    None => (StatusCode::UNAUTHORIZED, axum::Json(json!({"message": "sign in"}))),
                    Some((_, group)) if group != "operators" => {
                        (StatusCode::FORBIDDEN, axum::Json(json!({"message": "operators only"})))
                    }
                    Some(_) => {
                        let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                        let target = v["target"].as_str().unwrap_or("");
                        (StatusCode::OK, axum::Json(json!({"report": diagnose(target)})))
                    }
                }
            }),
        )
}

const STAFF_SPEC: &str = r#"{"openapi": "3.0.3", "info": {"title": "Staff", "version": "1"},
  "components": {"securitySchemes": {"jwt": {"type": "http", "scheme": "bearer"}}},
  "security": [{"jwt": []}],
  "paths": {
    "/session/new": {"post": {"operationId": "signIn", "security": [],
      "requestBody": {"required": true, "content": {"application/json": {"schema": {
        "type": "object", "required": ["login", "passphrase"],
        "properties": {"login": {"type": "string"}, "passphrase": {"type": "string", "format": "password"}}}}}},
      "responses": {"200": {"description": "ok"}, "401": {"description": "no"}}}},
    "/account/whoami": {"get": {"operationId": "whoami", "responses": {"200": {"description": "ok"}, "401": {"description": "no"}}}},
    "/directory/users": {"get": {"operationId": "people", "responses": {"200": {"description": "ok"}, "401": {"description": "no"}}}},
    "/ops/diagnose": {"post": {"operationId": "diagnose",
      "requestBody": {"required": true, "content": {"application/json": {"schema": {
        "type": "object", "required": ["target"], "properties": {"target": {"type": "string", "maxLength": 200}}}}}},
      "responses": {"200": {"description": "ok"}, "401": {"description": "no"}, "403": {"description": "no"}}}}
  }}"#;

/// Scans the staff API signed in as dora, ivo an identity; the forged
/// tokens the server saw.
fn scan_staff(key: &'static [u8], seed: u64) -> (ScanResult, u32) {
    scan_staff_as(key, seed, true)
}

/// [`scan_staff`]; without `scan_login`, dora is a named identity too and
/// the scan itself sends no credential.
fn scan_staff_as(key: &'static [u8], seed: u64, scan_login: bool) -> (ScanResult, u32) {
    support::runtime().block_on(async move {
        let forged = Arc::new(AtomicU32::new(0));
        let base = support::serve(staff_api(key, Arc::clone(&forged))).await;
        let mut builder = ScanBuilder::new(support::api(STAFF_SPEC), base)
            .checks(["token_chain", "command_injection", "weak_jwt_secret"])
            .plan(plan(1))
            .profile(Profile::Aggressive)
            .settings(quick_cracking())
            .seed(seed);
        builder = if scan_login {
            builder.login(("dora", "pw-dora"))
        } else {
            builder.identity("dora:user=login:dora:pw-dora")
        };
        let result = builder
            .identity("ivo:staff=login:ivo:pw-ivo")
            .timeout(Duration::from_secs(5))
            .guard(Duration::from_secs(120))
            .run()
            .await;
        (result, forged.load(Ordering::Relaxed))
    })
}

#[test]
fn a_cracked_secret_signs_for_the_listed_operator_on_another_api() {
    for seed in 1..=3 {
        let (result, _) = scan_staff(b"secret", seed);
        let all = listing(&result);
        let hits = chained(&result, "command_injection", "diagnose");
        assert!(
            hits.iter().any(|f| f
                .title
                .starts_with("with a token forged for 'sysop': OS command injection")
                && proof(f, "forged_via") == Some("weak_jwt_secret")
                && proof(f, "forged_identity_shown_as") == Some("sysop (group=\"operators\")")),
            "seed {seed}: {all:#?}"
        );
        assert!(
            !chained(&result, "token_chain", "diagnose").is_empty(),
            "seed {seed}: {all:#?}"
        );
    }
}

#[test]
fn a_scan_given_only_identities_mints_from_a_plain_identitys_token() {
    for seed in 1..=3 {
        let (result, _) = scan_staff_as(b"secret", seed, false);
        eprintln!("DEBUG {:?} {:?}", result.reason, result.stats);
        let all = listing(&result);
        let hits = chained(&result, "command_injection", "diagnose");
        assert!(
            hits.iter().any(|f| f
                .title
                .starts_with("with a token forged for 'sysop': OS command injection")),
            "seed {seed}: {all:#?}"
        );
    }
}

#[test]
fn look_alike_a_random_secret_gives_no_chain_and_few_forged_requests() {
    for seed in 1..=3 {
        let (result, forged) = scan_staff(b"Xk3v9QzL0pW7mT2rB8nY5sD1fG6hJ4aC", seed);
        assert!(
            result
                .findings
                .iter()
                .all(|f| !f.title.contains("forged") && f.operation.id != "diagnose"),
            "seed {seed}: {:#?}",
            listing(&result)
        );
        // one token per way of minting (alg none, stripped, two kid
        // injections), then nothing: no subject is forged for
        assert!(
            (1..=4).contains(&forged),
            "seed {seed}: {forged} forged tokens were sent"
        );
    }
}
