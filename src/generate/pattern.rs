//! `pattern`: strings that match an ECMA-262 regular expression, and a matcher.
//!
//! OpenAPI patterns are unanchored ECMA-262 expressions. They are parsed with
//! regex-syntax with Unicode classes off (so `\d` means ASCII digits, as in
//! ECMA), anchors and word boundaries are dropped from the parsed form (a
//! string that is one whole match also contains one), and rand_regex samples
//! the rest. Constructs Rust's regex syntax lacks (lookaround, backreferences)
//! leave the pattern without a generator; the caller falls back and says so.

use super::caps::MAX_PATTERN_BYTES;
use regex_syntax::hir::{
    Capture, Class, ClassUnicode, ClassUnicodeRange, Hir, HirKind, Repetition,
};

/// How many times `*` and `+` repeat at most when sampling.
const MAX_REPEAT: u32 = 8;

/// A compiled pattern generator: a normal one, a tight one whose repetitions
/// stay near their minimum (for short length limits), and, made on demand,
/// long ones whose repetitions reach a required minimum length.
pub(crate) struct PatternGen {
    hir: Hir,
    normal: rand_regex::Regex,
    tight: rand_regex::Regex,
    long: Vec<(u32, rand_regex::Regex)>,
}

impl PatternGen {
    /// Compiles `pattern`, or says why it cannot be generated from.
    pub fn compile(pattern: &str) -> Result<Self, String> {
        let hir = match parse(pattern) {
            Ok(hir) => hir,
            Err(e) if has_lookaround(pattern) => {
                parse(&strip_lookaround(pattern)).map_err(|_| e)?
            }
            Err(e) => return Err(e),
        };
        Ok(PatternGen {
            normal: variant(&hir, MAX_REPEAT)?,
            tight: variant(&hir, 1)?,
            hir,
            long: Vec::new(),
        })
    }

    /// A string matching the pattern; `tight` keeps repetitions near their minimum.
    pub fn sample(&self, rng: &mut super::source::AsRng<'_>, tight: bool) -> String {
        rand::RngExt::sample(rng, if tight { &self.tight } else { &self.normal })
    }

    /// A string matching the pattern, with repetitions of up to `repeat`
    /// (for a `minLength` beyond what the normal variant reaches).
    pub fn sample_long(
        &mut self,
        rng: &mut super::source::AsRng<'_>,
        repeat: u32,
    ) -> Option<String> {
        let repeat = repeat.clamp(MAX_REPEAT, 1024);
        if !self.long.iter().any(|(r, _)| *r == repeat) {
            let compiled = variant(&self.hir, repeat).ok()?;
            self.long.push((repeat, compiled));
        }
        let (_, regex) = self.long.iter().find(|(r, _)| *r == repeat)?;
        Some(rand::RngExt::sample(rng, regex))
    }
}

fn variant(hir: &Hir, spread: u32) -> Result<rand_regex::Regex, String> {
    rand_regex::Regex::with_hir(prepare(hir.clone(), spread), spread.max(1))
        .map_err(|e| e.to_string())
}

fn parse(pattern: &str) -> Result<Hir, String> {
    regex_syntax::ParserBuilder::new()
        .unicode(true)
        .utf8(true)
        .build()
        .parse(pattern)
        .map_err(|e| first_line(&e.to_string()))
}

fn first_line(s: &str) -> String {
    s.lines().last().unwrap_or(s).trim().to_owned()
}

/// Prepares a parsed pattern for sampling:
/// - every look-around assertion (`^`, `$`, `\b`, ...) becomes the empty match;
/// - bounded repetitions go at most `spread` beyond their minimum (`{0,126}`
///   would make strings longer than most length limits);
/// - character classes narrow to printable ASCII where they share any of it:
///   `\d` is `[0-9]` as in ECMA-262, `.` and `[^,]` give readable text, and a
///   class with no ASCII (`[а-я]`) stays as it is.
fn prepare(hir: Hir, spread: u32) -> Hir {
    let again = |h: Hir| prepare(h, spread);
    match hir.into_kind() {
        HirKind::Look(_) => Hir::empty(),
        HirKind::Concat(parts) => Hir::concat(parts.into_iter().map(again).collect()),
        HirKind::Alternation(parts) => Hir::alternation(parts.into_iter().map(again).collect()),
        HirKind::Repetition(r) => {
            let sub = prepare(*r.sub, spread);
            // counted repetitions are cut so that one sample stays within
            // the cap (`a{99999999}`, `((a{1000}){1000}){1000}`)
            let fits = |len: Option<usize>| {
                let len = len.unwrap_or(0).max(1);
                u32::try_from(MAX_PATTERN_BYTES / len).unwrap_or(u32::MAX)
            };
            let min = r.min.min(fits(sub.properties().minimum_len()));
            let max = r
                .max
                .unwrap_or(u32::MAX)
                .min(r.min.saturating_add(spread))
                .min(fits(sub.properties().maximum_len()))
                .max(min);
            Hir::repetition(Repetition {
                sub: Box::new(sub),
                min,
                max: Some(max),
                ..r
            })
        }
        HirKind::Capture(c) => Hir::capture(Capture {
            sub: Box::new(prepare(*c.sub, spread)),
            ..c
        }),
        HirKind::Empty => Hir::empty(),
        HirKind::Literal(l) => Hir::literal(l.0),
        HirKind::Class(Class::Unicode(c)) => {
            let mut ascii = ClassUnicode::new([ClassUnicodeRange::new(' ', '~')]);
            ascii.intersect(&c);
            Hir::class(Class::Unicode(if ascii.ranges().is_empty() {
                c
            } else {
                ascii
            }))
        }
        HirKind::Class(c) => Hir::class(c),
    }
}

