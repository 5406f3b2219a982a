//! `stored_xss` (issue 28): the demo's board renders a stored headline
//! unescaped, found with every seed and the write and the read named;
//! nothing on the repaired demo. A message wall of another shape (200 on
//! creation, ids named `messageId`, no credentials) is silent when its
//! page escapes the stored text or when its JSON has no page that renders
//! it; the same wall with a raw page, or a client-side page fetching the
//! JSON, gives the finding (confirmed, likely). What the probe stored is
//! deleted at the end.
#![cfg(feature = "demo")]

use crate::support;

use std::sync::{Arc, Mutex};

use apiprobe::checks::{Confidence, Finding};
use apiprobe::demo::{DEMO_ACCOUNT, DEMO_IDENTITIES, DemoConfig, serve as serve_demo};
use apiprobe::engine::ScanResult;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use support::{ScanBuilder, active_only, listing, of, proof};

const SEEDS: [u64; 10] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

async fn scan_demo(fixed: bool, seed: u64) -> (ScanResult, Vec<Value>) {
    let server = serve_demo(DemoConfig { fixed })
        .await
        .expect("the demo starts");
    let result = ScanBuilder::new(support::demo_api(), server.base_url())
        .checks(["stored_xss"])
        .plan(active_only())
        .seed(seed)
        .login(DEMO_ACCOUNT)
        .identities(
            DEMO_IDENTITIES
                .map(|(name, role, password)| format!("{name}:{role}=login:{name}:{password}")),
        )
        .run()
        .await;
    let ads = reqwest::get(format!("{}/ads", server.base_url()))
        .await
        .expect("GET /ads")
        .text()
        .await
        .expect("a body");
    server.shutdown().await;
    let ads: Value = serde_json::from_str(&ads).expect("JSON");
    (result, ads.as_array().cloned().unwrap_or_default())
}

fn on<'a>(result: &'a ScanResult, operation: &str) -> Vec<&'a Finding> {
    of(result, "stored_xss")
        .into_iter()
        .filter(|f| f.operation.id == operation)
        .collect()
}

#[test]
fn the_demos_board_renders_a_stored_headline_with_every_seed() {
    support::runtime().block_on(async {
        for seed in SEEDS {
            let (flawed, ads) = scan_demo(false, seed).await;
            let hits = on(&flawed, "createAd");
            let f = hits
                .iter()
                .find(|f| f.signature == "stored /headline")
                .unwrap_or_else(|| panic!("seed {seed}: {:#?}", listing(&flawed)));
            assert_eq!(f.confidence, Confidence::Confirmed, "seed {seed}");
            assert_eq!(f.cwe, Some(79));
            assert!(
                proof(f, "write").is_some_and(|w| w.starts_with("POST ") && w.contains("/ads")),
                "{:?}",
                f.proof
            );
            assert!(
                proof(f, "read").is_some_and(|r| r.contains("/board -> 200")),
                "{:?}",
                f.proof
            );
            let canary = proof(f, "canary").expect("a canary");
            assert!(f.curl.contains("/board"), "{}", f.curl);
            assert!(
                proof(f, "write_curl").is_some_and(|c| c.contains(canary)),
                "{:?}",
                f.proof
            );
            // the read shown holds the markup; what was stored is deleted
            let body = &f.response.as_ref().expect("a response").body;
            assert!(body.contains(&format!("<{canary}>")), "{body}");
            assert!(
                !ads.iter().any(|a| a.to_string().contains(canary)),
                "seed {seed}: the stored ad is still there: {ads:?}"
            );
            // the notes are JSON only: no page renders them
            assert!(
                on(&flawed, "createNote").is_empty(),
                "{:#?}",
                listing(&flawed)
            );
            let (fixed, _) = scan_demo(true, seed).await;
            assert!(
                of(&fixed, "stored_xss").is_empty(),
                "seed {seed}: {:#?}",
                listing(&fixed)
            );
        }
    });
}

/// How the wall's page shows the messages.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Page {
    /// Each subject escaped.
    Escaped,
    /// Each subject as stored.
    Raw,
    /// A page that fetches the JSON and renders it in the browser.
    ClientSide,
    /// A page that shows no message at all.
    Unrelated,
}

struct Wall {
    page: Page,
    messages: Mutex<Vec<(String, String, String)>>,
    next: Mutex<u64>,
}

type Shared = State<Arc<Wall>>;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn message_json((id, subject, content): &(String, String, String)) -> Value {
    json!({"messageId": id, "subject": subject, "content": content})
}

async fn list(State(wall): Shared) -> Response {
    let all: Vec<Value> = wall
        .messages
        .lock()
        .unwrap()
        .iter()
        .map(message_json)
        .collect();
    axum::Json(Value::Array(all)).into_response()
}

async fn post(State(wall): Shared, body: Bytes) -> Response {
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::UNPROCESSABLE_ENTITY, "bad json").into_response();
    };
    let (Some(subject), Some(content)) = (v["subject"].as_str(), v["content"].as_str()) else {
        return (StatusCode::UNPROCESSABLE_ENTITY, "subject and content").into_response();
    };
    let id = {
        let mut next = wall.next.lock().unwrap();
        *next += 1;
        format!("m-{next}")
    };
    let m = (id, subject.to_owned(), content.to_owned());
    let answer = message_json(&m);
    wall.messages.lock().unwrap().push(m);
    axum::Json(answer).into_response()
}

async fn read(State(wall): Shared, Path(id): Path<String>) -> Response {
    match wall.messages.lock().unwrap().iter().find(|m| m.0 == id) {
        Some(m) => axum::Json(message_json(m)).into_response(),
        None => (StatusCode::NOT_FOUND, "no such message").into_response(),
    }
}

