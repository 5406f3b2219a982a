//! The pool of live resources against a small server on loopback that
//! answers 404 for ids it does not know: with a producer in the spec, the
//! plan's valid probes name a thing that exists (2xx), and a crash that only
//! an existing thing's report shows is found by a plan check; a listing
//! feeds the pool in a read-only scan; what the pool created is deleted at
//! the end; without a producer nothing changes.

use crate::support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use apiprobe::engine::{Event, Observer, ScanResult, Stop};
use apiprobe::model::Api;
use apiprobe::probes::{PlanOptions, ProbeKind};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use support::{ScanBuilder, api, plan, runtime, serve};

const THINGS: &str = r#"
openapi: 3.0.3
info: {title: things, version: '1'}
paths:
  /things:
    get:
      operationId: listThings
      responses:
        '200':
          description: the things
          content:
            application/json:
              schema:
                type: array
                items:
                  type: object
                  properties:
                    thingId: {type: string}
    post:
      operationId: createThing
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: {type: string, minLength: 1, maxLength: 20}
      responses:
        '201':
          description: created
          content:
            application/json:
              schema:
                type: object
                properties:
                  thingId: {type: string}
                  name: {type: string}
  /things/{thingId}:
    get:
      operationId: getThing
      parameters:
        - {name: thingId, in: path, required: true, schema: {type: string, pattern: '^[a-z0-9-]{1,40}$'}}
      responses:
        '200':
          description: the thing
          content:
            application/json:
              schema:
                type: object
                properties:
                  thingId: {type: string}
        '404': {description: no such thing}
    delete:
      operationId: deleteThing
      parameters:
        - {name: thingId, in: path, required: true, schema: {type: string, pattern: '^[a-z0-9-]{1,40}$'}}
      responses:
        '204': {description: deleted}
        '404': {description: no such thing}
  /things/{thingId}/report:
    get:
      operationId: thingReport
      parameters:
        - {name: thingId, in: path, required: true, schema: {type: string, pattern: '^[a-z0-9-]{1,40}$'}}
      responses:
        '200': {description: the report}
        '404': {description: no such thing}
"#;

#[derive(Default)]
struct Things {
    items: Mutex<Vec<String>>,
    created: AtomicU64,
    deleted: AtomicU64,
}

impl Things {
    fn has(&self, id: &str) -> bool {
        self.items.lock().unwrap().iter().any(|i| i == id)
    }
}

async fn list(State(s): State<Arc<Things>>) -> Response {
    let items: Vec<_> = s
        .items
        .lock()
        .unwrap()
        .iter()
        .map(|i| json!({"thingId": i}))
        .collect();
    axum::Json(items).into_response()
}

async fn create(State(s): State<Arc<Things>>) -> Response {
    let n = s.created.fetch_add(1, Ordering::SeqCst);
    let id = format!("thing-{}", 7000 + n * 13);
    s.items.lock().unwrap().push(id.clone());
    (
        StatusCode::CREATED,
        axum::Json(json!({"thingId": id, "name": "x"})),
    )
        .into_response()
}

