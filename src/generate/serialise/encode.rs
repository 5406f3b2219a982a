//! Character classes, percent-encoding, the text of values and media types.

use serde_json::Value;

pub(super) use crate::http::{is_header_value_byte, is_tchar};
use crate::model::ParameterStyle;

/// RFC 3986 `unreserved`: `ALPHA / DIGIT / "-" / "." / "_" / "~"`.
pub(super) fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// RFC 3986 `sub-delims`.
pub(super) fn is_sub_delim(b: u8) -> bool {
    matches!(
        b,
        b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
    )
}

/// RFC 6265 `cookie-octet`: visible ASCII except DQUOTE, comma, semicolon and backslash.
pub(super) fn is_cookie_octet(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x2B | 0x2D..=0x3A | 0x3C..=0x5B | 0x5D..=0x7E)
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

fn push_escape(out: &mut String, b: u8) {
    out.push('%');
    out.push(char::from(HEX[usize::from(b >> 4)]));
    out.push(char::from(HEX[usize::from(b & 0x0F)]));
}

/// Percent-encodes every byte of `text`'s UTF-8 for which `keep` is false
/// (and every non-ASCII byte), with upper-case hex digits.
pub(super) fn percent(text: &str, keep: impl Fn(u8) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    for &b in text.as_bytes() {
        if b.is_ascii() && keep(b) {
            out.push(char::from(b));
        } else {
            push_escape(&mut out, b);
        }
    }
    out
}

/// What a path value keeps raw under `style`: RFC 3986 `pchar` (unreserved,
/// sub-delims, `:` and `@`) minus the separators the style itself uses.
pub(super) fn path_keep(style: ParameterStyle) -> impl Fn(u8) -> bool {
    move |b| {
        let pchar = is_unreserved(b) || is_sub_delim(b) || b == b':' || b == b'@';
        let separator = match style {
            ParameterStyle::Label => matches!(b, b'.' | b',' | b'='),
            ParameterStyle::Matrix => matches!(b, b';' | b',' | b'='),
            _ => matches!(b, b',' | b'='),
        };
        pchar && !separator
    }
}

/// A query name or value, every byte but the unreserved ones encoded (space as `%20`).
pub(super) fn query_component(text: &str) -> String {
    percent(text, is_unreserved)
}

/// A query value under `allowReserved` (RFC 6570 reserved expansion):
/// reserved characters and existing `%XX` triples pass raw; `#`, `[` and
/// `]`, which a query cannot hold, a lone `%`, and everything else outside
/// the unreserved set are encoded.
pub(super) fn query_reserved(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            if let (Some(&h), Some(&l)) = (bytes.get(i + 1), bytes.get(i + 2))
                && h.is_ascii_hexdigit()
                && l.is_ascii_hexdigit()
            {
                out.push('%');
                out.push(char::from(h));
                out.push(char::from(l));
                i += 3;
                continue;
            }
            push_escape(&mut out, b);
        } else if is_unreserved(b) || is_sub_delim(b) || matches!(b, b':' | b'/' | b'?' | b'@') {
            out.push(char::from(b));
        } else {
            push_escape(&mut out, b);
        }
        i += 1;
    }
    out
}

/// The text of a value: strings as they are, numbers as JSON writes them,
/// `true`/`false`, null as the empty string, arrays and objects as JSON.
pub(super) fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => number_text(n),
        Value::Array(_) | Value::Object(_) => json_text(value),
    }
}

/// A value as JSON text, as `Value::to_string` writes it except that whole
/// numbers held as floats from 2^53 up to 10^21 are written as their
/// integer digits, as JavaScript writes them: integer boundary values past
/// 64 bits (2^64, 10^20) are held as floats, and a server must see
/// `18446744073709551616`, an integer, not `1.8446744073709552e19`.
pub(crate) fn json_text(value: &Value) -> String {
    let mut out = Vec::new();
    let mut writer = serde_json::Serializer::with_formatter(&mut out, WholeDigits);
    match serde::Serialize::serialize(value, &mut writer) {
        Ok(()) => String::from_utf8(out).unwrap_or_else(|_| value.to_string()),
        Err(_) => value.to_string(),
    }
}

/// A number's text, whole floats from 2^53 up to 10^21 as integer digits.
pub(crate) fn number_text(n: &serde_json::Number) -> String {
    match n.as_f64().and_then(whole_digits) {
        Some(digits) if !n.is_i64() && !n.is_u64() => digits,
        _ => n.to_string(),
    }
}