async fn delete(State(wall): Shared, Path(id): Path<String>) -> Response {
    let mut messages = wall.messages.lock().unwrap();
    let before = messages.len();
    messages.retain(|m| m.0 != id);
    match messages.len() < before {
        true => StatusCode::NO_CONTENT.into_response(),
        false => (StatusCode::NOT_FOUND, "no such message").into_response(),
    }
}

async fn page(State(wall): Shared) -> Response {
    let items: String = wall
        .messages
        .lock()
        .unwrap()
        .iter()
        .map(|(_, subject, _)| match wall.page {
            Page::Escaped => format!("<article><h3>{}</h3></article>", escape(subject)),
            Page::Raw => format!("<article><h3>{subject}</h3></article>"),
            Page::ClientSide | Page::Unrelated => String::new(),
        })
        .collect();
    // the escaping page links its JSON too: it is judged by what it holds
    let link = match wall.page {
        Page::Escaped => "<a href=\"/api/v2/messages\">as JSON</a>",
        _ => "",
    };
    let script = match wall.page {
        Page::ClientSide => {
            "<script>fetch('/api/v2/messages').then(r => r.json()).then(ms => { wall.innerHTML = ms.map(m => m.subject).join('<br>'); });</script>"
        }
        _ => "",
    };
    let html = format!(
        "<!doctype html><html><head><title>Wall</title></head><body><main id=wall>{items}</main>{link}{script}</body></html>"
    );
    ([(header::CONTENT_TYPE, "text/html")], html).into_response()
}

const WALL_SPEC: &str = r#"
openapi: 3.0.3
info: { title: wall, version: '1' }
paths:
  /api/v2/messages:
    get:
      operationId: listMessages
      responses:
        '200': { description: ok, content: { application/json: { schema: { type: array, items: { type: object } } } } }
    post:
      operationId: postMessage
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [subject, content]
              properties:
                subject: { type: string, maxLength: 80 }
                content: { type: string }
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: { type: object, properties: { messageId: { type: string }, subject: { type: string } } }
  /api/v2/messages/{messageId}:
    parameters:
      - { name: messageId, in: path, required: true, schema: { type: string } }
    get:
      operationId: getMessage
      responses:
        '200': { description: ok, content: { application/json: { schema: { type: object } } } }
    delete:
      operationId: deleteMessage
      responses:
        '204': { description: deleted }
  /wall:
    get:
      operationId: wallPage
      responses:
        '200': { description: the page, content: { text/html: { schema: { type: string } } } }
"#;

/// Scans a wall whose page is `page` with `seed`; the findings, and the
/// messages left at the end.
async fn scan_wall(page: Page, seed: u64) -> (ScanResult, Vec<(String, String, String)>) {
    let wall = Arc::new(Wall {
        page,
        messages: Mutex::new(Vec::new()),
        next: Mutex::new(0),
    });
    let app = Router::new()
        .route("/api/v2/messages", get(list).post(post))
        .route("/api/v2/messages/{messageId}", get(read).delete(delete))
        .route("/wall", get(self::page))
        .with_state(Arc::clone(&wall));
    let base = support::serve(app).await;
    let result = ScanBuilder::new(support::api(WALL_SPEC), base)
        .checks(["stored_xss"])
        .plan(active_only())
        .seed(seed)
        .run()
        .await;
    let left = wall.messages.lock().unwrap().clone();
    (result, left)
}

#[test]
fn a_wall_that_escapes_or_renders_no_message_gives_no_finding() {
    support::runtime().block_on(async {
        for seed in [1, 2, 3] {
            for page in [Page::Escaped, Page::Unrelated] {
                let (result, left) = scan_wall(page, seed).await;
                assert!(
                    of(&result, "stored_xss").is_empty(),
                    "{page:?} seed {seed}: {:#?}",
                    listing(&result)
                );
                // the probe wrote (and deleted) its canaries all the same
                assert!(
                    !left.iter().any(|m| m.1.contains('<')),
                    "{page:?}: {left:?}"
                );
                assert!(result.stats.requests > 3, "{:?}", result.stats);
            }
        }
    });
}

#[test]
fn a_wall_that_renders_raw_or_on_the_client_is_found() {
    support::runtime().block_on(async {
        for seed in [1, 2, 3] {
            let (raw, left) = scan_wall(Page::Raw, seed).await;
            let f = of(&raw, "stored_xss")
                .into_iter()
                .find(|f| f.operation.id == "postMessage" && f.signature == "stored /subject")
                .unwrap_or_else(|| panic!("seed {seed}: {:#?}", listing(&raw)));
            assert_eq!(f.confidence, Confidence::Confirmed);
            assert!(
                proof(f, "read").is_some_and(|r| r.contains("/wall")),
                "{:?}",
                f.proof
            );
            assert!(!left.iter().any(|m| m.1.contains('<')), "{left:?}");

            let (client, _) = scan_wall(Page::ClientSide, seed).await;
            let f = of(&client, "stored_xss")
                .into_iter()
                .find(|f| f.operation.id == "postMessage" && f.signature == "stored /subject")
                .unwrap_or_else(|| panic!("seed {seed}: {:#?}", listing(&client)));
            assert_eq!(f.confidence, Confidence::Likely);
            assert_eq!(proof(f, "html_page"), Some("GET /wall"));
            assert!(
                proof(f, "read").is_some_and(|r| r.contains("/api/v2/messages")),
                "{:?}",
                f.proof
            );
        }
    });
}
