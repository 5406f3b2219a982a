//! Attack payloads: families of strings that probe one class of flaw each,
//! built in from `payloads/*.txt` and extendable from a folder of the
//! user's own files.
//!
//! The file format (one payload per line, `#` comments, a few backslash
//! escapes) is described in `payloads/README.md` and implemented by
//! [`parse`].

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use indexmap::IndexMap;

/// A family of payloads: the class of flaw its strings probe.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PayloadFamily {
    /// SQL injection.
    Sqli,
    /// NoSQL operator injection.
    Nosqli,
    /// Cross-site scripting.
    Xss,
    /// OS command injection.
    Cmdi,
    /// Path traversal.
    PathTraversal,
    /// Server-side template injection.
    Ssti,
    /// LDAP filter injection.
    Ldap,
    /// XML external entities.
    Xxe,
    /// CRLF (header) injection.
    Crlf,
    /// Format string injection.
    FormatStrings,
    /// Unicode and encoding edge cases.
    Unicode,
    /// JavaScript prototype pollution.
    PrototypePollution,
    /// Oversized and edge-case numbers.
    OversizedNumbers,
    /// Server-side request forgery.
    Ssrf,
    /// A family from a user's file, named by its file stem. Build it with
    /// [`PayloadFamily::from_name`], which never gives `Custom` for the
    /// name of a built-in family.
    Custom(String),
}

impl PayloadFamily {
    /// Every built-in family, in the order [`Payloads::builtin`] lists them.
    pub const BUILTIN: &'static [PayloadFamily] = &[
        PayloadFamily::Sqli,
        PayloadFamily::Nosqli,
        PayloadFamily::Xss,
        PayloadFamily::Cmdi,
        PayloadFamily::PathTraversal,
        PayloadFamily::Ssti,
        PayloadFamily::Ldap,
        PayloadFamily::Xxe,
        PayloadFamily::Crlf,
        PayloadFamily::FormatStrings,
        PayloadFamily::Unicode,
        PayloadFamily::PrototypePollution,
        PayloadFamily::OversizedNumbers,
        PayloadFamily::Ssrf,
    ];

    /// The family's name: the stem of its file (`"sqli"` for `sqli.txt`).
    pub fn name(&self) -> &str {
        match self {
            PayloadFamily::Sqli => "sqli",
            PayloadFamily::Nosqli => "nosqli",
            PayloadFamily::Xss => "xss",
            PayloadFamily::Cmdi => "cmdi",
            PayloadFamily::PathTraversal => "path_traversal",
            PayloadFamily::Ssti => "ssti",
            PayloadFamily::Ldap => "ldap",
            PayloadFamily::Xxe => "xxe",
            PayloadFamily::Crlf => "crlf",
            PayloadFamily::FormatStrings => "format_strings",
            PayloadFamily::Unicode => "unicode",
            PayloadFamily::PrototypePollution => "prototype_pollution",
            PayloadFamily::OversizedNumbers => "oversized_numbers",
            PayloadFamily::Ssrf => "ssrf",
            PayloadFamily::Custom(name) => name,
        }
    }

    /// The family called `name`: a built-in one when the name is exactly
    /// one of theirs (case matters), otherwise [`PayloadFamily::Custom`].
    pub fn from_name(name: &str) -> PayloadFamily {
        PayloadFamily::BUILTIN
            .iter()
            .find(|f| f.name() == name)
            .cloned()
            .unwrap_or_else(|| PayloadFamily::Custom(name.to_owned()))
    }

    /// Whether this is one of the built-in families.
    pub fn is_builtin(&self) -> bool {
        !matches!(self, PayloadFamily::Custom(_))
    }

    /// The CWE id of the weakness the family probes; `None` for a custom
    /// family.
    pub fn cwe(&self) -> Option<u32> {
        Some(match self {
            PayloadFamily::Sqli => 89,
            PayloadFamily::Nosqli => 943,
            PayloadFamily::Xss => 79,
            PayloadFamily::Cmdi => 78,
            PayloadFamily::PathTraversal => 22,
            PayloadFamily::Ssti => 1336,
            PayloadFamily::Ldap => 90,
            PayloadFamily::Xxe => 611,
            PayloadFamily::Crlf => 93,
            PayloadFamily::FormatStrings => 134,
            PayloadFamily::Unicode => 176,
            PayloadFamily::PrototypePollution => 1321,
            PayloadFamily::OversizedNumbers => 190,
            PayloadFamily::Ssrf => 918,
            PayloadFamily::Custom(_) => return None,
        })
    }
}

