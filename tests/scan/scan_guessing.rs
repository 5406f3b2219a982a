//! Sign-ins judged by what they issue, and bursts of wrong guesses
//! (`user_enumeration`, `brute_force`): the demo's flaws 52 and 53 with
//! every seed and their repairs; servers of other shapes that resemble
//! them (one message for every failure, a 429 after five tries, an account
//! that locks, a captcha, a growing delay) give no finding; the bursts
//! send exactly their count.
#![cfg(feature = "demo")]

use crate::support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use apiprobe::checks::{Confidence, Severity};
use apiprobe::demo::{DEMO_ACCOUNT, DemoConfig, serve as serve_demo};
use apiprobe::engine::ScanResult;
use apiprobe::probes::Profile;
use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use support::{ScanBuilder, active_only, listing, of, proof};

const SEEDS: std::ops::RangeInclusive<u64> = 1..=10;

/// The demo scanned with the two checks, signed in as alice.
fn scan_demo(fixed: bool, seed: u64, profile: Profile) -> ScanResult {
    support::runtime().block_on(async {
        let server = serve_demo(DemoConfig { fixed })
            .await
            .expect("the demo starts");
        let result = ScanBuilder::new(support::demo_api(), server.base_url())
            .checks(["user_enumeration", "brute_force"])
            .plan(active_only())
            .profile(profile)
            .seed(seed)
            .login(DEMO_ACCOUNT)
            .run()
            .await;
        server.shutdown().await;
        result
    })
}

fn signatures(result: &ScanResult) -> Vec<(String, String, String)> {
    let mut all: Vec<_> = result
        .findings
        .iter()
        .map(|f| (f.check.clone(), f.operation.id.clone(), f.signature.clone()))
        .collect();
    all.sort();
    all
}

#[test]
fn the_demo_guessing_flaws_are_found_with_every_seed_and_none_when_fixed() {
    let expected: Vec<(String, String, String)> = [
        ("brute_force", "login", "sign_in"),
        ("brute_force", "mobileLogin", "sign_in"),
        ("brute_force", "resetPassword", "code:code"),
        ("user_enumeration", "login", "message"),
        ("user_enumeration", "mobileLogin", "message"),
    ]
    .iter()
    .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
    .collect();
    for seed in SEEDS {
        let flawed = scan_demo(false, seed, Profile::Standard);
        assert_eq!(signatures(&flawed), expected, "seed {seed}");
        // flaw 52: 200 with two messages
        let f = of(&flawed, "user_enumeration")
            .into_iter()
            .find(|f| f.operation.id == "mobileLogin")
            .expect("mobileLogin");
        assert_eq!(f.confidence, Confidence::Confirmed);
        assert!(
            proof(f, "known_user_message").is_some_and(|m| m.contains("Password is not correct")),
            "{:?}",
            f.proof
        );
        assert!(
            proof(f, "unknown_user_message").is_some_and(|m| m.contains("Username does not exist")),
            "{:?}",
            f.proof
        );
        // flaw 53: 10 wrong 4-digit codes
        let f = of(&flawed, "brute_force")
            .into_iter()
            .find(|f| f.operation.id == "resetPassword")
            .expect("resetPassword");
        assert_eq!(proof(f, "attempts"), Some("10"));
        assert_eq!(proof(f, "space"), Some("4 digits: 10,000 guesses"));
        assert_eq!(proof(f, "statuses"), Some("10x 403"));
        assert!(
            f.evidence.contains("4 digits: 10,000 guesses"),
            "{}",
            f.evidence
        );
        assert_eq!(f.severity, Severity::High);
        assert_eq!(f.cwe, Some(307));
        // never the scan's own user
        assert!(proof(f, "user").is_some_and(|u| u.starts_with("apiprobe-")));
        for f in of(&flawed, "brute_force") {
            if let Some(user) = proof(f, "username") {
                assert!(user.starts_with("apiprobe_"), "{user}");
            }
        }
        let fixed = scan_demo(true, seed, Profile::Standard);
        assert!(
            fixed.findings.is_empty(),
            "seed {seed}: {:#?}",
            listing(&fixed)
        );
    }
}

#[test]
fn the_demo_bursts_are_fifty_in_the_aggressive_profile_and_none_in_quick() {
    let result = scan_demo(false, 1, Profile::Aggressive);
    let f = of(&result, "brute_force")
        .into_iter()
        .find(|f| f.operation.id == "resetPassword")
        .expect("resetPassword");
    assert_eq!(proof(f, "attempts"), Some("50"));
    assert!(of(&scan_demo(true, 1, Profile::Aggressive), "brute_force").is_empty());
    assert!(of(&scan_demo(false, 1, Profile::Quick), "brute_force").is_empty());
}

