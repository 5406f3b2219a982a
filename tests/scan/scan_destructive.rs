//! Destructive operations on 127.0.0.1: a server with data (a collection of
//! items), a correct parameterised search whose answer shows the table
//! (a boolean-injection look-alike), and `GET /admin/reset-db` (a GET!)
//! that empties and re-creates the tables. By default the reset is sent
//! exactly once, after every other request and with no other in flight,
//! its effect is reported (the items the scan knew vanished), and the
//! search gives no injection finding; `--skip-destructive` and
//! `--read-only` never call it.

use crate::support;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use apiprobe::engine::ScanResult;
use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::{Value, json};
use support::{ScanBuilder, listing, of, proof, runtime, serve};

const SPEC: &str = r#"
openapi: 3.0.3
info: { title: shop with a reset, version: '1' }
paths:
  /items:
    get:
      operationId: listItems
      responses:
        '200':
          description: the items
          content: { application/json: { schema: { type: array, items: { $ref: '#/components/schemas/Item' } } } }
    post:
      operationId: createItem
      requestBody:
        required: true
        content:
          application/json:
            schema: { type: object, required: [name], properties: { name: { type: string, maxLength: 20 } } }
      responses:
        '201':
          description: created
          content: { application/json: { schema: { $ref: '#/components/schemas/Item' } } }
  /items/{id}:
    get:
      operationId: getItem
      parameters: [{ name: id, in: path, required: true, schema: { type: integer } }]
      responses: { '200': { description: the item }, '404': { description: none } }
  /search:
    get:
      operationId: search
      parameters: [{ name: q, in: query, required: true, schema: { type: string } }]
      responses: { '200': { description: matches } }
  /admin/reset-db:
    get:
      operationId: resetDb
      summary: Drops and re-creates the tables.
      responses: { '200': { description: done } }
components:
  schemas:
    Item:
      type: object
      properties: { id: { type: integer }, name: { type: string } }
"#;

/// The server's state and what it saw.
#[derive(Default)]
struct Shop {
    items: Mutex<BTreeMap<u64, String>>,
    next: AtomicUsize,
    /// Requests being handled now.
    in_flight: AtomicUsize,
    /// Calls of the reset.
    resets: AtomicUsize,
    /// A reset is running.
    resetting: AtomicBool,
    /// The most requests in flight while a reset ran (itself included).
    most_during_reset: AtomicUsize,
    /// Every request, in arrival order: `GET /items/3`.
    log: Mutex<Vec<String>>,
}

/// Counts a request in flight while it lives.
struct Flight(Arc<Shop>);

impl Flight {
    fn enter(shop: &Arc<Shop>, line: String) -> Flight {
        let now = shop.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        if shop.resetting.load(Ordering::SeqCst) {
            shop.most_during_reset.fetch_max(now, Ordering::SeqCst);
        }
        if let Ok(mut log) = shop.log.lock() {
            log.push(line);
        }
        Flight(Arc::clone(shop))
    }
}

impl Drop for Flight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

fn seed(shop: &Shop) {
    if let Ok(mut items) = shop.items.lock() {
        items.clear();
        for name in ["apple", "banana", "cherry", "damson", "elder", "fig"] {
            let id = shop.next.fetch_add(1, Ordering::SeqCst) as u64 + 1;
            items.insert(id, name.to_owned());
        }
    }
}

async fn list(State(shop): State<Arc<Shop>>) -> impl IntoResponse {
    let _f = Flight::enter(&shop, "GET /items".into());
    let items: Vec<Value> = shop
        .items
        .lock()
        .map(|i| {
            i.iter()
                .map(|(id, n)| json!({"id": id, "name": n}))
                .collect()
        })
        .unwrap_or_default();
    Json(Value::Array(items))
}

async fn create(State(shop): State<Arc<Shop>>, body: Option<Json<Value>>) -> impl IntoResponse {
    let _f = Flight::enter(&shop, "POST /items".into());
    let Some(name) = body
        .as_ref()
        .and_then(|b| b.get("name"))
        .and_then(Value::as_str)
    else {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "name"})));
    };
    let id = shop.next.fetch_add(1, Ordering::SeqCst) as u64 + 1;
    if let Ok(mut items) = shop.items.lock() {
        items.insert(id, name.to_owned());
    }
    (StatusCode::CREATED, Json(json!({"id": id, "name": name})))
}

async fn item(State(shop): State<Arc<Shop>>, Path(id): Path<String>) -> impl IntoResponse {
    let _f = Flight::enter(&shop, format!("GET /items/{id}"));
    let found = id
        .parse::<u64>()
        .ok()
        .and_then(|id| shop.items.lock().ok()?.get(&id).cloned().map(|n| (id, n)));
    match found {
        Some((id, name)) => (StatusCode::OK, Json(json!({"id": id, "name": name}))),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "no such item"})),
        ),
    }
}

