//! Confirmations in code after a regex matched, and evidence shaping.

use super::EVIDENCE_CAP;
use super::rules::Check;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The confirmed byte range of a match at `start..end` of `text`, or `None`
/// when the check rejects it.
pub(super) fn confirm(
    check: Check,
    text: &str,
    start: usize,
    end: usize,
) -> Option<(usize, usize)> {
    let matched = text.get(start..end)?;
    let before = text.get(..start)?.chars().next_back();
    let after = text.get(end..)?;
    match check {
        Check::None => Some((start, end)),
        Check::Luhn => {
            let len = luhn_prefix(matched)?;
            (!bare_json_number(text, start, start + len)).then_some((start, start + len))
        }
        Check::Jwt => jwt_header_ok(matched).then_some((start, end)),
        Check::InternalIp => {
            let dotted_before = before == Some('.');
            let mut rest = after.chars();
            let dotted_after =
                rest.next() == Some('.') && rest.next().is_some_and(|c| c.is_ascii_digit());
            (!dotted_before && !dotted_after).then_some((start, end))
        }
        Check::PathStart => {
            let glued = before.is_some_and(|c| c.is_ascii_alphanumeric() || "._~%/-".contains(c));
            (!glued && looks_like_file_path(matched)).then_some((start, end))
        }
        Check::KeyEnd => {
            let glued = after
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            (!glued).then_some((start, end))
        }
        Check::JavaFrameInText => has_java_frame(text).then_some((start, end)),
    }
}

/// The length in bytes of the longest prefix of `matched` (the whole, or cut
/// before a separator) whose 13 to 19 digits pass the Luhn check.
fn luhn_prefix(matched: &str) -> Option<usize> {
    let mut ends: Vec<usize> = matched
        .char_indices()
        .filter(|&(_, c)| c == ' ' || c == '-')
        .map(|(i, _)| i)
        .collect();
    ends.push(matched.len());
    ends.into_iter().rev().find(|&end| {
        let digits = matched.get(..end).unwrap_or_default();
        let count = digits.bytes().filter(u8::is_ascii_digit).count();
        (13..=19).contains(&count) && card_brand(digits) && luhn(digits)
    })
}

/// Whether the digits of `number` have the prefix and length of a card brand
/// (Visa, Mastercard, American Express, Discover, Diners Club, JCB, UnionPay),
/// so that any long number passing Luhn (one in ten do) is not a card.
fn card_brand(number: &str) -> bool {
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    let n = digits.len();
    let prefix = |len: usize| {
        digits
            .get(..len)
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0)
    };
    match prefix(1) {
        4 => matches!(n, 13 | 16 | 19),
        5 => (51..=55).contains(&prefix(2)) && n == 16,
        3 => {
            (matches!(prefix(2), 34 | 37) && n == 15)
                || ((matches!(prefix(2), 36 | 38) || (300..=305).contains(&prefix(3)))
                    && (14..=19).contains(&n))
                || ((3528..=3589).contains(&prefix(4)) && (16..=19).contains(&n))
        }
        6 => {
            (prefix(4) == 6011
                || prefix(2) == 65
                || prefix(2) == 62
                || (644..=649).contains(&prefix(3)))
                && (16..=19).contains(&n)
        }
        _ => false,
    }
}

/// Whether `start..end` of `text` is a bare JSON number (`"id": 4111...`)
/// whose key does not name a card: ids, amounts and timestamps are numbers,
/// card numbers are strings.
fn bare_json_number(text: &str, start: usize, end: usize) -> bool {
    let before = text.get(..start).unwrap_or_default().trim_end();
    let after = text.get(end..).unwrap_or_default().trim_start();
    let opened = before.ends_with(':') || before.ends_with('[') || before.ends_with(',');
    let closed = after.is_empty() || after.starts_with([',', '}', ']']);
    if !(opened && closed) {
        return false;
    }
    // the key before the colon, if any
    let key = before
        .strip_suffix(':')
        .map(str::trim_end)
        .and_then(|b| b.strip_suffix('"'))
        .and_then(|b| b.rsplit('"').next())
        .unwrap_or_default()
        .to_ascii_lowercase();
    !(key.contains("card") || key.contains("pan") || key == "cc" || key.contains("ccnum"))
}

/// Folders that only a file-system path has (a route such as `/home/feed/latest`
/// has none of them, nor a file name).
const SERVER_FOLDERS: &[&str] = &[
    "node_modules",
    "site-packages",
    "dist-packages",
    "vendor",
    "venv",
    "public_html",
    "htdocs",
    "releases",
    "src",
    "lib",
    "bin",
];

