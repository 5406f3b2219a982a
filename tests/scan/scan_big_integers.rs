//! Integers past 64 bits: a field declared `type: integer` with no format
//! and no maximum accepts 2^63, 2^64 and 10^20, and a server that keeps it
//! in an `i64` and fails with a 500 on overflow is found in each location
//! (path, query, header, JSON body), for every seed. Look-alikes that read
//! big integers correctly, or refuse them with a 400, give no finding.

use crate::support;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use apiprobe::engine::ScanResult;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use serde_json::Value;
use support::ScanBuilder;

const SPEC: &str = r#"
openapi: 3.0.3
info: { title: ledger, version: '2' }
paths:
  /ledgers/{ledgerId}:
    get:
      operationId: getLedger
      parameters:
        - { name: ledgerId, in: path, required: true, schema: { type: integer, minimum: 1 } }
      responses: { '200': { description: ok }, '400': { description: invalid } }
  /entries:
    get:
      operationId: listEntries
      parameters:
        - { name: after, in: query, required: true, schema: { type: integer } }
      responses: { '200': { description: ok }, '400': { description: invalid } }
  /balance:
    get:
      operationId: getBalance
      parameters:
        - { name: X-Account-Number, in: header, required: true, schema: { type: integer, minimum: 0 } }
      responses: { '200': { description: ok }, '400': { description: invalid } }
  /transfers:
    post:
      operationId: transfer
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [amountCents]
              properties:
                amountCents: { type: integer, minimum: 1 }
                memo: { type: string, maxLength: 20 }
      responses: { '201': { description: created }, '400': { description: invalid } }
"#;

/// How a server reads an integer field.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Reader {
    /// Into an `i64`, unchecked: an overflow is an unhandled error (500).
    Overflows,
    /// As a big integer: any whole number is fine.
    BigInts,
    /// Into an `i64`, checked: an overflow is refused with a 400.
    Refuses,
}

/// Integer texts a server was sent that do not fit 64 bits.
type Seen = Arc<Mutex<BTreeSet<String>>>;

/// The answer to an integer's text: 400 when it is no integer, and what
/// `reader` does with one that does not fit an `i64`.
fn answer(reader: Reader, seen: &Seen, text: &str) -> StatusCode {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return StatusCode::BAD_REQUEST;
    }
    if text.parse::<i64>().is_ok() {
        return StatusCode::OK;
    }
    if let Ok(mut s) = seen.lock() {
        s.insert(text.to_owned());
    }
    match reader {
        Reader::Overflows => StatusCode::INTERNAL_SERVER_ERROR,
        Reader::BigInts => StatusCode::OK,
        Reader::Refuses => StatusCode::BAD_REQUEST,
    }
}

fn app(reader: Reader, seen: Seen) -> Router {
    Router::new()
        .route(
            "/ledgers/{id}",
            get(
                |State((r, s)): State<(Reader, Seen)>, Path(id): Path<String>| async move {
                    answer(r, &s, &id)
                },
            ),
        )
        .route(
            "/entries",
            get(
                |State((r, s)): State<(Reader, Seen)>,
                 Query(q): Query<std::collections::HashMap<String, String>>| async move {
                    match q.get("after") {
                        Some(text) => answer(r, &s, text),
                        None => StatusCode::BAD_REQUEST,
                    }
                },
            ),
        )
        .route(
            "/balance",
            get(
                |State((r, s)): State<(Reader, Seen)>, headers: HeaderMap| async move {
                    match headers
                        .get("x-account-number")
                        .and_then(|v| v.to_str().ok())
                    {
                        Some(text) => answer(r, &s, text.trim()),
                        None => StatusCode::BAD_REQUEST,
                    }
                },
            ),
        )
        .route(
            "/transfers",
            post(
                |State((r, s)): State<(Reader, Seen)>, body: Bytes| async move {
                    // the number's own text, as a streaming JSON reader sees it
                    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(&body) else {
                        return StatusCode::BAD_REQUEST;
                    };
                    match map.get("amountCents") {
                        Some(Value::Number(n)) => match answer(r, &s, &n.to_string()) {
                            StatusCode::OK => StatusCode::CREATED,
                            other => other,
                        },
                        _ => StatusCode::BAD_REQUEST,
                    }
                },
            ),
        )
        .with_state((reader, seen))
}

fn scan(reader: Reader, seed: u64) -> (ScanResult, BTreeSet<String>) {
    support::runtime().block_on(async move {
        let seen = Seen::default();
        let url = support::serve(app(reader, seen.clone())).await;
        let api = apiprobe::spec::load_str(SPEC, "ledger.yaml").expect("the spec loads");
        let result = ScanBuilder::new(api, url)
            .checks(["not_a_server_error"])
            .seed(seed)
            .run()
            .await;
        let seen = seen.lock().map(|s| s.clone()).unwrap_or_default();
        (result, seen)
    })
}

const OPERATIONS: [&str; 4] = ["getLedger", "listEntries", "getBalance", "transfer"];

#[test]
fn a_server_that_overflows_on_big_integers_is_found_in_every_location() {
    for seed in 1..=10 {
        let (result, seen) = scan(Reader::Overflows, seed);
        let found: BTreeSet<String> = support::of(&result, "not_a_server_error")
            .iter()
            .map(|f| f.operation.id.clone())
            .collect();
        for op in OPERATIONS {
            assert!(
                found.contains(op),
                "seed {seed}: no finding on {op}: {found:?}"
            );
        }
        // what was sent is the integers themselves, written as integers
        for big in [
            "9223372036854775808",
            "18446744073709551616",
            "100000000000000000000",
        ] {
            assert!(
                seen.contains(big),
                "seed {seed}: {big} never sent: {seen:?}"
            );
        }
    }
}

#[test]
fn servers_that_read_or_refuse_big_integers_give_no_finding() {
    for reader in [Reader::BigInts, Reader::Refuses] {
        for seed in 1..=10 {
            let (result, seen) = scan(reader, seed);
            let found = support::of(&result, "not_a_server_error");
            assert!(found.is_empty(), "{reader:?} seed {seed}: {found:#?}");
            assert!(
                seen.contains("18446744073709551616"),
                "{reader:?} seed {seed}: the look-alike was sent the big integers: {seen:?}"
            );
        }
    }
}