/// A matcher for `pattern` with ECMA's unanchored search semantics
/// (lookaround and backreferences included), if it compiles.
pub(crate) fn matcher(pattern: &str) -> Option<fancy_regex::Regex> {
    fancy_regex::RegexBuilder::new(pattern)
        .delegate_size_limit(1 << 20)
        .build()
        .ok()
}

/// Whether a pattern has a lookaround group, so samples need checking.
pub(crate) fn has_lookaround(pattern: &str) -> bool {
    ["(?=", "(?!", "(?<=", "(?<!"]
        .iter()
        .any(|g| pattern.contains(g))
}

/// `pattern` without its lookaround groups, respecting escapes, character
/// classes and nested parentheses.
fn strip_lookaround(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len());
    let mut i = 0;
    while i < chars.len() {
        let rest = &chars[i..];
        let starts = |p: &str| rest.iter().take(p.len()).copied().eq(p.chars());
        let look = ["(?<=", "(?<!", "(?=", "(?!"]
            .into_iter()
            .find(|p| starts(p));
        match (chars[i], look) {
            ('\\', _) => {
                out.extend(rest.iter().take(2));
                i += 2;
            }
            ('[', _) => {
                let end = class_end(&chars, i);
                out.extend(&chars[i..end]);
                i = end;
            }
            (_, Some(_)) => i = group_end(&chars, i),
            (c, None) => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// The index after the `]` closing the class that opens at `start`.
fn class_end(chars: &[char], start: usize) -> usize {
    let mut i = start + 1;
    if chars.get(i) == Some(&'^') {
        i += 1;
    }
    if chars.get(i) == Some(&']') {
        i += 1;
    }
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            ']' => return i + 1,
            _ => i += 1,
        }
    }
    chars.len()
}

/// The index after the `)` closing the group that opens at `start`.
fn group_end(chars: &[char], start: usize) -> usize {
    let mut depth = 0usize;
    let mut i = start;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '[' => i = class_end(chars, i),
            '(' => {
                depth += 1;
                i += 1;
            }
            ')' => {
                depth = depth.saturating_sub(1);
                i += 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    chars.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::source::{AsRng, Fuzzed, Seeded, Source};

    fn samples(pattern: &str, n: usize) -> Vec<String> {
        let g = PatternGen::compile(pattern).unwrap();
        let mut s = Seeded::new(1);
        (0..n)
            .map(|i| g.sample(&mut AsRng::new(&mut s as &mut dyn Source), i % 2 == 0))
            .collect()
    }

    #[test]
    fn anchored_patterns_generate_matching_strings() {
        for pattern in [
            "^[A-Z]{3}-\\d{4}$",
            "^(foo|bar)+$",
            "\\bcat\\b",
            "^$",
            "^[a-z0-9._%+-]+@[a-z]+\\.[a-z]{2,}$",
        ] {
            let m = matcher(pattern).unwrap();
            for s in samples(pattern, 50) {
                assert!(m.is_match(&s).unwrap(), "{s:?} does not match {pattern}");
            }
        }
    }

    #[test]
    fn long_bounded_repetitions_are_kept_short() {
        let g =
            PatternGen::compile("^([0-2])\\.([0-9]|([0-3][0-9]))((\\.([0-9]+)){0,126})$").unwrap();
        let m = matcher("^([0-2])\\.([0-9]|([0-3][0-9]))((\\.([0-9]+)){0,126})$").unwrap();
        let mut s = Seeded::new(5);
        for _ in 0..50 {
            let v = g.sample(&mut AsRng::new(&mut s), true);
            assert!(m.is_match(&v).unwrap() && v.len() <= 64, "{v:?}");
        }
    }

    #[test]
    fn digits_are_ascii() {
        for s in samples("^\\d+$", 200) {
            assert!(s.bytes().all(|b| b.is_ascii_digit()), "{s:?}");
        }
        for s in samples("^arn:.+:(\\d{12})$", 50) {
            let digits = &s[s.len() - 12..];
            assert!(digits.bytes().all(|b| b.is_ascii_digit()), "{s:?}");
            assert!(
                s.bytes().all(|b| (b' '..=b'~').contains(&b)),
                "readable: {s:?}"
            );
        }
    }

    #[test]
    fn unicode_literals_work() {
        let m = matcher("^[а-я]+$").unwrap();
        for s in samples("^[а-я]+$", 20) {
            assert!(m.is_match(&s).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn lookaround_is_stripped_for_generation_and_checked_by_the_matcher() {
        assert_eq!(
            strip_lookaround("^(?![^\\n\\r\\t,]*\\n|\\r|\\t)[^\\n\\r\\t,]+$"),
            "^[^\\n\\r\\t,]+$"
        );
        assert_eq!(strip_lookaround("a(?=b(c))d[(?=]"), "ad[(?=]");
        assert_eq!(strip_lookaround("(?<name>x)(?<=y)z"), "(?<name>x)z");
        let pattern = "^(?=.*[A-Z])[A-Za-z]{4}$";
        let m = matcher(pattern).unwrap();
        assert!(m.is_match("abCd").unwrap() && !m.is_match("abcd").unwrap());
        // the generator exists; samples may miss the lookahead, which callers check
        assert!(PatternGen::compile(pattern).is_ok());
        assert!(
            PatternGen::compile("(a)\\1").is_err(),
            "backreferences have no generator"
        );
    }

    #[test]
    fn exhausted_fuzz_source_still_matches() {
        let g = PatternGen::compile("^[A-Z]{2}\\d{3}$").unwrap();
        let mut f = Fuzzed::new(&[]);
        let s = g.sample(&mut AsRng::new(&mut f), false);
        assert!(
            matcher("^[A-Z]{2}\\d{3}$").unwrap().is_match(&s).unwrap(),
            "{s:?}"
        );
    }
}
