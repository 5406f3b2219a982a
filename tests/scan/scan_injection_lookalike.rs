//! The injection oracles against look-alikes on 127.0.0.1: responses that
//! resemble a flaw without being one (an escaped reflection, an echo of the
//! payload, an error page quoting SQL errors in prose, a slow but constant
//! endpoint, a body that changes on every call, a webhook that only queues,
//! a sign-up that ignores extra fields) give no finding; blind flaws that
//! only timing or a differential shows (a PostgreSQL sleep, a shell sleep,
//! a real SQLite query that answers rows or none, and one whose answer never
//! changes) are found.

use crate::support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use apiprobe::checks::Finding;
use apiprobe::engine::ScanResult;
use apiprobe::probes::Profile;
use apiprobe::spec::Loader;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::{Value, json};
use support::{ScanBuilder, active_only};

const SPEC: &str = r#"
openapi: 3.0.3
info: { title: look-alikes, version: '1' }
paths:
  /page:
    get:
      operationId: page
      parameters: [{ name: q, in: query, required: true, schema: { type: string } }]
      responses: { '200': { description: ok } }
  /items/{id}:
    get:
      operationId: item
      parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
      responses: { '404': { description: none } }
  /echo:
    get:
      operationId: echo
      parameters: [{ name: q, in: query, required: true, schema: { type: string } }]
      responses: { '200': { description: ok } }
  /random:
    get:
      operationId: random
      parameters: [{ name: q, in: query, required: true, schema: { type: string } }]
      responses: { '200': { description: ok } }
  /slow:
    get:
      operationId: slow
      parameters: [{ name: q, in: query, required: true, schema: { type: string } }]
      responses: { '200': { description: ok } }
  /ping:
    post:
      operationId: ping
      requestBody:
        required: true
        content:
          application/json:
            schema: { type: object, required: [host], properties: { host: { type: string } } }
      responses: { '200': { description: ok } }
  /file:
    get:
      operationId: file
      parameters: [{ name: name, in: query, required: true, schema: { type: string } }]
      responses: { '404': { description: none } }
  /hook:
    post:
      operationId: hook
      requestBody:
        required: true
        content:
          application/json:
            schema: { type: object, required: [url], properties: { url: { type: string, format: uri } } }
      responses: { '202': { description: queued } }
  /find:
    post:
      operationId: find
      requestBody:
        required: true
        content:
          application/json:
            schema: { type: object, required: [name], properties: { name: { type: string } } }
      responses: { '200': { description: ok } }
  /signup:
    post:
      operationId: signup
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [username, password]
              properties: { username: { type: string }, password: { type: string } }
      responses: { '201': { description: created } }
  /blind:
    get:
      operationId: blindSql
      parameters: [{ name: q, in: query, required: true, schema: { type: string } }]
      responses: { '200': { description: ok } }
  /lookup:
    get:
      operationId: lookup
      parameters: [{ name: name, in: query, required: true, schema: { type: string } }]
      responses: { '200': { description: ok } }
  /exists:
    get:
      operationId: exists
      parameters: [{ name: name, in: query, required: true, schema: { type: string } }]
      responses: { '200': { description: ok } }
  /accounts:
    post:
      operationId: createAccount
      requestBody:
        required: true
        content:
          application/json:
            schema: { type: object, required: [name], properties: { name: { type: string } } }
      responses: { '201': { description: created } }
  /accounts/{id}:
    get:
      operationId: getAccount
      parameters: [{ name: id, in: path, required: true, schema: { type: integer } }]
      responses: { '200': { description: ok } }
  /blindping:
    post:
      operationId: blindPing
      requestBody:
        required: true
        content:
          application/json:
            schema: { type: object, required: [host], properties: { host: { type: string } } }
      responses: { '200': { description: ok } }
"#;

struct Counts {
    by_route: std::sync::Mutex<HashMap<&'static str, u64>>,
    calls: AtomicU64,
    /// Accounts as posted, every field kept (the mass assignment flaw).
    accounts: std::sync::Mutex<Vec<Value>>,
    /// A real SQLite database queried with string-built SQL.
    db: std::sync::Mutex<rusqlite::Connection>,
}

impl Counts {
    fn new() -> Counts {
        let db = rusqlite::Connection::open_in_memory().expect("an in-memory database");
        db.execute_batch(
            "CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('ann'), ('ben'), ('cid');",
        )
        .expect("seeded");
        Counts {
            by_route: Default::default(),
            calls: AtomicU64::new(0),
            accounts: Default::default(),
            db: std::sync::Mutex::new(db),
        }
    }

