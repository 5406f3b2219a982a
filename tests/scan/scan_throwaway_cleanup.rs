//! brute_force's throwaway account (registered for its burst on a sign-in)
//! is deleted when the scan ends, through the API's own delete-account
//! operation sent as that account; an API with no such operation gets a
//! warning naming the account. A club API of its own shape
//! (`/club/join`, `/club/enter`, `DELETE /club/membership`), no limit on
//! failed sign-ins.

use crate::support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use apiprobe::engine::{Event, Observer, Stop};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{delete, post};
use serde_json::{Value, json};
use support::{ScanBuilder, listing, of, plan};

/// The club's members (name, password) and the names deleted.
#[derive(Default)]
struct Club {
    members: Mutex<BTreeMap<String, String>>,
    joined: Mutex<BTreeSet<String>>,
    deleted: Mutex<Vec<String>>,
}

type Shared = State<Arc<Club>>;

fn body_of(body: &Bytes) -> Value {
    serde_json::from_slice(body).unwrap_or(Value::Null)
}

async fn join(State(c): Shared, body: Bytes) -> (StatusCode, axum::Json<Value>) {
    let v = body_of(&body);
    let (Some(name), Some(password)) = (v["login"].as_str(), v["password"].as_str()) else {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "name and password"})),
        );
    };
    let mut members = c.members.lock().unwrap();
    if members.contains_key(name) {
        return (StatusCode::CONFLICT, axum::Json(json!({"error": "taken"})));
    }
    members.insert(name.to_owned(), password.to_owned());
    c.joined.lock().unwrap().insert(name.to_owned());
    (StatusCode::CREATED, axum::Json(json!({"welcome": name})))
}

async fn enter(State(c): Shared, body: Bytes) -> (StatusCode, axum::Json<Value>) {
    let v = body_of(&body);
    let name = v["login"].as_str().unwrap_or("");
    let password = v["password"].as_str().unwrap_or("");
    let ok = c
        .members
        .lock()
        .unwrap()
        .get(name)
        .is_some_and(|p| p == password);
    if ok {
        (
            StatusCode::OK,
            axum::Json(json!({"auth_token": format!("club.{name}")})),
        )
    } else {
        (StatusCode::UNAUTHORIZED, axum::Json(json!({"error": "no"})))
    }
}

async fn leave(State(c): Shared, headers: HeaderMap) -> StatusCode {
    let name = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer club."))
        .map(str::to_owned);
    match name {
        Some(name) if c.members.lock().unwrap().remove(&name).is_some() => {
            c.deleted.lock().unwrap().push(name);
            StatusCode::NO_CONTENT
        }
        _ => StatusCode::UNAUTHORIZED,
    }
}

fn club(state: Arc<Club>, can_leave: bool) -> Router {
    let mut app = Router::new()
        .route("/club/join", post(join))
        .route("/club/enter", post(enter));
    if can_leave {
        app = app.route("/club/membership", delete(leave));
    }
    app.with_state(state)
}

fn spec(can_leave: bool) -> String {
    let leave = if can_leave {
        r#","/club/membership": {"delete": {"operationId": "leave", "security": [{"t": []}], "responses": {"204": {"description": "gone"}, "401": {"description": "no"}}}}"#
    } else {
        ""
    };
    format!(
        r#"{{"openapi": "3.0.3", "info": {{"title": "Club", "version": "1"}},
  "components": {{"securitySchemes": {{"t": {{"type": "http", "scheme": "bearer"}}}}}},
  "paths": {{
    "/club/join": {{"post": {{"operationId": "register", "requestBody": {{"required": true, "content": {{"application/json": {{"schema": {{
        "type": "object", "required": ["login", "password"],
        "properties": {{"login": {{"type": "string", "minLength": 3, "maxLength": 40}}, "password": {{"type": "string", "minLength": 8}}}}}}}}}}}},
      "responses": {{"201": {{"description": "in"}}, "409": {{"description": "taken"}}}}}}}},
    "/club/enter": {{"post": {{"operationId": "login", "requestBody": {{"required": true, "content": {{"application/json": {{"schema": {{
        "type": "object", "required": ["login", "password"],
        "properties": {{"login": {{"type": "string"}}, "password": {{"type": "string", "format": "password"}}}}}}}}}}}},
      "responses": {{"200": {{"description": "in"}}, "401": {{"description": "no"}}}}}}}}{leave}
  }}}}"#
    )
}

#[derive(Default)]
struct Warnings(Mutex<Vec<String>>);

impl Observer for Warnings {
    fn on_event(&self, event: &Event<'_>) {
        if let Event::Warning { message } = event {
            self.0.lock().unwrap().push((*message).to_owned());
        }
    }
}

/// Scans the club; (the names brute_force registered, those deleted, the
/// warnings, the findings' listing).
fn scan_club(
    can_leave: bool,
    seed: u64,
) -> (BTreeSet<String>, Vec<String>, Vec<String>, Vec<String>) {
    support::runtime().block_on(async move {
        let state = Arc::new(Club::default());
        let base = support::serve(club(Arc::clone(&state), can_leave)).await;
        let warnings = Arc::new(Warnings::default());
        let result = ScanBuilder::new(support::api(&spec(can_leave)), base)
            .checks(["brute_force"])
            .plan(plan(0))
            .seed(seed)
            .timeout(Duration::from_secs(5))
            .run_with(Arc::clone(&warnings) as Arc<dyn Observer>, Stop::new())
            .await;
        assert!(
            of(&result, "brute_force")
                .iter()
                .any(|f| f.operation.id == "login"),
            "{:#?}",
            listing(&result)
        );
        let joined = state.joined.lock().unwrap().clone();
        let deleted = state.deleted.lock().unwrap().clone();
        let said = warnings.0.lock().unwrap().clone();
        (joined, deleted, said, listing(&result))
    })
}

#[test]
fn the_throwaway_account_is_deleted_as_itself_when_the_api_can_delete_accounts() {
    for seed in 1..=3 {
        let (joined, deleted, warnings, all) = scan_club(true, seed);
        let throwaway: Vec<&String> = joined
            .iter()
            .filter(|n| n.starts_with("apiprobe_"))
            .collect();
        assert_eq!(throwaway.len(), 1, "seed {seed}: {joined:?} {all:#?}");
        assert_eq!(deleted, vec![throwaway[0].clone()], "seed {seed}");
        assert!(
            warnings.iter().all(|w| !w.contains("apiprobe_")),
            "seed {seed}: {warnings:?}"
        );
    }
}

#[test]
fn an_api_without_a_delete_account_operation_gets_the_account_named_in_a_warning() {
    let (joined, deleted, warnings, all) = scan_club(false, 1);
    let throwaway: Vec<&String> = joined
        .iter()
        .filter(|n| n.starts_with("apiprobe_"))
        .collect();
    assert_eq!(throwaway.len(), 1, "{joined:?} {all:#?}");
    assert!(deleted.is_empty());
    assert!(
        warnings
            .iter()
            .any(|w| w.contains(&format!("{:?}", throwaway[0]))
                && w.contains("POST /club/join")
                && w.contains("remove it by hand")),
        "{warnings:?}"
    );
}
