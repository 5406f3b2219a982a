//! `multipart/*` bodies with a deterministic boundary.

use serde_json::Value;

use super::body::property;
use super::encode::{Kind, essence, json_text, kind, text};
use crate::model::{Api, MediaType, Schema};

/// One part: its headers (each line ending in CRLF) and its content.
struct Part {
    head: Vec<u8>,
    data: Vec<u8>,
}

/// The body and the boundary it uses. An object gives one part per
/// property (an array of files one part per file); any other value is the
/// whole body, a string's bytes as they are and anything else as JSON.
pub(super) fn encode(api: &Api, media: &MediaType, value: &Value) -> (Vec<u8>, String) {
    let Value::Object(map) = value else {
        let raw = match value {
            Value::String(s) => s.clone().into_bytes(),
            other => json_text(other).into_bytes(),
        };
        let boundary = boundary(&[&raw]);
        return (raw, boundary);
    };
    let mut parts = Vec::new();
    for (name, v) in map {
        let schema = property(api, media.schema, name).map(|id| api.schemas.get(id));
        let content_type = media
            .encoding
            .get(name)
            .and_then(|e| e.content_type.as_deref())
            .map(first_media_type);
        let items = schema.and_then(|s| s.items).map(|id| api.schemas.get(id));
        let file = schema.is_some_and(is_file_schema) || content_type.is_some_and(is_file_media);
        let file_items = items.is_some_and(is_file_schema)
            || (content_type.is_some_and(is_file_media) && !schema.is_some_and(is_file_schema));
        match v {
            Value::Array(list) if file_items => {
                for item in list {
                    parts.push(file_part(name, content_type, item));
                }
            }
            _ if file => parts.push(file_part(name, content_type, v)),
            Value::Array(_) | Value::Object(_) => parts.push(Part {
                head: head(name, None, Some(content_type.unwrap_or("application/json"))),
                data: json_text(v).into_bytes(),
            }),
            _ => parts.push(Part {
                head: head(name, None, content_type),
                data: text(v).into_bytes(),
            }),
        }
    }
    let chunks: Vec<&[u8]> = parts
        .iter()
        .flat_map(|p| [p.head.as_slice(), p.data.as_slice()])
        .collect();
    let boundary = boundary(&chunks);
    let mut out = Vec::new();
    for part in &parts {
        out.extend_from_slice(b"--");
        out.extend_from_slice(boundary.as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&part.head);
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&part.data);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"--");
    out.extend_from_slice(boundary.as_bytes());
    out.extend_from_slice(b"--\r\n");
    (out, boundary)
}

/// The first type of an encoding's comma-separated `contentType` list.
fn first_media_type(list: &str) -> &str {
    list.split(',').next().unwrap_or_default().trim()
}

/// Whether a schema describes file content (`format: binary` or `byte`;
/// Swagger 2.0 `type: file` is read as `format: binary`).
fn is_file_schema(schema: &Schema) -> bool {
    matches!(schema.format.as_deref(), Some("binary" | "byte"))
}

/// Whether a part content type is one of file content rather than text or JSON.
fn is_file_media(media_type: &str) -> bool {
    !matches!(
        kind(&essence(media_type)),
        Kind::Json | Kind::Xml | Kind::Text | Kind::Form | Kind::Multipart
    )
}

/// A file part: `filename` is the field name; a string's bytes are the content.
fn file_part(name: &str, content_type: Option<&str>, value: &Value) -> Part {
    let data = match value {
        Value::String(s) => s.clone().into_bytes(),
        other => json_text(other).into_bytes(),
    };
    Part {
        head: head(
            name,
            Some(name),
            Some(content_type.unwrap_or("application/octet-stream")),
        ),
        data,
    }
}

/// The part headers. Quotes and line breaks in names are percent-encoded,
/// as browsers do (WHATWG multipart/form-data encoding).
fn head(name: &str, filename: Option<&str>, content_type: Option<&str>) -> Vec<u8> {
    let quote = |s: &str| {
        s.replace('"', "%22")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let mut out = format!("Content-Disposition: form-data; name=\"{}\"", quote(name));
    if let Some(filename) = filename {
        out.push_str(&format!("; filename=\"{}\"", quote(filename)));
    }
    out.push_str("\r\n");
    if let Some(ct) = content_type {
        out.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    out.into_bytes()
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

fn fnv1a(mut hash: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(FNV_PRIME);
    }
    hash
}

/// A boundary derived from a hash of the content, so the same content always
/// gets the same boundary, and changed until it occurs in no chunk.
pub(super) fn boundary(chunks: &[&[u8]]) -> String {
    let seed = chunks.iter().fold(FNV_OFFSET, |h, c| {
        fnv1a(fnv1a(h, c), &(c.len() as u64).to_le_bytes())
    });
    boundary_from(seed, chunks)
}

fn boundary_from(seed: u64, chunks: &[&[u8]]) -> String {
    let mut attempt: u64 = 0;
    loop {
        let hash = if attempt == 0 {
            seed
        } else {
            fnv1a(seed, &attempt.to_le_bytes())
        };
        let candidate = format!("apiprobe-{hash:016x}");
        if !chunks.iter().any(|c| contains(c, candidate.as_bytes())) {
            return candidate;
        }
        attempt += 1;
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundary_is_deterministic_and_content_dependent() {
        let a = boundary(&[b"one"]);
        assert_eq!(a, boundary(&[b"one"]));
        assert_ne!(a, boundary(&[b"two"]));
        assert!(a.starts_with("apiprobe-") && a.len() == 25);
    }

    #[test]
    fn boundary_changes_when_content_holds_it() {
        let first = boundary_from(42, &[b"nothing here"]);
        let content = format!("xx{first}yy");
        let second = boundary_from(42, &[content.as_bytes()]);
        assert_ne!(first, second);
        assert!(!content.contains(&second));
    }

    #[test]
    fn header_quotes_are_encoded() {
        let h = head("a\"b\r\nc", Some("f\"n"), Some("image/png"));
        assert_eq!(
            String::from_utf8_lossy(&h),
            "Content-Disposition: form-data; name=\"a%22b%0D%0Ac\"; filename=\"f%22n\"\r\nContent-Type: image/png\r\n"
        );
    }

    #[test]
    fn file_media_types() {
        assert!(is_file_media("image/png"));
        assert!(is_file_media("application/octet-stream"));
        assert!(!is_file_media("application/json"));
        assert!(!is_file_media("text/plain; charset=utf-8"));
        assert_eq!(first_media_type("image/png, image/jpeg"), "image/png");
    }
}
