//! Candidate paths for discovery: the built-in wordlist
//! (`payloads/endpoints.txt`) or the user's, and paths derived from the
//! spec itself (neighbouring versions, documented prefixes combined with
//! words, collection names under other prefixes), in the order they are
//! tried. Paths the spec documents are left out.

use std::collections::HashSet;

use crate::model::Api;
use crate::probes::Discovery;

/// The built-in endpoint words, compiled into the binary.
const WORDLIST: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/payloads/endpoints.txt"
));

/// Words combined with every documented prefix (`/admin/<word>`), most telling first.
const PREFIX_WORDS: [&str; 16] = [
    "debug", "export", "internal", "admin", "config", "all", "dump", "backup", "env", "status",
    "health", "metrics", "test", "list", "raw", "old",
];

/// Prefixes a collection of the spec is looked for under (`/internal/users`).
const HIDDEN_PREFIXES: [&str; 8] = [
    "admin", "internal", "debug", "private", "export", "v1", "v2", "api",
];

/// The built-in words, one a line (`#` comments and blank lines skipped).
pub(super) fn builtin_words() -> Vec<String> {
    words_of(WORDLIST)
}

/// The words of a wordlist's text: one a line, trimmed, without a leading
/// `/`; blank lines and `#` comments skipped.
pub fn words_of(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.trim_start_matches('/').to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

/// Whether `path` (no query) is one the spec documents, for any method
/// (a template's `{param}` matches any one segment).
pub(super) fn documented(api: &Api, path: &str) -> bool {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    api.operations.iter().any(|op| {
        let template: Vec<&str> = op.path.trim_matches('/').split('/').collect();
        template.len() == segments.len()
            && template
                .iter()
                .zip(&segments)
                .all(|(t, s)| t == s || (t.starts_with('{') && t.ends_with('}')))
    })
}

/// Every candidate path to try, in order, documented paths left out:
/// neighbouring versions, then the wordlist's head, then documented
/// prefixes with words and collections under other prefixes, then the rest
/// of the wordlist (aggressive discovery reaches that far).
pub(super) fn candidates(api: &Api, words: &[String], level: Discovery) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut push = |path: String, out: &mut Vec<String>| {
        let path = format!("/{}", path.trim_matches('/'));
        if path.len() > 1 && !documented(api, &path) && seen.insert(path.clone()) {
            out.push(path);
        }
    };
    for path in neighbouring_versions(api) {
        push(path, &mut out);
    }
    let head = match level {
        Discovery::Off => 0,
        Discovery::Standard => 200,
        Discovery::Aggressive => words.len(),
    };
    for w in words.iter().take(head) {
        push(w.clone(), &mut out);
    }
    let prefixes = documented_prefixes(api);
    for w in PREFIX_WORDS {
        for p in &prefixes {
            push(format!("{p}/{w}"), &mut out);
        }
    }
    for c in collections(api) {
        for p in HIDDEN_PREFIXES {
            push(format!("{p}/{c}"), &mut out);
        }
    }
    for w in words.iter().skip(head) {
        push(w.clone(), &mut out);
    }
    if level == Discovery::Aggressive {
        for p in &prefixes {
            for w in words.iter().filter(|w| !w.contains('/')) {
                push(format!("{p}/{w}"), &mut out);
            }
        }
    }
    out
}

/// Documented paths with their version segment moved one step (`/v2/x`
/// gives `/v1/x` and `/v3/x`); path parameters filled with `1`.
fn neighbouring_versions(api: &Api) -> Vec<String> {
    let mut out = Vec::new();
    for op in &api.operations {
        let segments: Vec<&str> = op.path.trim_matches('/').split('/').collect();
        for (i, s) in segments.iter().enumerate() {
            let Some(n) = version_of(s) else {
                continue;
            };
            for m in [n.checked_sub(1), n.checked_add(1)].into_iter().flatten() {
                let path: Vec<String> = segments
                    .iter()
                    .enumerate()
                    .map(|(j, seg)| {
                        if j == i {
                            format!("v{m}")
                        } else if seg.starts_with('{') {
                            "1".to_owned()
                        } else {
                            (*seg).to_owned()
                        }
                    })
                    .collect();
                out.push(path.join("/"));
                // the version's root too: `/v1` next to `/v2`
                out.push(format!("{}v{m}", prefix_before(&segments, i)));
            }
        }
    }
    out
}

/// The segments before `i`, joined, with a trailing `/` (empty at the root).
fn prefix_before(segments: &[&str], i: usize) -> String {
    segments[..i].iter().map(|s| format!("{s}/")).collect()
}

/// `v2` → 2; `v1.1` → 1; anything else → `None`.
fn version_of(segment: &str) -> Option<u32> {
    let rest = segment
        .strip_prefix('v')
        .or_else(|| segment.strip_prefix('V'))?;
    let major = rest.split('.').next()?;
    if major.is_empty() || !major.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    major.parse().ok()
}

/// The literal leading segments of documented paths that have more
/// segments after them (`/admin/audit-log` gives `admin`; `/api/v1/users`
/// gives `api` and `api/v1`).
fn documented_prefixes(api: &Api) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for op in &api.operations {
        let segments: Vec<&str> = op.path.trim_matches('/').split('/').collect();
        for n in 1..segments.len() {
            if segments[..n].iter().any(|s| s.contains('{')) {
                break;
            }
            let prefix = segments[..n].join("/");
            if !out.contains(&prefix) {
                out.push(prefix);
            }
        }
    }
    out
}

/// The spec's collection names: the last literal segment before a path
/// parameter or at the end of a path (`/notes/{id}` gives `notes`).
fn collections(api: &Api) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for op in &api.operations {
        let segments: Vec<&str> = op.path.trim_matches('/').split('/').collect();
        for (i, s) in segments.iter().enumerate() {
            let last = i + 1 == segments.len();
            let before_param = segments.get(i + 1).is_some_and(|n| n.starts_with('{'));
            if s.is_empty() || s.starts_with('{') || !(last || before_param) {
                continue;
            }
            if !out.iter().any(|o| o == s) {
                out.push((*s).to_owned());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_list_is_between_one_and_two_thousand_words() {
        let words = builtin_words();
        assert!((1_000..=2_000).contains(&words.len()), "{}", words.len());
        let unique: HashSet<&String> = words.iter().collect();
        assert_eq!(unique.len(), words.len(), "duplicates in endpoints.txt");
    }

    #[test]
    fn versions_move_one_step() {
        assert_eq!(version_of("v2"), Some(2));
        assert_eq!(version_of("v1.1"), Some(1));
        assert_eq!(version_of("vip"), None);
        assert_eq!(version_of("v"), None);
    }
}
