//! JSON Web Tokens: reading them and forging variants for the JWT probes
//! (cracking their secrets is `jwt_crack`'s).
//!
//! Only what the probes need: compact JWS tokens (`header.payload.signature`),
//! HMAC signatures (HS256, HS384, HS512) computed with the `hmac` and `sha2`
//! crates. Nothing here sends traffic.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::{Sha256, Sha384, Sha512};

/// A compact JWT, split and decoded.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Jwt {
    /// The decoded header (a JSON object).
    pub(crate) header: Value,
    /// The decoded claims (a JSON object).
    pub(crate) claims: Value,
    /// The header as it was encoded.
    pub(crate) header_b64: String,
    /// The claims as they were encoded.
    pub(crate) payload_b64: String,
    /// The signature as it was encoded (empty for an unsigned token).
    pub(crate) signature_b64: String,
}

fn decode_object(part: &str) -> Option<Value> {
    let bytes = URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()?;
    let value: Value = serde_json::from_slice(&bytes).ok()?;
    value.is_object().then_some(value)
}

/// Base64url without padding of `bytes`.
pub(crate) fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

impl Jwt {
    /// Parses a compact token; `None` unless it has three parts whose first
    /// two decode to JSON objects and the header names a string `alg`.
    pub(crate) fn parse(token: &str) -> Option<Jwt> {
        let mut parts = token.trim().split('.');
        let (h, p) = (parts.next()?, parts.next()?);
        let s = parts.next()?;
        if parts.next().is_some() {
            return None;
        }
        let header = decode_object(h)?;
        header.get("alg")?.as_str()?;
        Some(Jwt {
            claims: decode_object(p)?,
            header,
            header_b64: h.to_owned(),
            payload_b64: p.to_owned(),
            signature_b64: s.to_owned(),
        })
    }

    /// The `alg` header.
    pub(crate) fn alg(&self) -> &str {
        self.header.get("alg").and_then(Value::as_str).unwrap_or("")
    }

    /// A claim as text (`sub`, `role`, ...), if it is a string or a number.
    pub(crate) fn claim(&self, name: &str) -> Option<String> {
        match self.claims.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// Whether the signature verifies with `secret` under the token's HMAC
    /// algorithm (false for any other algorithm).
    pub(crate) fn verifies_with(&self, secret: &[u8]) -> bool {
        let Ok(given) = URL_SAFE_NO_PAD.decode(self.signature_b64.trim_end_matches('=')) else {
            return false;
        };
        let data = format!("{}.{}", self.header_b64, self.payload_b64);
        match self.alg() {
            "HS256" => verify::<Hmac<Sha256>>(secret, &data, &given),
            "HS384" => verify::<Hmac<Sha384>>(secret, &data, &given),
            "HS512" => verify::<Hmac<Sha512>>(secret, &data, &given),
            _ => false,
        }
    }
}

fn verify<M: Mac + hmac::digest::KeyInit>(secret: &[u8], data: &str, given: &[u8]) -> bool {
    let Ok(mut mac) = <M as Mac>::new_from_slice(secret) else {
        return false;
    };
    mac.update(data.as_bytes());
    mac.verify_slice(given).is_ok()
}

fn mac<M: Mac + hmac::digest::KeyInit>(secret: &[u8], data: &str) -> Vec<u8> {
    match <M as Mac>::new_from_slice(secret) {
        Ok(mut mac) => {
            mac.update(data.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

/// A token with `header` and `claims`, signed with `secret` under the
/// header's HMAC `alg` (HS256 when it names another), or unsigned (an empty
/// signature) when `secret` is `None`.
pub(crate) fn encode(header: &Value, claims: &Value, secret: Option<&[u8]>) -> String {
    let data = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let signature = match secret {
        None => Vec::new(),
        Some(key) => match header.get("alg").and_then(Value::as_str) {
            Some("HS384") => mac::<Hmac<Sha384>>(key, &data),
            Some("HS512") => mac::<Hmac<Sha512>>(key, &data),
            _ => mac::<Hmac<Sha256>>(key, &data),
        },
    };
    format!("{data}.{}", b64(&signature))
}

/// The bearer token of a request's `Authorization` header, if any.
pub(crate) fn bearer(headers: &[(String, String)]) -> Option<&str> {
    let value = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
        .map(|(_, v)| v.trim())?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

/// `token` shortened for a report: its header and the first characters of
/// the rest, so that it is recognisable but not reusable as is.
pub(crate) fn abbreviate(token: &str) -> String {
    match token.split_once('.') {
        Some((header, rest)) if rest.len() > 12 => {
            let cut = rest
                .char_indices()
                .nth(8)
                .map(|(i, _)| i)
                .unwrap_or(rest.len());
            format!("{header}.{}…", rest.get(..cut).unwrap_or_default())
        }
        _ => token.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn encode_then_parse_round_trips_and_verifies() {
        let header = json!({"alg": "HS256", "typ": "JWT"});
        let claims = json!({"sub": "alice", "role": "user"});
        let token = encode(&header, &claims, Some(b"secret"));
        let jwt = Jwt::parse(&token).unwrap();
        assert_eq!(jwt.alg(), "HS256");
        assert_eq!(jwt.claim("sub").as_deref(), Some("alice"));
        assert!(jwt.verifies_with(b"secret"));
        assert!(!jwt.verifies_with(b"Secret"));
        let unsigned = encode(&json!({"alg": "none"}), &claims, None);
        assert!(unsigned.ends_with('.'));
        assert_eq!(Jwt::parse(&unsigned).unwrap().alg(), "none");
        assert!(Jwt::parse("a.b").is_none());
        assert!(Jwt::parse("eyJ.eyJ.x").is_none());
    }

    #[test]
    fn bearer_reads_the_authorization_header() {
        let headers = vec![("Authorization".to_owned(), "Bearer abc.def.ghi".to_owned())];
        assert_eq!(bearer(&headers), Some("abc.def.ghi"));
        let basic = vec![("authorization".to_owned(), "Basic eA==".to_owned())];
        assert_eq!(bearer(&basic), None);
    }
}
