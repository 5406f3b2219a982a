//! The list of checks, as data: users select from it by name.

use super::check::{Check, How, Owasp, Scope, Severity};
use super::{active, authn, conformance, destructive, disclosure, exposure, server, validation};

/// Every check, in the order reports list them.
pub static CHECKS: &[Check] = &[
    Check {
        name: "not_a_server_error",
        severity: Severity::Medium,
        cwe: Some(755),
        owasp: None,
        summary: "The server answered with a 5xx status.",
        scope: Scope::Operation,
        how: How::Judge(server::not_a_server_error),
    },
    Check {
        name: "crash",
        severity: Severity::High,
        cwe: Some(248),
        owasp: Some(Owasp::Api4),
        summary: "The connection was reset or closed without a complete response, or the response was not valid HTTP.",
        scope: Scope::Operation,
        how: How::Judge(server::crash),
    },
    Check {
        name: "max_response_time",
        severity: Severity::Medium,
        cwe: Some(400),
        owasp: Some(Owasp::Api4),
        summary: "The response took longer than the limit (--max-response-time), or did not come before the timeout.",
        scope: Scope::Operation,
        how: How::Judge(server::max_response_time),
    },
    Check {
        name: "denial_of_service",
        severity: Severity::High,
        cwe: Some(400),
        owasp: Some(Owasp::Api4),
        summary: "The target stopped answering after this request: it timed out, and a request the target had answered quickly before was not answered either.",
        scope: Scope::Operation,
        how: How::Judge(server::denial_of_service),
    },
    Check {
        name: "destructive_operation",
        severity: Severity::Info,
        cwe: None,
        owasp: None,
        summary: "An operation resets or wipes the target's state (a database reset, a seed, a purge, a DELETE on a whole collection): sent once, alone, after every other probe, with the resources the scan knew that vanished.",
        scope: Scope::Operation,
        how: How::Judge(destructive::destructive_operation),
    },
    Check {
        name: "status_code_conformance",
        severity: Severity::Low,
        cwe: None,
        owasp: None,
        summary: "The status code is not among the operation's documented responses.",
        scope: Scope::Operation,
        how: How::Judge(conformance::status_code_conformance),
    },
    Check {
        name: "content_type_conformance",
        severity: Severity::Low,
        cwe: None,
        owasp: None,
        summary: "The response's Content-Type is not one the spec documents for its status.",
        scope: Scope::Operation,
        how: How::Judge(conformance::content_type_conformance),
    },
    Check {
        name: "response_schema_conformance",
        severity: Severity::Low,
        cwe: None,
        owasp: None,
        summary: "The response body does not match the documented schema (or is not the JSON it claims to be).",
        scope: Scope::Operation,
        how: How::Judge(conformance::response_schema_conformance),
    },
    Check {
        name: "response_headers_conformance",
        severity: Severity::Low,
        cwe: None,
        owasp: None,
        summary: "A documented required response header is missing or does not match its schema.",
        scope: Scope::Operation,
        how: How::Judge(conformance::response_headers_conformance),
    },
    Check {
        name: "negative_data_rejection",
        severity: Severity::Medium,
        cwe: Some(20),
        owasp: None,
        summary: "A request that breaks the spec's constraints was accepted with a 2xx status.",
        scope: Scope::Operation,
        how: How::Judge(validation::negative_data_rejection),
    },
    Check {
        name: "positive_data_acceptance",
        severity: Severity::Low,
        cwe: None,
        owasp: None,
        summary: "A request that follows the spec was rejected as invalid (400, 422 and similar).",
        scope: Scope::Operation,
        how: How::Judge(validation::positive_data_acceptance),
    },
    Check {
        name: "missing_required_header",
        severity: Severity::Low,
        cwe: Some(20),
        owasp: None,
        summary: "A request without a required header was accepted with a 2xx status.",
        scope: Scope::Operation,
        how: How::Judge(validation::missing_required_header),
    },
    Check {
        name: "unsupported_method",
        severity: Severity::Low,
        cwe: Some(650),
        owasp: Some(Owasp::Api8),
        summary: "A method the path does not declare was not answered with 405 Method Not Allowed.",
        scope: Scope::Operation,
        how: How::Judge(validation::unsupported_method),
    },
    Check {
        name: "stack_trace_leak",
        severity: Severity::Medium,
        cwe: Some(209),
        owasp: Some(Owasp::Api8),
        summary: "The response body holds a stack trace.",
        scope: Scope::Operation,
        how: How::Judge(disclosure::stack_trace_leak),
    },
    Check {
        name: "sql_error_leak",
        severity: Severity::High,
        cwe: Some(209),
        owasp: Some(Owasp::Api8),
        summary: "The response body holds a database error message (a sign of injectable SQL).",
        scope: Scope::Operation,
        how: How::Judge(disclosure::sql_error_leak),
    },
    Check {
        name: "server_banner",
        severity: Severity::Low,
        cwe: Some(200),
        owasp: Some(Owasp::Api8),
        summary: "A response header reveals server software and its version.",
        scope: Scope::Target,
        how: How::Judge(disclosure::server_banner),
    },
    Check {
        name: "secret_leak",
        severity: Severity::Critical,
        cwe: Some(522),
        owasp: Some(Owasp::Api8),
        summary: "The response body holds a credential or key: a cloud access key, a private key block, a token of a known service, or a JWT not issued to the caller.",
        scope: Scope::Operation,
        how: How::Judge(exposure::secret_leak),
    },
    Check {
        name: "sensitive_data_exposure",
        severity: Severity::High,
        cwe: Some(200),
        owasp: Some(Owasp::Api3),
        summary: "The response body holds a password, a password hash, a social security number or a card number (passing Luhn) that the request did not send, or a JWT whose claims carry a password, a secret, another user's e-mail address or an internal id.",
        scope: Scope::Operation,
        how: How::Judge(exposure::sensitive_data_exposure),
    },
    Check {
        name: "internal_disclosure",
        severity: Severity::Low,
        cwe: Some(497),
        owasp: Some(Owasp::Api8),
        summary: "The response body reveals a private network address or a server file-system path.",
        scope: Scope::Operation,
        how: How::Judge(exposure::internal_disclosure),
    },
    Check {
        name: "debug_page",
        severity: Severity::Medium,
        cwe: Some(489),
        owasp: Some(Owasp::Api8),
        summary: "The response is a framework's debug or developer error page (Django, Werkzeug, Laravel, ASP.NET, Spring).",
        scope: Scope::Operation,
        how: How::Judge(exposure::debug_page),
    },
    Check {
        name: "weak_jwt_secret",
        severity: Severity::Critical,
        cwe: Some(1391),
        owasp: Some(Owasp::Api2),
        summary: "An HMAC-signed JWT (the caller's, or one the API hands out) verifies with a secret from the bundled wordlist (tested offline).",
        scope: Scope::Target,
        how: How::Judge(authn::weak_jwt_secret),
    },
    active::cors::CHECK,
    active::undocumented::CHECK,
    active::xss::CHECK,
    active::stored_xss::CHECK,
    active::ignored_auth::CHECK,
    active::header_privilege::CHECK,
    active::jwt_forgery::CHECK,
    active::jwt_confusion::CHECK,
    active::token_revocation::CHECK,
    active::user_enumeration::CHECK,
    active::sqli::CHECK,
    active::brute_force::CHECK,
    active::command::CHECK,
    active::traversal::CHECK,
    active::template::CHECK,
    active::nosql::CHECK,
    active::ssrf::CHECK,
    active::resource::CHECK,
    active::mass_assignment::CHECK,
    active::lifecycle::ENSURE_RESOURCE_AVAILABILITY,
    active::lifecycle::USE_AFTER_FREE,
    active::bola::CHECK,
    active::bfla::CHECK,
    active::escalation::CHECK,
    active::token_chain::CHECK,
];

