//! Privilege read-back and the API's own vocabulary (`privilege_escalation`).
//!
//! The demo: `/shop/signup` honours an undeclared `role` whose values are
//! `customer` and `manager` (the spec's enum in `/shop/me`), shown only in
//! `/shop/me`; found with every one of 10 seeds, not on the repaired demo.
//!
//! A server of another shape (a CRM: `/api/v2/...`, `login`/`pass`
//! fields, an `{"data": ...}` envelope, roles `Customer`, `Employee`,
//! `Manager` with no enum anywhere, an unknown role answered with 500 and
//! the account broken for good): the vocabulary comes from the identities'
//! profiles. A `PUT /api/v2/users/{uid}` that stores the role is found by
//! reading `/api/v2/whoami` back, the old role is written back, and no
//! request ever carries `admin`; its look-alikes (the PUT ignores the role,
//! the sign-up ignores it too) give no finding.
#![cfg(feature = "demo")]

use crate::support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use apiprobe::demo::{DEMO_ACCOUNT, DEMO_IDENTITIES, DemoConfig, serve};
use apiprobe::engine::ScanResult;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde_json::{Value, json};
use support::{ScanBuilder, active_only, runtime};

fn scan_demo(fixed: bool, seed: u64) -> ScanResult {
    runtime().block_on(async {
        let server = serve(DemoConfig { fixed }).await.expect("the demo starts");
        let result = ScanBuilder::new(support::demo_api(), server.base_url())
            .checks(["privilege_escalation"])
            .plan(active_only())
            .seed(seed)
            .login(DEMO_ACCOUNT)
            .identities(
                DEMO_IDENTITIES
                    .map(|(name, role, password)| format!("{name}:{role}=login:{name}:{password}")),
            )
            .guard(Duration::from_secs(120))
            .run()
            .await;
        server.shutdown().await;
        result
    })
}

#[test]
fn the_demo_shop_role_shown_only_in_me_is_found_with_every_seed() {
    for seed in 1..=10 {
        let result = scan_demo(false, seed);
        let hit = result
            .findings
            .iter()
            .find(|f| f.check == "privilege_escalation" && f.operation.id == "shopSignup");
        let Some(f) = hit else {
            panic!("seed {seed}: {:#?}", support::listing(&result));
        };
        // the value comes from /shop/me's enum, not "admin"
        assert_eq!(
            support::proof(f, "privileged_fields"),
            Some("role=\"manager\""),
            "seed {seed}: {:?}",
            f.proof
        );
        assert!(
            support::proof(f, "read_back").is_some_and(|p| p.contains("/shop/me")),
            "{:?}",
            f.proof
        );
        assert_eq!(
            support::proof(f, "read_back_shows"),
            Some("role=\"manager\"")
        );
        assert_eq!(
            support::proof(f, "plain_account_shows"),
            Some("role=\"customer\"")
        );
    }
    for seed in [1, 2, 3] {
        let fixed = scan_demo(true, seed);
        assert!(
            fixed
                .findings
                .iter()
                .all(|f| f.operation.id != "shopSignup"),
            "seed {seed}: {:#?}",
            support::listing(&fixed)
        );
    }
}