/// The integer digits of a whole float from 2^53 up to 10^21 (in magnitude).
fn whole_digits(f: f64) -> Option<String> {
    (f.fract() == 0.0 && f.abs() >= 9_007_199_254_740_992.0 && f.abs() < 1e21)
        .then(|| (f as i128).to_string())
}

/// serde_json's compact formatter, writing [`whole_digits`] floats as integers.
struct WholeDigits;

impl serde_json::ser::Formatter for WholeDigits {
    fn write_f64<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        value: f64,
    ) -> std::io::Result<()> {
        match whole_digits(value) {
            Some(digits) => writer.write_all(digits.as_bytes()),
            None => serde_json::ser::CompactFormatter.write_f64(writer, value),
        }
    }
}

/// The essence of a media type: `type/subtype`, lower-cased, without parameters.
pub(super) fn essence(media_type: &str) -> String {
    let head = media_type.split(';').next().unwrap_or_default();
    head.trim().to_ascii_lowercase()
}

/// How a media type's content is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// `application/json`, `*/json` and `+json`.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `multipart/*`.
    Multipart,
    /// `*/xml` and `+xml`.
    Xml,
    /// `text/*` other than XML.
    Text,
    /// Known binary types: `application/octet-stream`, images, archives, ...
    Binary,
    /// Anything else.
    Other,
}

/// The kind of a media type essence (see [`essence`]).
pub(super) fn kind(essence: &str) -> Kind {
    let (top, sub) = essence.split_once('/').unwrap_or((essence, ""));
    if sub == "json" || sub.ends_with("+json") {
        Kind::Json
    } else if essence == "application/x-www-form-urlencoded" {
        Kind::Form
    } else if top == "multipart" {
        Kind::Multipart
    } else if sub == "xml" || sub.ends_with("+xml") {
        Kind::Xml
    } else if top == "text" {
        Kind::Text
    } else if matches!(top, "image" | "audio" | "video" | "font" | "model")
        || matches!(
            essence,
            "application/octet-stream"
                | "application/pdf"
                | "application/zip"
                | "application/gzip"
                | "application/x-gzip"
                | "application/x-tar"
                | "application/x-7z-compressed"
        )
    {
        Kind::Binary
    } else {
        Kind::Other
    }
}

