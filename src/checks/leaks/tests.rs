//! Each family: a positive sample and a look-alike that must not match; and
//! the demo API's real leaks.

use super::*;

fn matcher() -> &'static LeakMatcher {
    match LeakMatcher::shared() {
        Ok(m) => m,
        Err(e) => panic!("a built-in pattern does not compile: {e}"),
    }
}

fn kinds(text: &str) -> Vec<LeakKind> {
    matcher().find(text).into_iter().map(|l| l.kind).collect()
}

fn trace(language: Language) -> LeakKind {
    LeakKind::StackTrace { language }
}

fn sql(engine: SqlEngine) -> LeakKind {
    LeakKind::SqlError { engine }
}

fn secret(secret: SecretKind) -> LeakKind {
    LeakKind::Secret { secret }
}

fn debug(framework: DebugPage) -> LeakKind {
    LeakKind::DebugPage { framework }
}

#[track_caller]
fn finds(text: &str, kind: LeakKind) {
    let found = kinds(text);
    assert!(
        found.contains(&kind),
        "{kind:?} not found in {text:?}: {found:?}"
    );
}

#[track_caller]
fn silent(text: &str) {
    let found = matcher().find(text);
    assert!(
        found.is_empty(),
        "expected nothing in {text:?}, got {found:?}"
    );
}

#[test]
fn every_builtin_pattern_compiles() {
    assert!(LeakMatcher::new().is_ok());
    for rule in rules::RULES {
        assert!(regex::Regex::new(rule.pattern).is_ok(), "{}", rule.pattern);
    }
}

#[test]
fn matcher_is_send_sync() {
    fn check<T: Send + Sync>() {}
    check::<LeakMatcher>();
}

// ---------------------------------------------------------------- traces

#[test]
fn python_trace() {
    let body = "Traceback (most recent call last):\n  File \"/srv/app/views.py\", line 42, in get_report\n    return render(report)\nKeyError: 'name'\n";
    finds(body, trace(Language::Python));
    // Also inside a JSON string.
    let json = serde_json::json!({ "detail": body }).to_string();
    finds(&json, trace(Language::Python));
    silent("The word Traceback appears in our docs about debugging, most recent first.");
}

#[test]
fn java_trace() {
    let body = "java.lang.IllegalStateException: boom\n\tat com.acme.Orders.place(Orders.java:120)\n\tat com.acme.Api.handle(Api.java:33)\n";
    finds(body, trace(Language::Java));
    silent("Please look at com.acme.Orders for examples (see Orders docs).");
}

#[test]
fn dotnet_trace() {
    let body = "System.NullReferenceException: Object reference not set to an instance of an object.\n   at Shop.Controllers.CartController.Add(Int32 id) in C:\\src\\Shop\\Controllers\\CartController.cs:line 57\n   at lambda_method(Closure , Object , Object[] )";
    finds(body, trace(Language::Dotnet));
    silent("We write C# code; at System level, exceptions are logged.");
}

#[test]
fn node_trace() {
    let body = "TypeError: Cannot read properties of undefined (reading 'id')\n    at getUser (/app/src/routes/users.js:17:23)\n    at Layer.handle [as handle_request] (/app/node_modules/express/lib/router/layer.js:95:5)\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)";
    finds(body, trace(Language::Nodejs));
    silent("Meet us at the office (/app is our product name) at 10:30.");
}

#[test]
fn go_trace() {
    let body = "panic: runtime error: invalid memory address or nil pointer dereference\n\ngoroutine 1 [running]:\nmain.handler(0x0)\n\t/home/dev/api/main.go:23 +0x1d\n";
    finds(body, trace(Language::Go));
    silent("Our goroutine docs: each goroutine runs handlers in main.go.");
}

#[test]
fn rust_trace() {
    let body = "thread 'tokio-runtime-worker' panicked at src/handlers.rs:88:14:\ncalled `Option::unwrap()` on a `None` value\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace";
    finds(body, trace(Language::Rust));
    silent("The thread panicked? Read the Rust book's chapter on panics.");
}

#[test]
fn php_trace() {
    let body = "PHP Fatal error:  Uncaught Error: Call to undefined function foo() in /var/www/html/index.php:3\nStack trace:\n#0 /var/www/html/router.php(12): handle()\n#1 {main}\n  thrown in /var/www/html/index.php on line 3";
    finds(body, trace(Language::Php));
    let html = "<br />\n<b>Fatal error</b>:  Call to a member function get() on null in <b>/srv/site/app.php</b> on line <b>14</b><br />";
    finds(html, trace(Language::Php));
    silent("A fatal error in PHP stops the script; see the manual.");
}

