//! Authentication checks judged on one exchange: an HMAC-signed JWT whose
//! secret can be cracked offline (jwt_crack).

use super::check::{Context, ProofItem, Verdict};
use super::jwt::{self, Jwt};
use super::jwt_crack;
use super::leaks::{LeakKind, SecretKind};

/// Where a request's own bearer token is found.
const OWN: &str = "the request's bearer token";

/// An HS256/384/512 token, in the request's `Authorization` header or in the
/// response body, whose secret the scan's cracker finds (jwt_crack: the
/// bundled lists, numbers, the spec's and the answers' words, the user's
/// list). No request is sent for it: the tokens are those the scan already
/// has. The secret is a proof item (`secret`), masked in reports unless
/// `--show-secrets`.
pub(crate) fn weak_jwt_secret(ctx: &Context<'_>, out: &mut Vec<Verdict>) {
    let mut tokens: Vec<(String, &str)> = Vec::new();
    if let Some(own) = jwt::bearer(&ctx.exchange.request.request.headers) {
        tokens.push((own.to_owned(), OWN));
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
    let Some(cracker) = ctx.cracker else {
        return;
    };
    if let Some(response) = ctx.exchange.response() {
        cracker.learn(&response.text());
    }
    let seen_in = format!("{} {}", ctx.operation.method.as_str(), ctx.operation.path);
    for (token, source) in tokens {
        let Some(cracked) = off_the_runtime(|| cracker.crack(ctx.api, &token, &seen_in)) else {
            continue;
        };
        let Some(parsed) = Jwt::parse(&token) else {
            continue;
        };
        let alg = parsed.alg().to_owned();
        let secret = cracked.secret;
        let shown = if secret.is_empty() {
            "the empty secret".to_owned()
        } else {
            format!("the weak secret {secret:?}")
        };
        let what = if secret.is_empty() {
            "an empty secret".to_owned()
        } else {
            format!("a {}-character secret", secret.chars().count())
        };
        // one finding per deployment: tokens of other issuers are other keys
        let signature = match jwt_crack::deployment(&parsed) {
            Some(issuer) if source != OWN => format!("weak_secret:{issuer}"),
            _ => "weak_secret".to_owned(),
        };
        if out.iter().any(|v| v.signature == signature) {
            continue;
        }
        out.push(Verdict {
            title: format!("JWT ({alg}) signed with {shown}"),
            evidence: format!(
                "{source} verifies with {what} from {}: anyone can forge tokens",
                cracked.source
            ),
            signature,
            proof: vec![
                ProofItem::new("secret", secret),
                ProofItem::new("source", cracked.source),
                ProofItem::new("alg", alg),
                ProofItem::new("token", jwt::abbreviate(&token)),
                ProofItem::new("found_in", source),
            ],
            ..Verdict::default()
        });
    }
}

/// Runs `work` (seconds of cracking) where it does not hold up the scan:
/// on a multi-thread tokio runtime, the worker's other tasks move to
/// another thread meanwhile (`block_in_place`); before, answers waiting on
/// this worker came back a second or two late and looked slow
/// (max_response_time on the fixed demo). Elsewhere it just runs.
pub(crate) fn off_the_runtime<T>(work: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(work)
        }
        _ => work(),
    }
}
