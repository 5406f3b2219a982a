//! Operations whose flaws are about conformance and robustness: flaws 1 to 9,
//! 11 and 12.

use super::response::{Segment, error, json, object, string_field};
use super::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

type Shared = State<Arc<AppState>>;
type Params = Query<HashMap<String, String>>;

/// GET /health. Flaw 4: answers 202, which the spec does not declare.
pub(crate) async fn health(State(state): Shared) -> Response {
    let status = if state.config.fixed {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    json(status, json!({"status": "ok"}))
}

/// GET /version. Flaw 6: JSON labelled text/plain.
pub(crate) async fn version(State(state): Shared) -> Response {
    let body = json!({"name": "apiprobe-demo", "version": "1.4.2"}).to_string();
    let content_type = if state.config.fixed {
        "application/json"
    } else {
        "text/plain; charset=utf-8"
    };
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// Flaw 9: an undeclared method on /version answers 500 instead of 405.
pub(crate) async fn method_crash() -> Response {
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal error: no handler for this method",
    )
}

/// GET /stats. Flaw 5: counts as a string and a null, against the declared integers.
pub(crate) async fn stats(State(state): Shared) -> Response {
    let counts = {
        let db = state.db();
        let users: i64 = db
            .query_row("SELECT count(*) FROM users", [], |r| r.get(0))
            .unwrap_or(0);
        let notes: i64 = db
            .query_row("SELECT count(*) FROM notes WHERE deleted = 0", [], |r| {
                r.get(0)
            })
            .unwrap_or(0);
        (users, notes)
    };
    if state.config.fixed {
        json(
            StatusCode::OK,
            json!({"users": counts.0, "notes": counts.1}),
        )
    } else {
        json(
            StatusCode::OK,
            json!({"users": counts.0.to_string(), "notes": Value::Null}),
        )
    }
}

/// Largest |n| whose square fits in an i64 (the spec's documented bound).
const SQUARE_LIMIT: i64 = 3_037_000_499;

/// GET /calc/square?n=. Flaw 1: a square that overflows i64 ends in a 500.
pub(crate) async fn square(State(state): Shared, Query(params): Params) -> Response {
    let Some(n) = params.get("n").and_then(|n| n.trim().parse::<i64>().ok()) else {
        return error(StatusCode::BAD_REQUEST, "n must be a 64-bit integer");
    };
    if state.config.fixed && !(-SQUARE_LIMIT..=SQUARE_LIMIT).contains(&n) {
        return error(
            StatusCode::BAD_REQUEST,
            "n is out of range: its square does not fit in 64 bits",
        );
    }
    match n.checked_mul(n) {
        Some(square) => json(StatusCode::OK, json!({"n": n, "square": square})),
        // The flawed server does not validate and hits the overflow.
        None => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error: attempt to multiply with overflow",
        ),
    }
}

/// The stack trace flaw 3 answers with.
pub(crate) const STACK_TRACE: &str = "java.lang.NullPointerException: Cannot invoke \"com.demo.reports.Report.render()\" because \"report\" is null
\tat com.demo.reports.ReportService.render(ReportService.java:87)
\tat com.demo.reports.ReportController.get(ReportController.java:42)
\tat java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103)
\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:883)
\tat org.apache.catalina.core.ApplicationFilterChain.internalDoFilter(ApplicationFilterChain.java:195)
\tat java.base/java.lang.Thread.run(Thread.java:1583)
";

/// GET /reports/{name}. Flaw 3: an unknown report answers 500 with a stack trace.
pub(crate) async fn report(State(state): Shared, Segment(name): Segment) -> Response {
    let rows = match name.as_str() {
        "daily" => json!([{"metric": "logins", "value": 42}]),
        "weekly" => json!([{"metric": "logins", "value": 311}]),
        _ if state.config.fixed => return error(StatusCode::NOT_FOUND, "no such report"),
        _ => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                STACK_TRACE,
            )
                .into_response();
        }
    };
    json(StatusCode::OK, json!({"name": name, "rows": rows}))
}

/// POST /feedback. Flaw 7: a rating below the documented minimum of 1 is accepted.
pub(crate) async fn feedback(State(state): Shared, body: Bytes) -> Response {
    let map = match object(&body) {
        Ok(map) => map,
        Err(response) => return response.into_response(),
    };
    let Some(rating) = map.get("rating").and_then(Value::as_i64) else {
        return error(StatusCode::BAD_REQUEST, "rating must be an integer");
    };
    let minimum = if state.config.fixed { 1 } else { i64::MIN };
    if rating < minimum || rating > 5 {
        return error(StatusCode::BAD_REQUEST, "rating must be between 1 and 5");
    }
    match map.get("comment") {
        None => {}
        Some(Value::String(c)) if c.chars().count() <= 500 => {}
        Some(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "comment must be a string of at most 500 characters",
            );
        }
    }
    json(
        StatusCode::CREATED,
        json!({"accepted": true, "rating": rating}),
    )
}

/// GET /products?sort=. Flaw 8: the documented sort value `created` is rejected.
pub(crate) async fn products(State(state): Shared, Query(params): Params) -> Response {
    let column = match params.get("sort").map(String::as_str) {
        None | Some("name") => "name",
        Some("price") => "price",
        Some("created") if state.config.fixed => "created",
        Some(other) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("unsupported sort key '{other}'"),
            );
        }
    };
    let sql = format!("SELECT sku, name, price, created FROM products ORDER BY {column}");
    let rows = {
        let db = state.db();
        query_products(&db, &sql, [])
    };
    match rows {
        Ok(rows) => json(StatusCode::OK, Value::Array(rows)),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "database error"),
    }
}