    /// The names a string-built query returns; none when it fails (errors are never shown).
    fn names(&self, sql: &str) -> Vec<String> {
        let Ok(db) = self.db.lock() else {
            return Vec::new();
        };
        db.prepare(sql)
            .and_then(|mut st| st.query_map([], |row| row.get::<_, String>(0))?.collect())
            .unwrap_or_default()
    }
}

impl Counts {
    fn hit(&self, route: &'static str) {
        if let Ok(mut m) = self.by_route.lock() {
            *m.entry(route).or_default() += 1;
        }
    }
}

type Shared = State<Arc<Counts>>;
type Params = Query<HashMap<String, String>>;

fn q(p: &HashMap<String, String>, name: &str) -> String {
    p.get(name).cloned().unwrap_or_default()
}

fn field(body: &Bytes, name: &str) -> Value {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get(name).cloned())
        .unwrap_or(Value::Null)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
}

/// Seconds asked for by `word(N)` in `text`, e.g. `pg_sleep(2)`.
fn asked(text: &str, word: &str) -> u64 {
    text.find(word)
        .map(|i| &text[i + word.len()..])
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
        .min(3)
}

fn router(counts: Arc<Counts>) -> Router {
    Router::new()
        .route(
            "/page",
            get(|State(c): Shared, Query(p): Params| async move {
                c.hit("page");
                let html = format!("<html><body><p>You searched for {}</p></body></html>", escape(&q(&p, "q")));
                ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
            }),
        )
        .route(
            "/items/{id}",
            get(|State(c): Shared, Path(id): Path<String>| async move {
                c.hit("item");
                let _ = id;
                let text = "no such item. Note for operators: database messages such as \
                            'You have an error in your SQL syntax; check the manual that corresponds \
                            to your MySQL server version' are logged, never shown.";
                (StatusCode::NOT_FOUND, axum::Json(json!({"error": text}))).into_response()
            }),
        )
        .route(
            "/echo",
            get(|State(c): Shared, Query(p): Params| async move {
                c.hit("echo");
                axum::Json(json!({"q": q(&p, "q")})).into_response()
            }),
        )
        .route(
            "/random",
            get(|State(c): Shared, Query(_p): Params| async move {
                c.hit("random");
                let n = c.calls.fetch_add(1, Ordering::Relaxed);
                // another answer every time: some calls list more items than others
                let items: Vec<u64> = (0..(n % 7) * 5).collect();
                axum::Json(json!({"items": items})).into_response()
            }),
        )
        .route(
            "/slow",
            get(|State(c): Shared, Query(_p): Params| async move {
                c.hit("slow");
                tokio::time::sleep(Duration::from_millis(700)).await;
                axum::Json(json!({"ok": true})).into_response()
            }),
        )
        .route(
            "/ping",
            post(|State(c): Shared, body: Bytes| async move {
                c.hit("ping");
                let host = field(&body, "host");
                let host = host.as_str().unwrap_or("");
                axum::Json(json!({"output": format!("ping: {host}: Name or service not known")}))
                    .into_response()
            }),
        )
        .route(
            "/file",
            get(|State(c): Shared, Query(p): Params| async move {
                c.hit("file");
                (StatusCode::NOT_FOUND, format!("no such file: {}", q(&p, "name"))).into_response()
            }),
        )
        .route(
            "/hook",
            post(|State(c): Shared, body: Bytes| async move {
                c.hit("hook");
                let ok = field(&body, "url").as_str().is_some_and(|u| u.starts_with("http"));
                if ok {
                    (StatusCode::ACCEPTED, axum::Json(json!({"queued": true}))).into_response()
                } else {
                    StatusCode::BAD_REQUEST.into_response()
                }
            }),
        )
        .route(
            "/find",
            post(|State(c): Shared, body: Bytes| async move {
                c.hit("find");
                match field(&body, "name") {
                    Value::String(_) => axum::Json(json!([])).into_response(),
                    _ => (StatusCode::BAD_REQUEST, axum::Json(json!({"error": "name must be a string"})))
                        .into_response(),
                }
            }),
        )
        .route(
            "/signup",
            post(|State(c): Shared, body: Bytes| async move {
                c.hit("signup");
                let user = field(&body, "username");
                (StatusCode::CREATED, axum::Json(json!({"username": user, "role": "user"})))
                    .into_response()
            }),
        )
        .route(
            "/blind",
            get(|State(c): Shared, Query(p): Params| async move {
                c.hit("blind");
                let secs = asked(&q(&p, "q"), "pg_sleep(");
                tokio::time::sleep(Duration::from_secs(secs)).await;
                axum::Json(json!({"ok": true})).into_response()
            }),
        )
        .route(
            "/blindping",
            post(|State(c): Shared, body: Bytes| async move {
                c.hit("blindping");
                let host = field(&body, "host");
                let host = host.as_str().unwrap_or("");
                let chained = host.contains(";sleep ") || host.contains("&&sleep ") || host.contains("|sleep ");
                if chained {
                    tokio::time::sleep(Duration::from_secs(asked(host, "sleep "))).await;
                }
                axum::Json(json!({"ok": true})).into_response()
            }),
        )
        .route(
            "/lookup",
            get(|State(c): Shared, Query(p): Params| async move {
                c.hit("lookup");
                let sql = format!("SELECT name FROM users WHERE name = '{}'", q(&p, "name"));
                let names = tokio::task::spawn_blocking(move || c.names(&sql)).await.unwrap_or_default();
                axum::Json(json!({"users": names})).into_response()
            }),
        )
        .route(
            "/exists",
            get(|State(c): Shared, Query(p): Params| async move {
                c.hit("exists");
                let sql = format!("SELECT name FROM users WHERE name = '{}'", q(&p, "name"));
                // the answer never depends on the query: only its time can
                let _ = tokio::task::spawn_blocking(move || c.names(&sql)).await;
                axum::Json(json!({"ok": true})).into_response()
            }),
        )
        .route(
            "/accounts",
            post(|State(c): Shared, body: Bytes| async move {
                c.hit("accounts");
                let Ok(mut account @ Value::Object(_)) = serde_json::from_slice::<Value>(&body) else {
                    return StatusCode::BAD_REQUEST.into_response();
                };
                let Ok(mut list) = c.accounts.lock() else {
                    return StatusCode::INTERNAL_SERVER_ERROR.into_response();
                };
                let id = list.len() + 1;
                if account.get("role").is_none() {
                    account["role"] = json!("user");
                }
                account["id"] = json!(id);
                list.push(account);
                // only the id comes back: the role shows in a later read
                (StatusCode::CREATED, axum::Json(json!({"id": id}))).into_response()
            }),
        )
        .route(
            "/accounts/{id}",
            get(|State(c): Shared, Path(id): Path<usize>| async move {
                c.hit("account");
                let found = c.accounts.lock().ok().and_then(|l| l.get(id.wrapping_sub(1)).cloned());
                match found {
                    Some(a) => axum::Json(a).into_response(),
                    None => StatusCode::NOT_FOUND.into_response(),
                }
            }),
        )
        .with_state(counts)
}

