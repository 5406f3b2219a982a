//! bola over the objects the API already holds and over resources keyed
//! by a name the client chose: the demo's drafts (flaw 50) and seeded
//! invoices (flaw 51) found with every one of 10 seeds, none when fixed;
//! small servers of other shapes (`/api/v2/...`, Basic identities,
//! 200-with-error answers) with the flaws and their look-alikes (a public
//! listing, a shared object, a write that answers 200 and changes
//! nothing, a creation that refuses the maximal request).
#![cfg(feature = "demo")]

use crate::support;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use apiprobe::checks::Finding;
use apiprobe::demo::{DEMO_ACCOUNT, DEMO_IDENTITIES, DemoConfig, serve};
use apiprobe::engine::ScanResult;
use apiprobe::probes::Profile;
use support::{ScanBuilder, active_only, runtime};

const SEEDS: std::ops::RangeInclusive<u64> = 1..=10;

/// The demo's authorization flaws of this issue's part, as (operation, signature).
const DEMO_FLAWS: [(&str, &str); 4] = [
    ("getDraft", "cross_identity:read"),
    ("updateDraft", "cross_identity:changed"),
    ("getInvoice", "cross_identity:read"),
    ("getNote", "cross_identity:read"),
];

/// Scans the demo with `bola` only, as `apiprobe demo` signs in: the scan
/// as alice, alice and bob as named identities.
fn scan_demo(fixed: bool, seed: u64, profile: Profile) -> (ScanResult, String) {
    runtime().block_on(async {
        let server = serve(DemoConfig { fixed }).await.expect("the demo starts");
        let url = server.base_url();
        let result = ScanBuilder::new(support::demo_api(), url.clone())
            .checks(["bola"])
            .plan(active_only())
            .profile(profile)
            .seed(seed)
            .login(DEMO_ACCOUNT)
            .identities(
                DEMO_IDENTITIES
                    .map(|(name, role, password)| format!("{name}:{role}=login:{name}:{password}")),
            )
            .guard(Duration::from_secs(120))
            .run()
            .await;
        // what alice's invoice holds once the scan is over
        let memo = invoice_memo(&url).await;
        server.shutdown().await;
        (result, memo)
    })
}

/// Alice's invoice 7001's memo, read as alice.
async fn invoice_memo(url: &str) -> String {
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let login = client
        .post(format!("{url}/auth/login"))
        .header("content-type", "application/json")
        .body(r#"{"username":"alice","password":"wonderland"}"#)
        .send()
        .await
        .expect("login");
    let body: serde_json::Value =
        serde_json::from_str(&login.text().await.expect("body")).expect("json");
    let token = body["token"].as_str().expect("token").to_owned();
    let invoice = client
        .get(format!("{url}/invoices/7001"))
        .bearer_auth(token)
        .send()
        .await
        .expect("read");
    let body: serde_json::Value =
        serde_json::from_str(&invoice.text().await.expect("body")).expect("json");
    body["memo"].as_str().unwrap_or("").to_owned()
}

fn bola(result: &ScanResult) -> Vec<&Finding> {
    result
        .findings
        .iter()
        .filter(|f| f.check == "bola")
        .collect()
}

fn has(result: &ScanResult, operation: &str, signature: &str) -> bool {
    bola(result)
        .iter()
        .any(|f| f.operation.id == operation && f.signature == signature)
}

fn proof<'a>(f: &'a Finding, name: &str) -> &'a str {
    f.proof
        .iter()
        .find(|p| p.name == name)
        .map(|p| p.value.as_str())
        .unwrap_or_else(|| panic!("no proof item {name} in {:?}", f.proof))
}

fn find<'a>(result: &'a ScanResult, operation: &str) -> &'a Finding {
    bola(result)
        .into_iter()
        .find(|f| f.operation.id == operation)
        .unwrap_or_else(|| panic!("no bola finding on {operation}: {:?}", summary(result)))
}

