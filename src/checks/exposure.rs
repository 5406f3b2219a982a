//! Checks for data a response must not carry: secrets, sensitive fields,
//! internal addresses and paths, debug pages. All read the leaks the one
//! matcher found in the body ([`Context::leaks`]); what the request itself
//! carried and the server merely echoes is never a leak.

use super::check::{Confidence, Context, ProofItem, Verdict};
use super::jwt::{self, Jwt};
use super::leaks::{DebugPage, Leak, LeakKind, SecretKind, SensitiveField};
use super::server::serial_name;
use crate::model::login;

/// Everything the request carried, as text (the URL percent-decoded), to
/// tell an echo from a leak.
fn request_text(ctx: &Context<'_>) -> String {
    let sent = &ctx.exchange.request;
    let mut text = percent_encoding::percent_decode_str(&sent.url)
        .decode_utf8_lossy()
        .into_owned();
    for (name, value) in &sent.request.headers {
        text.push('\n');
        text.push_str(name);
        text.push_str(": ");
        text.push_str(value);
    }
    if let Some(body) = &sent.request.body {
        text.push('\n');
        text.push_str(&String::from_utf8_lossy(&body.bytes));
    }
    text
}

/// The value part of a sensitive-field match (`"password": "x"` gives `x`).
fn field_value(raw: &str) -> &str {
    raw.split_once(':')
        .map(|(_, v)| v.trim().trim_matches('"'))
        .unwrap_or(raw)
}

/// Whether a field's value is a mask, not the data (`********`, `[REDACTED]`).
fn is_masked(value: &str) -> bool {
    let v = value.trim().to_ascii_lowercase();
    v.chars().all(|c| "*•x#-_. ".contains(c))
        || [
            "redacted",
            "[redacted]",
            "<redacted>",
            "hidden",
            "<hidden>",
            "masked",
            "[filtered]",
            "filtered",
            "secret",
            "null",
            "none",
        ]
        .contains(&v.as_str())
}

/// Every built-in attack payload, one a line: a match inside one of them is
/// apiprobe's own string coming back (stored by an earlier request, then
/// listed), not the server's.
static OWN_PAYLOADS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let payloads = crate::generate::Payloads::builtin();
    payloads
        .all()
        .map(|p| p.text_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("\n")
});

/// Whether `needle` (from the response) was sent by this request: an echo.
fn echoed(request: &str, needle: &str) -> bool {
    !needle.is_empty() && request.contains(needle)
}

/// Whether `needle` is long enough to mean something and part of an attack
/// payload apiprobe sends.
fn own_payload(needle: &str) -> bool {
    needle.len() >= 8 && OWN_PAYLOADS.contains(needle)
}

/// The response text the leaks were found in.
fn body_text(ctx: &Context<'_>) -> String {
    ctx.exchange
        .response()
        .map(|r| r.text().into_owned())
        .unwrap_or_default()
}

fn secret_name(kind: SecretKind) -> &'static str {
    match kind {
        SecretKind::AwsAccessKeyId => "AWS access key id",
        SecretKind::PrivateKey => "private key block",
        SecretKind::GithubToken => "GitHub token",
        SecretKind::SlackToken => "Slack token",
        SecretKind::StripeKey => "Stripe live key",
        SecretKind::GoogleApiKey => "Google API key",
        SecretKind::Jwt => "JSON Web Token",
    }
}

/// Pushes one verdict per distinct signature.
fn push_once(out: &mut Vec<Verdict>, seen: &mut Vec<String>, verdict: Verdict) {
    if seen.contains(&verdict.signature) {
        return;
    }
    seen.push(verdict.signature.clone());
    out.push(verdict);
}

fn where_found(leak: &Leak) -> ProofItem {
    ProofItem::new("body_offset", leak.offset.to_string())
}

/// A credential or key in the body: cloud keys, private key blocks, tokens of
/// known services, and JWTs not issued to the caller. One verdict per kind.
pub(crate) fn secret_leak(ctx: &Context<'_>, out: &mut Vec<Verdict>) {
    let leaks = ctx.leaks();
    if !leaks
        .iter()
        .any(|l| matches!(l.kind, LeakKind::Secret { .. }))
    {
        return;
    }
    let text = body_text(ctx);
    let request = request_text(ctx);
    let own = jwt::bearer(&ctx.exchange.request.request.headers).map(str::to_owned);
    let own_sub = own
        .as_deref()
        .and_then(Jwt::parse)
        .and_then(|t| t.claim("sub"));
    let mut issuer: Option<bool> = None;
    let mut seen = Vec::new();
    for leak in leaks {
        let LeakKind::Secret { secret } = leak.kind else {
            continue;
        };
        let raw = leak.raw(&text);
        if echoed(&request, raw) || own_payload(raw) {
            continue;
        }
        let mut confidence = Confidence::Confirmed;
        let mut proof = vec![
            ProofItem::new("secret_kind", serial_name(secret)),
            ProofItem::new("masked_value", leak.evidence.clone()),
            where_found(leak),
        ];
        let mut title = format!("{} in the response", secret_name(secret));
        if secret == SecretKind::Jwt {
            // a token the operation issues, or one of the caller's own, is no leak
            let issues =
                *issuer.get_or_insert_with(|| login::issues_tokens(ctx.api, ctx.operation));
            let token = Jwt::parse(raw);
            let sub = token.as_ref().and_then(|t| t.claim("sub"));
            if issues || (own_sub.is_some() && sub == own_sub) {
                continue;
            }
            confidence = Confidence::Likely;
            if let Some(sub) = &sub {
                title = format!("JSON Web Token of another identity (sub {sub:?}) in the response");
                proof.push(ProofItem::new("token_sub", sub.clone()));
            }
        }
        push_once(
            out,
            &mut seen,
            Verdict {
                title,
                evidence: leak.evidence.clone(),
                signature: serial_name(secret),
                confidence,
                proof,
            },
        );
    }
}

