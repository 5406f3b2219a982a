//! Keeping secrets out of every output: credentials, cookies, API keys and
//! every configured secret are replaced by `***` in the terminal summary,
//! every report and every curl command, unless the user asks to see them.
//!
//! A secret is masked in its common encodings too: percent-encoded, base64
//! at any alignment (so also inside `Basic base64(user:password)`), JSON-,
//! HTML- and shell-escaped. Masking comes before cutting: the HAR report
//! masks each body whole, as bytes, before cutting it and before encoding
//! one that is not UTF-8 as base64; the terminal summary cuts a masked
//! report. Where an excerpt was cut before it could be masked (evidence at
//! 200 characters, recorded bodies at 4 KiB), the piece of a secret left
//! at the cut goes too, from [`CUT_PIECE`] characters: no output holds a
//! piece of a secret of that length that a cut made.

use std::borrow::Cow;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE};

use super::document::Report;
use crate::checks::{EXCERPT_CAP, Finding, RecordedRequest, RecordedResponse};
use crate::engine::StopReason;

/// What a masked value is replaced by.
pub const MASK: &str = "***";

/// A text that ends at a cut loses a last piece at least this long (in
/// bytes) that starts a secret, in any of its forms.
pub const CUT_PIECE: usize = 3;

/// The shortest base64 core (the characters that depend on a secret's
/// bytes alone) masked: shorter ones would match unrelated base64 text.
const SHORTEST_CORE: usize = 6;

/// Header names whose values are always secret, in lower case.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "api-key",
    "apikey",
    "x-auth-token",
    "x-access-token",
    "x-amz-security-token",
    "x-csrf-token",
    "x-xsrf-token",
];

/// Authentication schemes: in `Bearer TOKEN` only the token is secret, so
/// text keeps the scheme (`Bearer ***`) as headers do.
const SCHEMES: &[&str] = &[
    "basic",
    "bearer",
    "digest",
    "token",
    "negotiate",
    "ntlm",
    "hoba",
    "mutual",
    "dpop",
    "apikey",
    "jwt",
    "oauth",
    "hawk",
    "mac",
];

/// Values shorter than this are not masked as text (masking `a` or `42`
/// everywhere would make the output unreadable); they are still masked
/// where they appear as the value of a secret header or parameter.
const SHORTEST_MASKED: usize = 4;

/// The secrets of a scan and how to hide them.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    /// The values added (trimmed), each once.
    values: Vec<String>,
    /// What is looked for in text: every form of every value.
    patterns: Patterns,
    /// Header names whose values are hidden (lower case).
    headers: Vec<String>,
    /// Query parameter and cookie names whose values are hidden.
    params: Vec<String>,
    /// Show everything (`--show-secrets`).
    show: bool,
}

/// The forms of the secrets, as byte strings to find in a text.
#[derive(Debug, Clone, Default)]
struct Patterns {
    /// Every form, and whether a piece of it left at a cut is masked (not
    /// for the encodings of a whole `Bearer TOKEN`, which start with the
    /// scheme).
    forms: Vec<(Vec<u8>, bool)>,
    /// The forms by the length of their key (their first 8 bytes, or all
    /// of them when shorter).
    starts: Vec<Starts>,
}

/// Forms whose first `len` bytes, packed big-endian into a `u64`, are a key.
#[derive(Debug, Clone)]
struct Starts {
    len: usize,
    /// Key and index in `forms`, sorted by key.
    keys: Vec<(u64, usize)>,
    /// A 65,536-bit filter over the keys' hashes: most text positions are
    /// dismissed by one bit test.
    filter: Vec<u64>,
}

const FILTER_WORDS: usize = 1024;

fn filter_bit(key: u64) -> (usize, u64) {
    let h = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 48) as usize;
    (h >> 6, 1u64 << (h & 63))
}

fn pack(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0, |k, &b| (k << 8) | u64::from(b))
}

fn low_bytes(len: usize) -> u64 {
    if len >= 8 {
        u64::MAX
    } else {
        (1u64 << (8 * len)) - 1
    }
}

impl Starts {
    fn new(len: usize) -> Starts {
        Starts {
            len,
            keys: Vec::new(),
            filter: vec![0; FILTER_WORDS],
        }
    }

    fn insert(&mut self, key: u64, form: usize) {
        let at = self.keys.partition_point(|&(k, _)| k < key);
        self.keys.insert(at, (key, form));
        let (word, bit) = filter_bit(key);
        if let Some(w) = self.filter.get_mut(word) {
            *w |= bit;
        }
    }