async fn read(State(s): State<Arc<Things>>, Path(id): Path<String>) -> Response {
    if s.has(&id) {
        axum::Json(json!({"thingId": id})).into_response()
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

async fn delete(State(s): State<Arc<Things>>, Path(id): Path<String>) -> Response {
    let mut items = s.items.lock().unwrap();
    let before = items.len();
    items.retain(|i| *i != id);
    if items.len() < before {
        s.deleted.fetch_add(1, Ordering::SeqCst);
        StatusCode::NO_CONTENT.into_response()
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

/// The report of an existing thing crashes (a bug only real data reaches).
async fn report(State(s): State<Arc<Things>>, Path(id): Path<String>) -> Response {
    if s.has(&id) {
        (StatusCode::INTERNAL_SERVER_ERROR, "report renderer failed").into_response()
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

async fn start(things: Arc<Things>) -> String {
    let app = Router::new()
        .route("/things", get(list).post(create))
        .route("/things/{thingId}", get(read).delete(delete))
        .route("/things/{thingId}/report", get(report))
        .with_state(things);
    serve(app).await
}

/// The statuses of the plan's exchanges, by operation id and probe kind.
#[derive(Default)]
struct Seen(Mutex<Vec<(String, ProbeKind, u16)>>);

impl Observer for Seen {
    fn on_event(&self, event: &Event<'_>) {
        if let Event::Exchange {
            operation,
            probe,
            exchange,
        } = event
            && let Some(r) = exchange.response()
        {
            self.0
                .lock()
                .unwrap()
                .push((operation.id.clone(), (*probe).clone(), r.status));
        }
    }
}

impl Seen {
    /// Statuses of plan probes of `kind` on operation `id`.
    fn statuses(&self, id: &str, kind: &ProbeKind) -> Vec<u16> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|(o, k, _)| o == id && k == kind)
            .map(|(_, _, s)| *s)
            .collect()
    }
}

async fn scan(api: Api, base: String, read_only: bool) -> (ScanResult, Arc<Seen>) {
    let seen = Arc::new(Seen::default());
    let result = ScanBuilder::new(api, base)
        .checks(["not_a_server_error"])
        .seed(11)
        .concurrency(4)
        .plan(PlanOptions {
            negative: 4,
            read_only,
            ..plan(6)
        })
        .guard(Duration::from_secs(120))
        .run_with(Arc::clone(&seen) as _, Stop::new())
        .await;
    (result, seen)
}

fn crashes_on_report(result: &ScanResult) -> bool {
    result
        .findings
        .iter()
        .any(|f| f.check == "not_a_server_error" && f.operation.id == "thingReport")
}

#[test]
fn plan_probes_name_live_things_and_find_what_only_they_reach() {
    runtime().block_on(async {
        let things = Arc::new(Things::default());
        let base = start(Arc::clone(&things)).await;
        let (result, seen) = scan(api(THINGS), base, false).await;
        let positive = seen.statuses("getThing", &ProbeKind::Positive);
        assert_eq!(positive.len(), 6, "{positive:?}");
        assert!(
            positive.iter().all(|s| *s == 200),
            "every valid probe of getThing names a live thing: {positive:?}"
        );
        assert!(
            crashes_on_report(&result),
            "the crash behind an existing thing's report is found: {:?}",
            result.findings
        );
        // positive probes of getThing and thingReport at least (negative ones too)
        assert!(result.stats.live_ids >= 12, "{:?}", result.stats);
        // the pool created once per producer, and cleanup deleted it
        assert!(things.created.load(Ordering::SeqCst) >= 1);
        assert!(things.deleted.load(Ordering::SeqCst) >= 1);
        assert!(
            seen.statuses("deleteThing", &ProbeKind::Positive)
                .iter()
                .all(|s| *s == 404),
            "DELETE probes keep their generated ids"
        );
    });
}

#[test]
fn a_listing_feeds_a_read_only_scan() {
    runtime().block_on(async {
        let things = Arc::new(Things::default());
        things.items.lock().unwrap().push("thing-1".into());
        let base = start(Arc::clone(&things)).await;
        let (result, seen) = scan(api(THINGS), base, true).await;
        assert_eq!(things.created.load(Ordering::SeqCst), 0, "no write");
        let positive = seen.statuses("getThing", &ProbeKind::Positive);
        assert!(
            !positive.is_empty() && positive.iter().all(|s| *s == 200),
            "{positive:?}"
        );
        assert!(crashes_on_report(&result), "{:?}", result.findings);
    });
}

#[test]
fn without_a_producer_plan_probes_keep_their_generated_ids() {
    runtime().block_on(async {
        // the same API without the collection: nothing produces thingId
        let spec = THINGS.replace("  /things:\n", "  /unrelated:\n");
        let things = Arc::new(Things::default());
        things.items.lock().unwrap().push("thing-1".into());
        let base = start(Arc::clone(&things)).await;
        let (result, seen) = scan(api(&spec), base, false).await;
        assert_eq!(result.stats.live_ids, 0);
        let positive = seen.statuses("getThing", &ProbeKind::Positive);
        assert!(
            !positive.is_empty() && positive.iter().all(|s| *s == 404),
            "{positive:?}"
        );
        assert!(!crashes_on_report(&result), "{:?}", result.findings);
    });
}
