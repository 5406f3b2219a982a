//! Logins against a small server on loopback whose tokens expire: the
//! token is taken where the locator says (a JSON pointer, a header, a
//! cookie), an expired one is fetched again on 401 (once for many
//! concurrent requests) and the scan keeps working, and a server that
//! answers 401 to everything causes no login storm.

use crate::support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use apiprobe::engine::ScanResult;
use apiprobe::identity::{
    Account, Credential, LoginError, Place, TokenAs, TokenFrom, TokenUse, login_with,
};
use apiprobe::model::Api;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use support::{ScanBuilder, api, client, plan, runtime, serve};

const SPEC: &str = r#"
openapi: 3.0.3
info: {title: sessions, version: '1'}
paths:
  /login:
    post:
      operationId: login
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [username, password]
              properties:
                username: {type: string}
                password: {type: string}
      responses:
        '200': {description: signed in}
        '401': {description: refused}
  /items:
    post:
      operationId: createItem
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: {type: string, maxLength: 20}
      responses:
        '201':
          description: created
          content:
            application/json:
              schema:
                type: object
                properties:
                  id: {type: integer}
        '401': {description: not signed in}
  /items/{id}:
    get:
      operationId: getItem
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer, minimum: 1}}
      responses:
        '200': {description: the item}
        '401': {description: not signed in}
        '404': {description: no such item}
"#;

/// Where the server puts the token it hands out.
#[derive(Clone, Copy)]
enum Issue {
    /// `{"data": {"session": {"secret": TOKEN}}}` (no token-like key).
    Pointer,
    /// `X-Auth-Token: TOKEN`.
    Header,
    /// `Set-Cookie: sid=TOKEN`.
    Cookie,
}

struct Server {
    issue: Issue,
    /// Uses a token has before it expires.
    uses: u32,
    /// Every token issued so far is revoked at this many signed-in requests (once).
    revoke_at: Option<u64>,
    revoked: AtomicBool,
    /// 401 to every request but the login.
    always_401: bool,
    logins: AtomicU64,
    authorised: AtomicU64,
    refused: AtomicU64,
    tokens: Mutex<HashMap<String, u32>>,
    items: Mutex<Vec<u64>>,
}

impl Server {
    fn new(issue: Issue, uses: u32) -> Server {
        Server {
            issue,
            uses,
            revoke_at: None,
            revoked: AtomicBool::new(false),
            always_401: false,
            logins: AtomicU64::new(0),
            authorised: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            tokens: Mutex::new(HashMap::new()),
            items: Mutex::new(Vec::new()),
        }
    }

    /// Whether the request carries a live token (one use of it is spent).
    fn signed_in(&self, headers: &HeaderMap) -> bool {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let token = text("authorization")
            .and_then(|v| v.strip_prefix("Bearer "))
            .or_else(|| text("x-auth-token"))
            .or_else(|| {
                text("cookie")?
                    .split(';')
                    .find_map(|p| p.trim().strip_prefix("sid="))
            });
        let ok = !self.always_401
            && token.is_some_and(|t| {
                let mut tokens = self.tokens.lock().unwrap();
                match tokens.get_mut(t) {
                    Some(left) if *left > 0 => {
                        *left -= 1;
                        true
                    }
                    _ => false,
                }
            });
        if ok {
            let n = self.authorised.fetch_add(1, Ordering::SeqCst) + 1;
            if self.revoke_at == Some(n) && !self.revoked.swap(true, Ordering::SeqCst) {
                self.tokens.lock().unwrap().clear();
            }
        } else {
            self.refused.fetch_add(1, Ordering::SeqCst);
        }
        ok
    }
}