/// A JSON POST to `url`: its status and JSON answer (null if none).
async fn post_json(client: &reqwest::Client, url: String, body: &Value) -> (u16, Value) {
    let answer = client
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("the demo answers");
    let status = answer.status().as_u16();
    let bytes = answer.bytes().await.expect("a body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// What `/shop/me` shows for an account signed up with `body`: the
/// sign-up's status and the role.
async fn shop_role(base: &str, body: Value) -> (u16, Option<Value>) {
    let client = reqwest::Client::new();
    let (status, _) = post_json(&client, format!("{base}/shop/signup"), &body).await;
    if status != 201 {
        return (status, None);
    }
    let (_, login) = post_json(&client, format!("{base}/shop/login"), &body).await;
    let token = login["token"].as_str().unwrap_or_default().to_owned();
    let me = client
        .get(format!("{base}/shop/me"))
        .bearer_auth(token)
        .send()
        .await
        .expect("/shop/me answers")
        .bytes()
        .await
        .expect("a body");
    let me: Value = serde_json::from_slice(&me).unwrap_or(Value::Null);
    (status, Some(me["role"].clone()))
}

#[test]
fn the_demo_shop_honours_a_role_only_when_flawed() {
    runtime().block_on(async {
        let flawed = serve(DemoConfig { fixed: false }).await.expect("the demo");
        let fixed = serve(DemoConfig { fixed: true }).await.expect("the demo");
        let (f, x) = (flawed.base_url(), fixed.base_url());
        let manager =
            |u: &str| json!({"username": u, "password": "password123", "role": "manager"});
        assert_eq!(
            shop_role(&f, manager("mallory")).await,
            (201, Some(json!("manager")))
        );
        assert_eq!(
            shop_role(&x, manager("mallory")).await,
            (201, Some(json!("customer")))
        );
        let plain = json!({"username": "pat", "password": "password123"});
        assert_eq!(shop_role(&f, plain).await, (201, Some(json!("customer"))));
        // a role outside the shop's two is refused, and the sign-up answer shows none
        let admin = json!({"username": "eve", "password": "password123", "role": "admin"});
        assert_eq!(shop_role(&f, admin).await, (400, None));
        flawed.shutdown().await;
        fixed.shutdown().await;
    });
}

/// The CRM's roles.
const ROLES: [&str; 3] = ["Customer", "Employee", "Manager"];

struct Account {
    uid: u64,
    pass: String,
    mail: String,
    role: String,
    /// Set once an unknown role was stored: every later request of the account answers 500.
    broken: bool,
}

#[derive(Default)]
struct Crm {
    /// Whether `PUT /api/v2/users/{uid}` stores the role.
    stores_role: bool,
    accounts: HashMap<String, Account>,
    sessions: HashMap<String, String>,
    /// Every request body received.
    bodies: Vec<String>,
    next: u64,
}

type Shared = Arc<Mutex<Crm>>;

fn lock(state: &Shared) -> std::sync::MutexGuard<'_, Crm> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

fn crm(stores_role: bool) -> Shared {
    let state = Crm {
        stores_role,
        next: 100,
        ..Crm::default()
    };
    let state = Arc::new(Mutex::new(state));
    {
        let mut s = lock(&state);
        for (uid, (login, pass, role)) in [
            ("alice", "alice-pass-1", "Customer"),
            ("mgr", "mgr-pass-22", "Manager"),
        ]
        .into_iter()
        .enumerate()
        {
            s.accounts.insert(
                login.to_owned(),
                Account {
                    uid: uid as u64 + 1,
                    pass: pass.to_owned(),
                    mail: format!("{login}@crm.example"),
                    role: role.to_owned(),
                    broken: false,
                },
            );
        }
    }
    state
}

fn caller(s: &Crm, headers: &HeaderMap) -> Option<String> {
    let token = headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")?;
    s.sessions.get(token).cloned()
}

fn envelope(a: &Account, login: &str) -> Value {
    json!({"data": {"uid": a.uid, "login": login, "mail": a.mail, "role": a.role}})
}

async fn sign_up(State(state): State<Shared>, body: Bytes) -> Response {
    let mut s = lock(&state);
    s.bodies.push(String::from_utf8_lossy(&body).into_owned());
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "bad json").into_response();
    };
    let (Some(login), Some(pass)) = (v["login"].as_str(), v["pass"].as_str()) else {
        return (StatusCode::BAD_REQUEST, "login and pass").into_response();
    };
    if let Some(role) = v.get("role").and_then(Value::as_str)
        && !ROLES.contains(&role)
    {
        return (StatusCode::INTERNAL_SERVER_ERROR, "role lookup failed").into_response();
    }
    if s.accounts.contains_key(login) || s.accounts.len() > 500 {
        return (StatusCode::CONFLICT, Json(json!({"status": "taken"}))).into_response();
    }
    s.next += 1;
    let uid = s.next;
    let mail = v["mail"].as_str().unwrap_or("x@crm.example").to_owned();
    // the sign-up ignores the role: every new account is a customer
    s.accounts.insert(
        login.to_owned(),
        Account {
            uid,
            pass: pass.to_owned(),
            mail,
            role: "Customer".to_owned(),
            broken: false,
        },
    );
    (StatusCode::CREATED, Json(json!({"status": "ok"}))).into_response()
}

