//! Where a reflected canary lands in an HTML answer. The answer is read by
//! a WHATWG tokenizer (html5gum) that switches states on the tags a browser
//! does (`<title>` and `<textarea>` hold text, `<script>`, `<style>`,
//! `<iframe>`, `<noscript>` raw text, comments are comments), so a
//! reflection counts only when the browser would build something from it:
//! an element named after the canary, or an attribute whose name carries
//! it. Text inside `<title>`, a comment, a script's string or an attribute
//! value whose quotes were escaped creates neither.

use html5gum::{DefaultEmitter, HtmlString, StartTag, Token, Tokenizer};

/// Elements that never hold content (no end tag closes them).
const VOID: [&str; 14] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// What a reflection built in the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Injection {
    /// An element named after the canary.
    Element {
        /// `<abc x>`: the element and its attribute names.
        tag: String,
        /// Where it sits: `inside <p> in <body>`.
        inside: String,
        /// `<input value>` when the reflection first closed that attribute
        /// value and its tag.
        broke_out_of: Option<String>,
    },
    /// An attribute whose name carries the canary, on an element of the page.
    Attribute {
        /// The attribute's name.
        name: String,
        /// The element it was added to, `<input>`.
        element: String,
        /// Where that element sits: `inside <form> in <body>`.
        inside: String,
    },
}

impl Injection {
    /// The context in words, for the evidence: `element <abc x> created
    /// inside <p> in <body>`.
    pub(super) fn context(&self) -> String {
        match self {
            Injection::Element {
                tag,
                inside,
                broke_out_of: None,
            } => format!("element {tag} created {inside}"),
            Injection::Element {
                tag,
                inside,
                broke_out_of: Some(attribute),
            } => format!(
                "element {tag} created {inside}, after closing the attribute value of {attribute}"
            ),
            Injection::Attribute {
                name,
                element,
                inside,
            } => format!("attribute {name:?} added to {element} {inside}"),
        }
    }
}

fn text(s: &HtmlString) -> String {
    String::from_utf8_lossy(s).into_owned()
}

/// The elements open at a point of the page, innermost last.
#[derive(Default)]
struct Open(Vec<String>);

impl Open {
    fn start(&mut self, tag: &str) {
        if !VOID.contains(&tag) {
            self.0.push(tag.to_owned());
        }
    }

    fn end(&mut self, tag: &str) {
        if let Some(i) = self.0.iter().rposition(|t| t == tag) {
            self.0.truncate(i);
        }
    }

    /// `inside <p> in <body>`, `in <head>`, `in <body>`.
    fn describe(&self) -> String {
        let in_head = self.0.iter().any(|t| t == "head") && !self.0.iter().any(|t| t == "body");
        let section = if in_head { "head" } else { "body" };
        match self.0.last() {
            Some(inner) if inner != "html" && inner != section => {
                format!("inside <{inner}> in <{section}>")
            }
            _ => format!("in <{section}>"),
        }
    }
}

/// The attribute of `tag` whose value holds `canary`, as `<input value>`.
fn holding(tag: &StartTag<()>, canary: &[u8]) -> Option<String> {
    tag.attributes
        .iter()
        .find(|(_, v)| v.windows(canary.len()).any(|w| w == canary))
        .map(|(k, _)| format!("<{} {}>", text(&tag.name), text(k)))
}