    /// The forms whose key is `key`.
    fn get(&self, key: u64) -> &[(u64, usize)] {
        let (word, bit) = filter_bit(key);
        if self.filter.get(word).is_none_or(|w| w & bit == 0) {
            return &[];
        }
        let from = self.keys.partition_point(|&(k, _)| k < key);
        let to = self.keys.partition_point(|&(k, _)| k <= key);
        self.keys.get(from..to).unwrap_or_default()
    }
}

impl Patterns {
    fn is_empty(&self) -> bool {
        self.forms.is_empty()
    }

    /// Adds `form`, masked wherever it appears, and at the end of a cut
    /// text (its first bytes) when `at_cut`.
    fn add(&mut self, form: &[u8], at_cut: bool) {
        if form.len() < SHORTEST_MASKED || self.forms.iter().any(|(f, _)| f == form) {
            return;
        }
        let index = self.forms.len();
        self.forms.push((form.to_vec(), at_cut));
        let len = form.len().min(8);
        let i = match self.starts.iter().position(|s| s.len == len) {
            Some(i) => i,
            None => {
                self.starts.push(Starts::new(len));
                self.starts.len() - 1
            }
        };
        if let (Some(starts), Some(key)) = (self.starts.get_mut(i), form.get(..len)) {
            starts.insert(pack(key), index);
        }
    }

    /// The byte ranges of `text` to mask, sorted, merged where they touch.
    /// One pass: at each position, the last 8 bytes are a key.
    fn ranges(&self, text: &[u8]) -> Vec<(usize, usize)> {
        let mut found = Vec::new();
        let masks: Vec<u64> = self.starts.iter().map(|s| low_bytes(s.len)).collect();
        let mut key = 0u64;
        for (i, &b) in text.iter().enumerate() {
            key = (key << 8) | u64::from(b);
            let end = i + 1;
            for (starts, mask) in self.starts.iter().zip(&masks) {
                if end < starts.len {
                    continue;
                }
                let start = end - starts.len;
                for &(_, f) in starts.get(key & mask) {
                    if let Some((form, _)) = self.forms.get(f)
                        && text.get(start..start + form.len()) == Some(form.as_slice())
                    {
                        found.push((start, start + form.len()));
                    }
                }
            }
        }
        merge(found)
    }

    /// The length of the longest last piece of `text` (at least
    /// [`CUT_PIECE`] bytes) that starts a form, when there is one.
    fn cut_piece(&self, text: &[u8]) -> Option<usize> {
        self.forms
            .iter()
            .filter(|(_, at_cut)| *at_cut)
            .filter_map(|(form, _)| {
                (CUT_PIECE..form.len())
                    .rev()
                    .find(|&k| form.get(..k).is_some_and(|p| text.ends_with(p)))
            })
            .max()
    }
}