/// Whether a matched path is a file-system path rather than a URL route:
/// web roots and Windows profile paths always are; a `/home/...` path must
/// name a file (an extension with a letter, or a dot file) or a folder only
/// servers have.
fn looks_like_file_path(path: &str) -> bool {
    if !path.starts_with("/home/") {
        return true;
    }
    path.split('/').skip(2).any(|segment| {
        let dotted = segment.rsplit_once('.').is_some_and(|(stem, ext)| {
            (1..=8).contains(&ext.len())
                && ext.bytes().all(|b| b.is_ascii_alphanumeric())
                && ext.bytes().any(|b| b.is_ascii_alphabetic())
                && (stem.is_empty() || !stem.bytes().all(|b| b == b'.'))
        });
        dotted || SERVER_FOLDERS.contains(&segment.trim_start_matches('.'))
    })
}

/// Whether the ASCII digits of `number` (other characters ignored) pass the
/// Luhn check.
pub(super) fn luhn(number: &str) -> bool {
    let mut sum = 0u32;
    let mut count = 0usize;
    for (i, digit) in number
        .bytes()
        .rev()
        .filter(u8::is_ascii_digit)
        .map(|b| u32::from(b - b'0'))
        .enumerate()
    {
        count += 1;
        sum += if i % 2 == 1 {
            let doubled = digit * 2;
            if doubled > 9 { doubled - 9 } else { doubled }
        } else {
            digit
        };
    }
    count > 0 && sum.is_multiple_of(10)
}

/// Whether the first part of a dotted token decodes (base64url) to a JSON
/// object with a string `alg`.
pub(super) fn jwt_header_ok(token: &str) -> bool {
    let Some(header) = token.split('.').next() else {
        return false;
    };
    let Ok(bytes) = URL_SAFE_NO_PAD.decode(header.trim_end_matches('=')) else {
        return false;
    };
    serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|value| value.get("alg").map(serde_json::Value::is_string))
        .unwrap_or(false)
}

/// Whether `text` holds a Java stack frame (`at x.y(Z.java:N)`).
fn has_java_frame(text: &str) -> bool {
    text.match_indices(".java:").any(|(i, _)| {
        let window = text.get(i.saturating_sub(200)..i).unwrap_or_default();
        window.contains("at ") && window.contains('(')
    })
}

/// Longest message taken after an error's match, in bytes.
const MESSAGE_CAP: usize = 160;

/// The match at `start..end` of `text` and the message that follows it on
/// its line (to a line break, the end of a JSON string or an HTML tag), so
/// that `SQLite error: ` does not stand alone; says so when nothing follows.
pub(super) fn with_message(text: &str, start: usize, end: usize) -> String {
    let matched = text.get(start..end).unwrap_or_default();
    let rest = text.get(end..).unwrap_or_default();
    let mut stop = rest.len();
    let mut escaped = false;
    for (i, c) in rest.char_indices() {
        if i >= MESSAGE_CAP || c == '\r' || c == '\n' || c == '<' || (c == '"' && !escaped) {
            stop = i;
            break;
        }
        escaped = c == '\\' && !escaped;
    }
    let message = rest.get(..stop).unwrap_or_default().trim_end();
    let cut = if stop >= MESSAGE_CAP && stop < rest.len() {
        "…"
    } else {
        ""
    };
    if message.is_empty() {
        if matched.trim_end().ends_with(':') {
            format!("{} (no message follows)", matched.trim_end())
        } else {
            matched.to_owned()
        }
    } else {
        format!("{matched}{message}{cut}")
    }
}

/// `text` capped to [`EVIDENCE_CAP`] bytes at a character boundary, with `…`
/// when cut.
pub(super) fn cap(text: &str) -> String {
    if text.len() <= EVIDENCE_CAP {
        return text.to_owned();
    }
    let mut end = EVIDENCE_CAP;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", text.get(..end).unwrap_or_default())
}

/// `secret` with all but its first 4 and last 2 characters replaced by `*`
/// (at most 16 of them); entirely masked when 8 characters or shorter.
pub(super) fn mask(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    let n = chars.len();
    if n <= 8 {
        return "*".repeat(n);
    }
    let head: String = chars.iter().take(4).collect();
    let tail: String = chars.iter().skip(n - 2).collect();
    format!("{head}{}{tail}", "*".repeat((n - 6).min(16)))
}