/// What the reflection of `canary` built in `body`, an HTML page; `None`
/// when it built nothing (absent, escaped, or only text).
pub(super) fn injection(body: &[u8], canary: &str) -> Option<Injection> {
    let needle = canary.to_ascii_lowercase();
    let needle = needle.as_bytes();
    if needle.is_empty() {
        return None;
    }
    let mut emitter = DefaultEmitter::default();
    emitter.naively_switch_states(true);
    let mut open = Open::default();
    // the attribute value that held the canary in the tag just before
    let mut previous: Option<String> = None;
    for token in Tokenizer::new_with_emitter(body, emitter) {
        let Ok(token) = token;
        match token {
            Token::StartTag(tag) => {
                let name = text(&tag.name);
                if tag.name.as_slice() == needle {
                    let mut shown = format!("<{name}");
                    for attribute in tag.attributes.keys() {
                        shown.push(' ');
                        shown.push_str(&text(attribute));
                    }
                    shown.push('>');
                    return Some(Injection::Element {
                        tag: shown,
                        inside: open.describe(),
                        broke_out_of: previous,
                    });
                }
                let added = tag
                    .attributes
                    .keys()
                    .find(|k| k.windows(needle.len()).any(|w| w == needle));
                if let Some(attribute) = added {
                    return Some(Injection::Attribute {
                        name: text(attribute),
                        element: format!("<{name}>"),
                        inside: open.describe(),
                    });
                }
                previous = holding(&tag, needle);
                open.start(&name);
            }
            Token::EndTag(tag) => {
                previous = None;
                open.end(&text(&tag.name));
            }
            Token::String(s) if s.iter().all(u8::is_ascii_whitespace) => {}
            Token::Error(_) => {}
            _ => previous = None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANARY: &str = "zq7canary";

    fn payload() -> String {
        format!("{CANARY}\"'><{CANARY} x=\"{CANARY}\">")
    }

    fn escape(s: &str) -> String {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&#39;")
    }

    fn page(around: &str) -> Vec<u8> {
        format!("<!DOCTYPE html><html><head><title>t</title></head><body>{around}</body></html>")
            .into_bytes()
    }

    #[test]
    fn a_reflection_in_the_body_creates_an_element() {
        let found = injection(&page(&format!("<p>you said {}</p>", payload())), CANARY);
        let Some(Injection::Element {
            tag,
            inside,
            broke_out_of,
        }) = found
        else {
            panic!("{found:?}");
        };
        assert_eq!(tag, format!("<{CANARY} x>"));
        assert_eq!(inside, "inside <p> in <body>");
        assert_eq!(broke_out_of, None);
    }

    #[test]
    fn text_contexts_create_nothing() {
        let p = payload();
        for html in [
            format!("<html><head><title>{p}</title></head><body></body></html>"),
            format!("<body><textarea>{p}</textarea></body>"),
            format!("<body><!-- {p} --></body>"),
            format!("<body><script>var q = \"{p}\";</script></body>"),
            format!("<body><style>/* {p} */</style></body>"),
            format!("<body><input value=\"{}\"></body>", escape(&p)),
            format!("<body><p>{}</p></body>", escape(&p)),
        ] {
            assert_eq!(injection(html.as_bytes(), CANARY), None, "{html}");
        }
    }

    #[test]
    fn closing_a_quoted_attribute_creates_an_element_after_it() {
        let html = format!("<body><form><input value=\"{}\"></form></body>", payload());
        let found = injection(html.as_bytes(), CANARY).expect("an element");
        assert_eq!(
            found.context(),
            format!(
                "element <{CANARY} x> created inside <form> in <body>, after closing the attribute value of <input value>"
            )
        );
    }

    #[test]
    fn quotes_left_raw_inside_an_attribute_add_an_attribute() {
        // angle brackets escaped, quotes not: the value ends early
        let reflected = payload().replace('<', "&lt;").replace('>', "&gt;");
        let html = format!("<body><input value=\"{reflected}\"></body>");
        let found = injection(html.as_bytes(), CANARY).expect("an attribute");
        assert!(
            matches!(&found, Injection::Attribute { element, .. } if element == "<input>"),
            "{found:?}"
        );
    }

    #[test]
    fn a_quote_escaped_attribute_keeps_raw_angle_brackets_as_text() {
        let reflected = payload().replace('"', "&quot;");
        let html = format!("<body><input value=\"{reflected}\"></body>");
        assert_eq!(injection(html.as_bytes(), CANARY), None);
    }
}
