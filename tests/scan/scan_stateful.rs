//! Stateful sequences and several identities against real servers on
//! loopback: the demo's planted BOLA, deleted-but-readable note, admin-only
//! operation open to users and self-registration as admin are each found
//! with the sequence that proves it, and the repaired demo gives none;
//! small servers started here show ensure_resource_availability, its
//! look-alike and the cleanup of created resources.
#![cfg(feature = "demo")]

use crate::support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use apiprobe::checks::Finding;
use apiprobe::demo::{DEMO_ACCOUNT, DEMO_IDENTITIES, DemoConfig, serve};
use apiprobe::engine::ScanResult;
use apiprobe::identity::Credential;
use apiprobe::model::Api;
use apiprobe::spec::Loader;
use support::{ScanBuilder, active_only, runtime};

const STATEFUL: &[&str] = &[
    "ensure_resource_availability",
    "use_after_free",
    "bola",
    "bfla",
    "privilege_escalation",
];

/// A scan of `api` at `base` with the stateful checks only, in the active
/// phase only.
fn stateful(api: Api, base: String) -> ScanBuilder {
    ScanBuilder::new(api, base)
        .checks(STATEFUL)
        .plan(active_only())
        .shrink(true)
        .guard(Duration::from_secs(120))
}

/// Scans the demo as `apiprobe demo` does: signed in as alice, with alice
/// and bob as named identities.
fn scan_demo(fixed: bool) -> ScanResult {
    runtime().block_on(async {
        let server = serve(DemoConfig { fixed }).await.expect("the demo starts");
        let result = stateful(support::demo_api(), server.base_url())
            .login(DEMO_ACCOUNT)
            .identities(
                DEMO_IDENTITIES
                    .map(|(name, role, password)| format!("{name}:{role}=login:{name}:{password}")),
            )
            .run()
            .await;
        server.shutdown().await;
        result
    })
}

static FLAWED: LazyLock<ScanResult> = LazyLock::new(|| scan_demo(false));
static FIXED: LazyLock<ScanResult> = LazyLock::new(|| scan_demo(true));

fn one<'a>(result: &'a ScanResult, check: &str, operation: &str) -> &'a Finding {
    let hits: Vec<&Finding> = result
        .findings
        .iter()
        .filter(|f| f.check == check && f.operation.id == operation)
        .collect();
    assert!(
        !hits.is_empty(),
        "no {check} finding on {operation}; findings: {:?}",
        result
            .findings
            .iter()
            .map(|f| format!("{} {} {}", f.check, f.operation.id, f.title))
            .collect::<Vec<_>>()
    );
    hits[0]
}

fn proof<'a>(f: &'a Finding, name: &str) -> &'a str {
    f.proof
        .iter()
        .find(|p| p.name == name)
        .map(|p| p.value.as_str())
        .unwrap_or_else(|| panic!("no proof item {name} in {:?}", f.proof))
}

#[test]
fn bola_bob_reads_alices_note() {
    let f = one(&FLAWED, "bola", "getNote");
    assert_eq!(proof(f, "owner"), "alice");
    assert_eq!(proof(f, "intruder"), "bob");
    assert!(
        proof(f, "owner_create").starts_with("POST "),
        "{:?}",
        f.proof
    );
    assert!(
        proof(f, "owner_create").ends_with("-> 201"),
        "{:?}",
        f.proof
    );
    assert!(proof(f, "intruder_request").ends_with("-> 200"));
    assert_eq!(f.response.as_ref().map(|r| r.status), Some(200));
    // the request shown is bob's: it carries bob's token, not alice's
    let auth = f
        .request
        .headers
        .iter()
        .find(|(n, _)| n == "authorization")
        .map(|(_, v)| v.clone());
    let auth = auth.expect("bob's request carries a token");
    // the demo's tokens are JWTs: the subject of the one sent is bob
    let payload = auth
        .trim_start_matches("Bearer ")
        .split('.')
        .nth(1)
        .expect("a JWT has a payload");
    use base64::Engine as _;
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .expect("base64url"),
    )
    .expect("JSON claims");
    assert_eq!(claims["sub"], "bob", "{claims}");
}