use axum::Json;

async fn token(State(state): State<Shared>, body: Bytes) -> Response {
    let mut s = lock(&state);
    s.bodies.push(String::from_utf8_lossy(&body).into_owned());
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "bad json").into_response();
    };
    let (Some(login), Some(pass)) = (v["login"].as_str(), v["pass"].as_str()) else {
        return (StatusCode::BAD_REQUEST, "login and pass").into_response();
    };
    match s.accounts.get(login) {
        Some(a) if a.broken => (StatusCode::INTERNAL_SERVER_ERROR, "broken").into_response(),
        Some(a) if a.pass == pass => {
            s.next += 1;
            let t = format!("t{}x{login}", s.next);
            s.sessions.insert(t.clone(), login.to_owned());
            Json(json!({"access_token": t})).into_response()
        }
        _ => (StatusCode::UNAUTHORIZED, Json(json!({"status": "denied"}))).into_response(),
    }
}

async fn whoami(State(state): State<Shared>, headers: HeaderMap) -> Response {
    let s = lock(&state);
    let Some(login) = caller(&s, &headers) else {
        return (StatusCode::UNAUTHORIZED, "sign in").into_response();
    };
    match s.accounts.get(&login) {
        Some(a) if a.broken => (StatusCode::INTERNAL_SERVER_ERROR, "broken").into_response(),
        Some(a) => Json(envelope(a, &login)).into_response(),
        None => (StatusCode::UNAUTHORIZED, "sign in").into_response(),
    }
}

async fn update(
    State(state): State<Shared>,
    Path(uid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut s = lock(&state);
    s.bodies.push(String::from_utf8_lossy(&body).into_owned());
    let Some(login) = caller(&s, &headers) else {
        return (StatusCode::UNAUTHORIZED, "sign in").into_response();
    };
    let stores_role = s.stores_role;
    let Some(a) = s.accounts.get_mut(&login) else {
        return (StatusCode::UNAUTHORIZED, "sign in").into_response();
    };
    if a.broken {
        return (StatusCode::INTERNAL_SERVER_ERROR, "broken").into_response();
    }
    if uid != a.uid.to_string() {
        return (StatusCode::FORBIDDEN, "not yours").into_response();
    }
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "bad json").into_response();
    };
    if let Some(role) = v.get("role").and_then(Value::as_str) {
        if !ROLES.contains(&role) {
            // stored anyway: the account is broken for the rest of its life
            a.broken = true;
            return (StatusCode::INTERNAL_SERVER_ERROR, "role lookup failed").into_response();
        }
        if stores_role {
            a.role = role.to_owned();
        }
    }
    let shown = envelope(a, &login);
    Json(shown).into_response()
}

const CRM_SPEC: &str = r#"
openapi: 3.0.3
info: { title: CRM, version: "2" }
components:
  securitySchemes:
    bearer: { type: http, scheme: bearer }
security: [ { bearer: [] } ]
paths:
  /api/v2/sign-up:
    post:
      operationId: signUp
      security: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [login, pass]
              properties:
                login: { type: string, pattern: '^[a-z]{4,12}$' }
                pass: { type: string, minLength: 8 }
                mail: { type: string, format: email }
      responses:
        '201': { description: created }
  /api/v2/auth/token:
    post:
      operationId: issueToken
      security: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [login, pass]
              properties:
                login: { type: string }
                pass: { type: string }
      responses:
        '200': { description: a token }
        '401': { description: denied }
  /api/v2/whoami:
    get:
      operationId: whoAmI
      responses:
        '200':
          description: the caller
          content:
            application/json:
              schema:
                type: object
                properties:
                  data:
                    type: object
                    properties:
                      uid: { type: integer }
                      login: { type: string }
                      mail: { type: string }
                      role: { type: string }
  /api/v2/users/{uid}:
    put:
      operationId: updateUser
      parameters:
        - { name: uid, in: path, required: true, schema: { type: integer } }
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [display]
              properties:
                display: { type: string, maxLength: 40 }
                role: { type: string }
      responses:
        '200': { description: changed }
        '403': { description: not yours }
