//! Stateful sequences and several identities against real servers on
//! loopback: the demo's planted BOLA, deleted-but-readable note, admin-only
//! operation open to users and self-registration as admin are each found
//! with the sequence that proves it, and the repaired demo gives none;
//! small servers started here show ensure_resource_availability, its
//! look-alike and the cleanup of created resources.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use apiprobe::checks::{Finding, Judge, Settings, select};
use apiprobe::demo::{DEMO_ACCOUNT, DEMO_IDENTITIES, DemoConfig, serve};
use apiprobe::engine::{
    Account, Client, ClientOptions, Credential, IdentitySpec, NamedIdentity, Scan, ScanOptions,
    ScanResult, Silent, Stop, login,
};
use apiprobe::generate::Payloads;
use apiprobe::model::Api;
use apiprobe::probes::PlanOptions;
use apiprobe::spec::Loader;

const STATEFUL: &[&str] = &[
    "ensure_resource_availability",
    "use_after_free",
    "bola",
    "bfla",
    "privilege_escalation",
];

/// A plan with no passive probe: only the active phase sends.
fn active_only() -> PlanOptions {
    PlanOptions {
        positive: 0,
        negative: 0,
        attacks_per_family: 0,
        unsupported_methods: false,
        missing_headers: false,
        read_only: false,
    }
}

fn client() -> Client {
    Client::new(ClientOptions {
        timeout: Duration::from_secs(10),
        env_proxy: false,
        ..ClientOptions::default()
    })
    .expect("a client")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

/// Scans `api` at `base` with the stateful checks only.
async fn scan(
    api: Api,
    base: String,
    credentials: Vec<Credential>,
    account: Option<Account>,
    identities: Vec<NamedIdentity>,
    cleanup: bool,
) -> ScanResult {
    let names: Vec<String> = STATEFUL.iter().map(|s| (*s).to_owned()).collect();
    let scan = Scan {
        operations: (0..api.operations.len()).collect(),
        api: Arc::new(api),
        payloads: Arc::new(Payloads::builtin()),
        client: client(),
        judge: Arc::new(Judge::new(
            select(&names, &[]).expect("the stateful checks"),
            Settings::default(),
        )),
        options: ScanOptions {
            base_url: base,
            seed: 5,
            plan: active_only(),
            credentials,
            account,
            identities,
            cleanup,
            ..ScanOptions::default()
        },
    };
    tokio::time::timeout(
        Duration::from_secs(120),
        scan.run(Arc::new(Silent), Stop::new()),
    )
    .await
    .expect("the scan ends within its guard")
}

fn demo_spec() -> Api {
    Loader::new()
        .load_path(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/specs/demo.yaml"
        )))
        .expect("the demo spec loads")
}

