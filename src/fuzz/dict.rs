//! A libFuzzer dictionary from a spec: the words a valid request or spec is
//! made of (paths and their segments, parameter and property names, enum
//! values, constants, defaults and example strings, media types), so that
//! mutations splice in meaningful tokens.

use indexmap::IndexSet;
use serde_json::Value;

use crate::model::Api;

/// libFuzzer ignores dictionary words longer than this (its `Word` holds 64 bytes).
pub const MAX_ENTRY_BYTES: usize = 64;

/// libFuzzer keeps at most this many dictionary entries.
const MAX_ENTRIES: usize = 1 << 14;

/// The dictionary of `api` as a file in libFuzzer's format (one quoted,
/// escaped word a line, after a comment naming the API); pass it with
/// `-dict=FILE`. Words are in order of first appearance, each once.
pub fn dictionary(api: &Api) -> String {
    let words = words(api);
    let mut out = format!(
        "# libFuzzer dictionary for {} {} ({} words), written by apiprobe fuzz-dict\n",
        api.title.replace(['\n', '\r'], " "),
        api.version.replace(['\n', '\r'], " "),
        words.len()
    );
    for w in &words {
        out.push_str(&escape(w));
        out.push('\n');
    }
    out
}

/// The words of `api`, each once, none empty or longer than [`MAX_ENTRY_BYTES`].
pub(crate) fn words(api: &Api) -> Vec<Vec<u8>> {
    let mut set: IndexSet<Vec<u8>> = IndexSet::new();
    let mut add = |text: &str| {
        if !text.is_empty() && text.len() <= MAX_ENTRY_BYTES && set.len() < MAX_ENTRIES {
            set.insert(text.as_bytes().to_vec());
        }
    };
    for op in &api.operations {
        add(&op.path);
        for segment in op.path.split('/') {
            if !segment.starts_with('{') {
                add(segment);
            }
        }
        for p in &op.parameters {
            add(&p.name);
            for v in &p.examples {
                value_words(v, &mut add);
            }
        }
        let bodies = op.body.iter().flat_map(|b| &b.content);
        for m in bodies {
            add(&m.media_type);
            for v in &m.examples {
                value_words(v, &mut add);
            }
        }
    }
    for id in api.schemas.ids() {
        let s = api.schemas.get(id);
        for name in s.properties.keys() {
            add(name);
        }
        let values = s
            .enumeration
            .iter()
            .flatten()
            .chain(&s.constant)
            .chain(&s.default)
            .chain(&s.examples);
        for v in values {
            value_words(v, &mut add);
        }
        if let Some(d) = &s.discriminator {
            add(&d.property_name);
            for k in d.mapping.keys() {
                add(k);
            }
        }
    }
    set.into_iter().collect()
}

/// A value's words: a string as it is, a number or boolean as JSON text,
/// the keys and scalars inside arrays and objects (one level of nesting at most).
fn value_words(v: &Value, add: &mut impl FnMut(&str)) {
    fn walk(v: &Value, add: &mut impl FnMut(&str), depth: u8) {
        match v {
            Value::String(s) => add(s),
            Value::Number(n) => add(&n.to_string()),
            Value::Bool(b) => add(if *b { "true" } else { "false" }),
            Value::Null => add("null"),
            Value::Array(items) if depth < 2 => {
                for i in items {
                    walk(i, add, depth + 1);
                }
            }
            Value::Object(map) if depth < 2 => {
                for (k, i) in map {
                    add(k);
                    walk(i, add, depth + 1);
                }
            }
            _ => {}
        }
    }
    walk(v, add, 0);
}

/// One dictionary word in libFuzzer's syntax: in double quotes, with `\`
/// and `"` escaped by a backslash and every byte outside printable ASCII
/// written `\xNN`.
pub fn escape(word: &[u8]) -> String {
    let mut out = String::with_capacity(word.len() + 2);
    out.push('"');
    for &b in word {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\x{b:02X}")),
        }
    }
    out.push('"');
    out
}