fn field_name(field: SensitiveField) -> &'static str {
    match field {
        SensitiveField::Password => "password",
        SensitiveField::PasswordHash => "password_hash",
        SensitiveField::Passwd => "passwd",
        SensitiveField::Ssn => "ssn",
    }
}

/// A sensitive field with a real value (passwords, password hashes, social
/// security numbers) or a card number passing Luhn in the body. One verdict
/// per field.
pub(crate) fn sensitive_data_exposure(ctx: &Context<'_>, out: &mut Vec<Verdict>) {
    // sensitive claims of the JWTs in the body (claims.rs)
    super::claims::in_response(ctx, out);
    let leaks = ctx.leaks();
    if !leaks.iter().any(|l| {
        matches!(
            l.kind,
            LeakKind::SensitiveField { .. } | LeakKind::CreditCard
        )
    }) {
        return;
    }
    let text = body_text(ctx);
    let request = request_text(ctx);
    let mut seen = Vec::new();
    for leak in leaks {
        let raw = leak.raw(&text);
        let (name, value) = match leak.kind {
            LeakKind::SensitiveField { field } => (field_name(field), field_value(raw)),
            LeakKind::CreditCard => ("card_number", raw),
            _ => continue,
        };
        if is_masked(value) {
            continue;
        }
        // the caller's own submitted value coming back is an echo, not a leak
        if echoed(&request, value) && (value.len() >= 6 || request.contains(name)) {
            continue;
        }
        let title = match leak.kind {
            LeakKind::CreditCard => "A card number (passing Luhn) in the response".to_owned(),
            _ => format!("The field {name:?} with a value in the response"),
        };
        push_once(
            out,
            &mut seen,
            Verdict {
                title,
                evidence: leak.evidence.clone(),
                signature: name.to_owned(),
                proof: vec![
                    ProofItem::new("field", name),
                    ProofItem::new("masked_value", leak.evidence.clone()),
                    where_found(leak),
                ],
                ..Verdict::default()
            },
        );
    }
}

/// A private (RFC 1918) address or a server-side file-system path in the
/// body. One verdict for addresses, one for paths.
pub(crate) fn internal_disclosure(ctx: &Context<'_>, out: &mut Vec<Verdict>) {
    let leaks = ctx.leaks();
    if !leaks
        .iter()
        .any(|l| matches!(l.kind, LeakKind::InternalIp | LeakKind::FilePath))
    {
        return;
    }
    // a stack trace names its files: stack_trace_leak reports those
    let traced = leaks
        .iter()
        .any(|l| matches!(l.kind, LeakKind::StackTrace { .. }));
    let text = body_text(ctx);
    let request = request_text(ctx);
    let mut seen = Vec::new();
    for leak in leaks {
        let (signature, title) = match leak.kind {
            LeakKind::InternalIp => ("internal_ip", "A private network address in the response"),
            LeakKind::FilePath => ("file_path", "A server file-system path in the response"),
            _ => continue,
        };
        let raw = leak.raw(&text);
        // a path that climbs with `..` is a traversal probe, not where a server lives
        let climbs = raw.contains("/../") || raw.contains("\\..\\") || raw.ends_with("/..");
        if ((traced || climbs) && leak.kind == LeakKind::FilePath)
            || echoed(&request, raw)
            || own_payload(raw)
        {
            continue;
        }
        push_once(
            out,
            &mut seen,
            Verdict {
                title: title.to_owned(),
                evidence: leak.evidence.clone(),
                signature: signature.to_owned(),
                proof: vec![
                    ProofItem::new("disclosed", leak.evidence.clone()),
                    where_found(leak),
                ],
                ..Verdict::default()
            },
        );
    }
}

fn framework_name(framework: DebugPage) -> &'static str {
    match framework {
        DebugPage::Django => "Django",
        DebugPage::Werkzeug => "Werkzeug (Flask)",
        DebugPage::LaravelWhoops => "Laravel (Whoops)",
        DebugPage::AspNet => "ASP.NET",
        DebugPage::SpringWhitelabel => "Spring Boot",
    }
}

/// A framework's debug or developer error page. One verdict per framework.
pub(crate) fn debug_page(ctx: &Context<'_>, out: &mut Vec<Verdict>) {
    let mut seen = Vec::new();
    for leak in ctx.leaks() {
        let LeakKind::DebugPage { framework } = leak.kind else {
            continue;
        };
        push_once(
            out,
            &mut seen,
            Verdict {
                title: format!("{} debug page in the response", framework_name(framework)),
                evidence: leak.evidence.clone(),
                signature: serial_name(framework),
                proof: vec![
                    ProofItem::new("framework", framework_name(framework)),
                    where_found(leak),
                ],
                ..Verdict::default()
            },
        );
    }
}
