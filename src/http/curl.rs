//! The request as a curl command line.

use super::request::Request;
use crate::model::Method;

/// A single-line POSIX shell command that sends `request` to `base_url`
/// with curl, byte for byte.
///
/// Arguments are single-quoted; an argument that is not UTF-8 or holds a
/// control character other than tab is written with `$'...'` and `\xHH`
/// escapes instead (so the line stays one line). A body with a NUL byte,
/// which no shell argument can carry, is piped in from `printf` and read
/// with `--data-binary @-`. `--globoff` is added when the URL holds
/// `[`, `]`, `{` or `}`; `-X GET` is left out when there is no body, and a
/// bodiless HEAD uses `--head`.
pub fn curl(base_url: &str, request: &Request) -> String {
    curl_at(&url(base_url, request), request)
}

/// Like [`curl`], with the full URL given (the request's own path and query
/// are not read): for a request as it was sent.
pub fn curl_at(url: &str, request: &Request) -> String {
    let mut words: Vec<String> = vec!["curl".into()];
    if url.contains(['[', ']', '{', '}']) {
        words.push("--globoff".into());
    }
    match (request.method, request.body.is_some()) {
        (Method::Get, false) => {}
        (Method::Head, false) => words.push("--head".into()),
        (method, _) => {
            words.push("-X".into());
            words.push(method.as_str().into());
        }
    }
    words.push(quote(url.as_bytes()));
    for (name, value) in &request.headers {
        words.push("-H".into());
        words.push(quote(header(name, value).as_bytes()));
    }
    let mut prefix = String::new();
    if let Some(body) = &request.body {
        words.push("-H".into());
        words.push(quote(header("content-type", &body.content_type).as_bytes()));
        if body.bytes.contains(&0) {
            prefix = format!("printf {} | ", printf_format(&body.bytes));
            words.push("--data-binary".into());
            words.push("@-".into());
        } else {
            // `--data-binary @x` would read the file x; `--data-raw` does not.
            let option = if body.bytes.first() == Some(&b'@') {
                "--data-raw"
            } else {
                "--data-binary"
            };
            words.push(option.into());
            words.push(quote(&body.bytes));
        }
    }
    prefix + &words.join(" ")
}

/// `base_url` joined to the request's path and query without a double slash.
fn url(base_url: &str, request: &Request) -> String {
    let mut url = base_url.trim_end_matches('/').to_owned();
    if !request.path.is_empty() && !request.path.starts_with('/') {
        url.push('/');
    }
    url.push_str(&request.path);
    if !request.query.is_empty() {
        url.push('?');
        url.push_str(&request.query);
    }
    url
}

/// A `-H` argument; curl sends an empty header only when written `name;`
/// (`name:` would remove the header).
fn header(name: &str, value: &str) -> String {
    if value.is_empty() {
        format!("{name};")
    } else {
        format!("{name}: {value}")
    }
}

fn needs_escape(b: u8) -> bool {
    (b < 0x20 && b != b'\t') || b == 0x7F
}

/// One shell word holding exactly `bytes` (which must not hold NUL).
fn quote(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) if !s.bytes().any(needs_escape) => format!("'{}'", s.replace('\'', r"'\''")),
        _ => ansi_c(bytes),
    }
}

/// `$'...'` quoting: printable ASCII as is, `\` and `'` escaped, every
/// other byte as `\xHH`.
fn ansi_c(bytes: &[u8]) -> String {
    let mut out = String::from("$'");
    for &b in bytes {
        match b {
            b'\\' => out.push_str(r"\\"),
            b'\'' => out.push_str(r"\'"),
            0x20..=0x7E => out.push(char::from(b)),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('\'');
    out
}

/// A single-quoted `printf` format that prints exactly `bytes`: printable
/// ASCII as is, `%` doubled, and `\`, `'` and every other byte as a
/// three-digit octal escape.
fn printf_format(bytes: &[u8]) -> String {
    let mut out = String::from("'");
    for &b in bytes {
        match b {
            b'%' => out.push_str("%%"),
            b'\\' | b'\'' => out.push_str(&format!("\\{b:03o}")),
            0x20..=0x7E => out.push(char::from(b)),
            _ => out.push_str(&format!("\\{b:03o}")),
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(quote(b"it's"), r"'it'\''s'");
        assert_eq!(quote(b"a\tb"), "'a\tb'");
        assert_eq!(quote(b"a\nb"), r"$'a\x0ab'");
        assert_eq!(quote(b"\xff'\\"), r"$'\xff\'\\'");
        assert_eq!(quote("é".as_bytes()), "'é'");
    }

    #[test]
    fn printf_escapes() {
        assert_eq!(printf_format(b"a\0%\\'\n"), r"'a\000%%\134\047\012'");
    }

    #[test]
    fn empty_header_uses_semicolon() {
        assert_eq!(header("x-a", ""), "x-a;");
        assert_eq!(header("x-a", "1"), "x-a: 1");
    }
}
