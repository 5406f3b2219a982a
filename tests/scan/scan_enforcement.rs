//! bfla by behaviour: a method of a path that serves an identity the
//! path's other methods refuse. On the demo (DELETE /articles/{id} without
//! the editor check PUT makes; roles member and editor, the editor made
//! privileged with `--privileged-role editor`), with every one of 10
//! seeds, and nothing on the repaired demo; on a server of another shape
//! (projects keyed by a string, users by an `X-User` header, managers
//! and viewers) with its look-alikes: every method refused alike, a DELETE
//! that answers 204 and removes nothing, data every identity may read.
#![cfg(feature = "demo")]

use crate::support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use apiprobe::demo::{DEMO_ACCOUNT, DEMO_IDENTITIES, DEMO_ROLE_IDENTITIES, DemoConfig, serve};
use apiprobe::engine::ScanResult;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use support::{ScanBuilder, active_only, runtime};

/// The authorization checks.
const AUTHORIZATION: [&str; 3] = ["bola", "bfla", "privilege_escalation"];

/// The demo's identities as `apiprobe demo` gives them.
fn demo_identities() -> Vec<String> {
    DEMO_IDENTITIES
        .iter()
        .chain(DEMO_ROLE_IDENTITIES.iter())
        .map(|(name, role, password)| format!("{name}:{role}=login:{name}:{password}"))
        .collect()
}

fn scan_demo(fixed: bool, seed: u64, checks: &[&str]) -> ScanResult {
    runtime().block_on(async {
        let server = serve(DemoConfig { fixed }).await.expect("the demo starts");
        let result = ScanBuilder::new(support::demo_api(), server.base_url())
            .checks(checks)
            .plan(active_only())
            .seed(seed)
            .login(DEMO_ACCOUNT)
            .identities(demo_identities())
            .privileged_roles(["editor"])
            .guard(Duration::from_secs(120))
            .run()
            .await;
        server.shutdown().await;
        result
    })
}

fn listing(result: &ScanResult) -> Vec<String> {
    result
        .findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {}: {}",
                f.check, f.operation.id, f.signature, f.title
            )
        })
        .collect()
}

#[test]
fn the_demo_delete_without_the_editor_check_is_found_with_every_seed() {
    for seed in 1..=10 {
        let result = scan_demo(false, seed, &["bfla"]);
        let hit = result
            .findings
            .iter()
            .find(|f| {
                f.operation.id == "deleteArticle" && f.signature == "inconsistent_enforcement"
            })
            .unwrap_or_else(|| panic!("seed {seed}: {:#?}", listing(&result)));
        // the refusal and the control are in the proof: PUT refused the
        // plain identity and served the editor; the read-back shows it gone
        let proof = |name: &str| {
            hit.proof
                .iter()
                .find(|p| p.name.starts_with(name))
                .map(|p| p.value.clone())
                .unwrap_or_default()
        };
        assert!(proof("refused").starts_with("PUT ") && proof("refused").ends_with("403"));
        assert!(proof("served to erin").ends_with("200"), "{:?}", hit.proof);
        assert!(
            proof("read back by erin").ends_with("404"),
            "{:?}",
            hit.proof
        );
        assert_eq!(hit.confidence, apiprobe::checks::Confidence::Confirmed);
    }
}

#[test]
fn the_repaired_demo_gives_no_authorization_finding() {
    for seed in 1..=10 {
        let result = scan_demo(true, seed, &AUTHORIZATION);
        assert!(
            result.findings.is_empty(),
            "seed {seed}: {:#?}",
            listing(&result)
        );
    }
}

const PROJECTS: &str = r#"
openapi: 3.0.3
info: {title: projects, version: '2'}
components:
  securitySchemes:
    user: {type: apiKey, in: header, name: X-User}
security: [{user: []}]
paths:
  /projects:
    post:
      operationId: openProject
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: {type: string, minLength: 1, maxLength: 30}
      responses:
        '201':
          description: opened
          content:
            application/json:
              schema:
                type: object
                properties:
                  projectKey: {type: string}
                  name: {type: string}
        '403': {description: managers only}
  /projects/{projectKey}:
    parameters:
      - {name: projectKey, in: path, required: true, schema: {type: string}}
    get:
      operationId: showProject
      security: []
      responses:
        '200':
          description: the project
          content:
            application/json:
              schema:
                type: object
                properties:
                  projectKey: {type: string}
                  name: {type: string}
        '404': {description: none}
    patch:
      operationId: renameProject
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: {type: string, minLength: 1, maxLength: 30}
      responses:
        '200': {description: renamed}
        '403': {description: managers only}
        '404': {description: none}
    delete:
      operationId: closeProject
      responses:
        '204': {description: closed}
        '403': {description: managers only}
        '404': {description: none}
"#;

/// How the projects server's DELETE behaves.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Close {
    /// Anyone closes a project (the flaw).
    Anyone,
    /// Managers only, as PATCH (every method refuses a viewer alike).
    Managers,
    /// 204 for anyone, and the project stays (nothing changes).
    Pretends,
}