// ------------------------------------------------ servers of other shapes

/// Failed attempts by key (a user, an address, a phone).
#[derive(Default)]
struct Tries {
    by_key: Mutex<HashMap<String, usize>>,
    /// Requests whose user was one the scan made up (`apiprobe`), per path.
    bursts: Mutex<HashMap<String, usize>>,
    all: AtomicUsize,
}

impl Tries {
    /// Counts a failure for `key`; the failures so far, this one included.
    fn fail(&self, key: &str) -> usize {
        let mut map = self.by_key.lock().unwrap_or_else(|p| p.into_inner());
        let n = map.entry(key.to_owned()).or_default();
        *n += 1;
        *n
    }

    fn seen(&self, path: &str, user: &str) {
        self.all.fetch_add(1, Ordering::Relaxed);
        if user.starts_with("apiprobe") {
            *self
                .bursts
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .entry(path.to_owned())
                .or_default() += 1;
        }
    }

    /// The most failures of one key that starts with `prefix`.
    fn most(&self, prefix: &str) -> usize {
        self.by_key
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(_, n)| *n)
            .max()
            .unwrap_or(0)
    }

    fn burst(&self, path: &str) -> usize {
        self.bursts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(path)
            .copied()
            .unwrap_or(0)
    }
}

fn form(body: &Bytes) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn json_body(body: &Bytes) -> serde_json::Map<String, serde_json::Value> {
    match serde_json::from_slice(body) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    }
}

fn text_of(map: &serde_json::Map<String, serde_json::Value>, key: &str) -> String {
    map.get(key)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned()
}

fn reply(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

/// A counter that makes each answer's ids and times different.
static NONCE: AtomicUsize = AtomicUsize::new(0);

fn volatile() -> (String, String) {
    let n = NONCE.fetch_add(1, Ordering::Relaxed) as u64;
    let id = format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        n.wrapping_mul(2_654_435_761) as u32,
        n % 0xffff,
        n % 0xfff,
        (n * 7) % 0xfff,
        n.wrapping_mul(0x9e37_79b9_7f4a) & 0xffff_ffff_ffff
    );
    let at = format!(
        "2026-12-03T06:{:02}:{:02}.{:03}Z",
        n % 60,
        (n * 7) % 60,
        n % 1000
    );
    (id, at)
}

/// A form-encoded sign-in at `/api/v1/sessions` (`email`, `pass`) that
/// answers every failure 200 with `ok: false`, a random request id and a
/// timestamp; with `distinct`, its message tells an unknown address from a
/// wrong password. 429 after 5 failures for an address.
const SESSIONS_SPEC: &str = r#"
openapi: 3.0.3
info: { title: sessions, version: '1' }
paths:
  /api/v1/sessions:
    post:
      operationId: createSession
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              required: [email, pass]
              properties:
                email: { type: string }
                pass: { type: string }
      responses:
        '200': { description: An answer; ok says whether it signed in. }
        '429': { description: Too many failures. }
"#;

fn sessions(distinct: bool, tries: Arc<Tries>) -> Router {
    Router::new().route(
        "/api/v1/sessions",
        post(move |body: Bytes| {
            let tries = Arc::clone(&tries);
            async move {
                let f = form(&body);
                let email = f.get("email").cloned().unwrap_or_default();
                let pass = f.get("pass").cloned().unwrap_or_default();
                tries.seen("/api/v1/sessions", &email);
                let (id, at) = volatile();
                if email == "carol@example.org" && pass == "opensesame" {
                    return reply(
                        StatusCode::OK,
                        serde_json::json!({"ok": true, "session": {"token": format!("tok-{id}")}}),
                    );
                }
                if tries.fail(&email) > 5 {
                    return reply(
                        StatusCode::TOO_MANY_REQUESTS,
                        serde_json::json!({"ok": false}),
                    );
                }
                let error = match (distinct, email == "carol@example.org") {
                    (false, _) => "Invalid e-mail or password",
                    (true, true) => "Wrong password",
                    (true, false) => "No account for this e-mail",
                };
                reply(
                    StatusCode::OK,
                    serde_json::json!({"ok": false, "error": error, "request_id": id, "at": at}),
                )
            }
        }),
    )
}

fn scan(
    spec: &str,
    app: Router,
    checks: &[&str],
    login: Option<(&str, &str)>,
    seed: u64,
    profile: Profile,
) -> ScanResult {
    support::runtime().block_on(async {
        let url = support::serve(app).await;
        let mut builder = ScanBuilder::new(support::api(spec), url)
            .checks(checks)
            .plan(active_only())
            .profile(profile)
            .timeout(Duration::from_secs(5))
            .seed(seed);
        if let Some(account) = login {
            builder = builder.login(account);
        }
        builder.run().await
    })
}

