//! The built-in leak patterns: one rule per family.
//!
//! Patterns avoid Unicode word boundaries (`(?-u:\b)` only) and Unicode
//! classes so that the set's lazy DFA can scan any body; quotes are matched
//! as `\\?"` so JSON-escaped text (`\"`) is found too, and frame separators
//! as `(?:\s|\\[nt])` so traces inside JSON strings are found.

use super::kinds::{DebugPage, Language, LeakKind, SecretKind, SensitiveField, SqlEngine};

/// A confirmation in code, after the regex matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Check {
    /// The regex match is the leak.
    None,
    /// 13 to 19 digits with a card brand's prefix and length, passing the
    /// Luhn check (trailing groups may be dropped), not a bare JSON number.
    Luhn,
    /// A JWT whose header decodes to a JSON object with a string `alg`.
    Jwt,
    /// Not part of a longer dotted number (a version string).
    InternalIp,
    /// Starts a path: not preceded by a URL or word character; and under
    /// `/home`, names a file or a server folder (not a route like `/home/a/b`).
    PathStart,
    /// Not followed by another key character.
    KeyEnd,
    /// The page also holds a Java stack frame.
    JavaFrameInText,
}

/// How the evidence is masked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mask {
    /// Shown as matched.
    None,
    /// The whole match masked.
    Whole,
    /// Only the capture group `s` (or `t`) masked.
    Group,
}

/// One family: what it finds and how.
#[derive(Debug)]
pub(super) struct Rule {
    /// What a match is.
    pub(super) kind: LeakKind,
    /// The regex; an optional group `e` narrows the evidence.
    pub(super) pattern: &'static str,
    /// The confirmation in code.
    pub(super) check: Check,
    /// The masking of the evidence.
    pub(super) mask: Mask,
    /// At most this many leaks per text.
    pub(super) limit: usize,
}

const fn trace(language: Language, pattern: &'static str) -> Rule {
    Rule {
        kind: LeakKind::StackTrace { language },
        pattern,
        check: Check::None,
        mask: Mask::None,
        limit: 1,
    }
}

const fn sql(engine: SqlEngine, pattern: &'static str) -> Rule {
    Rule {
        kind: LeakKind::SqlError { engine },
        pattern,
        check: Check::None,
        mask: Mask::None,
        limit: 1,
    }
}

const fn secret(secret: SecretKind, pattern: &'static str, check: Check, mask: Mask) -> Rule {
    Rule {
        kind: LeakKind::Secret { secret },
        pattern,
        check,
        mask,
        limit: 16,
    }
}

const fn field(field: SensitiveField, pattern: &'static str) -> Rule {
    Rule {
        kind: LeakKind::SensitiveField { field },
        pattern,
        check: Check::None,
        mask: Mask::Group,
        limit: 16,
    }
}

const fn debug(framework: DebugPage, pattern: &'static str, check: Check) -> Rule {
    Rule {
        kind: LeakKind::DebugPage { framework },
        pattern,
        check,
        mask: Mask::None,
        limit: 1,
    }
}

