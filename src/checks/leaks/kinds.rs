//! What a leak is.

use serde::Serialize;

/// The family of a leak, naming the language, engine, service or framework.
/// Serialised with a `kind` tag: `{"kind": "stack_trace", "language": "java"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LeakKind {
    /// A stack trace (or a panic message with its location).
    StackTrace {
        /// The language or runtime whose trace it is.
        language: Language,
    },
    /// A database error message.
    SqlError {
        /// The database engine whose message it is.
        engine: SqlEngine,
    },
    /// A credential or key.
    Secret {
        /// The kind of secret.
        secret: SecretKind,
    },
    /// A sensitive field with a non-empty value in JSON-looking text.
    SensitiveField {
        /// The field.
        field: SensitiveField,
    },
    /// A card number that passes the Luhn check.
    CreditCard,
    /// A private (RFC 1918) IPv4 address.
    InternalIp,
    /// A server-side file-system path (home directories, web roots).
    FilePath,
    /// A framework's debug or developer error page.
    DebugPage {
        /// The framework whose page it is.
        framework: DebugPage,
    },
}

/// The language or runtime of a stack trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    /// Python (`Traceback (most recent call last):`, `File "...", line N`).
    Python,
    /// Java and other JVM languages (`at pkg.Class.method(File.java:N)`).
    Java,
    /// .NET (`at Ns.Type.Method() in File.cs:line N`).
    Dotnet,
    /// Node.js (`at fn (/app/file.js:L:C)`).
    Nodejs,
    /// Go (`goroutine N [running]:`, `file.go:N +0x1f`).
    Go,
    /// Rust (`thread 'main' panicked at`).
    Rust,
    /// PHP (`Fatal error: ... in file.php on line N`, `#0 file.php(N): `).
    Php,
    /// Ruby (`file.rb:N:in 'method'`).
    Ruby,
}

/// The database engine of an SQL error message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SqlEngine {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgresql,
    /// MySQL or MariaDB.
    Mysql,
    /// Microsoft SQL Server.
    SqlServer,
    /// Oracle.
    Oracle,
}

/// The kind of a leaked secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretKind {
    /// An AWS access key id (`AKIA`/`ASIA` and 16 more).
    AwsAccessKeyId,
    /// A PEM private key block.
    PrivateKey,
    /// A GitHub token (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`).
    GithubToken,
    /// A Slack token (`xoxb-`, `xoxp-`, ...).
    SlackToken,
    /// A Stripe live secret or restricted key (`sk_live_`, `rk_live_`).
    StripeKey,
    /// A Google API key (`AIza` and 35 more).
    GoogleApiKey,
    /// A JSON Web Token whose header decodes to JSON with `alg`.
    Jwt,
}

/// A sensitive field name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SensitiveField {
    /// `password`.
    Password,
    /// `password_hash`.
    PasswordHash,
    /// `passwd`.
    Passwd,
    /// `ssn`.
    Ssn,
}

/// The framework of a debug page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DebugPage {
    /// Django with `DEBUG = True`.
    Django,
    /// The Werkzeug (Flask) interactive debugger.
    Werkzeug,
    /// Laravel's Whoops page.
    LaravelWhoops,
    /// The ASP.NET "yellow screen of death".
    AspNet,
    /// Spring Boot's Whitelabel Error Page with a stack trace.
    SpringWhitelabel,
}