impl fmt::Display for PayloadFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One attack string and the family it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Payload {
    /// The family.
    pub family: PayloadFamily,
    /// The payload, byte for byte (not always valid UTF-8: `\xHH` escapes
    /// can write any byte).
    pub bytes: Vec<u8>,
}

impl Payload {
    /// The payload as text, when its bytes are valid UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.bytes).ok()
    }

    /// The payload as text, with invalid UTF-8 replaced by U+FFFD.
    pub fn text_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.bytes)
    }
}

/// Why payload files could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    /// The folder could not be listed.
    #[error("cannot read payload folder {}: {source}", path.display())]
    ReadDir {
        /// The folder.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// A file could not be read, or is not UTF-8 text.
    #[error("cannot read payload file {}: {source}", path.display())]
    ReadFile {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// A file's name is not UTF-8, so it names no family.
    #[error("payload file name is not UTF-8: {}", path.display())]
    FileName {
        /// The file.
        path: PathBuf,
    },
    /// A line of a file is malformed (a bad escape).
    #[error("{}:{line}: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The line number, from 1.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// The built-in payload files: family and text.
const BUILTIN_FILES: [(PayloadFamily, &str); 14] = [
    (
        PayloadFamily::Sqli,
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/payloads/sqli.txt")),
    ),
    (
        PayloadFamily::Nosqli,
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/payloads/nosqli.txt")),
    ),
    (
        PayloadFamily::Xss,
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/payloads/xss.txt")),
    ),
    (
        PayloadFamily::Cmdi,
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/payloads/cmdi.txt")),
    ),
    (
        PayloadFamily::PathTraversal,
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/payloads/path_traversal.txt"
        )),
    ),
    (
        PayloadFamily::Ssti,
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/payloads/ssti.txt")),
    ),
    (
        PayloadFamily::Ldap,
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/payloads/ldap.txt")),
    ),
    (
        PayloadFamily::Xxe,
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/payloads/xxe.txt")),
    ),
    (
        PayloadFamily::Crlf,
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/payloads/crlf.txt")),
    ),
    (
        PayloadFamily::FormatStrings,
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/payloads/format_strings.txt"
        )),
    ),
    (
        PayloadFamily::Unicode,
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/payloads/unicode.txt")),
    ),
    (
        PayloadFamily::PrototypePollution,
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/payloads/prototype_pollution.txt"
        )),
    ),
    (
        PayloadFamily::OversizedNumbers,
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/payloads/oversized_numbers.txt"
        )),
    ),
    (
        PayloadFamily::Ssrf,
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/payloads/ssrf.txt")),
    ),
];

// A bad escape in a built-in file fails the build, so `Payloads::builtin`
// never meets a parse error at run time.
const _: () = {
    let mut i = 0;
    while i < BUILTIN_FILES.len() {
        assert!(
            escapes_valid(BUILTIN_FILES[i].1),
            "a built-in payload file has a bad escape; run the payloads tests"
        );
        i += 1;
    }
};

/// Whether every escape on every payload line of `text` is one [`parse`]
/// accepts. A compile-time twin of [`parse`]'s checks.
const fn escapes_valid(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    let mut line_start = true;
    let mut comment = false;
    while i < b.len() {
        let c = b[i];
        if c == b'\n' {
            line_start = true;
            comment = false;
            i += 1;
            continue;
        }
        if line_start {
            comment = c == b'#';
            line_start = false;
        }
        if c == b'\\' && !comment {
            if i + 1 >= b.len() {
                return false;
            }
            match b[i + 1] {
                b'n' | b'r' | b't' | b'0' | b'\\' => i += 2,
                b'x' => {
                    if i + 3 >= b.len()
                        || !b[i + 2].is_ascii_hexdigit()
                        || !b[i + 3].is_ascii_hexdigit()
                    {
                        return false;
                    }
                    i += 4;
                }
                _ => return false,
            }
            continue;
        }
        i += 1;
    }
    true
}