#[test]
fn ruby_trace() {
    let body = "NoMethodError (undefined method `name' for nil:NilClass):\n  app/controllers/users_controller.rb:14:in `show'\n  actionpack (7.0.4) lib/action_controller/metal/basic_implicit_render.rb:6:in `send_action'";
    finds(body, trace(Language::Ruby));
    silent("Ruby files end in .rb: see users_controller.rb for details.");
}

// ---------------------------------------------------------------- SQL

#[test]
fn sqlite_error() {
    finds(
        "sqlite3.OperationalError: near \"'\": syntax error",
        sql(SqlEngine::Sqlite),
    );
    silent("This service stores data in SQLite; near real time syntax checks.");
}

#[test]
fn postgres_error() {
    finds(
        "ERROR:  syntax error at or near \"'\"\nLINE 1: SELECT * FROM users WHERE id = '1''",
        sql(SqlEngine::Postgresql),
    );
    finds(
        "PG::SyntaxError: ERROR:  unterminated quoted string at or near \"'\"",
        sql(SqlEngine::Postgresql),
    );
    silent("PostgreSQL reports a syntax error when a query is malformed.");
}

#[test]
fn mysql_error() {
    finds(
        "You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near ''1''' at line 1",
        sql(SqlEngine::Mysql),
    );
    finds(
        "SQLSTATE[42000]: Syntax error or access violation: 1064",
        sql(SqlEngine::Mysql),
    );
    silent("Documentation: the SQL syntax of MySQL and MariaDB is covered in chapter 3.");
}

#[test]
fn sqlserver_error() {
    finds(
        "Microsoft.Data.SqlClient.SqlException (0x80131904): Unclosed quotation mark after the character string ''.\nIncorrect syntax near ''.",
        sql(SqlEngine::SqlServer),
    );
    silent("SQL Server is supported; quotation marks must be balanced.");
}

#[test]
fn oracle_error() {
    finds(
        "java.sql.SQLSyntaxErrorException: ORA-01756: quoted string not properly terminated",
        sql(SqlEngine::Oracle),
    );
    silent("Oracle databases are supported. Code ORA is our product prefix.");
}

// ---------------------------------------------------------------- secrets