/// A value written as `media_type` for a parameter with `content`: JSON for
/// JSON types, otherwise strings as they are and anything else as JSON.
pub(super) fn media_text(media_type: &str, value: &Value) -> String {
    match (kind(&essence(media_type)), value) {
        (Kind::Json, _) => json_text(value),
        (_, Value::String(s)) => s.clone(),
        (_, Value::Array(_) | Value::Object(_)) => json_text(value),
        (_, other) => text(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use percent_encoding::percent_decode_str;
    use proptest::prelude::*;
    use serde_json::json;

    fn decode(s: &str) -> Vec<u8> {
        percent_decode_str(s).collect()
    }

    #[test]
    fn unreserved_and_delims_match_rfc_3986() {
        let unreserved: String = (0u8..=127)
            .filter(|b| is_unreserved(*b))
            .map(char::from)
            .collect();
        assert_eq!(
            unreserved,
            "-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~"
        );
        let subs: String = (0u8..=127)
            .filter(|b| is_sub_delim(*b))
            .map(char::from)
            .collect();
        assert_eq!(subs, "!$&'()*+,;=");
    }

    #[test]
    fn tchar_matches_http_token() {
        let tchars: String = (0u8..=127)
            .filter(|b| is_tchar(*b) && !b.is_ascii_alphanumeric())
            .map(char::from)
            .collect();
        assert_eq!(tchars, "!#$%&'*+-.^_`|~");
        assert!(!is_tchar(b' ') && !is_tchar(b':') && !is_tchar(0x80));
    }

    #[test]
    fn cookie_octet_excludes_rfc_6265_bytes() {
        for b in [b' ', b'"', b',', b';', b'\\', 0x00, 0x1F, 0x7F, 0x80, 0xFF] {
            assert!(!is_cookie_octet(b), "{b:#x} must be excluded");
        }
        for b in [b'!', b'#', b'+', b'-', b':', b'<', b'[', b']', b'~', b'='] {
            assert!(is_cookie_octet(b), "{b:#x} must be allowed");
        }
    }

    #[test]
    fn header_value_bytes_match_http_crate() {
        assert!(is_header_value_byte(b'\t'));
        assert!(is_header_value_byte(b' '));
        assert!(is_header_value_byte(0x80));
        assert!(!is_header_value_byte(b'\r'));
        assert!(!is_header_value_byte(b'\n'));
        assert!(!is_header_value_byte(0));
        assert!(!is_header_value_byte(0x7F));
    }

    #[test]
    fn percent_uses_upper_hex_and_encodes_utf8_bytes() {
        assert_eq!(query_component("é /"), "%C3%A9%20%2F");
        assert_eq!(percent("a\u{0}b", is_unreserved), "a%00b");
    }

    #[test]
    fn path_separators_are_encoded_per_style() {
        let v = "a,b;c=d.e:f@g/h?i#j%k l";
        assert_eq!(
            percent(v, path_keep(ParameterStyle::Simple)),
            "a%2Cb;c%3Dd.e:f@g%2Fh%3Fi%23j%25k%20l"
        );
        assert_eq!(
            percent(v, path_keep(ParameterStyle::Label)),
            "a%2Cb;c%3Dd%2Ee:f@g%2Fh%3Fi%23j%25k%20l"
        );
        assert_eq!(
            percent(v, path_keep(ParameterStyle::Matrix)),
            "a%2Cb%3Bc%3Dd.e:f@g%2Fh%3Fi%23j%25k%20l"
        );
    }

    #[test]
    fn reserved_expansion_keeps_reserved_and_triples() {
        assert_eq!(
            query_reserved("a/b?c:d@e!$&'()*+,;=[]#%41%zz% é"),
            "a/b?c:d@e!$&'()*+,;=%5B%5D%23%41%25zz%25%20%C3%A9"
        );
    }

    #[test]
    fn text_of_values() {
        assert_eq!(text(&json!("x y")), "x y");
        assert_eq!(text(&json!(1.5)), "1.5");
        assert_eq!(text(&json!(-7)), "-7");
        assert_eq!(text(&json!(true)), "true");
        assert_eq!(text(&Value::Null), "");
        assert_eq!(text(&json!({"a": [1]})), r#"{"a":[1]}"#);
    }

    #[test]
    fn media_kinds() {
        assert_eq!(
            essence(" Application/JSON ; charset=utf-8"),
            "application/json"
        );
        assert_eq!(kind("application/json"), Kind::Json);
        assert_eq!(kind("application/vnd.api+json"), Kind::Json);
        assert_eq!(kind("application/x-www-form-urlencoded"), Kind::Form);
        assert_eq!(kind("multipart/mixed"), Kind::Multipart);
        assert_eq!(kind("text/xml"), Kind::Xml);
        assert_eq!(kind("application/atom+xml"), Kind::Xml);
        assert_eq!(kind("text/csv"), Kind::Text);
        assert_eq!(kind("image/png"), Kind::Binary);
        assert_eq!(kind("application/x-custom"), Kind::Other);
    }

    #[test]
    fn media_text_is_json_for_json_types_only() {
        assert_eq!(media_text("application/json", &json!("a")), r#""a""#);
        assert_eq!(media_text("text/plain", &json!("a")), "a");
        assert_eq!(media_text("text/plain", &json!([1])), "[1]");
    }

    proptest! {
        #[test]
        fn query_component_round_trips(s in any::<String>()) {
            let e = query_component(&s);
            prop_assert!(e.bytes().all(|b| is_unreserved(b) || b == b'%' || b.is_ascii_hexdigit()));
            prop_assert_eq!(decode(&e), s.as_bytes());
        }

        #[test]
        fn path_values_round_trip_without_separators(s in any::<String>()) {
            for style in [ParameterStyle::Simple, ParameterStyle::Label, ParameterStyle::Matrix] {
                let e = percent(&s, path_keep(style));
                prop_assert!(!e.contains(['/', '?', '#', ' ', ',', '=']));
                prop_assert_eq!(decode(&e), s.as_bytes());
            }
        }

        #[test]
        fn reserved_expansion_round_trips_without_triples(s in "[^%]*") {
            let e = query_reserved(&s);
            prop_assert!(!e.contains(['#', '[', ']', ' ']));
            prop_assert_eq!(decode(&e), s.as_bytes());
        }
    }
}
