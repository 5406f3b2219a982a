//! The soft-404 fingerprint of discovery: what a target answers to paths
//! that cannot exist (status, length, body shape), so that an API answering
//! 200 (or 403) with the same page to every path flags nothing.

use serde_json::Value;

use crate::http::Response;

/// The shape of one answer, with the requested path taken out of its body
/// (a not-found page that names the path is the same page for every path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Shape {
    status: u16,
    len: usize,
    /// JSON bodies: keys and value types, not values.
    skeleton: Option<String>,
    /// Other bodies: the text itself.
    text: String,
}

impl Shape {
    /// The shape of `response`, the answer to `path`.
    pub(super) fn of(response: &Response, path: &str) -> Shape {
        let text = normalise(&response.text(), path);
        let skeleton = serde_json::from_slice::<Value>(&response.body)
            .ok()
            .map(|v| {
                let mut out = String::new();
                skeleton(&v, &mut out, 0);
                out
            });
        Shape {
            status: response.status,
            len: text.len(),
            skeleton,
            text,
        }
    }

    /// Whether two answers are the same page: same status, and the same
    /// JSON skeleton, or texts equal or of about the same length.
    pub(super) fn same(&self, other: &Shape) -> bool {
        if self.status != other.status {
            return false;
        }
        match (&self.skeleton, &other.skeleton) {
            (Some(a), Some(b)) => a == b,
            (None, None) => {
                let slack = (self.len.max(other.len) / 20).max(16);
                self.text == other.text || self.len.abs_diff(other.len) <= slack
            }
            _ => false,
        }
    }
}

/// The fingerprint: the shapes of answers to paths that cannot exist.
#[derive(Debug, Default)]
pub(super) struct Fingerprint {
    shapes: Vec<Shape>,
}

impl Fingerprint {
    /// Adds the shape of one answer to a random path.
    pub(super) fn add(&mut self, shape: Shape) {
        if !self.shapes.contains(&shape) {
            self.shapes.push(shape);
        }
    }

    /// Whether `shape` is what the target answers to any path.
    pub(super) fn matches(&self, shape: &Shape) -> bool {
        self.shapes.iter().any(|s| s.same(shape))
    }

    /// Whether nothing was learnt (every random request failed).
    pub(super) fn is_empty(&self) -> bool {
        self.shapes.is_empty()
    }
}

/// `text` with the path and its longer segments replaced by `~`.
fn normalise(text: &str, path: &str) -> String {
    let mut out = text.replace(path, "~");
    let mut segments: Vec<&str> = path.split('/').filter(|s| s.len() >= 3).collect();
    segments.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for segment in segments {
        out = out.replace(segment, "~");
    }
    out
}

/// Keys and value types of `v` (at most 6 levels deep; an array by its first item).
fn skeleton(v: &Value, out: &mut String, depth: usize) {
    if depth > 6 {
        out.push('…');
        return;
    }
    match v {
        Value::Null => out.push('z'),
        Value::Bool(_) => out.push('b'),
        Value::Number(_) => out.push('n'),
        Value::String(_) => out.push('s'),
        Value::Array(items) => {
            out.push('[');
            if let Some(first) = items.first() {
                skeleton(first, out, depth + 1);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            for k in keys {
                out.push_str(k);
                out.push(':');
                if let Some(item) = map.get(k) {
                    skeleton(item, out, depth + 1);
                }
                out.push(',');
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, body: &str) -> Response {
        Response {
            status,
            version: "HTTP/1.1",
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
            truncated: false,
        }
    }

    #[test]
    fn a_not_found_page_naming_the_path_is_one_page() {
        let a = Shape::of(&response(404, "Cannot GET /qwe7rty"), "/qwe7rty");
        let b = Shape::of(&response(404, "Cannot GET /admin"), "/admin");
        assert!(a.same(&b));
        let c = Shape::of(&response(200, "Cannot GET /admin"), "/admin");
        assert!(!a.same(&c));
    }

    #[test]
    fn json_compares_by_skeleton() {
        let a = Shape::of(&response(200, r#"{"error":"no route","id":17}"#), "/x1");
        let b = Shape::of(&response(200, r#"{"id":9,"error":"other"}"#), "/x2");
        assert!(a.same(&b));
        let c = Shape::of(&response(200, r#"[{"id":1,"email":"a@b.c"}]"#), "/export");
        assert!(!a.same(&c));
    }
}