async fn login(State(s): State<Arc<Server>>, body: String) -> Response {
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    if body["password"] != "pw" {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let n = s.logins.fetch_add(1, Ordering::SeqCst) + 1;
    let token = format!("tok{n}x{}", n * 7919);
    s.tokens.lock().unwrap().insert(token.clone(), s.uses);
    match s.issue {
        Issue::Pointer => {
            axum::Json(json!({"data": {"session": {"secret": token}}})).into_response()
        }
        Issue::Header => {
            ([("x-auth-token", token)], axum::Json(json!({"ok": true}))).into_response()
        }
        Issue::Cookie => (
            [("set-cookie", format!("sid={token}; HttpOnly; Path=/"))],
            axum::Json(json!({"ok": true})),
        )
            .into_response(),
    }
}

async fn create(State(s): State<Arc<Server>>, headers: HeaderMap) -> Response {
    if !s.signed_in(&headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let mut items = s.items.lock().unwrap();
    let id = 1000 + items.len() as u64;
    items.push(id);
    (StatusCode::CREATED, axum::Json(json!({"id": id}))).into_response()
}

async fn read(
    State(s): State<Arc<Server>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if !s.signed_in(&headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let id: u64 = id.parse().unwrap_or(0);
    if s.items.lock().unwrap().contains(&id) {
        axum::Json(json!({"id": id})).into_response()
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

async fn start(server: Arc<Server>) -> String {
    let app = Router::new()
        .route("/login", post(login))
        .route("/items", post(create))
        .route("/items/{id}", get(read))
        .with_state(server);
    serve(app).await
}

fn alice() -> Account {
    Account {
        user: "alice".into(),
        password: "pw".into(),
    }
}

/// Signs in as alice with `token` and scans with `positive` valid cases an
/// operation, `concurrency` at once.
async fn scan(
    api: Api,
    base: String,
    token: TokenUse,
    positive: u32,
    concurrency: usize,
) -> ScanResult {
    ScanBuilder::new(api, base)
        .checks(["not_a_server_error"])
        .seed(3)
        .concurrency(concurrency)
        .plan(plan(positive))
        .session(("alice", "pw"), token)
        .run()
        .await
}

fn pointer() -> TokenUse {
    TokenUse {
        from: TokenFrom::Pointer("/data/session/secret".into()),
        send: None,
    }
}

#[test]
fn the_token_is_taken_where_the_locator_says() {
    runtime().block_on(async {
        let spec = api(SPEC);
        // a pointer into the body; the key-name search finds nothing there
        let base = start(Arc::new(Server::new(Issue::Pointer, 100))).await;
        let c = login_with(&spec, &client(), &base, &alice(), &pointer())
            .await
            .expect("the pointer finds it");
        assert_eq!(c, Credential::bearer("tok1x7919"));
        let e = login_with(&spec, &client(), &base, &alice(), &TokenUse::default())
            .await
            .unwrap_err();
        assert!(matches!(e, LoginError::NotAt { .. }), "{e}");
        let wrong = TokenUse {
            from: TokenFrom::Pointer("/data/token".into()),
            send: None,
        };
        let e = login_with(&spec, &client(), &base, &alice(), &wrong)
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("/data/token"), "{e}");
        // a header, sent back as a bearer token
        let base = start(Arc::new(Server::new(Issue::Header, 100))).await;
        let c = login_with(
            &spec,
            &client(),
            &base,
            &alice(),
            &TokenUse {
                from: TokenFrom::Header("X-Auth-Token".into()),
                send: None,
            },
        )
        .await
        .expect("the header holds it");
        assert_eq!(c, Credential::bearer("tok1x7919"));
        // a cookie, sent back as that cookie (also found by `auto`)
        let base = start(Arc::new(Server::new(Issue::Cookie, 100))).await;
        for from in [TokenFrom::Cookie("sid".into()), TokenFrom::Auto] {
            let c = login_with(
                &spec,
                &client(),
                &base,
                &alice(),
                &TokenUse { from, send: None },
            )
            .await
            .expect("the cookie holds it");
            assert_eq!((c.place, c.name.as_str()), (Place::Cookie, "sid"));
            assert!(c.value.starts_with("tok"), "{c:?}");
        }
        let as_header = TokenUse {
            from: TokenFrom::Cookie("sid".into()),
            send: Some(TokenAs::Header("X-Auth-Token".into())),
        };
        let c = login_with(&spec, &client(), &base, &alice(), &as_header)
            .await
            .expect("the cookie holds it");
        assert_eq!((c.place, c.name.as_str()), (Place::Header, "X-Auth-Token"));
    });
}

#[test]
fn a_cookie_session_is_sent_as_a_cookie_and_fetched_again_when_it_expires() {
    runtime().block_on(async {
        let server = Arc::new(Server::new(Issue::Cookie, 5));
        let base = start(Arc::clone(&server)).await;
        let token = TokenUse {
            from: TokenFrom::Cookie("sid".into()),
            send: None,
        };
        let result = scan(api(SPEC), base, token, 10, 1).await;
        let logins = server.logins.load(Ordering::SeqCst);
        let authorised = server.authorised.load(Ordering::SeqCst);
        assert!(logins >= 2, "signed in {logins} times");
        assert_eq!(result.stats.relogins, logins - 1, "{:?}", result.stats);
        // one token serves 5 requests: more means the scan signed in again
        assert!(authorised > 5, "{authorised} signed-in requests");
    });
}

#[test]
fn concurrent_401s_sign_in_once() {
    runtime().block_on(async {
        let mut server = Server::new(Issue::Pointer, u32::MAX);
        // every token is revoked once, mid-scan, under 16 requests in flight
        server.revoke_at = Some(12);
        let server = Arc::new(server);
        let base = start(Arc::clone(&server)).await;
        let result = scan(api(SPEC), base, pointer(), 40, 16).await;
        let logins = server.logins.load(Ordering::SeqCst);
        let authorised = server.authorised.load(Ordering::SeqCst);
        assert!(
            server.revoked.load(Ordering::SeqCst),
            "the tokens were revoked"
        );
        assert_eq!(
            logins, 2,
            "one sign-in before the scan, one after the revocation"
        );
        assert_eq!(result.stats.relogins, 1);
        // the scan went on with the new token
        assert!(authorised > 40, "{authorised} signed-in requests");
    });
}

#[test]
fn a_server_that_always_answers_401_causes_no_login_storm() {
    runtime().block_on(async {
        let mut server = Server::new(Issue::Pointer, u32::MAX);
        server.always_401 = true;
        let server = Arc::new(server);
        let base = start(Arc::clone(&server)).await;
        let result = scan(api(SPEC), base, pointer(), 30, 16).await;
        let logins = server.logins.load(Ordering::SeqCst);
        let refused = server.refused.load(Ordering::SeqCst);
        assert!(refused >= 30, "{refused} refused requests");
        // the first sign-in and at most three fruitless ones
        assert!(logins <= 4, "signed in {logins} times");
        assert!(logins >= 2, "it did try again ({logins})");
        assert_eq!(result.stats.relogins, logins - 1);
    });
}

/// Runs the apiprobe binary with `args`; its exit code and stderr.
fn apiprobe(args: &[&str]) -> (Option<i32>, String) {
    let out = support::cli::run(args);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_cli_refuses_a_bad_locator_and_signs_in_with_a_cookie_masked() {
    let dir = std::env::temp_dir().join(format!("apiprobe-sessions-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let spec = dir.join("spec.yaml");
    std::fs::write(&spec, SPEC).expect("the spec is written");
    let spec = spec.to_string_lossy().into_owned();
    // a bad locator is a usage error before any request
    for (flag, value) in [("--token-from", "body"), ("--token-as", "basic")] {
        let (code, err) = apiprobe(&[
            "scan",
            &spec,
            "--no-config",
            "--url",
            "http://127.0.0.1:9",
            "--login",
            "alice:pw",
            flag,
            value,
        ]);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains(flag), "{err}");
    }
    runtime().block_on(async {
        let server = Arc::new(Server::new(Issue::Cookie, 5));
        let base = start(Arc::clone(&server)).await;
        let report = dir.join("report.json");
        let report_arg = format!("json:{}", report.display());
        let har = dir.join("exchanges.har");
        let har_arg = format!("har:{}", har.display());
        let ndjson = dir.join("events.ndjson");
        let ndjson_arg = format!("ndjson:{}", ndjson.display());
        let args: Vec<String> = [
            "scan",
            &spec,
            "--no-config",
            "--url",
            &base,
            "--login",
            "alice:pw",
            "--token-from",
            "cookie:sid",
            "--cases",
            "8",
            "--attacks",
            "0",
            "--checks",
            "not_a_server_error",
            "--quiet",
            "--report",
            &report_arg,
            "--report",
            &har_arg,
            "--report",
            &ndjson_arg,
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        let (code, err) = tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            apiprobe(&args)
        })
        .await
        .expect("the run ends");
        assert_eq!(code, Some(0), "{err}");
        let text = std::fs::read_to_string(&report).expect("the report");
        let json: Value = serde_json::from_str(&text).expect("JSON");
        let logins = server.logins.load(Ordering::SeqCst);
        assert!(logins >= 2, "signed in {logins} times");
        assert_eq!(json["stats"]["relogins"], logins - 1, "{}", json["stats"]);
        // every exchange is in the HAR, its cookie masked: no token the
        // server handed out appears in either file
        let har = std::fs::read_to_string(&har).expect("the HAR");
        assert!(
            har.contains("sid=***"),
            "the session cookie is sent, masked"
        );
        let events = std::fs::read_to_string(&ndjson).expect("the NDJSON");
        for n in 1..=logins {
            let token = format!("tok{n}x{}", n * 7919);
            assert!(!text.contains(&token), "{token} is in the report");
            assert!(!har.contains(&token), "{token} is in the HAR");
            assert!(!events.contains(&token), "{token} is in the NDJSON");
        }
        // every sign-in, the first and those after a 401, is an exchange
        // of the scan like any other: in the HAR and in the NDJSON
        let har_json: Value = serde_json::from_str(&har).expect("HAR JSON");
        let sign_ins = har_json["log"]["entries"]
            .as_array()
            .expect("HAR entries")
            .iter()
            .filter(|e| {
                e["request"]["method"] == "POST"
                    && e["request"]["url"]
                        .as_str()
                        .is_some_and(|u| u.ends_with("/login"))
                    && e["response"]["status"] == 200
            })
            .count() as u64;
        assert!(
            sign_ins >= logins,
            "{sign_ins} sign-ins in the HAR, {logins} made"
        );
        let announced = events
            .lines()
            .filter(|l| l.contains("\"probe\":\"active:sign_in\""))
            .count() as u64;
        assert_eq!(announced, logins, "{events}");
    });
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_reports_list_every_sign_in_with_its_fresh_token_hidden() {
    // tokens in the login answer's body, 5 uses each: the scan signs in
    // again, and each sign-in's answer holds a token no mask knew of
    // when the scan began
    let dir = support::cli::fresh_dir("sessions-sign-ins");
    let spec = dir.join("spec.yaml");
    std::fs::write(&spec, SPEC).expect("the spec is written");
    let spec = spec.to_string_lossy().into_owned();
    runtime().block_on(async {
        let server = Arc::new(Server::new(Issue::Pointer, 5));
        let base = start(Arc::clone(&server)).await;
        let har = dir.join("exchanges.har");
        let ndjson = dir.join("events.ndjson");
        let args: Vec<String> = vec![
            "scan".into(),
            spec.clone(),
            "--no-config".into(),
            "--url".into(),
            base,
            "--login".into(),
            "alice:pw".into(),
            "--token-from".into(),
            "/data/session/secret".into(),
            "--cases".into(),
            "8".into(),
            "--attacks".into(),
            "0".into(),
            "--checks".into(),
            "not_a_server_error".into(),
            "--quiet".into(),
            "--report".into(),
            format!("har:{}", har.display()),
            "--report".into(),
            format!("ndjson:{}", ndjson.display()),
        ];
        let (code, err) = tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            apiprobe(&args)
        })
        .await
        .expect("the run ends");
        assert_eq!(code, Some(0), "{err}");
        let logins = server.logins.load(Ordering::SeqCst);
        assert!(logins >= 2, "signed in {logins} times");
        let har = std::fs::read_to_string(&har).expect("the HAR");
        let events = std::fs::read_to_string(&ndjson).expect("the NDJSON");
        for n in 1..=logins {
            let token = format!("tok{n}x{}", n * 7919);
            assert!(!har.contains(&token), "{token} is in the HAR");
            assert!(!events.contains(&token), "{token} is in the NDJSON");
        }
        // each sign-in's answer is in the HAR, its token masked
        let har: Value = serde_json::from_str(&har).expect("HAR JSON");
        let answers: Vec<&str> = har["log"]["entries"]
            .as_array()
            .expect("HAR entries")
            .iter()
            .filter(|e| e["response"]["status"] == 200)
            .filter_map(|e| e["response"]["content"]["text"].as_str())
            .filter(|t| t.contains("\"secret\""))
            .collect();
        assert_eq!(answers.len() as u64, logins, "{answers:?}");
        assert!(answers.iter().all(|t| t.contains("***")), "{answers:?}");
        let announced = events
            .lines()
            .filter(|l| l.contains("\"probe\":\"active:sign_in\""))
            .count() as u64;
        assert_eq!(announced, logins, "{events}");
    });
    let _ = std::fs::remove_dir_all(&dir);
}
