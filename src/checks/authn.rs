//! Authentication checks judged on one exchange: an HMAC-signed JWT whose
//! secret is in the bundled wordlist (tested offline).

use super::check::{Context, ProofItem, Verdict};
use super::jwt::{self, Jwt};
use super::leaks::{LeakKind, SecretKind};

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