/// Scans the demo as `apiprobe demo` does: signed in as alice, with alice
/// and bob as named identities.
fn scan_demo(fixed: bool) -> ScanResult {
    runtime().block_on(async {
        let server = serve(DemoConfig { fixed }).await.expect("the demo starts");
        let api = demo_spec();
        let base = server.base_url();
        let (user, password) = DEMO_ACCOUNT;
        let account = Account {
            user: user.into(),
            password: password.into(),
        };
        let token = login(&api, &client(), &base, &account)
            .await
            .expect("alice signs in");
        let mut identities = Vec::new();
        for (name, role, password) in DEMO_IDENTITIES {
            let spec = IdentitySpec::parse(&api, &format!("{name}:{role}=login:{name}:{password}"))
                .expect("the identity parses");
            identities.push(
                spec.resolve(&api, &client(), &base)
                    .await
                    .expect("signs in"),
            );
        }
        let result = scan(
            api,
            base,
            vec![Credential::bearer(&token)],
            Some(account),
            identities,
            true,
        )
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

/// A store whose created items are never found again (or, `consistent`,
/// found), counting DELETEs.
#[derive(Default)]
struct Store {
    next: AtomicU64,
    items: Mutex<Vec<u64>>,
    deletes: AtomicU64,
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

async fn items_server(consistent: bool) -> (String, Arc<Store>, tokio::task::JoinHandle<()>) {
    use axum::extract::{Path, State};
    use axum::http::StatusCode;
    use axum::routing::{get, post};
    let store = Arc::new(Store::default());
    let app = axum::Router::new()
        .route(
            "/items",
            post(|State(s): State<Arc<Store>>| async move {
                let id = s.next.fetch_add(1, Ordering::Relaxed) + 1;
                if let Ok(mut items) = s.items.lock() {
                    items.push(id);
                }
                (
                    StatusCode::CREATED,
                    axum::Json(serde_json::json!({ "id": id })),
                )
            }),
        )
        .route(
            "/items/{id}",
            get(
                move |State(s): State<Arc<Store>>, Path(id): Path<u64>| async move {
                    let known = s.items.lock().map(|i| i.contains(&id)).unwrap_or(false);
                    if consistent && known {
                        (StatusCode::OK, axum::Json(serde_json::json!({ "id": id })))
                    } else {
                        (StatusCode::NOT_FOUND, axum::Json(serde_json::json!({})))
                    }
                },
            )
            .delete(
                |State(s): State<Arc<Store>>, Path(id): Path<u64>| async move {
                    s.deletes.fetch_add(1, Ordering::Relaxed);
                    if let Ok(mut items) = s.items.lock() {
                        items.retain(|i| *i != id);
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

fn items_api() -> Api {
    Loader::new()
        .load_str(ITEMS, "items.yaml")
        .expect("the items spec loads")
}

#[test]
fn a_created_resource_that_cannot_be_read_is_found() {
    runtime().block_on(async {
        let (url, _store, server) = items_server(false).await;
        let result = scan(
            items_api(),
            url,
            vec![Credential::header("x-user", "a")],
            None,
            vec![],
            true,
        )
        .await;
        server.abort();
        let f = one(&result, "ensure_resource_availability", "getItem");
        assert_eq!(f.response.as_ref().map(|r| r.status), Some(404));
        assert!(proof(f, "create").starts_with("POST "));
        assert_eq!(proof(f, "created_by"), "createItem");
    });
}

#[test]
fn a_readable_resource_is_no_finding_and_what_was_created_is_deleted() {
    runtime().block_on(async {
        let (url, store, server) = items_server(true).await;
        let result = scan(
            items_api(),
            url,
            vec![Credential::header("x-user", "a")],
            None,
            vec![],
            true,
        )
        .await;
        let made = store.next.load(Ordering::Relaxed);
        let deletes = store.deletes.load(Ordering::Relaxed);
        let left = store.items.lock().map(|i| i.len()).unwrap_or(usize::MAX);
        server.abort();
        assert!(
            result
                .findings
                .iter()
                .all(|f| f.check != "ensure_resource_availability"),
            "{:?}",
            result.findings
        );
        assert!(made >= 2, "the probes created items ({made})");
        assert_eq!(
            left, 0,
            "every created item was deleted ({deletes} deletes)"
        );
        assert!(result.stats.cleanup_requests > 0);
    });
}

#[test]
fn no_cleanup_leaves_what_was_created() {
    runtime().block_on(async {
        let (url, store, server) = items_server(true).await;
        let result = scan(
            items_api(),
            url,
            vec![Credential::header("x-user", "a")],
            None,
            vec![],
            false,
        )
        .await;
        let made = store.next.load(Ordering::Relaxed);
        let left = store.items.lock().map(|i| i.len()).unwrap_or(0);
        server.abort();
        assert_eq!(result.stats.cleanup_requests, 0);
        assert!(made >= 1);
        // use_after_free deletes its own item; the others stay
        assert!(left >= 1, "items stayed ({left} of {made})");
    });
}
