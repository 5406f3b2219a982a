//! Identities as objects (bola): identity B sends identity A's user name
//! where a write names a user. On the demo (a password change keyed by the
//! path's user name; a "the caller's profile" update whose body names the
//! user) with every one of 10 seeds, the victim's password set back after;
//! nothing on the repaired demo (scan_enforcement.rs checks every
//! authorization check there). On a server of another shape (a PATCH of
//! `/api/accounts/{login}/credentials`, a POST of settings with an `owner`
//! field, 200 answers) the same, and its look-alikes that change the
//! caller's own data whatever the name says give no finding, and leave
//! every account able to sign in with its own password.
#![cfg(feature = "demo")]

use crate::support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use apiprobe::demo::{DEMO_ACCOUNT, DEMO_IDENTITIES, DEMO_ROLE_IDENTITIES, DemoConfig, serve};
use apiprobe::engine::ScanResult;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use serde_json::{Value, json};
use support::{ScanBuilder, active_only, runtime};

fn listing(result: &ScanResult) -> Vec<String> {
    result
        .findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {}: {}",
                f.check, f.operation.id, f.signature, f.title
            )
        })
        .collect()
}

/// A login on `base` (JSON `{user_field, password}` to `path`): its status.
async fn sign_in(base: &str, path: &str, user_field: &str, user: &str, password: &str) -> u16 {
    let body = json!({user_field: user, "password": password}).to_string();
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
        .post(format!("{base}{path}"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("the login answers")
        .status()
        .as_u16()
}

#[test]
fn the_demo_users_as_objects_are_found_with_every_seed_and_passwords_set_back() {
    for seed in 1..=10 {
        let (result, bob_signs_in) = runtime().block_on(async {
            let server = serve(DemoConfig { fixed: false })
                .await
                .expect("the demo starts");
            let result = ScanBuilder::new(support::demo_api(), server.base_url())
                .checks(["bola"])
                .plan(active_only())
                .seed(seed)
                .login(DEMO_ACCOUNT)
                .identities(
                    DEMO_IDENTITIES
                        .iter()
                        .chain(DEMO_ROLE_IDENTITIES.iter())
                        .map(|(n, r, p)| format!("{n}:{r}=login:{n}:{p}")),
                )
                .privileged_roles(["editor"])
                .guard(Duration::from_secs(120))
                .run()
                .await;
            let bob = sign_in(
                &server.base_url(),
                "/auth/login",
                "username",
                "bob",
                "builder",
            )
            .await;
            server.shutdown().await;
            (result, bob)
        });
        let find = |operation: &str, signature: &str| {
            result
                .findings
                .iter()
                .find(|f| f.operation.id == operation && f.signature == signature)
                .unwrap_or_else(|| {
                    panic!(
                        "seed {seed}: no {signature} on {operation}: {:#?}",
                        listing(&result)
                    )
                })
        };
        let password = find("changePassword", "user_reference:password");
        assert!(
            password.title.contains("password of bob"),
            "{}",
            password.title
        );
        let profile = find("updateProfile", "user_reference:write");
        assert!(profile.title.contains("bob"), "{}", profile.title);
        // the victim's password was set back
        assert_eq!(bob_signs_in, 200, "seed {seed}");
    }
}

const ACCOUNTS: &str = r#"
openapi: 3.0.3
info: {title: accounts, version: '1'}
components:
  securitySchemes:
    token: {type: http, scheme: bearer}
security: [{token: []}]
paths:
  /api/signin:
    post:
      operationId: signIn
      security: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [login, password]
              properties:
                login: {type: string}
                password: {type: string}
      responses:
        '200':
          description: signed in
          content:
            application/json:
              schema:
                type: object
                properties:
                  accessToken: {type: string}
  /api/accounts/{login}/credentials:
    patch:
      operationId: setCredentials
      parameters:
        - {name: login, in: path, required: true, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [newPassword]
              properties:
                newPassword: {type: string, minLength: 8}
      responses:
        '200': {description: done}
  /api/me/settings:
    get:
      operationId: mySettings
      responses:
        '200':
          description: the caller's settings
          content:
            application/json:
              schema:
                type: object
                properties:
                  owner: {type: string}
                  nickname: {type: string}
    post:
      operationId: saveSettings
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [nickname]
              properties:
                owner: {type: string}
                nickname: {type: string, maxLength: 40}
      responses:
        '200': {description: saved}
"#;

struct Accounts {
    /// True: the name in the request picks the account; false: the caller's own.
    trusts_name: bool,
    passwords: Mutex<HashMap<String, String>>,
    nicknames: Mutex<HashMap<String, String>>,
    /// Every password that changed: (caller, account changed, the path's login).
    changes: Mutex<Vec<(String, String, String)>>,
}

const USERS: [(&str, &str); 3] = [
    ("ann", "ann-pass-1"),
    ("ben", "ben-pass-2"),
    ("cy", "cy-pass-33"),
];

fn answer(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

fn caller(headers: &HeaderMap) -> Option<String> {
    let value = headers.get("authorization")?.to_str().ok()?;
    value.strip_prefix("Bearer tok-").map(str::to_owned)
}

async fn signin(State(s): State<Arc<Accounts>>, body: Bytes) -> Response {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let (Some(login), Some(password)) = (v["login"].as_str(), v["password"].as_str()) else {
        return answer(StatusCode::BAD_REQUEST, json!({"status": "bad request"}));
    };
    match s.passwords.lock().unwrap().get(login) {
        Some(p) if p == password => answer(
            StatusCode::OK,
            json!({"accessToken": format!("tok-{login}")}),
        ),
        _ => answer(
            StatusCode::FORBIDDEN,
            json!({"status": "wrong login or password"}),
        ),
    }
}

async fn credentials(
    State(s): State<Arc<Accounts>>,
    headers: HeaderMap,
    Path(login): Path<String>,
    body: Bytes,
) -> Response {
    let Some(me) = caller(&headers) else {
        return answer(StatusCode::UNAUTHORIZED, json!({"status": "sign in"}));
    };
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let Some(new) = v["newPassword"].as_str().filter(|p| p.len() >= 8) else {
        return answer(
            StatusCode::OK,
            json!({"status": "error", "message": "newPassword too short"}),
        );
    };
    let target = if s.trusts_name {
        login.clone()
    } else {
        me.clone()
    };
    let mut passwords = s.passwords.lock().unwrap();
    if let Some(p) = passwords.get_mut(&target)
        && p != new
    {
        *p = new.to_owned();
        s.changes.lock().unwrap().push((me, target, login));
    }
    answer(StatusCode::OK, json!({"status": "ok"}))
}

async fn settings(State(s): State<Arc<Accounts>>, headers: HeaderMap) -> Response {
    let Some(me) = caller(&headers) else {
        return answer(StatusCode::UNAUTHORIZED, json!({"status": "sign in"}));
    };
    let nickname = s
        .nicknames
        .lock()
        .unwrap()
        .get(&me)
        .cloned()
        .unwrap_or_default();
    answer(StatusCode::OK, json!({"owner": me, "nickname": nickname}))
}

async fn save(State(s): State<Arc<Accounts>>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(me) = caller(&headers) else {
        return answer(StatusCode::UNAUTHORIZED, json!({"status": "sign in"}));
    };
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let Some(nickname) = v["nickname"].as_str().filter(|n| n.len() <= 40) else {
        return answer(StatusCode::OK, json!({"status": "error"}));
    };
    let target = match v["owner"].as_str() {
        Some(o) if s.trusts_name && s.passwords.lock().unwrap().contains_key(o) => o.to_owned(),
        _ => me,
    };
    s.nicknames
        .lock()
        .unwrap()
        .insert(target, nickname.to_owned());
    answer(StatusCode::OK, json!({"status": "ok"}))
}

/// What a scan of the accounts server left: the findings, which accounts
/// still sign in with their own password afterwards, and every password
/// change the server made (caller, account changed, the path's login).
type AccountsScan = (
    ScanResult,
    Vec<(String, u16)>,
    Vec<(String, String, String)>,
);

/// Scans the accounts server (see [`AccountsScan`]).
fn scan_accounts(trusts_name: bool, seed: u64) -> AccountsScan {
    runtime().block_on(async {
        let state = Arc::new(Accounts {
            trusts_name,
            passwords: Mutex::new(
                USERS
                    .iter()
                    .map(|(u, p)| ((*u).to_owned(), (*p).to_owned()))
                    .collect(),
            ),
            nicknames: Mutex::new(HashMap::new()),
            changes: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route("/api/signin", post(signin))
            .route("/api/accounts/{login}/credentials", patch(credentials))
            .route("/api/me/settings", get(settings).post(save))
            .with_state(state.clone());
        let base = support::serve(app).await;
        let result = ScanBuilder::new(support::api(ACCOUNTS), base.clone())
            .checks(["bola"])
            .plan(active_only())
            .seed(seed)
            .login(USERS[0])
            .identities(USERS.iter().map(|(u, p)| format!("{u}=login:{u}:{p}")))
            .guard(Duration::from_secs(60))
            .run()
            .await;
        let mut signs = Vec::new();
        for (u, p) in USERS {
            signs.push((
                u.to_owned(),
                sign_in(&base, "/api/signin", "login", u, p).await,
            ));
        }
        let changes = state.changes.lock().unwrap().clone();
        (result, signs, changes)
    })
}

#[test]
fn users_as_objects_on_another_server() {
    for seed in 1..=10 {
        let (result, signs, changes) = scan_accounts(true, seed);
        let signatures: Vec<(&str, &str)> = result
            .findings
            .iter()
            .map(|f| (f.operation.id.as_str(), f.signature.as_str()))
            .collect();
        assert!(
            signatures.contains(&("setCredentials", "user_reference:password"))
                && signatures.contains(&("saveSettings", "user_reference:write")),
            "seed {seed}: {:#?}",
            listing(&result)
        );
        // the scan's own account (ann) was never the victim; everyone's set back
        assert!(
            result.findings.iter().all(|f| !f.title.contains("of ann")),
            "{:#?}",
            listing(&result)
        );
        assert!(
            signs.iter().all(|(_, status)| *status == 200),
            "seed {seed}: {signs:?}"
        );
        // nothing ever changed the scan's own login account, even for a while
        assert!(
            changes.iter().all(|(_, target, _)| target != "ann"),
            "seed {seed}: {changes:?}"
        );
    }
}

#[test]
fn writes_that_change_the_caller_whatever_the_name_give_no_finding() {
    for seed in 1..=5 {
        let (result, signs, changes) = scan_accounts(false, seed);
        assert!(
            result
                .findings
                .iter()
                .all(|f| !f.signature.starts_with("user_reference")),
            "seed {seed}: {:#?}",
            listing(&result)
        );
        // the intruder's own password, changed by the look-alike, was set
        // back (the victim's never changed); every identity given, the
        // scan's own login account (ann) too, signs in with its password,
        // and nothing changed ann's even for a while
        assert!(
            signs.iter().all(|(_, status)| *status == 200),
            "seed {seed}: {signs:?}; changes {changes:?}"
        );
        assert!(
            changes.iter().all(|(_, target, _)| target != "ann"),
            "seed {seed}: {changes:?}"
        );
    }
}
