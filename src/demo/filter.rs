//! POST /products/search: products matching a JSON filter (flaw 29, NoSQL
//! operator injection). The flawed server evaluates operator objects
//! (`{"$ne": x}`, `$eq`, `$gt`, `$gte`, `$lt`, `$lte`, `$regex`, `$exists`)
//! where the spec allows only strings, as a document database's query
//! language would; the fixed one accepts strings only.

use super::response::{error, json, object};
use super::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use std::sync::Arc;

type Shared = State<Arc<AppState>>;

/// The fields a filter may name.
const FIELDS: [&str; 2] = ["sku", "name"];

/// Whether `value` (a product's field) passes the operator `op` with `arg`;
/// `None` for an unknown operator or a bad argument.
fn operator(op: &str, arg: &Value, value: &str) -> Option<bool> {
    let text = || arg.as_str();
    Some(match op {
        "$eq" => text()? == value,
        "$ne" => arg.as_str() != Some(value),
        "$gt" => value > text()?,
        "$gte" => value >= text()?,
        "$lt" => value < text()?,
        "$lte" => value <= text()?,
        "$exists" => arg.as_bool()?,
        "$regex" => regex::RegexBuilder::new(text()?)
            .size_limit(1 << 16)
            .build()
            .ok()?
            .is_match(value),
        _ => return None,
    })
}

/// Whether a product's field passes one filter condition.
fn matches(condition: &Value, value: &str) -> Option<bool> {
    match condition {
        Value::String(s) => Some(s == value),
        Value::Object(ops) => {
            let mut all = true;
            for (op, arg) in ops {
                all &= operator(op, arg, value)?;
            }
            Some(all)
        }
        _ => None,
    }
}

/// POST /products/search. Flaw 29: operator objects are evaluated.
pub(crate) async fn search(State(state): Shared, body: Bytes) -> Response {
    let filter: Map<String, Value> = match object(&body) {
        Ok(map) => map,
        Err(response) => return response.into_response(),
    };
    for (k, v) in &filter {
        if !FIELDS.contains(&k.as_str()) {
            return error(StatusCode::BAD_REQUEST, &format!("unknown field '{k}'"));
        }
        if (state.config.fixed || !v.is_object()) && !v.is_string() {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("field '{k}' must be a string"),
            );
        }
    }
    let rows: rusqlite::Result<Vec<(String, String, f64, String)>> = {
        let db = state.db();
        db.prepare("SELECT sku, name, price, created FROM products ORDER BY sku")
            .and_then(|mut statement| {
                statement
                    .query_map([], |row| {
                        Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
                    })?
                    .collect()
            })
    };
    let Ok(rows) = rows else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "database error");
    };
    let mut found = Vec::new();
    for (sku, name, price, created) in rows {
        let mut keep = true;
        for (k, condition) in &filter {
            let value = if k == "sku" { &sku } else { &name };
            match matches(condition, value) {
                Some(ok) => keep &= ok,
                None => return error(StatusCode::BAD_REQUEST, "invalid filter"),
            }
        }
        if keep {
            found.push(json!({"sku": sku, "name": name, "price": price, "created": created}));
        }
    }
    json(StatusCode::OK, Value::Array(found))
}