#[test]
fn use_after_free_a_deleted_note_is_still_readable() {
    let f = one(&FLAWED, "use_after_free", "deleteNote");
    assert_eq!(proof(f, "delete_status"), "204");
    assert_eq!(proof(f, "read_after_delete_status"), "200");
    assert!(proof(f, "delete").starts_with("DELETE "));
}

#[test]
fn bfla_a_user_reads_the_admin_audit_log() {
    let f = one(&FLAWED, "bfla", "getAuditLog");
    assert_eq!(proof(f, "identity"), "alice");
    assert!(proof(f, "anonymous").ends_with("-> 401"), "{:?}", f.proof);
    assert!(proof(f, "low_privilege").ends_with("-> 200"));
}

#[test]
fn privilege_escalation_register_as_admin() {
    let f = one(&FLAWED, "privilege_escalation", "register");
    assert!(proof(f, "privileged_fields").contains("role=\"admin\""));
    // the demo's audit log is open to every user (bfla), so the proof is
    // the role the sign-in grants: admin, where a plain account gets user
    assert_eq!(proof(f, "granted"), "role=\"admin\"", "{:?}", f.proof);
    assert_eq!(proof(f, "plain_account_granted"), "role=\"user\"");
    assert!(proof(f, "privileged_call").contains("/admin/audit-log"));
    assert!(proof(f, "register").ends_with("-> 201"));
}

#[test]
fn the_fixed_demo_gives_no_stateful_finding() {
    assert!(
        FIXED.findings.is_empty(),
        "{:?}",
        FIXED
            .findings
            .iter()
            .map(|f| format!("{} {} {}", f.check, f.operation.id, f.title))
            .collect::<Vec<_>>()
    );
    // and the probes did run: they sent sequences
    assert!(FIXED.stats.active_requests > 10, "{:?}", FIXED.stats);
}

/// How the items server keeps what it is given.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keeping {
    /// Created items are never found again.
    Lost,
    /// Found until deleted, then 404.
    Kept,
    /// Found until deleted, then 404; a freed id is handed out again (the
    /// lowest free one, as many stores do; SQLite without AUTOINCREMENT
    /// reuses the highest), and another client's create takes it at once,
    /// so the freed id names someone else's item.
    ReusedIds,
    /// A delete marks the item deleted and a read answers 200 with the
    /// item and `deleted: true` (a tombstone, as Stripe does).
    Tombstone,
    /// A delete only marks the item; a read still answers the item as it
    /// was, with a new `updated_at` (the flaw).
    SoftDelete,
}

/// The items server's state: live items (id, name, deleted), counters.
#[derive(Default)]
struct Store {
    next: AtomicU64,
    items: Mutex<Vec<(u64, String, bool)>>,
    deletes: AtomicU64,
    /// Reads answered 200 with an item that took a freed id.
    reused_reads: AtomicU64,
    /// Reads answered 200 with a deleted item (tombstone or soft delete).
    deleted_reads: AtomicU64,
}

impl Store {
    fn live(&self) -> usize {
        self.items
            .lock()
            .map(|i| i.iter().filter(|(_, _, gone)| !gone).count())
            .unwrap_or(usize::MAX)
    }
}

const ITEMS: &str = r#"
openapi: 3.0.3
info: {title: items, version: "1"}
paths:
  /items:
    post:
      operationId: createItem
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {name: {type: string}}}
      responses:
        "201":
          description: made
          content:
            application/json:
              schema: {type: object, properties: {id: {type: integer}}}
  /items/{itemId}:
    parameters:
      - {name: itemId, in: path, required: true, schema: {type: integer}}
    get:
      operationId: getItem
      responses: {"200": {description: one}, "404": {description: none}}
    delete:
      operationId: deleteItem
      responses: {"204": {description: gone}, "404": {description: none}}
