//! String formats: valid values to generate, and values that break them.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use base64::Engine as _;
use jsonschema::Validator;

use super::source::Source;

const WORDS: &[&str] = &[
    "alpha", "bravo", "delta", "echo", "kilo", "lima", "oscar", "tango",
];

/// A valid value of `format`, or `None` for formats apiprobe does not generate.
pub(crate) fn valid(format: &str, src: &mut dyn Source) -> Option<String> {
    let n = |src: &mut dyn Source, lo: i128, hi: i128| src.int_in(lo, hi);
    Some(match format {
        "date" => format!(
            "{:04}-{:02}-{:02}",
            n(src, 2000, 2030),
            n(src, 1, 12),
            n(src, 1, 28)
        ),
        "date-time" => format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            n(src, 2000, 2030),
            n(src, 1, 12),
            n(src, 1, 28),
            n(src, 0, 23),
            n(src, 0, 59),
            n(src, 0, 59)
        ),
        "time" => format!(
            "{:02}:{:02}:{:02}Z",
            n(src, 0, 23),
            n(src, 0, 59),
            n(src, 0, 59)
        ),
        "duration" => match src.below(3) {
            0 => format!("P{}D", n(src, 1, 30)),
            1 => format!("PT{}H{}M", n(src, 1, 23), n(src, 1, 59)),
            _ => format!("P{}W", n(src, 1, 8)),
        },
        "email" => format!("{}{}@example.com", word(src), n(src, 0, 999)),
        "idn-email" => format!("{}{}@exämple.com", word(src), n(src, 0, 999)),
        "hostname" => format!("{}{}.example.com", word(src), n(src, 0, 99)),
        "idn-hostname" => format!("{}.bücher.example", word(src)),
        "ipv4" | "ip" => format!(
            "{}.{}.{}.{}",
            n(src, 1, 223),
            n(src, 0, 255),
            n(src, 0, 255),
            n(src, 1, 254)
        ),
        "ipv6" => (0..8)
            .map(|_| format!("{:x}", n(src, 0, 0xffff)))
            .collect::<Vec<_>>()
            .join(":"),
        "uri" | "url" | "iri" => format!("https://example.com/{}/{}", word(src), n(src, 0, 999)),
        "uri-reference" | "iri-reference" => format!("/{}/{}", word(src), n(src, 0, 999)),
        "uri-template" => format!("https://example.com/{}/{{id}}", word(src)),
        "uuid" => uuid(src),
        "byte" | "base64" => {
            let bytes: Vec<u8> = (0..src.int_in(1, 12))
                .map(|_| src.below(256) as u8)
                .collect();
            base64::engine::general_purpose::STANDARD.encode(bytes)
        }
        "json-pointer" => format!("/{}/{}", word(src), n(src, 0, 9)),
        "relative-json-pointer" => format!("{}/{}", n(src, 0, 3), word(src)),
        "regex" => "^[a-z]+$".to_owned(),
        _ => return None,
    })
}

/// A string that breaks `format`, for formats a JSON Schema validator checks.
pub(crate) fn invalid(format: &str) -> Option<&'static str> {
    Some(match format {
        "date" => "2024-13-45",
        "date-time" => "2024-01-01 25:61:00",
        "time" => "25:61:00",
        "duration" => "P1X2",
        "email" | "idn-email" => "no-at-sign.example.com",
        "hostname" | "idn-hostname" => "-bad-.example..com",
        "ipv4" => "256.300.1.1",
        "ipv6" => "1:::2::3",
        "uri" | "iri" => "not a uri",
        "uuid" => "not-a-uuid",
        "json-pointer" => "no-leading-slash",
        "regex" => "([unclosed",
        _ => return None,
    })
}

/// Whether `format` is one apiprobe generates and a JSON Schema validator
/// checks: a value drawn for a `pattern` beside it must be of the format too.
pub(crate) fn checked(format: &str) -> bool {
    invalid(format).is_some()
}

/// Whether `text` is of `format`, as the `jsonschema` crate judges it
/// (validators compiled once per format); formats it does not know pass.
pub(crate) fn satisfies(format: &str, text: &str) -> bool {
    static CACHE: OnceLock<RwLock<HashMap<String, Option<Arc<Validator>>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let known = cache
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(format)
        .cloned();
    let validator = match known {
        Some(v) => v,
        None => {
            let compiled = jsonschema::options()
                .should_validate_formats(true)
                .build(&serde_json::json!({"format": format}))
                .ok()
                .map(Arc::new);
            let mut cache = cache.write().unwrap_or_else(|e| e.into_inner());
            cache.entry(format.to_owned()).or_insert(compiled).clone()
        }
    };
    validator.is_none_or(|v| v.is_valid(&serde_json::Value::String(text.to_owned())))
}

fn word(src: &mut dyn Source) -> &'static str {
    WORDS[src.index(WORDS.len())]
}

fn uuid(src: &mut dyn Source) -> String {
    let a = src.next_u64().to_le_bytes();
    let b = src.next_u64().to_le_bytes();
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&a);
    bytes[8..].copy_from_slice(&b);
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    let hex = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::source::{Fuzzed, Seeded};

    #[test]
    fn exhausted_sources_still_give_valid_values() {
        for f in ["date", "date-time", "time", "uuid", "ipv4", "email", "byte"] {
            let v = valid(f, &mut Fuzzed::new(&[])).unwrap();
            assert!(!v.is_empty(), "{f}");
        }
        assert_eq!(valid("date", &mut Fuzzed::new(&[])).unwrap(), "2000-01-01");
        assert_eq!(
            valid("uuid", &mut Fuzzed::new(&[])).unwrap(),
            "00000000-0000-4000-8000-000000000000"
        );
    }

    #[test]
    fn format_checks_follow_the_validator() {
        assert!(satisfies("uri", "https://example.com/a"));
        assert!(!satisfies("uri", "://"));
        assert!(satisfies("email", "kilo7@example.com"));
        assert!(!satisfies("email", "a@@b"));
        assert!(satisfies("made-up", "anything"));
        assert!(checked("date-time") && !checked("made-up"));
    }

    #[test]
    fn uuids_have_version_and_variant() {
        let mut s = Seeded::new(3);
        for _ in 0..100 {
            let u = valid("uuid", &mut s).unwrap();
            assert_eq!(u.len(), 36);
            assert_eq!(&u[14..15], "4");
            assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"), "{u}");
        }
    }
}
