//! The list of checks, as data: users select from it by name.

use super::check::{Check, Owasp, Scope, Severity};
use super::{active, authn, conformance, disclosure, exposure, server, validation};

/// Every check, in the order reports list them.
pub static CHECKS: &[Check] = &[
    Check {
        name: "not_a_server_error",
        severity: Severity::Medium,
        cwe: Some(755),
        owasp: None,
        summary: "The server answered with a 5xx status.",
        scope: Scope::Operation,
        judge: server::not_a_server_error,
    },
    Check {
        name: "crash",
        severity: Severity::High,
        cwe: Some(248),
        owasp: Some(Owasp::Api4),
        summary: "The connection was reset or closed without a complete response, or the response was not valid HTTP.",
        scope: Scope::Operation,
        judge: server::crash,
    },
    Check {
        name: "max_response_time",
        severity: Severity::Medium,
        cwe: Some(400),
        owasp: Some(Owasp::Api4),
        summary: "The response took longer than the limit (--max-response-time), or did not come before the timeout.",
        scope: Scope::Operation,
        judge: server::max_response_time,
    },
    Check {
        name: "status_code_conformance",
        severity: Severity::Low,
        cwe: None,
        owasp: None,
        summary: "The status code is not among the operation's documented responses.",
        scope: Scope::Operation,
        judge: conformance::status_code_conformance,
    },
    Check {
        name: "content_type_conformance",
        severity: Severity::Low,
        cwe: None,
        owasp: None,
        summary: "The response's Content-Type is not one the spec documents for its status.",
        scope: Scope::Operation,
        judge: conformance::content_type_conformance,
    },
    Check {
        name: "response_schema_conformance",
        severity: Severity::Low,
        cwe: None,
        owasp: None,
        summary: "The response body does not match the documented schema (or is not the JSON it claims to be).",
        scope: Scope::Operation,
        judge: conformance::response_schema_conformance,
    },
    Check {
        name: "response_headers_conformance",
        severity: Severity::Low,
        cwe: None,
        owasp: None,
        summary: "A documented required response header is missing or does not match its schema.",
        scope: Scope::Operation,
        judge: conformance::response_headers_conformance,
    },
    Check {
        name: "negative_data_rejection",
        severity: Severity::Medium,
        cwe: Some(20),
        owasp: None,
        summary: "A request that breaks the spec's constraints was accepted with a 2xx status.",
        scope: Scope::Operation,
        judge: validation::negative_data_rejection,
    },
    Check {
        name: "positive_data_acceptance",
        severity: Severity::Low,
        cwe: None,
        owasp: None,
        summary: "A request that follows the spec was rejected as invalid (400, 422 and similar).",
        scope: Scope::Operation,
        judge: validation::positive_data_acceptance,
    },
    Check {
        name: "missing_required_header",
        severity: Severity::Low,
        cwe: Some(20),
        owasp: None,
        summary: "A request without a required header was accepted with a 2xx status.",
        scope: Scope::Operation,
        judge: validation::missing_required_header,
    },
    Check {
        name: "unsupported_method",
        severity: Severity::Low,
        cwe: Some(650),
        owasp: Some(Owasp::Api8),
        summary: "A method the path does not declare was not answered with 405 Method Not Allowed.",
        scope: Scope::Operation,
        judge: validation::unsupported_method,
    },
    Check {
        name: "stack_trace_leak",
        severity: Severity::Medium,
        cwe: Some(209),
        owasp: Some(Owasp::Api8),
        summary: "The response body holds a stack trace.",
        scope: Scope::Operation,
        judge: disclosure::stack_trace_leak,
    },
    Check {
        name: "sql_error_leak",
        severity: Severity::High,
        cwe: Some(209),
        owasp: Some(Owasp::Api8),
        summary: "The response body holds a database error message (a sign of injectable SQL).",
        scope: Scope::Operation,
        judge: disclosure::sql_error_leak,
    },
    Check {
        name: "server_banner",
        severity: Severity::Low,
        cwe: Some(200),
        owasp: Some(Owasp::Api8),
        summary: "A response header reveals server software and its version.",
        scope: Scope::Target,
        judge: disclosure::server_banner,
    },
    Check {
        name: "secret_leak",
        severity: Severity::Critical,
        cwe: Some(522),
        owasp: Some(Owasp::Api8),
        summary: "The response body holds a credential or key: a cloud access key, a private key block, a token of a known service, or a JWT not issued to the caller.",
        scope: Scope::Operation,
        judge: exposure::secret_leak,
    },
    Check {
        name: "sensitive_data_exposure",
        severity: Severity::High,
        cwe: Some(200),
        owasp: Some(Owasp::Api3),
        summary: "The response body holds a password, a password hash, a social security number or a card number (passing Luhn) that the request did not send.",
        scope: Scope::Operation,
        judge: exposure::sensitive_data_exposure,
    },
    Check {
        name: "internal_disclosure",
        severity: Severity::Low,
        cwe: Some(497),
        owasp: Some(Owasp::Api8),
        summary: "The response body reveals a private network address or a server file-system path.",
        scope: Scope::Operation,
        judge: exposure::internal_disclosure,
    },
    Check {
        name: "debug_page",
        severity: Severity::Medium,
        cwe: Some(489),
        owasp: Some(Owasp::Api8),
        summary: "The response is a framework's debug or developer error page (Django, Werkzeug, Laravel, ASP.NET, Spring).",
        scope: Scope::Operation,
        judge: exposure::debug_page,
    },
    Check {
        name: "weak_jwt_secret",
        severity: Severity::Critical,
        cwe: Some(1391),
        owasp: Some(Owasp::Api2),
        summary: "An HMAC-signed JWT (the caller's, or one the API hands out) verifies with a secret from the bundled wordlist (tested offline).",
        scope: Scope::Target,
        judge: authn::weak_jwt_secret,
    },
    Check {
        name: "cors_misconfiguration",
        severity: Severity::High,
        cwe: Some(942),
        owasp: Some(Owasp::Api8),
        summary: "An arbitrary Origin, or `null`, is reflected in Access-Control-Allow-Origin with Access-Control-Allow-Credentials: true.",
        scope: Scope::Target,
        judge: active::active_only,
    },
    Check {
        name: "reflected_xss",
        severity: Severity::High,
        cwe: Some(79),
        owasp: Some(Owasp::Api8),
        summary: "Markup sent in a parameter came back unescaped in an HTML response (a unique canary tag proves it).",
        scope: Scope::Operation,
        judge: active::active_only,
    },
    Check {
        name: "ignored_auth",
        severity: Severity::High,
        cwe: Some(287),
        owasp: Some(Owasp::Api2),
        summary: "An operation that declares security, and succeeds with the scan's credentials, also succeeds with no credentials, malformed ones or a wrong token.",
        scope: Scope::Operation,
        judge: active::active_only,
    },
    Check {
        name: "jwt_forgery",
        severity: Severity::Critical,
        cwe: Some(347),
        owasp: Some(Owasp::Api2),
        summary: "A forged JWT (alg none, signature stripped, claims changed under the old signature, expired, kid injection) was accepted where no token is refused.",
        scope: Scope::Target,
        judge: active::active_only,
    },
    Check {
        name: "user_enumeration",
        severity: Severity::Medium,
        cwe: Some(204),
        owasp: Some(Owasp::Api2),
        summary: "A login-like operation answers a wrong password for a real user differently (status, message or time) from an unknown user.",
        scope: Scope::Operation,
        judge: active::active_only,
    },
    Check {
        name: "sql_injection",
        severity: Severity::Critical,
        cwe: Some(89),
        owasp: Some(Owasp::Api8),
        summary: "SQL injection, confirmed by an oracle: a database error after a quote (none for a balanced one), true and false conditions that answer differently, or an injected delay that repeats.",
        scope: Scope::Operation,
        judge: active::active_only,
    },
    Check {
        name: "login_rate_limit",
        severity: Severity::Medium,
        cwe: Some(307),
        owasp: Some(Owasp::Api2),
        summary: "A burst of failed sign-ins on a login-like operation met no 429 or lock-out (aggressive profile only).",
        scope: Scope::Operation,
        judge: active::active_only,
    },
    Check {
        name: "command_injection",
        severity: Severity::Critical,
        cwe: Some(78),
        owasp: Some(Owasp::Api8),
        summary: "OS command injection, confirmed by the output of an injected command (a canary and a product only a shell computes) or an injected sleep that repeats.",
        scope: Scope::Operation,
        judge: active::active_only,
    },
    Check {
        name: "path_traversal",
        severity: Severity::High,
        cwe: Some(22),
        owasp: Some(Owasp::Api8),
        summary: "A traversal sequence in a parameter read a file outside the served folder (the signature of /etc/passwd or win.ini came back).",
        scope: Scope::Operation,
        judge: active::active_only,
    },
    Check {
        name: "template_injection",
        severity: Severity::Critical,
        cwe: Some(1336),
        owasp: Some(Owasp::Api8),
        summary: "Server-side template injection: an arithmetic expression sent in a template syntax came back evaluated (the product of two random numbers).",
        scope: Scope::Operation,
        judge: active::active_only,
    },
    Check {
        name: "nosql_injection",
        severity: Severity::High,
        cwe: Some(943),
        owasp: Some(Owasp::Api8),
        summary: "NoSQL operator injection: operator objects ($ne, $regex, ...) that are true for all and for no records answer differently, while benign values agree.",
        scope: Scope::Operation,
        judge: active::active_only,
    },
    Check {
        name: "ssrf",
        severity: Severity::High,
        cwe: Some(918),
        owasp: Some(Owasp::Api7),
        summary: "Server-side request forgery: a URL given to the API was fetched (a request with its unique token reached apiprobe's callback listener).",
        scope: Scope::Operation,
        judge: active::active_only,
    },
    Check {
        name: "resource_consumption",
        severity: Severity::Medium,
        cwe: Some(400),
        owasp: Some(Owasp::Api4),
        summary: "A crafted input takes many times longer than a short one of the same shape, repeatedly, or a huge page size is served.",
        scope: Scope::Operation,
        judge: active::active_only,
    },
    Check {
        name: "mass_assignment",
        severity: Severity::High,
        cwe: Some(915),
        owasp: Some(Owasp::Api3),
        summary: "A privileged property the request schema does not declare (role, is_admin, balance, ...) was accepted and shows in the response.",
        scope: Scope::Operation,
        judge: active::active_only,
    },
    Check {
        name: "ensure_resource_availability",
        severity: Severity::Low,
        cwe: None,
        owasp: None,
        summary: "A resource just created (2xx) is not readable by the identity that created it.",
        scope: Scope::Operation,
        judge: active::active_only,
    },
    Check {
        name: "use_after_free",
        severity: Severity::Medium,
        cwe: Some(672),
        owasp: Some(Owasp::Api1),
        summary: "A resource deleted with a 2xx answer is still readable as it was (not 404 or 410, nor a tombstone).",
        scope: Scope::Operation,
        judge: active::active_only,
    },
    Check {
        name: "bola",
        severity: Severity::High,
        cwe: Some(639),
        owasp: Some(Owasp::Api1),
        summary: "One identity reads, changes or deletes a resource another identity created (broken object-level authorization).",
        scope: Scope::Operation,
        judge: active::active_only,
    },
    Check {
        name: "bfla",
        severity: Severity::High,
        cwe: Some(285),
        owasp: Some(Owasp::Api5),
        summary: "An operation the spec reserves to a privileged role succeeds for an identity without it (broken function-level authorization).",
        scope: Scope::Operation,
        judge: active::active_only,
    },
    Check {
        name: "privilege_escalation",
        severity: Severity::Critical,
        cwe: Some(269),
        owasp: Some(Owasp::Api3),
        summary: "An account registered with a privileged field (role, is_admin) signs in and reaches an operation a plain account is refused.",
        scope: Scope::Operation,
        judge: active::active_only,
    },
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

/// The check named `name`.
pub fn find(name: &str) -> Option<&'static Check> {
    CHECKS.iter().find(|c| c.name == name)
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
        .filter(|c| everything || only.iter().any(|n| n == c.name))
        .filter(|c| !exclude.iter().any(|n| n == c.name))
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
        let err = select(&["nope".into()], &[]).unwrap_err();
        assert_eq!(err.name, "nope");
        assert!(err.to_string().contains("not_a_server_error"));
    }
}