/// Every built-in rule; the matcher's set index is the index here.
pub(super) static RULES: &[Rule] = &[
    // ---- stack traces ----
    trace(
        Language::Python,
        r##"Traceback \(most recent call last\):|File \\?"[^"\r\n]+\.py\\?", line [0-9]+, in [A-Za-z_<]"##,
    ),
    trace(
        Language::Java,
        r##"(?:\s|\\[nt])(?P<e>at (?:[A-Za-z0-9_.$-]+/)?[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z0-9_$<>-]+)+\((?:[A-Za-z0-9_$]+\.(?:java|kt|scala|groovy):[0-9]+|Native Method|Unknown Source)\))"##,
    ),
    trace(
        Language::Dotnet,
        r##"\.cs:line [0-9]+|(?:\s|\\[nt])(?P<e>at System\.[A-Za-z0-9_.`]+\()|--- End of (?:inner exception )?stack trace"##,
    ),
    trace(
        Language::Nodejs,
        r##"(?:\s|\\[nt])(?P<e>at (?:async )?(?:[A-Za-z0-9_$.<>\[\] ]+ \()?(?:node:[a-z_/]+|(?:file://|/|[A-Za-z]:\\\\?)[^\s()"]*\.(?:[mc]?js|tsx?|jsx)):[0-9]+:[0-9]+)"##,
    ),
    trace(
        Language::Go,
        r##"goroutine [0-9]+ \[[a-z ,0-9]+\]:|\.go:[0-9]+ \+0x[0-9a-f]+"##,
    ),
    trace(
        Language::Rust,
        r##"thread '[^'\r\n]*' panicked at|run with `RUST_BACKTRACE=1`|stack backtrace:(?:\s|\\n)+ *0: "##,
    ),
    trace(
        Language::Php,
        r##"(?:Fatal error|Parse error|Warning|Notice|Deprecated)(?:</b>)?: [^\r\n]*? in (?:<b>)?[^\s<]+\.php(?:</b>)? on line|#[0-9]+ (?:/|[A-Za-z]:\\)[^\s(]*\.php\([0-9]+\): |PHP Stack trace:"##,
    ),
    trace(
        Language::Ruby,
        r##"[A-Za-z0-9_./-]+\.rb:[0-9]+:in [`'][^'\r\n]*'"##,
    ),
    // ---- SQL errors ----
    sql(
        SqlEngine::Sqlite,
        r##"SQLite error: |SQLITE_(?:ERROR|CONSTRAINT|MISMATCH|BUSY|LOCKED)(?-u:\b)|sqlite3\.(?:Operational|Integrity|Programming|Database)Error|SQLiteException|unrecognized token: \\?"|near \\?"[^"\r\n]*\\?": syntax error"##,
    ),
    sql(
        SqlEngine::Postgresql,
        r##"(?:syntax error|unterminated quoted string) at or near \\?"|PSQLException|PG::[A-Z][A-Za-z]*Error|psycopg2?\.(?:errors\.[A-Z][A-Za-z]+|[A-Za-z]*Error)|invalid input syntax for (?:type )?[a-z]+|ERROR:  [a-z][^\r\n]*\r?\n(?:LINE [0-9]+|HINT):"##,
    ),
    sql(
        SqlEngine::Mysql,
        r##"You have an error in your SQL syntax|check the manual that corresponds to your (?:MySQL|MariaDB) server version|MySqlException|com\.mysql\.(?:cj\.)?jdbc|ER_PARSE_ERROR|mysqli?_[a-z_]+\(\) expects|SQLSTATE\[[0-9A-Z]{5}\]: [A-Z][a-z]+"##,
    ),
    sql(
        SqlEngine::SqlServer,
        r##"Unclosed quotation mark after the character string|Incorrect syntax near '|Microsoft OLE DB Provider for SQL Server|(?:System|Microsoft)\.Data\.SqlClient\.SqlException|\[Microsoft\]\[ODBC SQL Server Driver\]|\[SQL Server\]"##,
    ),
    sql(
        SqlEngine::Oracle,
        r##"(?-u:\b)(?:ORA|PLS)-[0-9]{5}: |quoted string not properly terminated|oracle\.jdbc\.[A-Za-z.]+|OracleException"##,
    ),
    // ---- secrets ----
    secret(
        SecretKind::AwsAccessKeyId,
        r##"(?-u:\b)(?:AKIA|ASIA)[A-Z0-9]{16}(?-u:\b)"##,
        Check::None,
        Mask::Whole,
    ),
    secret(
        SecretKind::PrivateKey,
        r##"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"##,
        Check::None,
        Mask::None,
    ),
    secret(
        SecretKind::GithubToken,
        r##"(?-u:\b)(?:gh[pousr]_[A-Za-z0-9]{36}[A-Za-z0-9]*|github_pat_[A-Za-z0-9]{22}[A-Za-z0-9_]*)(?-u:\b)"##,
        Check::None,
        Mask::Whole,
    ),
    secret(
        SecretKind::SlackToken,
        r##"(?-u:\b)xox[bpars]-[0-9A-Za-z]{10}[0-9A-Za-z-]*"##,
        Check::None,
        Mask::Whole,
    ),
    secret(
        SecretKind::StripeKey,
        r##"(?-u:\b)[sr]k_live_[0-9A-Za-z]{16}[0-9A-Za-z]*(?-u:\b)"##,
        Check::None,
        Mask::Whole,
    ),
    secret(
        SecretKind::GoogleApiKey,
        r##"(?-u:\b)AIza[0-9A-Za-z_-]{35}"##,
        Check::KeyEnd,
        Mask::Whole,
    ),
    secret(
        SecretKind::Jwt,
        r##"(?-u:\b)eyJ[A-Za-z0-9_-]{4,}={0,2}\.[A-Za-z0-9_-]{2,}={0,2}\.[A-Za-z0-9_-]*"##,
        Check::Jwt,
        Mask::Whole,
    ),
    // ---- sensitive fields (a non-empty string, or a number) ----
    field(
        SensitiveField::Password,
        r##""(?i-u:password)"\s*:\s*(?:"(?P<s>(?:[^"\\\r\n]|\\.)+)"|(?P<t>[0-9][0-9 -]*))"##,
    ),
    field(
        SensitiveField::PasswordHash,
        r##""(?i-u:password_hash)"\s*:\s*(?:"(?P<s>(?:[^"\\\r\n]|\\.)+)"|(?P<t>[0-9][0-9 -]*))"##,
    ),
    field(
        SensitiveField::Passwd,
        r##""(?i-u:passwd)"\s*:\s*(?:"(?P<s>(?:[^"\\\r\n]|\\.)+)"|(?P<t>[0-9][0-9 -]*))"##,
    ),
    field(
        SensitiveField::Ssn,
        r##""(?i-u:ssn)"\s*:\s*(?:"(?P<s>(?:[^"\\\r\n]|\\.)+)"|(?P<t>[0-9][0-9 -]*))"##,
    ),
    // ---- card numbers, addresses, paths ----
    Rule {
        kind: LeakKind::CreditCard,
        pattern: r##"(?-u:\b)[3-6](?:[ -]?[0-9]){12,18}(?-u:\b)"##,
        check: Check::Luhn,
        mask: Mask::Whole,
        limit: 16,
    },
    Rule {
        kind: LeakKind::InternalIp,
        pattern: r##"(?-u:\b)(?:10\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])|172\.(?:1[6-9]|2[0-9]|3[01])|192\.168)(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){2}(?-u:\b)"##,
        check: Check::InternalIp,
        mask: Mask::None,
        limit: 16,
    },
    Rule {
        kind: LeakKind::FilePath,
        pattern: r##"/home/[A-Za-z0-9._-]+(?:/[A-Za-z0-9._-]+)+|/var/www(?:/[A-Za-z0-9._-]+)+|[A-Za-z]:\\{1,2}(?:Users|inetpub)(?:\\{1,2}[A-Za-z0-9._-]+)+"##,
        check: Check::PathStart,
        mask: Mask::None,
        limit: 16,
    },
    // ---- debug pages ----
    debug(
        DebugPage::Django,
        r##"because you have (?:<code>)?DEBUG = True"##,
        Check::None,
    ),
    debug(
        DebugPage::Werkzeug,
        r##"Werkzeug [Dd]ebugger|The debugger caught an exception in your WSGI application|\?__debugger__=yes"##,
        Check::None,
    ),
    debug(
        DebugPage::LaravelWhoops,
        r##"Whoops! There was an error|class=\\?"Whoops container\\?"|Whoops\\\\?Handler\\\\?PrettyPageHandler"##,
        Check::None,
    ),
    debug(
        DebugPage::AspNet,
        r##"Server Error in '[^'\r\n]*' Application|<b> ?Exception Details: ?</b>"##,
        Check::None,
    ),
    debug(
        DebugPage::SpringWhitelabel,
        r##"Whitelabel Error Page"##,
        Check::JavaFrameInText,
    ),
    // ---- a few more trace shapes, kept apart so each stays small ----
    trace(
        Language::Java,
        r##"(?-u:\b)Caused by: (?:java|javax|jakarta|org|com)\.[A-Za-z0-9_.$]+(?:Exception|Error)"##,
    ),
];
