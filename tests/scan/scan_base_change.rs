//! The oracles that compare answers re-check their base: on 127.0.0.1, a
//! correct search whose data flaps while the boolean SQL-injection oracle
//! runs (the worst case of a reset or another client running concurrently:
//! the table full for the true condition and its repeat, emptied for the
//! false one and its repeat, and emptied for good afterwards) answers the
//! conditions differently, twice each, like an injection would; the base
//! value, read again after them, no longer answers as before, so the
//! verdict is dropped. A real injection next to it is still found.

use crate::support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use serde_json::{Value, json};
use support::{ScanBuilder, active_only, listing, of, runtime, serve};

const SPEC: &str = r#"
openapi: 3.0.3
info: { title: a flapping catalogue, version: '1' }
paths:
  /search:
    get:
      operationId: search
      parameters: [{ name: q, in: query, required: true, schema: { type: string } }]
      responses: { '200': { description: matches } }
  /injectable:
    get:
      operationId: injectable
      parameters: [{ name: q, in: query, required: true, schema: { type: string } }]
      responses: { '200': { description: matches } }
"#;

/// The catalogue's rows, as a search lists them.
fn rows() -> Vec<Value> {
    (1..=12)
        .map(|i| json!({"id": i, "name": format!("product {i}"), "note": "in the catalogue"}))
        .collect()
}

/// How many boolean conditions of the oracle's first pair (`' AND '`) the
/// search has seen: the table is full before the first, for the first and
/// for the third (the true condition and its repeat), and emptied
/// otherwise, for good from the fourth on.
#[derive(Default)]
struct Flaps {
    conditions: AtomicUsize,
}

/// A correct search (the term is a value, never SQL) over a table that
/// flaps in step with the oracle.
async fn search(
    State(flaps): State<Arc<Flaps>>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Json<Value> {
    let term = q.get("q").cloned().unwrap_or_default();
    let seen = if term.contains("' AND '") {
        flaps.conditions.fetch_add(1, Ordering::SeqCst)
    } else {
        flaps.conditions.load(Ordering::SeqCst)
    };
    let full = seen == 0 || seen == 2;
    let listed = if full { rows() } else { Vec::new() };
    let matches: Vec<&Value> = listed.iter().filter(|r| r["name"] == term).collect();
    Json(json!({"matches": matches, "catalogue": listed}))
}

/// A real boolean injection: `' AND 'a'='a` keeps the rows, `'a'='b` drops them.
async fn injectable(Query(q): Query<BTreeMap<String, String>>) -> Json<Value> {
    let term = q.get("q").cloned().unwrap_or_default();
    let listed = match term.split_once("' AND '") {
        Some((_, cond)) => match cond.split_once("'='") {
            Some((a, b)) if a == b => rows(),
            _ => Vec::new(),
        },
        None => rows(),
    };
    Json(json!({"catalogue": listed}))
}

#[test]
fn a_base_that_changed_under_the_oracle_drops_its_verdict() {
    runtime().block_on(async {
        for seed in [1, 2, 3] {
            let flaps = Arc::new(Flaps::default());
            let app = Router::new()
                .route("/search", get(search))
                .route("/injectable", get(injectable))
                .with_state(Arc::clone(&flaps));
            let url = serve(app).await;
            let result = ScanBuilder::new(support::api(SPEC), url)
                .seed(seed)
                .plan(active_only())
                .checks(["sql_injection"])
                .concurrency(1)
                .run()
                .await;
            let why = format!("seed {seed}: {:#?}", listing(&result));
            // the oracle did compare the flapping conditions
            assert!(flaps.conditions.load(Ordering::SeqCst) >= 4, "{why}");
            let found = of(&result, "sql_injection");
            assert!(found.iter().all(|f| f.operation.id != "search"), "{why}");
            assert!(
                found.iter().any(|f| f.operation.id == "injectable"),
                "{why}"
            );
        }
    });
}