"#;

fn scan_crm(stores_role: bool, seed: u64) -> (ScanResult, Shared) {
    runtime().block_on(async {
        let state = crm(stores_role);
        let app = Router::new()
            .route("/api/v2/sign-up", post(sign_up))
            .route("/api/v2/auth/token", post(token))
            .route("/api/v2/whoami", get(whoami))
            .route("/api/v2/users/{uid}", put(update))
            .with_state(state.clone());
        let base = support::serve(app).await;
        let result = ScanBuilder::new(support::api(CRM_SPEC), base)
            .checks(["privilege_escalation"])
            .plan(active_only())
            .seed(seed)
            .identities([
                "alice:customer=login:alice:alice-pass-1",
                "mgr:manager=login:mgr:mgr-pass-22",
            ])
            .privileged_roles(["manager"])
            .guard(Duration::from_secs(60))
            .run()
            .await;
        (result, state)
    })
}

/// What alice holds at the end, and whether any request carried `admin`.
fn aftermath(state: &Shared) -> (String, bool, bool) {
    let s = lock(state);
    let alice = s.accounts.get("alice").map(|a| (a.role.clone(), a.broken));
    let (role, broken) = alice.unwrap_or_default();
    let admin = s
        .bodies
        .iter()
        .any(|b| b.to_ascii_lowercase().contains("admin"));
    (role, broken, admin)
}

#[test]
fn a_role_stored_by_a_write_is_read_back_in_the_apis_own_vocabulary() {
    for seed in 1..=10 {
        let (result, state) = scan_crm(true, seed);
        let found = support::of(&result, "privilege_escalation");
        let f = found
            .iter()
            .find(|f| f.operation.id == "updateUser")
            .unwrap_or_else(|| panic!("seed {seed}: {:#?}", support::listing(&result)));
        assert_eq!(
            support::proof(f, "privilege_field"),
            Some("role=\"Manager\""),
            "{:?}",
            f.proof
        );
        assert_eq!(
            support::proof(f, "read_back_shows"),
            Some("role: \"Customer\" -> \"Manager\"")
        );
        assert!(support::proof(f, "read_back").is_some_and(|p| p.contains("/api/v2/whoami")));
        assert_eq!(support::proof(f, "restored"), Some("true"));
        // the sign-up ignores the role: no finding there
        assert!(
            found.iter().all(|f| f.operation.id != "signUp"),
            "{:#?}",
            support::listing(&result)
        );
        let (role, broken, admin) = aftermath(&state);
        assert_eq!(role, "Customer", "alice's role was written back");
        assert!(!broken, "no unknown role was ever written");
        assert!(!admin, "\"admin\" is outside the API's vocabulary");
    }
}

#[test]
fn writes_and_sign_ups_that_ignore_the_role_give_no_finding() {
    for seed in 1..=3 {
        let (result, state) = scan_crm(false, seed);
        assert!(
            support::of(&result, "privilege_escalation").is_empty(),
            "seed {seed}: {:#?}",
            support::listing(&result)
        );
        let (role, broken, admin) = aftermath(&state);
        assert_eq!(role, "Customer");
        assert!(!broken);
        assert!(!admin);
        // the probes did run: the sign-up and the write were tried with Manager
        let s = lock(&state);
        assert!(
            s.bodies
                .iter()
                .filter(|b| b.contains("\"Manager\""))
                .count()
                >= 2,
            "{:?}",
            s.bodies
        );
    }
}
