//! The active probes' base request, for any seed: a server that fetches
//! an optional, nullable URL field (SSRF found whatever the seed: the
//! base holds every optional field, non-null, a URL in a URL-like field);
//! string fields the server reads as numbers, where every random string is
//! a 500 (`month`, whose name hints at 1-12, and `period`, which takes
//! digit strings once random values fail) with a numeric-context SQL
//! injection (confirmed by the boolean oracle for every seed); and the same
//! field parameterised (no finding).

use crate::support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use apiprobe::engine::ScanResult;
use apiprobe::probes::Profile;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rusqlite::Connection;
use serde_json::{Value, json};
use support::{ScanBuilder, active_only};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The seeds every test here scans with.
const SEEDS: [u64; 10] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

const SPEC: &str = r#"
openapi: 3.0.3
info: { title: bases, version: '1' }
paths:
  /profiles:
    post:
      operationId: createProfile
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: { type: string, maxLength: 40 }
                bio: { type: string, maxLength: 200 }
                avatar_url: { type: string, nullable: true }
      responses: { '201': { description: created } }
  /sales:
    get:
      operationId: sales
      parameters: [{ name: month, in: query, required: true, schema: { type: string } }]
      responses: { '200': { description: rows } }
  /totals:
    get:
      operationId: totals
      parameters: [{ name: period, in: query, required: true, schema: { type: string } }]
      responses: { '200': { description: rows } }
  /sales-safe:
    get:
      operationId: salesSafe
      parameters: [{ name: month, in: query, required: true, schema: { type: string } }]
      responses: { '200': { description: rows } }
"#;

type Db = Arc<Mutex<Connection>>;

/// One row per month, every row as long as the others (two months answer alike).
fn database() -> Db {
    let db = Connection::open_in_memory().expect("an in-memory database");
    db.execute_batch(
        "CREATE TABLE sales (month INTEGER, item TEXT, amount INTEGER);
         INSERT INTO sales VALUES
           (1, 'item-01', 1001), (2, 'item-02', 1002), (3, 'item-03', 1003),
           (4, 'item-04', 1004), (5, 'item-05', 1005), (6, 'item-06', 1006),
           (7, 'item-07', 1007), (8, 'item-08', 1008), (9, 'item-09', 1009),
           (10, 'item-10', 1010), (11, 'item-11', 1011), (12, 'item-12', 1012);",
    )
    .expect("the table");
    Arc::new(Mutex::new(db))
}

/// Rows of `sql` (with `params`) as JSON, or the database's error.
fn rows<P: rusqlite::Params>(db: &Db, sql: &str, params: P) -> rusqlite::Result<Vec<Value>> {
    let db = db.lock().unwrap_or_else(|p| p.into_inner());
    let mut statement = db.prepare(sql)?;
    let found = statement.query_map(params, |row| {
        Ok(json!({"item": row.get::<_, String>(0)?, "amount": row.get::<_, i64>(1)?}))
    })?;
    found.collect()
}

/// Rows, or a 500 that names nothing (no SQL error text to give it away).
fn answer(found: rusqlite::Result<Vec<Value>>) -> Response {
    match found {
        Ok(items) => axum::Json(json!({"items": items})).into_response(),
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            axum::Json(json!({"error": "internal error"})),
        )
            .into_response(),
    }
}

type Params = Query<std::collections::HashMap<String, String>>;

/// The value pasted into the query: a random string is a column name that
/// does not exist (a 500), a number selects its month, `7 AND 1=2` nothing.
async fn sales(State(db): State<Db>, Query(p): Params) -> Response {
    let month = p.get("month").cloned().unwrap_or_default();
    answer(rows(
        &db,
        &format!("SELECT item, amount FROM sales WHERE month = {month}"),
        [],
    ))
}

/// The same flaw behind a name that hints at nothing.
async fn totals(State(db): State<Db>, Query(p): Params) -> Response {
    let period = p.get("period").cloned().unwrap_or_default();
    answer(rows(
        &db,
        &format!("SELECT item, amount FROM sales WHERE month = {period}"),
        [],
    ))
}