/// A check name that no check has.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown check {name:?}; the checks are: {known}")]
pub struct UnknownCheck {
    /// The name given.
    pub name: String,
    /// Every check's name, comma-separated.
    pub known: String,
}

/// The check named `name` (a former name finds the check that took it over:
/// `login_rate_limit` is `brute_force`).
pub fn find(name: &str) -> Option<&'static Check> {
    let name = current_name(name);
    CHECKS.iter().find(|c| c.name == name)
}

/// The name a check goes by now, for one it had before.
fn current_name(name: &str) -> &str {
    if name == active::brute_force::FORMER_NAME {
        active::brute_force::CHECK.name
    } else {
        name
    }
}

/// The checks to run: those named in `only` (every check when it is empty
/// or holds `all`), less those named in `exclude`.
pub fn select(only: &[String], exclude: &[String]) -> Result<Vec<&'static Check>, UnknownCheck> {
    let known = || CHECKS.iter().map(|c| c.name).collect::<Vec<_>>().join(", ");
    for name in only.iter().chain(exclude) {
        if name != "all" && find(name).is_none() {
            return Err(UnknownCheck {
                name: name.clone(),
                known: known(),
            });
        }
    }
    let everything = only.is_empty() || only.iter().any(|n| n == "all");
    Ok(CHECKS
        .iter()
        .filter(|c| everything || only.iter().any(|n| current_name(n) == c.name))
        .filter(|c| !exclude.iter().any(|n| current_name(n) == c.name))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = CHECKS.iter().map(|c| c.name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before);
    }

    #[test]
    fn selection_includes_and_excludes() {
        let all = select(&[], &[]).unwrap();
        assert_eq!(all.len(), CHECKS.len());
        let two = select(&["crash".into(), "server_banner".into()], &[]).unwrap();
        assert_eq!(
            two.iter().map(|c| c.name).collect::<Vec<_>>(),
            ["crash", "server_banner"]
        );
        let less = select(&["all".into()], &["crash".into()]).unwrap();
        assert_eq!(less.len(), CHECKS.len() - 1);
        assert!(less.iter().all(|c| c.name != "crash"));
        let former = select(&["login_rate_limit".into()], &[]).unwrap();
        assert_eq!(
            former.iter().map(|c| c.name).collect::<Vec<_>>(),
            ["brute_force"]
        );
        let err = select(&["nope".into()], &[]).unwrap_err();
        assert_eq!(err.name, "nope");
        assert!(err.to_string().contains("not_a_server_error"));
    }
}
