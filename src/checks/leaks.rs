//! Leaks in response bodies and headers.
//!
//! [`LeakMatcher`] compiles every leak pattern once into a [`regex::RegexSet`]:
//! a body is scanned once for all families, and only the families that matched
//! run their own regex to extract evidence. Rust's regex engines are
//! linear-time, so a 1 MiB body costs one pass plus the (capped) extraction.
//! Some families are confirmed in code after the regex: card numbers by the
//! Luhn check, JWTs by decoding the header, internal addresses and paths by
//! the characters around them.
//!
//! - `kinds`: what a leak is ([`LeakKind`] and the enums it names).
//! - `rules`: the built-in patterns, one per family.
//! - `verify`: the checks in code (Luhn, JWT header, context, masking).
//! - `banner`: [`server_banner`] over response headers.

mod banner;
mod kinds;
mod rules;
#[cfg(test)]
mod tests;
mod verify;

pub use banner::{Banner, server_banner};
pub use kinds::{DebugPage, Language, LeakKind, SecretKind, SensitiveField, SqlEngine};

use regex::{Regex, RegexSet, RegexSetBuilder};
use serde::Serialize;
use std::sync::LazyLock;

use rules::{Mask, RULES, Rule};

/// Longest evidence kept, in bytes (cut at a character boundary).
pub const EVIDENCE_CAP: usize = 200;

/// One leak found in a text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Leak {
    /// What leaked.
    pub kind: LeakKind,
    /// The matched text, capped to [`EVIDENCE_CAP`] bytes, with secrets
    /// partially masked (first 4 and last 2 characters kept).
    pub evidence: String,
    /// Byte offset of the match in the scanned text.
    pub offset: usize,
    /// Byte length of the match in the scanned text (so checks can read the
    /// unmasked text, e.g. to tell an echo of the request from a leak).
    #[serde(skip)]
    pub len: usize,
}

impl Leak {
    /// The unmasked matched text in `text`, the text this leak was found in.
    pub fn raw<'t>(&self, text: &'t str) -> &'t str {
        text.get(self.offset..self.offset + self.len)
            .unwrap_or_default()
    }
}

/// Every built-in leak pattern, compiled once. `Send + Sync`: build it once
/// (or use [`LeakMatcher::shared`]) and share it between tasks by reference.
#[derive(Debug)]
pub struct LeakMatcher {
    set: RegexSet,
    regexes: Vec<Regex>,
}

/// The shared matcher, built on first use.
static SHARED: LazyLock<Result<LeakMatcher, regex::Error>> = LazyLock::new(LeakMatcher::new);

impl LeakMatcher {
    /// Compiles every built-in pattern.
    ///
    /// # Errors
    /// A pattern that does not compile (the tests prove none does).
    pub fn new() -> Result<Self, regex::Error> {
        let patterns = RULES.iter().map(|rule| rule.pattern);
        let set = RegexSetBuilder::new(patterns)
            .size_limit(64 << 20)
            .dfa_size_limit(16 << 20)
            .build()?;
        let regexes = RULES
            .iter()
            .map(|rule| Regex::new(rule.pattern))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { set, regexes })
    }

    /// The process-wide matcher, compiled on first use.
    ///
    /// # Errors
    /// A built-in pattern that does not compile (the tests prove none does).
    pub fn shared() -> Result<&'static Self, &'static regex::Error> {
        SHARED.as_ref()
    }

    /// Every leak in `text`, ordered by offset. Each family reports at most a
    /// few matches (one for traces, SQL errors and debug pages), so a huge
    /// body cannot produce a huge list.
    pub fn find(&self, text: &str) -> Vec<Leak> {
        let mut leaks = Vec::new();
        // most bodies hold no leak: the set's earliest-match search says so
        // at a fraction of the cost of asking which patterns matched
        if !self.set.is_match(text) {
            return leaks;
        }
        for index in self.set.matches(text).iter() {
            let (Some(rule), Some(regex)) = (RULES.get(index), self.regexes.get(index)) else {
                continue;
            };
            extract(rule, regex, text, &mut leaks);
        }
        leaks.sort_by_key(|leak| leak.offset);
        leaks
    }

    /// Whether `text` holds any leak (the same confirmation as [`Self::find`]).
    pub fn has_leak(&self, text: &str) -> bool {
        !self.find(text).is_empty()
    }
}

/// Runs one rule's regex over `text` and pushes its confirmed matches.
fn extract(rule: &Rule, regex: &Regex, text: &str, leaks: &mut Vec<Leak>) {
    let mut found = 0;
    for caps in regex.captures_iter(text) {
        if found >= rule.limit {
            break;
        }
        let Some(whole) = caps.name("e").or_else(|| caps.get(0)) else {
            continue;
        };
        let Some((start, end)) = verify::confirm(rule.check, text, whole.start(), whole.end())
        else {
            continue;
        };
        let Some(matched) = text.get(start..end) else {
            continue;
        };
        let evidence = match rule.mask {
            // an SQL error's evidence carries the server's message after it
            Mask::None if matches!(rule.kind, LeakKind::SqlError { .. }) => {
                verify::cap(&verify::with_message(text, start, end))
            }
            Mask::None => verify::cap(matched),
            Mask::Whole => verify::cap(&verify::mask(matched)),
            Mask::Group => match caps.name("s").or_else(|| caps.name("t")) {
                Some(secret) if secret.start() >= start && secret.end() <= end => {
                    let before = text.get(start..secret.start()).unwrap_or_default();
                    let after = text.get(secret.end()..end).unwrap_or_default();
                    verify::cap(&format!("{before}{}{after}", verify::mask(secret.as_str())))
                }
                _ => verify::cap(&verify::mask(matched)),
            },
        };
        leaks.push(Leak {
            kind: rule.kind,
            evidence,
            offset: start,
            len: end - start,
        });
        found += 1;
    }
}
