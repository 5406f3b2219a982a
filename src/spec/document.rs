//! Bytes to a JSON value: format detected from the content, never the name.

use serde_json::Value;

use super::SpecError;
use super::lazy_paths::{self, LazyPaths};

/// How deep JSON may nest before it is refused (serde_json's own limit is 128).
const YAML_MAX_DEPTH: usize = 128;

/// The most scalar text a YAML document may hold: all of the largest document read.
const YAML_MAX_SCALAR_BYTES: usize = super::fetch::MAX_DOCUMENT_BYTES as usize;

/// The most nodes (mappings, sequences, scalars) of a YAML document.
const YAML_MAX_NODES: usize = YAML_MAX_SCALAR_BYTES / 2;

/// The most parser events of a YAML document.
const YAML_MAX_EVENTS: usize = YAML_MAX_SCALAR_BYTES;

/// A parsed document, and a note when it had to be repaired to parse.
pub(crate) struct Parsed {
    pub value: Value,
    pub repair: Option<String>,
    /// The path items of a root document read by [`parse_root`], kept as
    /// text; `value`'s `paths` is then an empty object.
    pub paths: Option<LazyPaths>,
}

/// [`parse_noting_repairs`], for tests that only want the value.
#[cfg(test)]
fn parse(bytes: &[u8], origin: &str) -> Result<Value, SpecError> {
    parse_noting_repairs(bytes, origin).map(|p| p.value)
}

/// Parses a JSON or YAML document. JSON is recognised by its first
/// non-blank character (`{` or `[`); everything else is read as YAML.
/// Says whether the YAML had to be repaired to parse.
pub(crate) fn parse_noting_repairs(bytes: &[u8], origin: &str) -> Result<Parsed, SpecError> {
    parse_document(bytes, origin, false)
}

/// [`parse_noting_repairs`] for the root document: the path items of a
/// JSON object or a YAML mapping are kept as compact JSON text
/// ([`lazy_paths`]) unless the document may refer into its own `paths`.
pub(crate) fn parse_root(bytes: &[u8], origin: &str) -> Result<Parsed, SpecError> {
    parse_document(bytes, origin, true)
}

fn parse_document(bytes: &[u8], origin: &str, root: bool) -> Result<Parsed, SpecError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let (line, column) = line_col(bytes, e.valid_up_to());
        SpecError::Syntax {
            origin: origin.to_owned(),
            line: Some(line),
            column: Some(column),
            message: "not UTF-8 text (is this a binary file?)".into(),
        }
    })?;
    let first = text.trim_start().chars().next();
    match first {
        None => Err(SpecError::NotOpenApi {
            origin: origin.to_owned(),
            message: "the document is empty".into(),
        }),
        Some('{') if root && !lazy_paths::mentions_paths(text) => {
            let (value, paths) = lazy_paths::parse(text).map_err(|e| json_error(&e, origin))?;
            Ok(Parsed {
                value,
                repair: None,
                paths,
            })
        }
        Some('{') | Some('[') => parse_json(text, origin).map(|value| Parsed {
            value,
            repair: None,
            paths: None,
        }),
        Some(_) => {
            let lazy = root && !lazy_paths::mentions_paths(text);
            match parse_yaml(text, origin, lazy) {
                Ok((value, paths)) => Ok(Parsed {
                    value,
                    repair: None,
                    paths,
                }),
                Err(e) if e.to_string().contains(QUOTED_INDENT_ERROR) => {
                    // PyYAML and js-yaml accept continuation lines of a quoted
                    // scalar indented no deeper than their key; YAML 1.2 does not.
                    let (fixed, count) = reindent_quoted_continuations(text);
                    match parse_yaml(&fixed, origin, lazy) {
                        Ok((value, paths)) if count > 0 => Ok(Parsed {
                            value,
                            paths,
                            repair: Some(format!(
                                "{count} continuation lines of quoted strings were indented less than YAML 1.2 allows; read as PyYAML and js-yaml read them"
                            )),
                        }),
                        _ => Err(e),
                    }
                }
                Err(e) => Err(e),
            }
        }
    }
}

const QUOTED_INDENT_ERROR: &str = "invalid indentation in multiline quoted scalar";

