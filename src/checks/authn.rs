//! Authentication checks judged on one exchange: an HMAC-signed JWT whose
//! secret is in the bundled wordlist (tested offline), and a CORS policy
//! that reflects any origin (or `null`) with credentials allowed.

use super::check::{Context, ProofItem, Verdict};
use super::jwt::{self, Jwt};
use super::leaks::{LeakKind, SecretKind};
use crate::probes::{CorsOrigin, ProbeKind};

/// An HS256/384/512 token, in the request's `Authorization` header or in the
/// response body, whose signature a secret from `payloads/jwt_secrets.txt`
/// reproduces. No request is sent for it: the tokens are those the scan
/// already has.
pub(crate) fn weak_jwt_secret(ctx: &Context<'_>, out: &mut Vec<Verdict>) {
    let mut tokens: Vec<(String, &str)> = Vec::new();
    if let Some(own) = jwt::bearer(&ctx.exchange.request.request.headers) {
        tokens.push((own.to_owned(), "the request's bearer token"));
    }
    let leaks = ctx.leaks();
    if leaks.iter().any(|l| {
        l.kind
            == LeakKind::Secret {
                secret: SecretKind::Jwt,
            }
    }) && let Some(response) = ctx.exchange.response()
    {
        let text = response.text();
        for leak in leaks {
            if leak.kind
                == (LeakKind::Secret {
                    secret: SecretKind::Jwt,
                })
            {
                tokens.push((leak.raw(&text).to_owned(), "a token in the response body"));
            }
        }
    }
    for (token, source) in tokens {
        let Some(secret) = jwt::weak_secret(&token) else {
            continue;
        };
        let alg = Jwt::parse(&token)
            .map(|t| t.alg().to_owned())
            .unwrap_or_default();
        let shown = if secret.is_empty() {
            "the empty secret".to_owned()
        } else {
            format!("the weak secret {secret:?}")
        };
        out.push(Verdict {
            title: format!("JWT ({alg}) signed with {shown}"),
            evidence: format!(
                "{source} verifies with {shown} from the bundled wordlist: anyone can forge tokens"
            ),
            signature: "weak_secret".to_owned(),
            proof: vec![
                ProofItem::new("secret", secret),
                ProofItem::new("alg", alg),
                ProofItem::new("token", jwt::abbreviate(&token)),
                ProofItem::new("found_in", source),
            ],
            ..Verdict::default()
        });
        return;
    }
}

/// The origin a CORS probe sent reflected in `Access-Control-Allow-Origin`
/// with `Access-Control-Allow-Credentials: true`: any site (or a sandboxed
/// or `file:` page, for `null`) can read the API's answers with the
/// victim's cookies or credentials.
pub(crate) fn cors_misconfiguration(ctx: &Context<'_>, out: &mut Vec<Verdict>) {
    let ProbeKind::Cors(origin) = ctx.probe else {
        return;
    };
    let Some(response) = ctx.exchange.response() else {
        return;
    };
    let sent = origin.value();
    let allowed = response
        .header("access-control-allow-origin")
        .map(str::trim);
    let credentials = response
        .header("access-control-allow-credentials")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    if allowed != Some(sent) || !credentials {
        return;
    }
    let what = match origin {
        CorsOrigin::Arbitrary => "an arbitrary Origin",
        CorsOrigin::Null => "the Origin null",
    };
    out.push(Verdict {
        title: format!("CORS reflects {what} with credentials allowed"),
        evidence: format!(
            "Origin: {sent} answered with Access-Control-Allow-Origin: {sent} and Access-Control-Allow-Credentials: true"
        ),
        signature: origin.name().to_owned(),
        proof: vec![
            ProofItem::new("origin_sent", sent),
            ProofItem::new("access_control_allow_origin", sent),
            ProofItem::new("access_control_allow_credentials", "true"),
        ],
        ..Verdict::default()
    });
}