struct Outcome {
    result: ScanResult,
    counts: HashMap<&'static str, u64>,
}

fn scan() -> Outcome {
    support::runtime().block_on(async {
        let counts = Arc::new(Counts::new());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let app = router(Arc::clone(&counts));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let api = Loader::new()
            .load_str(SPEC, "lookalike.yaml")
            .expect("the spec loads");
        let result = ScanBuilder::new(api, format!("http://{addr}"))
            .checks([
                "reflected_xss",
                "sql_injection",
                "command_injection",
                "path_traversal",
                "template_injection",
                "nosql_injection",
                "ssrf",
                "resource_consumption",
                "mass_assignment",
            ])
            .seed(5)
            .plan(active_only())
            .profile(Profile::Standard)
            .shrink(true)
            .guard(Duration::from_secs(300))
            .run()
            .await;
        server.abort();
        let counts = counts
            .by_route
            .lock()
            .map(|m| m.clone())
            .unwrap_or_default();
        Outcome { result, counts }
    })
}

static OUTCOME: LazyLock<Outcome> = LazyLock::new(scan);

fn findings_on(operation: &str) -> Vec<&'static Finding> {
    OUTCOME
        .result
        .findings
        .iter()
        .filter(|f| f.operation.id == operation)
        .collect()
}

/// No finding at all on `operation`, which the probes did reach (at least `min` requests).
fn silent_on(operation: &str, route: &str, min: u64) {
    let hits = findings_on(operation);
    assert!(
        hits.is_empty(),
        "{operation}: {:#?}",
        hits.iter()
            .map(|f| format!("{} {}: {}", f.check, f.signature, f.evidence))
            .collect::<Vec<_>>()
    );
    let sent = OUTCOME.counts.get(route).copied().unwrap_or(0);
    assert!(sent >= min, "{route} got only {sent} requests");
}

fn proof<'a>(f: &'a Finding, name: &str) -> &'a str {
    f.proof
        .iter()
        .find(|p| p.name == name)
        .map(|p| p.value.as_str())
        .unwrap_or("")
}

#[test]
fn an_escaped_reflection_is_not_xss() {
    silent_on("page", "page", 10);
}

#[test]
fn an_error_page_quoting_sql_errors_in_prose_is_not_sql_injection() {
    silent_on("item", "item", 10);
}