/// The look-alike: digits only (400 for anything else), bound as a parameter.
async fn sales_safe(State(db): State<Db>, Query(p): Params) -> Response {
    let Some(month) = p.get("month").and_then(|m| m.parse::<i64>().ok()) else {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "month must be a number"})),
        )
            .into_response();
    };
    answer(rows(
        &db,
        "SELECT item, amount FROM sales WHERE month = ?1",
        [month],
    ))
}

/// `http://127.0.0.1:PORT/path` as (`127.0.0.1:PORT`, `/path`); `None` for
/// any other host (the server fetches from loopback only).
fn loopback(url: &str) -> Option<(String, String)> {
    let rest = url.strip_prefix("http://")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
    matches!(host, "127.0.0.1" | "localhost").then(|| (authority.to_owned(), path.to_owned()))
}

/// GET `url` (loopback only), reading a little of the answer.
async fn fetch(url: &str) {
    let Some((authority, path)) = loopback(url) else {
        return;
    };
    let attempt = async {
        let mut stream = tokio::net::TcpStream::connect(&authority).await.ok()?;
        let head = format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n");
        stream.write_all(head.as_bytes()).await.ok()?;
        let mut buf = [0u8; 512];
        stream.read(&mut buf).await.ok()
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), attempt).await;
}

/// A profile: the avatar URL, when given, is fetched (SSRF).
async fn create_profile(body: Bytes) -> Response {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "a JSON object").into_response();
    };
    if !map.get("name").is_some_and(Value::is_string) {
        return (StatusCode::BAD_REQUEST, "name is required").into_response();
    }
    if let Some(Value::String(url)) = map.get("avatar_url") {
        fetch(url).await;
    }
    (StatusCode::CREATED, axum::Json(json!({"ok": true}))).into_response()
}

fn router() -> Router {
    Router::new()
        .route("/profiles", post(create_profile))
        .route("/sales", get(sales))
        .route("/totals", get(totals))
        .route("/sales-safe", get(sales_safe))
        .with_state(database())
}

/// Scans the server with `checks`, the quick profile and the active phase only.
fn scan(seed: u64, checks: &[&str]) -> ScanResult {
    support::runtime().block_on(async {
        let base = support::serve(router()).await;
        ScanBuilder::new(support::api(SPEC), base)
            .checks(checks)
            .seed(seed)
            .plan(active_only())
            .profile(Profile::Quick)
            .guard(Duration::from_secs(120))
            .run()
            .await
    })
}

#[test]
fn an_optional_nullable_url_field_is_probed_for_ssrf_with_every_seed() {
    for seed in SEEDS {
        let result = scan(seed, &["ssrf"]);
        let hits: Vec<_> = support::of(&result, "ssrf")
            .into_iter()
            .filter(|f| f.operation.id == "createProfile")
            .collect();
        assert!(
            hits.iter()
                .any(|f| support::proof(f, "field") == Some("avatar_url")),
            "seed {seed}: no SSRF through avatar_url; found: {:#?}",
            support::listing(&result)
        );
    }
}

#[test]
fn a_numeric_context_sql_injection_in_a_string_field_is_confirmed_with_every_seed() {
    for seed in SEEDS {
        let result = scan(seed, &["sql_injection"]);
        for operation in ["sales", "totals"] {
            let boolean = support::of(&result, "sql_injection")
                .into_iter()
                .filter(|f| f.operation.id == operation)
                .any(|f| support::proof(f, "technique") == Some("boolean-based"));
            assert!(
                boolean,
                "seed {seed}: no boolean-based SQL injection on {operation}; found: {:#?}",
                support::listing(&result)
            );
        }
        let safe: Vec<_> = result
            .findings
            .iter()
            .filter(|f| f.operation.id == "salesSafe")
            .map(|f| format!("{} {}: {}", f.check, f.signature, f.evidence))
            .collect();
        assert!(
            safe.is_empty(),
            "seed {seed}: the parameterised look-alike: {safe:#?}"
        );
    }
}