/// Parses a payload file: one payload per line, blank lines (empty or only
/// spaces and tabs) skipped, lines starting with `#` skipped as comments,
/// and the escapes `\n`, `\r`, `\t`, `\0`, `\\` and `\xHH` decoded (`\xHH`
/// is a raw byte, so the result need not be UTF-8). A trailing `\r` on a
/// line (CRLF files) is not part of the payload.
///
/// # Errors
///
/// An unknown or incomplete escape: the line number (from 1) and what is
/// wrong.
pub fn parse(text: &str) -> Result<Vec<Vec<u8>>, (usize, String)> {
    let mut out = Vec::new();
    for (index, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.starts_with('#') || line.trim_matches([' ', '\t']).is_empty() {
            continue;
        }
        out.push(unescape(line).map_err(|message| (index + 1, message))?);
    }
    Ok(out)
}

/// Decodes the escapes of one line.
fn unescape(line: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(line.len());
    let mut chars = line.char_indices();
    while let Some((at, c)) = chars.next() {
        if c != '\\' {
            let mut buf = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        match chars.next() {
            Some((_, 'n')) => out.push(b'\n'),
            Some((_, 'r')) => out.push(b'\r'),
            Some((_, 't')) => out.push(b'\t'),
            Some((_, '0')) => out.push(0),
            Some((_, '\\')) => out.push(b'\\'),
            Some((_, 'x')) => {
                let hex: String = chars.by_ref().take(2).map(|(_, h)| h).collect();
                match u8::from_str_radix(&hex, 16) {
                    Ok(byte) if hex.len() == 2 && hex.bytes().all(|h| h.is_ascii_hexdigit()) => {
                        out.push(byte)
                    }
                    _ => {
                        return Err(format!(
                            "bad escape \\x{hex} at column {}: \\x needs two hex digits",
                            at + 1
                        ));
                    }
                }
            }
            Some((_, other)) => {
                return Err(format!(
                    "unknown escape \\{other} at column {} (use \\\\ for a backslash)",
                    at + 1
                ));
            }
            None => {
                return Err(format!(
                    "backslash at the end of the line (column {}); use \\\\ for a backslash",
                    at + 1
                ));
            }
        }
    }
    Ok(out)
}

/// Payloads grouped by family: the built-in ones, plus any loaded from a
/// folder. Families keep the order they were added in (built-in first);
/// within a family, payloads keep file order and are never repeated.
#[derive(Debug, Clone, Default)]
pub struct Payloads {
    families: IndexMap<PayloadFamily, Vec<Payload>>,
}

impl Payloads {
    /// An empty set: no families.
    pub fn new() -> Payloads {
        Payloads::default()
    }

    /// Every built-in family, from the files compiled into the binary. The
    /// files are parsed once per process; later calls clone the result.
    pub fn builtin() -> Payloads {
        static BUILTIN: OnceLock<Payloads> = OnceLock::new();
        BUILTIN
            .get_or_init(|| {
                let mut payloads = Payloads::new();
                for (family, text) in &BUILTIN_FILES {
                    // Every escape was checked at compile time, so this
                    // cannot fail; an empty family is the harmless fallback.
                    payloads.extend(family, parse(text).unwrap_or_default());
                }
                payloads
            })
            .clone()
    }

    /// Adds every `*.txt` file in `dir` (not its subfolders; names starting
    /// with `.` are skipped), in file-name order. A file's stem names its
    /// family: a built-in family's name adds to that family, any other name
    /// makes a custom one. Payloads a family already has are not added
    /// again. Either every file loads or nothing is added.
    ///
    /// Returns how many payloads were added.
    ///
    /// # Errors
    ///
    /// The folder or a file cannot be read, a file name is not UTF-8, or a
    /// line has a bad escape ([`PayloadError::Parse`] names file and line).
    pub fn load_dir(&mut self, dir: &Path) -> Result<usize, PayloadError> {
        let read_dir = |source| PayloadError::ReadDir {
            path: dir.to_path_buf(),
            source,
        };
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(read_dir)? {
            let path = entry.map_err(read_dir)?.path();
            let is_txt = path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("txt"));
            let hidden = path
                .file_name()
                .is_some_and(|n| n.as_encoded_bytes().starts_with(b"."));
            if is_txt && !hidden && path.is_file() {
                files.push(path);
            }
        }
        files.sort();

        let mut parsed = Vec::with_capacity(files.len());
        for path in files {
            let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
                return Err(PayloadError::FileName { path });
            };
            let family = PayloadFamily::from_name(stem);
            let text = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(source) => return Err(PayloadError::ReadFile { path, source }),
            };
            match parse(&text) {
                Ok(lines) => parsed.push((family, lines)),
                Err((line, message)) => {
                    return Err(PayloadError::Parse {
                        path,
                        line,
                        message,
                    });
                }
            }
        }
        Ok(parsed
            .into_iter()
            .map(|(family, lines)| self.extend(&family, lines))
            .sum())
    }

    /// Adds `lines` to `family`, skipping ones it already has; returns how
    /// many were added. A family is only created when something is added.
    fn extend(&mut self, family: &PayloadFamily, lines: Vec<Vec<u8>>) -> usize {
        if lines.is_empty() {
            return 0;
        }
        let list = self.families.entry(family.clone()).or_default();
        let mut seen: HashSet<Vec<u8>> = list.iter().map(|p| p.bytes.clone()).collect();
        let before = list.len();
        for bytes in lines {
            if seen.insert(bytes.clone()) {
                list.push(Payload {
                    family: family.clone(),
                    bytes,
                });
            }
        }
        list.len() - before
    }

    /// The families that have payloads, in the order they were added.
    pub fn families(&self) -> impl Iterator<Item = &PayloadFamily> {
        self.families.keys()
    }

    /// The payloads of `family`; empty when there are none.
    pub fn get(&self, family: &PayloadFamily) -> &[Payload] {
        self.families.get(family).map_or(&[], Vec::as_slice)
    }

    /// Every payload, family by family.
    pub fn all(&self) -> impl Iterator<Item = &Payload> {
        self.families.values().flatten()
    }

    /// How many payloads there are in all.
    pub fn len(&self) -> usize {
        self.families.values().map(Vec::len).sum()
    }

    /// Whether there are no payloads.
    pub fn is_empty(&self) -> bool {
        self.families.values().all(Vec::is_empty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A fresh folder under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> TempDir {
            static N: AtomicUsize = AtomicUsize::new(0);
            let path = std::env::temp_dir().join(format!(
                "apiprobe-payloads-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            let _ = std::fs::remove_dir_all(&path);
            std::fs::create_dir_all(&path).unwrap();
            TempDir(path)
        }

        fn write(&self, name: &str, text: &str) {
            std::fs::write(self.0.join(name), text).unwrap();
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn every_builtin_family_loads_with_15_to_60_payloads() {
        let all = Payloads::builtin();
        let families: Vec<_> = all.families().cloned().collect();
        assert_eq!(families, PayloadFamily::BUILTIN);
        for family in PayloadFamily::BUILTIN {
            let n = all.get(family).len();
            assert!((15..=60).contains(&n), "{family}: {n} payloads");
            assert!(all.get(family).iter().all(|p| &p.family == family));
        }
        assert_eq!(
            all.len(),
            PayloadFamily::BUILTIN
                .iter()
                .map(|f| all.get(f).len())
                .sum::<usize>()
        );
        assert!(!all.is_empty());
    }

    #[test]
    fn builtin_files_parse_without_duplicates_or_stray_whitespace() {
        for (family, text) in &BUILTIN_FILES {
            let lines = parse(text).unwrap_or_else(|(l, m)| panic!("{family}:{l}: {m}"));
            assert_eq!(
                lines.len(),
                Payloads::builtin().get(family).len(),
                "{family}"
            );
            for (i, a) in lines.iter().enumerate() {
                assert!(!lines[..i].contains(a), "{family}: duplicate {a:?}");
            }
            for line in text.lines() {
                assert!(
                    !line.ends_with([' ', '\t']),
                    "{family}: trailing space: {line:?}"
                );
            }
        }
    }

    #[test]
    fn builtin_files_start_with_a_header_naming_flaw_and_source() {
        for (family, text) in &BUILTIN_FILES {
            let first = text.lines().next().unwrap_or("");
            assert!(first.starts_with('#'), "{family}: {first:?}");
            let header: String = text
                .lines()
                .take_while(|l| l.starts_with('#'))
                .collect::<Vec<_>>()
                .join("\n");
            assert!(header.contains("Written for apiprobe"), "{family}");
            let cwe = format!("CWE-{}", family.cwe().unwrap_or(0));
            assert!(header.contains(&cwe), "{family}: header lacks {cwe}");
        }
    }

    #[test]
    fn builtin_payloads_cover_the_required_variants() {
        let all = Payloads::builtin();
        let has = |family: PayloadFamily, needle: &[u8]| {
            all.get(&family).iter().any(|p| p.bytes == needle)
        };
        assert!(has(PayloadFamily::Ssti, b"#{7*7}"), "\\x23 line");
        assert!(has(PayloadFamily::Ssti, b"{{7*7}}"));
        assert!(has(PayloadFamily::Nosqli, br#"{"$ne": null}"#));
        assert!(has(PayloadFamily::Crlf, b"\r\nX-Apiprobe-Injected: 1"));
        assert!(has(
            PayloadFamily::PathTraversal,
            b"..\\..\\..\\..\\..\\..\\windows\\win.ini"
        ));
        assert!(has(
            PayloadFamily::PathTraversal,
            b"../../../../../../etc/passwd\0.png"
        ));
        assert!(has(PayloadFamily::Unicode, b"\xc0\xaf"));
        assert!(has(
            PayloadFamily::Ssrf,
            b"http://169.254.169.254/latest/meta-data/"
        ));
        assert!(has(
            PayloadFamily::OversizedNumbers,
            b"-9223372036854775809"
        ));
        assert!(has(
            PayloadFamily::PrototypePollution,
            br#"{"__proto__":{"polluted":true}}"#
        ));
        assert!(
            all.get(&PayloadFamily::Xxe)
                .iter()
                .all(|p| !p.bytes.contains(&b'\n'))
        );
    }

    #[test]
    fn names_round_trip_and_cwes_match() {
        let expected = [
            ("sqli", 89),
            ("nosqli", 943),
            ("xss", 79),
            ("cmdi", 78),
            ("path_traversal", 22),
            ("ssti", 1336),
            ("ldap", 90),
            ("xxe", 611),
            ("crlf", 93),
            ("format_strings", 134),
            ("unicode", 176),
            ("prototype_pollution", 1321),
            ("oversized_numbers", 190),
            ("ssrf", 918),
        ];
        assert_eq!(PayloadFamily::BUILTIN.len(), expected.len());
        for (family, (name, cwe)) in PayloadFamily::BUILTIN.iter().zip(expected) {
            assert_eq!(family.name(), name);
            assert_eq!(family.to_string(), name);
            assert_eq!(&PayloadFamily::from_name(name), family);
            assert_eq!(family.cwe(), Some(cwe), "{name}");
            assert!(family.is_builtin());
        }
        let custom = PayloadFamily::from_name("graphql");
        assert_eq!(custom, PayloadFamily::Custom("graphql".into()));
        assert_eq!(custom.name(), "graphql");
        assert_eq!(custom.cwe(), None);
        assert!(!custom.is_builtin());
        assert_eq!(
            PayloadFamily::from_name("SQLI"),
            PayloadFamily::Custom("SQLI".into())
        );
    }

    #[test]
    fn escapes_decode_exactly() {
        let got = parse(r"a\r\nb|\t|\0|\\|\x00|\x41\x7a|\xc0\xae|\xC3\xA9|\\n").unwrap();
        let want: &[u8] = b"a\r\nb|\t|\0|\\|\0|Az|\xc0\xae|\xc3\xa9|\\n";
        assert_eq!(got, vec![want.to_vec()]);

        let raw = Payload {
            family: PayloadFamily::Unicode,
            bytes: parse(r"\xc0\xae").unwrap().remove(0),
        };
        assert_eq!(raw.bytes, [0xc0, 0xae]);
        assert_eq!(raw.as_str(), None);
        assert_eq!(raw.text_lossy(), "\u{fffd}\u{fffd}");

        let text = Payload {
            family: PayloadFamily::Unicode,
            bytes: parse(r"caf\xc3\xa9 ü").unwrap().remove(0),
        };
        assert_eq!(text.as_str(), Some("café ü"));
        assert_eq!(text.text_lossy(), "café ü");
    }

    #[test]
    fn comments_and_blank_lines_are_skipped() {
        let text = "# header\n\nfirst\n   \n\t\n#second\n  # not a comment\r\nlast\\x23\r\n\n";
        let got = parse(text).unwrap();
        let want: Vec<Vec<u8>> = vec![
            b"first".to_vec(),
            b"  # not a comment".to_vec(),
            b"last#".to_vec(),
        ];
        assert_eq!(got, want);
        assert_eq!(parse("").unwrap(), Vec::<Vec<u8>>::new());
        assert_eq!(
            parse("# only\n# comments\n").unwrap(),
            Vec::<Vec<u8>>::new()
        );
    }

    #[test]
    fn bad_escapes_name_their_line() {
        let (line, msg) = parse("# c\nok\n\nbad \\q here\n").unwrap_err();
        assert_eq!(line, 4);
        assert!(msg.contains("\\q"), "{msg}");
        assert_eq!(parse("a\nb\\x4").unwrap_err().0, 2);
        assert_eq!(parse("\\xzz").unwrap_err().0, 1);
        assert_eq!(parse("a\nb\nc\\").unwrap_err().0, 3);
        assert_eq!(parse("\\x4\u{e9}").unwrap_err().0, 1);
        assert!(!escapes_valid("a\nb \\q"));
        assert!(!escapes_valid("\\x4"));
        assert!(escapes_valid("# \\q in a comment\n\\x41\\n\\\\"));
    }

    #[test]
    fn load_dir_adds_custom_families_and_extends_builtin_ones() {
        let dir = TempDir::new();
        dir.write(
            "graphql.txt",
            "# custom\n{__schema{types{name}}}\nquery{__typename}\n",
        );
        dir.write("sqli.txt", "# extra\n' OR 'apiprobe'='apiprobe\n'\n");
        dir.write("notes.md", "not payloads\n");
        dir.write(".hidden.txt", "skipped\n");
        std::fs::create_dir(dir.0.join("sub.txt")).unwrap();

        let mut payloads = Payloads::builtin();
        let before = payloads.len();
        let sqli_before = payloads.get(&PayloadFamily::Sqli).len();
        // `'` is already built in, so only one sqli line is new.
        assert_eq!(payloads.load_dir(&dir.0).unwrap(), 3);
        assert_eq!(payloads.len(), before + 3);

        let graphql = PayloadFamily::Custom("graphql".into());
        let got: Vec<_> = payloads.get(&graphql).iter().map(|p| p.as_str()).collect();
        assert_eq!(
            got,
            [Some("{__schema{types{name}}}"), Some("query{__typename}")]
        );
        assert_eq!(payloads.families().last(), Some(&graphql));
        assert_eq!(
            payloads.families().count(),
            PayloadFamily::BUILTIN.len() + 1
        );

        let sqli = payloads.get(&PayloadFamily::Sqli);
        assert_eq!(sqli.len(), sqli_before + 1);
        assert_eq!(
            sqli.last().and_then(Payload::as_str),
            Some("' OR 'apiprobe'='apiprobe")
        );
        assert_eq!(payloads.all().count(), payloads.len());

        // Loading again adds nothing new.
        assert_eq!(payloads.load_dir(&dir.0).unwrap(), 0);
    }

    #[test]
    fn load_dir_errors_name_file_and_line_and_add_nothing() {
        let dir = TempDir::new();
        dir.write("a_good.txt", "fine\n");
        dir.write("b_bad.txt", "# c\nok\nbroken \\u0041\n");
        let mut payloads = Payloads::new();
        let err = payloads.load_dir(&dir.0).unwrap_err();
        match &err {
            PayloadError::Parse { path, line, .. } => {
                assert_eq!(path.file_name().and_then(|n| n.to_str()), Some("b_bad.txt"));
                assert_eq!(*line, 3);
            }
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().contains("b_bad.txt:3:"), "{err}");
        assert!(payloads.is_empty());
        assert_eq!(payloads.families().count(), 0);

        let missing = dir.0.join("missing");
        let err = payloads.load_dir(&missing).unwrap_err();
        assert!(matches!(err, PayloadError::ReadDir { .. }), "{err:?}");
        assert!(err.to_string().contains("missing"), "{err}");
    }

    #[test]
    fn empty_set_reports_empty() {
        let p = Payloads::new();
        assert!(p.is_empty());
        assert_eq!(p.len(), 0);
        assert_eq!(p.all().count(), 0);
        assert!(p.get(&PayloadFamily::Sqli).is_empty());
    }
}