#[test]
fn an_echo_of_the_payload_is_no_injection() {
    // no SQL condition, template, command or operator is evaluated by an echo
    silent_on("echo", "echo", 20);
}

#[test]
fn a_body_that_changes_on_every_call_is_no_boolean_injection() {
    silent_on("random", "random", 10);
}

#[test]
fn a_slow_but_constant_endpoint_has_no_injected_delay() {
    silent_on("slow", "slow", 20);
}

#[test]
fn a_ping_that_prints_the_host_is_not_command_injection() {
    silent_on("ping", "ping", 5);
}

#[test]
fn a_not_found_message_naming_the_file_is_not_traversal() {
    silent_on("file", "file", 4);
}

#[test]
fn a_webhook_that_only_queues_is_not_ssrf() {
    silent_on("hook", "hook", 1);
}

#[test]
fn a_filter_that_refuses_objects_is_not_nosql_injection() {
    silent_on("find", "find", 4);
}

#[test]
fn a_sign_up_that_ignores_the_role_is_not_mass_assignment() {
    silent_on("signup", "signup", 2);
}

#[test]
fn a_blind_postgresql_sleep_is_found_by_timing() {
    let hits = findings_on("blindSql");
    let f = hits
        .iter()
        .find(|f| f.check == "sql_injection")
        .unwrap_or_else(|| panic!("no sql_injection on /blind: {:?}", OUTCOME.result.findings));
    assert_eq!(proof(f, "technique"), "time-based");
    assert_eq!(proof(f, "database"), "PostgreSQL");
    assert!(proof(f, "payload").contains("pg_sleep(2)"));
    assert!(proof(f, "control").contains("pg_sleep(0)"));
    assert_eq!(hits.len(), 1, "only the timing oracle fires");
}

#[test]
fn a_blind_shell_sleep_is_found_by_timing() {
    let hits = findings_on("blindPing");
    let f = hits
        .iter()
        .find(|f| f.check == "command_injection")
        .unwrap_or_else(|| {
            panic!(
                "no command_injection on /blindping: {:?}",
                OUTCOME.result.findings
            )
        });
    assert_eq!(proof(f, "technique"), "time-based");
    assert!(proof(f, "payload").contains("sleep 2"));
    let delayed: Vec<u64> = proof(f, "delayed_ms")
        .split(", ")
        .filter_map(|t| t.parse().ok())
        .collect();
    assert!(delayed.iter().all(|&ms| ms >= 1800), "{delayed:?}");
}

#[test]
fn a_blind_sqlite_query_is_found_by_true_and_false_conditions() {
    let hits = findings_on("lookup");
    let f = hits
        .iter()
        .find(|f| f.check == "sql_injection")
        .unwrap_or_else(|| panic!("no sql_injection on /lookup: {:?}", OUTCOME.result.findings));
    assert_eq!(proof(f, "technique"), "boolean-based");
    assert!(proof(f, "payload").contains(" OR "), "{:?}", f.proof);
    let body = &f.response.as_ref().expect("a response").body;
    assert!(body.contains("ann") && body.contains("cid"), "{body}");
}

#[test]
fn a_sqlite_query_whose_answer_never_changes_is_found_by_a_heavy_expression() {
    let hits = findings_on("exists");
    let f = hits
        .iter()
        .find(|f| f.check == "sql_injection")
        .unwrap_or_else(|| panic!("no sql_injection on /exists: {:?}", OUTCOME.result.findings));
    assert_eq!(proof(f, "technique"), "time-based");
    assert_eq!(proof(f, "database"), "SQLite");
    assert!(proof(f, "payload").contains("RANDOMBLOB("));
}

#[test]
fn a_role_stored_and_shown_only_by_a_later_read_is_mass_assignment() {
    let hits = findings_on("createAccount");
    let f = hits
        .iter()
        .find(|f| f.check == "mass_assignment")
        .unwrap_or_else(|| {
            panic!(
                "no mass_assignment on /accounts: {:?}",
                OUTCOME.result.findings
            )
        });
    assert!(
        proof(f, "seen_in").starts_with("a later read"),
        "{:?}",
        f.proof
    );
    assert!(
        proof(f, "property").split(", ").any(|p| p == "role"),
        "{:?}",
        f.proof
    );
    assert!(
        proof(f, "without_it").contains("role: \"user\""),
        "{:?}",
        f.proof
    );
    assert_eq!(hits.len(), 1, "one finding for all the properties");
    assert_eq!(f.request.method, "GET");
    assert!(
        f.response
            .as_ref()
            .expect("a response")
            .body
            .contains("\"role\":\"admin\"")
    );
}