"#;

async fn items_server(keeping: Keeping) -> (String, Arc<Store>, tokio::task::JoinHandle<()>) {
    use axum::extract::{Path, State};
    use axum::http::StatusCode;
    use axum::routing::{get, post};
    use serde_json::{Value, json};
    let store = Arc::new(Store::default());
    let app = axum::Router::new()
        .route(
            "/items",
            post(
                move |State(s): State<Arc<Store>>, body: Option<axum::Json<Value>>| async move {
                    let name = body
                        .and_then(|b| b.0.get("name").and_then(Value::as_str).map(str::to_owned))
                        .unwrap_or_default();
                    let Ok(mut items) = s.items.lock() else {
                        return (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(json!({})));
                    };
                    let id = if keeping == Keeping::ReusedIds {
                        (1..)
                            .find(|id| items.iter().all(|(i, _, _)| i != id))
                            .unwrap_or(0)
                    } else {
                        s.next.fetch_add(1, Ordering::Relaxed) + 1
                    };
                    s.next.fetch_max(id, Ordering::Relaxed);
                    items.push((id, name, false));
                    (StatusCode::CREATED, axum::Json(json!({ "id": id })))
                },
            ),
        )
        .route(
            "/items/{id}",
            get(
                move |State(s): State<Arc<Store>>, Path(id): Path<u64>| async move {
                    let found = s
                        .items
                        .lock()
                        .ok()
                        .and_then(|i| i.iter().find(|(i, _, _)| *i == id).cloned());
                    let none = (StatusCode::NOT_FOUND, axum::Json(json!({})));
                    let Some((_, name, gone)) = found else {
                        return none;
                    };
                    if name == "someone else's" {
                        s.reused_reads.fetch_add(1, Ordering::Relaxed);
                    }
                    if gone {
                        s.deleted_reads.fetch_add(1, Ordering::Relaxed);
                    }
                    let item = json!({ "id": id, "name": name });
                    match keeping {
                        Keeping::Lost => none,
                        Keeping::Tombstone if gone => (
                            StatusCode::OK,
                            axum::Json(json!({ "id": id, "deleted": true })),
                        ),
                        Keeping::SoftDelete => {
                            let mut item = item;
                            item["updated_at"] =
                                json!(if gone { "2026-02-02" } else { "2026-01-01" });
                            (StatusCode::OK, axum::Json(item))
                        }
                        _ => (StatusCode::OK, axum::Json(item)),
                    }
                },
            )
            .delete(
                move |State(s): State<Arc<Store>>, Path(id): Path<u64>| async move {
                    s.deletes.fetch_add(1, Ordering::Relaxed);
                    if let Ok(mut items) = s.items.lock() {
                        match keeping {
                            Keeping::Tombstone | Keeping::SoftDelete => {
                                for item in items.iter_mut().filter(|(i, _, _)| *i == id) {
                                    item.2 = true;
                                }
                            }
                            _ => items.retain(|(i, _, _)| *i != id),
                        }
                        if keeping == Keeping::ReusedIds {
                            // another client's create takes the freed id
                            items.push((id, "someone else's".to_owned(), false));
                        }
                    }
                    StatusCode::NO_CONTENT
                },
            ),
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

/// Scans the items server kept as `keeping`, with cleanup.
fn scan_items(keeping: Keeping, seed: u64) -> (ScanResult, Arc<Store>) {
    runtime().block_on(async {
        let (url, store, server) = items_server(keeping).await;
        let result = stateful(items_api(), url)
            .credential(Credential::header("x-user", "a"))
            .seed(seed)
            .run()
            .await;
        server.abort();
        (result, store)
    })
}

fn items_api() -> Api {
    Loader::new()
        .load_str(ITEMS, "items.yaml")
        .expect("the items spec loads")
}

#[test]
fn a_created_resource_that_cannot_be_read_is_found() {
    let (result, _store) = scan_items(Keeping::Lost, 5);
    let f = one(&result, "ensure_resource_availability", "getItem");
    assert_eq!(f.response.as_ref().map(|r| r.status), Some(404));
    assert!(proof(f, "create").starts_with("POST "));
    assert_eq!(proof(f, "created_by"), "createItem");
}

#[test]
fn a_readable_resource_is_no_finding_and_what_was_created_is_deleted() {
    let (result, store) = scan_items(Keeping::Kept, 5);
    let made = store.next.load(Ordering::Relaxed);
    let deletes = store.deletes.load(Ordering::Relaxed);
    assert!(
        result.findings.is_empty(),
        "{:?}",
        result
            .findings
            .iter()
            .map(|f| format!("{} {}", f.check, f.title))
            .collect::<Vec<_>>()
    );
    assert!(made >= 2, "the probes created items ({made})");
    assert_eq!(
        store.live(),
        0,
        "every created item was deleted ({deletes} deletes)"
    );
    assert!(result.stats.cleanup_requests > 0);
}

#[test]
fn no_cleanup_leaves_what_was_created() {
    runtime().block_on(async {
        let (url, store, server) = items_server(Keeping::Kept).await;
        let result = stateful(items_api(), url)
            .credential(Credential::header("x-user", "a"))
            .cleanup(false)
            .run()
            .await;
        let made = store.next.load(Ordering::Relaxed);
        let left = store.live();
        server.abort();
        assert_eq!(result.stats.cleanup_requests, 0);
        assert!(made >= 1);
        // use_after_free deletes its own item; the others stay
        assert!(left >= 1, "items stayed ({left} of {made})");
    });
}

/// The (check, operation) pairs of a result's findings, sorted.
fn pairs(result: &ScanResult) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = result
        .findings
        .iter()
        .map(|f| (f.check.clone(), f.operation.id.clone()))
        .collect();
    pairs.sort();
    pairs.dedup();
    pairs
}

#[test]
fn a_soft_delete_that_still_serves_the_item_is_found_for_every_seed() {
    for seed in [1, 5, 77] {
        let (result, store) = scan_items(Keeping::SoftDelete, seed);
        let f = one(&result, "use_after_free", "deleteItem");
        assert_eq!(proof(f, "read_after_delete_status"), "200");
        assert_eq!(proof(f, "delete_status"), "204");
        assert!(store.deleted_reads.load(Ordering::Relaxed) > 0);
        assert_eq!(
            pairs(&result),
            vec![("use_after_free".to_owned(), "deleteItem".to_owned())],
            "seed {seed}"
        );
    }
}

/// Scans a correct items server kept as `keeping` over several seeds: the
/// look-alike is met (`met` counts it on the server) and nothing is found.
fn no_finding_over_seeds(keeping: Keeping, met: fn(&Store) -> u64, what: &str) {
    for seed in [1, 5, 77] {
        let (result, store) = scan_items(keeping, seed);
        assert!(met(&store) > 0, "seed {seed}: no read met {what}");
        assert!(
            pairs(&result).is_empty(),
            "seed {seed}: {:?}",
            pairs(&result)
        );
    }
}

#[test]
fn a_new_item_at_a_reused_id_is_no_use_after_free() {
    // a read after a delete found the new item at the freed id
    no_finding_over_seeds(
        Keeping::ReusedIds,
        |s| s.reused_reads.load(Ordering::Relaxed),
        "a reused id",
    );
}

#[test]
fn a_tombstone_marked_deleted_is_no_use_after_free() {
    no_finding_over_seeds(
        Keeping::Tombstone,
        |s| s.deleted_reads.load(Ordering::Relaxed),
        "a tombstone",
    );
}
