//! Answers compared by what they say, not by what changes on every
//! request: [`normalise`] takes out the values a request sent (a username,
//! a password, a guessed code), timestamps, UUIDs and other random ids,
//! long hex or token-like runs, and numbers, so that two failed sign-ins
//! (or two wrong codes) compare equal exactly when their wording is the same.

use std::sync::LazyLock;

use regex::Regex;

/// Each pattern and what replaces it, applied in order.
static VOLATILE: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        // ISO 8601 date-times and dates (before numbers eat them)
        (
            r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?",
            "{time}",
        ),
        // HTTP dates: Tue, 15 Nov 1994 08:12:31 GMT
        (
            r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT",
            "{time}",
        ),
        // clock times
        (r"\b\d{1,2}:\d{2}:\d{2}(?:\.\d+)?\b", "{time}"),
        // UUIDs
        (
            r"(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b",
            "{id}",
        ),
        // hex runs of 16 or more (request ids, hashes)
        (r"(?i)\b[0-9a-f]{16,}\b", "{id}"),
        // token-like runs: 20 or more letters, digits, - and _ with a digit among them
        (r"\b[A-Za-z0-9_-]*[0-9][A-Za-z0-9_-]*\b", "{word}"),
    ]
    .into_iter()
    .filter_map(|(pattern, with)| Regex::new(pattern).ok().map(|r| (r, with)))
    .collect()
});

/// `body` with every text of `sent` (longest first) replaced by `{sent}`,
/// then timestamps, UUIDs, long hex runs and token-like runs replaced by
/// placeholders and every remaining run of digits by `0`.
pub(super) fn normalise(body: &str, sent: &[&str]) -> String {
    let mut text = body.to_owned();
    let mut needles: Vec<&str> = sent.iter().copied().filter(|s| s.len() >= 2).collect();
    needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
    for n in needles {
        text = text.replace(n, "{sent}");
    }
    for (pattern, with) in VOLATILE.iter() {
        if *with == "{word}" {
            // only long runs: a short word with a digit (`v2`, `404`) stays
            text = pattern
                .replace_all(&text, |c: &regex::Captures<'_>| {
                    let m = c.get(0).map_or("", |m| m.as_str());
                    if m.len() >= 20 {
                        "{id}".to_owned()
                    } else {
                        m.to_owned()
                    }
                })
                .into_owned();
        } else {
            text = pattern.replace_all(&text, *with).into_owned();
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut in_digits = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('0');
            }
            in_digits = true;
        } else {
            in_digits = false;
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_changes_on_every_request_is_taken_out() {
        let a = r#"{"error":"wrong password for 'alice' (id 42)","request_id":"6f1c2a9e-3b4d-4e5f-8a9b-0c1d2e3f4a5b","at":"2026-12-03T06:10:38.123Z"}"#;
        let b = r#"{"error":"wrong password for 'alice' (id 7)","request_id":"0a1b2c3d-4e5f-4a6b-9c8d-7e6f5a4b3c2d","at":"2026-12-03T06:10:39Z"}"#;
        assert_eq!(normalise(a, &["alice"]), normalise(b, &["alice"]));
        assert_eq!(
            normalise(a, &["alice"]),
            r#"{"error":"wrong password for '{sent}' (id 0)","request_id":"{id}","at":"{time}"}"#
        );
        let t1 =
            r#"{"msg":"invalid","trace":"a8f3e21b9c0d4e5f6a7b","nonce":"Xk29dLq0Zp81mWv7Rt5sYb"}"#;
        let t2 =
            r#"{"msg":"invalid","trace":"11ff22ee33dd44cc55bb","nonce":"Pq7sLm2Nx9Vb4Kc1Jd8hTr"}"#;
        assert_eq!(normalise(t1, &[]), normalise(t2, &[]));
        // the wording stays
        assert_ne!(
            normalise(r#"{"message":"Username does not exist"}"#, &[]),
            normalise(r#"{"message":"Password is not correct"}"#, &[])
        );
        assert_eq!(normalise("v2 error 404", &[]), "v0 error 0");
    }
}
