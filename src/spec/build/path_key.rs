//! A `paths` key split into what goes where on the wire.
//!
//! Some specs put more than a path template into a key, to tell operations
//! of one URL apart: AWS-style `/#Action=DescribeAlarms` or
//! `/#X-Amz-Target=Service.GetItem`, `/analyze#overload=stream`,
//! `/{id}#disambiguation`, or a query in the key itself (`/search?q={q}`,
//! `/jobs?op=LIST`). Sent verbatim, everything after `#` is a fragment the
//! server never receives, and a second `?` ends up inside a value. Read
//! once here:
//!
//! - the part before the first `?` or `#` is the path template;
//! - `?name=value` pairs are a fixed query every request carries, and a
//!   `name={var}` pair makes `var` a query parameter called `name`;
//! - after `#`, `Action=`/`Version=` pairs (the AWS query protocol) are a
//!   fixed query too, a pair whose name is an `X-` header name a fixed
//!   header, and anything else only tells operations apart (no bytes).

/// What one `paths` key holds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) struct PathKey {
    /// The path template.
    pub path: String,
    /// `name=value` pairs every request carries in its query, encoded.
    pub fixed_query: Vec<String>,
    /// Headers every request carries.
    pub fixed_headers: Vec<(String, String)>,
    /// `(query name, template variable)` of `name={var}` pairs.
    pub query_variables: Vec<(String, String)>,
    /// What the key held after the path, when it held anything.
    pub rest: Option<String>,
}

/// Query names the AWS query protocol carries in a key's fragment.
const FRAGMENT_QUERY_NAMES: [&str; 2] = ["Action", "Version"];

/// Splits a `paths` key.
pub(super) fn split(key: &str) -> PathKey {
    let cut = key.find(['?', '#']).unwrap_or(key.len());
    let (path, rest) = key.split_at(cut);
    let mut out = PathKey {
        path: path.to_owned(),
        rest: (!rest.is_empty()).then(|| rest.to_owned()),
        ..PathKey::default()
    };
    let (query, fragment) = match rest.split_once('#') {
        Some((q, f)) => (q, Some(f)),
        None => (rest, None),
    };
    for pair in query.strip_prefix('?').unwrap_or("").split('&') {
        if pair.is_empty() {
            continue;
        }
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        match variable(value) {
            Some(var) => out.query_variables.push((name.to_owned(), var.to_owned())),
            None => out.fixed_query.push(encoded_pair(name, value)),
        }
    }
    for pair in fragment.unwrap_or("").split('&') {
        let Some((name, value)) = pair.split_once('=') else {
            continue;
        };
        if FRAGMENT_QUERY_NAMES.contains(&name) && variable(value).is_none() {
            out.fixed_query.push(encoded_pair(name, value));
        } else if is_header_name(name) && variable(value).is_none() && !value.is_empty() {
            out.fixed_headers
                .push((name.to_ascii_lowercase(), value.to_owned()));
        }
    }
    out
}

/// `var` of a value written `{var}`.
fn variable(value: &str) -> Option<&str> {
    value
        .strip_prefix('{')?
        .strip_suffix('}')
        .filter(|v| !v.is_empty() && !v.contains(['{', '}']))
}

/// An `X-` header name of token characters.
fn is_header_name(name: &str) -> bool {
    name.len() > 2
        && name.as_bytes()[..2].eq_ignore_ascii_case(b"x-")
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

/// `name=value` with each side percent-encoded where a query needs it
/// (text already encoded in the key stays as it is).
fn encoded_pair(name: &str, value: &str) -> String {
    format!("{}={}", encode(name), encode(value))
}

fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~%!$'()*+,;:@/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_template_is_left_alone() {
        let k = split("/pets/{id}");
        assert_eq!(k.path, "/pets/{id}");
        assert!(k.fixed_query.is_empty() && k.rest.is_none());
    }

    #[test]
    fn an_aws_action_in_the_fragment_is_a_fixed_query() {
        let k = split("/#Action=DescribeAlarms&Version=2010-08-01");
        assert_eq!(k.path, "/");
        assert_eq!(
            k.fixed_query,
            ["Action=DescribeAlarms", "Version=2010-08-01"]
        );
        assert_eq!(
            k.rest.as_deref(),
            Some("#Action=DescribeAlarms&Version=2010-08-01")
        );
    }

    #[test]
    fn an_amz_target_in_the_fragment_is_a_fixed_header() {
        let k = split("/#X-Amz-Target=DynamoDB_20120810.GetItem");
        assert_eq!(k.path, "/");
        assert!(k.fixed_query.is_empty());
        assert_eq!(
            k.fixed_headers,
            [(
                "x-amz-target".to_owned(),
                "DynamoDB_20120810.GetItem".to_owned()
            )]
        );
    }

    #[test]
    fn other_fragments_only_tell_operations_apart() {
        let k = split("/analyze#overload=stream");
        assert_eq!(k.path, "/analyze");
        assert!(k.fixed_query.is_empty() && k.fixed_headers.is_empty());
        let k = split("/items/{id}#disambiguation");
        assert_eq!(k.path, "/items/{id}");
        assert!(k.fixed_query.is_empty());
    }

    #[test]
    fn a_fragment_name_with_text_beyond_ascii_is_read_not_cut() {
        // the `spec_load` fuzz target's find (fuzz/regressions/spec_load):
        // the name's second character is more than one byte
        for key in ["/#A\u{FFFD}tion=List", "/#\u{e9}\u{e9}=x", "/#x\u{e9}-a=1"] {
            let k = split(key);
            assert_eq!(k.path, "/");
            assert!(k.fixed_query.is_empty() && k.fixed_headers.is_empty());
        }
    }

    #[test]
    fn a_query_in_the_key_gives_fixed_pairs_and_query_variables() {
        let k = split("/search?q={q}&kind=all items#x");
        assert_eq!(k.path, "/search");
        assert_eq!(k.fixed_query, ["kind=all%20items"]);
        assert_eq!(k.query_variables, [("q".to_owned(), "q".to_owned())]);
        let k = split("/jobs?op=LIST");
        assert_eq!(
            (k.path.as_str(), k.fixed_query),
            ("/jobs", vec!["op=LIST".to_owned()])
        );
    }
}
