//! Sensitive claims in issued JWTs: a password or its hash, a secret, the
//! e-mail address of someone other than the token's subject, an internal
//! database id. A token travels with every request and sits in browsers
//! and logs, and anyone can read its claims (they are only base64), so
//! what it carries is disclosed. Reported under `sensitive_data_exposure`,
//! with the claim named and its value masked.

use serde_json::Value;

use super::check::{Confidence, Context, ProofItem, Verdict};
use super::jwt::{self, Jwt};
use super::leaks::{LeakKind, SecretKind};

/// Claim names (lower case, `_` and `-` removed) that carry a password.
const PASSWORD: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "pass",
    "passphrase",
    "passwordhash",
    "hashedpassword",
    "pwdhash",
    "pwhash",
    "passhash",
    "passwordsalt",
];
/// Claim names that carry a secret, a key or a card.
const SECRET: &[&str] = &[
    "secret",
    "clientsecret",
    "secretkey",
    "apisecret",
    "apikey",
    "privatekey",
    "accesskey",
    "awssecretaccesskey",
    "totpsecret",
    "mfasecret",
    "otpsecret",
    "ssn",
    "socialsecuritynumber",
    "creditcard",
    "creditcardnumber",
    "cardnumber",
    "cvv",
    "cvc",
    "pin",
];
/// Claim names that carry an internal database id.
const INTERNAL_ID: &[&str] = &[
    "internalid",
    "internaluserid",
    "dbid",
    "databaseid",
    "rowid",
    "pk",
    "primarykey",
];
/// Top-level claims that name the token's own subject.
const SUBJECT: &[&str] = &[
    "sub",
    "email",
    "mail",
    "emailaddress",
    "upn",
    "preferredusername",
    "uniquename",
    "username",
    "name",
    "login",
    "nickname",
];
/// Prefixes of password hashes written in the modular crypt format.
const HASH_PREFIXES: &[&str] = &[
    "$2a$",
    "$2b$",
    "$2y$",
    "$argon2",
    "$pbkdf2",
    "$scrypt$",
    "$sha256$",
    "$sha512$",
    "$5$",
    "$6$",
    "$1$",
    "pbkdf2_sha256$",
    "bcrypt$",
];

/// What a sensitive claim holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A password in clear.
    Password,
    /// A password hash (by its name or its crypt-format value).
    PasswordHash,
    /// A secret, a key, a social security or card number.
    Secret,
    /// An e-mail address that is not the subject's own.
    OtherEmail,
    /// An internal database id.
    InternalId,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Password => "a password",
            Kind::PasswordHash => "a password hash",
            Kind::Secret => "a secret",
            Kind::OtherEmail => "the e-mail address of another user",
            Kind::InternalId => "an internal database id",
        }
    }

    fn confidence(self) -> Confidence {
        match self {
            Kind::OtherEmail | Kind::InternalId => Confidence::Likely,
            _ => Confidence::Confirmed,
        }
    }
}

/// One sensitive claim: its path (`password_hash`, `team/0/email`), what
/// it holds, and its value masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Claim {
    /// Where it is in the claims (keys joined by `/`).
    pub(crate) path: String,
    /// What it holds.
    pub(crate) kind: Kind,
    /// The value, masked (a few characters and the length).
    pub(crate) masked: String,
}

fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '_' | '-' | ' ' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && !domain.contains('@')
        && domain.contains('.')
        && !text.contains(char::is_whitespace)
        && domain
            .rsplit('.')
            .next()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()))
}

/// Whether a value is a mask or a placeholder, not the data.
fn is_masked(text: &str) -> bool {
    let lower = text.trim().to_ascii_lowercase();
    lower.is_empty()
        || lower.chars().all(|c| "*•x#-_. ".contains(c))
        || ["redacted", "[redacted]", "hidden", "masked", "null", "none"].contains(&lower.as_str())
}