/// Sorted ranges, overlapping or touching ones merged.
fn merge(mut ranges: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    ranges.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
    for (s, e) in ranges {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// `text` with `ranges` (sorted, disjoint, at character boundaries)
/// replaced by [`MASK`].
fn splice(text: &str, ranges: &[(usize, usize)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for &(s, e) in ranges {
        out.push_str(text.get(last..s).unwrap_or_default());
        out.push_str(MASK);
        last = e;
    }
    out.push_str(text.get(last..).unwrap_or_default());
    out
}

/// Ranges widened to character boundaries of `text`, merged again.
fn widen(text: &str, ranges: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    let widened = ranges
        .into_iter()
        .map(|(mut s, mut e)| {
            while s > 0 && !text.is_char_boundary(s) {
                s -= 1;
            }
            while e < text.len() && !text.is_char_boundary(e) {
                e += 1;
            }
            (s, e.min(text.len()))
        })
        .collect();
    merge(widened)
}

/// The forms a secret takes in text: itself, JSON-, HTML/XML-escaped and
/// percent-encoded (each as encoders commonly write it), and each of these
/// as a curl command quotes it for the shell.
fn text_forms(secret: &str) -> Vec<String> {
    let mut forms = vec![secret.to_owned()];
    if let Ok(json) = serde_json::to_string(secret) {
        let json = json
            .strip_prefix('"')
            .and_then(|j| j.strip_suffix('"'))
            .unwrap_or(&json)
            .to_owned();
        // PHP escapes `/`; Python writes non-ASCII as \u escapes
        forms.push(json.replace('/', "\\/"));
        let mut ascii = String::with_capacity(json.len());
        for c in json.chars() {
            if c.is_ascii() {
                ascii.push(c);
            } else {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    ascii.push_str(&format!("\\u{u:04x}"));
                }
            }
        }
        forms.push(ascii);
        forms.push(json);
    }
    for (quot, apos) in [
        ("&quot;", "&#39;"),
        ("&quot;", "&#x27;"),
        ("&#34;", "&apos;"),
    ] {
        let mut html = String::with_capacity(secret.len());
        for c in secret.chars() {
            match c {
                '&' => html.push_str("&amp;"),
                '<' => html.push_str("&lt;"),
                '>' => html.push_str("&gt;"),
                '"' => html.push_str(quot),
                '\'' => html.push_str(apos),
                c => html.push(c),
            }
        }
        forms.push(html);
    }
    const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    let all = percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
        .to_string();
    forms.push(lower_hex(&all));
    forms.push(all);
    forms.push(percent_encoding::utf8_percent_encode(secret, UNRESERVED).to_string());
    forms.push(url::form_urlencoded::byte_serialize(secret.as_bytes()).collect());
    // a curl command quotes the request, whichever of these it holds
    let quoted: Vec<String> = forms.iter().flat_map(|f| shell_forms(f)).collect();
    forms.extend(quoted);
    forms.sort();
    forms.dedup();
    forms
}

/// A secret as the curl commands quote it for the shell: in single quotes
/// (`'` as `'\''`), in `$'...'` (`\\`, `\'`, other bytes as `\xHH`) and
/// in a `printf` format (`%%`, octal escapes).
fn shell_forms(secret: &str) -> [String; 3] {
    let mut ansi_c = String::with_capacity(secret.len());
    let mut printf = String::with_capacity(secret.len());
    for b in secret.bytes() {
        match b {
            b'\\' => ansi_c.push_str("\\\\"),
            b'\'' => ansi_c.push_str("\\'"),
            0x20..=0x7E => ansi_c.push(char::from(b)),
            _ => ansi_c.push_str(&format!("\\x{b:02x}")),
        }
        match b {
            b'%' => printf.push_str("%%"),
            b'\\' | b'\'' => printf.push_str(&format!("\\{b:03o}")),
            0x20..=0x7E => printf.push(char::from(b)),
            _ => printf.push_str(&format!("\\{b:03o}")),
        }
    }
    [secret.replace('\'', "'\\''"), ansi_c, printf]
}

/// Percent-encoded text with lower-case hex digits.
fn lower_hex(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut hex_left = 0;
    for c in encoded.chars() {
        if c == '%' {
            hex_left = 2;
            out.push(c);
        } else if hex_left > 0 {
            hex_left -= 1;
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The parts of a secret's base64 encoding that depend on its bytes alone,
/// at each of the three alignments it can have in a longer encoded text,
/// in the standard and the URL-safe alphabet.
fn base64_cores(secret: &[u8]) -> Vec<String> {
    let mut cores = Vec::new();
    for pad in 0..3usize {
        let mut bytes = vec![0u8; pad];
        bytes.extend_from_slice(secret);
        let encoded = STANDARD_NO_PAD.encode(&bytes);
        // character j holds bits 6j..6j+6; the secret's are 8*pad..8*(pad+n)
        let start = (8 * pad).div_ceil(6);
        let end = 8 * (pad + secret.len()) / 6;
        if let Some(core) = encoded.get(start..end) {
            cores.push(core.replace('+', "-").replace('/', "_"));
            cores.push(core.to_owned());
        }
    }
    cores
}

fn is_scheme(word: &str) -> bool {
    SCHEMES.iter().any(|s| s.eq_ignore_ascii_case(word))
}

/// The password in `scheme://user:password@host` URLs in `text` replaced by
/// [`MASK`].
fn mask_userinfo(text: &str) -> Cow<'_, str> {
    if !text.contains("://") || !text.contains('@') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| {
                matches!(c, '/' | '?' | '#' | '\'' | '"' | '<' | '>' | '`') || c.is_whitespace()
            })
            .unwrap_or(tail.len());
        let (authority, after) = tail.split_at(end);
        match authority.rsplit_once('@') {
            Some((userinfo, host)) => {
                match userinfo.split_once(':') {
                    Some((user, _)) => {
                        out.push_str(user);
                        out.push(':');
                        out.push_str(MASK);
                    }
                    None => out.push_str(userinfo),
                }
                out.push('@');
                out.push_str(host);
            }
            None => out.push_str(authority),
        }
        rest = after;
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The JWT secret a weak_jwt_secret finding names (its `secret` proof
/// item, quoted in its title), and whether it came from the target's answers.
fn cracked_secret(f: &Finding) -> Option<(String, bool)> {
    if f.check != "weak_jwt_secret" {
        return None;
    }
    let secret = f.proof.iter().find(|p| p.name == "secret")?.value.clone();
    let from_answers = f
        .proof
        .iter()
        .any(|p| p.name == "source" && p.value.contains("answers"));
    (!secret.is_empty()).then_some((secret, from_answers))
}

impl Secrets {
    /// Masking with the built-in secret headers and no known values.
    pub fn new() -> Secrets {
        Secrets {
            headers: SECRET_HEADERS.iter().map(|h| (*h).to_owned()).collect(),
            ..Secrets::default()
        }
    }

    /// No masking at all (`--show-secrets`).
    pub fn shown() -> Secrets {
        Secrets {
            show: true,
            ..Secrets::default()
        }
    }

    /// Whether anything is masked.
    pub fn is_masking(&self) -> bool {
        !self.show
    }

    /// Whether any value is known (text is left as it is when none is).
    pub fn has_values(&self) -> bool {
        !self.show && !self.patterns.is_empty()
    }

    /// Hides `value` wherever it appears, and in its encodings (percent,
    /// base64, JSON, HTML, shell). In `Bearer TOKEN`, `Basic ...` (an
    /// authentication scheme, a space, the credential) only the credential
    /// is hidden: text keeps the scheme.
    pub fn add_value(&mut self, value: &str) {
        let value = value.trim();
        if value.chars().count() < SHORTEST_MASKED || self.values.iter().any(|v| v == value) {
            return;
        }
        self.values.push(value.to_owned());
        let secret = match value.split_once(' ') {
            Some((scheme, rest)) if is_scheme(scheme) => rest.trim(),
            _ => value,
        };
        for form in text_forms(secret) {
            self.patterns.add(form.as_bytes(), true);
        }
        for core in base64_cores(secret.as_bytes()) {
            if core.len() >= SHORTEST_CORE {
                self.patterns.add(core.as_bytes(), true);
            }
        }
        // whole encodings, padding included (`Basic dXNlcjpwdw==`)
        for whole in [secret, value] {
            let at_cut = whole == secret;
            for encoded in [STANDARD.encode(whole), URL_SAFE.encode(whole)] {
                self.patterns.add(encoded.as_bytes(), at_cut);
            }
        }
        if value != secret {
            let encoded =
                percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC)
                    .to_string();
            self.patterns.add(encoded.as_bytes(), false);
        }
    }

    /// Hides the values of this header (case-insensitive).
    pub fn add_header(&mut self, name: &str) {
        let name = name.to_ascii_lowercase();
        if !self.headers.contains(&name) {
            self.headers.push(name);
        }
    }

    /// Hides the values of this query parameter or cookie.
    pub fn add_param(&mut self, name: &str) {
        if !self.params.iter().any(|p| p == name) {
            self.params.push(name.to_owned());
        }
    }

    /// Whether the values of a header by this name are hidden.
    pub fn is_secret_header(&self, name: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        self.headers.contains(&lower) || self.params.iter().any(|p| p.eq_ignore_ascii_case(name))
    }

    /// `text` with every known secret value, in every form, replaced by `***`.
    pub fn text<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if !self.has_values() {
            return Cow::Borrowed(text);
        }
        let ranges = self.patterns.ranges(text.as_bytes());
        if ranges.is_empty() {
            return Cow::Borrowed(text);
        }
        Cow::Owned(splice(text, &widen(text, ranges)))
    }

    /// `bytes` (a body, any bytes) masked as [`Secrets::text`] masks text:
    /// UTF-8 is masked at character boundaries, other bytes as they are.
    /// Mask a whole body before cutting or encoding it.
    pub fn bytes<'a>(&self, bytes: &'a [u8]) -> Cow<'a, [u8]> {
        if !self.has_values() {
            return Cow::Borrowed(bytes);
        }
        if let Ok(text) = std::str::from_utf8(bytes) {
            return match self.text(text) {
                Cow::Borrowed(_) => Cow::Borrowed(bytes),
                Cow::Owned(t) => Cow::Owned(t.into_bytes()),
            };
        }
        let ranges = self.patterns.ranges(bytes);
        if ranges.is_empty() {
            return Cow::Borrowed(bytes);
        }
        let mut out = Vec::with_capacity(bytes.len());
        let mut last = 0;
        for (s, e) in ranges {
            out.extend_from_slice(bytes.get(last..s).unwrap_or_default());
            out.extend_from_slice(MASK.as_bytes());
            last = e;
        }
        out.extend_from_slice(bytes.get(last..).unwrap_or_default());
        Cow::Owned(out)
    }

    /// `text`, which was cut from a longer one and ends at the cut, masked;
    /// a last piece that starts a secret goes too, from [`CUT_PIECE`]
    /// characters.
    pub fn cut_text(&self, text: &str) -> String {
        let masked = self.text(text);
        if !self.has_values() {
            return masked.into_owned();
        }
        match self.patterns.cut_piece(masked.as_bytes()) {
            Some(k) => {
                let start = masked.len().saturating_sub(k);
                let ranges = widen(&masked, vec![(start, masked.len())]);
                splice(&masked, &ranges)
            }
            None => masked.into_owned(),
        }
    }

    /// A body excerpt that ends at a cut, masked as a cut text (a cut in a
    /// character left U+FFFD at its end, which stays).
    fn cut_body(&self, body: &str) -> String {
        let kept = body.trim_end_matches('\u{FFFD}');
        let mut out = self.cut_text(kept);
        out.push_str(body.get(kept.len()..).unwrap_or_default());
        out
    }

    /// Evidence masked: its excerpts end in `…` where they were cut, so
    /// each piece before a `…` is masked as a cut text.
    fn evidence(&self, text: &str) -> String {
        if !self.has_values() || !text.contains('…') {
            return self.text(text).into_owned();
        }
        let mut out = String::with_capacity(text.len());
        for piece in text.split_inclusive('…') {
            match piece.strip_suffix('…') {
                Some(before) => {
                    out.push_str(&self.cut_text(before));
                    out.push('…');
                }
                None => out.push_str(&self.text(piece)),
            }
        }
        out
    }

    /// The masked value of a header: the scheme of `Authorization` stays
    /// (`Bearer ***`), cookie names stay (`sid=***`), everything else is `***`.
    pub fn header_value(&self, name: &str, value: &str) -> String {
        if self.show {
            return value.to_owned();
        }
        if !self.is_secret_header(name) {
            return self.text(value).into_owned();
        }
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            "authorization" | "proxy-authorization" => match value.split_once(' ') {
                Some((scheme, _)) if !scheme.is_empty() => format!("{scheme} {MASK}"),
                _ => MASK.to_owned(),
            },
            "cookie" => mask_pairs(value, ';', |_| true),
            "set-cookie" => {
                // the first pair is the cookie; the attributes after it are not secret
                let (first, rest) = match value.split_once(';') {
                    Some((f, r)) => (f, Some(r)),
                    None => (value, None),
                };
                let mut out = mask_pairs(first, ';', |_| true);
                if let Some(r) = rest {
                    out.push(';');
                    out.push_str(&self.text(r));
                }
                out
            }
            _ => MASK.to_owned(),
        }
    }

    /// Headers with secret values masked.
    pub fn headers(&self, headers: &[(String, String)]) -> Vec<(String, String)> {
        headers
            .iter()
            .map(|(n, v)| (n.clone(), self.header_value(n, v)))
            .collect()
    }

    /// A URL with the password of its `user:password@` and the values of
    /// secret query parameters masked, and known secret values hidden.
    pub fn url(&self, url: &str) -> String {
        if self.show {
            return url.to_owned();
        }
        let url = mask_userinfo(url);
        let masked = match url.split_once('?') {
            Some((base, query)) if !self.params.is_empty() => {
                let (query, fragment) = match query.split_once('#') {
                    Some((q, f)) => (q, Some(f)),
                    None => (query, None),
                };
                let mut out = format!(
                    "{base}?{}",
                    mask_pairs(query, '&', |name| self.is_secret_param(name))
                );
                if let Some(f) = fragment {
                    out.push('#');
                    out.push_str(f);
                }
                out
            }
            _ => url.to_string(),
        };
        self.text(&masked).into_owned()
    }

    fn is_secret_param(&self, encoded_name: &str) -> bool {
        let name = percent_encoding::percent_decode_str(encoded_name).decode_utf8_lossy();
        self.params.iter().any(|p| p.as_str() == name)
    }

    /// A copy of `self` that also hides the values of the secret headers,
    /// cookies and query parameters in `request` (to mask a curl command
    /// built from them).
    fn with_request_values(&self, request: &RecordedRequest) -> Secrets {
        let mut s = self.clone();
        for (n, v) in &request.headers {
            if !self.is_secret_header(n) {
                continue;
            }
            match n.to_ascii_lowercase().as_str() {
                "cookie" => {
                    for pair in v.split(';') {
                        if let Some((_, value)) = pair.split_once('=') {
                            s.add_value(value);
                        }
                    }
                }
                _ => s.add_value(v),
            }
        }
        if let Some((_, query)) = request.url.split_once('?') {
            for pair in query.split('&') {
                if let Some((name, value)) = pair.split_once('=')
                    && self.is_secret_param(name)
                {
                    s.add_value(value);
                    s.add_value(&percent_encoding::percent_decode_str(value).decode_utf8_lossy());
                }
            }
        }
        s
    }

    /// Masks one finding in place.
    pub fn finding(&self, f: &mut Finding) {
        if self.show {
            return;
        }
        let mut local = self.with_request_values(&f.request);
        let cracked = cracked_secret(f);
        if let Some((secret, true)) = &cracked {
            // a secret cracked from an answer's words is in that answer
            local.add_value(secret);
        }
        f.curl = local.text(&mask_userinfo(&f.curl)).into_owned();
        f.request = local.request(&f.request);
        if let Some(r) = &f.response {
            f.response = Some(local.response(r));
        }
        f.title = local.text(&f.title).into_owned();
        f.evidence = local.evidence(&f.evidence);
        f.signature = local.text(&f.signature).into_owned();
        if let Some(fail) = &mut f.failure {
            fail.message = local.text(&mask_userinfo(&fail.message)).into_owned();
        }
        for p in &mut f.proof {
            p.value = local.evidence(&p.value);
        }
        if let Some((secret, _)) = cracked {
            let quoted = format!("{secret:?}");
            f.title = f.title.replace(&quoted, MASK);
            f.evidence = f.evidence.replace(&quoted, MASK);
            for p in f.proof.iter_mut().filter(|p| p.name == "secret") {
                p.value = MASK.to_owned();
            }
        }
    }

    /// A recorded request, masked (its body, cut at [`EXCERPT_CAP`] bytes
    /// when longer, as a cut text when it may have been cut).
    pub fn request(&self, r: &RecordedRequest) -> RecordedRequest {
        RecordedRequest {
            method: r.method.clone(),
            url: self.url(&r.url),
            headers: self.headers(&r.headers),
            body: r.body.as_deref().map(|b| {
                // a cut in a character turns its bytes into U+FFFD
                if b.len() + 3 >= EXCERPT_CAP {
                    self.cut_body(b)
                } else {
                    self.text(b).into_owned()
                }
            }),
        }
    }

    /// A recorded response, masked (its body as a cut text when it was cut).
    pub fn response(&self, r: &RecordedResponse) -> RecordedResponse {
        RecordedResponse {
            status: r.status,
            headers: self.headers(&r.headers),
            body: if r.truncated {
                self.cut_body(&r.body)
            } else {
                self.text(&r.body).into_owned()
            },
            truncated: r.truncated,
        }
    }

    /// Why a scan stopped, with the URLs and secrets in its message masked.
    pub fn stop_reason(&self, reason: &StopReason) -> StopReason {
        let mut reason = reason.clone();
        if self.show {
            return reason;
        }
        if let StopReason::Unreachable(why) | StopReason::TargetLost(why) = &mut reason {
            *why = self.text(&mask_userinfo(why)).into_owned();
        }
        reason
    }

    /// Masks a whole report in place.
    pub fn report(&self, report: &mut Report) {
        if self.show {
            return;
        }
        report.target = self.url(&report.target);
        report.spec.source = self.url(&report.spec.source);
        report.stopped = self.stop_reason(&report.stopped);
        for f in &mut report.findings {
            self.finding(f);
        }
    }
}