struct Projects {
    close: Close,
    items: Mutex<HashMap<String, String>>,
    next: AtomicU64,
}

fn user(headers: &HeaderMap) -> Option<(&str, bool)> {
    let name = headers.get("x-user")?.to_str().ok()?;
    match name {
        "mia" => Some((name, true)),
        "vic" | "val" => Some((name, false)),
        _ => None,
    }
}

fn refused(status: StatusCode) -> Response {
    (status, axum::Json(json!({"message": "not for you"}))).into_response()
}

fn name_of(body: &Bytes) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let n = v.get("name")?.as_str()?;
    (1..=30).contains(&n.chars().count()).then(|| n.to_owned())
}

async fn open(State(s): State<Arc<Projects>>, headers: HeaderMap, body: Bytes) -> Response {
    let Some((_, manager)) = user(&headers) else {
        return refused(StatusCode::UNAUTHORIZED);
    };
    if !manager {
        return refused(StatusCode::FORBIDDEN);
    }
    let Some(name) = name_of(&body) else {
        return refused(StatusCode::BAD_REQUEST);
    };
    let key = format!("prj-{}", s.next.fetch_add(1, Ordering::Relaxed));
    s.items.lock().unwrap().insert(key.clone(), name.clone());
    (
        StatusCode::CREATED,
        axum::Json(json!({"projectKey": key, "name": name})),
    )
        .into_response()
}

async fn show(State(s): State<Arc<Projects>>, Path(key): Path<String>) -> Response {
    match s.items.lock().unwrap().get(&key) {
        Some(name) => axum::Json(json!({"projectKey": key, "name": name})).into_response(),
        None => refused(StatusCode::NOT_FOUND),
    }
}

async fn rename(
    State(s): State<Arc<Projects>>,
    headers: HeaderMap,
    Path(key): Path<String>,
    body: Bytes,
) -> Response {
    let Some((_, manager)) = user(&headers) else {
        return refused(StatusCode::UNAUTHORIZED);
    };
    if !manager {
        return refused(StatusCode::FORBIDDEN);
    }
    let Some(name) = name_of(&body) else {
        return refused(StatusCode::BAD_REQUEST);
    };
    match s.items.lock().unwrap().get_mut(&key) {
        Some(n) => {
            *n = name.clone();
            axum::Json(json!({"projectKey": key, "name": name})).into_response()
        }
        None => refused(StatusCode::NOT_FOUND),
    }
}

async fn close_project(
    State(s): State<Arc<Projects>>,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> Response {
    let Some((_, manager)) = user(&headers) else {
        return refused(StatusCode::UNAUTHORIZED);
    };
    if s.close == Close::Managers && !manager {
        return refused(StatusCode::FORBIDDEN);
    }
    let mut items = s.items.lock().unwrap();
    if !items.contains_key(&key) {
        return refused(StatusCode::NOT_FOUND);
    }
    if s.close != Close::Pretends {
        items.remove(&key);
    }
    StatusCode::NO_CONTENT.into_response()
}

fn scan_projects(close: Close, seed: u64, privileged: bool) -> ScanResult {
    runtime().block_on(async {
        let state = Arc::new(Projects {
            close,
            items: Mutex::new(HashMap::new()),
            next: AtomicU64::new(1),
        });
        let app = Router::new()
            .route("/projects", post(open))
            .route(
                "/projects/{projectKey}",
                get(show).patch(rename).delete(close_project),
            )
            .with_state(state);
        let base = support::serve(app).await;
        let roles: Vec<&str> = if privileged { vec!["manager"] } else { vec![] };
        ScanBuilder::new(support::api(PROJECTS), base)
            .checks(AUTHORIZATION)
            .plan(active_only())
            .seed(seed)
            .identities([
                "mia:manager=header:X-User:mia",
                "vic:viewer=header:X-User:vic",
                "val:viewer=header:X-User:val",
            ])
            .privileged_roles(roles)
            .guard(Duration::from_secs(60))
            .run()
            .await
    })
}

#[test]
fn a_delete_without_the_check_patch_makes_on_another_server() {
    for seed in 1..=10 {
        for privileged in [true, false] {
            let result = scan_projects(Close::Anyone, seed, privileged);
            let hits: Vec<_> = result
                .findings
                .iter()
                .filter(|f| f.check == "bfla" && f.operation.id == "closeProject")
                .collect();
            assert_eq!(
                hits.len(),
                1,
                "seed {seed}, manager privileged {privileged}: {:#?}",
                listing(&result)
            );
            assert!(hits[0].title.contains("PATCH"), "{}", hits[0].title);
        }
    }
}

#[test]
fn look_alikes_on_another_server_give_no_finding() {
    // every method refuses a viewer alike; a DELETE that removes nothing;
    // the project is readable by everyone (GET is public) in both
    for close in [Close::Managers, Close::Pretends] {
        for seed in 1..=3 {
            let result = scan_projects(close, seed, true);
            assert!(
                result.findings.iter().all(|f| f.check != "bfla"),
                "{close:?}, seed {seed}: {:#?}",
                listing(&result)
            );
        }
    }
}
