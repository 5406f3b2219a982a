//! Generation caps: the most a schema can make apiprobe build for one value.
//!
//! A spec may ask for what no request should carry (`minLength: 4000000000`,
//! `pattern: ((a{1000}){1000}){1000}`, `minItems: 1e9`). Past these caps the
//! generator cuts a value short, even if that breaks its schema, and the spec
//! reader warns about such schemas when it loads them
//! ([`WarningKind::Capped`](super::WarningKind::Capped)), so generation never
//! runs out of memory and a cut value never comes as a surprise.

/// The longest string generated for one slot, in characters (64 Ki).
pub const MAX_STRING_CHARS: u64 = 64 * 1024;

/// The most items an array (or properties an object) is given for
/// `minItems` / `minProperties`.
pub const MAX_ITEMS: u64 = 1024;

/// The longest string a `pattern` is sampled at, in bytes: counted
/// repetitions (`a{99999999}`, nested `{1000}`s) are cut to fit.
pub const MAX_PATTERN_BYTES: usize = 64 * 1024;

/// The bytes one generated value (a parameter or a whole body) may take:
/// string characters, plus 8 for each nested value. Past it, the rest of the
/// value is filled with minimal ones (`""`, `0`, `[]`, `{}`). A case holds at
/// most one value per parameter and one body, so its size is bounded by this
/// times their number.
pub const VALUE_BUDGET: u64 = 1024 * 1024;

/// Whether a schema's length and count keywords ask for more than the caps
/// give; the reason, for a load-time warning.
pub fn over_caps(
    min_length: Option<u64>,
    min_items: Option<u64>,
    min_properties: Option<u64>,
    pattern: Option<&str>,
) -> Option<String> {
    if let Some(n) = min_length.filter(|n| *n > MAX_STRING_CHARS) {
        return Some(format!(
            "`minLength: {n}` is more than apiprobe generates ({MAX_STRING_CHARS} characters); values are cut to that length and break the schema"
        ));
    }
    if let Some(n) = min_items.filter(|n| *n > MAX_ITEMS) {
        return Some(format!(
            "`minItems: {n}` is more than apiprobe generates ({MAX_ITEMS} items); arrays are cut to that many and break the schema"
        ));
    }
    if let Some(n) = min_properties.filter(|n| *n > MAX_ITEMS) {
        return Some(format!(
            "`minProperties: {n}` is more than apiprobe generates ({MAX_ITEMS} properties); objects are cut to that many and break the schema"
        ));
    }
    let pattern = pattern?;
    let shortest = pattern_min_len(pattern)?;
    (shortest > MAX_PATTERN_BYTES).then(|| {
        format!(
            "`pattern` matches nothing shorter than {shortest} bytes, more than apiprobe generates ({MAX_PATTERN_BYTES}); its repetitions are cut and values break the pattern"
        )
    })
}

/// The shortest match of a pattern in bytes, when it parses. Patterns
/// without a counted repetition (`{`) and shorter than the cap are skipped
/// unparsed (the cost of loading a large spec).
fn pattern_min_len(pattern: &str) -> Option<usize> {
    if !pattern.contains('{') && pattern.len() <= MAX_PATTERN_BYTES {
        return None;
    }
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .ok()?;
    hir.properties().minimum_len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costly_schemas_are_named() {
        assert!(over_caps(Some(4_000_000_000), None, None, None).is_some());
        assert!(over_caps(None, Some(2_000), None, None).is_some());
        assert!(over_caps(None, None, Some(1 << 40), None).is_some());
        assert!(over_caps(None, None, None, Some("((a{1000}){1000}){1000}")).is_some());
        assert!(over_caps(None, None, None, Some("a{99999999}")).is_some());
        assert!(over_caps(Some(10), Some(3), Some(2), Some("^[a-z]{2,8}$")).is_none());
        assert!(over_caps(None, None, None, Some("(unclosed")).is_none());
    }
}
