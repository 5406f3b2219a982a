//! The demo API: each planted flaw is observable in flawed mode and absent
//! in fixed mode; the spec loads and every operation it lists answers.
#![cfg(feature = "demo")]

use apiprobe::demo::{DemoConfig, DemoServer, serve};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const FLAWED: DemoConfig = DemoConfig { fixed: false };
const FIXED: DemoConfig = DemoConfig { fixed: true };

struct Demo {
    server: DemoServer,
    client: Client,
}

impl Demo {
    async fn start(config: DemoConfig) -> Demo {
        apiprobe::tls::install_crypto_provider();
        let server = serve(config).await.expect("demo server starts");
        let client = Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Demo { server, client }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, self.url(path))
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.request(Method::GET, path).send().await.expect("GET")
    }

    async fn post(&self, path: &str, body: Value) -> reqwest::Response {
        with_json(self.request(Method::POST, path), &body)
            .send()
            .await
            .expect("POST")
    }

    async fn token(&self, username: &str, password: &str) -> String {
        let response = self
            .post(
                "/auth/login",
                json!({"username": username, "password": password}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "login as {username}");
        let body: Value = json_of(response).await;
        body["token"].as_str().expect("token").to_owned()
    }

    async fn get_as(&self, path: &str, token: &str) -> reqwest::Response {
        self.request(Method::GET, path)
            .bearer_auth(token)
            .send()
            .await
            .expect("GET")
    }
}

async fn both() -> (Demo, Demo) {
    (Demo::start(FLAWED).await, Demo::start(FIXED).await)
}

/// `path?key=value` with the value form-encoded.
fn with_query(path: &str, key: &str, value: &str) -> String {
    let value: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
    format!("{path}?{key}={value}")
}

/// A JSON body on a request (reqwest is built without its `json` feature).
fn with_json(request: reqwest::RequestBuilder, body: &Value) -> reqwest::RequestBuilder {
    request
        .header("content-type", "application/json")
        .body(body.to_string())
}

async fn json_of(response: reqwest::Response) -> Value {
    let text = response.text().await.expect("body");
    serde_json::from_str(&text).expect("JSON body")
}

async fn text(response: reqwest::Response) -> String {
    response.text().await.expect("body")
}

fn forged_token(alg: &str, sub: &str, secret: Option<&[u8]>) -> String {
    let header = URL_SAFE_NO_PAD.encode(json!({"alg": alg, "typ": "JWT"}).to_string());
    let payload = URL_SAFE_NO_PAD.encode(json!({"sub": sub, "role": "admin"}).to_string());
    let data = format!("{header}.{payload}");
    let signature = match secret {
        Some(secret) => {
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).expect("key");
            mac.update(data.as_bytes());
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        }
        None => String::new(),
    };
    format!("{data}.{signature}")
}

#[tokio::test]
async fn flaw01_integer_overflow_is_a_500() {
    let (flawed, fixed) = both().await;
    let path = "/calc/square?n=9223372036854775807";
    let response = flawed.get(path).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(text(response).await.contains("overflow"));
    assert_eq!(fixed.get(path).await.status(), StatusCode::BAD_REQUEST);
    let ok = json_of(fixed.get("/calc/square?n=12").await).await;
    assert_eq!(ok["square"], 144);
}