fn summary(result: &ScanResult) -> Vec<String> {
    result
        .findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {}: {}",
                f.check, f.operation.id, f.signature, f.evidence
            )
        })
        .collect()
}

#[test]
fn the_demos_objects_of_other_users_are_found_with_every_seed() {
    let mut table: Vec<String> = Vec::new();
    let mut first: Option<BTreeSet<(String, String)>> = None;
    for seed in SEEDS {
        let (result, memo) = scan_demo(false, seed, Profile::Standard);
        let row: Vec<&str> = DEMO_FLAWS
            .iter()
            .map(|(op, sig)| {
                if has(&result, op, sig) {
                    "found"
                } else {
                    "missed"
                }
            })
            .collect();
        table.push(format!("seed {seed:>2}: {row:?}"));
        for (op, sig) in DEMO_FLAWS {
            assert!(
                has(&result, op, sig),
                "seed {seed}: no bola {sig} on {op}: {:?}",
                summary(&result)
            );
        }
        // the seeded invoices are not written to without --profile aggressive
        assert!(!has(&result, "updateInvoice", "cross_identity:changed"));
        assert_eq!(memo, "tea sets for the party", "seed {seed}");
        // the draft's name came from the request: no id in the answer
        let draft = find(&result, "getDraft");
        assert!(
            proof(draft, "owner_create").starts_with("POST "),
            "{:?}",
            draft.proof
        );
        // the invoice is alice's by what each identity's listing shows
        let invoice = find(&result, "getInvoice");
        assert!(
            proof(invoice, "attributed").contains("listing shows it"),
            "{:?}",
            invoice.proof
        );
        assert!(
            proof(invoice, "listings").contains("/invoices"),
            "{:?}",
            invoice.proof
        );
        // the write is confirmed by the owner's read-back, then undone
        let write = find(&result, "updateDraft");
        assert!(
            proof(write, "change").contains("intruder's value"),
            "{:?}",
            write.proof
        );
        assert!(proof(write, "owner_read_back").starts_with("GET "));
        assert!(proof(write, "owner_restore").starts_with("PUT "));
        let pairs: BTreeSet<(String, String)> = bola(&result)
            .iter()
            .map(|f| (f.operation.id.clone(), f.signature.clone()))
            .collect();
        match &first {
            None => first = Some(pairs),
            Some(first) => assert_eq!(first, &pairs, "seed {seed}"),
        }
    }
    eprintln!(
        "bola on the demo over 10 seeds ({DEMO_FLAWS:?}):\n{}",
        table.join("\n")
    );
}

#[test]
fn the_demos_seeded_invoices_are_changed_with_the_aggressive_profile_and_restored() {
    for seed in SEEDS {
        let (result, memo) = scan_demo(false, seed, Profile::Aggressive);
        let f = bola(&result)
            .into_iter()
            .find(|f| f.operation.id == "updateInvoice")
            .unwrap_or_else(|| panic!("seed {seed}: {:?}", summary(&result)));
        assert_eq!(f.signature, "cross_identity:changed");
        assert!(
            proof(f, "owner_restore").starts_with("PATCH "),
            "{:?}",
            f.proof
        );
        // what bob wrote was written back
        assert_eq!(memo, "tea sets for the party", "seed {seed}");
    }
}

#[test]
fn the_fixed_demo_gives_no_bola_finding() {
    for seed in SEEDS {
        let (result, _) = scan_demo(true, seed, Profile::Aggressive);
        assert!(
            bola(&result).is_empty(),
            "seed {seed}: {:?}",
            summary(&result)
        );
        assert!(result.stats.active_requests > 10, "{:?}", result.stats);
    }
}

// ---- small servers of other shapes -----------------------------------

/// How the v2 server behaves.
#[derive(Clone, Copy, Default)]
struct Shape {
    /// Any user reads any note by its slug (else 200 with an error).
    reads_any_note: bool,
    /// Any user's PUT changes any note (else: the PUT answers 200 and
    /// changes nothing when the note is not the caller's).
    writes_any_note: bool,
    /// Any user reads any record by its key.
    reads_any_record: bool,
    /// A creation with the optional `color` answers 400.
    refuses_color: bool,
}

