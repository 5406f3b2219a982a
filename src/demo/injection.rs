//! Operations that mishandle what they are given: reflected XSS (18), path
//! traversal (19), command injection (20), SSRF (25) and template injection (27).

use super::response::{error, json, object, string_field};
use super::state::AppState;
use super::{fakefs, shell, template};
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

type Shared = State<Arc<AppState>>;
type Params = Query<HashMap<String, String>>;

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            other => out.push(other),
        }
    }
    out
}

/// GET /search?q=: an HTML page. Flaw 18: the query is echoed unescaped.
pub(crate) async fn search(State(state): Shared, Query(params): Params) -> Response {
    let q = params.get("q").map(String::as_str).unwrap_or("");
    let names: Vec<String> = {
        let db = state.db();
        db.prepare("SELECT name FROM products WHERE instr(lower(name), lower(?1)) > 0")
            .and_then(|mut statement| statement.query_map([q], |row| row.get(0))?.collect())
            .unwrap_or_default()
    };
    let shown = if state.config.fixed {
        escape_html(q)
    } else {
        q.to_owned()
    };
    let items: String = names
        .iter()
        .map(|name| format!("<li>{}</li>", escape_html(name)))
        .collect();
    let page = format!(
        "<!DOCTYPE html>\n<html><head><title>Search</title></head><body>\n<h1>Search</h1>\n<p>Results for: {shown}</p>\n<ul>{items}</ul>\n</body></html>\n"
    );
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()
}

/// GET /files?name=: a file of the public folder. Flaw 19: `..` and absolute
/// names leave the folder (the tree is an in-memory fake).
pub(crate) async fn file(State(state): Shared, Query(params): Params) -> Response {
    let Some(name) = params.get("name") else {
        return error(StatusCode::BAD_REQUEST, "name is required");
    };
    if state.config.fixed
        && (name.is_empty()
            || name.starts_with('.')
            || name.contains(['/', '\\', '\0'])
            || name.len() > 255)
    {
        return error(StatusCode::BAD_REQUEST, "invalid file name");
    }
    let path = fakefs::resolve(fakefs::PUBLIC_DIR, name);
    match fakefs::read(&path) {
        Some(content) => (
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            content,
        )
            .into_response(),
        None => error(StatusCode::NOT_FOUND, "no such file"),
    }
}

/// POST /tools/ping: pings a host. Flaw 20: the host goes through a
/// (simulated) shell, so `;`, `&&`, `||` and `|` chain commands.
pub(crate) async fn ping(State(state): Shared, body: Bytes) -> Response {
    let map = match object(&body) {
        Ok(map) => map,
        Err(response) => return response.into_response(),
    };
    let host = match string_field(&map, "host") {
        Ok(host) => host,
        Err(response) => return response.into_response(),
    };
    if host.len() > 1000 || (state.config.fixed && !shell::is_plain_host(host)) {
        return error(
            StatusCode::BAD_REQUEST,
            "host must be a host name or address",
        );
    }
    let outcome = shell::run(host);
    tokio::time::sleep(outcome.sleep.min(shell::SLEEP_CAP)).await;
    json(StatusCode::OK, json!({"output": outcome.output}))
}

/// GET /greet?name=. Flaw 27: the name is pasted into the template before it
/// is rendered, so `{{7*7}}` in a name becomes 49.
pub(crate) async fn greet(State(state): Shared, Query(params): Params) -> Response {
    let name = params.get("name").map(String::as_str).unwrap_or("guest");
    if name.len() > 1000 || (state.config.fixed && name.chars().count() > 100) {
        return error(StatusCode::BAD_REQUEST, "name is too long");
    }
    let greeting = if state.config.fixed {
        template::render("Hello, {{name}}!", &[("name", name)])
    } else {
        template::render(&format!("Hello, {name}!"), &[])
    };
    json(StatusCode::OK, json!({"greeting": greeting}))
}

/// Whether the URL's host is this machine (the only place the demo may fetch from).
fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// Largest part of a fetched body returned.
const EXCERPT: usize = 2000;

/// POST /webhooks/test: delivers a test event to a URL. Flaw 25: a loopback
/// URL is fetched and its answer returned (SSRF). Other URLs are only queued,
/// never fetched, in both modes; the fixed server refuses internal addresses.
pub(crate) async fn webhook_test(State(state): Shared, body: Bytes) -> Response {
    let map = match object(&body) {
        Ok(map) => map,
        Err(response) => return response.into_response(),
    };
    let raw = match string_field(&map, "url") {
        Ok(raw) => raw,
        Err(response) => return response.into_response(),
    };
    let Ok(url) = url::Url::parse(raw) else {
        return error(StatusCode::BAD_REQUEST, "url must be an absolute URL");
    };
    if !matches!(url.scheme(), "http" | "https") {
        return error(StatusCode::BAD_REQUEST, "url must be http or https");
    }
    if !is_loopback(&url) {
        return json(StatusCode::ACCEPTED, json!({"queued": true}));
    }
    if state.config.fixed {
        return error(
            StatusCode::BAD_REQUEST,
            "webhook destination is an internal address",
        );
    }
    match fetch(url).await {
        Ok((status, excerpt)) => json(
            StatusCode::OK,
            json!({"delivered": true, "status": status, "body": excerpt}),
        ),
        Err(message) => json(
            StatusCode::OK,
            json!({"delivered": false, "status": 0, "body": message}),
        ),
    }
}

async fn fetch(url: url::Url) -> Result<(u16, String), String> {
    crate::tls::install_crypto_provider();
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(2))
        .build()
        .map_err(|e| e.to_string())?;
    let mut response = client.get(url).send().await.map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let mut bytes = Vec::new();
    while bytes.len() < EXCERPT {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(e) => return Err(e.to_string()),
        }
    }
    bytes.truncate(EXCERPT);
    Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
}