/// A correct search (the term is a value, never SQL), whose answer lists
/// the newest items too: an emptied table answers much shorter.
async fn search(
    State(shop): State<Arc<Shop>>,
    Query(q): Query<BTreeMap<String, String>>,
) -> impl IntoResponse {
    let _f = Flight::enter(&shop, "GET /search".into());
    let term = q.get("q").cloned().unwrap_or_default();
    let items = shop.items.lock().map(|i| i.clone()).unwrap_or_default();
    let matches: Vec<Value> = items
        .iter()
        .filter(|(_, n)| **n == term)
        .map(|(id, n)| json!({"id": id, "name": n}))
        .collect();
    let newest: Vec<Value> = items
        .iter()
        .rev()
        .take(8)
        .map(|(id, n)| json!({"id": id, "name": n, "note": "recently added to the catalogue"}))
        .collect();
    Json(json!({"matches": matches, "newest": newest}))
}

async fn reset(State(shop): State<Arc<Shop>>) -> impl IntoResponse {
    shop.resetting.store(true, Ordering::SeqCst);
    let f = Flight::enter(&shop, "GET /admin/reset-db".into());
    shop.resets.fetch_add(1, Ordering::SeqCst);
    // dropping and re-creating tables takes a while (by design: a request
    // sent meanwhile would show in `most_during_reset`)
    if let Ok(mut items) = shop.items.lock() {
        items.clear();
    }
    tokio::time::sleep(Duration::from_millis(150)).await;
    drop(f);
    shop.resetting.store(false, Ordering::SeqCst);
    Json(json!({"reset": true}))
}

async fn shop_server() -> (Arc<Shop>, String) {
    let shop = Arc::new(Shop::default());
    seed(&shop);
    let app = Router::new()
        .route("/items", get(list).post(create))
        .route("/items/{id}", get(item))
        .route("/search", get(search))
        .route("/admin/reset-db", get(reset))
        .with_state(Arc::clone(&shop));
    (shop, serve(app).await)
}

async fn scan(
    seed: u64,
    change: impl FnOnce(ScanBuilder) -> ScanBuilder,
) -> (Arc<Shop>, ScanResult) {
    let (shop, url) = shop_server().await;
    let builder = ScanBuilder::new(support::api(SPEC), url)
        .seed(seed)
        .plan(support::plan(4))
        .checks([
            "sql_injection",
            "nosql_injection",
            "destructive_operation",
            "not_a_server_error",
        ]);
    let result = change(builder).run().await;
    (shop, result)
}

fn log(shop: &Shop) -> Vec<String> {
    shop.log.lock().map(|l| l.clone()).unwrap_or_default()
}

#[test]
fn the_reset_is_sent_once_alone_and_last_and_its_effect_reported() {
    runtime().block_on(async {
        for seed in [1, 2, 3] {
            let (shop, result) = scan(seed, |b| b).await;
            let why = format!("seed {seed}: {:#?}", listing(&result));
            assert_eq!(shop.resets.load(Ordering::SeqCst), 1, "{why}");
            // nothing else in flight while it ran
            assert_eq!(shop.most_during_reset.load(Ordering::SeqCst), 1, "{why}");
            // after it, only the reads of the items the scan knew
            let log = log(&shop);
            let at = log
                .iter()
                .position(|l| l == "GET /admin/reset-db")
                .expect("the reset in the log");
            assert!(at > 20, "the reset came after the other probes: {log:?}");
            let after = &log[at + 1..];
            assert!(
                !after.is_empty() && after.iter().all(|l| l.starts_with("GET /items/")),
                "{after:?}"
            );
            // its effect, reported
            let found = of(&result, "destructive_operation");
            assert_eq!(found.len(), 1, "{why}");
            let f = found[0];
            assert_eq!(f.operation.id, "resetDb", "{why}");
            let vanished: usize = proof(f, "vanished")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            assert!(vanished >= 1, "{why}: {f:#?}");
            assert_eq!(proof(f, "watched"), proof(f, "vanished"), "{f:#?}");
            assert!(f.title.contains("vanished"), "{}", f.title);
            // the correct search gives no injection finding
            assert!(of(&result, "sql_injection").is_empty(), "{why}");
            assert!(of(&result, "nosql_injection").is_empty(), "{why}");
        }
    });
}

#[test]
fn skip_destructive_and_read_only_never_call_it() {
    runtime().block_on(async {
        for seed in [1, 2, 3] {
            let (shop, result) = scan(seed, |b| b.options(|o| o.skip_destructive = true)).await;
            assert_eq!(shop.resets.load(Ordering::SeqCst), 0, "seed {seed}");
            assert!(of(&result, "destructive_operation").is_empty());
            assert!(result.stats.requests > 10, "the rest was scanned");
            let (shop, result) = scan(seed, |b| b.options(|o| o.plan.read_only = true)).await;
            assert_eq!(shop.resets.load(Ordering::SeqCst), 0, "seed {seed}");
            assert!(of(&result, "destructive_operation").is_empty());
            assert!(log(&shop).iter().all(|l| !l.starts_with("POST")));
        }
    });
}