/// `text` masked: an e-mail keeps its first character and its domain,
/// anything else its first two characters and its length.
pub(crate) fn mask(text: &str) -> String {
    if is_email(text)
        && let Some((local, domain)) = text.split_once('@')
    {
        let first: String = local.chars().take(1).collect();
        return format!("{first}***@{domain}");
    }
    let count = text.chars().count();
    if count <= 4 {
        return "****".to_owned();
    }
    let head: String = text.chars().take(2).collect();
    format!("{head}*** ({count} characters)")
}

/// The subject's own names: the top-level identity claims' values.
fn subject_values(claims: &Value) -> Vec<String> {
    let Some(map) = claims.as_object() else {
        return Vec::new();
    };
    map.iter()
        .filter(|(k, _)| SUBJECT.contains(&normalise(k).as_str()))
        .filter_map(|(_, v)| v.as_str().map(str::to_ascii_lowercase))
        .collect()
}

/// The sensitive claims of `claims`; `own` holds texts the caller sent
/// (its username): an e-mail address among them is the caller's.
pub(crate) fn sensitive(claims: &Value, own: &str) -> Vec<Claim> {
    let subject = subject_values(claims);
    let own = own.to_ascii_lowercase();
    let mut out = Vec::new();
    walk(claims, "", 0, &mut |path, key, value| {
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return,
        };
        if is_masked(&text) {
            return;
        }
        let name = normalise(key);
        let top = !path.contains('/');
        let kind = if HASH_PREFIXES.iter().any(|p| text.starts_with(p)) {
            Some(Kind::PasswordHash)
        } else if PASSWORD.contains(&name.as_str()) && value.is_string() {
            Some(if name.contains("hash") || name.contains("salt") {
                Kind::PasswordHash
            } else {
                Kind::Password
            })
        } else if (SECRET.contains(&name.as_str()) && text.len() >= 3)
            || text.contains("PRIVATE KEY-----")
        {
            Some(Kind::Secret)
        } else if INTERNAL_ID.contains(&name.as_str()) || name.starts_with("internal") {
            Some(Kind::InternalId)
        } else if is_email(&text) {
            let lower = text.to_ascii_lowercase();
            let subjects = top && SUBJECT.contains(&name.as_str());
            let theirs = !(subjects || subject.contains(&lower) || own.contains(&lower));
            theirs.then_some(Kind::OtherEmail)
        } else {
            None
        };
        if let Some(kind) = kind {
            out.push(Claim {
                path: path.to_owned(),
                kind,
                masked: mask(&text),
            });
        }
    });
    out
}

/// Calls `visit(path, key, value)` for every leaf under an object key,
/// depth-first, at most 6 levels and 256 leaves deep.
fn walk(value: &Value, path: &str, depth: usize, visit: &mut dyn FnMut(&str, &str, &Value)) {
    if depth > 6 {
        return;
    }
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter().take(256) {
                let at = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}/{k}")
                };
                match v {
                    Value::Object(_) | Value::Array(_) => walk(v, &at, depth + 1, visit),
                    leaf => visit(&at, k, leaf),
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate().take(64) {
                let at = format!("{path}/{i}");
                let key = path.rsplit('/').next().unwrap_or_default().to_owned();
                match v {
                    Value::Object(_) | Value::Array(_) => walk(v, &at, depth + 1, visit),
                    leaf => visit(&at, &key, leaf),
                }
            }
        }
        _ => {}
    }
}

/// The verdicts for the sensitive claims of `token`, one per claim path.
pub(crate) fn verdicts(token: &str, own: &str, found_in: &str) -> Vec<Verdict> {
    let Some(parsed) = Jwt::parse(token) else {
        return Vec::new();
    };
    sensitive(&parsed.claims, own)
        .into_iter()
        .map(|claim| Verdict {
            title: format!(
                "The issued JWT carries the claim {:?}: {}",
                claim.path,
                claim.kind.label()
            ),
            evidence: format!(
                "{found_in} is a JWT ({}) whose claim {:?} holds {} ({}); anyone holding the token can read it",
                parsed.alg(),
                claim.path,
                claim.kind.label(),
                claim.masked
            ),
            signature: format!("jwt_claim:{}", claim.path),
            confidence: claim.kind.confidence(),
            proof: vec![
                ProofItem::new("claim", claim.path.clone()),
                ProofItem::new("holds", claim.kind.label()),
                ProofItem::new("masked_value", claim.masked.clone()),
                ProofItem::new("token", jwt::abbreviate(token)),
                ProofItem::new("found_in", found_in),
            ],
        })
        .collect()
}

