//! The secrets weak_jwt_secret tries, by source: apiprobe's own short list,
//! the JWT secrets list (wallarm/jwt-secrets, MIT), the most common
//! passwords and English words (zxcvbn, MIT), the system dictionary when
//! the machine has one, and words of the spec. Sources and licences are in
//! `payloads/README.md`.

use std::sync::LazyLock;

use crate::model::Api;

/// apiprobe's own list (`payloads/jwt_secrets.txt`), tried first.
const OWN: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/payloads/jwt_secrets.txt"
));

/// The JWT secrets list, sorted and front-coded (`payloads/README.md`).
const WALLARM: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/payloads/jwt_secrets_wallarm.fc"
));

/// The most common passwords, most common first.
const PASSWORDS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/payloads/jwt_common_passwords.list"
));

/// The most frequent English words, most frequent first.
const WORDS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/payloads/jwt_common_words.list"
));

/// Where the system dictionary is looked for.
pub(crate) const SYSTEM_DICTIONARY: &str = "/usr/share/dict/words";

/// Lines of a text list: `#` comment lines and blank lines skipped, a
/// trailing `\r` dropped, the rest exactly as written.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
}

/// apiprobe's own list, the empty secret first.
pub(crate) fn own() -> &'static [&'static [u8]] {
    static OWN_LIST: LazyLock<Vec<&'static [u8]>> = LazyLock::new(|| {
        std::iter::once(&b""[..])
            .chain(lines(OWN).map(str::as_bytes))
            .collect()
    });
    &OWN_LIST
}

/// Decodes a front-coded list: each entry is one byte (how many leading
/// bytes it shares with the entry before), the rest of the entry, and `\n`.
pub(crate) fn front_decoded(packed: &[u8]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut rest = packed;
    while let Some((&shared, tail)) = rest.split_first() {
        let end = tail.iter().position(|&b| b == b'\n').unwrap_or(tail.len());
        let prefix = out
            .last()
            .map(|prev| &prev[..usize::from(shared).min(prev.len())])
            .unwrap_or_default();
        let mut entry = Vec::with_capacity(prefix.len() + end);
        entry.extend_from_slice(prefix);
        entry.extend_from_slice(&tail[..end]);
        out.push(entry);
        rest = tail.get(end + 1..).unwrap_or_default();
    }
    out
}

/// Front-codes sorted `entries` (the inverse of [`front_decoded`]; entries
/// hold no `\n`).
#[cfg(test)]
pub(crate) fn front_coded(entries: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut prev: &[u8] = b"";
    for &e in entries {
        let shared = prev
            .iter()
            .zip(e)
            .take(255)
            .take_while(|(a, b)| a == b)
            .count();
        out.push(u8::try_from(shared).unwrap_or(u8::MAX));
        out.extend_from_slice(&e[shared..]);
        out.push(b'\n');
        prev = e;
    }
    out
}

/// The JWT secrets list (103,781 distinct secrets).
pub(crate) fn wallarm() -> &'static [Vec<u8>] {
    static LIST: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| front_decoded(WALLARM));
    &LIST
}

/// The most common passwords.
pub(crate) fn passwords() -> &'static [&'static [u8]] {
    static LIST: LazyLock<Vec<&'static [u8]>> =
        LazyLock::new(|| lines(PASSWORDS).map(str::as_bytes).collect());
    &LIST
}

/// The most frequent English words.
pub(crate) fn words() -> &'static [&'static [u8]] {
    static LIST: LazyLock<Vec<&'static [u8]>> =
        LazyLock::new(|| lines(WORDS).map(str::as_bytes).collect());
    &LIST
}

/// The system dictionary's words, when the file is there (read once).
pub(crate) fn system_dictionary() -> &'static [String] {
    static LIST: LazyLock<Vec<String>> = LazyLock::new(|| {
        std::fs::read(SYSTEM_DICTIONARY)
            .map(|bytes| {
                String::from_utf8_lossy(&bytes)
                    .lines()
                    .map(str::trim)
                    .filter(|w| !w.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    });
    &LIST
}

/// Words of the spec a developer may have used as a secret: the title's
/// words and the title run together, the servers' host names and their
/// labels, the tags; each also lower-cased and with common suffixes
/// (`secret`, `-secret`, `_secret`, `key`, `123`, ...).
pub(crate) fn spec_words(api: &Api) -> Vec<String> {
    let mut bases: Vec<String> = Vec::new();
    let title = api.title.trim();
    if !title.is_empty() {
        bases.push(title.to_owned());
        let parts: Vec<&str> = title
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        bases.push(parts.concat());
        bases.push(parts.join("-"));
        bases.push(parts.join("_"));
        bases.extend(parts.iter().map(|w| (*w).to_owned()));
    }
    for server in &api.servers {
        if let Ok(url) = url::Url::parse(&server.resolved_url())
            && let Some(host) = url.host_str()
        {
            bases.push(host.to_owned());
            bases.extend(host.split('.').map(str::to_owned));
        }
    }
    for tag in api.operations.iter().flat_map(|o| &o.tags) {
        if !bases.contains(tag) {
            bases.push(tag.clone());
        }
    }
    let mut out: Vec<String> = Vec::new();
    for base in bases.into_iter().filter(|b| b.len() >= 2) {
        for form in [base.clone(), base.to_lowercase()] {
            for suffix in [
                "", "secret", "-secret", "_secret", "key", "-key", "_key", "123", "!", "2024",
                "2025", "2026",
            ] {
                let word = format!("{form}{suffix}");
                if !out.contains(&word) {
                    out.push(word);
                }
            }
        }
        if out.len() > 2_000 {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_lists_hold_what_their_headers_say() {
        assert_eq!(own()[0], b"");
        assert!(own().len() > 200);
        let wallarm = wallarm();
        assert_eq!(wallarm.len(), 103_781);
        assert!(wallarm.windows(2).all(|w| w[0] < w[1]), "sorted, distinct");
        assert!(wallarm.iter().any(|s| s == b"your-256-bit-secret"));
        assert_eq!(passwords().len(), 30_000);
        assert_eq!(passwords()[0], b"123456");
        assert!(passwords().contains(&&b"keyboard"[..]));
        assert_eq!(words().len(), 30_000);
        assert!(words().iter().all(|w| !w.starts_with(b"#")));
    }

    #[test]
    fn front_coding_round_trips() {
        let entries: Vec<&[u8]> = vec![b"", b"a", b"ab", b"abc\r", b"b", b"b\xff"];
        assert_eq!(front_decoded(&front_coded(&entries)), entries);
        let long = vec![b'x'; 300];
        let longer = [long.clone(), b"y".to_vec()].concat();
        let entries: Vec<&[u8]> = vec![&long, &longer];
        assert_eq!(front_decoded(&front_coded(&entries)), entries);
        // re-packing the decoded list gives the shipped bytes
        let all: Vec<&[u8]> = wallarm().iter().map(Vec::as_slice).collect();
        assert_eq!(front_coded(&all), WALLARM);
    }
}