#[derive(Default)]
struct Store {
    /// (owner, slug, body)
    notes: Vec<(String, String, String)>,
    /// Notes created.
    created: u64,
}

const V2: &str = r#"
openapi: 3.0.3
info: {title: v2, version: "2"}
components:
  securitySchemes:
    basic: {type: http, scheme: basic}
security: [{basic: []}]
paths:
  /api/v2/notes:
    post:
      operationId: putNote
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [slug, body]
              properties:
                slug: {type: string, pattern: '^[a-z]{6,12}$'}
                body: {type: string, maxLength: 80}
                color: {type: string, enum: [red, blue]}
      responses:
        "200":
          description: saved
          content:
            application/json:
              schema: {type: object, properties: {ok: {type: boolean}, error: {type: string}}}
  /api/v2/notes/{slug}:
    parameters:
      - {name: slug, in: path, required: true, schema: {type: string}}
    get:
      operationId: readNote
      responses:
        "200":
          description: the note, or an error
          content:
            application/json:
              schema: {type: object}
    put:
      operationId: editNote
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [body], properties: {body: {type: string, maxLength: 80}}}
      responses:
        "200": {description: done, content: {application/json: {schema: {type: object}}}}
  /api/v2/records:
    get:
      operationId: myRecords
      responses:
        "200":
          description: the caller's records and the shared ones
          content:
            application/json:
              schema:
                type: object
                properties:
                  items:
                    type: array
                    items:
                      type: object
                      properties: {recordKey: {type: string}, createdBy: {type: string}, total: {type: integer}}
  /api/v2/records/{recordKey}:
    parameters:
      - {name: recordKey, in: path, required: true, schema: {type: string}}
    get:
      operationId: readRecord
      responses:
        "200": {description: one, content: {application/json: {schema: {type: object}}}}
  /api/v2/posts:
    get:
      operationId: allPosts
      responses:
        "200":
          description: every post, public
          content:
            application/json:
              schema:
                type: array
                items: {type: object, properties: {postId: {type: integer}, author: {type: string}}}
  /api/v2/posts/{postId}:
    parameters:
      - {name: postId, in: path, required: true, schema: {type: integer}}
    get:
      operationId: readPost
      responses:
        "200": {description: one, content: {application/json: {schema: {type: object}}}}
"#;

/// The seeded records: (key, creator, shared with the other user).
const RECORDS: [(&str, &str, bool); 4] = [
    ("r-ann-1", "ann", false),
    ("r-ben-1", "ben", false),
    ("r-ann-shared", "ann", true),
    ("r-ben-2", "ben", false),
];

const POSTS: [(u64, &str); 2] = [(11, "ann"), (12, "ben")];

/// The Basic user of a request, if any.
fn user_of(headers: &axum::http::HeaderMap) -> Option<String> {
    use base64::Engine as _;
    let value = headers.get("authorization")?.to_str().ok()?;
    let b64 = value.strip_prefix("Basic ")?;
    let text =
        String::from_utf8(base64::engine::general_purpose::STANDARD.decode(b64).ok()?).ok()?;
    let (user, password) = text.split_once(':')?;
    (password == "pw" && matches!(user, "ann" | "ben")).then(|| user.to_owned())
}