#[tokio::test]
async fn flaw02_sql_injection_leaks_sqlite_error() {
    let (flawed, fixed) = both().await;
    let response = flawed.get("/products/SKU-1001'").await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = text(response).await;
    assert!(body.contains("unrecognized token"), "{body}");
    let response = flawed.get("/products/x'%20OR%20'1'='1").await;
    assert_eq!(response.status(), StatusCode::OK, "injection returns a row");
    let response = fixed.get("/products/SKU-1001'").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(!text(response).await.contains("SQLite"));
    assert_eq!(
        fixed.get("/products/SKU-1001").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn flaw03_stack_trace_in_error_body() {
    let (flawed, fixed) = both().await;
    let response = flawed.get("/reports/nope").await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = text(response).await;
    assert!(body.contains("java.lang.NullPointerException"));
    assert!(body.contains("\tat com.demo.reports.ReportService.render(ReportService.java:87)"));
    let response = fixed.get("/reports/nope").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(!text(response).await.contains("\tat "));
}

#[tokio::test]
async fn flaws04_to_06_spec_deviations() {
    let (flawed, fixed) = both().await;
    // 4: undocumented status code.
    assert_eq!(flawed.get("/health").await.status(), StatusCode::ACCEPTED);
    assert_eq!(fixed.get("/health").await.status(), StatusCode::OK);
    // 5: body breaking its schema (integers expected).
    let body = json_of(flawed.get("/stats").await).await;
    assert!(
        body["users"].is_string() && body["notes"].is_null(),
        "{body}"
    );
    let body = json_of(fixed.get("/stats").await).await;
    assert!(body["users"].is_u64() && body["notes"].is_u64(), "{body}");
    // 6: wrong Content-Type.
    let content_type = |r: &reqwest::Response| {
        r.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    assert!(content_type(&flawed.get("/version").await).starts_with("text/plain"));
    assert_eq!(
        content_type(&fixed.get("/version").await),
        "application/json"
    );
}

#[tokio::test]
async fn flaws07_08_input_validation() {
    let (flawed, fixed) = both().await;
    // 7: rating 0 is below the documented minimum of 1.
    let below = json!({"rating": 0});
    assert_eq!(
        flawed.post("/feedback", below.clone()).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        fixed.post("/feedback", below).await.status(),
        StatusCode::BAD_REQUEST
    );
    // 8: the documented sort key `created` is rejected.
    assert_eq!(
        flawed.get("/products?sort=created").await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        fixed.get("/products?sort=created").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn flaw09_undeclared_method_is_500_not_405() {
    let (flawed, fixed) = both().await;
    let status = |d: &Demo| d.request(Method::DELETE, "/version").send();
    assert_eq!(
        status(&flawed).await.expect("DELETE").status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(
        status(&fixed).await.expect("DELETE").status(),
        StatusCode::METHOD_NOT_ALLOWED
    );
}

#[tokio::test]
async fn flaws10_26_banner_and_cors() {
    let (flawed, fixed) = both().await;
    let origin = "https://evil.example";
    let send = |d: &Demo| {
        d.request(Method::GET, "/health")
            .header("Origin", origin)
            .send()
    };
    let response = send(&flawed).await.expect("GET");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(header("x-powered-by").as_deref(), Some("PHP/7.4.3"));
    assert_eq!(
        header("access-control-allow-origin").as_deref(),
        Some(origin)
    );
    assert_eq!(
        header("access-control-allow-credentials").as_deref(),
        Some("true")
    );
    let response = send(&fixed).await.expect("GET");
    assert!(response.headers().get("x-powered-by").is_none());
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    assert!(
        response
            .headers()
            .get("access-control-allow-credentials")
            .is_none()
    );
}

#[tokio::test]
async fn flaw11_oversized_field_drops_the_connection() {
    let (flawed, fixed) = both().await;
    let big = json!({"author": "eve", "text": "A".repeat(5000)});
    let result = with_json(flawed.request(Method::POST, "/comments"), &big)
        .send()
        .await;
    let error = result.expect_err("expected no response");
    // hyper: the connection closed before a response head arrived.
    assert!(
        format!("{error:?}").contains("IncompleteMessage"),
        "{error:?}"
    );
    let response = fixed.post("/comments", big).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    // The flawed server is still up, and a normal comment works.
    let small = json!({"author": "eve", "text": "hi"});
    assert_eq!(
        flawed.post("/comments", small).await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn flaw12_slow_path_grows_with_input() {
    let (flawed, fixed) = both().await;
    let timed = |d: &Demo, email: String| {
        let request = d.request(Method::GET, &with_query("/validate/email", "email", &email));
        async move {
            let start = Instant::now();
            let status = request.send().await.expect("GET").status();
            (status, start.elapsed())
        }
    };
    // how long each input is held is unit-tested in src/demo/basic.rs
    // (`slow_path_delay`); over HTTP only the lower bound is asserted: the
    // delay is really served (an upper bound would fail on a loaded machine)
    let (status, _) = timed(&flawed, format!("{}!", "a".repeat(5))).await;
    assert_eq!(status, StatusCode::OK);
    let long_input = format!("{}!", "a".repeat(30));
    let (status, long) = timed(&flawed, long_input.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(long >= Duration::from_millis(1000), "{long:?}");
    let (status, _) = timed(&fixed, long_input).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn flaw13_declared_bearer_auth_ignored() {
    let (flawed, fixed) = both().await;
    let response = flawed.get("/notes").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(text(response).await.contains("alice-private-diary"));
    assert_eq!(fixed.get("/notes").await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn flaw14_weak_jwt_secret_and_alg_none() {
    let (flawed, fixed) = both().await;
    let weak = forged_token("HS256", "admin", Some(b"secret"));
    let none = forged_token("none", "admin", None);
    for token in [&weak, &none] {
        assert_eq!(
            flawed.get_as("/admin/audit-log", token).await.status(),
            StatusCode::OK
        );
        assert_eq!(
            fixed.get_as("/admin/audit-log", token).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    // A real token still works in fixed mode.
    let admin = fixed.token("admin", "sup3rs3cret").await;
    assert_eq!(
        fixed.get_as("/admin/audit-log", &admin).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn flaw15_bob_reads_alices_note() {
    let (flawed, fixed) = both().await;
    let bob = flawed.token("bob", "builder").await;
    let response = flawed.get_as("/notes/2", &bob).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(text(response).await.contains("alice-private-diary"));
    let bob = fixed.token("bob", "builder").await;
    assert_eq!(
        fixed.get_as("/notes/2", &bob).await.status(),
        StatusCode::NOT_FOUND
    );
    let alice = fixed.token("alice", "wonderland").await;
    assert_eq!(
        fixed.get_as("/notes/2", &alice).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn flaw16_admin_operation_open_to_users() {
    let (flawed, fixed) = both().await;
    let bob = flawed.token("bob", "builder").await;
    let response = flawed.get_as("/admin/audit-log", &bob).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(text(response).await.contains("rotated signing key"));
    let bob = fixed.token("bob", "builder").await;
    assert_eq!(
        fixed.get_as("/admin/audit-log", &bob).await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn flaw17_mass_assignment_of_role() {
    let (flawed, fixed) = both().await;
    let body = json!({"username": "mallory", "password": "password123", "role": "admin"});
    let created = json_of(flawed.post("/auth/register", body.clone()).await).await;
    assert_eq!(created["role"], "admin");
    let token = flawed.token("mallory", "password123").await;
    assert_eq!(
        flawed.get_as("/admin/audit-log", &token).await.status(),
        StatusCode::OK
    );
    let response = fixed.post("/auth/register", body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = json_of(response).await;
    assert_eq!(created["role"], "user");
}

#[tokio::test]
async fn flaw18_reflected_xss() {
    let (flawed, fixed) = both().await;
    let canary = "<script>alert('apiprobe')</script>";
    let search = |d: &Demo| {
        d.request(Method::GET, &with_query("/search", "q", canary))
            .send()
    };
    let response = search(&flawed).await.expect("GET");
    let content_type = response.headers().get("content-type").cloned();
    assert_eq!(
        content_type.as_ref().and_then(|v| v.to_str().ok()),
        Some("text/html; charset=utf-8")
    );
    assert!(text(response).await.contains(canary));
    let body = text(search(&fixed).await.expect("GET")).await;
    assert!(!body.contains(canary));
    assert!(body.contains("&lt;script&gt;"));
}

#[tokio::test]
async fn flaw19_path_traversal() {
    let (flawed, fixed) = both().await;
    for name in [
        "../../../etc/passwd",
        "/etc/passwd",
        "..%2f..%2f..%2fetc%2fpasswd",
    ] {
        let path = format!("/files?name={}", name.replace('/', "%2F"));
        let response = flawed.get(&path).await;
        assert_eq!(response.status(), StatusCode::OK, "{name}");
        assert!(text(response).await.contains("root:x:0:0"), "{name}");
        let response = fixed.get(&path).await;
        assert_ne!(response.status(), StatusCode::OK, "{name}");
        assert!(!text(response).await.contains("root:x:0:0"), "{name}");
    }
    assert_eq!(
        fixed.get("/files?name=readme.txt").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn flaw20_simulated_command_injection() {
    let (flawed, fixed) = both().await;
    for host in [
        "localhost; echo INJECTED-42",
        "localhost && echo INJECTED-42",
        "localhost | echo INJECTED-42",
    ] {
        let response = flawed.post("/tools/ping", json!({"host": host})).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = json_of(response).await;
        let output = body["output"].as_str().unwrap_or("");
        assert!(
            output.lines().any(|l| l == "INJECTED-42"),
            "{host}: {output}"
        );
        let response = fixed.post("/tools/ping", json!({"host": host})).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{host}");
    }
    // the simulated shell expands arithmetic, as sh does: only a shell writes 42
    let response = flawed
        .post("/tools/ping", json!({"host": "localhost; echo ab$((6*7))"}))
        .await;
    let body: Value = json_of(response).await;
    let output = body["output"].as_str().unwrap_or("");
    assert!(output.lines().any(|l| l == "ab42"), "{output}");
    // `sleep 5` really sleeps, cut to the simulation's cap of 1 s (the cap
    // itself is unit-tested in src/demo/shell.rs; an upper bound here would
    // fail on a loaded machine)
    let start = Instant::now();
    let response = flawed
        .post("/tools/ping", json!({"host": "localhost; sleep 5"}))
        .await;
    let elapsed = start.elapsed();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(elapsed >= Duration::from_millis(900), "{elapsed:?}");
    let body: Value = json_of(response).await;
    let output = body["output"].as_str().unwrap_or("");
    assert!(output.starts_with("PING localhost"), "{output}");
    let response = fixed
        .post("/tools/ping", json!({"host": "localhost"}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn flaw63_admin_only_command_injection_behind_a_forged_token() {
    let (flawed, fixed) = both().await;
    let post = |demo: &Demo, token: &str, host: &str| {
        with_json(
            demo.request(Method::POST, "/admin/backup-check")
                .bearer_auth(token),
            &json!({"host": host}),
        )
        .send()
    };
    let injected = "backup.internal; echo ab$((6*7))";
    for demo in [&flawed, &fixed] {
        // no identity of the scan may call it
        for (user, password) in [("alice", "wonderland"), ("erin", "eraser-head")] {
            let token = demo.token(user, password).await;
            let status = post(demo, &token, "backup.internal")
                .await
                .expect("POST")
                .status();
            assert_eq!(status, StatusCode::FORBIDDEN, "{user}");
        }
    }
    // flawed: a token forged for admin (the weak secret, or alg none) runs the injection
    for forged in [
        forged_token("HS256", "admin", Some(b"secret")),
        forged_token("none", "admin", None),
    ] {
        let response = post(&flawed, &forged, injected).await.expect("POST");
        assert_eq!(response.status(), StatusCode::OK);
        let output = json_of(response).await["output"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        assert!(output.lines().any(|l| l == "ab42"), "{output}");
        // fixed: the forged token is refused
        let status = post(&fixed, &forged, "backup.internal")
            .await
            .expect("POST")
            .status();
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // fixed, the real administrator's injected host is refused too
    let admin = fixed.token("admin", "sup3rs3cret").await;
    let status = post(&fixed, &admin, injected).await.expect("POST").status();
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn flaw21_user_enumeration_in_login() {
    let (flawed, fixed) = both().await;
    assert_ne!(
        login_error(&flawed, "alice").await,
        login_error(&flawed, "nobody").await
    );
    assert_eq!(
        login_error(&fixed, "alice").await,
        login_error(&fixed, "nobody").await
    );
}

#[tokio::test]
async fn flaw22_secrets_in_config() {
    let (flawed, fixed) = both().await;
    let body = text(flawed.get("/config").await).await;
    assert!(body.contains("AKIAZ7DEMO4APIPROBE2"));
    assert!(body.contains("-----BEGIN RSA PRIVATE KEY-----"));
    let body = text(fixed.get("/config").await).await;
    assert!(!body.contains("AKIA"));
    assert!(!body.contains("PRIVATE KEY"));
}

#[tokio::test]
async fn flaw23_password_hashes_in_user_list() {
    let (flawed, fixed) = both().await;
    let token = flawed.token("bob", "builder").await;
    let body = text(flawed.get_as("/users", &token).await).await;
    assert!(body.contains("password_hash") && body.contains("$sha256$alice$"));
    let token = fixed.token("bob", "builder").await;
    let response = fixed.get_as("/users", &token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = text(response).await;
    assert!(!body.contains("password_hash") && !body.contains("$sha256$"));
}

#[tokio::test]
async fn flaw24_deleted_note_still_readable() {
    let (flawed, fixed) = both().await;
    for (demo, expected) in [(&flawed, StatusCode::OK), (&fixed, StatusCode::NOT_FOUND)] {
        let alice = demo.token("alice", "wonderland").await;
        let response = demo
            .request(Method::DELETE, "/notes/1")
            .bearer_auth(&alice)
            .send()
            .await
            .expect("DELETE");
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        assert_eq!(demo.get_as("/notes/1", &alice).await.status(), expected);
    }
}

#[tokio::test]
async fn flaw25_ssrf_to_loopback() {
    let (flawed, fixed) = both().await;
    let target = format!("{}/config", flawed.server.base_url());
    let response = flawed.post("/webhooks/test", json!({"url": target})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = json_of(response).await;
    assert_eq!(body["status"], 200);
    assert!(
        body["body"].as_str().unwrap_or("").contains("AKIA"),
        "{body}"
    );
    let response = fixed.post("/webhooks/test", json!({"url": target})).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    // Never beyond loopback, even flawed: the event is only queued.
    let response = flawed
        .post("/webhooks/test", json!({"url": "http://192.0.2.1/"}))
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
}

#[tokio::test]
async fn flaw27_template_injection() {
    let (flawed, fixed) = both().await;
    let greet = |d: &Demo| {
        d.request(Method::GET, &with_query("/greet", "name", "{{7*7}}"))
            .send()
    };
    let body = json_of(greet(&flawed).await.expect("GET")).await;
    assert_eq!(body["greeting"], "Hello, 49!");
    let body = json_of(greet(&fixed).await.expect("GET")).await;
    assert_eq!(body["greeting"], "Hello, {{7*7}}!");
}

#[tokio::test]
async fn flaw29_nosql_operator_injection() {
    let (flawed, fixed) = both().await;
    let count = |v: Value| v.as_array().map(Vec::len).unwrap_or(usize::MAX);
    for demo in [&flawed, &fixed] {
        let one = flawed_or_fixed_search(demo, json!({"name": "Teapot"})).await;
        assert_eq!(one.0, StatusCode::OK);
        assert_eq!(count(one.1), 1);
        let none = flawed_or_fixed_search(demo, json!({"name": "nothing"})).await;
        assert_eq!(count(none.1), 0);
    }
    let all = flawed_or_fixed_search(&flawed, json!({"name": {"$ne": "nothing"}})).await;
    assert_eq!(all.0, StatusCode::OK);
    assert_eq!(count(all.1), 3);
    let some = flawed_or_fixed_search(&flawed, json!({"sku": {"$regex": "^SKU-100[12]$"}})).await;
    assert_eq!(count(some.1), 2);
    let refused = flawed_or_fixed_search(&fixed, json!({"name": {"$ne": "nothing"}})).await;
    assert_eq!(refused.0, StatusCode::BAD_REQUEST);
}

async fn flawed_or_fixed_search(demo: &Demo, filter: Value) -> (StatusCode, Value) {
    let response = demo.post("/products/search", filter).await;
    let status = response.status();
    (status, json_of(response).await)
}

#[tokio::test]
async fn flaw28_no_rate_limit_on_login() {
    let (flawed, fixed) = both().await;
    for _ in 0..15 {
        assert_eq!(
            wrong_login(&flawed).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let mut statuses = Vec::new();
    for _ in 0..10 {
        statuses.push(wrong_login(&fixed).await.status());
    }
    assert!(
        statuses[..8].iter().all(|s| *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
    assert_eq!(statuses[8], StatusCode::TOO_MANY_REQUESTS);
    let response = wrong_login(&fixed).await;
    assert!(response.headers().contains_key("retry-after"));
}

async fn mobile(demo: &Demo, user: &str) -> reqwest::Response {
    demo.post(
        "/mobile/login",
        json!({"username": user, "password": "wrong"}),
    )
    .await
}

async fn reset(demo: &Demo, code: &str) -> reqwest::Response {
    demo.post(
        "/auth/reset-password",
        json!({"email": "bob@example.com", "code": code, "new_password": "new-password"}),
    )
    .await
}

#[tokio::test]
async fn flaws52_53_guessable_sign_in_and_reset_code() {
    let (flawed, fixed) = both().await;
    let flawed_known = json_of(mobile(&flawed, "alice").await).await;
    let flawed_unknown = json_of(mobile(&flawed, "nobody").await).await;
    assert_eq!(flawed_known["success"], false);
    assert_ne!(flawed_known["message"], flawed_unknown["message"]);
    let response = mobile(&fixed, "alice").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        json_of(response).await["message"],
        json_of(mobile(&fixed, "nobody").await).await["message"]
    );
    for demo in [&flawed, &fixed] {
        let response = demo
            .post("/auth/forgot-password", json!({"email": "bob@example.com"}))
            .await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
    }
    // wrong codes: refused without end when flawed, five and then 429 when fixed
    let mut flawed_statuses = Vec::new();
    let mut fixed_statuses = Vec::new();
    for i in 0..7 {
        // at most one of two neighbouring codes is the real one: count refusals
        let code = format!("{:04}", 1000 + i);
        flawed_statuses.push(reset(&flawed, &code).await.status());
        fixed_statuses.push(reset(&fixed, &code).await.status());
    }
    assert!(
        flawed_statuses
            .iter()
            .filter(|s| **s == StatusCode::FORBIDDEN)
            .count()
            >= 6,
        "{flawed_statuses:?}"
    );
    assert!(
        !flawed_statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{flawed_statuses:?}"
    );
    assert!(
        fixed_statuses[5..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS)
            || fixed_statuses.contains(&StatusCode::OK),
        "{fixed_statuses:?}"
    );
}

#[tokio::test]
async fn spec_loads_and_every_operation_answers_when_fixed() {
    let api = apiprobe::spec::load_path(concat!(env!("CARGO_MANIFEST_DIR"), "/specs/demo.yaml"))
        .expect("specs/demo.yaml loads");
    let demo = Demo::start(FIXED).await;
    let token = demo.token("alice", "wonderland").await;
    let admin = demo.token("admin", "sup3rs3cret").await;
    let mut seen = 0;
    for operation in &api.operations {
        let method = operation.method.to_string().to_uppercase();
        let (path, body): (&str, Option<Value>) = match (method.as_str(), operation.path.as_str()) {
            ("GET", "/calc/square") => ("/calc/square?n=7", None),
            ("GET", "/reports/{name}") => ("/reports/daily", None),
            ("POST", "/feedback") => ("/feedback", Some(json!({"rating": 4}))),
            ("GET", "/products/{sku}") => ("/products/SKU-1002", None),
            ("POST", "/comments") => ("/comments", Some(json!({"author": "a", "text": "b"}))),
            ("GET", "/validate/email") => ("/validate/email?email=a%40example.com", None),
            ("POST", "/auth/login") => (
                "/auth/login",
                Some(json!({"username": "bob", "password": "builder"})),
            ),
            ("POST", "/mobile/login") => (
                "/mobile/login",
                Some(json!({"username": "bob", "password": "builder"})),
            ),
            ("POST", "/auth/forgot-password") => (
                "/auth/forgot-password",
                Some(json!({"email": "bob@example.com"})),
            ),
            ("POST", "/auth/reset-password") => {
                // the code was mailed, never shown: a wrong one is refused as documented
                let response = demo
                    .post(
                        "/auth/reset-password",
                        json!({"email": "nobody@example.com", "code": "0000", "new_password": "new-password"}),
                    )
                    .await;
                assert_eq!(response.status(), StatusCode::FORBIDDEN);
                seen += 1;
                continue;
            }
            ("POST", "/auth/register") => (
                "/auth/register",
                Some(json!({"username": "zoe", "password": "zoe-pass-1"})),
            ),
            ("POST", "/notes") => ("/notes", Some(json!({"title": "t", "body": "b"}))),
            ("GET", "/notes/{id}") => ("/notes/2", None),
            ("DELETE", "/notes/{id}") => ("/notes/1", None),
            ("GET", "/search") => ("/search?q=tea", None),
            ("GET", "/files") => ("/files?name=readme.txt", None),
            ("POST", "/tools/ping") => ("/tools/ping", Some(json!({"host": "localhost"}))),
            ("POST", "/admin/backup-check") => (
                "/admin/backup-check",
                Some(json!({"host": "backup.internal"})),
            ),
            ("POST", "/webhooks/test") => (
                "/webhooks/test",
                Some(json!({"url": "https://hooks.example.com/demo"})),
            ),
            ("GET", "/greet") => ("/greet?name=alice", None),
            ("POST", "/sso/token") => (
                "/sso/token",
                Some(json!({"username": "bob", "password": "builder"})),
            ),
            (_, sso_path @ ("/sso/profile" | "/sso/logout")) => {
                // the SSO service takes its own RS256 tokens only
                let response = demo
                    .post(
                        "/sso/token",
                        json!({"username": "bob", "password": "builder"}),
                    )
                    .await;
                let sso = json_of(response).await["id_token"]
                    .as_str()
                    .expect("an id token")
                    .to_owned();
                let method = Method::from_bytes(method.as_bytes()).expect("method");
                let response = demo
                    .request(method.clone(), sso_path)
                    .bearer_auth(&sso)
                    .send()
                    .await
                    .expect("request");
                assert_eq!(response.status(), StatusCode::OK, "{method} {sso_path}");
                seen += 1;
                continue;
            }
            ("POST", "/products/search") => ("/products/search", Some(json!({"name": "Teapot"}))),
            ("POST", "/drafts") => ("/drafts", Some(json!({"name": "todo", "text": "t"}))),
            ("GET", "/drafts/{name}") => ("/drafts/todo", None),
            ("PUT", "/drafts/{name}") => ("/drafts/todo", Some(json!({"text": "u"}))),
            ("DELETE", "/drafts/{name}") => ("/drafts/todo", None),
            ("GET", "/invoices/{invoiceId}") => ("/invoices/7001", None),
            ("PATCH", "/invoices/{invoiceId}") => ("/invoices/7001", Some(json!({"memo": "m"}))),
            ("POST", "/articles") => ("/articles", Some(json!({"title": "t", "body": "b"}))),
            // the ad POST /ads makes first is the one read and deleted
            ("POST", "/ads") => ("/ads", Some(json!({"headline": "h", "text": "t"}))),
            ("GET" | "DELETE", "/ads/{id}") => ("/ads/1", None),
            ("GET" | "DELETE", "/articles/{id}") => ("/articles/1", None),
            ("PUT", "/articles/{id}") => ("/articles/1", Some(json!({"title": "u", "body": "v"}))),
            ("PUT", "/profile") => ("/profile", Some(json!({"display_name": "Al", "bio": "b"}))),
            ("POST", "/shop/signup") => (
                "/shop/signup",
                Some(
                    json!({"username": "quinn", "password": "quinn-pass-1", "email": "quinn@example.com"}),
                ),
            ),
            ("POST", "/shop/login") => (
                "/shop/login",
                Some(json!({"username": "quinn", "password": "quinn-pass-1"})),
            ),
            ("POST", "/partner/token") => ("/partner/token", Some(json!({"client_id": "acme"}))),
            ("POST", "/kiosk/session") => ("/kiosk/session", Some(json!({"store": "north"}))),
            ("GET", issued @ ("/shop/me" | "/partner/orders")) => {
                // each service takes the tokens it issues itself
                let (from, body, field) = match issued {
                    "/shop/me" => (
                        "/shop/login",
                        json!({"username": "quinn", "password": "quinn-pass-1"}),
                        "token",
                    ),
                    _ => (
                        "/partner/token",
                        json!({"client_id": "acme"}),
                        "access_token",
                    ),
                };
                let response = demo.post(from, body).await;
                let own = json_of(response).await[field]
                    .as_str()
                    .expect("a token")
                    .to_owned();
                let response = demo
                    .request(Method::GET, issued)
                    .bearer_auth(&own)
                    .send()
                    .await
                    .expect("request");
                assert_eq!(response.status(), StatusCode::OK, "GET {issued}");
                seen += 1;
                continue;
            }
            ("PUT", "/users/{username}/password") => (
                "/users/alice/password",
                Some(json!({"current_password": "wonderland", "new_password": "wonderland"})),
            ),
            (_, path) if !path.contains('{') => (path, None),
            (m, p) => panic!("no request for {m} {p}"),
        };
        let method = Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = demo.request(method.clone(), path).bearer_auth(
            if path.starts_with("/admin") || path.starts_with("/articles") {
                &admin
            } else {
                &token
            },
        );
        if let Some(body) = body {
            request = with_json(request, &body);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        assert!(status.is_success(), "{method} {path}: {status}");
        let declared = operation
            .responses
            .iter()
            .any(|r| r.status.to_string() == status.as_str());
        assert!(declared, "{method} {path}: {status} is not declared");
        seen += 1;
    }
    assert_eq!(seen, api.operations.len());
}

async fn wrong_login(demo: &Demo) -> reqwest::Response {
    demo.post(
        "/auth/login",
        json!({"username": "alice", "password": "guess"}),
    )
    .await
}

async fn login_error(demo: &Demo, user: &str) -> String {
    let response = demo
        .post(
            "/auth/login",
            json!({"username": user, "password": "wrong"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body = json_of(response).await;
    body["error"].as_str().unwrap_or("").to_owned()
}

#[tokio::test]
async fn flaws30_32_undocumented_routes() {
    let (flawed, fixed) = both().await;
    let debug = flawed.get("/debug").await;
    assert_eq!(debug.status(), StatusCode::OK);
    let page = text(debug).await;
    assert!(
        page.contains("Werkzeug Debugger") && page.contains("AWS_ACCESS_KEY_ID=AKIA"),
        "{page}"
    );
    let export = json_of(flawed.get("/export/users").await).await;
    let users = export["users"].as_array().expect("users");
    assert!(
        users.len() >= 3 && users.iter().all(|u| u["password_hash"].is_string()),
        "{export}"
    );
    let tasks = json_of(flawed.get("/admin/tasks").await).await;
    assert!(tasks["tasks"].is_array(), "{tasks}");
    let run = flawed.post("/admin/tasks", json!({})).await;
    assert_eq!(run.status(), StatusCode::ACCEPTED);
    for path in ["/debug", "/export/users", "/admin/tasks"] {
        assert_eq!(
            fixed.get(path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

#[tokio::test]
async fn flaw33_cors_trusts_any_origin_ending_in_the_domain() {
    let (flawed, fixed) = both().await;
    let allowed = |d: &Demo, origin: &'static str| {
        let request = d.request(Method::GET, "/version").header("Origin", origin);
        async move {
            let response = request.send().await.expect("GET");
            response
                .headers()
                .get("access-control-allow-origin")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        }
    };
    let evil = "https://evilapiprobe-demo.example";
    assert_eq!(allowed(&flawed, evil).await.as_deref(), Some(evil));
    // an origin that does not end in the domain gets the app's own origin
    assert_eq!(
        allowed(&flawed, "https://apiprobe-demo.example.evil.example")
            .await
            .as_deref(),
        Some("https://app.apiprobe-demo.example")
    );
    assert_eq!(allowed(&fixed, evil).await, None);
}

/// Creates an ad as `token`'s user; its id.
async fn new_ad(demo: &Demo, token: &str, headline: &str) -> i64 {
    let response = with_json(
        demo.request(Method::POST, "/ads").bearer_auth(token),
        &json!({"headline": headline, "text": "for sale"}),
    )
    .send()
    .await
    .expect("POST /ads");
    assert_eq!(response.status(), StatusCode::CREATED);
    json_of(response).await["id"].as_i64().expect("an id")
}

#[tokio::test]
async fn flaw45_the_board_renders_a_stored_headline_unescaped() {
    let (flawed, fixed) = both().await;
    for (demo, raw) in [(&flawed, true), (&fixed, false)] {
        let token = demo.token("alice", "wonderland").await;
        new_ad(demo, &token, "<b id=zz1>bike</b>").await;
        let page = text(demo.get("/board").await).await;
        assert_eq!(page.contains("<b id=zz1>bike</b>"), raw, "{page}");
        assert_eq!(
            page.contains("&lt;b id=zz1&gt;bike&lt;/b&gt;"),
            !raw,
            "{page}"
        );
    }
}

#[tokio::test]
async fn flaw46_an_anonymous_delete_with_isadmin_true_removes_an_ad() {
    let (flawed, fixed) = both().await;
    for (demo, deleted) in [(&flawed, true), (&fixed, false)] {
        let token = demo.token("alice", "wonderland").await;
        let id = new_ad(demo, &token, "lamp").await;
        let path = format!("/ads/{id}");
        let plain = demo
            .request(Method::DELETE, &path)
            .send()
            .await
            .expect("DELETE");
        assert_eq!(plain.status(), StatusCode::UNAUTHORIZED);
        let claimed = demo
            .request(Method::DELETE, &path)
            .header("IsAdmin", "True")
            .send()
            .await
            .expect("DELETE");
        let expected = match deleted {
            true => StatusCode::NO_CONTENT,
            false => StatusCode::UNAUTHORIZED,
        };
        assert_eq!(claimed.status(), expected);
        let after = demo.get(&path).await.status();
        assert_eq!(after == StatusCode::NOT_FOUND, deleted);
    }
}

/// Whether `token` is an HMAC JWT (HS256 or HS384, as its header says)
/// whose signature `key` reproduces.
fn signed_with(token: &str, key: &[u8]) -> bool {
    let Some((data, signature)) = token.rsplit_once('.') else {
        return false;
    };
    let header: Value = URL_SAFE_NO_PAD
        .decode(data.split('.').next().unwrap_or_default())
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let given = URL_SAFE_NO_PAD.decode(signature).unwrap_or_default();
    match header["alg"].as_str() {
        Some("HS384") => {
            let mut m = Hmac::<sha2::Sha384>::new_from_slice(key).expect("key");
            m.update(data.as_bytes());
            m.verify_slice(&given).is_ok()
        }
        _ => {
            let mut m = Hmac::<sha2::Sha256>::new_from_slice(key).expect("key");
            m.update(data.as_bytes());
            m.verify_slice(&given).is_ok()
        }
    }
}

#[tokio::test]
async fn flaws60_61_partner_and_kiosk_tokens_have_weak_keys() {
    let (flawed, fixed) = both().await;
    for (demo, weak) in [(&flawed, true), (&fixed, false)] {
        let response = demo
            .post("/partner/token", json!({"client_id": "acme"}))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = serde_json::from_str(&text(response).await).expect("json");
        let partner = body["access_token"].as_str().expect("a token").to_owned();
        assert_eq!(signed_with(&partner, b"482913"), weak);
        // the gateway takes its own token either way
        assert_eq!(
            demo.get_as("/partner/orders", &partner).await.status(),
            StatusCode::OK
        );
        let response = demo.post("/kiosk/session", json!({"store": "north"})).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = serde_json::from_str(&text(response).await).expect("json");
        let kiosk = body["token"].as_str().expect("a token");
        assert!(kiosk.starts_with("eyJ"), "{kiosk}");
        assert_eq!(signed_with(kiosk, b"keyboard"), weak);
    }
    // a token signed with the weak key passes only the flawed gateway
    let header = URL_SAFE_NO_PAD.encode(json!({"alg": "HS256", "typ": "JWT"}).to_string());
    let claims = json!({"iss": "partner-gateway", "sub": "mallory", "exp": 4_000_000_000u64});
    let data = format!("{header}.{}", URL_SAFE_NO_PAD.encode(claims.to_string()));
    let mut m = Hmac::<sha2::Sha256>::new_from_slice(b"482913").expect("key");
    m.update(data.as_bytes());
    let forged = format!(
        "{data}.{}",
        URL_SAFE_NO_PAD.encode(m.finalize().into_bytes())
    );
    assert_eq!(
        flawed.get_as("/partner/orders", &forged).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        fixed.get_as("/partner/orders", &forged).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

/// The demo SSO key's PEM as its verifier holds it, built from the JWKS
/// (a 2048-bit modulus, exponent 65537: the SubjectPublicKeyInfo around
/// them has a fixed prefix).
fn sso_pem(jwks: &Value) -> String {
    let n = URL_SAFE_NO_PAD
        .decode(jwks["keys"][0]["n"].as_str().expect("n"))
        .expect("base64url n");
    assert_eq!(n.len(), 256);
    assert_eq!(jwks["keys"][0]["e"], "AQAB");
    let mut der = vec![
        0x30, 0x82, 0x01, 0x22, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
        0x01, 0x01, 0x05, 0x00, 0x03, 0x82, 0x01, 0x0f, 0x00, 0x30, 0x82, 0x01, 0x0a, 0x02, 0x82,
        0x01, 0x01, 0x00,
    ];
    der.extend(n);
    der.extend([0x02, 0x03, 0x01, 0x00, 0x01]);
    let text = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<String> = text
        .as_bytes()
        .chunks(64)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        lines.join("\n")
    )
}

#[tokio::test]
async fn flaws34_36_sso_key_confusion_logout_and_hash_claim() {
    let (flawed, fixed) = both().await;
    for (demo, flaw) in [(&flawed, true), (&fixed, false)] {
        let jwks: Value = json_of(demo.get("/.well-known/jwks.json").await).await;
        let pem = sso_pem(&jwks);
        let response = demo
            .post(
                "/sso/token",
                json!({"username": "alice", "password": "wonderland"}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let token = json_of(response).await["id_token"]
            .as_str()
            .expect("an id token")
            .to_owned();
        let mut parts = token.split('.');
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap())
                .unwrap();
        let claims: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap())
                .unwrap();
        assert_eq!(header["alg"], "RS256");
        // flaw 36: the password hash travels in the token
        assert_eq!(claims.get("password_hash").is_some(), flaw, "{claims}");
        assert_eq!(
            demo.get_as("/sso/profile", &token).await.status(),
            StatusCode::OK
        );
        // flaw 34: the same claims as HS256 with the PEM text as the key
        let data = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(json!({"alg": "HS256", "typ": "JWT"}).to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(pem.as_bytes()).expect("key");
        mac.update(data.as_bytes());
        let forged = format!(
            "{data}.{}",
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        );
        let expected = if flaw {
            StatusCode::OK
        } else {
            StatusCode::UNAUTHORIZED
        };
        assert_eq!(
            demo.get_as("/sso/profile", &forged).await.status(),
            expected
        );
        // the HS256 tokens of /auth/login are not the SSO service's
        let other = demo.token("alice", "wonderland").await;
        assert_eq!(
            demo.get_as("/sso/profile", &other).await.status(),
            StatusCode::UNAUTHORIZED
        );
        // flaw 35: the logout revokes nothing
        let response = demo
            .request(Method::POST, "/sso/logout")
            .bearer_auth(&token)
            .send()
            .await
            .expect("POST");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(demo.get_as("/sso/profile", &token).await.status(), expected);
    }
}