/// Indents the continuation lines of multi-line quoted scalars one column
/// past the line that opened them. Returns the text and how many lines moved.
fn reindent_quoted_continuations(text: &str) -> (String, usize) {
    let mut out = String::with_capacity(text.len() + 1024);
    let mut open: Option<(char, usize)> = None; // quote, minimum indent
    let mut moved = 0;
    for line in text.split_inclusive('\n') {
        let indent = line.len() - line.trim_start_matches(' ').len();
        match open {
            Some((quote, min)) => {
                let mut line = line.to_owned();
                if indent < min && !line.trim().is_empty() {
                    line.insert_str(0, &" ".repeat(min - indent));
                    moved += 1;
                }
                if closes(line.trim_start(), quote) {
                    open = None;
                }
                out.push_str(&line);
            }
            None => {
                if let Some(quote) = opens_unclosed_quote(line.trim()) {
                    open = Some((quote, indent + 1));
                }
                out.push_str(line);
            }
        }
    }
    (out, moved)
}

/// The quote character of a `key: "...` or `- "...` line whose string does not close on it.
fn opens_unclosed_quote(line: &str) -> Option<char> {
    let rest = line.strip_prefix("- ").unwrap_or(line);
    let value = if rest.starts_with(['"', '\'']) {
        rest
    } else {
        rest.split_once(": ").map(|(_, v)| v.trim_start())?
    };
    let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    (!closes(&value[1..], quote)).then_some(quote)
}

/// Whether `text` (inside a quoted scalar) contains its closing quote.
fn closes(text: &str, quote: char) -> bool {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quote == '"' && c == '\\' {
            chars.next();
        } else if c == quote {
            if quote == '\'' && chars.peek() == Some(&'\'') {
                chars.next();
            } else {
                return true;
            }
        }
    }
    false
}

fn parse_json(text: &str, origin: &str) -> Result<Value, SpecError> {
    serde_json::from_str(text).map_err(|e| json_error(&e, origin))
}

fn json_error(e: &serde_json::Error, origin: &str) -> SpecError {
    SpecError::Syntax {
        origin: origin.to_owned(),
        line: Some(e.line()),
        column: Some(e.column()),
        message: format!("invalid JSON: {}", strip_position(&e.to_string())),
    }
}

/// Parses YAML; with `lazy`, a root mapping's path items are kept apart as
/// compact JSON text ([`lazy_paths::LazyRoot`]), as for a JSON root.
fn parse_yaml(
    text: &str,
    origin: &str,
    lazy: bool,
) -> Result<(Value, Option<LazyPaths>), SpecError> {
    let options = serde_saphyr::options! {
        strict_booleans: true,
        duplicate_keys: serde_saphyr::options::DuplicateKeyPolicy::LastWins,
        with_snippet: false,
        budget: serde_saphyr::budget! {
            max_depth: YAML_MAX_DEPTH,
            // A YAML document as large as the largest JSON one (the reader's
            // limit) must load: large real specs exceed the defaults (64 MiB
            // of scalar text, 250,000 nodes). No node or event takes less
            // than a byte of text, so these grow with the document and not
            // past it; alias expansion stays capped by the alias limits
            // (replayed events, recorded anchor bytes), which keep their defaults.
            max_nodes: YAML_MAX_NODES,
            max_events: YAML_MAX_EVENTS,
            max_total_scalar_bytes: YAML_MAX_SCALAR_BYTES,
        },
    };
    let parsed = if lazy {
        serde_saphyr::from_str_with_options::<lazy_paths::LazyRoot>(text, options)
            .map(|root| (root.value, root.paths))
    } else {
        serde_saphyr::from_str_with_options::<Value>(text, options).map(|value| (value, None))
    };
    let (mut value, paths) = parsed.map_err(|e| {
        let location = e.location();
        SpecError::Syntax {
            origin: origin.to_owned(),
            line: location.map(|l| l.line() as usize),
            column: location.map(|l| l.column() as usize),
            message: format!(
                "invalid YAML: {}",
                strip_yaml_position(first_line(&e.to_string()))
            ),
        }
    })?;
    restore_version_texts(&mut value, text);
    Ok((value, paths))
}