async fn v2_server(shape: Shape) -> (String, Arc<Mutex<Store>>, tokio::task::JoinHandle<()>) {
    use axum::extract::{Path, State};
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::get;
    use serde_json::{Value, json};
    type S = State<Arc<Mutex<Store>>>;
    let store = Arc::new(Mutex::new(Store::default()));
    let denied = || {
        (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": "sign in"})),
        )
    };
    // 200 with an error: this API's convention for everything that fails
    let failed = |m: &str| (StatusCode::OK, axum::Json(json!({"error": m})));
    let app = axum::Router::new()
        .route(
            "/api/v2/notes",
            axum::routing::post(
                move |State(s): S, headers: HeaderMap, body: axum::body::Bytes| async move {
                    let Some(user) = user_of(&headers) else {
                        return denied();
                    };
                    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
                        return failed("bad json");
                    };
                    let (Some(slug), Some(text)) = (v["slug"].as_str(), v["body"].as_str()) else {
                        return failed("slug and body are required");
                    };
                    if shape.refuses_color && v.get("color").is_some() {
                        return (
                            StatusCode::BAD_REQUEST,
                            axum::Json(json!({"error": "color is not supported yet"})),
                        );
                    }
                    let Ok(mut st) = s.lock() else {
                        return failed("busy");
                    };
                    if st.notes.iter().any(|(_, s, _)| s == slug) {
                        return (
                            StatusCode::CONFLICT,
                            axum::Json(json!({"error": "slug already taken"})),
                        );
                    }
                    st.notes.push((user, slug.to_owned(), text.to_owned()));
                    st.created += 1;
                    (StatusCode::OK, axum::Json(json!({"ok": true})))
                },
            ),
        )
        .route(
            "/api/v2/notes/{slug}",
            get(
                move |State(s): S, headers: HeaderMap, Path(slug): Path<String>| async move {
                    let Some(user) = user_of(&headers) else {
                        return denied();
                    };
                    let Ok(st) = s.lock() else {
                        return failed("busy");
                    };
                    match st.notes.iter().find(|(_, s, _)| *s == slug) {
                        Some((owner, slug, body)) if *owner == user || shape.reads_any_note => (
                            StatusCode::OK,
                            axum::Json(json!({"slug": slug, "body": body, "by": owner})),
                        ),
                        _ => failed("no such note"),
                    }
                },
            )
            .put(
                move |State(s): S,
                      headers: HeaderMap,
                      Path(slug): Path<String>,
                      body: axum::body::Bytes| async move {
                    let Some(user) = user_of(&headers) else {
                        return denied();
                    };
                    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
                        return failed("bad json");
                    };
                    let Some(text) = v["body"].as_str() else {
                        return failed("body is required");
                    };
                    let Ok(mut st) = s.lock() else {
                        return failed("busy");
                    };
                    let Some(note) = st.notes.iter_mut().find(|(_, s, _)| *s == slug) else {
                        return failed("no such note");
                    };
                    if note.0 == user || shape.writes_any_note {
                        note.2 = text.to_owned();
                    }
                    // the look-alike: 200 whatever happened
                    (StatusCode::OK, axum::Json(json!({"ok": true})))
                },
            ),
        )
        .route(
            "/api/v2/records",
            get(move |headers: HeaderMap| async move {
                let Some(user) = user_of(&headers) else {
                    return denied();
                };
                let items: Vec<Value> = RECORDS
                    .iter()
                    .filter(|(_, by, shared)| *by == user || *shared)
                    .map(|(key, by, _)| json!({"recordKey": key, "createdBy": by, "total": 3}))
                    .collect();
                (StatusCode::OK, axum::Json(json!({ "items": items })))
            }),
        )
        .route(
            "/api/v2/records/{recordKey}",
            get(
                move |headers: HeaderMap, Path(key): Path<String>| async move {
                    let Some(user) = user_of(&headers) else {
                        return denied();
                    };
                    match RECORDS.iter().find(|(k, _, _)| *k == key) {
                        Some((k, by, shared))
                            if *by == user || *shared || shape.reads_any_record =>
                        {
                            (
                                StatusCode::OK,
                                axum::Json(json!({"recordKey": k, "createdBy": by, "total": 3})),
                            )
                        }
                        _ => failed("no such record"),
                    }
                },
            ),
        )
        .route(
            "/api/v2/posts",
            get(move |headers: HeaderMap| async move {
                if user_of(&headers).is_none() {
                    return denied();
                }
                let posts: Vec<Value> = POSTS
                    .iter()
                    .map(|(id, by)| json!({"postId": id, "author": by}))
                    .collect();
                (StatusCode::OK, axum::Json(Value::Array(posts)))
            }),
        )
        .route(
            "/api/v2/posts/{postId}",
            get(move |headers: HeaderMap, Path(id): Path<u64>| async move {
                if user_of(&headers).is_none() {
                    return denied();
                }
                match POSTS.iter().find(|(i, _)| *i == id) {
                    Some((id, by)) => (
                        StatusCode::OK,
                        axum::Json(json!({"postId": id, "author": by})),
                    ),
                    None => failed("no such post"),
                }
            }),
        )
        .with_state(Arc::clone(&store));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let handle = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, store, handle)
}