#[test]
fn a_login_answering_200_is_compared_by_its_messages_without_ids_and_times() {
    for seed in SEEDS {
        let tries = Arc::new(Tries::default());
        let result = scan(
            SESSIONS_SPEC,
            sessions(true, tries),
            &["user_enumeration"],
            Some(("carol@example.org", "opensesame")),
            seed,
            Profile::Standard,
        );
        let f = of(&result, "user_enumeration");
        assert_eq!(f.len(), 1, "seed {seed}: {:#?}", listing(&result));
        assert_eq!(f[0].signature, "message");
        assert!(proof(f[0], "unknown_user_message").is_some_and(|m| m.contains("No account")));
        // the same message for both failures: nothing, and no burst finding (429 after 5)
        let tries = Arc::new(Tries::default());
        let result = scan(
            SESSIONS_SPEC,
            sessions(false, Arc::clone(&tries)),
            &["user_enumeration", "brute_force"],
            Some(("carol@example.org", "opensesame")),
            seed,
            Profile::Standard,
        );
        assert!(
            result.findings.is_empty(),
            "seed {seed}: {:#?}",
            listing(&result)
        );
        // the burst met the 429 on its sixth request for its user and stopped there
        assert_eq!(tries.most("apiprobe_"), 6, "seed {seed}");
    }
}

/// A JSON sign-in at `/signin` (`login`, `password`, 401) and a public
/// one-time password check at `/otp/verify` (`phone`, a 6-digit `otp`,
/// 401 `invalid otp`); with `limit`, each answers 429 after 5 failures
/// for a login or a phone.
const OTP_SPEC: &str = r#"
openapi: 3.0.3
info: { title: otp, version: '1' }
paths:
  /signin:
    post:
      operationId: signIn
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [login, password]
              properties:
                login: { type: string }
                password: { type: string }
      responses:
        '200': { description: A token. }
        '401': { description: Refused. }
        '429': { description: Too many failures. }
  /otp/verify:
    post:
      operationId: verifyOtp
      summary: Check the one-time password sent by SMS.
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [phone, otp]
              properties:
                phone: { type: string, pattern: '^\+[0-9]{11}$' }
                otp: { type: string, pattern: '^[0-9]{6}$' }
      responses:
        '200': { description: Verified. }
        '401': { description: Wrong code. }
        '429': { description: Too many failures. }
"#;

fn otp(limit: bool, tries: Arc<Tries>) -> Router {
    let t2 = Arc::clone(&tries);
    Router::new()
        .route(
            "/signin",
            post(move |body: Bytes| {
                let tries = Arc::clone(&tries);
                async move {
                    let m = json_body(&body);
                    let login = text_of(&m, "login");
                    tries.seen("/signin", &login);
                    if login == "dave" && text_of(&m, "password") == "hunter22" {
                        return reply(StatusCode::OK, serde_json::json!({"access_token": "t0k3n"}));
                    }
                    if limit && tries.fail(&login) > 5 {
                        return reply(StatusCode::TOO_MANY_REQUESTS, serde_json::json!({}));
                    }
                    reply(
                        StatusCode::UNAUTHORIZED,
                        serde_json::json!({"detail": "bad login"}),
                    )
                }
            }),
        )
        .route(
            "/otp/verify",
            post(move |body: Bytes| {
                let tries = Arc::clone(&t2);
                async move {
                    let m = json_body(&body);
                    let phone = text_of(&m, "phone");
                    tries.seen(
                        "/otp/verify",
                        if phone.starts_with('+') {
                            "apiprobe"
                        } else {
                            ""
                        },
                    );
                    if limit && tries.fail(&phone) > 5 {
                        return reply(StatusCode::TOO_MANY_REQUESTS, serde_json::json!({}));
                    }
                    reply(
                        StatusCode::UNAUTHORIZED,
                        serde_json::json!({"detail": "invalid otp"}),
                    )
                }
            }),
        )
}

#[test]
fn an_otp_without_limit_is_found_and_one_with_a_429_after_five_is_not() {
    for seed in SEEDS {
        let result = scan(
            OTP_SPEC,
            otp(false, Arc::default()),
            &["brute_force"],
            None,
            seed,
            Profile::Standard,
        );
        let mut found: Vec<(&str, &str)> = result
            .findings
            .iter()
            .map(|f| (f.operation.id.as_str(), f.signature.as_str()))
            .collect();
        found.sort_unstable();
        assert_eq!(
            found,
            [("signIn", "sign_in"), ("verifyOtp", "code:otp")],
            "seed {seed}"
        );
        let f = of(&result, "brute_force")
            .into_iter()
            .find(|f| f.operation.id == "verifyOtp")
            .expect("verifyOtp");
        assert_eq!(proof(f, "space"), Some("6 digits: 1,000,000 guesses"));
        assert_eq!(f.severity, Severity::High);
        let result = scan(
            OTP_SPEC,
            otp(true, Arc::default()),
            &["brute_force"],
            None,
            seed,
            Profile::Standard,
        );
        assert!(
            result.findings.is_empty(),
            "seed {seed}: {:#?}",
            listing(&result)
        );
    }
}