/// YAML reads an unquoted `version: 1.10` as the number 1.1. For the few
/// fields that are text by definition, take the literal back from the source.
fn restore_version_texts(value: &mut Value, text: &str) {
    for (parent, key) in [
        (None, "openapi"),
        (None, "swagger"),
        (Some("info"), "version"),
    ] {
        let slot = match parent {
            None => value.get_mut(key),
            Some(p) => value.get_mut(p).and_then(|v| v.get_mut(key)),
        };
        let Some(slot) = slot else { continue };
        let Value::Number(n) = slot else { continue };
        let literal = find_literal(text, key, n.as_f64()).unwrap_or_else(|| n.to_string());
        *slot = Value::String(literal);
    }
}

/// The source text of `key: <number>` whose number equals `want`.
fn find_literal(text: &str, key: &str, want: Option<f64>) -> Option<String> {
    text.lines().find_map(|line| {
        let rest = line
            .trim_start()
            .strip_prefix(key)?
            .trim_start()
            .strip_prefix(':')?;
        let literal = rest.split('#').next()?.trim();
        let parsed: f64 = literal.parse().ok()?;
        (Some(parsed) == want).then(|| literal.to_owned())
    })
}

fn line_col(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let column = before.iter().rev().take_while(|b| **b != b'\n').count() + 1;
    (line, column)
}

/// serde_json appends " at line L column C"; the error shows that itself.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or(message)
}

