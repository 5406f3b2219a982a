//! Where things are in a spec file: JSON pointer to line number, for JSON
//! and YAML sources alike (JSON is read as the YAML it also is), so that
//! SARIF results point at the operation's line.

use std::collections::HashMap;

use granit_parser::{Event, Parser};

/// Most nodes recorded; a larger document keeps the first ones (operations
/// come early in the walk of `paths`, and the map is only for locating).
const MAX_NODES: usize = 2_000_000;

/// JSON pointers of a document's nodes and the (1-based) line each starts on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpecLines {
    lines: HashMap<String, usize>,
}

enum Frame {
    /// A mapping; `key` is the pending key once read (with its line).
    Map { key: Option<String> },
    /// A sequence and the index of its next item.
    Seq { next: usize },
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

impl SpecLines {
    /// The map of `text`; an unparsable document gives the nodes read
    /// before the error (possibly none).
    pub fn parse(text: &str) -> SpecLines {
        let mut lines = HashMap::new();
        let mut stack: Vec<(Frame, String)> = Vec::new();
        let mut parser = Parser::new_from_str(text);
        lines.insert(String::new(), 1);
        // the pointer of the node about to start, and the line to record for it
        fn place(stack: &mut [(Frame, String)]) -> Option<String> {
            let (frame, base) = stack.last_mut()?;
            match frame {
                Frame::Map { key } => key.take().map(|k| format!("{base}/{}", escape(&k))),
                Frame::Seq { next } => {
                    let p = format!("{base}/{next}");
                    *next += 1;
                    Some(p)
                }
            }
        }
        while let Some(Ok((event, span))) = parser.next_event() {
            if lines.len() >= MAX_NODES {
                break;
            }
            let line = span.start.line();
            match event {
                Event::Scalar(value, ..) => {
                    let is_key = matches!(stack.last(), Some((Frame::Map { key: None }, _)));
                    if is_key {
                        if let Some((frame, base)) = stack.last_mut() {
                            let pointer = format!("{base}/{}", escape(&value));
                            lines.entry(pointer).or_insert(line);
                            *frame = Frame::Map {
                                key: Some(value.into_owned()),
                            };
                        }
                    } else if let Some(p) = place(&mut stack) {
                        lines.entry(p).or_insert(line);
                    }
                }
                Event::MappingStart(..) | Event::SequenceStart(..) => {
                    let pointer = if stack.is_empty() {
                        Some(String::new())
                    } else {
                        place(&mut stack)
                    };
                    let Some(pointer) = pointer else { break };
                    lines.entry(pointer.clone()).or_insert(line);
                    let frame = if matches!(event, Event::MappingStart(..)) {
                        Frame::Map { key: None }
                    } else {
                        Frame::Seq { next: 0 }
                    };
                    stack.push((frame, pointer));
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    stack.pop();
                }
                Event::Alias(_) => {
                    let _ = place(&mut stack);
                }
                Event::DocumentEnd => break,
                _ => {}
            }
        }
        SpecLines { lines }
    }

    /// The line of the node at `pointer` (`/paths/...` or `#/paths/...`),
    /// or of its nearest ancestor known.
    pub fn line(&self, pointer: &str) -> Option<usize> {
        let mut p = pointer.split_once('#').map(|(_, p)| p).unwrap_or(pointer);
        loop {
            if let Some(&l) = self.lines.get(p) {
                return Some(l);
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_of(text: &str, needle: &str) -> usize {
        text.lines()
            .position(|l| l.contains(needle))
            .map(|i| i + 1)
            .unwrap_or_else(|| panic!("{needle} not in the text"))
    }

    #[test]
    fn yaml_pointers_find_the_operation_line() {
        let text = include_str!("../../specs/demo.yaml");
        let lines = SpecLines::parse(text);
        let paths = line_of(text, "paths:");
        assert_eq!(lines.line("/paths"), Some(paths));
        // the first `get:` under `/version:` is that operation's line
        let version = line_of(text, "  /version:");
        let get = text
            .lines()
            .skip(version)
            .position(|l| l.trim() == "get:")
            .unwrap()
            + version
            + 1;
        assert_eq!(lines.line("/paths/~1version/get"), Some(get));
        assert_eq!(lines.line("#/paths/~1version/get"), Some(get));
        // a pointer past the known nodes falls back to its ancestor
        assert_eq!(lines.line("/paths/~1version/get/x-nothing/1"), Some(get));
    }

    #[test]
    fn json_pointers_find_the_operation_line() {
        let text = "{\n  \"openapi\": \"3.0.3\",\n  \"paths\": {\n    \"/pets/{id}\": {\n      \"parameters\": [{\"name\": \"id\"}, {\"name\": \"x\"}],\n      \"get\": {\n        \"responses\": {}\n      }\n    }\n  }\n}\n";
        let lines = SpecLines::parse(text);
        assert_eq!(
            lines.line("/paths/~1pets~1{id}"),
            Some(line_of(text, "\"/pets/{id}\""))
        );
        assert_eq!(
            lines.line("/paths/~1pets~1{id}/get"),
            Some(line_of(text, "\"get\""))
        );
        assert_eq!(lines.line("/paths/~1pets~1{id}/parameters/1/name"), Some(5));
        assert_eq!(lines.line(""), Some(1));
    }

    #[test]
    fn broken_documents_give_what_was_read() {
        let lines = SpecLines::parse("a:\n  b: 1\n c: [");
        assert_eq!(lines.line("/a/b"), Some(2));
        assert_eq!(SpecLines::parse("").line("/x"), Some(1));
    }
}
