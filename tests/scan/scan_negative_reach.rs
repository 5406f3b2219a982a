//! Negative cases that would be valid requests are not made: a strict
//! server on 127.0.0.1 that reads every request as a server framework does
//! (tests/common/wire.rs) and answers 400 to anything its spec does not
//! allow gives no `negative_data_rejection`, for a spec holding the shapes
//! where a violation used to vanish on the way: a scalar for an array of
//! strings, `Accept` and `Content-Type` header parameters (never sent), a
//! urlencoded body whose broken type still parses as a form, and a path
//! parameter the template does not hold. The same server with one slot left
//! unchecked is found, so the scan does send negative cases there.

use crate::support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use apiprobe::model::Api;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use support::ScanBuilder;

#[path = "../common/wire.rs"]
mod wire;

const SPEC: &str = r#"
openapi: 3.0.3
info: { title: strict library, version: '1' }
paths:
  /shelves/{shelf}:
    get:
      operationId: browseShelf
      parameters:
        - { name: shelf, in: path, required: true, schema: { type: string, maxLength: 12 } }
        - { name: edition, in: path, required: true, schema: { type: integer, minimum: 1 } }
        - { name: labels, in: query, schema: { type: array, items: { type: string } } }
        - { name: Accept, in: header, required: true, schema: { type: string, enum: [application/json] } }
        - { name: Content-Type, in: header, schema: { type: string, pattern: '^text/' } }
      responses:
        '200': { description: the shelf }
        '400': { description: invalid }
  /subscriptions:
    post:
      operationId: subscribe
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              properties:
                email: { type: string }
                weekly: { type: boolean }
      responses:
        '200': { description: subscribed }
        '400': { description: invalid }
"#;

/// The strict server: its spec, its judge, and how many requests it refused.
struct Strict {
    api: Api,
    judge: Mutex<wire::Judge>,
    /// A parameter it does not check (the look-alike of a lax server).
    unchecked: Option<&'static str>,
    refused: AtomicU64,
}

async fn answer(
    State(st): State<Arc<Strict>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let content_type = headers
        .iter()
        .find(|(n, _)| n == "content-type")
        .map(|(_, v)| v.clone());
    let w = wire::Wire {
        path: uri.path().to_owned(),
        query: uri.query().unwrap_or_default().to_owned(),
        body: content_type
            .filter(|_| !body.is_empty())
            .map(|ct| (ct, body.to_vec())),
        headers,
    };
    let Some(op) = wire::operation_for(&st.api, method.as_str(), &w.path) else {
        return StatusCode::NOT_FOUND;
    };
    let invalid = match st.judge.lock() {
        Ok(mut judge) => judge.first_invalid(&st.api, op, &w),
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR,
    };
    match invalid {
        Some(slot) if st.unchecked.is_none_or(|u| !slot.ends_with(u)) => {
            st.refused.fetch_add(1, Ordering::Relaxed);
            StatusCode::BAD_REQUEST
        }
        _ => StatusCode::OK,
    }
}

/// Scans the strict server (with `unchecked` left unchecked) with `seed`:
/// the `negative_data_rejection` findings' signatures, and how many
/// requests the server refused.
fn scan(seed: u64, unchecked: Option<&'static str>) -> (Vec<String>, u64) {
    let rt = support::runtime();
    let strict = Arc::new(Strict {
        api: support::api(SPEC),
        judge: Mutex::new(wire::Judge::default()),
        unchecked,
        refused: AtomicU64::new(0),
    });
    let app = Router::new()
        .fallback(answer)
        .with_state(Arc::clone(&strict));
    let result = rt.block_on(async {
        let url = support::serve(app).await;
        ScanBuilder::new(support::api(SPEC), url)
            .checks(["negative_data_rejection"])
            .seed(seed)
            .run()
            .await
    });
    let found = support::of(&result, "negative_data_rejection")
        .iter()
        .map(|f| format!("{} {}", f.operation.id, f.signature))
        .collect();
    (found, strict.refused.load(Ordering::Relaxed))
}

#[test]
fn a_strict_server_gives_no_negative_data_rejection_for_vanishing_violations() {
    for seed in 1..=6 {
        let (found, refused) = scan(seed, None);
        assert!(found.is_empty(), "seed {seed}: {found:?}");
        assert!(
            refused > 0,
            "seed {seed}: no negative case reached the server"
        );
    }
}

#[test]
fn the_same_server_leaving_the_shelf_unchecked_is_found() {
    for seed in 1..=3 {
        let (found, _) = scan(seed, Some("path shelf"));
        assert!(
            found
                .iter()
                .any(|f| f.starts_with("browseShelf path:shelf:")),
            "seed {seed}: {found:?}"
        );
    }
}
