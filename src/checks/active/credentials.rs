//! The scan's credentials, taken apart for the authentication probes: which
//! of them authenticate, and malformed or wrong versions of those.

use base64::Engine as _;

use crate::checks::jwt::{self, Jwt};
use crate::identity::{Credential, Place};
use crate::model::{Api, SecurityScheme};

/// Whether a credential authenticates (rather than being an extra header):
/// `Authorization`, cookies, API keys the spec declares, and header names
/// that say so (`token`, `api-key`, `apikey`, `auth`).
pub(super) fn is_auth(api: &Api, c: &Credential) -> bool {
    let name = c.name.to_ascii_lowercase();
    if c.place != Place::Header || name == "authorization" || name == "cookie" {
        return true;
    }
    let declared = api.security_schemes.values().any(
        |s| matches!(s, SecurityScheme::ApiKey { name: n, .. } if n.eq_ignore_ascii_case(&c.name)),
    );
    declared
        || ["token", "api-key", "apikey", "api_key", "auth"]
            .iter()
            .any(|w| name.contains(w))
}

/// The credentials that authenticate, and the others.
pub(super) fn split(api: &Api, credentials: &[Credential]) -> (Vec<Credential>, Vec<Credential>) {
    credentials.iter().cloned().partition(|c| is_auth(api, c))
}

/// A credential in the right place with a value no server can parse.
pub(super) fn malformed(c: &Credential) -> Credential {
    let value = match c.value.split_once(' ') {
        Some((scheme, _)) if c.name.eq_ignore_ascii_case("authorization") => {
            format!("{scheme} @@apiprobe-malformed@@")
        }
        _ => "@@apiprobe-malformed@@".to_owned(),
    };
    Credential { value, ..c.clone() }
}

/// A well-formed credential that is not the real one: a JWT with the same
/// claims signed with another key, a random token of the same length, the
/// same user with a wrong password.
pub(super) fn wrong(c: &Credential, canary: &str) -> Credential {
    let scramble = |v: &str| -> String {
        let filler: Vec<char> = canary.chars().collect();
        v.chars()
            .enumerate()
            .map(|(i, ch)| {
                if ch.is_ascii_alphanumeric() {
                    let f = filler.get(i % filler.len().max(1)).copied().unwrap_or('x');
                    if f == ch {
                        if ch == 'q' { 'z' } else { 'q' }
                    } else {
                        f
                    }
                } else {
                    ch
                }
            })
            .collect()
    };
    let value = match c.value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => match Jwt::parse(token) {
            Some(t) => format!(
                "{scheme} {}",
                jwt::encode(&t.header, &t.claims, Some(canary.as_bytes()))
            ),
            None => format!("{scheme} {}", scramble(token)),
        },
        Some((scheme, encoded)) if scheme.eq_ignore_ascii_case("basic") => {
            let engine = base64::engine::general_purpose::STANDARD;
            let user = engine
                .decode(encoded.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|t| t.split_once(':').map(|(u, _)| u.to_owned()))
                .unwrap_or_default();
            format!(
                "{scheme} {}",
                engine.encode(format!("{user}:apiprobe-{canary}"))
            )
        }
        _ => scramble(&c.value),
    };
    Credential { value, ..c.clone() }
}

/// The bearer JWT among the credentials, with the credentials other than it.
pub(super) fn bearer_jwt(credentials: &[Credential]) -> Option<(String, Vec<Credential>)> {
    let token = credentials.iter().find_map(|c| {
        if !c.name.eq_ignore_ascii_case("authorization") {
            return None;
        }
        let (scheme, token) = c.value.split_once(' ')?;
        (scheme.eq_ignore_ascii_case("bearer") && Jwt::parse(token).is_some())
            .then(|| token.trim().to_owned())
    })?;
    let others = credentials
        .iter()
        .filter(|c| !c.name.eq_ignore_ascii_case("authorization"))
        .cloned()
        .collect();
    Some((token, others))
}

/// The username of a Basic credential, if the scan has one.
pub(super) fn basic_user(credentials: &[Credential]) -> Option<String> {
    credentials.iter().find_map(|c| {
        let (scheme, encoded) = c.value.split_once(' ')?;
        if !c.name.eq_ignore_ascii_case("authorization") || !scheme.eq_ignore_ascii_case("basic") {
            return None;
        }
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (user, _) = text.split_once(':')?;
        (!user.is_empty()).then(|| user.to_owned())
    })
}

/// A 2xx status.
pub(super) fn success(status: Option<u16>) -> bool {
    status.is_some_and(|s| (200..300).contains(&s))
}

/// 401 or 403.
pub(super) fn refusal(status: Option<u16>) -> bool {
    matches!(status, Some(401 | 403))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_and_malformed_keep_the_scheme_and_change_the_value() {
        let bearer = Credential::bearer("abcdef123456");
        let w = wrong(&bearer, "zzzzzz");
        assert!(w.value.starts_with("Bearer "));
        assert_ne!(w.value, bearer.value);
        assert_eq!(w.value.len(), bearer.value.len());
        assert_eq!(malformed(&bearer).value, "Bearer @@apiprobe-malformed@@");
        let basic = Credential::basic("alice:wonderland");
        let w = wrong(&basic, "k3y");
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(w.value.trim_start_matches("Basic "))
            .unwrap();
        assert_eq!(String::from_utf8(decoded).unwrap(), "alice:apiprobe-k3y");
        assert_eq!(basic_user(&[basic]).as_deref(), Some("alice"));
        assert_eq!(basic_user(&[bearer]), None);
        let token = jwt::encode(
            &serde_json::json!({"alg": "HS256"}),
            &serde_json::json!({"sub": "a"}),
            Some(b"real"),
        );
        let w = wrong(&Credential::bearer(&token), "other");
        let forged = Jwt::parse(w.value.trim_start_matches("Bearer ")).unwrap();
        assert_eq!(forged.claim("sub").as_deref(), Some("a"));
        assert!(!forged.verifies_with(b"real"));
    }
}