/// `a=1<sep>b=2` with the values of the pairs `secret` picks replaced.
fn mask_pairs(text: &str, sep: char, secret: impl Fn(&str) -> bool) -> String {
    let parts: Vec<String> = text
        .split(sep)
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if secret(name.trim()) => format!("{name}={MASK}"),
            _ => pair.to_owned(),
        })
        .collect();
    parts.join(&sep.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_keep_their_shape_and_lose_their_values() {
        let s = Secrets::new();
        assert_eq!(
            s.header_value("Authorization", "Bearer abc.def"),
            "Bearer ***"
        );
        assert_eq!(
            s.header_value("cookie", "sid=s3cr3t; theme=dark"),
            "sid=***; theme=***"
        );
        assert_eq!(
            s.header_value("set-cookie", "sid=s3cr3t; Path=/; HttpOnly"),
            "sid=***; Path=/; HttpOnly"
        );
        assert_eq!(s.header_value("X-API-Key", "k"), "***");
        assert_eq!(s.header_value("accept", "text/plain"), "text/plain");
        assert_eq!(
            Secrets::shown().header_value("authorization", "Bearer x"),
            "Bearer x"
        );
    }

    #[test]
    fn values_are_hidden_in_every_form() {
        let mut s = Secrets::new();
        s.add_value("alice:wonder land");
        let b64 = base64::engine::general_purpose::STANDARD.encode("alice:wonder land");
        let text = format!("u=alice%3Awonder%20land b={b64} raw=alice:wonder land");
        let masked = s.text(&text);
        assert!(!masked.contains("wonder"), "{masked}");
        assert_eq!(s.text("abc"), "abc");
        s.add_value("ab"); // too short to hide as text
        assert_eq!(s.text("abc"), "abc");
        s.add_value("Bearer eyJ.tok3n");
        assert_eq!(
            s.text("curl -H 'authorization: Bearer eyJ.tok3n'"),
            "curl -H 'authorization: Bearer ***'"
        );
    }

    #[test]
    fn a_secret_cut_anywhere_leaves_no_piece_at_the_cut() {
        let secret = "Zq8-tok3n_9xW";
        let mut s = Secrets::new();
        s.add_value(&format!("Bearer {secret}"));
        let text = format!("echo: authorization: Bearer {secret} (done)");
        assert_eq!(s.text(&text), "echo: authorization: Bearer *** (done)");
        for cut in 0..=text.len() {
            let head = &text[..cut];
            let masked = s.cut_text(head);
            for k in CUT_PIECE..=secret.len() {
                if head.ends_with(&secret[..k]) {
                    assert!(masked.ends_with(MASK), "{head:?} gave {masked:?}");
                    assert!(!masked.contains(&secret[..CUT_PIECE]), "{masked:?}");
                }
            }
        }
        assert_eq!(s.cut_text("the end: Zq8"), "the end: ***");
        assert_eq!(s.cut_text("the end: Zq"), "the end: Zq");
        // a piece away from a cut is left: it may be an ordinary word
        assert_eq!(s.text("Zq8-tok3n"), "Zq8-tok3n");
    }

    #[test]
    fn base64_is_masked_at_every_alignment_and_inside_basic() {
        use base64::engine::general_purpose::STANDARD as B64;
        let password = "pa55-w0rd/planted+";
        let mut s = Secrets::new();
        s.add_value(&format!("alice:{password}"));
        s.add_value(password);
        for prefix in ["", "x", "xy", "xyz"] {
            for suffix in ["", "!", "!?"] {
                let encoded = B64.encode(format!("{prefix}{password}{suffix}"));
                let masked = s.text(&encoded);
                // every character that depends on the password alone is
                // masked; left are those of the prefix and suffix (with at
                // most 4 bits of the password each side)
                let (p, n) = (prefix.len(), password.len());
                let start = (8 * p).div_ceil(6);
                let end = 8 * (p + n) / 6;
                let (left, right) = masked.split_once(MASK).expect("masked");
                assert!(
                    encoded[..start].starts_with(left)
                        && encoded[end..].ends_with(right)
                        && !right.contains(MASK),
                    "{encoded} gave {masked}"
                );
            }
        }
        let basic = format!("Basic {}", B64.encode(format!("alice:{password}")));
        assert_eq!(s.text(&basic), "Basic ***");
        let url_safe = URL_SAFE.encode(format!("xy{password}"));
        assert!(s.text(&url_safe).contains(MASK), "{url_safe}");
    }

    #[test]
    fn escaped_and_encoded_forms_are_masked() {
        // s3cr\"t/<é>&'x
        let secret = "s3cr\\\"t/<é>&'x";
        let mut s = Secrets::new();
        s.add_value(secret);
        let json = serde_json::to_string(secret).expect("json");
        let json = &json[1..json.len() - 1];
        for text in [
            json.to_owned(),
            json.replace('/', "\\/"),
            json.replace('é', "\\u00e9"),
            "s3cr\\&quot;t/&lt;é&gt;&amp;&#39;x".to_owned(),
            "s3cr\\&#34;t/&lt;é&gt;&amp;&apos;x".to_owned(),
            "s3cr%5C%22t%2F%3C%C3%A9%3E%26%27x".to_owned(),
            "s3cr%5c%22t%2f%3c%c3%a9%3e%26%27x".to_owned(),
            "s3cr%5C%22t%2F%3C%C3%A9%3E%26%27x".to_owned(),
            url::form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
            // as the curl commands quote it
            "s3cr\\\"t/<é>&'\\''x".to_owned(),
            "s3cr\\\\\"t/<\\xc3\\xa9>&\\'x".to_owned(),
            "s3cr\\134\"t/<\\303\\251>&\\047x".to_owned(),
        ] {
            assert_eq!(s.text(&text), MASK, "{text}");
            assert_eq!(s.text(&format!("a={text};")), "a=***;", "{text}");
        }
    }

    #[test]
    fn bodies_that_are_not_utf8_are_masked_as_bytes() {
        let mut s = Secrets::new();
        s.add_value("Bearer tok-in-binary-42");
        let mut body = vec![0xff, 0xfe, 0x00];
        body.extend_from_slice(b"authorization: Bearer tok-in-binary-42");
        body.extend_from_slice(&[0xc3, 0x28, 0x80]);
        let masked = s.bytes(&body);
        assert_eq!(
            masked.as_ref(),
            [
                &[0xffu8, 0xfe, 0x00][..],
                &b"authorization: Bearer ***"[..],
                &[0xc3u8, 0x28, 0x80][..]
            ]
            .concat()
        );
        // UTF-8 is masked at character boundaries
        let text = "é tok-in-binary-42é";
        assert_eq!(s.bytes(text.as_bytes()).as_ref(), "é ***é".as_bytes());
        // nothing to mask: the same bytes, not copied
        assert!(matches!(Secrets::new().bytes(&body), Cow::Borrowed(_)));
        assert!(matches!(Secrets::shown().bytes(&body), Cow::Borrowed(_)));
    }

    #[test]
    fn passwords_in_urls_are_masked() {
        let s = Secrets::new();
        assert_eq!(
            s.url("http://admin:pw@127.0.0.1:8080/x?a=1"),
            "http://admin:***@127.0.0.1:8080/x?a=1"
        );
        assert_eq!(s.url("http://127.0.0.1/a@b"), "http://127.0.0.1/a@b");
        let mut f: Finding = serde_json::from_value(serde_json::json!({
            "id": "1", "check": "c", "severity": "low", "title": "t",
            "operation": { "id": "o", "method": "GET", "path": "/" },
            "probe": "positive", "evidence": "e", "signature": "s", "occurrences": 1,
            "request": { "method": "GET", "url": "http://u:pw@h/x", "headers": [] },
            "elapsed_ms": 1, "curl": "curl 'http://u:pw@h/x'"
        }))
        .expect("a finding");
        s.finding(&mut f);
        assert_eq!(f.request.url, "http://u:***@h/x");
        assert_eq!(f.curl, "curl 'http://u:***@h/x'");
        let why = StopReason::Unreachable("http://u:pw@h: refused".into());
        assert_eq!(
            s.stop_reason(&why),
            StopReason::Unreachable("http://u:***@h: refused".into())
        );
    }

    #[test]
    fn only_an_authentication_scheme_is_kept() {
        let mut s = Secrets::new();
        s.add_value("hello world-secret");
        assert_eq!(s.text("x hello world-secret y"), "x *** y");
        s.add_value("Token abcdefgh");
        assert_eq!(s.text("Token abcdefgh"), "Token ***");
    }

    #[test]
    fn secret_query_parameters_are_masked_in_urls() {
        let mut s = Secrets::new();
        s.add_param("api_key");
        assert_eq!(
            s.url("http://h/x?a=1&api_key=k3y&b=2#f"),
            "http://h/x?a=1&api_key=***&b=2#f"
        );
        assert_eq!(s.url("http://h/x?a=1"), "http://h/x?a=1");
    }
}
