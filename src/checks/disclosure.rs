//! Checks for what a response gives away.

use super::check::{Context, Verdict};
use super::leaks::{Language, LeakKind, SqlEngine, server_banner as find_banners};
use super::server::serial_name;

/// A language's name as people write it.
fn language_name(language: Language) -> &'static str {
    match language {
        Language::Python => "Python",
        Language::Java => "Java",
        Language::Dotnet => ".NET",
        Language::Nodejs => "Node.js",
        Language::Go => "Go",
        Language::Rust => "Rust",
        Language::Php => "PHP",
        Language::Ruby => "Ruby",
    }
}

/// A database engine's name as people write it.
fn engine_name(engine: SqlEngine) -> &'static str {
    match engine {
        SqlEngine::Sqlite => "SQLite",
        SqlEngine::Postgresql => "PostgreSQL",
        SqlEngine::Mysql => "MySQL",
        SqlEngine::SqlServer => "SQL Server",
        SqlEngine::Oracle => "Oracle",
    }
}

/// A stack trace in the body: one verdict per language.
pub(crate) fn stack_trace_leak(ctx: &Context<'_>, out: &mut Vec<Verdict>) {
    let mut seen = Vec::new();
    for leak in ctx.leaks() {
        let LeakKind::StackTrace { language } = leak.kind else {
            continue;
        };
        if seen.contains(&language) {
            continue;
        }
        seen.push(language);
        out.push(Verdict {
            title: format!("{} stack trace in the response", language_name(language)),
            evidence: leak.evidence.clone(),
            signature: serial_name(language),
            ..Verdict::default()
        });
    }
}

/// A database error message in the body: one verdict per engine.
pub(crate) fn sql_error_leak(ctx: &Context<'_>, out: &mut Vec<Verdict>) {
    let mut seen = Vec::new();
    for leak in ctx.leaks() {
        let LeakKind::SqlError { engine } = leak.kind else {
            continue;
        };
        if seen.contains(&engine) {
            continue;
        }
        seen.push(engine);
        out.push(Verdict {
            title: format!("{} error message in the response", engine_name(engine)),
            evidence: leak.evidence.clone(),
            signature: serial_name(engine),
            ..Verdict::default()
        });
    }
}

/// A header name in its customary capitalisation (`x-powered-by` becomes
/// `X-Powered-By`).
fn display_header(lower: &str) -> String {
    match lower {
        "x-aspnet-version" => "X-AspNet-Version".to_owned(),
        "x-aspnetmvc-version" => "X-AspNetMvc-Version".to_owned(),
        _ => lower
            .split('-')
            .map(|part| {
                let mut chars = part.chars();
                match chars.next() {
                    Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                    None => String::new(),
                }
            })
            .collect::<Vec<_>>()
            .join("-"),
    }
}

/// A header revealing server software and its version: one verdict per banner.
pub(crate) fn server_banner(ctx: &Context<'_>, out: &mut Vec<Verdict>) {
    let Some(response) = ctx.exchange.response() else {
        return;
    };
    let headers = response
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()));
    let mut seen: Vec<String> = Vec::new();
    for banner in find_banners(headers) {
        let signature = format!("{}: {}", banner.header, banner.value);
        if seen.contains(&signature) {
            continue;
        }
        seen.push(signature.clone());
        let header = display_header(&banner.header);
        out.push(Verdict {
            title: format!("{header} reveals {}", banner.value.trim()),
            evidence: format!("{header}: {}", banner.value),
            signature,
            ..Verdict::default()
        });
    }
}