#[test]
fn aws_key() {
    let leaks = matcher().find(r#"{"key": "AKIAIOSFODNN7EXAMPLE"}"#);
    assert_eq!(leaks.len(), 1, "{leaks:?}");
    assert_eq!(leaks[0].kind, secret(SecretKind::AwsAccessKeyId));
    assert_eq!(leaks[0].evidence, "AKIA**************LE");
    assert_eq!(leaks[0].offset, 9);
    finds("ASIAY34FZKBOKMUTVV7A", secret(SecretKind::AwsAccessKeyId));
    silent(r#"{"key": "AKIA1234567"}"#);
    silent("AKIAIOSFODNN7EXAMPLEAND");
}

#[test]
fn private_key() {
    finds(
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n-----END OPENSSH PRIVATE KEY-----",
        secret(SecretKind::PrivateKey),
    );
    finds(
        "-----BEGIN PRIVATE KEY-----",
        secret(SecretKind::PrivateKey),
    );
    silent(
        "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----",
    );
}

#[test]
fn github_token() {
    finds(
        "token=ghp_aBcD1234eFgH5678iJkL9012mNoP3456qRsT",
        secret(SecretKind::GithubToken),
    );
    silent("ghp_short and gho_ are prefixes GitHub uses");
}

#[test]
fn slack_token() {
    finds(
        "xoxb-2481632641-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
        secret(SecretKind::SlackToken),
    );
    silent("xoxb- tokens are for bots; xoxq-1234567890123 is not a kind");
}

#[test]
fn stripe_key() {
    let leaks = matcher().find("sk_live_4eC39HqLyjWDarjtT1zdp7dc");
    assert_eq!(leaks.len(), 1);
    assert_eq!(leaks[0].evidence, "sk_l****************dc");
    silent("sk_test_4eC39HqLyjWDarjtT1zdp7dc and sk_live_ are prefixes");
}

#[test]
fn google_key() {
    finds(
        "AIzaSyA1bC2dE3fG4hI5jK6lM7nO8pQ9rS0tU1v",
        secret(SecretKind::GoogleApiKey),
    );
    silent("AIzaSyA1bC2dE3fG4hI5 is too short");
    silent("AIzaSyA1bC2dE3fG4hI5jK6lM7nO8pQ9rS0tU1vWXYZ is too long");
}

#[test]
fn jwt() {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = URL_SAFE_NO_PAD.encode(r#"{"sub":"alice","exp":1700000000}"#);
    let token = format!("{header}.{claims}.c2lnbmF0dXJlLWhlcmU");
    finds(&format!("Bearer {token}"), secret(SecretKind::Jwt));
    let none = format!("{}.{claims}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#));
    finds(&none, secret(SecretKind::Jwt));
    // Starts like JSON but is not: no closing brace, no alg.
    let broken = URL_SAFE_NO_PAD.encode(r#"{"typ":"JWT","kid":1"#);
    silent(&format!("{broken}.{claims}.c2lnbmF0dXJl"));
    let no_alg = URL_SAFE_NO_PAD.encode(r#"{"typ":"JWT"}"#);
    silent(&format!("{no_alg}.{claims}.c2lnbmF0dXJl"));
}

// ---------------------------------------------------------------- fields

#[test]
fn sensitive_fields() {
    let leaks = matcher().find(r#"{"user": "bob", "password": "hunter2!secret"}"#);
    assert_eq!(leaks.len(), 1, "{leaks:?}");
    assert_eq!(
        leaks[0].kind,
        LeakKind::SensitiveField {
            field: SensitiveField::Password
        }
    );
    assert_eq!(leaks[0].evidence, r#""password": "hunt********et""#);
    finds(
        r#"{"passwd":"abc12345x"}"#,
        LeakKind::SensitiveField {
            field: SensitiveField::Passwd,
        },
    );
    finds(
        r#"{"ssn": "078-05-1120"}"#,
        LeakKind::SensitiveField {
            field: SensitiveField::Ssn,
        },
    );
    finds(
        r#"{"SSN": 78051120}"#,
        LeakKind::SensitiveField {
            field: SensitiveField::Ssn,
        },
    );
    silent(r#"{"password": "", "ssn": null, "passwd": ""}"#);
    silent("Reset your password: choose a strong one.");
}

// ---------------------------------------------------------------- cards

#[test]
fn credit_cards() {
    assert!(verify::luhn("4111111111111111"));
    assert!(!verify::luhn("4111111111111112"));
    let leaks = matcher().find(r#"{"card": "4111 1111 1111 1111"}"#);
    assert_eq!(leaks.len(), 1, "{leaks:?}");
    assert_eq!(leaks[0].kind, LeakKind::CreditCard);
    assert_eq!(leaks[0].evidence, "4111*************11");
    finds("5500-0000-0000-0004", LeakKind::CreditCard);
    finds("378282246310005", LeakKind::CreditCard);
    // Trailing digits after a separator are dropped until Luhn passes.
    finds("card 4111111111111111 12", LeakKind::CreditCard);
    silent("order 4111111111111112 shipped");
    silent(r#"{"created_ms": 1700000000000, "id": 123456789012345678}"#);
}

// ---------------------------------------------------------------- addresses, paths

#[test]
fn internal_ips() {
    finds("upstream 10.0.12.7:8080 refused", LeakKind::InternalIp);
    finds("host=172.20.1.3", LeakKind::InternalIp);
    finds(r#"{"ip":"192.168.1.254"}"#, LeakKind::InternalIp);
    silent("public 172.32.0.1 and 8.8.8.8, version 1.10.0.0.1, 192.169.0.1");
    silent("build 2.10.1.2.3");
}

#[test]
fn file_paths() {
    finds(
        "open /home/deploy/app/config.yml: permission denied",
        LeakKind::FilePath,
    );
    finds(r#"{"root":"/var/www/html"}"#, LeakKind::FilePath);
    finds(
        r#"{"p":"C:\\Users\\svc_app\\secrets.txt"}"#,
        LeakKind::FilePath,
    );
    silent("see https://example.com/home/docs/index and /var/www");
}

// ---------------------------------------------------------------- debug pages

#[test]
fn debug_pages() {
    finds(
        "<p>You're seeing this error because you have <code>DEBUG = True</code> in your Django settings file.</p>",
        debug(DebugPage::Django),
    );
    finds(
        "<title>KeyError // Werkzeug Debugger</title>",
        debug(DebugPage::Werkzeug),
    );
    finds(
        "<title>Whoops! There was an error.</title><div class=\"Whoops container\">",
        debug(DebugPage::LaravelWhoops),
    );
    finds(
        "<h1>Server Error in '/' Application.<hr width=100% size=1 color=silver></h1>",
        debug(DebugPage::AspNet),
    );
    finds(
        "<h1>Whitelabel Error Page</h1><div>There was an unexpected error (type=Internal Server Error, status=500).</div><div>java.lang.IllegalStateException: x\n\tat com.acme.Api.get(Api.java:12)\n</div>",
        debug(DebugPage::SpringWhitelabel),
    );
    // The Whitelabel page without a trace is not a debug leak.
    silent(
        "<h1>Whitelabel Error Page</h1><p>This application has no explicit mapping for /error, so you are seeing this as a fallback.</p>",
    );
    silent("Set DEBUG = True only in development. Whoops! Page not found.");
}

// ---------------------------------------------------------------- banners

#[test]
fn banners() {
    let found = server_banner([
        ("Server", "nginx/1.18.0"),
        ("X-Powered-By", "PHP/7.4.3"),
        ("server", "Apache/2.4.41 (Ubuntu)"),
        ("X-AspNet-Version", "4.0.30319"),
        ("X-AspNetMvc-Version", "5.2"),
        ("Content-Type", "text/plain/1.0"),
    ]);
    let headers: Vec<_> = found.iter().map(|b| b.value.as_str()).collect();
    assert_eq!(
        headers,
        [
            "nginx/1.18.0",
            "PHP/7.4.3",
            "Apache/2.4.41 (Ubuntu)",
            "4.0.30319",
            "5.2"
        ]
    );
    assert!(
        server_banner([
            ("Server", "nginx"),
            ("X-Powered-By", "Express"),
            ("Server", "cloudflare")
        ])
        .is_empty()
    );
}

// ---------------------------------------------------------------- misc

#[test]
fn evidence_is_capped_and_leaks_sorted() {
    let long = format!(
        "PHP Fatal error: {} in /srv/a.php on line 3",
        "x".repeat(500)
    );
    let leaks = matcher().find(&format!("ip 10.1.2.3 then {long}"));
    assert_eq!(leaks.len(), 2, "{leaks:?}");
    assert!(leaks[0].offset < leaks[1].offset);
    assert!(leaks[1].evidence.len() <= EVIDENCE_CAP + '…'.len_utf8());
}

#[test]
fn kinds_serialise_snake_case() {
    let value = serde_json::to_value(trace(Language::Nodejs)).ok();
    assert_eq!(
        value,
        Some(serde_json::json!({"kind": "stack_trace", "language": "nodejs"}))
    );
    let value = serde_json::to_value(LeakKind::CreditCard).ok();
    assert_eq!(value, Some(serde_json::json!({"kind": "credit_card"})));
}

// ---------------------------------------------------------------- the demo API

#[cfg(feature = "demo")]
/// `GET /reports/{name}`: the demo's own text.
use crate::demo::planted::STACK_TRACE as DEMO_STACK_TRACE;

#[cfg(feature = "demo")]
#[test]
fn demo_report_stack_trace() {
    let leaks = matcher().find(DEMO_STACK_TRACE);
    assert_eq!(leaks.len(), 1, "{leaks:?}");
    assert_eq!(leaks[0].kind, trace(Language::Java));
    assert_eq!(
        leaks[0].evidence,
        "at com.demo.reports.ReportService.render(ReportService.java:87)"
    );
}

#[cfg(feature = "demo")]
#[test]
fn demo_sqlite_error() {
    // The demo's GET /products/{sku} with sku = "'": the real rusqlite error,
    // formatted as src/demo/basic.rs formats it, inside the JSON error body.
    let sku = "'";
    let error = match rusqlite::Connection::open_in_memory() {
        Ok(db) => {
            let sql = format!("SELECT 1 WHERE 'x' = '{sku}'");
            match db.prepare(&sql) {
                Ok(_) => String::from("no error"),
                Err(e) => e.to_string(),
            }
        }
        Err(e) => panic!("in-memory SQLite: {e}"),
    };
    let message = format!("SQLite error: {error} (while executing SELECT ... WHERE sku = '{sku}')");
    let body = serde_json::json!({ "error": message }).to_string();
    assert!(body.contains("unrecognized token"), "{body}");
    let leaks = matcher().find(&body);
    assert_eq!(leaks.len(), 1, "{leaks:?}");
    assert_eq!(leaks[0].kind, sql(SqlEngine::Sqlite));
}

#[cfg(feature = "demo")]
/// `GET /config`: the demo's own fake secrets.
use crate::demo::planted::{FAKE_AWS_KEY, FAKE_PRIVATE_KEY};

#[cfg(feature = "demo")]
#[test]
fn demo_config_secrets() {
    let body = serde_json::json!({
        "region": "eu-west-1",
        "features": {"search": true, "webhooks": true},
        "max_upload_bytes": 1_048_576,
        "aws_access_key_id": FAKE_AWS_KEY,
        "aws_secret_access_key": "wJalrXUtnFEMIK7MDENGbPxRfiCYdemoKEYapiprobe",
        "signing_key": FAKE_PRIVATE_KEY,
    })
    .to_string();
    let leaks = matcher().find(&body);
    let found: Vec<_> = leaks.iter().map(|l| l.kind).collect();
    assert_eq!(
        found,
        [
            secret(SecretKind::AwsAccessKeyId),
            secret(SecretKind::PrivateKey)
        ],
        "{leaks:?}"
    );
    assert_eq!(leaks[0].evidence, "AKIA**************E2");
    assert_eq!(leaks[1].evidence, "-----BEGIN RSA PRIVATE KEY-----");
}

#[test]
fn demo_users_password_hashes() {
    // GET /users: password_hash is "$sha256$" + username + "$" + hex digest
    // (src/demo/auth.rs, hash_password).
    let hash = |user: &str| format!("$sha256${user}${}", "3f".repeat(32));
    let body = serde_json::json!([
        {"id": 1, "username": "alice", "role": "user", "email": "alice@example.com", "password_hash": hash("alice")},
        {"id": 2, "username": "bob", "role": "user", "email": "bob@example.com", "password_hash": hash("bob")},
        {"id": 3, "username": "admin", "role": "admin", "email": "admin@example.com", "password_hash": hash("admin")},
    ])
    .to_string();
    let leaks = matcher().find(&body);
    let hashes = leaks
        .iter()
        .filter(|l| {
            l.kind
                == LeakKind::SensitiveField {
                    field: SensitiveField::PasswordHash,
                }
        })
        .count();
    assert_eq!(hashes, 3, "{leaks:?}");
    assert!(leaks.iter().all(|l| !l.evidence.contains(&"3f".repeat(4))));
}

#[test]
fn demo_banner() {
    let found = server_banner([("x-powered-by", "PHP/7.4.3")]);
    assert_eq!(found.len(), 1);
}

// ---------------------------------------------------------------- look-alikes a real user meets

#[test]
fn routes_under_home_are_not_file_paths() {
    silent(r#"{"links": {"feed": "/home/feed/latest", "me": "/home/alice/settings"}}"#);
    silent(r#"{"next": "/home/v1.2/items"}"#);
    finds(r#"{"f": "/home/alice/.ssh/id_rsa"}"#, LeakKind::FilePath);
    finds(
        "at /home/dev/app/node_modules/express/lib/router",
        LeakKind::FilePath,
    );
    finds(r#"{"root": "/var/www/shop"}"#, LeakKind::FilePath);
}

#[test]
fn numbers_passing_luhn_are_cards_only_with_a_brand_and_not_as_json_numbers() {
    // Luhn-valid, but no card brand this matcher knows starts with 56
    assert!(verify::luhn("5610591081018250"));
    silent("ref 5610591081018250");
    // a bare JSON number is an id or an amount, unless its key names a card
    silent(r#"{"order_id": 4111111111111111, "total": [5500000000000004]}"#);
    finds(r#"{"card_number": 4111111111111111}"#, LeakKind::CreditCard);
    finds(r#"{"pan": "4111111111111111"}"#, LeakKind::CreditCard);
    finds("Visa 4012888888881881 on file", LeakKind::CreditCard);
}

#[test]
fn an_sql_error_carries_the_servers_message() {
    // the message in a JSON string, its escaped quotes included
    let body =
        r#"{"error":"SQLite error: unrecognized token: \"'x'\" (while executing a query)","id":1}"#;
    let leaks = matcher().find(body);
    assert_eq!(leaks.len(), 1, "{leaks:?}");
    assert_eq!(
        leaks[0].evidence,
        r#"SQLite error: unrecognized token: \"'x'\" (while executing a query)"#
    );
    // on a line of plain text, to the line's end
    let leaks = matcher().find("oops\nSQLite error: no such table: users\nmore\n");
    assert_eq!(leaks[0].evidence, "SQLite error: no such table: users");
    // nothing after the match: said, not left bare
    let leaks = matcher().find(r#"{"error":"SQLite error: "}"#);
    assert_eq!(leaks[0].evidence, "SQLite error: (no message follows)");
    // a long message is cut with a mark
    let body = format!("SQLite error: {}", "x".repeat(500));
    let leaks = matcher().find(&body);
    assert!(leaks[0].evidence.ends_with('…'), "{}", leaks[0].evidence);
    assert!(leaks[0].evidence.len() <= EVIDENCE_CAP + '…'.len_utf8());
}