#[test]
fn the_bursts_send_exactly_their_count() {
    for (profile, count) in [(Profile::Standard, 10), (Profile::Aggressive, 50)] {
        let tries = Arc::new(Tries::default());
        let result = scan(
            OTP_SPEC,
            otp(false, Arc::clone(&tries)),
            &["brute_force"],
            None,
            3,
            profile,
        );
        assert_eq!(
            of(&result, "brute_force").len(),
            2,
            "{:#?}",
            listing(&result)
        );
        assert_eq!(tries.burst("/signin"), count, "{profile:?}");
        // the OTP burst, and the base the session settled first (at most ten tries)
        let otp_requests = tries.burst("/otp/verify");
        assert!(
            (count..=count + 10).contains(&otp_requests),
            "{profile:?}: {otp_requests}"
        );
        let all = tries.all.load(Ordering::Relaxed);
        assert!(all <= 2 * count + 20, "{profile:?}: {all} requests");
    }
}

/// A sign-in at `/account/login` (`username`, `password`) that disables an
/// account after three failures (403, "account disabled"), a PIN check
/// that answers a captcha after three wrong PINs, and a sign-in at
/// `/slow/login` whose answers slow down by 60 ms a failure.
const LOCKING_SPEC: &str = r#"
openapi: 3.0.3
info: { title: locking, version: '1' }
paths:
  /account/login:
    post:
      operationId: accountLogin
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                username: { type: string }
                password: { type: string }
      responses:
        '200': { description: A token. }
        '401': { description: Refused. }
        '403': { description: Disabled. }
  /cards/verify-pin:
    post:
      operationId: verifyPin
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                card: { type: string }
                pin: { type: integer, minimum: 0, maximum: 9999 }
      responses:
        '200': { description: Checked. }
  /slow/login:
    post:
      operationId: slowLogin
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                username: { type: string }
                password: { type: string }
      responses:
        '200': { description: A token. }
        '401': { description: Refused. }
"#;

fn locking(tries: Arc<Tries>) -> Router {
    let (t2, t3) = (Arc::clone(&tries), Arc::clone(&tries));
    Router::new()
        .route(
            "/account/login",
            post(move |body: Bytes| {
                let tries = Arc::clone(&tries);
                async move {
                    let user = text_of(&json_body(&body), "username");
                    if tries.fail(&format!("login:{user}")) > 3 {
                        return reply(
                            StatusCode::FORBIDDEN,
                            serde_json::json!({"error": "account disabled, contact support"}),
                        );
                    }
                    reply(
                        StatusCode::UNAUTHORIZED,
                        serde_json::json!({"error": "bad credentials"}),
                    )
                }
            }),
        )
        .route(
            "/cards/verify-pin",
            post(move |body: Bytes| {
                let tries = Arc::clone(&t2);
                async move {
                    let card = text_of(&json_body(&body), "card");
                    if tries.fail(&format!("pin:{card}")) > 3 {
                        return reply(
                            StatusCode::OK,
                            serde_json::json!({"valid": false, "challenge": "recaptcha"}),
                        );
                    }
                    reply(StatusCode::OK, serde_json::json!({"valid": false}))
                }
            }),
        )
        .route(
            "/slow/login",
            post(move |body: Bytes| {
                let tries = Arc::clone(&t3);
                async move {
                    let user = text_of(&json_body(&body), "username");
                    let n = tries.fail(&format!("slow:{user}"));
                    // the server's own throttle: each failure waits longer
                    tokio::time::sleep(Duration::from_millis(60 * n.min(20) as u64)).await;
                    reply(
                        StatusCode::UNAUTHORIZED,
                        serde_json::json!({"error": "bad credentials"}),
                    )
                }
            }),
        )
}

#[test]
fn a_lock_out_a_captcha_and_a_growing_delay_are_limits() {
    for seed in 1..=3 {
        let result = scan(
            LOCKING_SPEC,
            locking(Arc::default()),
            &["brute_force"],
            None,
            seed,
            Profile::Standard,
        );
        assert!(
            result.findings.is_empty(),
            "seed {seed}: {:#?}",
            listing(&result)
        );
        assert!(result.stats.requests >= 12, "{:?}", result.stats);
    }
}