fn query_products<P: rusqlite::Params>(
    db: &rusqlite::Connection,
    sql: &str,
    params: P,
) -> rusqlite::Result<Vec<Value>> {
    let mut statement = db.prepare(sql)?;
    let rows = statement.query_map(params, |row| {
        Ok(json!({
            "sku": row.get::<_, String>(0)?,
            "name": row.get::<_, String>(1)?,
            "price": row.get::<_, f64>(2)?,
            "created": row.get::<_, String>(3)?,
        }))
    })?;
    rows.collect()
}

/// GET /products/{sku}. Flaw 2: string-built SQL; SQLite's error text is returned.
pub(crate) async fn product(State(state): Shared, Segment(sku): Segment) -> Response {
    let result = {
        let db = state.db();
        if state.config.fixed {
            query_products(
                &db,
                "SELECT sku, name, price, created FROM products WHERE sku = ?1",
                [&sku],
            )
        } else {
            let sql = format!("SELECT sku, name, price, created FROM products WHERE sku = '{sku}'");
            query_products(&db, &sql, [])
        }
    };
    match result {
        Ok(rows) => match rows.into_iter().next() {
            Some(row) => json(StatusCode::OK, row),
            None => error(StatusCode::NOT_FOUND, "no such product"),
        },
        Err(e) if !state.config.fixed => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("SQLite error: {e} (while executing SELECT ... WHERE sku = '{sku}')"),
        ),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "database error"),
    }
}

/// Declared maximum length of a comment's text.
const COMMENT_MAX: usize = 2000;

/// POST /comments. Flaw 11: a `text` over its maximum length drops the
/// connection without a response.
///
/// The flawed server answers with a body stream whose first poll fails, before
/// any byte is written: hyper then closes the connection without sending the
/// status line, which a client sees as a connection closed mid-request.
pub(crate) async fn comment(State(state): Shared, body: Bytes) -> Response {
    let map = match object(&body) {
        Ok(map) => map,
        Err(response) => return response.into_response(),
    };
    let author = match string_field(&map, "author") {
        Ok(author) => author,
        Err(response) => return response.into_response(),
    };
    let text = match string_field(&map, "text") {
        Ok(text) => text,
        Err(response) => return response.into_response(),
    };
    if author.chars().count() > 64 {
        return error(
            StatusCode::BAD_REQUEST,
            "author is longer than 64 characters",
        );
    }
    let length = text.chars().count();
    if length > COMMENT_MAX {
        if state.config.fixed {
            return error(
                StatusCode::BAD_REQUEST,
                "text is longer than 2000 characters",
            );
        }
        let failing = futures_util::stream::once(async {
            Err::<Bytes, std::io::Error>(std::io::Error::other("comment buffer overflow"))
        });
        return Response::new(Body::from_stream(failing));
    }
    json(
        StatusCode::CREATED,
        json!({"status": "received", "length": length}),
    )
}

/// Longest time the slow path may take.
const SLOW_CAP: Duration = Duration::from_millis(1500);

/// GET /validate/email?email=. Flaw 12: an invalid address with a long run of
/// word characters takes time exponential in the run (as a backtracking regex
/// like `^(\w+)+@` would), capped at 1.5 s.
pub(crate) async fn validate_email(State(state): Shared, Query(params): Params) -> Response {
    let Some(email) = params.get("email") else {
        return error(StatusCode::BAD_REQUEST, "email is required");
    };
    let valid = is_email(email);
    let delay = slow_path_delay(email, state.config.fixed);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    json(StatusCode::OK, json!({"email": email, "valid": valid}))
}

/// How long flaw 12 holds `email`: 2^run microseconds for its longest run
/// of word characters (1 ms at 10 characters, 1 s at 20), capped at
/// [`SLOW_CAP`]; nothing for a valid address or on the fixed server.
fn slow_path_delay(email: &str, fixed: bool) -> Duration {
    if fixed || is_email(email) {
        return Duration::ZERO;
    }
    let run = longest_word_run(email).min(40) as u32;
    Duration::from_micros(1u64 << run).min(SLOW_CAP)
}

fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let word = |c: char| c.is_ascii_alphanumeric() || "._%+-".contains(c);
    !local.is_empty()
        && local.chars().all(word)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
}

fn longest_word_run(text: &str) -> usize {
    let mut best = 0;
    let mut current = 0;
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' {
            current += 1;
            best = best.max(current);
        } else {
            current = 0;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slow_path_grows_with_the_run_and_stops_at_its_cap() {
        let invalid = |run: usize| format!("{}!", "a".repeat(run));
        assert_eq!(
            slow_path_delay(&invalid(5), false),
            Duration::from_micros(32)
        );
        assert_eq!(
            slow_path_delay(&invalid(20), false),
            Duration::from_micros(1 << 20)
        );
        assert_eq!(slow_path_delay(&invalid(30), false), SLOW_CAP);
        assert_eq!(slow_path_delay(&invalid(400), false), SLOW_CAP);
        // a valid address, and anything on the fixed server, goes through at once
        assert_eq!(
            slow_path_delay("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.com", false),
            Duration::ZERO
        );
        assert_eq!(slow_path_delay(&invalid(30), true), Duration::ZERO);
    }
}