/// Scans the v2 server with `bola` only, as ann and ben (Basic).
fn scan_v2(shape: Shape, seed: u64) -> (ScanResult, u64) {
    runtime().block_on(async {
        let (url, store, server) = v2_server(shape).await;
        let result = ScanBuilder::new(support::api(V2), url)
            .checks(["bola"])
            .plan(active_only())
            .seed(seed)
            .identities(["ann=basic:ann:pw", "ben=basic:ben:pw"])
            .guard(Duration::from_secs(60))
            .run()
            .await;
        server.abort();
        let created = store.lock().map(|s| s.created).unwrap_or(0);
        (result, created)
    })
}

fn ops(result: &ScanResult) -> BTreeSet<(String, String)> {
    bola(result)
        .iter()
        .map(|f| (f.operation.id.clone(), f.signature.clone()))
        .collect()
}

fn set(items: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    items
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[test]
fn a_note_keyed_by_its_slug_is_read_and_changed_by_another_user() {
    let shape = Shape {
        reads_any_note: true,
        writes_any_note: true,
        ..Shape::default()
    };
    for seed in SEEDS {
        let (result, created) = scan_v2(shape, seed);
        assert!(created > 0);
        assert_eq!(
            ops(&result),
            set(&[
                ("readNote", "cross_identity:read"),
                ("editNote", "cross_identity:changed"),
            ]),
            "seed {seed}: {:?}",
            summary(&result)
        );
        let f = find(&result, "editNote");
        assert_eq!(proof(f, "owner"), "ann");
        assert_eq!(proof(f, "intruder"), "ben");
    }
}

#[test]
fn a_creation_that_refuses_the_maximal_request_is_tried_with_the_minimal_one() {
    let shape = Shape {
        reads_any_note: true,
        refuses_color: true,
        ..Shape::default()
    };
    for seed in SEEDS {
        let (result, _) = scan_v2(shape, seed);
        assert!(
            has(&result, "readNote", "cross_identity:read"),
            "seed {seed}: {:?}",
            summary(&result)
        );
    }
}

#[test]
fn another_users_seeded_record_is_read_by_its_key() {
    let shape = Shape {
        reads_any_record: true,
        ..Shape::default()
    };
    for seed in SEEDS {
        let (result, _) = scan_v2(shape, seed);
        assert_eq!(
            ops(&result),
            set(&[("readRecord", "cross_identity:read")]),
            "seed {seed}: {:?}",
            summary(&result)
        );
        let f = find(&result, "readRecord");
        // attributed by the owner field, never the shared record
        assert!(
            proof(f, "attributed").contains("createdBy="),
            "{:?}",
            f.proof
        );
        assert!(!proof(f, "id").contains("shared"), "{:?}", f.proof);
    }
}

#[test]
fn public_posts_shared_records_and_writes_that_change_nothing_are_no_finding() {
    // the correct server: notes and records private (200 with an error to
    // others), a PUT on another's note answers 200 and changes nothing,
    // posts public to all, one record shared by design
    for seed in SEEDS {
        let (result, created) = scan_v2(Shape::default(), seed);
        assert!(created > 0, "seed {seed}: the notes were created");
        assert!(
            bola(&result).is_empty(),
            "seed {seed}: {:?}",
            summary(&result)
        );
        assert!(result.stats.active_requests > 10);
    }
}