/// The JWTs in a response body, judged by their claims (part of
/// `sensitive_data_exposure`): tokens a sign-in issues, and any other.
pub(crate) fn in_response(ctx: &Context<'_>, out: &mut Vec<Verdict>) {
    let jwt_leak = LeakKind::Secret {
        secret: SecretKind::Jwt,
    };
    let leaks = ctx.leaks();
    if !leaks.iter().any(|l| l.kind == jwt_leak) {
        return;
    }
    let Some(response) = ctx.exchange.response() else {
        return;
    };
    let text = response.text();
    let sent = &ctx.exchange.request.request;
    let own = sent
        .body
        .as_ref()
        .map(|b| String::from_utf8_lossy(&b.bytes).into_owned())
        .unwrap_or_default();
    for leak in leaks.iter().filter(|l| l.kind == jwt_leak) {
        for verdict in verdicts(leak.raw(&text), &own, "a token in the response body") {
            if !out.iter().any(|v| v.signature == verdict.signature) {
                out.push(verdict);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kinds(claims: Value, own: &str) -> Vec<(String, Kind)> {
        sensitive(&claims, own)
            .into_iter()
            .map(|c| (c.path, c.kind))
            .collect()
    }

    #[test]
    fn harmless_claims_give_nothing() {
        let claims = json!({
            "iss": "https://id.example.com", "sub": "42", "aud": ["api"],
            "email": "alice@example.com", "name": "Alice", "roles": ["user"],
            "scope": "read write", "iat": 1, "exp": 2, "jti": "abc",
            "password_changed_at": 1700000000, "has_password": true,
            "pwd": "********", "org": {"id": 7, "contact": "alice@example.com"}
        });
        assert_eq!(kinds(claims, ""), []);
    }

    #[test]
    fn passwords_hashes_secrets_ids_and_others_emails_are_named() {
        let claims = json!({
            "sub": "bob", "email": "bob@corp.example",
            "password": "builder", "pw_hash": "abcdef0123",
            "legacy": "$2b$12$abcdefghijklmnopqrstuv",
            "client_secret": "s3cr3t-value", "internal_id": 991,
            "team": [{"email": "carol@corp.example"}, {"email": "bob@corp.example"}],
            "manager": "dave@corp.example"
        });
        let mut found = kinds(claims, r#"{"username":"bob"}"#);
        found.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            found,
            [
                ("client_secret".to_owned(), Kind::Secret),
                ("internal_id".to_owned(), Kind::InternalId),
                ("legacy".to_owned(), Kind::PasswordHash),
                ("manager".to_owned(), Kind::OtherEmail),
                ("password".to_owned(), Kind::Password),
                ("pw_hash".to_owned(), Kind::PasswordHash),
                ("team/0/email".to_owned(), Kind::OtherEmail),
            ]
        );
        // the caller's own address, sent in its sign-in, is its own
        let own = kinds(
            json!({"sub": "1", "contact": "eve@x.example"}),
            "eve@x.example",
        );
        assert_eq!(own, []);
    }

    #[test]
    fn values_are_masked() {
        assert_eq!(mask("carol@corp.example"), "c***@corp.example");
        assert_eq!(mask("builder"), "bu*** (7 characters)");
        assert_eq!(mask("abc"), "****");
        let token = jwt::encode(
            &json!({"alg": "HS256"}),
            &json!({"sub": "a", "password": "hunter22"}),
            Some(b"k"),
        );
        let v = verdicts(&token, "", "the answer");
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].signature, "jwt_claim:password");
        assert!(!v[0].evidence.contains("hunter22"), "{}", v[0].evidence);
        assert!(v[0].proof.iter().all(|p| !p.value.contains("hunter22")));
    }
}