/// serde-saphyr appends " at line L, column C"; the error shows that itself.
fn strip_yaml_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The root read with its path items apart, put back together.
    fn root_whole_again(text: &str) -> Value {
        let parsed = parse_root(text.as_bytes(), "spec.yaml")
            .unwrap_or_else(|e| panic!("{e}\n{}", &text[..text.len().min(300)]));
        let mut value = parsed.value;
        if let Some(paths) = parsed.paths {
            value["paths"] = paths.into_value();
        }
        value
    }

    #[test]
    fn a_yaml_roots_path_items_kept_apart_read_back_to_the_whole_value() {
        let crafted = r#"
openapi: 3.0.0
info: {title: t, version: 1.10}
x-item: &item
  get: {responses: {'200': &ok {description: ok, x-big: 123456789012345678901}}}
paths:
  /a: *item
  /b:
    <<: *item
    delete: {responses: {'204': *ok, 204: {description: last}}}
  /c: {get: {parameters: [{name: n, in: query, schema: {type: integer, default: 0x1F, maximum: -2.5e300}}], responses: {default: {description: "é\u0041"}}}}
  /a: {post: {responses: {'201': {description: 'repeated key, last wins'}}}}
"#;
        let mut texts = vec![
            crafted.to_owned(),
            include_str!("../../specs/demo.yaml").to_owned(),
            include_str!("../../specs/petstore.yaml").to_owned(),
            include_str!("../../specs/petstore-31.yaml").to_owned(),
            include_str!("../../specs/petstore-swagger2.yaml").to_owned(),
        ];
        // the real-world corpus's YAML specs, where it is beside the crate
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
        for folder in ["swagger2", "openapi3", "openapi31"] {
            for entry in std::fs::read_dir(corpus.join(folder))
                .into_iter()
                .flatten()
                .flatten()
            {
                let path = entry.path();
                if matches!(
                    path.extension().and_then(|e| e.to_str()),
                    Some("yaml" | "yml")
                ) && let Ok(text) = std::fs::read_to_string(&path)
                {
                    texts.push(text);
                }
            }
        }
        for text in &texts {
            let Ok(whole) = parse(text.as_bytes(), "spec.yaml") else {
                assert!(parse_root(text.as_bytes(), "spec.yaml").is_err());
                continue;
            };
            let parsed = parse_root(text.as_bytes(), "spec.yaml").unwrap();
            assert!(parsed.paths.is_some() || lazy_paths::mentions_paths(text));
            let again = root_whole_again(text);
            assert_eq!(again, whole);
            // the same key order too
            assert_eq!(
                serde_json::to_string(&again).unwrap(),
                serde_json::to_string(&whole).unwrap()
            );
        }
        let value = root_whole_again(crafted);
        assert_eq!(value, parse(crafted.as_bytes(), "spec.yaml").unwrap());
        assert_eq!(
            value["paths"]["/a"]["post"]["responses"]["201"]["description"],
            "repeated key, last wins"
        );
        assert_eq!(
            value["paths"]["/b"]["get"]["responses"]["200"]["description"],
            "ok"
        );
    }

    #[test]
    fn json_and_yaml_are_told_apart_by_content() {
        let j = parse(br#"{"openapi": "3.0.0"}"#, "a.yaml").unwrap();
        assert_eq!(j["openapi"], "3.0.0");
        let y = parse(b"openapi: 3.0.0\ninfo: {title: t}\n", "a.json").unwrap();
        assert_eq!(y["info"]["title"], "t");
    }

    #[test]
    fn unquoted_yaml_versions_keep_their_text() {
        let y = parse(b"openapi: 3.0.3\ninfo:\n  version: 1.10\n  title: x\n", "a").unwrap();
        assert_eq!(y["info"]["version"], "1.10");
        assert_eq!(y["openapi"], "3.0.3");
        let y = parse(b"swagger: 2.0\ninfo:\n  version: 2\n", "a").unwrap();
        assert_eq!(y["swagger"], "2.0");
        assert_eq!(y["info"]["version"], "2");
    }

    #[test]
    fn numeric_mapping_keys_become_strings() {
        let y = parse(b"responses:\n  200:\n    description: ok\n", "a").unwrap();
        assert_eq!(y["responses"]["200"]["description"], "ok");
    }

    #[test]
    fn yes_and_no_stay_strings() {
        let y = parse(b"a: yes\nb: no\nc: true\n", "a").unwrap();
        assert_eq!(y["a"], "yes");
        assert_eq!(y["c"], true);
    }

    #[test]
    fn json_errors_carry_line_and_column() {
        let err = parse(b"{\n  \"a\": 1,\n  \"b\": \n}", "spec.json").unwrap_err();
        match err {
            SpecError::Syntax { line, origin, .. } => {
                assert_eq!(line, Some(4));
                assert_eq!(origin, "spec.json");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn yaml_errors_carry_a_line() {
        let err = parse(b"a: 1\nb:\n  - x\n - y\n", "spec.yaml").unwrap_err();
        assert!(
            matches!(err, SpecError::Syntax { line: Some(_), .. }),
            "{err}"
        );
    }

    #[test]
    fn under_indented_quoted_continuations_are_repaired_with_a_note() {
        let text = b"a:\n  b: \"one\n  two\"\n  c: 'x\n  y'\n";
        let parsed = parse_noting_repairs(text, "a").unwrap();
        assert_eq!(parsed.value["a"]["b"], "one two");
        assert_eq!(parsed.value["a"]["c"], "x y");
        assert!(parsed.repair.unwrap().starts_with("2 continuation lines"));
        let clean = parse_noting_repairs(b"a:\n  b: \"one\n   two\"\n", "a").unwrap();
        assert!(clean.repair.is_none());
    }

    #[test]
    fn binary_and_empty_input_are_errors() {
        assert!(parse(&[0xff, 0xfe, 0x00, 0x12], "b").is_err());
        assert!(parse(b"   \n", "b").is_err());
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut doc = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = format!("*a{}", i - 1);
            doc.push_str(&format!("a{i}: &a{i} [{prev}, {prev}, {prev}, {prev}, {prev}, {prev}, {prev}, {prev}, {prev}, {prev}]\n"));
        }
        assert!(parse(doc.as_bytes(), "bomb").is_err());
    }

    #[test]
    fn yaml_holds_as_much_text_as_json() {
        // serde-saphyr's default budget stops at 64 MiB of scalar text; the
        // reader's limit for any document is MAX_DOCUMENT_BYTES
        const { assert!(YAML_MAX_SCALAR_BYTES as u64 == super::super::fetch::MAX_DOCUMENT_BYTES) };
        let line = "x".repeat(1 << 20);
        let mut doc = String::with_capacity(70 << 20);
        for i in 0..70 {
            doc.push_str(&format!("k{i}: {line}\n"));
        }
        let value = parse(doc.as_bytes(), "big.yaml").expect("70 MiB of scalars load");
        assert_eq!(value.as_object().map(|m| m.len()), Some(70));
        // and the alias limits still hold for a small scalar repeated
        let mut bomb = String::from("a: &a [x]\nb: [");
        bomb.push_str(&"*a, ".repeat(1_100_000));
        bomb.push_str("*a]\n");
        assert!(parse(bomb.as_bytes(), "bomb").is_err());
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = "[".repeat(100_000);
        assert!(parse(deep.as_bytes(), "deep.json").is_err());
        let deep_yaml = format!("a: {}", "[".repeat(100_000));
        assert!(parse(deep_yaml.as_bytes(), "deep.yaml").is_err());
    }
}
